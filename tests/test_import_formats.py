"""Import of folders, zips, CSV with a declared mapping, browser captures and stored files,
through the one pipeline: evidence, tables, counts that reconcile, remap that agrees."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from datetime import datetime, timezone

import orjson
import pytest

from socmint import evidence, ingest, store
from socmint.errors import SocmintError
from tests.conftest import OWN_FIXTURES, ROOT

GENERIC = OWN_FIXTURES / "generic"


def rows(case, sql, params=None):
    con = store.connect(case, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def reconciled(report):
    i = report.items
    assert i["read"] == i["new"] + i["updated"] + i["duplicate"] + i["rejected"]
    for f in report.files:
        c = f.counts
        assert c["read"] == c["new"] + c["updated"] + c["duplicate"] + c["rejected"], f.path


def forum_mapping():
    return tomllib.loads((GENERIC / "forum_mapping.toml").read_text())


def test_csv_with_declared_mapping(case):
    report = ingest.import_paths(case, [GENERIC / "forum_export.csv"], mapping=forum_mapping())
    reconciled(report)
    assert report.items["read"] == 4
    assert report.items["rejected"] == 1  # "not-a-number" likes: kept and reported
    assert "likes" in report.rejected[0]["reason"]
    posts = {r[0]: r[1:] for r in rows(case, "SELECT uid, account_uid, text, created_at, "
                                             "reply_to, conversation, likes, lat FROM posts")}
    assert set(posts) == {"harbourforum:1001", "harbourforum:1002", "harbourforum:1004"}
    author, text, created, reply_to, conv, likes, lat = posts["harbourforum:1002"]
    assert author == "harbourforum:u8" and reply_to == "harbourforum:1001"
    assert text == 'Reply: confirmed, "engine fault" per crew\nsecond line of the same message'
    assert created == datetime(2026, 3, 3, 8, 17, tzinfo=timezone.utc)  # 09:17 at +01:00
    assert conv == "harbourforum:t1" and likes == 3 and lat is None
    assert posts["harbourforum:1001"][5:] == (1204, 53.54)  # "1,204" is a count
    assert posts["harbourforum:1004"][0] is None  # no author column value: no account
    accounts = dict(rows(case, "SELECT uid, display_name FROM accounts"))
    assert accounts == {"harbourforum:u7": "Harbour Watch", "harbourforum:u8": "Quay, Side"}
    ents = set(rows(case, "SELECT post, kind, normalized FROM entities"))
    assert {("harbourforum:1001", "hashtag", "harbour"),
            ("harbourforum:1001", "mention", "port_authority"),
            ("harbourforum:1001", "domain", "example.org")} <= ents
    assert rows(case, "SELECT kind, source, target_post FROM interactions") == [
        ("reply", "harbourforum:u8", "harbourforum:1001")]
    # every item is the header and its record, cut from the file at its offset
    raw = (GENERIC / "forum_export.csv").read_bytes()
    header = raw.split(b"\r\n", 1)[0]
    for digest, offset, framing, context in rows(
            case, "SELECT sha256, source_offset, framing, context FROM evidence"):
        con = store.connect(case, read_only=True)
        try:
            data = evidence.get(con, case.evidence_dir / "packs", digest)
        finally:
            con.close()
        record = data.split(b"\n", 1)[1]
        assert data.startswith(header + b"\n") and raw[offset:offset + len(record)] == record
        assert framing == "csv" and json.loads(context)["mapping"]["platform"] == "harbourforum"


def test_remap_reads_declared_items_as_the_import_did(case):
    ingest.import_paths(case, [GENERIC / "forum_export.csv"], mapping=forum_mapping())
    ingest.import_paths(case, [GENERIC / "chat.jsonl"],
                        mapping=tomllib.loads((GENERIC / "chat_mapping.toml").read_text()))
    before = {t: sorted(rows(case, f"SELECT * EXCLUDE (first_seen, last_seen) FROM {t}"))
              for t in store.TABLES}
    counts = ingest.remap(case)
    assert counts == {"read": 7, "mapped": 5, "rejected": 2}
    after = {t: sorted(rows(case, f"SELECT * EXCLUDE (first_seen, last_seen) FROM {t}"))
             for t in store.TABLES}
    assert after == before
    chat = dict(rows(case, "SELECT uid, reply_to FROM posts WHERE platform = 'pierchat'"))
    assert chat == {"pierchat:m1": None, "pierchat:m2": "pierchat:m1"}


@pytest.mark.parametrize("spec,message", [
    ({"post": {"id": "a"}}, "platform"),
    ({"platform": "Bad Name", "post": {"id": "a"}}, "platform"),
    ({"platform": "x", "post": {"text": "a"}}, "needs id"),
    ({"platform": "x", "post": {"id": "a", "colour": "b"}}, "colour"),
    ({"platform": "x"}, "no \\[post\\] or \\[account\\]"),
    ({"platform": "x", "post": {"id": "a"}, "timezone": "Mars/Base"}, "timezone"),
])
def test_bad_mapping_is_refused_before_anything_is_read(case, spec, message):
    with pytest.raises(SocmintError, match=message):
        ingest.import_paths(case, [GENERIC / "forum_export.csv"], mapping=spec)
    assert rows(case, "SELECT count(*) FROM evidence") == [(0,)]


def test_folder_and_zip_walk_with_stored_files(case, tmp_path):
    folder = tmp_path / "export"
    (folder / "photos").mkdir(parents=True)
    shutil.copy(OWN_FIXTURES / "mastodon" / "timeline.json", folder / "timeline.json")
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
    (folder / "photos" / "photo_1.jpg").write_bytes(jpeg)
    (folder / "export.html").write_text("<!DOCTYPE html><html><body>x</body></html>")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    z = tmp_path / "bundle.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(OWN_FIXTURES / "twitter" / "v2_pages.jsonl", "inner/pages.jsonl")
        zf.writestr("inner/photo.jpg", jpeg)  # the same bytes again: one evidence item
    report = ingest.import_paths(case, [folder, z])
    reconciled(report)
    by_name = {f.path.split("/")[-1]: f for f in report.files}
    assert set(by_name) == {"export.html", "photo_1.jpg", "timeline.json", "bundle.zip!inner",
                            "pages.jsonl", "photo.jpg"} - {"bundle.zip!inner"}
    assert by_name["photo_1.jpg"].framing == "file"
    assert by_name["photo_1.jpg"].formats == {"file:image/jpeg": 1}
    assert by_name["photo_1.jpg"].counts["new"] == 1
    assert by_name["photo.jpg"].counts["duplicate"] == 1
    assert by_name["export.html"].formats == {"file:text/html": 1}
    assert by_name["pages.jsonl"].framing == "lines"
    assert by_name["pages.jsonl"].counts["read"] == len(
        (OWN_FIXTURES / "twitter" / "v2_pages.jsonl").read_text().strip().splitlines())
    origins = {r[0] for r in rows(case, "SELECT origin FROM evidence_sightings")}
    assert f"file:{z.resolve()}!inner/photo.jpg" in origins
    assert rows(case, "SELECT status FROM evidence WHERE format = 'file:image/jpeg'") == [
        ("stored",)]
    assert rows(case, "SELECT count(*) FROM posts WHERE platform = 'twitter'")[0][0] > 0


def test_capture_from_an_unknown_platform_is_kept_and_reported(case, tmp_path):
    line = {"nav_index": "1:1:0", "item_id": "7", "timestamp_collected": 1697108706245,
            "source_platform": "linkedin.com", "source_platform_url": "https://www.linkedin.com/",
            "source_url": "https://www.linkedin.com/voyager/api/feed", "user_agent": "Firefox",
            "data": {"entityUrn": "urn:li:activity:1", "commentary": "hello"}}
    p = tmp_path / "capture.ndjson"
    p.write_bytes(orjson.dumps(line) + b"\n")
    report = ingest.import_paths(case, [p])
    reconciled(report)
    assert report.items["rejected"] == 1
    assert "linkedin.com" in report.rejected[0]["reason"]
    assert rows(case, "SELECT format, status FROM evidence") == [("zeeschuimer.capture",
                                                                  "rejected")]


def test_cli_prints_one_line_per_file_and_refuses_a_bad_mapping(home, tmp_path):
    env = {"SOCMINT_HOME": str(home), "PATH": "/usr/bin:/bin", "SOCMINT_OPERATOR": "tester"}
    cli = [sys.executable, "-m", "socmint.cli"]
    subprocess.run(cli + ["case", "new", "c", "--purpose", "p", "--legal-basis", "b",
                          "--retention", "1"], env=env, check=True, capture_output=True, cwd=ROOT)
    done = subprocess.run(cli + ["import", str(GENERIC / "forum_export.csv"), "--mapping",
                                 str(GENERIC / "forum_mapping.toml")],
                          env=env, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith(str(GENERIC)))
    assert "4 read, 3 new" in line and "1 rejected" in line and "generic.csv 4" in line
    bad = tmp_path / "bad.toml"
    bad.write_text('platform = "x"\n[post]\ncolour = "a"\n')
    refused = subprocess.run(cli + ["import", str(GENERIC / "forum_export.csv"), "--mapping",
                                    str(bad)], env=env, capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode == 2 and "colour" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_x_archive_zip_gets_its_owner_and_leaves_personal_data_out(case, tmp_path):
    archive = OWN_FIXTURES / "twitter" / "archive"
    z = tmp_path / "twitter-2024.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in sorted(archive.iterdir()):
            zf.write(p, f"data/{p.name}")
    report = ingest.import_paths(case, [z])
    reconciled(report)
    assert report.items["rejected"] == 0
    owner = rows(case, "SELECT uid, handle FROM accounts WHERE uid = 'twitter:1000000000000000001'")
    assert owner == [("twitter:1000000000000000001", "harbour_watch")]
    authors = rows(case, "SELECT DISTINCT account_uid FROM posts WHERE uid IN (SELECT post FROM "
                         "entities WHERE kind = 'hashtag' AND normalized = 'portwatch')")
    assert authors == [("twitter:1000000000000000001",)]
    contexts = {r[0] for r in rows(case, "SELECT context FROM evidence WHERE framing = 'ytd' "
                                         "AND origin LIKE '%tweets.js'")}
    assert contexts == {'{"owner":{"id":"1000000000000000001","username":"harbour_watch"}}'}
    con = store.connect(case, read_only=True)
    try:  # the archive's email and phone number are evidence bytes, never table values
        for t in store.TABLES:
            dump = str(con.execute(f"SELECT * FROM {t}").fetchall())
            assert "desk@harbour-watch" not in dump and "5555550100" not in dump, t
    finally:
        con.close()
    follows = rows(case, "SELECT count(*) FROM interactions WHERE kind = 'follow'")[0][0]
    listed = sum(f.read_text().count('"accountId"') for f in archive.glob("follow*.js"))
    assert follows == listed
    before = sorted(rows(case, "SELECT uid, account_uid, text FROM posts"))
    assert "rejected" not in ingest.remap(case)  # the owner comes back from the envelope
    assert sorted(rows(case, "SELECT uid, account_uid, text FROM posts")) == before


def test_zeeschuimer_lines_route_to_their_platform_with_capture_metadata(case):
    files = [OWN_FIXTURES / "tiktok" / "items.ndjson", OWN_FIXTURES / "tiktok" / "comments.ndjson",
             OWN_FIXTURES / "instagram" / "feed.ndjson"]
    report = ingest.import_paths(case, files)
    reconciled(report)
    assert report.items["rejected"] == 0
    got = rows(case, "SELECT platform, format, retrieved_at, retrieved_at_source, source_url "
                     "FROM evidence ORDER BY origin, source_offset")
    expected = []
    for f in sorted(files, key=lambda f: str(f.resolve())):  # the order of the query above
        for ln in f.read_bytes().splitlines():
            if ln.strip():
                d = orjson.loads(ln)
                platform = "tiktok" if d["source_platform"].startswith("tiktok") else "instagram"
                expected.append((platform, d["timestamp_collected"], d["source_platform_url"]))
    assert len(got) == len(expected) == 12
    for (platform, fmt, at, at_source, url), (p, ms, page) in zip(got, expected, strict=True):
        assert platform == p and fmt.startswith(f"zeeschuimer:{p}.")
        assert at == datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
        assert at_source == "payload" and url == page
    assert rows(case, "SELECT count(*) FROM posts WHERE platform = 'tiktok' AND kind = 'comment'"
                )[0][0] > 0
