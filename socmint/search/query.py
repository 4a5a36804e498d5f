"""The query language: what an investigator types, parsed here (never by tantivy's own parser)
into a small tree, then compiled to tantivy queries.

    query   := or
    or      := and ("OR" and)*
    and     := unary (["AND"] unary)*          adjacent terms must all match
    unary   := ("NOT" | "-") unary | atom
    atom    := "(" or ")" | term
    term    := word | word* | "a phrase" | "a phrase pre*" | #tag | @name | field:value
               | field:"quoted value"

Operators are upper-case (AND, OR, NOT); lower-case "and", "or", "not" are words. NOT binds
tighter than AND, AND tighter than OR. Matching is case- and accent-insensitive in any script.

Fields:
  author:NAME (from:)   the author's handle ("alice", "@alice@server", "alice@server") or
                        account uid; NAME* for a prefix
  platform:NAME         twitter (x), mastodon, bluesky (bsky), telegram (tg), reddit, ...
  lang:CODE             language (lang:pt also finds pt-BR)
  hashtag:TAG (#TAG)    mention:NAME (@NAME)    domain:example.com (the site or a host in it)
  kind:KIND             a selector of that kind found in the post (email, phone, url, ...)
  type:KIND             the post's own kind, where its platform has several (comment, ...)
  has:media|geo|link|hashtag|mention            is:reply|repost|quote|deleted
  since:YYYY-MM-DD      from that day on (UTC)
  until:YYYY-MM-DD      before that day (UTC), as on Twitter: since:D until:D+1 is one day
  geo:LAT1,LON1,LAT2,LON2          posts located in that box (two opposite corners)
  near:LAT,LON,RADIUS (geocode:)   within RADIUS (m, km or mi) of the point: a box in the
                                   index, then the exact distance

A malformed query raises QueryError, whose message names the problem and shows the query with
a caret under the column where it is.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import tantivy

from socmint.errors import SocmintError
from socmint.search import index as ix

MAX_QUERY = 4000  # characters
MAX_DEPTH = 64  # nested parentheses and NOTs
MAX_TERMS = 256
NEAR_CANDIDATES = 500_000  # posts in a near: box before the exact check gives up

FIELDS = ("author", "platform", "lang", "hashtag", "mention", "domain", "kind", "type", "has",
          "is", "since", "until", "geo", "near")
ALIASES = {"from": "author", "geocode": "near", "language": "lang", "tag": "hashtag",
           "site": "domain"}
PLATFORM_ALIASES = {"x": "twitter", "bsky": "bluesky", "tg": "telegram"}
UNITS = {"m": 1.0, "km": 1000.0, "mi": 1609.344}
EARTH_M = 6_371_008.8


class QueryError(SocmintError):
    """A query that cannot be read: the message says why and where (column, caret line)."""

    def __init__(self, reason: str, query: str, pos: int):
        self.reason = reason
        self.query = query
        self.column = pos + 1
        super().__init__(f"{reason} (column {self.column})\n{_caret(query, pos)}")


def _caret(query: str, pos: int) -> str:
    """The query (a window of it, when long) on one line and a caret under `pos`."""
    shown = "".join(c if c.isprintable() else " " for c in query)
    start = max(0, pos - 60)
    end = min(len(shown), pos + 60)
    prefix = "…" if start else ""
    line = prefix + shown[start:end] + ("…" if end < len(shown) else "")
    return f"  {line}\n  {' ' * (len(prefix) + pos - start)}^"


# ---------------------------------------------------------------- the tree

@dataclass
class Text:
    """Words to find in the post text: one word, or a phrase (in order, adjacent)."""

    value: str
    pos: int
    phrase: bool = False
    prefix: bool = False


@dataclass
class Field:
    name: str
    value: str
    pos: int  # of the field name
    vpos: int  # of the value
    prefix: bool = False
    arg: object = None  # the parsed value: dates, boxes, points


@dataclass
class And:
    items: list


@dataclass
class Or:
    items: list


@dataclass
class Not:
    item: object


@dataclass
class All:
    """The empty query: every post."""


# ---------------------------------------------------------------- lexing

@dataclass
class _Tok:
    kind: str  # "(" ")" AND OR NOT NEG TERM
    pos: int
    node: object = None
    end: int = 0


_FIELD_RE = re.compile(r"([A-Za-z_]+):")
_SPACE = frozenset(" \t\r\n\f\v\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                   "\u2009\u200a\u202f\u205f\u3000")
_STOP = _SPACE | frozenset('()"')


def _quoted(q: str, i: int) -> tuple[str, int]:
    """The string opened by the quote at q[i]; returns it and the index after its close."""
    out = []
    j = i + 1
    while j < len(q):
        c = q[j]
        if c == "\\" and j + 1 < len(q) and q[j + 1] in '"\\':
            out.append(q[j + 1])
            j += 2
            continue
        if c == '"':
            return "".join(out), j + 1
        out.append(c)
        j += 1
    raise QueryError("this quote is never closed: add a closing \"", q, i)


def _lex(q: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c in _SPACE:
            i += 1
            continue
        if c in "()":
            toks.append(_Tok(c, i, end=i + 1))
            i += 1
            continue
        if c == '"':
            text, j = _quoted(q, i)
            prefix = text.rstrip().endswith("*")
            if prefix:
                text = text.rstrip()[:-1]
            toks.append(_Tok("TERM", i, Text(text, i + 1, phrase=True, prefix=prefix), j))
            i = j
            continue
        if c == "-":
            if i + 1 >= n or q[i + 1] in _SPACE or q[i + 1] == ")":
                raise QueryError("'-' must be followed by the term to exclude", q, i)
            toks.append(_Tok("NEG", i, end=i + 1))
            i += 1
            continue
        j = i
        while j < n and q[j] not in _STOP:
            j += 1
        word = q[i:j]
        if word in ("AND", "OR", "NOT"):
            toks.append(_Tok(word, i, end=j))
            i = j
            continue
        m = _FIELD_RE.match(word)
        if m and not word[m.end():].startswith("//"):
            name = m.group(1).lower()
            name = ALIASES.get(name, name)
            if name not in FIELDS:
                raise QueryError(f"unknown field '{m.group(1)}:'; fields are "
                                 + ", ".join(f + ":" for f in FIELDS)
                                 + " (quote the text to search for it as words)", q, i)
            vpos = i + m.end()
            value = word[m.end():]
            if not value and j < n and q[j] == '"':
                value, j = _quoted(q, j)
                prefix = False
            else:
                prefix = value.endswith("*") and len(value) > 1
                value = value[:-1] if prefix else value
            if not value.strip():
                raise QueryError(f"{name}: needs a value right after the colon", q, vpos)
            if value == "*":
                raise QueryError("'*' needs the beginning of a value before it", q, vpos)
            node = Field(name, value, i, vpos, prefix)
            _check_field(node, q)
            toks.append(_Tok("TERM", i, node, j))
            i = j
            continue
        if len(word) > 1 and word[0] in "#@" and word[1] not in "#@*":
            name = "hashtag" if word[0] == "#" else "mention"
            prefix = word.endswith("*") and len(word) > 2
            value = word[1:-1] if prefix else word[1:]
            node = Field(name, value, i, i + 1, prefix)
            _check_field(node, q)
            toks.append(_Tok("TERM", i, node, j))
            i = j
            continue
        prefix = word.endswith("*")
        if prefix:
            word = word[:-1]
            if not word.strip("*"):
                raise QueryError("'*' needs the beginning of a word before it (like climat*)",
                                 q, j - 1)
        toks.append(_Tok("TERM", i, Text(word, i, prefix=prefix), j))
        i = j
    return toks


# ---------------------------------------------------------------- field values

def _check_field(f: Field, q: str) -> None:
    """Validate and parse a field's value, so an error points at it before anything runs."""
    v = f.value.strip()
    if f.name in ("has", "is"):
        allowed = ix.HAS if f.name == "has" else ix.IS
        if v.lower() not in allowed or f.prefix:
            raise QueryError(f"{f.name}: takes one of " + ", ".join(allowed), q, f.vpos)
    elif f.name in ("since", "until"):
        if f.prefix:
            raise QueryError(f"{f.name}: takes a date, YYYY-MM-DD", q, f.vpos)
        f.arg = _date(v, q, f.vpos, f.name)
    elif f.name == "geo":
        nums = _numbers(v, 4, q, f, "geo:LAT1,LON1,LAT2,LON2 (two opposite corners)")
        for k, x in enumerate(nums):
            _check_coordinate(x, "lat" if k % 2 == 0 else "lon", q, f)
        lat1, lon1, lat2, lon2 = nums
        f.arg = (min(lat1, lat2), min(lon1, lon2), max(lat1, lat2), max(lon1, lon2))
    elif f.name == "near":
        usage = "near:LAT,LON,RADIUS (RADIUS like 500m, 10km or 3mi)"
        parts = v.split(",")
        if len(parts) != 3:
            raise QueryError(f"{usage}", q, f.vpos)
        lat, lon = _numbers(",".join(parts[:2]), 2, q, f, usage)
        _check_coordinate(lat, "lat", q, f)
        _check_coordinate(lon, "lon", q, f)
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(m|km|mi)\s*", parts[2].lower())
        rpos = f.vpos + len(parts[0]) + len(parts[1]) + 2
        if not m:
            raise QueryError(f"the radius needs a unit: {usage}", q, rpos)
        radius = float(m.group(1)) * UNITS[m.group(2)]
        if not 0 < radius <= 2_000_000:
            raise QueryError("the radius must be more than 0 and at most 2000 km", q, rpos)
        f.arg = (lat, lon, radius)


def _numbers(v: str, count: int, q: str, f: Field, usage: str) -> list[float]:
    parts = v.split(",")
    if len(parts) != count:
        raise QueryError(usage, q, f.vpos)
    out, at = [], f.vpos
    for p in parts:
        try:
            x = float(p)
            if not math.isfinite(x):
                raise ValueError(p)
        except ValueError:
            raise QueryError(f"not a number: {p!r}; {usage}", q, at) from None
        out.append(x)
        at += len(p) + 1
    return out


def _check_coordinate(x: float, what: str, q: str, f: Field) -> None:
    limit = 90 if what == "lat" else 180
    if not -limit <= x <= limit:
        raise QueryError(f"{f.name}: a {'latitude' if what == 'lat' else 'longitude'} is "
                         f"between -{limit} and {limit}, not {x:g}", q, f.vpos)


def _date(v: str, q: str, pos: int, name: str) -> datetime:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", v)
    if not m:
        raise QueryError(f"{name}: takes a date as YYYY-MM-DD, not {v!r}", q, pos)
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise QueryError(f"{name}: {v} is not a date ({exc})", q, pos) from None
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


# ---------------------------------------------------------------- parsing

class _Parser:
    def __init__(self, q: str):
        self.q = q
        self.toks = _lex(q)
        self.i = 0
        self.depth = 0
        terms = sum(t.kind == "TERM" for t in self.toks)
        if terms > MAX_TERMS:
            raise QueryError(f"too many terms ({terms}; at most {MAX_TERMS})", q, 0)

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def error(self, reason: str, tok: _Tok | None):
        raise QueryError(reason, self.q, tok.pos if tok else len(self.q))

    def parse(self):
        if not self.toks:
            return All()
        node = self.or_()
        tok = self.peek()
        if tok is not None:  # only a ')' stops an expression early
            self.error("this ')' closes no '('", tok)
        return node

    def or_(self):
        items = [self.and_()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in (")", "OR", "AND"):
                self.error("OR needs a term after it", nxt)
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(items)

    def and_(self):
        first = self.peek()
        if first is None or first.kind in (")", "OR", "AND"):
            what = {")": "nothing before this ')'", "OR": "OR needs a term before it",
                    "AND": "AND needs a term before it"}
            if first is None:
                self.error("the query ends where a term was expected", None)
            if first.kind == ")" and self.i and self.toks[self.i - 1].kind == "(":
                self.error("empty parentheses", self.toks[self.i - 1])
            self.error(what[first.kind], first)
        items = [self.unary()]
        while (tok := self.peek()) is not None and tok.kind not in (")", "OR"):
            if tok.kind == "AND":
                self.i += 1
                nxt = self.peek()
                if nxt is None or nxt.kind in (")", "OR", "AND"):
                    self.error("AND needs a term after it", nxt)
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(items)

    def unary(self):
        tok = self.peek()
        if tok.kind in ("NOT", "NEG"):
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in (")", "OR", "AND"):
                self.error(f"{'NOT' if tok.kind == 'NOT' else '-'} needs a term after it", nxt)
            self.enter(tok)
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self):
        tok = self.peek()
        if tok.kind == "(":
            self.i += 1
            self.enter(tok)
            nxt = self.peek()
            if nxt is not None and nxt.kind == ")":
                self.error("empty parentheses", tok)
            if nxt is None:
                self.error("this '(' is never closed: add a ')'", tok)
            node = self.or_()
            close = self.peek()
            if close is None or close.kind != ")":
                self.error("this '(' is never closed: add a ')'", tok)
            self.i += 1
            self.depth -= 1
            return node
        if tok.kind == "TERM":
            self.i += 1
            return tok.node
        self.error(f"unexpected {tok.kind}", tok)

    def enter(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.error(f"nested too deep (more than {MAX_DEPTH} levels)", tok)


def parse(q: str):
    """The query's tree (Text, Field, And, Or, Not, All), or QueryError."""
    if not isinstance(q, str):
        raise QueryError("a query is text", str(q), 0)
    if len(q) > MAX_QUERY:
        raise QueryError(f"query too long ({len(q)} characters; at most {MAX_QUERY})", q[:80],
                         0)
    return _Parser(q).parse()


# ---------------------------------------------------------------- compiling

@dataclass
class Compiled:
    query: tantivy.Query
    scored: bool  # whether any word ranks the hits (else relevance sorting means newest first)
    highlight: list[tuple[str, bool]] = field(default_factory=list)  # (term, prefix)


_REGEX_META = frozenset("\\.+*?()|[]{}^$#&-~\"<>@")


def _re_escape(s: str) -> str:
    return "".join("\\" + c if c in _REGEX_META else c for c in s)


def _zero(q: tantivy.Query) -> tantivy.Query:
    """A filter: matches, but adds nothing to the score."""
    return tantivy.Query.const_score_query(q, 0.0)


def _kw(name: str, value: str, prefix: bool) -> tantivy.Query:
    if prefix:
        return tantivy.Query.regex_query(ix.SCHEMA, name, _re_escape(value) + ".*")
    return tantivy.Query.term_query(ix.SCHEMA, name, value)


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


class _Compiler:
    def __init__(self, q: str, searcher: tantivy.Searcher | None):
        self.q = q
        self.searcher = searcher
        self.scored = False
        self.highlight: list[tuple[str, bool]] = []

    def compile(self, node, negated: bool = False) -> tantivy.Query | None:
        if isinstance(node, All):
            return tantivy.Query.all_query()
        if isinstance(node, Text):
            return self.text(node, negated)
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Not):
            inner = self.compile(node.item, not negated)
            if inner is None:
                return None
            return tantivy.Query.boolean_query([(tantivy.Occur.Must, _zero(
                tantivy.Query.all_query())), (tantivy.Occur.MustNot, inner)])
        if isinstance(node, And):
            clauses = []
            # since: and until: side by side make one range (two would intersect big sets)
            dates = [i for i in node.items if isinstance(i, Field) and i.name in ("since",
                                                                                 "until")]
            if dates:
                lo = max((i.arg for i in dates if i.name == "since"), default=None)
                hi = min((i.arg for i in dates if i.name == "until"), default=None)
                clauses.append((tantivy.Occur.Must, _time_range(lo, hi)))
            for item in node.items:
                if any(item is d for d in dates):
                    continue
                if isinstance(item, Not):
                    inner = self.compile(item.item, not negated)
                    if inner is not None:
                        clauses.append((tantivy.Occur.MustNot, inner))
                else:
                    sub = self.compile(item, negated)
                    if sub is not None:
                        clauses.append((tantivy.Occur.Must, sub))
            if not clauses:
                return None
            if all(o == tantivy.Occur.MustNot for o, _ in clauses):
                clauses.append((tantivy.Occur.Must, _zero(tantivy.Query.all_query())))
            if len(clauses) == 1:
                return clauses[0][1]
            return tantivy.Query.boolean_query(clauses)
        if isinstance(node, Or):
            subs = [s for s in (self.compile(i, negated) for i in node.items) if s is not None]
            if not subs:
                return None
            return _any(subs)
        raise TypeError(node)

    def text(self, node: Text, negated: bool) -> tantivy.Query | None:
        toks = ix.terms(node.value)
        if not toks:
            return None
        prefix = node.prefix
        if prefix and ix.unsegmented(toks[-1]):
            prefix = False  # one character is already the whole indexed unit
        if prefix and len(toks[-1]) < 2:
            raise QueryError("a prefix needs at least 2 characters before '*'", self.q,
                             node.pos)
        if not negated:
            self.scored = True
            self.highlight += [(t, False) for t in toks[:-1]] + [(toks[-1], prefix)]
        if len(toks) == 1:
            return _kw("text", toks[0], prefix)
        if prefix:
            return tantivy.Query.phrase_prefix_query(ix.SCHEMA, "text", toks)
        return tantivy.Query.phrase_query(ix.SCHEMA, "text", toks)

    def field(self, f: Field) -> tantivy.Query:
        v = f.value.strip()
        name = f.name
        if name in ("author", "mention"):
            key = ix.fold_key(v.lstrip("@"))
            if not key:
                raise QueryError(f"{name}: needs a name", self.q, f.vpos)
            if name == "author" and ":" in v and not f.prefix:  # an account uid
                return _zero(_any([_kw("author", key, False), _kw("account", v, False)]))
            return _zero(_kw(name, key, f.prefix))
        if name == "hashtag":
            key = ix.fold_key(v.lstrip("#"))
            if not key:
                raise QueryError("hashtag: needs a tag", self.q, f.vpos)
            return _zero(_kw("hashtag", key, f.prefix))
        if name == "platform":
            key = v.lower()
            return _zero(_kw("platform", PLATFORM_ALIASES.get(key, key), f.prefix))
        if name == "lang":
            key = v.lower().replace("_", "-")
            if f.prefix:
                return _zero(_kw("lang", key, True))
            return _zero(_any([_kw("lang", key, False),
                               tantivy.Query.regex_query(ix.SCHEMA, "lang",
                                                         _re_escape(key) + "[-_].*")]))
        if name == "domain":
            key = ix.fold_key(v).strip(".")
            key = key[4:] if key.startswith("www.") else key
            return _zero(_any([_kw("domain", key, f.prefix), _kw("host", key, f.prefix)]))
        if name == "kind":
            return _zero(_kw("selector", v.lower(), f.prefix))
        if name == "type":
            return _zero(_kw("type", v.lower(), f.prefix))
        if name in ("has", "is"):
            return _zero(_kw(name, v.lower(), False))
        if name == "since":
            return _time_range(f.arg, None)
        if name == "until":
            return _time_range(None, f.arg)
        if name == "geo":
            return _zero(_box(*f.arg))
        if name == "near":
            return _zero(self.near(f))
        raise QueryError(f"unknown field {name}:", self.q, f.pos)

    def near(self, f: Field) -> tantivy.Query:
        """A box around the circle finds the candidates in the index; their exact distance from
        the point decides, and the survivors become a set of document keys."""
        lat, lon, radius = f.arg
        box = _circle_box(lat, lon, radius)
        if self.searcher is None:
            return box
        s = self.searcher
        count = s.search(box, 1, count=True).count
        if count > NEAR_CANDIDATES:
            raise QueryError(f"near: {count:,} located posts in this circle's box, more than "
                             f"{NEAR_CANDIDATES:,}: use a smaller radius or geo:", self.q,
                             f.vpos)
        if not count:
            return tantivy.Query.empty_query()
        addrs = [a for _, a in s.search(box, count, count=False).hits]
        lats = s.fast_field_values("lat", addrs)
        lons = s.fast_field_values("lon", addrs)
        keys = s.fast_field_values("key", addrs)
        inside = [k for la, lo, k in zip(lats, lons, keys, strict=True)
                  if la is not None and lo is not None and distance_m(lat, lon, la, lo) <= radius]
        if not inside:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_set_query(ix.SCHEMA, "key", inside)


def _time_range(since: datetime | None, until: datetime | None) -> tantivy.Query:
    """Posts from `since` on and before `until` (either may be open)."""
    lo = int(since.timestamp()) * 1_000_000 if since else None
    hi = int(until.timestamp()) * 1_000_000 if until else None
    if lo is not None and hi is not None and hi <= lo:
        return tantivy.Query.empty_query()
    kw = {"lower_bound": lo} if lo is not None else {}
    if hi is not None:
        kw.update(upper_bound=hi, include_upper=False)
    return _zero(tantivy.Query.range_query(ix.SCHEMA, "time", tantivy.FieldType.Integer, **kw))


def _box(lat1: float, lon1: float, lat2: float, lon2: float) -> tantivy.Query:
    F = tantivy.FieldType.Float
    return tantivy.Query.boolean_query([
        (tantivy.Occur.Must, tantivy.Query.range_query(ix.SCHEMA, "lat", F, lat1, lat2)),
        (tantivy.Occur.Must, tantivy.Query.range_query(ix.SCHEMA, "lon", F, lon1, lon2))])


def _circle_box(lat: float, lon: float, radius: float) -> tantivy.Query:
    """The smallest lat/lon box holding the circle (two across the antimeridian)."""
    dlat = math.degrees(radius / EARTH_M)
    lat1, lat2 = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    if lat1 <= -90 or lat2 >= 90:
        return _box(lat1, -180.0, lat2, 180.0)
    dlon = math.degrees(math.asin(min(1.0, math.sin(radius / EARTH_M)
                                      / math.cos(math.radians(lat)))))
    lon1, lon2 = lon - dlon, lon + dlon
    if lon1 < -180:
        return _any([_box(lat1, lon1 + 360, lat2, 180.0), _box(lat1, -180.0, lat2, lon2)])
    if lon2 > 180:
        return _any([_box(lat1, lon1, lat2, 180.0), _box(lat1, -180.0, lat2, lon2 - 360)])
    return _box(lat1, lon1, lat2, lon2)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius), in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))


def compile_query(q: str, searcher: tantivy.Searcher | None = None) -> Compiled:
    """Parse and compile; `searcher` resolves near: exactly (without it, near: is its box)."""
    node = parse(q)
    c = _Compiler(q, searcher)
    query = c.compile(node)
    if query is None:
        raise QueryError("nothing to search for: the query has no letters, digits or emoji "
                         "to match", q, 0)
    return Compiled(query, c.scored, c.highlight)

