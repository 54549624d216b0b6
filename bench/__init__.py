"""Benchmark helpers (not part of the govreport package)."""
