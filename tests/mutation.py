"""Hypothesis strategies that mutate real payloads: dropped keys, wrong types, odd Unicode."""

from __future__ import annotations

import copy

from hypothesis import strategies as st

ODD_STRINGS = st.sampled_from([
    "", " ", "\u0000", "\ud7ff\ue000", "\u202e\u202dRTL", "e\u0301\u0301\u0301", "𝕏" * 50,
    "<script>alert(1)</script>", "a" * 100_000, "\U0001F600" * 1000, "null", "-1", "1e309",
])
WRONG_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), ODD_STRINGS, st.text(max_size=30),
    st.just([]), st.just({}), st.just([None]), st.just({"": None}),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node[:5]):
            yield from _paths(v, prefix + (i,))


def _apply(doc, path, op, value):
    if not path:
        return copy.deepcopy(value) if op == "replace" else doc
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    last = path[-1]
    if op == "delete":
        del parent[last]
    else:
        parent[last] = copy.deepcopy(value)  # never share the strategy's own objects
    return doc


@st.composite
def mutated(draw, payload, max_mutations: int = 4):
    """A deep copy of `payload` with 1..max_mutations random deletions or replacements."""
    doc = copy.deepcopy(payload)
    for _ in range(draw(st.integers(min_value=1, max_value=max_mutations))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["delete", "replace"])) if path else "replace"
        value = draw(WRONG_VALUES) if op == "replace" else None
        doc = _apply(doc, path, op, value)
    return doc


def arrow_ok(records) -> None:
    """Every table of a mapping result converts with its schema (a wrong type raises)."""
    from socmint.model import TABLES, arrow_table

    for table in TABLES:
        arrow_table(table, list(records.tables[table].values()))
