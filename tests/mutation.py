"""Hypothesis strategies that mutate real payloads (dropped keys, wrong types, odd Unicode) or
build arbitrary JSON from a format's keys, and the checks the mapper fuzz tests share."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint.errors import RejectedItem

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


def fuzz_each(payloads, max_examples: int, argnames: str = "name,payload"):
    """Decorates a mutation fuzz test: one test per (name, payload) of `payloads`, with the
    name as its id, each run for max_examples hypothesis examples that draw from `data`."""
    health = [HealthCheck.too_slow, HealthCheck.data_too_large]

    def wrap(test):
        test = given(data=st.data())(test)
        test = settings(max_examples=max_examples, deadline=None,
                        suppress_health_check=health)(test)
        return pytest.mark.parametrize(argnames, payloads, ids=[n for n, _ in payloads])(test)
    return wrap


def json_with_keys(keys, values=None, max_leaves: int = 20, *, text_size: int = 10,
                   dict_size: int = 6):
    """Arbitrary JSON whose objects take their keys from `keys`: scalars (None, booleans,
    integers, floats, text up to text_size, and `values`, a list to sample or a strategy)
    nested in lists of up to 4 items and objects of up to dict_size keys."""
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=text_size)
    if values is not None:
        scalars |= values if isinstance(values, st.SearchStrategy) else st.sampled_from(values)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
            st.sampled_from(keys), inner, max_size=dict_size),
        max_leaves=max_leaves)


def survives(module, value, fmt: str | None = None):
    """`module` takes `value` without a surprise: detect never raises, and mapping with `fmt`
    (or, without one, the detected format; nothing is mapped when neither is known) either
    raises RejectedItem or gives records that pass arrow_ok. Returns what detect said."""
    found = module.detect(value)
    fmt = found if fmt is None else fmt
    if fmt is None:
        return found
    try:
        records = module.map_item(value, fmt)
    except RejectedItem:
        return found
    arrow_ok(records)
    return found


def fixture_docs(paths):
    """(path, document) for each JSON document of the .json, .jsonl and .ndjson files among
    `paths`, in path order: a .json file is one document, the others one a non-blank line."""
    for path in sorted(paths):
        if path.suffix not in (".json", ".jsonl", ".ndjson"):
            continue
        text = path.read_text(encoding="utf-8-sig")
        docs = [json.loads(text)] if path.suffix == ".json" else [
            json.loads(x) for x in text.splitlines() if x.strip()]
        for doc in docs:
            yield path, doc


def not_detected(module, paths) -> int:
    """Asserts that `module` detects none of the documents of `paths` (see fixture_docs), nor
    any item of a document that is a list. Returns how many items were checked (a document
    that is not a list counts as one)."""
    seen = 0
    for path, doc in fixture_docs(paths):
        assert module.detect(doc) is None, path.name
        for item in doc if isinstance(doc, list) else [doc]:
            assert module.detect(item) is None, path.name
            seen += 1
    return seen
