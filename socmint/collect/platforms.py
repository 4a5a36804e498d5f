"""Importing this module registers every platform's collector with the runner."""

from socmint.collect import bluesky, fourchan, mastodon, reddit, rss, youtube  # noqa: F401
