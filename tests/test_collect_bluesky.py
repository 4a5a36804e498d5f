"""The Bluesky collector end to end: recorded XRPC answers from a loopback HTTP server and recorded
Jetstream events from a loopback WebSocket server, through the runner, into evidence and tables;
cursor paging, incremental re-runs, resume, search sessions, the firehose's reconnect with a
cursor, hosts and secrets."""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest

from socmint import secrets, store
from socmint.collect import bluesky, runner
from socmint.collect.base import Job
from socmint.collect.http import Client, HostRefused
from socmint.errors import SocmintError
from tests.conftest import OWN_FIXTURES, shared_fixture
from tests.loopback import Loopback, Reply, Seen

FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
THREAD = "/xrpc/app.bsky.feed.getPostThread"
PROFILES = "/xrpc/app.bsky.actor.getProfiles"
FOLLOWS = "/xrpc/app.bsky.graph.getFollows"
FOLLOWERS = "/xrpc/app.bsky.graph.getFollowers"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
LOGIN = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
ALICE = "did:plc:a1icea1icea1icea1icea1ic"


def own(name: str) -> dict:
    return json.loads((OWN_FIXTURES / "bluesky" / name).read_text())


def page(doc) -> Reply:
    return Reply(200, orjson.dumps(doc))


class Sleeps:
    def __init__(self):
        self.waits = []

    async def __call__(self, seconds):
        self.waits.append(seconds)


def rows(case, sql, params=None):
    con = store.connect(case, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def checkpoint(case, job_id):
    return json.loads(rows(case, "SELECT checkpoint FROM job_state WHERE job = ?", [job_id])[0][0])


@pytest.fixture(autouse=True)
def no_sessions(monkeypatch):
    """Sessions are kept per process; each test starts logged out."""
    monkeypatch.setattr(bluesky, "_SESSIONS", {})


@pytest.fixture
def only_loopback(monkeypatch):
    """Any socket to anything but 127.0.0.1 fails: the test proves no other host is asked."""
    real = socket.socket.connect

    def connect(self, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1"):
            raise OSError(f"test blocks {address}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


def xrpc_job(case, srv, kind, **params):
    key = "pds" if kind == "search" else "appview"
    return runner.save_job(case, "bluesky", kind, {
        key: f"127.0.0.1:{srv.server.server_address[1]}", "scheme": "http", **params})


FAST = {"sleep": Sleeps(), "backoff": 0.01, "per_second": {"127.0.0.1": 1000.0}}


# --- AppView ------------------------------------------------------------------------------------

def test_author_feed_pages_by_cursor_and_a_rerun_stops_at_the_newest_seen(case, only_loopback):
    feed = own("getAuthorFeed_reposts.json")
    end = {"feed": []}  # the last page: AppView gives no cursor
    with Loopback() as srv:
        srv.route(FEED, [page(feed), page(end)])
        j = xrpc_job(case, srv, "author", actor="@alice.example.com")
        report = runner.run(case, j.id, client=FAST)
        first, second = srv.requests
        assert first.query == {"actor": ["alice.example.com"], "limit": ["100"]}
        assert second.query["cursor"] == [feed["cursor"]]
        assert report.finished and report.pages == 2 and report.posts == len(feed["feed"])
        # newest: the latest time an item entered the feed (a repost's indexedAt counts; the
        # pinned post, which heads the feed whatever its age, does not)
        assert checkpoint(case, j.id) == {"newest": "2025-03-03T07:00:00Z"}
        uids = {r[0] for r in rows(case, "SELECT uid FROM posts")}
        assert {"bluesky:" + i["post"]["uri"] for i in feed["feed"]} <= uids
        # the next run asks from the top and stops at the first page reaching what it saw
        srv.route(FEED, [page(feed), page(end)])
        again = runner.run(case, j.id, client=FAST)
        assert again.finished and again.pages == 1 and "cursor" not in srv.requests[2].query
        assert len(srv.requests) == 3 and again.items["duplicate"] == 1
    origins = {r[0] for r in rows(case, "SELECT origin FROM evidence")}
    assert all(o.startswith(f"{srv.base}{FEED}?actor=alice.example.com&limit=100")
               for o in origins)
    assert rows(case, "SELECT DISTINCT method, retrieved_at_source FROM evidence") == [
        ("collect", "request")]


def test_killed_author_feed_resumes_from_its_cursor(case, only_loopback):
    feed = own("getAuthorFeed_reposts.json")

    class Killed(Exception):
        pass

    def kill(p, report, wait):
        if p is not None and report.pages == 1:
            raise Killed

    with Loopback() as srv:
        srv.route(FEED, [page(feed), page({"feed": []})])
        j = xrpc_job(case, srv, "account", account=ALICE, filter="posts_no_replies")
        with pytest.raises(Killed):
            runner.run(case, j.id, client=FAST, on_page=kill)
        assert checkpoint(case, j.id)["cursor"] == feed["cursor"]
        report = runner.run(case, j.id, client=FAST)
        resumed = srv.requests[1]
        assert resumed.query["cursor"] == [feed["cursor"]]
        assert resumed.query["filter"] == ["posts_no_replies"]
        assert report.finished and report.pages == 1
    assert checkpoint(case, j.id) == {"newest": "2025-03-03T07:00:00Z"}


def test_thread_profiles_and_graph(case, only_loopback):
    thread = own("getPostThread_parent_replies.json")
    profiles = own("getProfiles.json")
    followers = own("getFollowers.json")
    follows = json.loads(shared_fixture("bluesky/getFollows.json").read_text())
    uri = thread["thread"]["post"]["uri"]
    actors = [p["handle"] for p in profiles["profiles"]] + [f"user{i}.bsky.social"
                                                            for i in range(28)]
    with Loopback() as srv:
        srv.route(THREAD, [page(thread)])
        srv.route(PROFILES, [page(profiles)])
        srv.route(FOLLOWS, [page(follows)])
        srv.route(FOLLOWERS, [page(followers), page({**followers, "followers": [],
                                                     "cursor": None})])
        t = runner.run(case, xrpc_job(case, srv, "thread", thread=uri).id, client=FAST)
        p = runner.run(case, xrpc_job(case, srv, "profile", actors=",".join(actors)).id,
                       client=FAST)
        f = runner.run(case, xrpc_job(case, srv, "follows", actor=ALICE).id, client=FAST)
        g = xrpc_job(case, srv, "followers", actor="carol.bsky.social")
        fo = runner.run(case, g.id, client=FAST)
        seen = {}
        for q in srv.requests:
            seen.setdefault(q.path, []).append(q.query)
    assert seen[THREAD] == [{"uri": [uri], "depth": ["1000"], "parentHeight": ["1000"]}]
    assert t.finished and t.pages == 1 and t.posts >= 3
    # getProfiles takes 25 actors a request
    assert [q["actors"] for q in seen[PROFILES]] == [actors[:25], actors[25:]]
    assert p.finished and p.pages == 2
    assert seen[FOLLOWS] == [{"actor": [ALICE], "limit": ["100"]}]
    assert f.finished and f.pages == 1 and f.posts == len(follows["follows"])
    assert [q.get("cursor") for q in seen[FOLLOWERS]] == [None, [followers["cursor"]]]
    assert fo.finished and fo.pages == 2 and checkpoint(case, g.id) == {"done": True}
    assert all(r.items["rejected"] == 0 for r in (t, p, f, fo))
    uids = {r[0] for r in rows(case, "SELECT uid FROM posts")}
    assert "bluesky:" + uri in uids
    accounts = {r[0] for r in rows(case, "SELECT uid FROM accounts")}
    assert {"bluesky:" + x["did"] for x in profiles["profiles"]} <= accounts
    follow_rows = rows(case, "SELECT count(*) FROM interactions WHERE kind = 'follow'")[0][0]
    assert follow_rows >= len(follows["follows"]) + len(followers["followers"])


def test_an_error_answer_is_kept_reported_and_stops_the_job(case, only_loopback):
    uri = f"at://{ALICE}/app.bsky.feed.post/3gone"
    with Loopback() as srv:
        srv.route(THREAD, [Reply(400, b'{"error":"NotFound","message":"Post not found: at://x"}'),
                           page({"thread": {"$type": "app.bsky.feed.defs#notFoundPost",
                                            "uri": uri, "notFound": True}})])
        j = xrpc_job(case, srv, "thread", uri=uri)
        r = runner.run(case, j.id, client=FAST)
        again = runner.run(case, j.id, client=FAST)
    assert not r.finished and r.items["rejected"] == 1
    assert "HTTP 400 NotFound: Post not found" in r.problems[0]
    assert not again.finished and "the post is not found" in again.problems[0]
    assert rows(case, "SELECT count(*) FROM evidence")[0][0] == 2  # both answers kept


# --- search, with a session -----------------------------------------------------------------------

def accept_posts(srv: Loopback) -> list[tuple[str, bytes]]:
    """The loopback server answers GET only; createSession is a POST. This adds POST to this
    server, answering from the same routes and recording each body."""
    bodies: list[tuple[str, bytes]] = []

    def do_POST(self):
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with srv.lock:
            srv.requests.append(Seen("POST", parts.path, parse_qs(parts.query),
                                     {k.lower(): v for k, v in self.headers.items()}))
            bodies.append((parts.path, body))
            replies = srv.routes.get(parts.path)
            n = srv.hits.get(parts.path, 0)
            srv.hits[parts.path] = n + 1
        reply = replies[min(n, len(replies) - 1)] if replies else Reply(404, b"{}")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    srv.server.RequestHandlerClass.do_POST = do_POST
    return bodies


def test_search_logs_in_refreshes_an_expired_token_and_leaks_no_credential(case, home,
                                                                           only_loopback):
    password = "app-pw-PLANTED-4f3e-2d1c"
    access1, access2 = "acc-PLANTED-ONE-eyJ", "acc-PLANTED-TWO-eyJ"
    refresh1 = "ref-PLANTED-ONE-eyJ"
    secrets.put("bluesky", "handle", "investigator.bsky.social")
    secrets.put("bluesky", "app_password", password)
    found = own("searchPosts.json")
    since = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with Loopback() as srv:
        bodies = accept_posts(srv)
        srv.route(LOGIN, [page({"did": ALICE, "handle": "investigator.bsky.social",
                                "accessJwt": access1, "refreshJwt": refresh1})])
        srv.route(REFRESH, [page({"accessJwt": access2, "refreshJwt": "ref-PLANTED-TWO"})])
        srv.route(SEARCH, [Reply(400, b'{"error":"ExpiredToken","message":"Token has expired"}'),
                           page(found), page({"posts": [], "hitsTotal": 2})])
        port = srv.server.server_address[1]
        j = runner.save_job(case, "bluesky", "search", {
            "pds": f"127.0.0.1:{port}", "scheme": "http", "query": "harbour", "lang": "en"},
            since=since)
        report = runner.run(case, j.id, client=FAST)
        asked = [(q.method, q.path, q.headers.get("authorization")) for q in srv.requests]
        queries = [q.query for q in srv.requests if q.path == SEARCH]
    assert asked == [("POST", LOGIN, None), ("GET", SEARCH, f"Bearer {access1}"),
                     ("POST", REFRESH, f"Bearer {refresh1}"),
                     ("GET", SEARCH, f"Bearer {access2}"), ("GET", SEARCH, f"Bearer {access2}")]
    assert json.loads(bodies[0][1]) == {"identifier": "investigator.bsky.social",
                                        "password": password}
    assert queries[1] == {"q": ["harbour"], "sort": ["latest"], "lang": ["en"],
                          "since": ["2025-01-01T00:00:00Z"], "limit": ["100"]}
    assert queries[2]["cursor"] == [found["cursor"]]
    assert report.finished and report.pages == 2 and report.posts == len(found["posts"])
    uids = {r[0] for r in rows(case, "SELECT uid FROM posts")}
    assert {"bluesky:" + p["uri"] for p in found["posts"]} <= uids
    # no password or token in any URL, table, audit entry or report
    planted = (password, access1, access2, refresh1, "ref-PLANTED-TWO")
    assert not any(s in str(q.query) + q.path for q in srv.requests for s in planted)
    con = store.connect(case, read_only=True)
    try:
        for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            dump = str(con.execute(f"SELECT * FROM {t}").fetchall())
            assert not any(s in dump for s in planted), t
    finally:
        con.close()
    audit_log = case.audit_path.read_text()
    assert not any(s in audit_log for s in planted)
    assert not any(s in str(report.as_dict()) for s in planted)
    assert oct((home / "secrets.toml").stat().st_mode & 0o777) == "0o600"


def test_a_refused_login_stops_the_search_and_says_why_without_the_password(case, only_loopback):
    password = "wrong-PLANTED-pw-9z8y"
    with Loopback() as srv:
        port = srv.server.server_address[1]
        j = runner.save_job(case, "bluesky", "search", {
            "pds": f"127.0.0.1:{port}", "scheme": "http", "query": "harbour"})
        with pytest.raises(SocmintError, match="no handle for \\[bluesky\\]"):
            runner.run(case, j.id, client=FAST)
        secrets.put("bluesky", "handle", "investigator.bsky.social")
        secrets.put("bluesky", "app_password", password)
        accept_posts(srv)
        srv.route(LOGIN, [Reply(401, b'{"error":"AuthenticationRequired",'
                                     b'"message":"Invalid identifier or password"}')])
        report = runner.run(case, j.id, client=FAST)
        assert [q.path for q in srv.requests] == [LOGIN]
    assert not report.finished and report.pages == 0
    assert "refused: HTTP 401 AuthenticationRequired: Invalid identifier or password" in \
        report.problems[0]
    assert password not in str(report.as_dict()) + case.audit_path.read_text()


# --- hosts and parameters -------------------------------------------------------------------------

def test_each_job_names_one_host_and_bad_params_are_refused_when_declared(case):
    c = bluesky.BlueskyCollector()

    def hosts(kind, **params):
        return c.hosts(Job("x", "bluesky", kind, params))

    assert hosts("author", actor="alice.bsky.social") == {"public.api.bsky.app"}
    assert hosts("thread", uri=f"at://{ALICE}/app.bsky.feed.post/3k") == {"public.api.bsky.app"}
    assert hosts("profile", actors=["a.bsky.social", ALICE]) == {"public.api.bsky.app"}
    assert hosts("search", query="x") == {"bsky.social"}
    assert hosts("firehose") == {"jetstream2.us-east.bsky.network"}
    assert hosts("followers", actor=ALICE, appview="api.bsky.app") == {"api.bsky.app"}
    assert hosts("firehose", jetstream="127.0.0.1:6008") == {"127.0.0.1"}
    for kind, params, words in [
            ("author", {}, "actor"), ("author", {"actor": "not a handle"}, "handle"),
            ("thread", {"uri": "https://bsky.app/x"}, "at-uri"), ("profile", {}, "actors"),
            ("search", {"query": " "}, "query"), ("search", {"query": "x", "sort": "y"}, "sort"),
            ("firehose", {"collections": ["app.bsky.feed.post", "no spaces!"]}, "NSID"),
            ("firehose", {"dids": ["alice"]}, "DID"), ("firehose", {"max_events": 0}, "max_"),
            ("firehose", {"collections": [f"a.b{i}" for i in range(101)]}, "at most"),
            ("author", {"actor": ALICE, "appview": "evil.example/x"}, "host"),
            ("author", {"actor": ALICE, "scheme": "ftp"}, "scheme"), ("likes", {}, "not")]:
        with pytest.raises(SocmintError, match=words):
            runner.save_job(case, "bluesky", kind, params)

    async def elsewhere():
        async with Client(hosts("author", actor=ALICE)) as client:
            await client.get("https://bsky.social/xrpc/app.bsky.feed.searchPosts")

    with pytest.raises(HostRefused):
        asyncio.run(elsewhere())


# --- Jetstream ------------------------------------------------------------------------------------

def jetstream_lines() -> list[bytes]:
    data = shared_fixture("bluesky/jetstream_v1_events.jsonl").read_bytes()
    return [line for line in data.split(b"\n") if line.strip()]


def digest(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


class Jetstream:
    """A loopback Jetstream replaying recorded events as the service does: live (file order)
    without a cursor; from `cursor` (every event with time_us >= cursor, in time order, as its
    store replays) with one; wantedCollections (commits only; NSID prefixes with .*) and
    wantedDids; requireHello waits for an options_update. `drop_after`: the first connection
    is cut (no close frame) after that many events. `refuse`: every handshake gets this HTTP
    status. After the last event the stream stays open and quiet, like a live tail."""

    def __init__(self, lines: list[bytes], drop_after: int | None = None,
                 refuse: int | None = None):
        self.events = [(orjson.loads(line), line) for line in lines]
        self.drop_after = drop_after
        self.refuse = refuse
        self.connections: list[dict] = []
        self.hellos: list[dict] = []
        self.sent: list[list[bytes]] = []

    def __enter__(self) -> Jetstream:
        from websockets.sync.server import serve

        self.server = serve(self._handle, "127.0.0.1", 0, process_request=self._check)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        for ws in list(self.server.connections):
            ws.close()
        self.server.shutdown()
        self.thread.join(5)

    def _check(self, ws, request):
        if self.refuse:
            self.connections.append(parse_qs(urlsplit(request.path).query))
            return ws.respond(self.refuse, "refused\n")
        return None

    def _handle(self, ws) -> None:
        from websockets.exceptions import ConnectionClosed

        query = parse_qs(urlsplit(ws.request.path).query)
        self.connections.append(query)
        sent: list[bytes] = []
        self.sent.append(sent)
        collections = query.get("wantedCollections", [])
        dids = query.get("wantedDids", [])
        try:
            if query.get("requireHello") == ["true"]:
                hello = json.loads(ws.recv())
                self.hellos.append(hello)
                collections = hello["payload"].get("wantedCollections") or collections
                dids = hello["payload"].get("wantedDids") or dids
            events = self.events
            if "cursor" in query:
                cursor = int(query["cursor"][0])
                events = sorted((e for e in events if e[0]["time_us"] >= cursor),
                                key=lambda e: e[0]["time_us"])
            for ev, line in events:
                if not _wanted(ev, collections, dids):
                    continue
                if self.drop_after is not None and len(self.connections) == 1 \
                        and len(sent) == self.drop_after:
                    ws.socket.shutdown(socket.SHUT_RDWR)  # the network drops: no close frame
                    return
                ws.send(line.decode())
                sent.append(line)
            for _ in ws:  # live tail: nothing more to say until the client leaves
                pass
        except (ConnectionClosed, OSError):
            pass


def _wanted(ev: dict, collections: list[str], dids: list[str]) -> bool:
    if dids and ev["did"] not in dids:
        return False
    if not collections or ev["kind"] != "commit":
        return True  # identity and account events reach every subscriber
    c = ev["commit"]["collection"]
    return any(c == w or (w.endswith(".*") and c.startswith(w[:-1])) for w in collections)


def firehose_job(case, js, limit=None, **params):
    return runner.save_job(case, "bluesky", "firehose", {
        "jetstream": f"127.0.0.1:{js.port}", "scheme": "ws", "page_events": 25,
        "page_seconds": 0.2, **params}, limit=limit)


def test_firehose_resumes_a_dropped_connection_with_a_cursor_and_loses_nothing(case,
                                                                             only_loopback):
    lines = jetstream_lines()
    pages = []

    def on_page(p, report, wait):
        if p is not None:
            pages.append((p.items, p.framing, p.problem, p.checkpoint))

    with Jetstream(lines, drop_after=70) as js:
        j = firehose_job(case, js, max_events=len(lines), rewind_seconds=0.05)
        report = runner.run(case, j.id, client=FAST, on_page=on_page)
    first = [orjson.loads(x)["time_us"] for x in js.sent[0]]
    assert len(first) == 70 and len(js.connections) == 2
    assert "cursor" not in js.connections[0]
    # the reconnect asks from a little (rewind_seconds) before the latest event received
    assert js.connections[1]["cursor"] == [str(max(first) - 50_000)]
    assert len(js.sent[1]) < len(lines)  # the cursor was honoured: only a replay from there
    assert report.finished and report.posts == len(lines)
    reconnects = [p for p in report.problems if "reconnecting" in p]
    assert len(reconnects) == 1 and f"from cursor {max(first) - 50_000}" in reconnects[0]
    # every event's evidence exactly once, none lost, no duplicate passed on
    stored = rows(case, "SELECT sha256, framing, format, status FROM evidence")
    assert sorted(r[0] for r in stored) == sorted(digest(x) for x in lines)
    assert {r[1:] for r in stored} == {("lines", "bluesky.jetstream", "mapped")}
    assert report.items["duplicate"] == 0 and report.items["rejected"] == 0
    events = [p for p in pages if p[2] is None]
    assert all(n <= 25 and framing == "lines" for n, framing, _, _ in events)
    assert events[-1][3] == {"cursor": max(orjson.loads(x)["time_us"] for x in lines)}
    assert checkpoint(case, j.id) == events[-1][3]
    posts = {r[0] for r in rows(case, "SELECT uid FROM posts")}
    created = {f"bluesky:at://{e['did']}/{e['commit']['collection']}/{e['commit']['rkey']}"
               for e in map(orjson.loads, lines) if e["kind"] == "commit"
               and e["commit"]["collection"] == "app.bsky.feed.post"
               and e["commit"]["operation"] == "create"}
    assert created and created <= posts


def test_a_killed_firehose_job_resumes_from_its_checkpoint(case, only_loopback):
    lines = jetstream_lines()

    class Killed(Exception):
        pass

    def kill_after(n):
        def on_page(p, report, wait):
            if report.posts >= n:
                raise Killed
        return on_page

    with Jetstream(lines) as js:
        j = firehose_job(case, js, rewind_seconds=0.05)
        with pytest.raises(Killed):
            runner.run(case, j.id, client=FAST, on_page=kill_after(50))
        cursor = checkpoint(case, j.id)["cursor"]
        assert cursor == max(orjson.loads(x)["time_us"] for x in lines[:50])
        # the next run asks from the cursor, a little before; what it replays that is stored
        # already is a duplicate the evidence store absorbs
        replay = [x for x in lines if orjson.loads(x)["time_us"] >= cursor - 50_000]
        with pytest.raises(Killed):
            runner.run(case, j.id, client=FAST, on_page=kill_after(len(replay)))
    assert js.connections[1]["cursor"] == [str(cursor - 50_000)]
    assert rows(case, "SELECT count(*), count(DISTINCT sha256) FROM evidence") == [
        (len(lines), len(lines))]
    assert {r[0] for r in rows(case, "SELECT sha256 FROM evidence")} == {digest(x)
                                                                        for x in lines}


def test_firehose_filters_by_keyword_and_sends_long_did_lists_in_a_hello(case, only_loopback):
    lines = jetstream_lines()
    events = [orjson.loads(x) for x in lines]
    dids = sorted({e["did"] for e in events})
    left_out = next(e["did"] for e in events if "government" in
                    str(e.get("commit", {}).get("record", {}).get("text", "")))
    wanted = [d for d in dids if d != left_out]
    expected = [x for x, e in zip(lines, events, strict=True)
                if e["did"] in wanted and e["kind"] == "commit"
                and e["commit"]["collection"] == "app.bsky.feed.post"
                and "government" in e["commit"].get("record", {}).get("text", "").casefold()]
    assert len(expected) >= 1
    with Jetstream(lines) as js:
        j = firehose_job(case, js, keywords="GOVERNMENT", dids=wanted,
                         max_events=len(expected))
        report = runner.run(case, j.id, client=FAST)
    assert report.finished and report.posts == len(expected)
    q = js.connections[0]
    assert q["wantedCollections"] == ["app.bsky.feed.post"] and q["requireHello"] == ["true"]
    assert "wantedDids" not in q  # too long for a URL: sent in the options_update instead
    assert js.hellos[0] == {"type": "options_update", "payload": {
        "wantedCollections": ["app.bsky.feed.post"], "wantedDids": wanted,
        "maxMessageSizeBytes": 0}}
    assert sorted(r[0] for r in rows(case, "SELECT sha256 FROM evidence")) == sorted(
        digest(x) for x in expected)
    # a short list goes in the URL
    url, hello = bluesky._subscribe_url(Job("x", "bluesky", "firehose", {}), ["app.bsky.*"],
                                        dids[:3], 1783175888085434)
    assert hello is None and url.startswith("wss://jetstream2.us-east.bsky.network/subscribe?")
    assert parse_qs(urlsplit(url).query) == {"wantedCollections": ["app.bsky.*"],
                                             "wantedDids": dids[:3],
                                             "cursor": ["1783175888085434"]}


def test_firehose_collects_a_window_from_since_to_until(case, only_loopback):
    lines = jetstream_lines()
    times = sorted(orjson.loads(x)["time_us"] for x in lines)
    since_us, until_us = times[20], times[90]

    def at(us):
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=us)

    with Jetstream(lines) as js:
        j = runner.save_job(case, "bluesky", "firehose", {
            "jetstream": f"127.0.0.1:{js.port}", "scheme": "ws", "page_events": 25},
            since=at(since_us), until=at(until_us))
        report = runner.run(case, j.id, client=FAST)
    assert js.connections[0]["cursor"] == [str(since_us)]
    assert report.finished and report.posts == 70
    window = {digest(x) for x in lines if since_us <= orjson.loads(x)["time_us"] < until_us}
    assert {r[0] for r in rows(case, "SELECT sha256 FROM evidence")} == window


def test_firehose_gives_up_on_a_server_it_cannot_reach_or_that_refuses(case, only_loopback):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    sleeps = Sleeps()
    j = runner.save_job(case, "bluesky", "firehose", {
        "jetstream": f"127.0.0.1:{port}", "scheme": "ws", "max_events": 5})
    report = runner.run(case, j.id, client={"sleep": sleeps, "attempts": 3, "backoff": 0.5})
    assert not report.finished and report.pages == 0
    assert len(report.problems) == 3 and "stopped after 3 failed connections" in \
        report.problems[-1]
    assert len(sleeps.waits) == 2 and 0.5 <= sleeps.waits[0] < sleeps.waits[1]
    with Jetstream(jetstream_lines(), refuse=400) as js:
        j = firehose_job(case, js, max_events=5)
        report = runner.run(case, j.id, client={"sleep": Sleeps(), "attempts": 3})
    assert len(js.connections) == 1  # a 4xx is not retried
    assert not report.finished and "HTTP 400 on connect" in report.problems[-1]
