"""The Reddit collector end to end: saved job -> runner -> loopback "Reddit" -> evidence, tables.

The loopback server replays real API answers (praw cassettes in ../shared/fixtures/reddit, the
project's API fixtures), sliced into pages where a test needs paging. Expected rows are counted
from the served JSON by a walker of this file, never by the mapper under test.
"""

from __future__ import annotations

import base64
import json
import socket
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from socmint import case as cases
from socmint import evidence, secrets, store
from socmint.collect import runner
from socmint.collect.reddit import RedditCollector
from socmint.errors import SocmintError
from tests.conftest import OWN_FIXTURES, shared_fixture
from tests.loopback import Loopback, Reply, Seen

CLIENT_ID = "cid-planted-Q7x2"
CLIENT_SECRET = "sec-planted-Z9w4k1"
USERNAME = "bot-planted-u5"
PASSWORD = "pw-planted-R3v8"
TOKEN_BODY = (OWN_FIXTURES / "reddit_collect" / "access_token.json").read_bytes()
TOKEN = json.loads(TOKEN_BODY)["access_token"]
RATE = {"x-ratelimit-remaining": "598.0", "x-ratelimit-used": "2", "x-ratelimit-reset": "420"}


# ---------------------------------------------------------------- harness

class Killed(Exception):
    pass


class FakeTime:
    """A clock that moves only when the client sleeps; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def accept_posts(srv: Loopback) -> None:
    """The loopback answers GET; Reddit's token endpoint is a POST. This handler answers POSTs
    from the same routes and keeps each body beside its request (srv.bodies)."""
    srv.bodies = []

    def do_POST(self):
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with srv.lock:
            srv.requests.append(Seen("POST", parts.path, parse_qs(parts.query),
                                     {k.lower(): v for k, v in self.headers.items()}))
            srv.bodies.append(body)
            replies = srv.routes.get(parts.path)
            n = srv.hits.get(parts.path, 0)
            srv.hits[parts.path] = n + 1
        reply = replies[min(n, len(replies) - 1)] if replies else Reply(404, b"{}")
        self.send_response(reply.status)
        for k, v in {"Content-Type": "application/json", **reply.headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    srv.server.RequestHandlerClass.do_POST = do_POST


@pytest.fixture
def srv():
    with Loopback() as s:
        accept_posts(s)
        s.route("/api/v1/access_token", [Reply(200, TOKEN_BODY)])
        yield s


@pytest.fixture
def guard(monkeypatch):
    """Any socket connection but to 127.0.0.1 fails, and is recorded."""
    tried = []
    real = socket.socket.connect

    def connect(self, address):
        if not (isinstance(address, tuple) and address[0] == "127.0.0.1"):
            tried.append(address)
            raise ConnectionRefusedError(f"test: no connection to {address!r}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return tried


@pytest.fixture
def creds(home):
    secrets.put("reddit", "client_id", CLIENT_ID)
    secrets.put("reddit", "client_secret", CLIENT_SECRET)


def options(ft: FakeTime, **kw) -> dict:
    return {"sleep": ft.sleep, "clock": ft.clock, "backoff": 0, "timeout": 0.3, **kw}


def save(case, srv, kind, params, **kw):
    return runner.save_job(case, "reddit", kind, {"api": srv.base, **params}, **kw)


def body(o) -> bytes:
    return json.dumps(o).encode()


def listing_pages(path, per_page: int) -> list[dict]:
    """A real listing's things, newest first, cut into Listings chained by `after`."""
    src = json.loads(path.read_bytes())
    things = sorted(src["data"]["children"], key=lambda c: -float(c["data"]["created_utc"]))
    out = []
    for i in range(0, len(things), per_page):
        chunk = things[i:i + per_page]
        last = i + per_page >= len(things)
        out.append({"kind": "Listing", "data": {
            **src["data"], "children": chunk, "dist": len(chunk),
            "after": None if last else chunk[-1]["data"]["name"]}})
    return out


def served(*payloads) -> tuple[set[str], set[str]]:
    """Post and account uids in answers as Reddit documents them (independent of the mapper)."""
    posts, accounts = set(), set()
    stack = list(payloads)
    while stack:
        t = stack.pop()
        if isinstance(t, list):
            stack.extend(t)
            continue
        if not isinstance(t, dict):
            continue
        kind, d = t.get("kind"), t.get("data")
        if kind == "Listing":
            stack.extend(d["children"])
        elif kind in ("t1", "t3"):
            posts.add("reddit:" + d["name"])
            for name in (d.get("author"),):
                if name and name not in ("[deleted]", "[removed]"):
                    accounts.add("reddit:u/" + name.lower())
            if kind == "t1" and d.get("link_author") and d.get("parent_id") == d.get("link_id"):
                accounts.add("reddit:u/" + d["link_author"].lower())
            stack.extend({"kind": "t3", "data": x} for x in d.get("crosspost_parent_list") or [])
            if isinstance(d.get("replies"), dict):
                stack.append(d["replies"])
        elif kind == "t2":
            accounts.add("reddit:u/" + d["name"].lower())
    return posts, accounts


def rows(case, sql: str, params=None) -> list:
    con = store.connect(case)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def uids(case, table: str) -> set[str]:
    return {r[0] for r in rows(case, f"SELECT uid FROM {table} WHERE platform = 'reddit'")}


def checkpoint(case, job) -> dict:
    found = rows(case, "SELECT checkpoint FROM job_state WHERE job = ?", [job.id])
    return json.loads(found[0][0]) if found else None


def listing_requests(srv, path: str) -> list[Seen]:
    return [r for r in srv.requests if r.path == path]


def leaks(case, report, needles: list[str]) -> list[str]:
    """Where any needle shows: every table of the case, the audit log, the stored evidence
    bytes, the report and its problems."""
    found = []
    con = store.connect(case)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()]
        for t in tables:
            text = repr(con.execute(f'SELECT * FROM "{t}"').fetchall())
            found += [f"table {t}" for n in needles if n in text]
        for (digest,) in con.execute("SELECT sha256 FROM evidence").fetchall():
            raw = evidence.get(con, case.evidence_dir / "packs", digest)
            found += [f"evidence {digest}" for n in needles if n.encode() in raw]
    finally:
        con.close()
    audit = case.audit_path.read_text(encoding="utf-8")
    found += ["audit log" for n in needles if n in audit]
    text = json.dumps(report.as_dict()) + repr(report.problems) + repr(report.waits)
    found += ["report" for n in needles if n in text]
    return found


# ---------------------------------------------------------------- tests

def test_subreddit_pages_through_rate_limits_and_failures(case, srv, guard, creds):
    p1, p2, p3 = listing_pages(shared_fixture("reddit/praw_search_listing.json"), 2)
    srv.route("/api/v1/access_token", [Reply(503, b"{}", {"Retry-After": "2"}),
                                       Reply(200, TOKEN_BODY)])
    srv.route("/r/osint/new", [
        Reply(200, body(p1), {"x-ratelimit-remaining": "0.0", "x-ratelimit-used": "600",
                              "x-ratelimit-reset": "7"}),
        Reply(429, b'{"message": "Too Many Requests", "error": 429}', {"Retry-After": "3"}),
        Reply(500, b'{"message": "Internal Server Error", "error": 500}'),
        Reply(200, body(p2), RATE, delay=0.8),  # longer than the client's timeout
        Reply(200, body(p2), RATE, truncate=60),
        Reply(200, body(p2)[:-7] + b",,}", RATE),  # malformed JSON
        Reply(200, body(p2), RATE),
        Reply(200, body(p3), RATE),
    ])
    job = save(case, srv, "subreddit", {"subreddit": "r/osint", "sort": "new"})
    ft = FakeTime()
    report = runner.run(case, job.id, client=options(ft, attempts=6))

    # what the job reports
    assert report.pages == 3 and report.posts == 6
    assert report.problems == [] and report.finished
    assert report.items["read"] == 3 and report.items["rejected"] == 0
    # the token: basic auth from the secrets, the grant in the body, retried after Retry-After
    posts = [r for r in srv.requests if r.method == "POST"]
    assert len(posts) == 2 and posts[0].path == "/api/v1/access_token"
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert posts[1].headers["authorization"] == f"Basic {basic}"
    assert parse_qs(srv.bodies[1].decode()) == {"grant_type": ["client_credentials"]}
    assert posts[1].query == {}
    # every API request carries the bearer token and the case's user agent
    gets = listing_requests(srv, "/r/osint/new")
    assert len(gets) == 8
    assert all(r.headers["authorization"] == f"bearer {TOKEN}" for r in gets)
    assert all(r.headers["user-agent"].startswith("socmint/") for r in gets)
    assert [r.query.get("after") for r in gets] == [None] + [[p1["data"]["after"]]] * 6 + [
        [p2["data"]["after"]]]
    assert all(r.query["limit"] == ["100"] for r in gets)
    # waits: Retry-After (token 2 s, listing 3 s) and the exhausted budget's reset (7 s)
    assert 2.0 in ft.sleeps and 3.0 in ft.sleeps
    assert any(abs(w - 7.0) < 1e-6 and why.startswith("pacing") for w, why in report.waits)
    assert (3.0, "HTTP 429") in report.waits

    # what lands in the tables, counted from the served JSON
    want_posts, want_accounts = served(p1, p2, p3)
    assert len(want_posts) == 6
    assert uids(case, "posts") == want_posts
    assert uids(case, "accounts") == want_accounts
    ev = rows(case, "SELECT origin, method, status, platform FROM evidence ORDER BY origin")
    assert len(ev) == 3
    assert all(m == "collect" and s == "mapped" and p == "reddit" for _, m, s, p in ev)
    assert all(o.startswith(srv.url("/r/osint/new?")) for o, *_ in ev)
    newest = max(float(c["data"]["created_utc"]) for c in p1["data"]["children"])
    assert checkpoint(case, job) == {"newest": newest}
    assert guard == []
    assert leaks(case, report, [CLIENT_ID, CLIENT_SECRET, TOKEN]) == []


def test_unusable_page_is_stored_rejected_and_the_next_run_resumes(case, srv, creds):
    p1, p2, p3 = listing_pages(shared_fixture("reddit/praw_search_listing.json"), 2)
    srv.route("/r/osint/new", [Reply(200, body(p1)), Reply(200, b'{"kind": "Listing", "da')])
    job = save(case, srv, "subreddit", {"subreddit": "osint"})
    report = runner.run(case, job.id, client=options(FakeTime(), attempts=2))

    assert report.pages == 2 and report.items["rejected"] == 1 and not report.finished
    assert len(report.problems) == 1 and "malformed JSON" in report.problems[0]
    assert report.problems[0].startswith(srv.url("/r/osint/new?"))
    status = rows(case, "SELECT status, reason FROM evidence WHERE status = 'rejected'")
    assert len(status) == 1 and status[0][1]
    assert uids(case, "posts") == served(p1)[0]
    held = checkpoint(case, job)
    assert held["in_pass"] and held["after"] == p1["data"]["after"]

    srv.route("/r/osint/new", [Reply(200, body(p2)), Reply(200, body(p3))])
    again = runner.run(case, job.id, client=options(FakeTime()))
    assert again.problems == [] and again.finished and again.pages == 2
    assert srv.requests[-2].query["after"] == [p1["data"]["after"]]
    assert uids(case, "posts") == served(p1, p2, p3)[0]


def test_killed_job_resumes_from_its_checkpoint(case, srv, creds):
    pages = listing_pages(shared_fixture("reddit/praw_search_listing.json"), 2)

    def kill(page, report, wait):
        if page is not None:
            raise Killed

    srv.route("/r/osint/new", [Reply(200, body(p), RATE) for p in pages])
    job = save(case, srv, "subreddit", {"subreddit": "osint"})
    with pytest.raises(Killed):
        runner.run(case, job.id, client=options(FakeTime()), on_page=kill)
    assert len(listing_requests(srv, "/r/osint/new")) == 1
    assert checkpoint(case, job)["after"] == pages[0]["data"]["after"]
    before = len(srv.requests)
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.finished and report.pages == 2 and report.posts == 4
    resumed = [r for r in srv.requests[before:] if r.path == "/r/osint/new"]
    assert [r.query.get("after") for r in resumed] == [[p["data"]["after"]] for p in pages[:2]]

    clean = cases.create("clean", purpose="testing socmint", legal_basis="test data only",
                         retention_days=30)
    srv.route("/r/osint/new", [Reply(200, body(p), RATE) for p in pages])
    job2 = save(clean, srv, "subreddit", {"subreddit": "osint"})
    runner.run(clean, job2.id, client=options(FakeTime()))

    cols = "uid, account_uid, text, created_at, likes, replies, url, community"
    assert sorted(rows(case, f"SELECT {cols} FROM posts")) == sorted(
        rows(clean, f"SELECT {cols} FROM posts"))
    assert sorted(rows(case, "SELECT uid, handle FROM accounts")) == sorted(
        rows(clean, "SELECT uid, handle FROM accounts"))
    assert sorted(rows(case, "SELECT sha256 FROM evidence")) == sorted(
        rows(clean, "SELECT sha256 FROM evidence"))
    seen = rows(case, "SELECT sha256, count(*) FROM evidence_sightings GROUP BY sha256")
    assert len(seen) == 3 and all(n == 1 for _, n in seen)
    assert checkpoint(case, job) == checkpoint(clean, job2)


def test_since_stops_paging_and_the_next_pass_stops_at_what_it_has(case, srv, creds):
    pages = listing_pages(shared_fixture("reddit/praw_search_listing.json"), 2)
    third = float(pages[1]["data"]["children"][0]["data"]["created_utc"])
    since = datetime.fromtimestamp(third - 1, timezone.utc)
    srv.route("/r/osint/new", [Reply(200, body(p)) for p in pages])
    job = save(case, srv, "subreddit", {"subreddit": "osint"}, since=since)
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.pages == 2 and report.finished
    assert len(listing_requests(srv, "/r/osint/new")) == 2
    newest = float(pages[0]["data"]["children"][0]["data"]["created_utc"])
    assert checkpoint(case, job) == {"newest": newest}

    srv.route("/r/osint/new", [Reply(200, body(p)) for p in pages])
    again = runner.run(case, job.id, client=options(FakeTime()))
    assert again.pages == 1  # the first page already reaches the previous pass's newest
    assert uids(case, "posts") == served(*pages[:2])[0]


def test_limit_shrinks_the_page_size_and_stops(case, srv, creds):
    pages = listing_pages(shared_fixture("reddit/praw_search_listing.json"), 2)
    srv.route("/r/osint/new", [Reply(200, body(p)) for p in pages])
    job = save(case, srv, "subreddit", {"subreddit": "osint"}, limit=3)
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.finished and report.posts == 4
    assert [r.query["limit"] for r in listing_requests(srv, "/r/osint/new")] == [["3"], ["1"]]
    assert checkpoint(case, job)["after"] == pages[1]["data"]["after"]


def test_search_and_top_ask_for_the_time_window(case, srv, creds):
    (page,) = listing_pages(shared_fixture("reddit/praw_search_listing.json"), 10)
    srv.route("/r/redditdev/search", [Reply(200, body(page))])
    srv.route("/r/osint/top", [Reply(200, body(page))])
    job = save(case, srv, "search", {"query": "praw oauth", "subreddit": "redditdev"})
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.finished and report.posts == 6
    (q,) = listing_requests(srv, "/r/redditdev/search")
    assert q.query == {"q": ["praw oauth"], "sort": ["new"], "type": ["link"],
                       "restrict_sr": ["1"], "limit": ["100"]}
    top = save(case, srv, "subreddit", {"subreddit": "osint", "sort": "top"},
               since=datetime.now(timezone.utc) - timedelta(days=2))
    runner.run(case, top.id, client=options(FakeTime()))
    (t,) = listing_requests(srv, "/r/osint/top")
    assert t.query["t"] == ["week"]
    assert uids(case, "posts") == served(page)[0]


def test_user_about_then_overview(case, srv, creds):
    about = (OWN_FIXTURES / "reddit" / "api_user_about.json").read_bytes()
    src = json.loads((OWN_FIXTURES / "reddit" / "api_user_overview_listing.json").read_bytes())
    things = src["data"]["children"]
    o1 = {"kind": "Listing", "data": {**src["data"], "children": things[:2],
                                      "after": things[1]["data"]["name"]}}
    o2 = {"kind": "Listing", "data": {**src["data"], "children": things[2:], "after": None}}
    srv.route("/user/RiverMod/about", [Reply(200, about)])
    srv.route("/user/RiverMod/overview", [Reply(200, body(o1)), Reply(200, body(o2))])
    job = save(case, srv, "user", {"username": "u/RiverMod"})
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.finished and report.pages == 3 and report.problems == []
    ov = listing_requests(srv, "/user/RiverMod/overview")
    assert [r.query.get("after") for r in ov] == [None, [o1["data"]["after"]]]
    assert all(r.query["sort"] == ["new"] for r in ov)
    want_posts, want_accounts = served(json.loads(about), o1, o2)
    assert uids(case, "posts") == want_posts
    assert uids(case, "accounts") == want_accounts
    formats = {f for (f,) in rows(case, "SELECT format FROM evidence")}
    assert formats == {"reddit.account", "reddit.listing"}


def test_comments_expand_more_stubs(case, srv, creds):
    # a real tree whose "continue this thread" stub is filled in by /comments/<id>?comment=
    tree = json.loads(shared_fixture("reddit/praw_submission_comment_tree.json").read_bytes())
    stack, sub = list(tree[1]["data"]["children"]), None
    while stack:
        t = stack.pop()
        if t["kind"] == "t1":
            if t["data"]["name"] == "t1_d8rzxi2":
                sub = t
            if isinstance(t["data"].get("replies"), dict):
                stack.extend(t["data"]["replies"]["data"]["children"])
    focused = [tree[0], {"kind": "Listing", "data": {**tree[1]["data"], "children": [sub]}}]
    srv.route("/comments/57dw9a", [Reply(200, body(tree)), Reply(200, body(focused))])
    # a tree whose `more` stub lists ids, filled in by /api/info
    page = (OWN_FIXTURES / "reddit" / "api_comments_page.json").read_bytes()
    info = (OWN_FIXTURES / "reddit_collect" / "api_info_more.json").read_bytes()
    srv.route("/comments/1b2c3d", [Reply(200, page)])
    srv.route("/api/info", [Reply(200, info)])

    job = save(case, srv, "comments",
               {"link": "https://www.reddit.com/r/redditdev/comments/57dw9a/x/"})
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.finished and report.pages == 2 and report.problems == []
    first, second = listing_requests(srv, "/comments/57dw9a")
    assert "comment" not in first.query and second.query["comment"] == ["d8rzxi2"]
    job2 = save(case, srv, "thread", {"thread": "t3_1b2c3d"})  # the CLI's --thread
    report2 = runner.run(case, job2.id, client=options(FakeTime()))
    assert report2.finished and report2.pages == 2
    (asked,) = listing_requests(srv, "/api/info")
    assert asked.query["id"] == ["t1_kx0009,t1_kx0010,t1_kx0011"]

    want_posts, want_accounts = served(tree, json.loads(page), json.loads(info))
    assert uids(case, "posts") == want_posts
    assert uids(case, "accounts") == want_accounts
    assert checkpoint(case, job) == {} and checkpoint(case, job2) == {}
    # nothing but the loopback was asked, though the permalink names www.reddit.com
    assert {r.path for r in srv.requests} == {"/api/v1/access_token", "/comments/57dw9a",
                                              "/comments/1b2c3d", "/api/info"}


def test_no_host_the_job_does_not_name(case, srv, guard, creds):
    srv.route("/r/osint/new", [Reply(302, b"", {"Location": "http://192.0.2.7/r/osint/new"})])
    job = save(case, srv, "subreddit", {"subreddit": "osint"})
    assert RedditCollector().hosts(job) == {"127.0.0.1"}
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.pages == 0 and len(report.problems) == 1 and not report.finished
    assert "refused: '192.0.2.7'" in report.problems[0]
    assert guard == []
    assert rows(case, "SELECT count(*) FROM evidence") == [(0,)]

    default = runner.save_job(case, "reddit", "user", {"username": "spez"})
    assert RedditCollector().hosts(default) == {"oauth.reddit.com", "www.reddit.com"}
    with pytest.raises(SocmintError):
        runner.save_job(case, "reddit", "user", {"username": "spez", "api": "http://x.org"})
    with pytest.raises(SocmintError):
        runner.save_job(case, "reddit", "subreddit", {"subreddit": "osint", "sort": "best"})


def test_password_grant_and_no_credential_leaks(case, srv, guard, creds):
    secrets.put("reddit", "username", USERNAME)
    secrets.put("reddit", "password", PASSWORD)
    (page,) = listing_pages(shared_fixture("reddit/praw_search_listing.json"), 10)
    srv.route("/r/osint/hot", [Reply(500, b"{}"), Reply(200, body(page))])
    job = save(case, srv, "subreddit", {"subreddit": "osint", "sort": "hot"})
    report = runner.run(case, job.id, client=options(FakeTime(), attempts=2))
    assert report.finished and report.pages == 1
    (post,) = [r for r in srv.requests if r.method == "POST"]
    assert parse_qs(srv.bodies[0].decode()) == {
        "grant_type": ["password"], "username": [USERNAME], "password": [PASSWORD]}
    assert post.query == {}
    assert checkpoint(case, job) == {}  # hot has no order to resume a next pass on
    needles = [CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD, TOKEN]
    assert leaks(case, report, needles) == []
    assert all(n not in " ".join(f"{r.path}?{r.query}" for r in srv.requests) for n in needles)


def test_refused_token_stores_nothing_and_names_no_secret(case, srv, creds):
    srv.route("/api/v1/access_token",
              [Reply(401, b'{"message": "Unauthorized", "error": 401}')])
    job = save(case, srv, "subreddit", {"subreddit": "osint"})
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.pages == 0 and not report.finished
    assert report.problems == [srv.url("/api/v1/access_token") +
                               ": token request refused: HTTP 401"]
    assert [r.path for r in srv.requests] == ["/api/v1/access_token"]
    assert rows(case, "SELECT count(*) FROM evidence") == [(0,)]
    assert leaks(case, report, [CLIENT_ID, CLIENT_SECRET]) == []


def test_expired_token_is_renewed_once(case, srv, creds):
    (page,) = listing_pages(shared_fixture("reddit/praw_search_listing.json"), 10)
    srv.route("/r/osint/new", [Reply(401, b'{"message": "Unauthorized", "error": 401}'),
                               Reply(200, body(page))])
    job = save(case, srv, "subreddit", {"subreddit": "osint"})
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.finished and report.pages == 1 and report.problems == []
    assert [r.method for r in srv.requests] == ["POST", "GET", "POST", "GET"]


def test_missing_credentials_are_a_user_error(case, srv):
    job = save(case, srv, "subreddit", {"subreddit": "osint"})
    with pytest.raises(SocmintError, match="client_id"):
        runner.run(case, job.id, client=options(FakeTime()))
    assert srv.requests == []
