"""RSS and Atom feeds: kind "feed" {"url": "https://example.org/feed.xml"}.

One GET of the feed as the job names it (the only host it may contact; a redirect to another host
is refused and reported, never followed). The answer is stored byte for byte with framing "feed"
(mapping reads it with socmint.sources.rss.parse) and the feed's URL as context, so relative
links resolve and a feed without a link of its own still has an account.

Conditional requests: the checkpoint keeps the ETag and Last-Modified of the last stored answer
and a re-run sends If-None-Match / If-Modified-Since, so an unchanged feed (304) stores nothing;
a server that ignores them answers the same bytes, which the evidence store already holds.

Problems are reported, not raised: an error answer after the client's retries, a body that is
not a feed (stored, and rejected by the mapper with feedparser's reason), a malformed feed
(stored and mapped as far as feedparser's lenient parser reads it, and reported). The job's
since/until do not filter: a feed is kept whole, as it came.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from socmint.collect.base import Job, Page
from socmint.collect.http import Client
from socmint.collect.runner import register
from socmint.errors import SocmintError
from socmint.sources import rss


class RssCollector:
    platform = "rss"
    kinds = ("feed",)

    def url(self, job: Job) -> str:
        url = job.params.get("url")
        try:
            parts = urlsplit(url.strip()) if isinstance(url, str) else None
        except ValueError:
            parts = None
        if not parts or parts.scheme not in ("http", "https") or not parts.hostname:
            raise SocmintError(f"a feed job names the feed's http(s) URL, not {url!r}")
        return url.strip()

    def hosts(self, job: Job) -> set[str]:
        return {urlsplit(self.url(job)).hostname}

    async def pages(self, job: Job, client: Client, checkpoint: dict) -> AsyncIterator[Page]:
        url = self.url(job)
        headers = {}
        if isinstance(checkpoint.get("etag"), str):
            headers["If-None-Match"] = checkpoint["etag"]
        if isinstance(checkpoint.get("modified"), str):
            headers["If-Modified-Since"] = checkpoint["modified"]
        r = await client.get(url, headers=headers or None, expect_json=False)
        if r.status == 304:
            yield Page(r.url, b"", r.at, checkpoint, 0)
            return
        context = {"url": url}
        if r.status != 200 or r.problem:
            yield Page(r.url, r.data, r.at, checkpoint, 0, framing="feed", context=context,
                       problem=r.problem or f"HTTP {r.status}")
            return
        state = {k: v for k, v in (("etag", r.headers.get("etag")),
                                   ("modified", r.headers.get("last-modified"))) if v}
        problem, entries = _read(r.data, url)
        yield Page(r.url, r.data, r.at, state, entries, framing="feed", context=context,
                   problem=problem)


def _read(data: bytes, url: str) -> tuple[str | None, int]:
    """What is wrong with a feed answer, if anything, and how many entries it holds."""
    try:
        doc = rss.parse(data, url)
    except ValueError as exc:
        return str(exc), 0
    entries = len(doc.get("entries") or [])
    why = doc.get("bozo_exception")
    if not entries and not doc.get("version"):
        return f"not an RSS or Atom feed ({why or 'nothing a feed parser reads'})"[:300], 0
    if doc.get("bozo") and why:
        return f"malformed feed, read leniently: {why}"[:300], entries
    return None, entries


register(RssCollector())
