"""Every format is declared, documented, and detected for what it is: each real and own fixture
goes to its own platform's mapper and to no other."""

from __future__ import annotations

from pathlib import Path

import pytest

from socmint import framing, sources
from socmint.mapping import decode
from socmint.model import FIELDS
from socmint.report.formats import markdown
from tests.conftest import OWN_FIXTURES, ROOT, SHARED_FIXTURES

# fixture folder -> the platform module that must read every item in it
EXPECTED = {
    "twitter": "twitter", "mastodon": "mastodon", "bluesky": "bluesky",
    "telegram": "telegram", "reddit": "reddit", "fourchan": "fourchan", "youtube": "youtube",
    "other/crowdtangle": "facebook", "facebook": "facebook", "zeeschuimer": "zeeschuimer",
    "tiktok": "zeeschuimer", "instagram": "zeeschuimer",  # own fixtures are capture lines
    "rss": "rss",
}
NOT_ITEMS = {"generic"}  # read only with a declared mapping
UNDETECTED = {"mastodon/tag.json", "mastodon/mastodonpy_tag.json"}  # a lone Tag holds no post


def _items(base: Path):
    """(folder, file, value) for every item of every fixture file under base."""
    for path in sorted(p for p in base.rglob("*") if p.is_file() and p.suffix != ".md"):
        rel = path.relative_to(base)
        folder = next((k for k in sorted(EXPECTED, key=len, reverse=True)
                       if rel.as_posix().startswith(k + "/")), None)
        if folder is None or rel.parts[0] in NOT_ITEMS:
            continue
        src = framing.Source(path)
        kind = framing.framing(src)
        if kind == "file":  # kept whole, read by no mapper
            continue
        context = {"owner": framing.archive_owner(src)} if kind == "ytd" else None
        for cut in framing.cuts(src, kind):
            yield folder, rel.as_posix(), decode(cut.data, kind, context)


def _cases():
    out = []
    if SHARED_FIXTURES.exists():
        out += [("shared", *x) for x in _items(SHARED_FIXTURES)]
    out += [("own", *x) for x in _items(OWN_FIXTURES)]
    return out


CASES = _cases()


def test_there_are_fixtures_for_every_platform():
    folders = {c[1] for c in CASES}
    assert {"twitter", "mastodon", "bluesky", "telegram", "reddit", "fourchan", "youtube",
            "facebook", "zeeschuimer"} <= {EXPECTED[f] for f in folders}


@pytest.mark.parametrize("origin,folder,name,value", CASES,
                         ids=[f"{c[0]}/{c[2]}" for c in CASES])
def test_each_item_goes_to_its_own_platform(origin, folder, name, value):
    found = sources.detect(value)
    if name in UNDETECTED:
        assert found is None
        return
    assert found is not None, f"{name}: no mapper detects it"
    module, fmt = found
    assert module.PLATFORM == EXPECTED[folder], f"{name}: read as {fmt}"
    assert fmt in {f.name for f in module.FORMATS}, f"{fmt} is not declared in FORMATS"
    sources.map_detected(found, value)  # real payloads are read, not rejected


def test_declared_formats_name_real_fields():
    names = set()
    for _, f in sources.formats():
        assert f.name not in names, f"{f.name} declared twice"
        names.add(f.name)
        assert f.title and f.detected_by and f.maps
        for table, fields in f.cannot_provide.items():
            known = {name for name, _ in FIELDS[table]}
            assert set(fields) <= known, f"{f.name}: {set(fields) - known} not in {table}"


def test_docs_formats_md_is_the_declarations():
    doc = (ROOT / "docs" / "formats.md").read_text()
    assert doc == markdown(), "docs/formats.md is stale: socmint formats --markdown > it"
    for kind in set(framing.FRAMINGS) - {"empty"}:
        assert f"| {kind} |" in doc
