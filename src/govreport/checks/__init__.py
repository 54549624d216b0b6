"""The gate before publishing: Frictionless, Great Expectations and cross-table checks."""
