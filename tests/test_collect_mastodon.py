"""The Mastodon collector end to end: loopback server replaying real timelines, through the
runner, into evidence and tables; politeness, failures, resume, hosts, secrets."""

from __future__ import annotations

import json
import socket

import orjson
import pytest

from socmint import secrets, store
from socmint.collect import mastodon, runner  # noqa: F401  (registers the collector)
from socmint.collect.http import HostRefused
from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES
from tests.loopback import Loopback, Reply

TAG = "/api/v1/timelines/tag/osint"


def statuses() -> list[dict]:
    path = SHARED_FIXTURES / "mastodon" / "mastodonpy_tag_timeline.json"
    if not path.exists():
        path = OWN_FIXTURES / "mastodon" / "timeline.json"
    return json.loads(path.read_text())


def page(items) -> Reply:
    return Reply(200, orjson.dumps(items))


class Sleeps:
    def __init__(self):
        self.waits = []

    async def __call__(self, seconds):
        self.waits.append(seconds)


def rows(case, sql):
    con = store.connect(case, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def only_loopback(monkeypatch):
    """Any socket to anything but 127.0.0.1 fails: the test proves no other host is asked."""
    real = socket.socket.connect

    def connect(self, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1"):
            raise OSError(f"test blocks {address}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


def job(case, srv, **params):
    return runner.save_job(case, "mastodon", "hashtag", {
        "server": f"127.0.0.1:{srv.server.server_address[1]}", "scheme": "http",
        "hashtag": "osint", "page_size": 4, **params})


def test_pages_failures_and_politeness(case, only_loopback):
    s = statuses()
    sleeps = Sleeps()
    with Loopback() as srv:
        srv.route(TAG, [
            Reply(429, b'{"error": "Too many requests"}', {"Retry-After": "7"}),
            page(s[0:4]),
            Reply(500, b"oops"),
            Reply(200, orjson.dumps(s[4:8]), truncate=20),  # cut short: retried
            page(s[4:8]),
            Reply(200, b"", delay=1.0),  # a timeout: retried
            Reply(200, orjson.dumps(s[8:]), {"x-ratelimit-remaining": "1",
                                             "x-ratelimit-reset": "3"}),
        ])
        j = job(case, srv)
        report = runner.run(case, j.id, client={"sleep": sleeps, "backoff": 0.01,
                                                "timeout": 0.3})
    assert 7 in sleeps.waits  # the server's Retry-After, honoured
    assert report.finished and report.pages == 3 and report.posts == len(s)
    assert report.items["rejected"] == 0 and report.items["new"] == 3
    uids = {r[0] for r in rows(case, "SELECT uid FROM posts")}
    assert {"mastodon:" + x["uri"] for x in s} <= uids
    assert all(q.path == TAG for q in srv.requests)
    assert [q.query.get("max_id") for q in srv.requests if q.query.get("max_id")][-1] == [
        s[7]["id"]]
    origins = {r[0] for r in rows(case, "SELECT origin FROM evidence")}
    assert all(o.startswith(f"http://127.0.0.1:{srv.server.server_address[1]}{TAG}?limit=4")
               for o in origins)
    methods = {r for r in rows(case, "SELECT DISTINCT method, retrieved_at_source FROM evidence")}
    assert methods == {("collect", "request")}
    cp = rows(case, "SELECT checkpoint FROM job_state")[0][0]
    assert json.loads(cp) == {"newest": s[0]["id"]}


def test_a_malformed_page_is_kept_reported_and_stops_the_pass(case, only_loopback):
    s = statuses()
    with Loopback() as srv:
        srv.route(TAG, [page(s[0:4]), Reply(200, b"<html>maintenance</html>")])
        j = job(case, srv)
        report = runner.run(case, j.id, client={"sleep": Sleeps(), "backoff": 0,
                                                "attempts": 2})
    assert not report.finished and report.pages == 2
    assert report.items["rejected"] == 1 and "malformed JSON" in report.problems[0]
    assert rows(case, "SELECT status, reason LIKE 'not valid JSON%' FROM evidence "
                      "WHERE status = 'rejected'") == [("rejected", True)]
    # the checkpoint is the last good page's: a re-run continues below it
    assert json.loads(rows(case, "SELECT checkpoint FROM job_state")[0][0])["max_id"] == s[3]["id"]


def test_killed_job_resumes_without_gap_or_duplicate(case, home, only_loopback):
    s = statuses()

    class Killed(Exception):
        pass

    def kill_after_first(p, report, wait):
        if p is not None and report.pages == 1:
            raise Killed

    with Loopback() as srv:
        srv.route(TAG, [page(s[0:4]), page(s[4:8]), page(s[8:])])
        j = job(case, srv)
        with pytest.raises(Killed):
            runner.run(case, j.id, client={"sleep": Sleeps()}, on_page=kill_after_first)
        assert len(srv.requests) == 1
        report = runner.run(case, j.id, client={"sleep": Sleeps()})
        resumed = srv.requests[1]
        assert resumed.query["max_id"] == [s[3]["id"]]  # from the checkpoint, not the top
        assert report.finished and report.pages == 2
        # a later run asks only for what is newer than the newest seen
        srv.route(TAG, [page([])])
        assert runner.save_job(case, "mastodon", "hashtag", j.params).id == j.id
        runner.run(case, j.id, client={"sleep": Sleeps()})
        assert srv.requests[-1].query["since_id"] == [s[0]["id"]]
    # three pages once each, and the later run's empty answer: no page stored twice
    assert rows(case, "SELECT count(*), count(DISTINCT sha256) FROM evidence") == [(4, 4)]
    assert rows(case, "SELECT count(*) FROM posts")[0][0] == len(
        {x["uri"] for x in s} | {x["reblog"]["uri"] for x in s if x.get("reblog")})


def test_hosts_not_named_are_refused_and_tokens_never_leak(case, home, only_loopback):
    s = statuses()
    with Loopback() as srv:
        port = srv.server.server_address[1]
        token = "tok-PLANTED-9f8e7d6c5b4a"
        secrets.put("mastodon", "token", token, server="127.0.0.1")
        redirect = Reply(302, b"", {"Location": "http://evil.example/api"})
        srv.route(TAG, [page(s[0:4]), redirect])
        j = job(case, srv)
        report = runner.run(case, j.id, client={"sleep": Sleeps(), "attempts": 1})
        assert srv.requests[0].headers["authorization"] == f"Bearer {token}"
    assert report.pages == 1 and not report.finished
    assert "evil.example" in report.problems[-1]
    assert not any(q.path == "/api" for q in srv.requests)
    # the token is in no envelope, table, audit entry or report
    con = store.connect(case, read_only=True)
    try:
        for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            assert token not in str(con.execute(f"SELECT * FROM {t}").fetchall()), t
    finally:
        con.close()
    assert token not in case.audit_path.read_text()
    assert token not in str(report.as_dict())
    assert oct((home / "secrets.toml").stat().st_mode & 0o777) == "0o600"
    with pytest.raises(HostRefused):
        import asyncio

        from socmint.collect.http import Client

        async def go():
            async with Client({"127.0.0.1"}) as c:
                await c.get(f"http://localhost:{port}/x")
        asyncio.run(go())


def test_cli_collects_saves_the_job_and_keeps_secrets_off_the_command_line(home, only_loopback):
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {"SOCMINT_HOME": str(home), "PATH": "/usr/bin:/bin", "SOCMINT_OPERATOR": "tester"}

    def cli(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "socmint.cli", *args], env=env,
                              capture_output=True, text=True, cwd=ROOT, input=stdin)

    assert cli("case", "new", "c", "--purpose", "p", "--legal-basis", "b",
               "--retention", "1").returncode == 0
    token = "cli-token-PLANTED-123456"
    stored = cli("secret", "set", "mastodon", "token", "--server", "127.0.0.1", stdin=token)
    assert stored.returncode == 0 and token not in stored.stdout + stored.stderr
    s = statuses()
    with Loopback() as srv:
        srv.route(TAG, [page(s[:4]), page([])])
        port = srv.server.server_address[1]
        done = cli("collect", "mastodon", "--hashtag", "osint", "--server",
                   f"127.0.0.1:{port}", "--param", "scheme=http", "--json")
        assert done.returncode == 0, done.stderr
        assert srv.requests[0].headers["authorization"] == f"Bearer {token}"
    report = json.loads(done.stdout)
    assert report["pages"] == 1 and report["finished"]
    listed = json.loads(cli("jobs", "--json").stdout)
    assert [(j["platform"], j["kind"], j["params"]["hashtag"]) for j in listed] == [
        ("mastodon", "hashtag", "osint")]
    audit_log = (home / "cases" / "c" / "audit.jsonl").read_text()
    assert token not in audit_log and "collect" in audit_log
    refused = cli("collect", "mastodon", "--hashtag", "x")
    assert refused.returncode == 2 and "server" in refused.stderr


def test_cli_watch_records_an_edit_and_alerts(home, only_loopback):
    import copy
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {"SOCMINT_HOME": str(home), "PATH": "/usr/bin:/bin", "SOCMINT_OPERATOR": "tester"}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "socmint.cli", *args], env=env,
                              capture_output=True, text=True, cwd=ROOT)

    cli("case", "new", "c", "--purpose", "p", "--legal-basis", "b", "--retention", "1")
    s = statuses()[:3]
    edited = copy.deepcopy(s)
    edited[0]["content"] = "<p>Edited: the claim was wrong</p>"
    edited[0]["edited_at"] = "2026-08-02T10:00:00.000Z"
    with Loopback() as srv:
        srv.route(TAG, [page(s), page(edited)])
        port = srv.server.server_address[1]
        cli("collect", "mastodon", "--hashtag", "osint", "--server", f"127.0.0.1:{port}",
            "--param", "scheme=http")
        watched = cli("watch", "--rounds", "1", "--every", "0")
        assert watched.returncode == 0, watched.stderr
    assert "edited 1" in watched.stdout and "Edited: the claim was wrong" in watched.stdout
    alerts = json.loads(cli("alerts", "--json").stdout)
    assert [(a["kind"], a["uid"]) for a in alerts] == [("edited", "mastodon:" + s[0]["uri"])]
    assert cli("alerts", "ack", str(alerts[0]["id"])).returncode == 0
    assert json.loads(cli("alerts", "--json").stdout) == []
