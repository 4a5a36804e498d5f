"""Importing this module registers every platform's collector with the runner."""

from socmint.collect import mastodon  # noqa: F401
