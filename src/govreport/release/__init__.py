"""Releases: versioning, writing, changes between releases, storage targets."""
