"""4chan collector end to end: saved jobs run against a loopback server replaying real API
payloads; what lands in the tables, what the job reports, retries, resume, 304, named hosts.

The API's JSON does not name the board; each page carries it as context {"payload_defaults":
{"board": ...}}, which mapping.decode adds to a thread's object and to each catalog page, so
posts are asserted with their board-qualified uids ("fourchan:vg/123").
"""

from __future__ import annotations

import copy
import json
import socket

import orjson
import pytest

from socmint import store
from socmint.collect import fourchan as collector
from socmint.collect import runner
from socmint.collect.base import Job
from socmint.errors import SocmintError
from tests.conftest import shared_fixture
from tests.loopback import Loopback, Reply

LM = "Tue, 12 Mar 2024 09:00:00 GMT"
LM2 = "Tue, 12 Mar 2024 10:00:00 GMT"


# ---------------------------------------------------------------- helpers

@pytest.fixture
def srv():
    with Loopback() as s:
        yield s


class Fake:
    """Sleep and clock for the client: no real waiting; the clock moves only when slept."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def options(self, **more) -> dict:
        return {"sleep": self.sleep, "clock": self.clock, "backoff": 0, "timeout": 0.5,
                "attempts": 3, **more}


@pytest.fixture
def fake():
    return Fake()


def q(case, sql: str, params=None):
    con = store.connect(case, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def evidence(case):
    return q(case, "SELECT origin, status, format, framing, context, reason FROM evidence "
                   "ORDER BY stored_at, pack_offset")


def checkpoint(case, job: str) -> dict:
    (row,) = q(case, "SELECT checkpoint FROM job_state WHERE job = ?", [job])
    return orjson.loads(row[0])


def catalog_bytes() -> bytes:
    return shared_fixture("fourchan/catalog_vg_pages1-3.json").read_bytes()


def thread_bytes() -> bytes:
    return shared_fixture("fourchan/thread_go4chanapi_example.json").read_bytes()


def archived_threads(n: int) -> list[tuple[int, bytes, list[int]]]:
    """Real /vg/ threads as the thread endpoint gives them: each catalog OP and its last
    replies, as (thread number, JSON bytes, post numbers)."""
    out = []
    for t in json.loads(catalog_bytes())[0]["threads"][:n]:
        op = copy.deepcopy(t)
        replies = op.pop("last_replies", [])
        posts = [op, *replies]
        out.append((t["no"], json.dumps({"posts": posts}).encode(), [p["no"] for p in posts]))
    return out


def catalog_posts() -> list[int]:
    out = []
    for page in json.loads(catalog_bytes()):
        for t in page["threads"]:
            out += [t["no"]] + [r["no"] for r in t.get("last_replies", [])]
    return out


def post_uids(case) -> set[str]:
    return {r[0] for r in q(case, "SELECT uid FROM posts")}


def job(case, srv, kind, **params):
    return runner.save_job(case, "fourchan", kind, {"api": srv.base, **params})


# ---------------------------------------------------------------- declaring jobs

def test_job_params_are_checked(case):
    c = collector.FourchanCollector()
    assert c.hosts(Job("j", "fourchan", "catalog", {"board": "pol"})) == {"a.4cdn.org"}
    assert c.hosts(Job("j", "fourchan", "thread", {"board": "/g/", "thread": "123",
                                                   "api": "http://127.0.0.1:9"})) == {
        "127.0.0.1"}
    for params in ({}, {"board": "../etc"}, {"board": "pol", "api": "file:///etc"},
                   {"board": "pol", "api": "ftp://a.4cdn.org"}):
        with pytest.raises(SocmintError):
            runner.save_job(case, "fourchan", "catalog", params)
    for no in (None, 0, -3, "12a", True):
        with pytest.raises(SocmintError):
            runner.save_job(case, "fourchan", "thread", {"board": "pol", "thread": no})
    with pytest.raises(SocmintError):
        runner.save_job(case, "fourchan", "search", {"board": "pol"})


# ---------------------------------------------------------------- catalog, 304

def test_catalog_then_not_modified(case, srv, fake):
    srv.route("/vg/catalog.json", [Reply(200, catalog_bytes(), {"Last-Modified": LM}),
                                   Reply(304)])
    j = job(case, srv, "catalog", board="vg")
    rep = runner.run(case, j.id, client=fake.options())
    want = catalog_posts()
    assert (rep.pages, rep.posts, rep.problems, rep.finished) == (1, len(want), [], True)
    assert rep.items["new"] == 1 and rep.items["rejected"] == 0
    ((origin, status, fmt, framing, context, _),) = evidence(case)
    assert origin == srv.url("/vg/catalog.json") and status == "mapped"
    assert fmt == "fourchan.catalog" and framing == "document"
    assert json.loads(context) == {"payload_defaults": {"board": "vg"}}
    assert post_uids(case) == {f"fourchan:vg/{n}" for n in want}
    assert {r[0] for r in q(case, "SELECT community FROM posts")} == {"fourchan:/vg/"}
    assert checkpoint(case, j.id) == {"modified": {srv.url("/vg/catalog.json"): LM}}

    rep = runner.run(case, j.id, client=fake.options())
    assert srv.requests[-1].headers["if-modified-since"] == LM
    assert "if-modified-since" not in srv.requests[0].headers
    assert (rep.pages, rep.posts, rep.problems, rep.finished) == (0, 0, [], True)
    assert len(evidence(case)) == 1 and len(post_uids(case)) == len(want)


# ---------------------------------------------------------------- thread, gone

def test_thread_collected_then_gone(case, srv, fake):
    path = "/ck/thread/3856791.json"
    srv.route(path, [Reply(200, thread_bytes(), {"Last-Modified": LM}),
                     Reply(200, thread_bytes(), {"Last-Modified": LM2}),
                     Reply(404, b"<html>404 Not Found</html>", {"Content-Type": "text/html"})])
    j = job(case, srv, "thread", board="ck", thread=3856791)
    rep = runner.run(case, j.id, client=fake.options())
    posts = json.loads(thread_bytes())["posts"]
    assert (rep.pages, rep.posts, rep.problems) == (1, len(posts), [])
    assert post_uids(case) == {f"fourchan:ck/{p['no']}" for p in posts}
    (conv,) = {r[0] for r in q(case, "SELECT conversation FROM posts")}
    assert conv == "fourchan:ck/3856791"

    # the server ignores If-Modified-Since and answers the same bytes: nothing stored twice
    rep = runner.run(case, j.id, client=fake.options())
    assert srv.requests[1].headers["if-modified-since"] == LM
    assert rep.items["duplicate"] == 1 and len(evidence(case)) == 1
    assert checkpoint(case, j.id)["modified"][srv.url(path)] == LM2

    rep = runner.run(case, j.id, client=fake.options())
    assert srv.requests[2].headers["if-modified-since"] == LM2
    assert len(rep.problems) == 1
    assert "thread 3856791 on /ck/ is gone (HTTP 404: pruned or deleted)" in rep.problems[0]
    assert rep.posts == 0 and len(post_uids(case)) == len(posts)  # the posts stay


# ---------------------------------------------------------------- archive: pages, limit, resume

def archive_routes(srv, threads, gone=()):
    srv.route("/vg/archive.json", [
        Reply(200, json.dumps([n for n, _, _ in threads] + list(gone)).encode(),
              {"Last-Modified": LM}), Reply(304)])
    for no, body, _ in threads:
        srv.route(f"/vg/thread/{no}.json", [Reply(200, body)])


def test_archive_pages_every_thread_at_one_request_a_second(case, srv, fake):
    threads = archived_threads(3)
    archive_routes(srv, threads, gone=[999])
    j = job(case, srv, "archive", board="vg")
    rep = runner.run(case, j.id, client=fake.options())
    assert [r.path for r in srv.requests] == ["/vg/archive.json"] + [
        f"/vg/thread/{n}.json" for n, _, _ in threads] + ["/vg/thread/999.json"]
    assert rep.posts == sum(len(p) for _, _, p in threads) and rep.finished
    assert rep.problems == [f"{srv.url('/vg/thread/999.json')}: archived thread 999 on /vg/ "
                            "is gone (HTTP 404)"]
    assert post_uids(case) == {f"fourchan:vg/{n}" for _, _, p in threads for n in p}
    ev = evidence(case)
    assert ev[0][1:4] == ("stored", "file:text/plain", "file")  # the list: kept, not mapped
    assert [e[2] for e in ev[1:4]] == ["fourchan.thread"] * 3
    assert all(json.loads(e[4]) == {"payload_defaults": {"board": "vg"}} for e in ev[1:4])
    # the API's rule: one request a second (the fake clock only moves when the client waits)
    pacing = [w for w, why in rep.waits if why.startswith("pacing")]
    assert pacing == [1.0] * (len(srv.requests) - 1)
    assert checkpoint(case, j.id)["todo"] == []

    # nothing new in the archive (304): nothing asked again
    rep = runner.run(case, j.id, client=fake.options())
    assert srv.requests[-1].path == "/vg/archive.json"
    assert srv.requests[-1].headers["if-modified-since"] == LM
    assert rep.pages == 0 and len(srv.requests) == 6


def test_archive_honours_the_limit_and_resumes(case, srv, fake):
    threads = archived_threads(3)
    archive_routes(srv, threads)
    first = len(threads[0][2])
    j = runner.save_job(case, "fourchan", "archive", {"api": srv.base, "board": "vg"},
                        limit=first)
    rep = runner.run(case, j.id, client=fake.options())
    assert (rep.posts, rep.finished) == (first, True)
    assert [r.path for r in srv.requests] == ["/vg/archive.json",
                                              f"/vg/thread/{threads[0][0]}.json"]
    cp = checkpoint(case, j.id)
    assert cp["todo"] == [threads[1][0], threads[2][0]] and cp["done"] == [threads[0][0]]
    rep = runner.run(case, j.id, client=fake.options())
    assert srv.requests[3].path == f"/vg/thread/{threads[1][0]}.json"
    assert len(srv.requests) == 4 and rep.posts == len(threads[1][2])


def test_archive_killed_midway_resumes_without_duplicates(case, srv, fake):
    threads = archived_threads(3)
    archive_routes(srv, threads)
    j = job(case, srv, "archive", board="vg")

    def die_after_first_thread(page, report, wait):
        if page is not None and page.items:
            raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        runner.run(case, j.id, client=fake.options(), on_page=die_after_first_thread)
    assert len(evidence(case)) == 2  # the list and the first thread, with their checkpoint
    assert checkpoint(case, j.id)["todo"] == [threads[1][0], threads[2][0]]

    rep = runner.run(case, j.id, client=fake.options())
    paths = [r.path for r in srv.requests]
    assert paths[2:] == ["/vg/archive.json"] + [f"/vg/thread/{n}.json" for n, _, _ in threads[1:]]
    assert paths.count(f"/vg/thread/{threads[0][0]}.json") == 1
    assert rep.items["duplicate"] == 0 and rep.pages == 2
    (dupes,) = q(case, "SELECT count(*) - count(DISTINCT sha256) FROM evidence")[0]
    assert dupes == 0 and len(evidence(case)) == 4
    assert post_uids(case) == {f"fourchan:vg/{n}" for _, _, p in threads for n in p}


def test_archive_list_changes_are_followed(case, srv, fake):
    threads = archived_threads(3)
    archive_routes(srv, threads[:2])
    j = job(case, srv, "archive", board="vg")
    runner.run(case, j.id, client=fake.options())
    # the oldest leaves the archive, a newer one arrives
    srv.route("/vg/archive.json", [Reply(200, json.dumps([threads[1][0], threads[2][0]]).encode(),
                                         {"Last-Modified": LM2})])
    srv.route(f"/vg/thread/{threads[2][0]}.json", [Reply(200, threads[2][1])])
    runner.run(case, j.id, client=fake.options())
    assert [r.path for r in srv.requests[3:]] == ["/vg/archive.json",
                                                  f"/vg/thread/{threads[2][0]}.json"]
    cp = checkpoint(case, j.id)
    assert cp["done"] == sorted([threads[1][0], threads[2][0]]) and cp["todo"] == []
    assert cp["modified"] == {srv.url("/vg/archive.json"): LM2}


def test_board_without_archive(case, srv, fake):
    j = job(case, srv, "archive", board="b")  # no route: the loopback answers 404
    rep = runner.run(case, j.id, client=fake.options())
    assert rep.problems == [f"{srv.url('/b/archive.json')}: /b/ has no archive (HTTP 404)"]
    assert rep.posts == 0 and not post_uids(case)


# ---------------------------------------------------------------- retries and bad answers

def test_retries_429_500_timeout_truncated(case, srv, fake):
    body = thread_bytes()
    srv.route("/ck/thread/3856791.json", [
        Reply(429, b"", {"Retry-After": "7"}), Reply(500, b"oops"),
        Reply(200, body, delay=1.0),  # the client gives up after 0.5 s
        Reply(200, body, truncate=len(body) // 2), Reply(200, body)])
    j = job(case, srv, "thread", board="ck", thread="3856791")
    rep = runner.run(case, j.id, client=fake.options(attempts=5))
    assert 7.0 in fake.slept  # Retry-After, as the server said
    assert len(srv.requests) == 5 and rep.problems == []
    assert rep.pages == 1 and rep.posts == len(json.loads(body)["posts"])
    ((_, status, fmt, *_),) = evidence(case)
    assert (status, fmt) == ("mapped", "fourchan.thread")


def test_malformed_page_is_kept_rejected_and_reported(case, srv, fake):
    srv.route("/ck/thread/1.json", [Reply(200, b'{"posts": [{"no": 1, "time": 1')])
    j = job(case, srv, "thread", board="ck", thread=1)
    rep = runner.run(case, j.id, client=fake.options(attempts=2))
    assert len(srv.requests) == 2  # retried once, then kept as it came
    assert len(rep.problems) == 1 and "malformed JSON" in rep.problems[0]
    ((_, status, _, _, _, reason),) = evidence(case)
    assert status == "rejected" and reason.startswith("not valid JSON")
    assert rep.items["rejected"] == 1 and not post_uids(case)


def test_server_errors_and_cut_bodies_are_reported(case, srv, fake):
    srv.route("/ck/catalog.json", [Reply(500, b'{"error": "boom"}')])
    j = job(case, srv, "catalog", board="ck")
    rep = runner.run(case, j.id, client=fake.options(attempts=2))
    assert rep.problems == [f"{srv.url('/ck/catalog.json')}: HTTP 500"]
    assert [e[1] for e in evidence(case)] == ["rejected"]  # the error answer, kept

    body = catalog_bytes()
    srv.route("/vg/catalog.json", [Reply(200, body, truncate=1000)])
    j = job(case, srv, "catalog", board="vg")
    rep = runner.run(case, j.id, client=fake.options(attempts=2))
    assert len(rep.problems) == 1 and "RemoteProtocolError" in rep.problems[0]
    assert rep.pages == 0 and len(evidence(case)) == 1  # nothing whole arrived: nothing stored


def test_archive_stops_when_the_server_fails_and_resumes_there(case, srv, fake):
    threads = archived_threads(3)
    archive_routes(srv, threads)
    srv.route(f"/vg/thread/{threads[1][0]}.json", [Reply(503, b""), Reply(503, b""),
                                                   Reply(200, threads[1][1])])
    j = job(case, srv, "archive", board="vg")
    rep = runner.run(case, j.id, client=fake.options(attempts=2))
    assert len(rep.problems) == 1 and rep.problems[0].endswith("HTTP 503")
    assert rep.posts == len(threads[0][2])
    assert srv.requests[-1].path == f"/vg/thread/{threads[1][0]}.json"
    runner.run(case, j.id, client=fake.options(attempts=2))
    assert [r.path for r in srv.requests[4:]] == ["/vg/archive.json"] + [
        f"/vg/thread/{n}.json" for n, _, _ in threads[1:]]
    assert post_uids(case) == {f"fourchan:vg/{n}" for _, _, p in threads for n in p}


# ---------------------------------------------------------------- hosts

def test_no_request_to_a_host_the_job_does_not_name(case, srv, fake, monkeypatch):
    connect = socket.socket.connect
    refused = []

    def only_loopback(self, address):
        if not (isinstance(address, tuple) and address[0] == "127.0.0.1"):
            refused.append(address)
            raise ConnectionRefusedError(f"test: no network ({address})")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", only_loopback)
    srv.route("/vg/catalog.json", [Reply(200, catalog_bytes())])  # full of i.4cdn.org links
    srv.route("/g/catalog.json", [Reply(302, b"", {"Location": "https://a.4cdn.org/g/x.json"})])
    rep = runner.run(case, job(case, srv, "catalog", board="vg").id, client=fake.options())
    assert rep.pages == 1
    rep = runner.run(case, job(case, srv, "catalog", board="g").id, client=fake.options())
    assert len(rep.problems) == 1 and "'a.4cdn.org' is not a host this job names" in rep.problems[0]
    assert refused == [] and {r.path for r in srv.requests} == {"/vg/catalog.json",
                                                                "/g/catalog.json"}
