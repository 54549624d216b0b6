"""Static pages for humans, built from a release."""
