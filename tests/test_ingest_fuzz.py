"""Hypothesis against the whole pipeline: mangled files never crash an import, never lose an
item, and the counts always reconcile."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint import case as cases
from socmint import framing, ingest, store

from .conftest import OWN_FIXTURES, SHARED

_counter = itertools.count()


def _real_lines() -> list[bytes]:
    base = SHARED / "fixtures" if SHARED.exists() else OWN_FIXTURES
    lines = []
    for rel in ("twitter/v2_twarc_geo_tweets.jsonl", "twitter/v2_twarc_quoted_edit.jsonl",
                "twitter/v1_1_streaming_lines.jsonl", "bluesky/jetstream_v1_events.jsonl",
                "mastodon/mastodonpy_status_examples.jsonl",
                "reddit/pushshift_comments_RC_2024-02.ndjson",
                "reddit/pushshift_submissions_RS_2024-02.ndjson",
                "zeeschuimer/tiktok_search.ndjson", "zeeschuimer/instagram_feed.ndjson",
                "zeeschuimer/x_twitter_graphql_search.ndjson"):
        p = base / rel
        if p.exists():
            lines += [ln for ln in p.read_bytes().splitlines() if ln.strip()][:6]
    if not lines:  # a clone without ../shared: use every line of our own JSON-lines fixtures
        for p in sorted(OWN_FIXTURES.rglob("*.*json*")):
            if p.suffix in (".jsonl", ".ndjson"):
                lines += [ln for ln in p.read_bytes().splitlines() if ln.strip()][:6]
    return lines


LINES = _real_lines()


@st.composite
def mangled_line(draw):
    line = draw(st.sampled_from(LINES))
    how = draw(st.sampled_from(["keep", "truncate", "flip", "insert", "garbage", "unicode"]))
    if how == "truncate":
        return line[: draw(st.integers(0, max(len(line) - 1, 0)))]
    if how == "flip":
        i = draw(st.integers(0, len(line) - 1))
        return line[:i] + bytes([line[i] ^ draw(st.integers(1, 255))]) + line[i + 1:]
    if how == "insert":
        i = draw(st.integers(0, len(line)))
        return line[:i] + draw(st.binary(min_size=1, max_size=20)) + line[i:]
    if how == "garbage":
        return draw(st.binary(min_size=1, max_size=200))
    if how == "unicode":
        s = draw(st.text(min_size=1, max_size=200))
        return s.encode("utf-8", "surrogatepass")
    return line


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(lines=st.lists(mangled_line(), min_size=1, max_size=25))
def test_mangled_input_is_kept_reported_and_reconciled(home, tmp_path, lines):
    n = next(_counter)
    c = cases.create(f"f{n}", purpose="fuzz", legal_basis="test", retention_days=1)
    data = b"\n".join(ln.replace(b"\n", b" ").replace(b"\r", b" ") for ln in lines) + b"\n"
    f = tmp_path / f"in{n}.jsonl"
    f.write_bytes(data)
    report = ingest.import_paths(c, [f])
    items = report.items
    assert items["read"] == items["new"] + items["updated"] + items["duplicate"] + items["rejected"]
    con = store.connect(c, read_only=True)
    try:
        stored = con.execute("SELECT count(*) FROM evidence").fetchone()[0]
        rejected = con.execute("SELECT count(*) FROM evidence WHERE status = 'rejected'"
                               ).fetchone()[0]
    finally:
        con.close()
    assert stored == items["read"] - items["duplicate"]
    assert rejected == items["rejected"]
    kind = framing.framing(f)
    if kind == "lines":
        assert items["read"] == sum(1 for ln in data.splitlines() if ln.strip())
    elif kind == "empty":
        assert items["read"] == 0
    elif kind == "csv":  # garbage that reads as CSV: every record after the header is an item
        assert items["read"] == sum(1 for c in framing.cuts(framing.Source(f), "csv"))
    else:
        assert items["read"] == 1  # read as one document or file: kept whole


def _csv_records() -> tuple[bytes, list[bytes]]:
    """A real CSV export's header and records (our own CrowdTangle-format file without
    ../shared), cut as the importer cuts them."""
    path = SHARED / "fixtures" / "other" / "crowdtangle" / "facebook_search_csv_export.csv"
    if not path.exists():
        path = sorted((OWN_FIXTURES / "facebook").glob("*.csv"))[0]
    cuts = [c.data for c in framing.cuts(framing.Source(path), "csv")]
    header = cuts[0].split(b"\n", 1)[0]
    return header, [c[len(header) + 1:] for c in cuts]


CSV_HEADER, CSV_RECORDS = _csv_records()


@st.composite
def mangled_record(draw):
    record = draw(st.sampled_from(CSV_RECORDS))
    how = draw(st.sampled_from(["keep", "truncate", "drop_field", "quote", "unicode", "empty"]))
    if how == "truncate":
        return record[: draw(st.integers(0, len(record)))]
    if how == "drop_field":
        return record.rsplit(b",", 1)[0]
    if how == "quote":
        i = draw(st.integers(0, len(record)))
        return record[:i] + b'"' + record[i:]
    if how == "unicode":
        return draw(st.text(min_size=1, max_size=80)).encode("utf-8", "surrogatepass")
    if how == "empty":
        return b"," * CSV_HEADER.count(b",")
    return record


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(records=st.lists(mangled_record(), min_size=1, max_size=15))
def test_mangled_csv_is_kept_reported_and_reconciled(home, tmp_path, records):
    n = next(_counter)
    c = cases.create(f"csv{n}", purpose="fuzz", legal_basis="test", retention_days=1)
    f = tmp_path / f"in{n}.csv"
    f.write_bytes(b"\r\n".join([CSV_HEADER, *records]) + b"\r\n")
    report = ingest.import_paths(c, [f])
    items = report.items
    assert items["read"] == items["new"] + items["updated"] + items["duplicate"] + items["rejected"]
    kind = framing.framing(f)
    expected = sum(1 for _ in framing.cuts(framing.Source(f), kind))
    assert items["read"] == expected
    con = store.connect(c, read_only=True)
    try:
        stored, rejected = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'rejected') FROM evidence"
        ).fetchall()[0]
    finally:
        con.close()
    assert stored == items["read"] - items["duplicate"] and rejected == items["rejected"]
