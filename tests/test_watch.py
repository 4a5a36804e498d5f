"""Monitoring: changes between observations (edits, metrics, deletions), alerts, the watch loop.

Real data flows only: the same payloads imported twice as a platform would serve them at two
times (edited in the parsed JSON, written back, with file times or payload times that order
them), and saved Mastodon jobs collected by the real runner from the loopback server.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone

import orjson
import pytest

from socmint import alerts, store
from socmint.collect import runner, watch
from socmint.errors import SocmintError
from socmint.ingest import import_paths
from tests.conftest import OWN_FIXTURES, shared_fixture
from tests.loopback import Loopback, Reply

T0 = 1_700_000_000  # when the first version was "retrieved" (file mtime)
T1 = T0 + 3600


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def _write(path, data: bytes, mtime: float | None = None):
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _detect(case, run):
    with case.writing():
        con = store.connect(case)
        try:
            return watch.detect_changes(con, run)
        finally:
            con.close()


def _current(case, sql, params=None):
    con = store.connect(case, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _post_uid(status: dict) -> str:
    return "mastodon:" + status["uri"]


def _edited_timeline():
    """The fixture timeline, and the same timeline an hour later: one status edited (content),
    favourited more, its author renamed (display name); the rest unchanged."""
    before = json.loads((OWN_FIXTURES / "mastodon" / "timeline.json").read_bytes())
    after = json.loads(json.dumps(before))
    target = next(s for s in after if s.get("reblog") is None and s["content"]
                  and s["account"]["display_name"])
    target["content"] = "<p>Correction:<br>the bridge is <b>closed</b></p><p>until Friday</p>"
    target["edited_at"] = "2024-03-01T12:00:00.000Z"
    target["favourites_count"] += 7
    target["account"]["display_name"] = "Renamed " + target["account"]["display_name"]
    return before, after, target


def _uid_of_account(case, status) -> str:
    return _current(case, "SELECT account_uid FROM posts WHERE uid = ?", [_post_uid(status)])[0][0]


# --- detection on imports ----------------------------------------------------------------------

def test_mastodon_edit_metrics_and_rename_between_two_imports(case, tmp_path):
    before, after, target = _edited_timeline()
    v1 = _write(tmp_path / "v1.json", orjson.dumps(before), T0)
    v2 = _write(tmp_path / "v2.json", orjson.dumps(after), T1)
    first = import_paths(case, [v1])
    assert _detect(case, first.run) == []  # a first sighting is no change
    uid = _post_uid(target)
    old_text, old_likes = _current(case, "SELECT text, likes FROM posts WHERE uid = ?", [uid])[0]
    account = _uid_of_account(case, target)
    old_name = _current(case, "SELECT display_name FROM accounts WHERE uid = ?", [account])[0][0]

    second = import_paths(case, [v2])
    found = _detect(case, second.run)

    by_key = {(c.table, c.uid, c.kind, c.field): c for c in found}
    assert set(by_key) == {("posts", uid, "edited", "text"), ("posts", uid, "metrics", "likes"),
                           ("accounts", account, "edited", "display_name")}
    text = by_key["posts", uid, "edited", "text"]
    assert text.before == old_text
    assert text.after == "Correction:\nthe bridge is closed\n\nuntil Friday"
    likes = by_key["posts", uid, "metrics", "likes"]
    assert (likes.before, likes.after, likes.delta) == (str(old_likes), str(old_likes + 7), 7)
    name = by_key["accounts", account, "edited", "display_name"]
    assert (name.before, name.after) == (old_name, "Renamed " + old_name)
    for c in found:
        assert (c.observed_before, c.observed_at) == (_utc(T0), _utc(T1))
        assert (c.evidence_before, c.evidence_after) == (_sha(v1.read_bytes()),
                                                         _sha(v2.read_bytes()))
        assert c.run == second.run

    # edits alert, metrics do not; the summary says what changed in plain words
    raised = alerts.alerts(case)
    assert sorted((a["kind"], a["uid"]) for a in raised) == sorted(
        [("edited", uid), ("edited", account)])
    post_alert = next(a for a in raised if a["uid"] == uid)
    assert post_alert["summary"].startswith(f"post {uid} was edited: '")
    assert "-> 'Correction: the bridge is closed until Friday'" in post_alert["summary"]
    assert post_alert["at"] == _utc(T1) and post_alert["run"] == second.run
    assert not post_alert["acknowledged"]
    assert all(a["summary"].isprintable() for a in raised)  # one line, whatever the text held

    # the same run again: the same changes, no second alert
    assert sorted(map(watch.as_dict, _detect(case, second.run)), key=str) == sorted(
        map(watch.as_dict, found), key=str)
    assert len(alerts.alerts(case)) == 2
    # the current table keeps the latest state; the change history stays queryable
    assert _current(case, "SELECT text FROM posts WHERE uid = ?", [uid])[0][0] == text.after
    con = store.connect(case)
    try:
        assert {c.kind for c in watch.changes(con, uid=uid)} == {"edited", "metrics"}
    finally:
        con.close()


def test_acknowledge(case, tmp_path):
    before, after, target = _edited_timeline()
    import_paths(case, [_write(tmp_path / "v1.json", orjson.dumps(before), T0)])
    run = import_paths(case, [_write(tmp_path / "v2.json", orjson.dumps(after), T1)]).run
    _detect(case, run)
    open_alerts = alerts.alerts(case)
    first = open_alerts[0]
    done = alerts.acknowledge(case, first["id"])
    assert done["id"] == first["id"]
    assert [a["id"] for a in alerts.alerts(case)] == [a["id"] for a in open_alerts[1:]]
    every = {a["id"]: a for a in alerts.alerts(case, unacknowledged_only=False)}
    assert every[first["id"]]["acknowledged"] is True
    assert len(every) == len(open_alerts)
    with pytest.raises(SocmintError, match="no alert"):
        alerts.acknowledge(case, max(every) + 1)
    with pytest.raises(SocmintError, match="a number"):
        alerts.acknowledge(case, "first")
    entries = [json.loads(line) for line in case.audit_path.read_text().splitlines()]
    assert [e["params"]["alert"] for e in entries if e["action"] == "alerts.acknowledge"] == [
        first["id"]]


def test_an_older_unchanged_copy_is_no_change(case, tmp_path):
    """Re-importing the same state (different bytes: pretty-printed) shows nothing."""
    before, _, _ = _edited_timeline()
    import_paths(case, [_write(tmp_path / "v1.json", orjson.dumps(before), T0)])
    again = import_paths(case, [_write(tmp_path / "v1b.json",
                                       orjson.dumps(before, option=orjson.OPT_INDENT_2), T1)])
    assert again.items["updated"] == 1  # new evidence, new observations...
    assert _detect(case, again.run) == []  # ...and no change
    assert alerts.alerts(case) == []


def _jetstream_lines():
    return [line for line in (OWN_FIXTURES / "bluesky" / "jetstream_cases.jsonl")
            .read_bytes().splitlines() if line.strip()]


def _event(lines, pred) -> bytes:
    return next(line for line in lines if pred(json.loads(line)))


def test_bluesky_delete_after_create_and_account_takedown_reversed(case, tmp_path):
    lines = _jetstream_lines()
    create = _event(lines, lambda e: e.get("commit", {}).get("operation") == "create"
                    and e["commit"]["collection"] == "app.bsky.feed.post"
                    and any(json.loads(x).get("commit", {}).get("rkey") == e["commit"]["rkey"]
                            and json.loads(x)["commit"]["operation"] == "delete" for x in lines))
    ev = json.loads(create)
    delete = _event(lines, lambda e: e.get("commit", {}).get("rkey") == ev["commit"]["rkey"]
                    and e["commit"]["operation"] == "delete")
    uid = f"bluesky:at://{ev['did']}/app.bsky.feed.post/{ev['commit']['rkey']}"

    first = import_paths(case, [_write(tmp_path / "create.jsonl", create + b"\n")])
    assert _detect(case, first.run) == []
    second = import_paths(case, [_write(tmp_path / "delete.jsonl", delete + b"\n")])
    found = _detect(case, second.run)
    assert [(c.table, c.uid, c.kind, c.field, c.before, c.after) for c in found] == [
        ("posts", uid, "deleted", "deleted", "false", "true")]
    gone = found[0]
    assert gone.observed_before == _utc(ev["time_us"] / 1e6)  # Jetstream's time, not the file's
    assert gone.observed_at == _utc(json.loads(delete)["time_us"] / 1e6)
    assert (gone.evidence_before, gone.evidence_after) == (_sha(create), _sha(delete))
    (alert,) = alerts.alerts(case)
    assert (alert["kind"], alert["uid"]) == ("deleted", uid)
    assert alert["summary"].startswith(f"post {uid} was deleted")
    assert _current(case, "SELECT deleted_at FROM posts WHERE uid = ?", [uid])[0][0] == \
        gone.observed_at

    # an account taken down, then restored (active again): deleted, then reappeared
    down = json.loads(_event(lines, lambda e: e.get("account", {}).get("status") == "takendown"))
    restored = json.loads(json.dumps(down))
    restored["time_us"] += 60_000_000
    restored["account"].update(active=True, seq=down["account"]["seq"] + 1)
    del restored["account"]["status"]
    account = "bluesky:" + down["did"]
    profile = {"did": down["did"], "time_us": down["time_us"] - 60_000_000, "kind": "identity",
               "identity": {"did": down["did"], "handle": "dave.example.org", "seq": 1}}
    seen = import_paths(case, [_write(tmp_path / "id.jsonl", orjson.dumps(profile) + b"\n")])
    assert _detect(case, seen.run) == []
    takedown = import_paths(case, [_write(tmp_path / "down.jsonl", orjson.dumps(down) + b"\n")])
    assert [(c.uid, c.kind) for c in _detect(case, takedown.run)] == [(account, "deleted")]
    back = import_paths(case, [_write(tmp_path / "up.jsonl", orjson.dumps(restored) + b"\n")])
    (c,) = _detect(case, back.run)
    assert (c.uid, c.kind, c.before, c.after) == (account, "reappeared", "true", "false")
    assert c.evidence_before == _sha(orjson.dumps(down))
    # a reappearance is recorded, not alerted
    assert sorted(a["kind"] for a in alerts.alerts(case)) == ["deleted", "deleted"]


def test_account_known_only_as_a_stub_deleted_then_named_again(case, tmp_path):
    """Shared Jetstream capture: an account seen once, only as the actor of a like (a stub),
    is deleted (account event); being named again by someone's like is no reappearance; its
    account event `active: true` is."""
    lines = [line for line in shared_fixture("bluesky/jetstream_v1_events.jsonl")
             .read_bytes().splitlines() if line.strip()]
    like = json.loads(_event(lines, lambda e: e.get("commit", {}).get("collection")
                             == "app.bsky.feed.like"))
    did, t = like["did"], like["time_us"]
    account = "bluesky:" + did
    like_line = orjson.dumps(like)
    run = import_paths(case, [_write(tmp_path / "like.jsonl", like_line + b"\n")]).run
    assert _detect(case, run) == []
    gone = {"did": did, "time_us": t + 1_000_000, "kind": "account",
            "account": {"active": False, "did": did, "seq": 1, "status": "deleted"}}
    run = import_paths(case, [_write(tmp_path / "gone.jsonl", orjson.dumps(gone) + b"\n")]).run
    (c,) = _detect(case, run)
    assert (c.table, c.uid, c.kind, c.before, c.after) == ("accounts", account, "deleted",
                                                           "false", "true")
    assert (c.evidence_before, c.observed_before) == (_sha(like_line), _utc(t / 1e6))
    # someone likes one of its posts later: the DID is named (a stub), which proves nothing
    other = json.loads(json.dumps(like))
    other.update(did="did:plc:" + "z" * 24, time_us=t + 2_000_000)
    other["commit"]["record"]["subject"]["uri"] = f"at://{did}/app.bsky.feed.post/3kxyz"
    run = import_paths(case, [_write(tmp_path / "named.jsonl", orjson.dumps(other) + b"\n")]).run
    assert _detect(case, run) == []
    active = {"did": did, "time_us": t + 3_000_000, "kind": "account",
              "account": {"active": True, "did": did, "seq": 2}}
    run = import_paths(case, [_write(tmp_path / "back.jsonl", orjson.dumps(active) + b"\n")]).run
    (c,) = _detect(case, run)
    assert (c.uid, c.kind, c.before, c.after) == (account, "reappeared", "true", "false")
    assert c.observed_before == _utc((t + 1_000_000) / 1e6)


def test_changes_inside_one_run_and_stubs_are_no_change(case, tmp_path, monkeypatch):
    """A whole Jetstream capture in one import: every create followed by its delete is a
    deletion; accounts seen only as stubs (a DID named by an event) change nothing."""
    lines = _jetstream_lines()
    events = [json.loads(line) for line in lines]
    created = {(e["did"], e["commit"]["collection"], e["commit"]["rkey"]) for e in events
               if e["kind"] == "commit" and e["commit"]["operation"] == "create"}
    expected = {f"bluesky:at://{e['did']}/{e['commit']['collection']}/{e['commit']['rkey']}"
                for e in events if e["kind"] == "commit" and e["commit"]["operation"] == "delete"
                and (e["did"], e["commit"]["collection"], e["commit"]["rkey"]) in created
                and e["commit"]["collection"] in ("app.bsky.feed.post", "app.bsky.feed.repost")}
    gone_accounts = {"bluesky:" + e["did"] for e in events if e["kind"] == "account"
                     and e["account"].get("status") in ("deleted", "takendown", "suspended")}
    assert expected and gone_accounts
    run = import_paths(case, [_write(tmp_path / "all.jsonl", b"\n".join(lines) + b"\n")]).run
    found = _detect(case, run)
    assert {c.uid for c in found if c.table == "posts" and c.kind == "deleted"} == expected
    assert {c.uid for c in found if c.table == "accounts" and c.kind == "deleted"} == \
        gone_accounts
    assert {c.kind for c in found} == {"deleted"}  # no edit, metric or reappearance from stubs
    for c in found:
        assert c.observed_before < c.observed_at
        assert c.evidence_before != c.evidence_after
    # in uid-hash chunks (bounded memory on a large run), the same answer
    monkeypatch.setattr(store, "CHUNK_ROWS", 3)
    assert sorted(map(watch.as_dict, _detect(case, run)), key=str) == sorted(
        map(watch.as_dict, found), key=str)


# --- the watch loop, with the real runner and the loopback server -----------------------------

def _waits():
    waits: list[float] = []

    async def fake_async_sleep(seconds: float) -> None:
        waits.append(seconds)

    return waits, fake_async_sleep


def _audit(case, action):
    return [e for e in (json.loads(line) for line in case.audit_path.read_text().splitlines())
            if e["action"] == action]


def test_watch_two_rounds_alerts_on_the_edit_and_survives_bad_jobs(case):
    before = json.loads((OWN_FIXTURES / "mastodon" / "timeline.json").read_bytes())
    after = json.loads(json.dumps(before))
    target = next(s for s in after if s.get("reblog") is None and s["content"])
    target["content"] = "<p>Edited: meeting moved to the harbour</p>"
    target["favourites_count"] += 3
    uid = _post_uid(target)
    _, fake_async_sleep = _waits()
    slept: list[float] = []
    rounds_seen: list[dict] = []
    with Loopback() as srv:
        srv.route("/api/v1/timelines/tag/x", [Reply(200, orjson.dumps(before)),
                                              Reply(200, orjson.dumps(after))])
        srv.route("/api/v1/timelines/tag/broken", [Reply(500, b'{"error": "overloaded"}')])
        server = f"127.0.0.1:{srv.server.server_address[1]}"

        def save(tag):
            return runner.save_job(case, "mastodon", "hashtag",
                                   {"server": server, "scheme": "http", "hashtag": tag}).id

        explodes = save("explodes")  # first in line: a crash must not stop the others
        broken = save("broken")
        good = save("x")

        def run_job(c, job_id):
            if job_id == explodes:
                raise RuntimeError("collector crashed")
            return runner.run(c, job_id, client={"sleep": fake_async_sleep, "backoff": 0})

        done = watch.watch(case, every=30, rounds=2, run_job=run_job, sleep=slept.append,
                           on_round=rounds_seen.append)

    assert len(done) == 2 and rounds_seen == done
    assert len(slept) == 1 and 0 <= slept[0] <= 30  # between rounds only
    for r in done:
        jobs = {e["job"]: e for e in r["jobs"]}
        assert list(jobs) == [explodes, broken, good]
        assert jobs[explodes]["status"] == "failed"
        assert "RuntimeError: collector crashed" in jobs[explodes]["error"]
        assert jobs[broken]["status"] == "problems"
        assert any("HTTP 500" in p for p in jobs[broken]["problems"])
        assert jobs[good]["status"] == "ok"
    assert done[0]["jobs"][2]["changes"] == {} and done[0]["jobs"][2]["alerts"] == []
    second = done[1]["jobs"][2]
    assert second["changes"] == {"edited": 1, "metrics": 1}
    assert len(second["alerts"]) == 1 and second["alerts"][0].startswith(f"post {uid} was edited")

    raised = alerts.alerts(case)
    assert [(a["kind"], a["uid"], a["run"]) for a in raised] == [("edited", uid, second["run"])]
    con = store.connect(case)
    try:
        recorded = watch.changes(con, run=second["run"])
        ev = dict(con.execute("SELECT run, sha256 FROM evidence WHERE origin LIKE "
                              "'%/tag/x%'").fetchall())
    finally:
        con.close()
    metrics = next(c for c in recorded if c.kind == "metrics")
    assert (metrics.uid, metrics.field, metrics.delta) == (uid, "likes", 3)
    assert metrics.after == str(target["favourites_count"])
    first_run = done[0]["jobs"][2]["run"]
    assert (metrics.evidence_before, metrics.evidence_after) == (
        ev[first_run], ev[second["run"]])
    assert metrics.observed_before < metrics.observed_at
    assert {c.uid for c in recorded} == {uid}  # the unchanged statuses: nothing

    audited = _audit(case, "watch.round")
    assert [e["params"]["round"] for e in audited] == [1, 2]
    assert audited[1]["counts"]["alerts"] == 1 and audited[1]["outcome"] == "problems"
    assert audited[1]["counts"]["jobs_failed"] == 1


def test_watch_ends_cleanly_on_interrupt_and_refuses_unknown_jobs(case):
    _, fake_async_sleep = _waits()
    timeline = (OWN_FIXTURES / "mastodon" / "timeline.json").read_bytes()

    def interrupt(seconds):
        raise KeyboardInterrupt

    with pytest.raises(SocmintError, match="no saved jobs"):
        watch.watch(case, rounds=1, sleep=interrupt)
    with Loopback() as srv:
        srv.route("/api/v1/timelines/tag/x", [Reply(200, timeline)])
        job = runner.save_job(case, "mastodon", "hashtag", {
            "server": f"127.0.0.1:{srv.server.server_address[1]}", "scheme": "http",
            "hashtag": "x"}).id
        with pytest.raises(SocmintError, match="no saved job 'nope'"):
            watch.watch(case, job_ids=["nope"], rounds=1)
        done = watch.watch(case, job_ids=[job], every=60, rounds=None, sleep=interrupt,
                           run_job=lambda c, j: runner.run(
                               c, j, client={"sleep": fake_async_sleep, "backoff": 0}))
        assert len(srv.requests) == 1
    assert [r["round"] for r in done] == [1]
    assert done[0]["jobs"][0]["status"] == "ok"
    assert [e["counts"] for e in _audit(case, "watch.round")][0]["jobs_ok"] == 1
    assert _audit(case, "watch.stop")[0]["outcome"] == "interrupted"
