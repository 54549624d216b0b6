"""Raw documents in: the sources manifest, decoding raw bytes, fetching from URLs."""
