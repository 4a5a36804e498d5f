"""The YouTube collector, end to end: saved job -> runner -> loopback "YouTube" -> evidence, tables.

The loopback server replays real Data API v3 answers (python-youtube recordings in
../shared/fixtures/youtube, the project's fixtures), sliced into pages where a test needs
paging. Expected rows are counted from the served JSON here, never by the mapper under test.
"""

from __future__ import annotations

import json
import socket
from datetime import datetime, timezone

import pytest

from socmint import case as cases
from socmint import evidence, secrets, store
from socmint.collect import runner
from socmint.collect.youtube import YouTubeCollector
from socmint.errors import SocmintError
from tests.conftest import OWN_FIXTURES, shared_fixture
from tests.loopback import Loopback, Reply, Seen

KEY = "AIzaSyPlanted-k3y-0123456789abcdefXYZ"
QUOTA = (OWN_FIXTURES / "youtube_collect" / "quota_exceeded.json").read_bytes()
RATE = {"x-ratelimit-remaining": "100"}


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


@pytest.fixture
def srv():
    with Loopback() as s:
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
def key(home):
    secrets.put("youtube", "api_key", KEY)


def options(ft: FakeTime, **kw) -> dict:
    return {"sleep": ft.sleep, "clock": ft.clock, "backoff": 0, "timeout": 0.3, **kw}


def save(case, srv, kind, params, **kw):
    return runner.save_job(case, "youtube", kind, {"api": srv.base, **params}, **kw)


def body(o) -> bytes:
    return json.dumps(o).encode()


def load(path) -> dict:
    return json.loads(path.read_bytes())


def sliced(src: dict, sizes: list[int], tokens: list[str | None], whole: bool = True
           ) -> list[dict]:
    """A real list answer's items cut into pages chained by nextPageToken (all of them unless
    `whole` is False)."""
    out, at = [], 0
    for size, token in zip(sizes, tokens, strict=True):
        page = {k: v for k, v in src.items() if k not in ("items", "nextPageToken")}
        page["items"] = src["items"][at:at + size]
        if token:
            page["nextPageToken"] = token
        out.append(page)
        at += size
    assert at == len(src["items"]) or not whole
    return out


def comment_uids(*answers) -> tuple[set[str], set[str]]:
    """Comments (top-level and replies) and their authors' channels, as the API names them."""
    posts, accounts = set(), set()
    for a in answers:
        for it in a["items"]:
            found = [it] if it["kind"] == "youtube#comment" else [
                it["snippet"]["topLevelComment"], *it.get("replies", {}).get("comments", [])]
            for c in found:
                posts.add("youtube:" + c["id"])
                author = c["snippet"].get("authorChannelId", {}).get("value")
                if author:
                    accounts.add("youtube:" + author)
    return posts, accounts


def rows(case, sql: str, params=None) -> list:
    con = store.connect(case)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def uids(case, table: str) -> set[str]:
    return {r[0] for r in rows(case, f"SELECT uid FROM {table} WHERE platform = 'youtube'")}


def checkpoint(case, job) -> dict:
    found = rows(case, "SELECT checkpoint FROM job_state WHERE job = ?", [job.id])
    return json.loads(found[0][0]) if found else None


def asked(srv, path: str) -> list[Seen]:
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


def thread_pages():
    src = load(shared_fixture("youtube/commentThreads_list_by_video.json"))
    return sliced(src, [2, 2, 1], [src["nextPageToken"], "page-3-token", None])


def reply_pages():
    src = load(shared_fixture("youtube/comments_list_by_parent.json"))
    return sliced(src, [1, 1], [src["nextPageToken"], None])


VIDEO = "F1UP7wRCPH8"  # the video of commentThreads_list_by_video.json
CUT = "UgwI_ylXVnzPS8Q-oAV4AaABAg"  # its thread with totalReplyCount 2 and no replies included


# ---------------------------------------------------------------- tests

def test_comments_page_through_rate_limits_and_failures(case, srv, guard, key):
    t1, t2, t3 = thread_pages()
    r1, r2 = reply_pages()
    srv.route("/commentThreads", [
        Reply(200, body(t1), {"x-ratelimit-remaining": "1", "x-ratelimit-reset": "5"}),
        Reply(429, b'{"error": {"code": 429, "message": "Too many requests"}}',
              {"Retry-After": "4"}),
        Reply(500, b'{"error": {"code": 500, "message": "Backend Error"}}'),
        Reply(200, body(t2), delay=0.8),  # longer than the client's timeout
        Reply(200, body(t2), truncate=50),
        Reply(200, body(t2)[:-3] + b"]]]", RATE),  # malformed JSON
        Reply(200, body(t2), RATE),
        Reply(200, body(t3), RATE),
    ])
    srv.route("/comments", [Reply(200, body(r1)), Reply(200, body(r2))])
    job = save(case, srv, "comments", {"video": f"https://www.youtube.com/watch?v={VIDEO}"})
    ft = FakeTime()
    report = runner.run(case, job.id, client=options(ft, attempts=6))

    assert report.pages == 5 and report.posts == 7
    assert report.problems == [] and report.finished
    assert report.items["read"] == 5 and report.items["rejected"] == 0
    threads = asked(srv, "/commentThreads")
    assert len(threads) == 8
    assert [r.query.get("pageToken") for r in threads] == [None] + [
        [t1["nextPageToken"]]] * 6 + [[t2["nextPageToken"]]]
    assert all(r.query["videoId"] == [VIDEO] and r.query["part"] == ["snippet,replies"]
               and r.query["maxResults"] == ["100"] and r.query["key"] == [KEY]
               for r in threads)
    replies = asked(srv, "/comments")
    assert [r.query["parentId"] for r in replies] == [[CUT], [CUT]]
    assert [r.query.get("pageToken") for r in replies] == [None, [r1["nextPageToken"]]]
    assert all(r.query["key"] == [KEY] for r in replies)
    assert 4.0 in ft.sleeps and (4.0, "HTTP 429") in report.waits
    assert any(abs(w - 5.0) < 1e-6 and why.startswith("pacing") for w, why in report.waits)

    want_posts, want_accounts = comment_uids(t1, t2, t3, r1, r2)
    assert len(want_posts) == 7
    assert uids(case, "posts") == want_posts
    assert uids(case, "accounts") == want_accounts
    ev = rows(case, "SELECT origin, status FROM evidence")
    assert len(ev) == 5 and all(s == "mapped" for _, s in ev)
    assert all("key=%5Bsecret%5D" in o or "key=[secret]" in o for o, _ in ev)
    newest = max(datetime.fromisoformat(it["snippet"]["topLevelComment"]["snippet"]
                                        ["publishedAt"].replace("Z", "+00:00"))
                 for it in t1["items"])
    assert datetime.fromisoformat(checkpoint(case, job)["newest"]) == newest
    assert guard == []
    assert leaks(case, report, [KEY]) == []


def test_quota_exceeded_stops_with_the_checkpoint_intact(case, srv, key):
    t1, t2, t3 = thread_pages()
    r1, r2 = reply_pages()
    srv.route("/commentThreads", [Reply(200, body(t1)), Reply(403, QUOTA)])
    job = save(case, srv, "comments", {"video": VIDEO})
    report = runner.run(case, job.id, client=options(FakeTime()))

    assert report.pages == 2 and report.items["rejected"] == 1 and not report.finished
    assert len(report.problems) == 1 and "quotaExceeded" in report.problems[0]
    assert len(asked(srv, "/commentThreads")) == 2  # a 403 is not retried
    held = checkpoint(case, job)
    assert held["in_pass"] and held["page"] == t1["nextPageToken"] and held["pending"] == []
    assert uids(case, "posts") == comment_uids(t1)[0]
    (reason,) = rows(case, "SELECT reason FROM evidence WHERE status = 'rejected'")
    assert reason[0]

    srv.route("/commentThreads", [Reply(200, body(t2)), Reply(200, body(t3))])
    srv.route("/comments", [Reply(200, body(r1)), Reply(200, body(r2))])
    again = runner.run(case, job.id, client=options(FakeTime()))
    assert again.finished and again.problems == [] and again.pages == 4
    assert asked(srv, "/commentThreads")[-2].query["pageToken"] == [t1["nextPageToken"]]
    assert uids(case, "posts") == comment_uids(t1, t2, t3, r1, r2)[0]
    assert leaks(case, again, [KEY]) == []


def test_a_job_stopped_by_quota_is_not_finished(case, srv, key):
    srv.route("/commentThreads", [Reply(403, QUOTA)])
    job = save(case, srv, "comments", {"video": VIDEO})
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.problems and not report.finished
    assert checkpoint(case, job) == {}  # the error page is kept with the state it found


def test_since_stops_the_comment_pages(case, srv, key):
    t1, t2, t3 = thread_pages()
    srv.route("/commentThreads", [Reply(200, body(t1)), Reply(200, body(t2)),
                                  Reply(200, body(t3))])
    since = datetime(2019, 11, 18, tzinfo=timezone.utc)  # between t2's two threads
    job = save(case, srv, "comments", {"video": VIDEO}, since=since)
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.finished and report.pages == 2
    assert len(asked(srv, "/commentThreads")) == 2 and asked(srv, "/comments") == []
    assert uids(case, "posts") == comment_uids(t1, t2)[0]

    limited = save(case, srv, "comments", {"video": VIDEO, "x": 1}, limit=3)
    srv.route("/commentThreads", [Reply(200, body(t1)), Reply(200, body(t2))])
    runner.run(case, limited.id, client=options(FakeTime()))
    sizes = [r.query["maxResults"] for r in asked(srv, "/commentThreads")[2:]]
    assert sizes == [["3"], ["1"]]


def channel_answers():
    channels = (OWN_FIXTURES / "youtube" / "channels_list_hidden.json").read_bytes()
    uploads = load(OWN_FIXTURES / "youtube" / "playlistItems_uploads.json")
    pl1, pl2 = sliced(uploads, [2, 1], ["CAIQAA", None])
    videos = load(OWN_FIXTURES / "youtube" / "videos_list_parts.json")
    v1, v2 = sliced(videos, [1, 0], [None, None], whole=False)  # the private video has no answer
    return channels, pl1, pl2, v1, v2


def route_channel(srv, answers):
    channels, pl1, pl2, v1, v2 = answers
    srv.route("/channels", [Reply(200, channels)])
    srv.route("/playlistItems", [Reply(200, body(pl1)), Reply(200, body(pl2))])
    srv.route("/videos", [Reply(200, body(v1)), Reply(200, body(v2))])


def test_channel_uploads_and_statistics(case, srv, guard, key):
    answers = channel_answers()
    channels, pl1, pl2, v1, v2 = answers
    route_channel(srv, answers)
    job = save(case, srv, "channel", {"channel": "https://www.youtube.com/channel/"
                                                 "UCrivErWatch0000000000aa"})
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.finished and report.pages == 5 and report.problems == []
    assert report.posts == 1  # videos.list answered one video
    (ch,) = asked(srv, "/channels")
    assert ch.query["id"] == ["UCrivErWatch0000000000aa"]
    assert ch.query["part"] == ["snippet,statistics,contentDetails"]
    pls = asked(srv, "/playlistItems")
    assert all(r.query["playlistId"] == ["UUrivErWatch0000000000aa"] for r in pls)
    assert [r.query.get("pageToken") for r in pls] == [None, ["CAIQAA"]]
    ids = [[",".join(it["contentDetails"]["videoId"] for it in p["items"])] for p in (pl1, pl2)]
    assert [r.query["id"] for r in asked(srv, "/videos")] == ids
    assert [r.path for r in srv.requests] == ["/channels", "/playlistItems", "/videos",
                                              "/playlistItems", "/videos"]
    chans = {"youtube:" + c["id"] for c in json.loads(channels)["items"]}
    vids = {"youtube:" + it["contentDetails"]["videoId"] for p in (pl1, pl2)
            for it in p["items"]}
    assert chans <= uids(case, "accounts")
    assert uids(case, "posts") == vids | {"youtube:" + v["id"] for v in v1["items"]}
    assert checkpoint(case, job)["newest"].startswith("2024-03-02T18:30:05")

    # a re-run takes a fresh look at the channel and stops at the uploads it already has
    route_channel(srv, answers)
    before = len(srv.requests)
    again = runner.run(case, job.id, client=options(FakeTime()))
    assert again.finished and again.pages == 3
    assert [(r.path, r.query.get("pageToken")) for r in srv.requests[before:]] == [
        ("/channels", None), ("/playlistItems", None), ("/videos", None)]
    assert guard == []
    assert leaks(case, again, [KEY]) == []


def test_channel_by_handle_falls_back_to_the_uploads_id(case, srv, key):
    single = shared_fixture("youtube/channels_list_single.json").read_bytes()
    srv.route("/channels", [Reply(200, single)])
    srv.route("/playlistItems", [Reply(404, b'{"error": {"code": 404, "message": "The playlist '
                                            b'identified with the request\'s <code>playlistId'
                                            b'</code> parameter cannot be found.", "errors": '
                                            b'[{"domain": "youtube.playlistItem", "reason": '
                                            b'"playlistNotFound"}]}}')])
    job = save(case, srv, "account", {"account": "@googledevelopers"})  # the CLI's --account
    report = runner.run(case, job.id, client=options(FakeTime()))
    (ch,) = asked(srv, "/channels")
    assert ch.query["forHandle"] == ["@googledevelopers"] and "id" not in ch.query
    (pl,) = asked(srv, "/playlistItems")
    assert pl.query["playlistId"] == ["UU_x5XG1OV2P6uZZ5FSM9Ttw"]
    assert report.pages == 2 and len(report.problems) == 1 and not report.finished
    assert "playlistNotFound" in report.problems[0]
    assert "youtube:UC_x5XG1OV2P6uZZ5FSM9Ttw" in uids(case, "accounts")
    assert checkpoint(case, job)["uploads"] == "UU_x5XG1OV2P6uZZ5FSM9Ttw"


def test_killed_job_resumes_from_its_checkpoint(case, srv, key):
    answers = channel_answers()
    seen = []

    def kill(page, report, wait):
        if page is not None:
            seen.append(page.url)
            if len(seen) == 2:  # after the first uploads page, before its statistics
                raise Killed

    route_channel(srv, answers)
    job = save(case, srv, "channel", {"channel": "UCrivErWatch0000000000aa"})
    with pytest.raises(Killed):
        runner.run(case, job.id, client=options(FakeTime()), on_page=kill)
    held = checkpoint(case, job)
    assert held["stats"] == ["Qx7Rt5mN2pL", "Dl3tEd00001"] and held["page"] == "CAIQAA"
    before = len(srv.requests)
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.finished and report.pages == 3
    assert [(r.path, r.query.get("id"), r.query.get("pageToken"))
            for r in srv.requests[before:]] == [
        ("/videos", ["Qx7Rt5mN2pL,Dl3tEd00001"], None), ("/playlistItems", None, ["CAIQAA"]),
        ("/videos", ["Pr1vAt00001"], None)]

    clean = cases.create("clean", purpose="testing socmint", legal_basis="test data only",
                         retention_days=30)
    route_channel(srv, answers)
    job2 = save(clean, srv, "channel", {"channel": "UCrivErWatch0000000000aa"})
    runner.run(clean, job2.id, client=options(FakeTime()))
    for sql in ("SELECT uid, account_uid, text, created_at, likes, views, deleted_at IS NOT NULL"
                " FROM posts",
                "SELECT uid, handle, display_name, followers FROM accounts",
                "SELECT sha256 FROM evidence"):
        assert sorted(rows(case, sql)) == sorted(rows(clean, sql))
    counts = rows(case, "SELECT sha256, count(*) FROM evidence_sightings GROUP BY sha256")
    assert len(counts) == 5 and all(n == 1 for _, n in counts)
    assert checkpoint(case, job) == checkpoint(clean, job2)


def test_video_ids_go_fifty_a_request(case, srv, key):
    one = shared_fixture("youtube/videos_list_with_statistics.json").read_bytes()
    two = (OWN_FIXTURES / "youtube" / "videos_list_parts.json").read_bytes()
    srv.route("/videos", [Reply(200, one), Reply(200, two)])
    ids = ["D-lhorsDlUQ"] + [f"vid{n:08d}" for n in range(49)] + ["Qx7Rt5mN2pL"]
    job = save(case, srv, "video", {"ids": ids})
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.finished and report.pages == 2 and report.posts == 3
    got = asked(srv, "/videos")
    assert [r.query["id"][0].split(",") for r in got] == [ids[:50], ids[50:]]
    assert all(r.query["part"] == ["snippet,statistics,contentDetails"] for r in got)
    served = {"youtube:" + v["id"] for a in (one, two) for v in json.loads(a)["items"]}
    assert uids(case, "posts") == served
    assert checkpoint(case, job) == {}


def test_no_host_the_job_does_not_name_and_no_echoed_key(case, srv, guard, key):
    srv.route("/videos", [Reply(302, b"", {"Location": "http://192.0.2.7/youtube/v3/videos"})])
    job = save(case, srv, "video", {"ids": ["D-lhorsDlUQ"]})
    assert YouTubeCollector().hosts(job) == {"127.0.0.1"}
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.pages == 0 and len(report.problems) == 1
    assert "refused: '192.0.2.7'" in report.problems[0]
    assert guard == []

    echo = b'{"error": {"code": 400, "message": "API key not valid: ' + KEY.encode() + b'"}}'
    srv.route("/videos", [Reply(400, echo)])
    report = runner.run(case, job.id, client=options(FakeTime()))
    assert report.pages == 0 and "repeats a credential" in report.problems[0]
    assert rows(case, "SELECT count(*) FROM evidence") == [(0,)]
    assert leaks(case, report, [KEY]) == []

    default = runner.save_job(case, "youtube", "video", {"ids": ["D-lhorsDlUQ"]})
    assert YouTubeCollector().hosts(default) == {"www.googleapis.com"}
    with pytest.raises(SocmintError):
        runner.save_job(case, "youtube", "video", {"ids": ["x"], "api": "http://x.org"})
    with pytest.raises(SocmintError):
        runner.save_job(case, "youtube", "channel", {"channel": "not a channel"})


def test_missing_key_is_a_user_error(case, srv):
    job = save(case, srv, "video", {"ids": ["D-lhorsDlUQ"]})
    with pytest.raises(SocmintError, match="api_key"):
        runner.run(case, job.id, client=options(FakeTime()))
    assert srv.requests == []
