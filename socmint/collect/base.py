"""What a collector is: a declared job in, raw pages out, each with the checkpoint after it.

A collector never writes anything itself. It yields `Page`s; the runner stores each page as
evidence (method "collect", origin the request URL), maps it with the platform's mapper like any
imported item, and saves the page's checkpoint in the same transaction, so a job killed at any
point resumes from the last stored page: no gap, no duplicate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from socmint.collect.http import Client


@dataclass
class Job:
    """A declared collection: saved in the case, re-run by `socmint collect --job` or `watch`."""

    id: str
    platform: str
    kind: str  # what to collect: "hashtag", "account", "thread", "search", "timeline", ...
    params: dict  # the kind's arguments: {"hashtag": "osint", "server": "mastodon.social"}
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None  # items (posts) at most, per run


@dataclass
class Page:
    url: str  # the request, secrets redacted: the item's origin
    data: bytes  # the response body, byte for byte
    at: datetime  # when it arrived
    checkpoint: dict  # the job's state once this page is stored
    items: int = 0  # posts (or events) in the page, for limits and progress
    framing: str = "document"  # "lines" when one response holds one item per line
    problem: str | None = None  # the client's reason when the body is unusable
    context: dict = field(default_factory=dict)  # what the mapper needs beyond the bytes


class Collector(Protocol):
    platform: str
    kinds: tuple[str, ...]  # the job kinds it understands

    def hosts(self, job: Job) -> set[str]:
        """Every host the job may contact; the client refuses all others."""

    def pages(self, job: Job, client: Client, checkpoint: dict) -> AsyncIterator[Page]:
        """Pages from where the checkpoint left off, newest state last."""
