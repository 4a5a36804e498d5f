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
                "bluesky/jetstream_v1_events.jsonl", "mastodon/mastodonpy_status_examples.jsonl"):
        p = base / rel
        if p.exists():
            lines += [ln for ln in p.read_bytes().splitlines() if ln.strip()][:6]
    if not lines:  # a clone without ../shared: use every line of our own JSONL fixtures
        for p in sorted(OWN_FIXTURES.rglob("*.jsonl")):
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
    elif kind == "csv":  # garbage that reads as CSV: every record after the header is an item
        assert items["read"] == sum(1 for c in framing.cuts(framing.Source(f), "csv"))
    else:
        assert items["read"] == 1  # read as one document or file: kept whole
