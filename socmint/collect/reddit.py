"""Reddit, through its OAuth API: a subreddit's listing, search, a thread's comments, a user.

Kinds and params:
  subreddit  {"subreddit": "osint", "sort": "new" | "hot" | "top", "time": "week"}
             -> /r/<sub>/<sort> (top takes `t`: "time", else the smallest window holding since)
  search     {"query": "flood", "subreddit": "osint" (optional), "sort": "new", "time": ...}
             -> /search, or /r/<sub>/search restricted to it
  comments   {"link": "t3_abc" | "abc" | a permalink, "more": true}
             -> /comments/<id>: the submission and its comment tree. With "more" (the default)
             the tree's `more` stubs are expanded: listed comment ids through /api/info (a plain
             Listing, 100 ids a request, each comment keeping its parent_id), "continue this
             thread" stubs through /comments/<id>?comment=<parent>; at most `max_more` (100)
             such requests a pass. /api/morechildren is not used: its answer ({"json": ...})
             is no format the mapper reads.
  user       {"username": "spez"} -> /user/<name>/about, then /user/<name>/overview (new first)
The CLI's own options also work: `--thread ID` (kind "thread", param "thread") is comments,
`--account NAME` (kind "account", param "account") is user, `--query WORDS` is search; other
params come as `--param key=value` (`--kind subreddit --param subreddit=osint`).
Every kind takes "api" (default https://oauth.reddit.com) and "token_url" (default
https://www.reddit.com/api/v1/access_token, or <api>/api/v1/access_token when "api" is given):
the job's hosts are those two and no others. Plain http is accepted for loopback hosts only.

Paging follows `after` (100 a request, Reddit's maximum; Reddit stops listings at about 1000
items). The checkpoint is the pass in progress ({"in_pass", "after", "top", "stop"}) or, between
passes, the newest creation time seen ("newest"): a re-run of a newest-first listing (sort new,
search sort new, a user's overview) stops at what the previous pass already had. `since` stops
such a listing after the page that reaches it; hot and top have no order to stop on (top gets
the `t` window instead). `until` cannot be asked of the API: pages are stored whole. `limit`
caps the posts per run and shrinks the last request's page size.

Authentication: an application-only token ("client_credentials" grant), or the "password" grant
when [reddit] has username and password, from secrets.toml [reddit] client_id and
client_secret, sent as HTTP basic auth on a POST (the grant in the form body), never in a URL.
The token goes in the Authorization header of API requests only and is renewed when it expires
or on a 401. The token answer is never stored. Reddit wants a descriptive User-Agent: the case's
is sent.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

import orjson

from socmint import secrets
from socmint.collect.base import Job, Page
from socmint.collect.http import Client, HostRefused, Response
from socmint.collect.runner import register
from socmint.errors import SocmintError

API = "https://oauth.reddit.com"
TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
PAGE = 100  # Reddit's maximum listing page
COMMENTS_LIMIT = 500  # Reddit's maximum comments per /comments request
INFO_IDS = 100  # fullnames per /api/info request
MAX_MORE = 100  # expansion requests per comments pass, by default
SORTS = ("new", "hot", "top")
SEARCH_SORTS = ("new", "relevance", "hot", "top", "comments")
TIMES = (("hour", 3600), ("day", 86400), ("week", 7 * 86400), ("month", 31 * 86400),
         ("year", 366 * 86400))
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ALIASES = {"thread": "comments", "account": "user"}  # the CLI's --thread and --account

SUBREDDIT = re.compile(r"[A-Za-z0-9_]{2,21}(\+[A-Za-z0-9_]{2,21})*")
USERNAME = re.compile(r"[A-Za-z0-9_-]{1,20}")
ID36 = re.compile(r"[a-z0-9]{1,13}")


class RedditCollector:
    platform = "reddit"
    kinds = ("subreddit", "search", "comments", "user", "thread", "account")

    def hosts(self, job: Job) -> set[str]:
        _check(job)
        api, token_url = _endpoints(job)
        return {urlsplit(api).hostname.lower(), urlsplit(token_url).hostname.lower()}

    async def pages(self, job: Job, client: Client, checkpoint: dict) -> AsyncIterator[Page]:
        api, token_url = _endpoints(job)
        s = _Session(client, api, token_url)
        problem = await s.authorize()
        if problem:
            yield Page(token_url, b"", _now(), checkpoint, 0, problem=problem)
            return
        p = job.params
        kind = ALIASES.get(job.kind, job.kind)
        if kind == "comments":
            async for page in self._comments(job, s, checkpoint):
                yield page
            return
        if kind == "user":
            name = _username(_arg(p, "username", "account"))
            base = f"/user/{quote(name, '')}"
            if not checkpoint.get("in_pass"):
                r = await s.get(base + "/about")
                problem = _problem(r) or (None if _is_thing(_json(r), "t2") else
                                          "the answer is not an account (t2)")
                state = {"in_pass": True, "after": None, "top": None,
                         "stop": checkpoint.get("newest")}
                yield Page(r.url, r.data, r.at, checkpoint if problem else state, 0,
                           problem=problem)
                if problem:
                    return
                checkpoint = state
            async for page in self._listing(job, s, base + "/overview", {"sort": "new"},
                                            checkpoint, newest_first=True):
                yield page
            return
        if kind == "subreddit":
            sort = p.get("sort", "new")
            params = {}
            if sort == "top":
                params["t"] = _window(job)
            path = f"/r/{_subreddit(p['subreddit'])}/{sort}"
            newest_first = sort == "new"
        else:  # search
            sort = p.get("sort", "new")
            params = {"q": str(p["query"]), "sort": sort, "type": "link"}
            if sort in ("top", "relevance", "comments"):
                params["t"] = _window(job)
            sub = p.get("subreddit")
            path = f"/r/{_subreddit(sub)}/search" if sub else "/search"
            if sub:
                params["restrict_sr"] = "1"
            newest_first = sort == "new"
        async for page in self._listing(job, s, path, params, checkpoint, newest_first):
            yield page

    async def _listing(self, job: Job, s: _Session, path: str, params: dict, checkpoint: dict,
                       newest_first: bool) -> AsyncIterator[Page]:
        if checkpoint.get("in_pass"):
            after, top, stop = checkpoint.get("after"), checkpoint.get("top"), \
                checkpoint.get("stop")
        else:
            after, top, stop = None, None, checkpoint.get("newest")
        since = _epoch(job.since)
        got = 0
        while True:
            size = PAGE if job.limit is None else max(1, min(PAGE, job.limit - got))
            query = {**params, "limit": size, **({"after": after} if after else {})}
            r = await s.get(path, params=query)
            body = _json(r)
            problem = _problem(r) or (None if _is_listing(body) else "the answer is not a "
                                                                     "Listing")
            if problem:
                yield Page(r.url, r.data, r.at, checkpoint, 0, problem=problem)
                return
            data = body["data"]
            things = [c for c in data["children"] if isinstance(c, dict)
                      and c.get("kind") in ("t1", "t3") and isinstance(c.get("data"), dict)]
            times = [t for t in (_number(c["data"].get("created_utc")) for c in things)
                     if t is not None]
            if times and newest_first:
                top = max(times + ([top] if top is not None else []))
            nxt = data.get("after") if isinstance(data.get("after"), str) else None
            oldest = min(times) if times else None
            reached = newest_first and oldest is not None and (
                (since is not None and oldest < since) or (stop is not None and oldest <= stop))
            got += len(things)
            if nxt is None or reached or not data["children"]:
                newest = max(x for x in (top, stop) if x is not None) \
                    if newest_first and (top is not None or stop is not None) else None
                checkpoint = {"newest": newest} if newest is not None else {}
                yield Page(r.url, r.data, r.at, checkpoint, len(things))
                return
            after = nxt
            checkpoint = {"in_pass": True, "after": after, "top": top, "stop": stop}
            yield Page(r.url, r.data, r.at, checkpoint, len(things))

    async def _comments(self, job: Job, s: _Session, checkpoint: dict) -> AsyncIterator[Page]:
        link = _link(_arg(job.params, "link", "thread"))
        expand = _flag(job.params.get("more", True))
        budget = int(job.params.get("max_more", MAX_MORE))
        path = f"/comments/{link}"
        if not checkpoint.get("in_pass"):
            r = await s.get(path, params={"limit": COMMENTS_LIMIT})
            body = _json(r)
            problem = _problem(r) or (None if _is_comments(body) else
                                      "the answer is not a comments page")
            if problem:
                yield Page(r.url, r.data, r.at, checkpoint, 0, problem=problem)
                return
            queue = _stubs(body, set()) if expand else []
            checkpoint = {"in_pass": True, "queue": queue, "spent": 0, "seen": []}
            if not queue:
                checkpoint = {}
            yield Page(r.url, r.data, r.at, checkpoint, _count(body))
            if not queue:
                return
        queue = list(checkpoint.get("queue", []))
        spent = int(checkpoint.get("spent", 0))
        seen = set(checkpoint.get("seen", []))
        while queue and spent < budget:
            task = queue[0]
            if "ids" in task:
                r = await s.get("/api/info", params={"id": ",".join(task["ids"])})
                body = _json(r)
                ok = _is_listing(body)
            else:
                r = await s.get(path, params={"comment": task["comment"],
                                              "limit": COMMENTS_LIMIT})
                body = _json(r)
                ok = _is_comments(body)
            problem = _problem(r) or (None if ok else "the answer is not a Listing")
            if problem:
                yield Page(r.url, r.data, r.at, checkpoint, 0, problem=problem)
                return
            spent += 1
            if "comment" in task:
                seen.add(task["comment"])
            queue = queue[1:]
            if "comment" in task:  # a deeper part of the tree may hold stubs of its own
                queue += _stubs(body, seen | {q["comment"] for q in queue if "comment" in q})
            done = not queue or spent >= budget
            checkpoint = {} if done else {"in_pass": True, "queue": queue, "spent": spent,
                                          "seen": sorted(seen)}
            yield Page(r.url, r.data, r.at, checkpoint, _count(body))


class _Session:
    """The OAuth token and the requests that carry it."""

    def __init__(self, client: Client, api: str, token_url: str) -> None:
        self.client = client
        self.api = api
        self.token_url = token_url
        self.token: str | None = None
        self.expires = 0.0

    async def authorize(self) -> str | None:
        """Ask for a token; returns why it could not be had, in words that hold no secret."""
        cid = secrets.require("reddit", "client_id")
        secret = secrets.require("reddit", "client_secret")
        user, password = secrets.get("reddit", "username"), secrets.get("reddit", "password")
        form = ({"grant_type": "password", "username": user, "password": password}
                if user and password else {"grant_type": "client_credentials"})
        c = self.client
        try:
            r = await c.post(self.token_url, data=form, auth=(cid, secret), expect_json=False)
        except HostRefused as exc:
            return str(exc)
        if r.status == 0:
            return secrets.redact(f"token request failed: {r.problem}")
        body = _loads(r.data)
        token = body.get("access_token") if isinstance(body, dict) else None
        if r.status != 200 or not isinstance(token, str) or not token:
            why = body.get("error") if isinstance(body, dict) else None
            why = f" ({why})" if isinstance(why, str) and len(why) < 60 else ""
            return secrets.redact(f"token request refused: HTTP {r.status}{why}")
        self.token = token
        lifetime = _number(body.get("expires_in")) or 3600.0
        self.expires = c.clock() + max(60.0, lifetime - 60.0)
        return None

    async def get(self, path: str, params: dict | None = None) -> Response:
        if self.token is None or self.client.clock() >= self.expires:
            problem = await self.authorize()
            if problem:
                return _failed(self.api + path, problem)
        r = await self.client.get(self.api + path, params=params, headers=self.headers())
        if r.status == 401:  # revoked or expired early: one new token, one more try
            problem = await self.authorize()
            if problem:
                return _failed(self.api + path, problem)
            r = await self.client.get(self.api + path, params=params, headers=self.headers())
        if r.data and _echoes_secret(r.data):
            return _failed(r.url, "the answer repeats a credential: not stored")
        return r

    def headers(self) -> dict:
        return {"Authorization": f"bearer {self.token}"}


def _failed(url: str, problem: str) -> Response:
    return Response(secrets.redact(url), 0, b"", {}, _now(), secrets.redact(problem))


def _echoes_secret(data: bytes) -> bool:
    """The credentials this collector sends (not the username, which answers may name)."""
    sent = [secrets.get("reddit", k) for k in ("client_id", "client_secret", "password")]
    return any(v.encode() in data for v in sent if v and len(v) >= 4)


# ---------------------------------------------------------------- params

def _check(job: Job) -> None:
    p = job.params
    if not isinstance(p, dict):
        raise SocmintError("reddit: job params must be a table")
    if job.kind == "subreddit":
        _subreddit(p.get("subreddit"))
        if p.get("sort", "new") not in SORTS:
            raise SocmintError(f"reddit: sort is one of {', '.join(SORTS)}")
    elif job.kind == "search":
        if not isinstance(p.get("query"), str) or not p["query"].strip():
            raise SocmintError("a Reddit search names its query")
        if p.get("subreddit"):
            _subreddit(p["subreddit"])
        if p.get("sort", "new") not in SEARCH_SORTS:
            raise SocmintError(f"reddit: search sort is one of {', '.join(SEARCH_SORTS)}")
    elif job.kind in ("comments", "thread"):
        _link(_arg(p, "link", "thread"))
    elif job.kind in ("user", "account"):
        _username(_arg(p, "username", "account"))
    if "time" in p and p["time"] not in [t for t, _ in TIMES] + ["all"]:
        raise SocmintError("reddit: time is hour, day, week, month, year or all")


def _arg(p: dict, *names: str):
    return next((p[n] for n in names if p.get(n) not in (None, "")), None)


def _flag(v) -> bool:
    if isinstance(v, str):
        return v.strip().lower() not in ("false", "no", "0", "off", "")
    return v is not False and v != 0


def _endpoints(job: Job) -> tuple[str, str]:
    p = job.params
    api = _base(p.get("api", API), "api")
    token = p.get("token_url") or (api + "/api/v1/access_token" if "api" in p else TOKEN_URL)
    return api, _base(token, "token_url")


def _base(url, name: str) -> str:
    parts = urlsplit(url) if isinstance(url, str) else None
    host = (parts.hostname or "").lower() if parts else ""
    if (not parts or not host or parts.username or parts.password or parts.query
            or parts.fragment or not (parts.scheme == "https"
                                      or (parts.scheme == "http" and host in LOOPBACK))):
        raise SocmintError(f"reddit: {name} must be an https:// URL (http:// only on loopback)")
    return url.rstrip("/")


def _subreddit(value) -> str:
    s = str(value or "").strip()
    for prefix in ("/r/", "r/"):
        s = s.removeprefix(prefix)
    s = s.strip("/")
    if not SUBREDDIT.fullmatch(s):
        raise SocmintError(f"reddit: not a subreddit name: {str(value)[:40]!r}")
    return s


def _username(value) -> str:
    s = str(value or "").strip()
    for prefix in ("/u/", "u/", "/user/", "user/"):
        s = s.removeprefix(prefix)
    s = s.strip("/")
    if not USERNAME.fullmatch(s):
        raise SocmintError(f"reddit: not a username: {str(value)[:40]!r}")
    return s


def _link(value) -> str:
    """A submission's id36 from "t3_abc", "abc" or a permalink; the permalink is never fetched."""
    s = str(value or "").strip()
    m = re.search(r"/comments/([a-z0-9]{1,13})(?:/|$)", s) or re.match(
        r"https?://redd\.it/([a-z0-9]{1,13})/?$", s)
    if m:
        return m.group(1)
    s = s.removeprefix("t3_")
    if not ID36.fullmatch(s):
        raise SocmintError(f"reddit: not a submission id or permalink: {str(value)[:60]!r}")
    return s


def _window(job: Job) -> str:
    """`t` for top and search: the one asked for, else the smallest holding `since`."""
    if "time" in job.params:
        return job.params["time"]
    since = _epoch(job.since)
    if since is None:
        return "all"
    age = _now().timestamp() - since
    return next((name for name, span in TIMES if age <= span), "all")


# ---------------------------------------------------------------- answers

def _problem(r: Response) -> str | None:
    if r.problem:
        return r.problem
    if r.status != 200:
        return f"HTTP {r.status}"
    return None


def _loads(data: bytes):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def _json(r: Response):
    return _loads(r.data) if r.status == 200 and not r.problem else None


def _is_thing(o, kind: str) -> bool:
    return isinstance(o, dict) and o.get("kind") == kind and isinstance(o.get("data"), dict)


def _is_listing(o) -> bool:
    return _is_thing(o, "Listing") and isinstance(o["data"].get("children"), list)


def _is_comments(o) -> bool:
    return isinstance(o, list) and len(o) >= 1 and all(_is_listing(x) for x in o)


def _walk(o):
    """Every thing in a comments page or listing, nested replies included (a worklist)."""
    stack = list(o) if isinstance(o, list) else [o]
    while stack:
        t = stack.pop()
        if not isinstance(t, dict):
            continue
        if t.get("kind") == "Listing":
            stack.extend(_children(t))
            continue
        yield t
        data = t.get("data")
        if t.get("kind") == "t1" and isinstance(data, dict) and isinstance(
                data.get("replies"), dict):
            stack.extend(_children(data["replies"]))


def _children(listing: dict) -> list:
    data = listing.get("data")
    children = data.get("children") if isinstance(data, dict) else None
    return children if isinstance(children, list) else []


def _count(body) -> int:
    return sum(1 for t in _walk(body) if t.get("kind") in ("t1", "t3"))


def _stubs(body, known: set[str]) -> list[dict]:
    """Requests that fill in a tree's `more` stubs: batches of listed ids, and the parents
    of "continue this thread" stubs."""
    ids, parents = [], []
    have = {t["data"].get("name") for t in _walk(body)
            if t.get("kind") == "t1" and isinstance(t.get("data"), dict)}
    for t in _walk(body):
        d = t.get("data")
        if t.get("kind") != "more" or not isinstance(d, dict):
            continue
        children = [c for c in d.get("children") or [] if isinstance(c, str)
                    and ID36.fullmatch(c)]
        if children:
            ids += [f"t1_{c}" for c in children if f"t1_{c}" not in have]
        else:
            parent = d.get("parent_id")
            if isinstance(parent, str) and parent.startswith("t1_") and ID36.fullmatch(
                    parent[3:]) and parent[3:] not in known:
                parents.append(parent[3:])
                known.add(parent[3:])
    ids = list(dict.fromkeys(ids))
    out = [{"ids": ids[i:i + INFO_IDS]} for i in range(0, len(ids), INFO_IDS)]
    return out + [{"comment": p} for p in parents]


def _number(v) -> float | None:
    if isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _epoch(t: datetime | None) -> float | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.timestamp()


def _now() -> datetime:
    return datetime.now(timezone.utc)


register(RedditCollector())
