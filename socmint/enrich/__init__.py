"""Enrichers: what can be read out of posts beyond what the platform said (selectors, language,
places, near-duplicates), written to the entities table with the post they came from."""
