"""Cutting files into raw items: framings decided by content, exact byte offsets, zip members."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint import framing
from socmint.errors import SocmintError
from socmint.framing import Source, cuts, framing_of, read_csv_record, split_ytd
from socmint.sources.common import CsvRow

CSV_TEXT = (
    'Page Name,Message,Likes\r\n'
    'Alpha,"first line\r\nsecond line, with a comma",12\r\n'
    'Beta,"he said ""hi""",3\r\n'
    '\r\n'
    'Gamma,plain,"1,234"\r\n'
)


def test_framing_by_content_not_name(tmp_path):
    cases = {
        "a.txt": (b'{"a": 1}\n{"b": 2}\n', "lines"),
        "b.jsonl": (b'{\n  "a": 1\n}\n', "document"),
        "c.json": (b"[1, 2]", "lines"),  # one whole JSON value on its one line
        "d.js": (b'window.YTD.tweets.part0 = [ {"tweet": {}} ]', "ytd"),
        "e.dat": (CSV_TEXT.encode(), "csv"),
        "f.csv": (b"\x89PNG\r\n\x1a\n\x00\x00binary", "file"),
        "g.json": (b"<!DOCTYPE html><html><body>archive</body></html>", "file"),
        "h.jsonl": (b"   \n\n", "empty"),
        "i.jsonl": (b'not json at all\n{"a": 1}\n{"b": 2}\n', "lines"),  # damaged first line
    }
    for name, (data, expected) in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        assert framing.framing(p) == expected, name


def test_long_first_line_is_still_lines(tmp_path):
    line = b'{"text": "' + b"x" * 200_000 + b'"}'
    p = tmp_path / "big.jsonl"
    p.write_bytes(line + b"\n" + line + b"\n")
    assert framing.framing(p) == "lines"
    assert [c.offset for c in cuts(Source(p), "lines")] == [0, len(line) + 1]


def test_csv_records_keep_their_bytes_offsets_and_header(tmp_path):
    p = tmp_path / "export.csv"
    raw = ("\ufeff" + CSV_TEXT).encode()
    p.write_bytes(raw)
    got = list(cuts(Source(p), "csv"))
    expected = list(csv.DictReader(io.StringIO(CSV_TEXT)))
    assert len(got) == len(expected) == 3
    header = b"Page Name,Message,Likes"
    for cut, row in zip(got, expected, strict=True):
        assert cut.data.startswith(header + b"\n")
        record = cut.data[len(header) + 1:]
        assert raw[cut.offset:cut.offset + len(record)] == record  # the file's own bytes
        parsed = read_csv_record(cut.data)
        assert type(parsed) is CsvRow and parsed == row
    assert [c.line for c in got] == [2, 4, 6]


def test_csv_item_with_wrong_field_count_is_refused():
    with pytest.raises(ValueError):
        read_csv_record(b"a,b,c\n1,2")
    with pytest.raises(ValueError):
        read_csv_record(b"a,b\n1,2\n3,4")


def test_unbalanced_quote_cannot_swallow_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(framing, "MAX_CSV_RECORD", 100)
    p = tmp_path / "bad.csv"
    p.write_bytes(b'a,b\n1,"open\n' + b"2,3\n" * 200)
    got = list(cuts(Source(p), "csv"))
    assert len(got) > 5  # cut into bounded pieces, each kept
    total = sum(len(c.data) - len(b"a,b\n") for c in got)
    assert total >= len(b'1,"open\n' + b"2,3\n" * 200) - 2 * len(got)


def test_ytd_split():
    name, part, body = split_ytd(b"window.YTD.deleted_tweets.part2 = [ ]")
    assert (name, part, body) == ("deleted_tweets", 2, b"[ ]")
    with pytest.raises(ValueError):
        split_ytd(b"var x = []")


def test_zip_members_are_walked_in_order_and_hidden_ones_skipped(tmp_path):
    z = tmp_path / "archive.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("data/tweets.js", "window.YTD.tweets.part0 = []")
        zf.writestr("data/account.js", 'window.YTD.account.part0 = [{"account": '
                                       '{"accountId": "42", "username": "me"}}]')
        zf.writestr("__MACOSX/data/._tweets.js", "junk")
        zf.writestr("data/.DS_Store", "junk")
        zf.writestr("lines.jsonl", '{"a": 1}\n{"b": 2}\n')
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / ".hidden").write_text("x")
    (tmp_path / "folder" / "x.jsonl").write_text('{"a": 1}\n')
    found = framing.walk([z, tmp_path / "folder"])
    assert [s.member for s in found[:3]] == ["data/account.js", "data/tweets.js", "lines.jsonl"]
    assert found[3].path == tmp_path / "folder" / "x.jsonl"
    assert len(found) == 4
    tweets = found[1]
    assert tweets.origin.endswith("archive.zip!data/tweets.js")
    assert framing.framing(tweets) == "ytd"
    assert framing.archive_owner(tweets) == {"id": "42", "username": "me"}
    lines = list(cuts(found[2], "lines"))
    assert [(c.data, c.offset, c.line) for c in lines] == [(b'{"a": 1}', 0, 1),
                                                           (b'{"b": 2}', 9, 2)]


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(SocmintError, match="no such file"):
        framing.walk([tmp_path / "nope"])


def test_file_kinds_from_bytes():
    assert framing.file_kind(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    assert framing.file_kind(b"\x00\x00\x00\x18ftypmp42") == "video/mp4"
    assert framing.file_kind(b"<html><body>") == "text/html"
    assert framing.file_kind(b"\x00\xff\xfe") == "application/octet-stream"


CELL = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_any_csv_cuts_and_reads_back_exactly(tmp_path_factory, rows, delimiter):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(["id", "text", "count"])
    w.writerows(rows)
    p = tmp_path_factory.mktemp("csv") / "f.csv"
    p.write_bytes(buf.getvalue().encode())
    got = [read_csv_record(c.data) for c in cuts(Source(p), "csv")]
    # blank records are not items: a row of empty cells in a 3-column file is ",,", not blank
    assert [list(r.values()) for r in got] == rows


@settings(max_examples=300, deadline=None)
@given(head=st.binary(max_size=300))
def test_framing_of_any_bytes_is_one_of_the_framings(head):
    assert framing_of(head) in framing.FRAMINGS
