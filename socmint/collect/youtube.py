"""YouTube Data API v3: videos by id, a video's comments, a channel and its uploads.

Kinds and params:
  video     {"ids": ["dQw4w9WgXcQ", ...]} -> videos?part=snippet,statistics,contentDetails,
            50 ids a request (the API's maximum)
  comments  {"video": id or watch URL} -> commentThreads?part=snippet,replies (100 a page,
            newest first), then comments?parentId=... for every thread whose replies the
            thread page cut (totalReplyCount > len(replies.comments)), 100 a page
  channel   {"channel": "UC..." | "@handle" | channel URL} (also kind "account", param
            "account": the CLI's `--account @handle`) -> channels?part=snippet,statistics,
            contentDetails (forHandle for a handle), then the uploads playlist
            (contentDetails.relatedPlaylists.uploads, else "UU" + the id's tail) through
            playlistItems (50 a page), each page followed by videos?id=... for the statistics
Every kind takes "api" (default https://www.googleapis.com/youtube/v3): its host is the only
one the job contacts (plain http only for loopback hosts). The API key comes from secrets.toml
[youtube] api_key and travels as the `key` query parameter; the client redacts it from every URL
it reports, so no origin, error or log holds it, and an answer that repeats it is not stored.

Checkpoints, one per page: the pass in progress (page tokens, the threads whose replies are
still to fetch, the video ids whose statistics are still to fetch) or, between passes, the
newest time seen ("newest"), so a re-run of comments or uploads stops where the previous pass
began. `since` stops comments (top-level publishedAt) and uploads (videoPublishedAt) after the
page that reaches it; a video list has no time to stop on. `until` is not something these
endpoints filter on: pages are stored whole. `limit` caps the posts per run and shrinks the
last page size.

Errors: an answer that is not the expected list (HTTP errors with Google's error body, bodies
the client could not read after its retries) is stored as it came, its reason reported
("quotaExceeded" and the other reasons in the body), and the job stops with its checkpoint as it
was after the last good page, so the next run picks up there.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import orjson

from socmint import secrets
from socmint.collect.base import Job, Page
from socmint.collect.http import Client, Response
from socmint.collect.runner import register
from socmint.errors import RejectedItem, SocmintError
from socmint.sources.common import utc

API = "https://www.googleapis.com/youtube/v3"
VIDEO_PARTS = "snippet,statistics,contentDetails"
IDS = 50  # videos.list: ids per request
THREADS = 100  # commentThreads.list / comments.list maxResults
UPLOADS = 50  # playlistItems.list maxResults
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
QUOTA = {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded"}

VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{6,20}")
CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{10,40}")
HANDLE = re.compile(r"@[A-Za-z0-9._-]{3,100}")


class YouTubeCollector:
    platform = "youtube"
    kinds = ("video", "comments", "channel", "account")

    def hosts(self, job: Job) -> set[str]:
        _check(job)
        return {urlsplit(_api(job)).hostname.lower()}

    async def pages(self, job: Job, client: Client, checkpoint: dict) -> AsyncIterator[Page]:
        api = _Api(client, _api(job), secrets.require("youtube", "api_key"))
        run = {"video": self._videos, "comments": self._comments, "channel": self._channel,
               "account": self._channel}
        async for page in run[job.kind](job, api, checkpoint):
            yield page

    async def _videos(self, job: Job, api: _Api, checkpoint: dict) -> AsyncIterator[Page]:
        ids = _video_ids(job.params["ids"])
        chunks = [ids[i:i + IDS] for i in range(0, len(ids), IDS)]
        start = int(checkpoint.get("next", 0)) if checkpoint.get("in_pass") else 0
        for n in range(start, len(chunks)):
            r, body, problem = await api.get("videos", "youtube#videoListResponse",
                                             {"part": VIDEO_PARTS, "id": ",".join(chunks[n])})
            if problem:
                yield Page(r.url, r.data, r.at, checkpoint, 0, problem=problem)
                return
            last = n + 1 == len(chunks)
            checkpoint = {} if last else {"in_pass": True, "next": n + 1}
            yield Page(r.url, r.data, r.at, checkpoint, len(_items(body)))

    async def _comments(self, job: Job, api: _Api, checkpoint: dict) -> AsyncIterator[Page]:
        video = _video(job.params["video"])
        if checkpoint.get("in_pass"):
            st = dict(checkpoint)
        else:
            st = {"in_pass": True, "page": None, "pending": [], "reply_page": None,
                  "end": False, "top": None, "stop": checkpoint.get("newest")}
        since = job.since
        got = 0
        while True:
            if st["pending"]:
                parent = st["pending"][0]
                params = {"part": "snippet", "parentId": parent, "maxResults": THREADS,
                          "textFormat": "html"}
                if st["reply_page"]:
                    params["pageToken"] = st["reply_page"]
                r, body, problem = await api.get("comments", "youtube#commentListResponse",
                                                 params)
                if problem:
                    yield Page(r.url, r.data, r.at, checkpoint, 0, problem=problem)
                    return
                nxt = _token(body)
                st = {**st, "reply_page": nxt, "pending": st["pending"] if nxt
                      else st["pending"][1:]}
                checkpoint = _settled(st)
                got += len(_items(body))
                yield Page(r.url, r.data, r.at, checkpoint, len(_items(body)))
                continue
            if st["end"]:
                return
            params = {"part": "snippet,replies", "videoId": video, "order": "time",
                      "maxResults": _size(THREADS, job, got), "textFormat": "html"}
            if st["page"]:
                params["pageToken"] = st["page"]
            r, body, problem = await api.get("commentThreads",
                                             "youtube#commentThreadListResponse", params)
            if problem:
                yield Page(r.url, r.data, r.at, checkpoint, 0, problem=problem)
                return
            threads = _items(body)
            times = [t for t in (_time(_dig(th, "snippet", "topLevelComment", "snippet",
                                            "publishedAt")) for th in threads) if t]
            top = max(times + ([_time(st["top"])] if st["top"] else []), default=None)
            oldest = min(times, default=None)
            stop = _time(st["stop"])
            reached = oldest is not None and ((since is not None and oldest < _aware(since))
                                              or (stop is not None and oldest <= stop))
            nxt = _token(body)
            st = {**st, "page": nxt, "pending": _cut(threads), "reply_page": None,
                  "end": nxt is None or reached or not threads,
                  "top": top.isoformat() if top else st["top"]}
            checkpoint = _settled(st)
            n = sum(1 + len(_replies(th)) for th in threads)
            got += n
            yield Page(r.url, r.data, r.at, checkpoint, n)

    async def _channel(self, job: Job, api: _Api, checkpoint: dict) -> AsyncIterator[Page]:
        if checkpoint.get("in_pass"):
            st = dict(checkpoint)
        else:
            which = _channel_ref(job.params.get("channel") or job.params.get("account"))
            params = {"part": "snippet,statistics,contentDetails"}
            params["forHandle" if which.startswith("@") else "id"] = which
            r, body, problem = await api.get("channels", "youtube#channelListResponse",
                                             params)
            found = [c for c in _items(body) if isinstance(c, dict)]
            chosen = next((c for c in found if c.get("id") == which), found[0] if found
                          else None)
            cid = chosen.get("id") if chosen else None
            if not problem and not isinstance(cid, str):
                problem = f"no channel {which}"
            if problem:
                yield Page(r.url, r.data, r.at, checkpoint, 0, problem=problem)
                return
            uploads = _dig(chosen, "contentDetails", "relatedPlaylists", "uploads")
            if not isinstance(uploads, str) or not uploads:
                uploads = "UU" + cid[2:] if cid.startswith("UC") else None
            st = {"in_pass": True, "uploads": uploads, "page": None, "stats": [],
                  "end": uploads is None, "top": None, "stop": checkpoint.get("newest")}
            checkpoint = _settled(st)
            yield Page(r.url, r.data, r.at, checkpoint, 0,
                       problem=None if uploads else f"channel {cid} names no uploads playlist")
            if not uploads:
                return
        since = job.since
        got = 0
        while True:
            if st["stats"]:
                r, body, problem = await api.get("videos", "youtube#videoListResponse",
                                                 {"part": VIDEO_PARTS,
                                                  "id": ",".join(st["stats"])})
                if problem:
                    yield Page(r.url, r.data, r.at, checkpoint, 0, problem=problem)
                    return
                st = {**st, "stats": []}
                checkpoint = _settled(st)
                got += len(_items(body))
                yield Page(r.url, r.data, r.at, checkpoint, len(_items(body)))
                continue
            if st["end"]:
                return
            params = {"part": "snippet,contentDetails", "playlistId": st["uploads"],
                      "maxResults": _size(UPLOADS, job, got)}
            if st["page"]:
                params["pageToken"] = st["page"]
            r, body, problem = await api.get("playlistItems",
                                             "youtube#playlistItemListResponse", params)
            if problem:
                yield Page(r.url, r.data, r.at, checkpoint, 0, problem=problem)
                return
            entries = _items(body)
            ids = [v for v in (_dig(e, "contentDetails", "videoId") or _dig(
                e, "snippet", "resourceId", "videoId") for e in entries)
                if isinstance(v, str) and VIDEO_ID.fullmatch(v)]
            times = [t for t in (_time(_dig(e, "contentDetails", "videoPublishedAt"))
                                 for e in entries) if t]
            top = max(times + ([_time(st["top"])] if st["top"] else []), default=None)
            oldest = min(times, default=None)
            stop = _time(st["stop"])
            reached = oldest is not None and ((since is not None and oldest < _aware(since))
                                              or (stop is not None and oldest <= stop))
            nxt = _token(body)
            st = {**st, "page": nxt, "stats": list(dict.fromkeys(ids)),
                  "end": nxt is None or reached or not entries,
                  "top": top.isoformat() if top else st["top"]}
            checkpoint = _settled(st)
            yield Page(r.url, r.data, r.at, checkpoint, 0)


class _Api:
    """GETs with the key, each answer checked to be the list asked for."""

    def __init__(self, client: Client, base: str, key: str) -> None:
        self.client = client
        self.base = base
        self.key = key

    async def get(self, resource: str, kind: str, params: dict
                  ) -> tuple[Response, dict | None, str | None]:
        r = await self.client.get(f"{self.base}/{resource}", params={**params, "key": self.key})
        if r.data and self.key.encode() in r.data:
            return _failed(r.url, ""), None, "the answer repeats a credential: not stored"
        if r.problem:
            return r, None, secrets.redact(r.problem)
        body = _loads(r.data)
        if r.status != 200:
            return r, None, _error(r.status, body)
        if not isinstance(body, dict) or body.get("kind") != kind or not isinstance(
                body.get("items", []), list):
            return r, None, f"the answer is not a {kind}"
        return r, body, None


def _error(status: int, body) -> str:
    """Google's error body: {"error": {"code", "message", "errors": [{"reason", ...}]}}."""
    err = body.get("error") if isinstance(body, dict) else None
    reasons = [e.get("reason") for e in (err.get("errors") or [] if isinstance(err, dict)
                                         else []) if isinstance(e, dict)]
    reason = next((x for x in reasons if isinstance(x, str)), None)
    message = err.get("message") if isinstance(err, dict) else None
    words = f"HTTP {status}"
    if reason:
        words = f"{reason} ({words})" if reason in QUOTA else f"{words} {reason}"
    if isinstance(message, str) and message:
        words += ": " + re.sub(r"<[^>]{0,200}>", "", message)[:200]
    return secrets.redact(words)


def _failed(url: str, problem: str) -> Response:
    return Response(secrets.redact(url), 0, b"", {}, datetime.now(timezone.utc),
                    secrets.redact(problem) or None)


def _settled(st: dict) -> dict:
    """The checkpoint for a state: between passes once nothing is left to fetch."""
    if st["end"] and not st.get("pending") and not st.get("stats"):
        newest = max((x for x in (st.get("top"), st.get("stop")) if x), key=_time,
                     default=None)
        return {"newest": newest} if newest else {}
    return st


def _size(most: int, job: Job, got: int) -> int:
    return most if job.limit is None else max(1, min(most, job.limit - got))


def _cut(threads: list) -> list[str]:
    """Threads whose replies the page did not hold in full."""
    out = []
    for th in threads:
        total = _dig(th, "snippet", "totalReplyCount")
        tid = th.get("id") if isinstance(th, dict) else None
        if isinstance(total, int) and isinstance(tid, str) and total > len(_replies(th)):
            out.append(tid)
    return out


def _replies(th) -> list:
    comments = _dig(th, "replies", "comments")
    return comments if isinstance(comments, list) else []


def _items(body) -> list:
    items = body.get("items") if isinstance(body, dict) else None
    return items if isinstance(items, list) else []


def _token(body) -> str | None:
    t = body.get("nextPageToken") if isinstance(body, dict) else None
    return t if isinstance(t, str) and t else None


def _dig(o, *keys):
    for k in keys:
        if not isinstance(o, dict):
            return None
        o = o.get(k)
    return o


def _time(v) -> datetime | None:
    try:
        return utc(v) if isinstance(v, str) else None
    except RejectedItem:
        return None


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _loads(data: bytes):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


# ---------------------------------------------------------------- params

def _check(job: Job) -> None:
    p = job.params
    if not isinstance(p, dict):
        raise SocmintError("youtube: job params must be a table")
    if job.kind == "video":
        _video_ids(p.get("ids"))
    elif job.kind == "comments":
        _video(p.get("video"))
    elif job.kind in ("channel", "account"):
        _channel_ref(p.get("channel") or p.get("account"))


def _api(job: Job) -> str:
    url = job.params.get("api", API)
    parts = urlsplit(url) if isinstance(url, str) else None
    host = (parts.hostname or "").lower() if parts else ""
    if (not parts or not host or parts.username or parts.password or parts.query
            or parts.fragment or not (parts.scheme == "https"
                                      or (parts.scheme == "http" and host in LOOPBACK))):
        raise SocmintError("youtube: api must be an https:// URL (http:// only on loopback)")
    return url.rstrip("/")


def _video_ids(value) -> list[str]:
    ids = value.split(",") if isinstance(value, str) else value
    if not isinstance(ids, list) or not ids:
        raise SocmintError("a YouTube video job lists its video ids")
    out = [_video(v) for v in ids]
    return list(dict.fromkeys(out))


def _video(value) -> str:
    """A video id, from the id itself or a watch / youtu.be / shorts URL (never fetched)."""
    s = str(value or "").strip()
    if "/" in s:
        parts = urlsplit(s)
        host = (parts.hostname or "").lower()
        if host.endswith("youtu.be"):
            s = parts.path.strip("/")
        elif parts.path.startswith(("/shorts/", "/live/", "/embed/")):
            s = parts.path.split("/")[2]
        else:
            s = (parse_qs(parts.query).get("v") or [""])[0]
    if not VIDEO_ID.fullmatch(s):
        raise SocmintError(f"youtube: not a video id: {str(value)[:60]!r}")
    return s


def _channel_ref(value) -> str:
    """A channel id ("UC...") or a handle ("@name"), also from a channel URL."""
    s = str(value or "").strip()
    if "/" in s:
        path = urlsplit(s).path
        m = re.search(r"/channel/(UC[A-Za-z0-9_-]+)|/(@[A-Za-z0-9._-]+)", path)
        s = (m.group(1) or m.group(2)) if m else ""
    if CHANNEL_ID.fullmatch(s) or HANDLE.fullmatch(s):
        return s
    raise SocmintError(f"youtube: not a channel id or @handle: {str(value)[:60]!r}")


register(YouTubeCollector())
