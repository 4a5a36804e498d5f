"""RSS/Atom collector end to end: saved jobs run against a loopback server serving the own feed
fixtures; what lands in the tables, what the job reports, retries, resume, 304, named hosts.

Mapping a "feed" page needs two things the lead is adding: mapping.decode reading framing
"feed" with socmint.sources.rss.parse (bytes and the context's "url"), and rss in
socmint.sources.MODULES. The `feed_framing` fixture applies exactly that when it is missing,
and does nothing once it is there.
"""

from __future__ import annotations

import json
import socket

import orjson
import pytest

from socmint import mapping, search, sources, store
from socmint.collect import rss as collector
from socmint.collect import runner
from socmint.collect.base import Job
from socmint.errors import SocmintError
from socmint.sources import rss
from tests.conftest import OWN_FIXTURES
from tests.loopback import Loopback, Reply

FIXTURES = OWN_FIXTURES / "rss"
LM = "Tue, 12 Mar 2024 09:41:07 GMT"
ETAG = '"6093-61371b2e0c8f1"'
XML = {"Content-Type": "application/rss+xml; charset=UTF-8"}


# ---------------------------------------------------------------- helpers

@pytest.fixture
def feed_framing(monkeypatch):
    original = mapping.decode
    try:
        handled = isinstance(original(b'<rss version="2.0"><channel/></rss>', "feed", None), dict)
    except ValueError:
        handled = False
    if not handled:
        def decode(data, framing, context):
            if framing == "feed":
                return rss.parse(data, (context or {}).get("url"))
            return original(data, framing, context)

        monkeypatch.setattr(mapping, "decode", decode)
    if rss not in sources.MODULES:
        monkeypatch.setattr(sources, "MODULES", (*sources.MODULES, rss))


@pytest.fixture
def srv():
    with Loopback() as s:
        yield s


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    def options(self, **more) -> dict:
        return {"sleep": self, "backoff": 0, "timeout": 0.5, "attempts": 3, **more}


@pytest.fixture
def sleeps():
    return Sleeps()


def feed(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def q(case, sql: str, params=None):
    con = store.connect(case, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def evidence(case):
    return q(case, "SELECT origin, status, platform, format, framing, context, reason "
                   "FROM evidence ORDER BY stored_at")


def checkpoint(case, job: str) -> dict:
    (row,) = q(case, "SELECT checkpoint FROM job_state WHERE job = ?", [job])
    return orjson.loads(row[0])


def posts(case) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in q(case, "SELECT uid, account_uid, text, url FROM posts")}


def job(case, srv, path="/feed/"):
    return runner.save_job(case, "rss", "feed", {"url": srv.url(path)})


# ---------------------------------------------------------------- declaring jobs

def test_job_params_are_checked(case):
    c = collector.RssCollector()
    assert c.hosts(Job("j", "rss", "feed", {"url": "https://News.Example.org/feed/"})) == {
        "news.example.org"}
    for params in ({}, {"url": "file:///etc/passwd"}, {"url": "javascript:alert(1)"},
                   {"url": "news.example.org/feed"}, {"url": 42}, {"url": "http://[::1"}):
        with pytest.raises(SocmintError):
            runner.save_job(case, "rss", "feed", params)


# ---------------------------------------------------------------- a feed, then 304

def test_feed_then_not_modified(case, srv, sleeps, feed_framing):
    body = feed("wordpress_rss2.xml")
    srv.route("/feed/", [Reply(200, body, {**XML, "ETag": ETAG, "Last-Modified": LM}),
                         Reply(304, b"", {"ETag": ETAG})])
    j = job(case, srv)
    rep = runner.run(case, j.id, client=sleeps.options())
    assert (rep.pages, rep.posts, rep.problems, rep.finished) == (1, 3, [], True)
    assert rep.items["new"] == 1
    ((origin, status, platform, fmt, framing, context, _),) = evidence(case)
    assert (origin, status, platform, fmt, framing) == (srv.url("/feed/"), "mapped", "rss",
                                                        "rss.feed", "feed")
    assert json.loads(context) == {"url": srv.url("/feed/")}
    got = posts(case)
    assert set(got) == {"rss:https://news.example.org/?p=1042",
                        "rss:https://news.example.org/2024/03/11/valley-voices-12/",
                        "rss:https://news.example.org/#post-77"}
    assert got["rss:https://news.example.org/?p=1042"][0] == (
        "rss:https://news.example.org/#author:maria lopez")
    assert {r[0] for r in q(case, "SELECT community FROM posts")} == {
        "rss:https://news.example.org/"}
    assert {r[0] for r in q(case, "SELECT url FROM media")} == {
        "https://news.example.org/wp-content/uploads/2024/03/bridge.jpg",
        "https://video.example.org/clips/route9.mp4", "https://cdn.example.net/podcast/vv-012.mp3"}
    assert checkpoint(case, j.id) == {"etag": ETAG, "modified": LM}
    # the collection's posts are searchable at once: the run brought the index up to date
    assert search.refresh(case)["action"] == "none"
    assert search.search(case, "platform:rss").total == 3

    rep = runner.run(case, j.id, client=sleeps.options())
    sent = srv.requests[-1].headers
    assert (sent["if-none-match"], sent["if-modified-since"]) == (ETAG, LM)
    assert "if-none-match" not in srv.requests[0].headers
    assert (rep.pages, rep.posts, rep.problems, rep.finished) == (0, 0, [], True)
    assert len(evidence(case)) == 1 and len(posts(case)) == 3


def test_same_bytes_again_are_not_stored_twice(case, srv, sleeps, feed_framing):
    atom = {"Content-Type": "application/atom+xml"}
    srv.route("/feed/", [Reply(200, feed("atom_blog.xml"), atom)])
    j = job(case, srv)
    runner.run(case, j.id, client=sleeps.options())
    assert checkpoint(case, j.id) == {}  # the server gave no validators
    rep = runner.run(case, j.id, client=sleeps.options())
    assert "if-modified-since" not in srv.requests[1].headers
    assert rep.items["duplicate"] == 1 and rep.items["new"] == 0
    assert len(evidence(case)) == 1
    assert set(posts(case)) == {"rss:urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
                                "rss:tag:watershed.example.net,2024:links-11"}
    # relative links resolve against the URL the feed was collected from
    assert ("http://127.0.0.1:%d/2024/03/quelle/" % srv.server.server_address[1],) in q(
        case, "SELECT value FROM entities WHERE kind = 'url'")


# ---------------------------------------------------------------- failures

def test_retries_429_500_timeout_truncated(case, srv, sleeps, feed_framing):
    body = feed("atom_blog.xml")
    srv.route("/feed/", [
        Reply(429, b"slow down", {"Retry-After": "7"}), Reply(500, b"oops"),
        Reply(200, body, delay=1.0),  # the client gives up after 0.5 s
        Reply(200, body, truncate=len(body) // 3), Reply(200, body)])
    j = job(case, srv)
    rep = runner.run(case, j.id, client=sleeps.options(attempts=5))
    assert 7.0 in sleeps.waits  # Retry-After, as the server said
    assert len(srv.requests) == 5 and rep.problems == [] and rep.finished
    assert (rep.pages, rep.posts) == (1, 2)
    assert [e[1] for e in evidence(case)] == ["mapped"]


def test_malformed_feed_is_kept_mapped_leniently_and_reported(case, srv, sleeps, feed_framing):
    srv.route("/feed/", [Reply(200, feed("malformed.xml"), {"Content-Type": "text/xml"})])
    j = job(case, srv)
    rep = runner.run(case, j.id, client=sleeps.options())
    assert len(rep.problems) == 1 and "malformed feed, read leniently" in rep.problems[0]
    assert "undefined entity" in rep.problems[0]
    assert rep.pages == 1 and rep.posts == 2  # feedparser's count, the broken husk included
    ((_, status, _, fmt, *_),) = evidence(case)
    assert (status, fmt) == ("mapped", "rss.feed")
    assert set(posts(case)) == {"rss:http://gemeinde.example.de/meldung.php?id=311&seite=2"}


def test_not_a_feed_and_server_errors_are_kept_rejected_and_reported(case, srv, sleeps,
                                                                     feed_framing):
    srv.route("/feed/", [Reply(200, b"<html><head><title>Login</title></head><body>Sign in"
                                    b"</body></html>", {"Content-Type": "text/html"})])
    rep = runner.run(case, job(case, srv).id, client=sleeps.options())
    assert len(rep.problems) == 1 and "not an RSS or Atom feed" in rep.problems[0]
    ((_, status, _, _, _, _, reason),) = evidence(case)
    assert status == "rejected" and "not an RSS or Atom feed" in reason
    assert rep.items["rejected"] == 1 and not posts(case)

    srv.route("/gone", [Reply(500, b"<h1>Internal error</h1>", {"Content-Type": "text/html"})])
    rep = runner.run(case, job(case, srv, "/gone").id, client=sleeps.options(attempts=2))
    assert rep.problems == [f"{srv.url('/gone')}: HTTP 500"] and not rep.finished
    assert len(srv.requests) == 3  # one try for the page above, two for this one
    assert [e[1] for e in evidence(case)] == ["rejected", "rejected"]

    srv.route("/cut", [Reply(200, feed("atom_blog.xml"), truncate=200)])
    rep = runner.run(case, job(case, srv, "/cut").id, client=sleeps.options(attempts=2))
    assert len(rep.problems) == 1 and "RemoteProtocolError" in rep.problems[0]
    assert rep.pages == 0 and len(evidence(case)) == 2  # nothing whole arrived: nothing kept


def test_hostile_feed_lands_as_text(case, srv, sleeps, feed_framing):
    srv.route("/feed/", [Reply(200, feed("hostile.xml"), XML)])
    rep = runner.run(case, job(case, srv).id, client=sleeps.options())
    assert rep.pages == 1 and rep.posts == 3
    texts = [r[1] for r in posts(case).values()]
    assert "Read this, the report and that." in texts[0] + texts[1] + texts[2]
    everything = json.dumps(q(case, "SELECT * FROM posts") + q(case, "SELECT * FROM entities")
                            + q(case, "SELECT * FROM media") + q(case, "SELECT * FROM accounts"),
                            default=str)
    for never in ("alert(4)", "alert(5)", "javascript:", "fetch(", "evil.example", "never"):
        assert never not in everything, never
    # the feed's own link is javascript:, so the feed is known by the URL it came from
    assert ("rss:" + srv.url("/feed/"),) in q(case, "SELECT uid FROM accounts")


# ---------------------------------------------------------------- resume

def test_killed_after_its_page_then_resumed_from_the_checkpoint(case, srv, sleeps,
                                                                feed_framing):
    srv.route("/feed/", [Reply(200, feed("wordpress_rss2.xml"), {**XML, "ETag": ETAG}),
                         Reply(304)])
    j = job(case, srv)

    def die(page, report, wait):
        if page is not None:
            raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        runner.run(case, j.id, client=sleeps.options(), on_page=die)
    assert len(evidence(case)) == 1 and checkpoint(case, j.id) == {"etag": ETAG}
    rep = runner.run(case, j.id, client=sleeps.options())
    assert srv.requests[1].headers["if-none-match"] == ETAG
    assert rep.pages == 0 and rep.finished and len(evidence(case)) == 1
    (dupes,) = q(case, "SELECT count(*) - count(DISTINCT sha256) FROM evidence")[0]
    assert dupes == 0 and len(posts(case)) == 3


# ---------------------------------------------------------------- hosts

def test_no_request_to_a_host_the_job_does_not_name(case, srv, sleeps, monkeypatch,
                                                    feed_framing):
    connect = socket.socket.connect
    refused = []

    def only_loopback(self, address):
        if not (isinstance(address, tuple) and address[0] == "127.0.0.1"):
            refused.append(address)
            raise ConnectionRefusedError(f"test: no network ({address})")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", only_loopback)
    # links, enclosures and media elsewhere: none is followed
    srv.route("/feed/", [Reply(200, feed("wordpress_rss2.xml"), XML)])
    srv.route("/moved", [Reply(301, b"", {"Location": "https://feeds.example.net/feed/"})])
    rep = runner.run(case, job(case, srv).id, client=sleeps.options())
    assert rep.pages == 1 and rep.problems == []
    rep = runner.run(case, job(case, srv, "/moved").id, client=sleeps.options())
    assert len(rep.problems) == 1
    assert "'feeds.example.net' is not a host this job names" in rep.problems[0]
    assert rep.pages == 0 and not rep.finished
    assert refused == [] and [r.path for r in srv.requests] == ["/feed/", "/moved"]
