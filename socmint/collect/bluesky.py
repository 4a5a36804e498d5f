"""Bluesky (AT Protocol): an account's posts, threads, profiles, follows, search, and Jetstream.

Every page is a raw XRPC JSON response or a run of raw Jetstream event lines; the mapper in
`socmint.sources.bluesky` reads them like imported files (bluesky.feed, .thread, .profiles,
.follows, .jetstream). This module maps nothing.

Jobs (kind [params] -> XRPC method; checkpoint). Lists may also be one comma-separated string,
as `--param key=a,b` passes them.

- author (alias account) [actor: handle or DID; filter] -> app.bsky.feed.getAuthorFeed;
  {cursor, top, since} during a pass, {newest} between passes.
- thread [uri: at-uri (alias thread); depth, parent_height] -> app.bsky.feed.getPostThread;
  {done}.
- profile [actors] -> app.bsky.actor.getProfiles, 25 actors a request; {next: index}, {done}.
- follows, followers [actor] -> app.bsky.graph.getFollows / getFollowers; {cursor}, {done}.
- search [query; sort latest|top, lang, author, mentions, domain, url, tag] ->
  app.bsky.feed.searchPosts, job.since/until as its since/until; as author (sort=latest), or
  {cursor}, {done} (sort=top, which is not in time order).
- firehose [collections, dids, keywords, max_events; page_events, page_seconds, rewind_seconds]
  -> Jetstream /subscribe; {cursor: time_us}.

Hosts: the AppView `params["appview"]` (default public.api.bsky.app) for every XRPC kind but
search; search needs an account (the public AppView answers 403 to unauthenticated search), so it
logs in with com.atproto.server.createSession at `params["pds"]` (default bsky.social, the
entryway) with `handle` and `app_password` from the secrets file's [bluesky] table, and asks that
same host, which proxies app.bsky.* to the AppView with the session. The firehose connects to
`params["jetstream"]` (default jetstream2.us-east.bsky.network). A job names exactly one host and
the client refuses every other. `params["scheme"]` (http or ws) is for loopback tests.

Incremental runs: getAuthorFeed and searchPosts (sort=latest) go newest first; a pass ends at the
first page reaching the newest item the previous pass saw (its `indexedAt`, or the repost's),
at `job.since`, or where the server gives no cursor. Graph and profile jobs re-walk the whole list
each run (every run is a new observation of the graph and its counts); a killed run resumes its
pass from the checkpoint.

Sessions: the access and refresh tokens live in this process's memory only (never in a URL, the
checkpoint, evidence, a log or an error); an expired access token is refreshed with
com.atproto.server.refreshSession, and a new session is created when that fails. The app password
travels only in the createSession request body, sent with the client's `post` (same host check,
pacing and retries as GET; no redirect followed).

Firehose: one event per line, a page every `page_events` (default 100) events or `page_seconds`
(default 1) after a page's first event, whichever comes first; checkpoint {"cursor": the latest
time_us received so far} (events arrive slightly out of time order, so the latest, not the last).
Keywords filter client-side on the text of post creates and updates (case-insensitive); with
keywords and no collections only posts are asked for. On a dropped connection the collector
reports it and reconnects with `cursor` `rewind_seconds` (default 3) before the latest time_us:
Jetstream replays from there, events this run already passed on are skipped, and any other
overlap (a resumed run) is a duplicate the evidence store absorbs. It stops at max_events or the
job's limit (events kept, after the keyword filter), at `job.until`, or after `client.attempts`
connection failures in a row. A long DID list (over 2,000 characters of query; the URL is every
event's origin) goes in an options_update message with requireHello instead of the URL.
Jetstream allows 100 collections and 10,000 DIDs.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import random
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import orjson

from socmint import secrets
from socmint.collect.base import Job, Page
from socmint.collect.http import Client, Response
from socmint.collect.runner import register
from socmint.errors import SocmintError
from socmint.sources.common import utc

APPVIEW = "public.api.bsky.app"
PDS = "bsky.social"
JETSTREAM = "jetstream2.us-east.bsky.network"
PAGE = 100  # the maximum `limit` of getAuthorFeed, getFollows/getFollowers and searchPosts
PROFILES_PER_REQUEST = 25  # getProfiles takes at most 25 actors
POST = "app.bsky.feed.post"

PAGE_EVENTS = 100
PAGE_SECONDS = 1.0
REWIND_SECONDS = 3.0  # Jetstream's advice: rewind a few seconds for gapless playback
MAX_COLLECTIONS = 100
MAX_DIDS = 10_000
URL_DIDS_BUDGET = 2000  # characters of wantedDids in a URL (every event's origin); more go in
# an options_update message
MAX_MESSAGE = 4 * 2**20  # one Jetstream event; a record is at most 1 MB, with headroom
MAX_RECONNECT_WAIT = 60.0
PASSED_KEPT = 50_000  # digests of recent events remembered before pruning to the rewind window

SEARCH_FILTERS = ("lang", "author", "mentions", "domain", "url", "tag")
FEED_FILTERS = ("posts_with_replies", "posts_no_replies", "posts_with_media",
                "posts_and_author_threads", "posts_with_video")
_HANDLE = re.compile(r"(?=.{3,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
                     r"[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")
_DID = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]{1,2000}")
_NSID = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z0-9-]+)*(\.[a-zA-Z0-9-]+|\.\*)")
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")

# Sessions by (base URL, handle): in memory only, so a long `watch` does not log in every run
# (createSession is rate-limited per account).
_SESSIONS: dict[tuple[str, str], dict[str, str]] = {}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class BlueskyCollector:
    platform = "bluesky"
    kinds = ("author", "account", "thread", "profile", "follows", "followers", "search",
             "firehose")

    # --- the job's host, checked when the job is declared ------------------------------------

    def hosts(self, job: Job) -> set[str]:
        _check(job)
        return {_hostport(job).split(":")[0].lower()}

    async def pages(self, job: Job, client: Client, checkpoint: dict) -> AsyncIterator[Page]:
        _check(job)
        kind = job.kind
        if kind == "firehose":
            pages = self._firehose(job, client, checkpoint)
        elif kind == "search":
            pages = self._search(job, client, checkpoint)
        elif kind in ("author", "account"):
            pages = self._author(job, client, checkpoint)
        elif kind == "thread":
            pages = self._thread(job, client)
        elif kind == "profile":
            pages = self._profiles(job, client, checkpoint)
        else:
            pages = self._graph(job, client, checkpoint)
        async for page in pages:
            yield page

    # --- AppView ------------------------------------------------------------------------------

    async def _author(self, job, client, checkpoint) -> AsyncIterator[Page]:
        query = {"actor": _actor(job)}
        if job.params.get("filter"):
            query["filter"] = job.params["filter"]
        url = _xrpc(job, "app.bsky.feed.getAuthorFeed")
        async for page in _newest_first(job, client, url, query, "feed", checkpoint, None):
            yield page

    async def _thread(self, job, client) -> AsyncIterator[Page]:
        p = job.params
        r = await client.get(_xrpc(job, "app.bsky.feed.getPostThread"), params={
            "uri": _thread_uri(p), "depth": _bounded(p.get("depth"), 1000, 0, 1000),
            "parentHeight": _bounded(p.get("parent_height"), 1000, 0, 1000)})
        body, problem = _answer(r, "thread", dict)
        if body is not None and not isinstance(body["thread"].get("post"), dict):
            problem = (f"the post is {'blocked' if body['thread'].get('blocked') else 'not found'}"
                       " (AppView's answer is kept as it came)")
        yield Page(r.url, r.data, r.at, {"done": True}, _thread_posts(body) if body else 0,
                   problem=problem)

    async def _profiles(self, job, client, checkpoint) -> AsyncIterator[Page]:
        actors = _list(job.params.get("actors"))
        start = 0 if checkpoint.get("done") else _bounded(checkpoint.get("next"), 0, 0,
                                                          len(actors))
        url = _xrpc(job, "app.bsky.actor.getProfiles")
        for i in range(start, len(actors), PROFILES_PER_REQUEST):
            chunk = actors[i:i + PROFILES_PER_REQUEST]
            r = await client.get(url, params={"actors": chunk})
            body, problem = _answer(r, "profiles", list)
            end = i + len(chunk)
            if body is None:
                yield Page(r.url, r.data, r.at, {"next": i}, 0, problem=problem)
                return
            checkpoint = {"done": True} if end >= len(actors) else {"next": end}
            yield Page(r.url, r.data, r.at, checkpoint, len(body["profiles"]))

    async def _graph(self, job, client, checkpoint) -> AsyncIterator[Page]:
        key = job.kind  # "follows" or "followers": also the answer's list
        nsid = "app.bsky.graph.getFollows" if key == "follows" else "app.bsky.graph.getFollowers"
        url = _xrpc(job, nsid)
        cursor = None if checkpoint.get("done") else checkpoint.get("cursor")
        while True:
            query = {"actor": _actor(job), "limit": PAGE}
            if cursor:
                query["cursor"] = cursor
            r = await client.get(url, params=query)
            body, problem = _answer(r, key, list)
            if body is None:
                yield Page(r.url, r.data, r.at, _drop_none({"cursor": cursor}), 0,
                           problem=problem)
                return
            found = body[key]
            nxt = _cursor(body)
            done = not found or nxt is None or nxt == cursor
            yield Page(r.url, r.data, r.at, {"done": True} if done else {"cursor": nxt},
                       len(found))
            if done:
                return
            cursor = nxt

    # --- search, with a session ---------------------------------------------------------------

    async def _search(self, job, client, checkpoint) -> AsyncIterator[Page]:
        p = job.params
        base = _base(job)
        session = Session(client, base)
        problem = await session.open()
        if problem:
            yield Page(base + "/xrpc/com.atproto.server.createSession", b"",
                       datetime.now(timezone.utc), checkpoint, 0, problem=problem)
            return
        sort = p.get("sort", "latest")
        query = {"q": str(p["query"]), "sort": sort}
        for key in SEARCH_FILTERS:
            if p.get(key) not in (None, ""):
                query[key] = _list(p[key]) if key == "tag" else str(p[key])
        if job.since is not None:
            query["since"] = _iso(job.since)
        if job.until is not None:
            query["until"] = _iso(job.until)
        url = base + "/xrpc/app.bsky.feed.searchPosts"
        async for page in _newest_first(job, client, url, query, "posts", checkpoint, session,
                                        ordered=sort == "latest"):
            yield page

    # --- Jetstream ----------------------------------------------------------------------------

    async def _firehose(self, job, client, checkpoint) -> AsyncIterator[Page]:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

        p = job.params
        collections, dids = _list(p.get("collections")), _list(p.get("dids"))
        needles = [k.casefold() for k in _list(p.get("keywords"))]
        if needles and not collections:
            collections = [POST]  # only posts have text to match
        cap = min([n for n in (_int(p.get("max_events")), job.limit) if n is not None],
                  default=None)
        per_page = _bounded(p.get("page_events"), PAGE_EVENTS, 1, 10_000)
        per_seconds = _number(p.get("page_seconds"), PAGE_SECONDS)
        rewind = int(_number(p.get("rewind_seconds"), REWIND_SECONDS) * 1_000_000)
        until = _micros(job.until) if job.until is not None else None
        latest = _int(checkpoint.get("cursor"))
        start = latest - rewind if latest else (_micros(job.since) if job.since else None)
        options = _ws_options(client)
        kept = failures = 0
        passed: dict[bytes, int] = {}  # events passed on this run: a replay skips them
        prune_at = PASSED_KEPT
        while True:
            url, hello = _subscribe_url(job, collections, dids, start)
            client.check_host(url)
            batch: list[bytes] = []
            flush_at = 0.0
            arrived = datetime.now(timezone.utc)
            stop = None  # why the job ends here, when it does
            why = None  # why the connection ended, when it did
            give_up = False
            client.requests += 1
            try:
                async with connect(url, **options) as ws:
                    if hello:
                        await ws.send(hello)
                    while stop is None:
                        timeout = max(0.0, flush_at - client.clock()) if batch else None
                        try:
                            async with asyncio.timeout(timeout):  # recv is cancel-safe
                                msg = await ws.recv(decode=False)
                        except TimeoutError:
                            yield _events(url, batch, arrived, latest)
                            batch = []
                            continue
                        failures = 0
                        arrived = datetime.now(timezone.utc)
                        ev = _parse(msg)
                        t = _int(ev.get("time_us")) if ev is not None else None
                        if until is not None and t is not None and t >= until:
                            stop = "until"
                            break
                        if t is not None and (latest is None or t > latest):
                            latest = t
                        key = hashlib.sha256(msg).digest()
                        if key in passed:
                            continue  # replayed after a reconnect: already passed on
                        passed[key] = t if t is not None else (latest or 0)
                        if len(passed) > prune_at and latest:  # only a rewind's worth replays
                            passed = {k: v for k, v in passed.items() if v >= latest - rewind}
                            prune_at = max(PASSED_KEPT, 2 * len(passed))
                        if needles and not _matches(ev, needles):
                            continue
                        kept += 1
                        if b"\n" in msg or not msg.strip():  # would break line framing
                            if batch:
                                yield _events(url, batch, arrived, latest)
                                batch = []
                            yield Page(url, msg, arrived, _drop_none({"cursor": latest}), 1)
                        else:
                            if not batch:
                                flush_at = client.clock() + per_seconds
                            batch.append(msg)
                        if cap is not None and kept >= cap:
                            stop = "limit"
                        elif len(batch) >= per_page:
                            yield _events(url, batch, arrived, latest)
                            batch = []
            except ConnectionClosed as exc:
                why = f"connection closed ({exc.rcvd.code if exc.rcvd else 'no close frame'}" \
                      f"{': ' + exc.rcvd.reason[:100] if exc.rcvd and exc.rcvd.reason else ''})"
            except InvalidStatus as exc:
                status = exc.response.status_code
                why = f"HTTP {status} on connect"
                give_up = 400 <= status < 500 and status != 429
            except (OSError, TimeoutError, WebSocketException) as exc:
                why = f"{type(exc).__name__}: {secrets.redact(str(exc))[:200]}"
            if batch:
                yield _events(url, batch, arrived, latest)
            if stop is not None:
                return
            failures += 1
            if give_up or failures >= client.attempts:
                yield Page(url, b"", datetime.now(timezone.utc), _drop_none({"cursor": latest}),
                           0, problem=f"Jetstream: {why}; stopped after {failures} failed "
                                      f"connection{'s' if failures > 1 else ''}")
                return
            if latest:
                start = latest - rewind
            wait = min(client.backoff * 2 ** (failures - 1) * (1 + random.random() / 4),
                       MAX_RECONNECT_WAIT)
            yield Page(url, b"", datetime.now(timezone.utc), _drop_none({"cursor": latest}), 0,
                       problem=f"Jetstream: {why} after {kept} events; reconnecting in "
                               f"{wait:.1f} s from cursor {start}")
            if client.on_wait:
                client.on_wait(wait, "Jetstream reconnect")
            await client.sleep(wait)


# --- paging newest first (author feed, search) ------------------------------------------------

async def _newest_first(job: Job, client: Client, url: str, query: dict, key: str,
                        checkpoint: dict, session: Session | None,
                        ordered: bool = True) -> AsyncIterator[Page]:
    """Cursor paging down to the newest item the previous pass saw (when the answer is in time
    order), to job.since, or to the end."""
    fresh = "cursor" not in checkpoint
    since = checkpoint.get("since") if not fresh else checkpoint.get("newest")
    cursor = None if fresh else checkpoint.get("cursor")
    top = None if fresh else checkpoint.get("top")
    if not ordered:
        since = top = None
    while True:
        q = {**query, "limit": PAGE}
        if cursor:
            q["cursor"] = cursor
        r = await _get(client, url, q, session)
        body, problem = _answer(r, key, list)
        if body is None:
            yield Page(r.url, r.data, r.at, checkpoint, 0, problem=problem)
            return
        items = body[key]
        times = [t for t in (_item_time(i) for i in items) if t is not None]
        if ordered and times:
            newest = max(times)
            if top is None or newest > utc(top):
                top = _iso(newest)
        nxt = _cursor(body)
        oldest = min(times) if times else None
        caught_up = ordered and oldest is not None and since is not None and oldest <= utc(since)
        older = ordered and oldest is not None and job.since is not None and oldest < job.since
        done = not items or nxt is None or nxt == cursor or caught_up or older
        if done:
            last = top or since
            checkpoint = {"newest": last} if ordered and last else {"done": True}
        else:
            checkpoint = _drop_none({"cursor": nxt, "top": top, "since": since})
        yield Page(r.url, r.data, r.at, checkpoint, len(items))
        if done:
            return
        cursor = nxt


def _item_time(item) -> datetime | None:
    """When an item entered the list: a repost's indexedAt, else the post's sort time (the
    earlier of indexedAt and createdAt, as AppView sorts)."""
    if not isinstance(item, dict):
        return None
    reason = item.get("reason")
    if isinstance(reason, dict):
        if str(reason.get("$type", "")).endswith("#reasonPin"):
            return None  # a pinned post heads the feed whatever its age: no place in time
        if reason.get("indexedAt"):
            return _time(reason.get("indexedAt"))
    post = item.get("post") if isinstance(item.get("post"), dict) else item
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    times = [t for t in (_time(post.get("indexedAt")), _time(record.get("createdAt"))) if t]
    return min(times) if times else None


# --- requests -----------------------------------------------------------------------------------

async def _get(client: Client, url: str, params: dict, session: Session | None) -> Response:
    if session is None:
        return await client.get(url, params=params)
    r = await client.get(url, params=params, headers=session.headers())
    if _auth_failed(r) and await session.renew() is None:
        r = await client.get(url, params=params, headers=session.headers())
    return r


def _answer(r: Response, key: str, kind: type) -> tuple[dict | None, str | None]:
    """The answer's body when it holds `key` of the expected type, else why not."""
    if r.problem:
        return None, r.problem
    if r.status != 200:
        return None, _xrpc_error(r)
    try:
        body = r.json()
    except orjson.JSONDecodeError as exc:
        return None, f"malformed JSON ({exc})"[:200]
    if not isinstance(body, dict) or not isinstance(body.get(key), kind):
        return None, f"the answer holds no {key}"
    return body, None


def _xrpc_error(r: Response) -> str:
    """'HTTP 400 InvalidRequest: Profile not found', from an XRPC error body when there is one."""
    out = f"HTTP {r.status}"
    try:
        body = orjson.loads(r.data)
    except orjson.JSONDecodeError:
        return out
    if isinstance(body, dict):
        err, msg = body.get("error"), body.get("message")
        if isinstance(err, str):
            out += " " + err[:80]
        if isinstance(msg, str):
            out += ": " + msg[:200]
    return secrets.redact(out)


def _auth_failed(r: Response) -> bool:
    if r.status not in (400, 401):
        return False
    try:
        body = orjson.loads(r.data)
    except orjson.JSONDecodeError:
        return False
    return isinstance(body, dict) and body.get("error") in (
        "ExpiredToken", "InvalidToken", "AuthRequired", "AuthMissing", "AuthenticationRequired")


async def _post(client: Client, url: str, *, body: dict | None = None,
                bearer: str | None = None) -> tuple[int, bytes, str | None]:
    """A POST through the client (host check, pacing, retries, no redirect); the body and the
    bearer token appear in nothing this returns."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    r = await client.post(url, json=body, headers=headers, expect_json=False)
    if r.status == 0:
        return 0, b"", r.problem
    return r.status, r.data, None


class Session:
    """An account session on the PDS: tokens in memory, never written anywhere."""

    def __init__(self, client: Client, base: str):
        self.client = client
        self.base = base
        self.handle = secrets.require("bluesky", "handle")
        self.key = (base, self.handle)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {_SESSIONS[self.key]['access']}"}

    async def open(self) -> str | None:
        """Log in unless this process has a session already; returns a problem or None."""
        if self.key in _SESSIONS:
            return None
        return await self._create()

    async def renew(self) -> str | None:
        """After an expired or refused token: refresh, else log in again."""
        refresh = _SESSIONS.pop(self.key, {}).get("refresh")
        if refresh:
            status, data, _ = await _post(
                self.client, self.base + "/xrpc/com.atproto.server.refreshSession",
                bearer=refresh)
            if status == 200 and self._keep(data):
                return None
        return await self._create()

    async def _create(self) -> str | None:
        password = secrets.require("bluesky", "app_password")
        status, data, problem = await _post(
            self.client, self.base + "/xrpc/com.atproto.server.createSession",
            body={"identifier": self.handle, "password": password})
        if status == 200 and self._keep(data):
            return None
        why = problem or _xrpc_error(Response("", status, data, {}, datetime.now(timezone.utc)))
        if status == 200:
            why = "the answer holds no accessJwt"
        return secrets.redact(f"Bluesky login (com.atproto.server.createSession) refused: "
                              f"{why}")

    def _keep(self, data: bytes) -> bool:
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError:
            return False
        if not isinstance(body, dict) or not isinstance(body.get("accessJwt"), str):
            return False
        refresh = body.get("refreshJwt")
        _SESSIONS[self.key] = {"access": body["accessJwt"],
                               "refresh": refresh if isinstance(refresh, str) else ""}
        return True


# --- Jetstream helpers ---------------------------------------------------------------------------

def _subscribe_url(job: Job, collections: list[str], dids: list[str],
                   cursor: int | None) -> tuple[str, str | None]:
    """The subscribe URL, and the options_update message when the DIDs do not fit in it."""
    query = [("wantedCollections", c) for c in collections]
    in_url = dids and len(urlencode([("wantedDids", d) for d in dids])) <= URL_DIDS_BUDGET
    hello = None
    if in_url:
        query += [("wantedDids", d) for d in dids]
    elif dids:
        query.append(("requireHello", "true"))
        hello = orjson.dumps({"type": "options_update", "payload": {
            "wantedCollections": collections, "wantedDids": dids,
            "maxMessageSizeBytes": 0}}).decode()
    if cursor is not None:
        query.append(("cursor", str(cursor)))
    url = _base(job) + "/subscribe" + ("?" + urlencode(query) if query else "")
    return url, hello


def _ws_options(client: Client) -> dict:
    """The case's proxy and user agent apply to the socket as to every request."""
    proxy = client.proxy
    if proxy and proxy.split(":", 1)[0].lower().startswith("socks") \
            and importlib.util.find_spec("python_socks") is None:
        raise SocmintError("the Jetstream firehose through a SOCKS proxy needs the python-socks "
                           "package (pip install 'python-socks[asyncio]'); not connecting "
                           "without the case's proxy")
    return {"proxy": proxy or True, "user_agent_header": client.user_agent,
            "open_timeout": client.timeout, "ping_timeout": client.timeout,
            "max_size": MAX_MESSAGE, "close_timeout": 2}


def _events(url: str, batch: list[bytes], at: datetime, latest: int | None) -> Page:
    return Page(url, b"\n".join(batch), at, _drop_none({"cursor": latest}), len(batch),
                framing="lines")


def _parse(msg: bytes) -> dict | None:
    try:
        ev = orjson.loads(msg)
    except orjson.JSONDecodeError:
        return None
    return ev if isinstance(ev, dict) else None


def _matches(ev: dict | None, needles: list[str]) -> bool:
    """A post create or update whose text holds one of the keywords."""
    if ev is None or ev.get("kind") != "commit":
        return False
    commit = ev.get("commit")
    if not isinstance(commit, dict) or commit.get("collection") != POST \
            or commit.get("operation") not in ("create", "update"):
        return False
    record = commit.get("record")
    body = record.get("text") if isinstance(record, dict) else None
    if not isinstance(body, str):
        return False
    body = body.casefold()
    return any(n in body for n in needles)


# --- parameters --------------------------------------------------------------------------------

def _check(job: Job) -> None:
    """Every parameter the kind needs, so a bad job is refused when declared."""
    p = job.params
    kind = job.kind
    if not isinstance(p, dict):
        raise SocmintError("a Bluesky job's params are an object")
    _hostport(job)
    scheme = p.get("scheme")
    if scheme is not None and scheme not in ("https", "http", "wss", "ws"):
        raise SocmintError(f"scheme is https (or http for a loopback test), not {scheme!r}")
    if kind in ("author", "account", "follows", "followers"):
        _actor(job)
        if kind in ("author", "account") and p.get("filter") not in (None, *FEED_FILTERS):
            raise SocmintError(f"filter is one of {', '.join(FEED_FILTERS)}")
    elif kind == "thread":
        _thread_uri(p)
    elif kind == "profile":
        actors = _list(p.get("actors"))
        if not actors:
            raise SocmintError("a Bluesky profile job names actors: --param actors=a.bsky.social,"
                               "did:plc:...")
        for a in actors:
            _valid_actor(a)
    elif kind == "search":
        q = p.get("query")
        if not isinstance(q, str) or not q.strip():
            raise SocmintError("a Bluesky search job has a query: --query \"words\"")
        if p.get("sort", "latest") not in ("latest", "top"):
            raise SocmintError("sort is latest or top")
    elif kind == "firehose":
        collections, dids = _list(p.get("collections")), _list(p.get("dids"))
        if len(collections) > MAX_COLLECTIONS or len(dids) > MAX_DIDS:
            raise SocmintError(f"Jetstream takes at most {MAX_COLLECTIONS} collections and "
                               f"{MAX_DIDS} DIDs")
        for c in collections:
            if not _NSID.fullmatch(c):
                raise SocmintError(f"not a collection NSID: {c[:80]!r} (app.bsky.feed.post, "
                                   f"app.bsky.graph.*)")
        for d in dids:
            if not _DID.fullmatch(d):
                raise SocmintError(f"not a DID: {d[:80]!r}")
        _list(p.get("keywords"))
        for name in ("max_events", "page_events"):
            if p.get(name) is not None and (_int(p.get(name)) is None or _int(p[name]) < 1):
                raise SocmintError(f"{name} is a whole number above 0")
        for name in ("page_seconds", "rewind_seconds"):
            if p.get(name) is not None and _number(p.get(name), -1) < 0:
                raise SocmintError(f"{name} is a number of seconds")
    else:
        raise SocmintError(f"Bluesky collects {', '.join(BlueskyCollector.kinds)}, not {kind!r}")


def _hostport(job: Job) -> str:
    key, default = {"firehose": ("jetstream", JETSTREAM), "search": ("pds", PDS)}.get(
        job.kind, ("appview", APPVIEW))
    value = job.params.get(key, default)
    if not isinstance(value, str) or not _HOST.fullmatch(value):
        raise SocmintError(f"{key} is a host name (and port), not {str(value)[:80]!r}")
    return value


def _base(job: Job) -> str:
    scheme = job.params.get("scheme", "https")
    if job.kind == "firehose":
        scheme = {"https": "wss", "http": "ws"}.get(scheme, scheme)
    else:
        scheme = {"wss": "https", "ws": "http"}.get(scheme, scheme)
    return f"{scheme}://{_hostport(job)}"


def _xrpc(job: Job, nsid: str) -> str:
    return f"{_base(job)}/xrpc/{nsid}"


def _actor(job: Job) -> str:
    p = job.params
    value = p.get("actor", p.get("account"))
    if not isinstance(value, str) or not value.strip():
        raise SocmintError(f"a Bluesky {job.kind} job names an actor: a handle or a DID")
    return _valid_actor(value)


def _valid_actor(value: str) -> str:
    value = value.strip().removeprefix("@")
    if not (_HANDLE.fullmatch(value) or _DID.fullmatch(value)):
        raise SocmintError(f"not a Bluesky handle or DID: {value[:80]!r}")
    return value


def _thread_uri(p: dict) -> str:
    uri = p.get("uri", p.get("thread"))
    if not isinstance(uri, str) or not uri.startswith("at://") or len(uri[5:].split("/")) != 3:
        raise SocmintError("a Bluesky thread job names the post's at-uri: "
                           "at://did:plc:.../app.bsky.feed.post/RKEY")
    return uri


def _thread_posts(body: dict) -> int:
    n, stack = 0, [body.get("thread")]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict) or not isinstance(node.get("post"), dict):
            continue
        n += 1
        stack.append(node.get("parent"))
        replies = node.get("replies")
        if isinstance(replies, list):
            stack.extend(replies)
    return n


def _list(value) -> list[str]:
    """A list of strings, or one comma-separated string (as `--param key=a,b` gives it)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise SocmintError(f"expected a list of strings, not {str(value)[:80]!r}")


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        return int(value)
    return None


def _number(value, default: float) -> float:
    if value is None:
        return default
    try:
        n = float(value)
    except (TypeError, ValueError):
        return -1.0
    return n if n == n else -1.0  # NaN


def _bounded(value, default: int, low: int, high: int) -> int:
    n = _int(value)
    return default if n is None else max(low, min(high, n))


def _cursor(body: dict) -> str | None:
    c = body.get("cursor")
    return c if isinstance(c, str) and c else None


def _time(value) -> datetime | None:
    try:
        return utc(value)
    except SocmintError:
        return None


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _micros(dt: datetime) -> int:
    """Exact microseconds since the epoch (a float timestamp would round the last digit)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return (dt - _EPOCH) // timedelta(microseconds=1)


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


register(BlueskyCollector())
