"""Enrichers: what can be read out of posts beyond what the platform said (selectors, language,
places, near-duplicates), written to the entities table with the post they came from.

The per-post enrichers run at import, inside mapping, on each post a raw item holds, so what
they find is an observation of that item like any other (same evidence, same time) and a
remap reproduces it. `socmint enrich` (socmint.enrich.existing) runs them again over the posts
already in a case, for a case imported before an enricher existed or after its region changed.

A repost's text is the original's (often cut short), and the original is a post of its own, so
reposts are not enriched.
"""

from __future__ import annotations

from collections.abc import Iterator

from socmint.enrich import language, places
from socmint.enrich.selectors import extract as extract_selectors

# entity kinds only enrichers write (mappers write hashtag, mention, url and domain too)
KINDS = ("language", "place")


def entities(text: str | None, lat: float | None, lon: float | None, region: str | None
             ) -> Iterator[tuple[str, str, str]]:
    """(kind, value as written, normalized) of everything one post's text and coordinates give:
    its selectors, its language ("unknown" when the text says too little), the places it names
    (normalized: a gazetteer id) and the place nearest its coordinates (value "geo")."""
    if text:
        for s in extract_selectors(text, region):
            yield s.kind, s.value, s.normalized
        code = language.detect(text)
        yield "language", code, code
        for m in places.mentioned(text, code):
            yield "place", m.surface, m.place.id
    if lat is not None and lon is not None:
        near = places.nearest(lat, lon)
        if near is not None:
            yield "place", "geo", near.id


def add_to(records, region: str | None) -> None:
    """Enrich every post of one item's records (a model.Records) in place."""
    for uid, post in list(records.tables["posts"].items()):
        if post.get("repost_of"):
            continue
        for kind, value, normalized in entities(post.get("text"), post.get("lat"),
                                                post.get("lon"), region):
            records.entity(uid, kind, value, normalized, platform=post.get("platform"))
