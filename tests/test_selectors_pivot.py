"""Selectors are read out of posts at import and pivot to their posts and accounts."""

from __future__ import annotations

import ibis

from socmint import ingest, store
from socmint.analysis import selectors as sel
from socmint.case import set_option

MAPPING = {"platform": "forum", "post": {"id": "id", "text": "text", "author": "user",
                                        "reply_to": "parent"},
           "account": {"id": "user"}}
ETH = "0x52908400098527886e0f7030069857d2e4169ee7"
ROWS = [
    ("1", "a", "", f"Send donations to {ETH} or write to Tips@Harbour.example.org"),
    ("2", "b", "1", f"Same wallet here {ETH}, call 020 7946 0958"),
    ("3", "c", "", "Nothing to see, version 10.0.19045 released 2024-03-01 for $1,299.00"),
    ("4", "a", "", f"Copied without 0x: {ETH.upper()[2:]} reads as a SHA-1, not a wallet"),
]


def test_selectors_found_at_import_and_pivot(case, tmp_path):
    set_option(case, "region", "gb")
    csv_path = tmp_path / "forum.csv"
    lines = ["id,user,parent,text"] + [f'{i},{u},{p},"{t}"' for i, u, p, t in ROWS]
    csv_path.write_text("\n".join(lines) + "\n")
    report = ingest.import_paths(case, [csv_path], mapping=MAPPING)
    assert report.items["rejected"] == 0
    con = store.connect(case, read_only=True)
    try:
        backend = ibis.duckdb.from_connection(con)
        listed = {(r["kind"], r["normalized"]): (r["posts"], r["accounts"])
                  for r in sel.selectors(backend)}
        assert listed[("eth", ETH)] == (2, 2)
        assert listed[("email", "tips@harbour.example.org")] == (1, 1)
        assert listed[("phone", "+442079460958")] == (1, 1)  # the case's region: GB
        assert not any(k in ("ipv4", "phone") and p == 1 and "19045" in v
                       for (k, v), (p, _) in listed.items())
        assert listed[("sha1", ETH[2:])] == (1, 1)
        assert {k for k, _ in listed} == {"eth", "email", "phone", "sha1"}
        hit = sel.pivot(backend, ETH)
        assert [r["post"] for r in hit["posts"]] == ["forum:1", "forum:2"]
        assert hit["accounts"] == ["forum:a", "forum:b"]
        assert sel.pivot(backend, "Tips@Harbour.example.org")["accounts"] == ["forum:a"]
    finally:
        con.close()
