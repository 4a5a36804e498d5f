"""Live collection: declared jobs, platform collectors, the polite HTTP client, monitoring."""
