"""Watchlists: an investigator's terms, phrases, regexes, selectors and accounts for a theme,
matched against every post that arrives, each hit raised as an alert.

A watchlist lives in the case's DuckDB (`watchlists`, `watchlist_rules`); each post matched by a
rule is recorded once in `watchlist_hits` and announced once in `alerts` (kind "watchlist"). Rule
kinds and what they match (docs/watchlists.md has the long form):

- ``term`` and ``phrase``: words, matched whole in the post text after folding both sides the way
  the search index does (socmint.search.index `fold_key`: compatibility decomposition, accents
  and Arabic harakat dropped, lower-cased, ASCII-folded), character by character so every match
  maps back to the text as written. Punctuation, spaces and controls separate words (a run of
  them is one separator, so the phrase "ice cream" meets "ice,\\n cream"); zero-width and other
  format characters are dropped (so "xa\\u200bnax" is "xanax"). A word boundary is required
  where the pattern begins or ends with a letter or digit; characters of scripts written without
  spaces (Han, kana, Hangul, Thai, ...) and symbols (emoji) need none, so "冰毒" is found inside
  a Chinese sentence and "💊" next to anything. A term is a phrase of one word. Within one
  watchlist the longest match wins: "ice" inside a hit of "ice cream" is not a hit of its own.
- ``regex``: Python `re`, case-insensitive, over the text as written. See `check_regex` for the
  guards against patterns that take exponential time.
- ``selector``: ``kind:value`` (email:x@y.org, phone:+4930..., btc:..., domain:example.org,
  hashtag:#tag, mention:@name, ...), normalised as the selector enricher normalises (a phone
  written locally needs the case's region), matched against the post's `entities` rows.
- ``account``: a handle (``@alice``, ``alice@server``) or an account uid: every post by it.
- ``lexicon``: a file of terms, phrases and regexes for a theme (socmint/lexicons holds examples),
  whose entries become rules tagged with the lexicon's name and their category.

The ingest hook `scan_run(con, run)` matches what one run observed; `hunt` matches every post of
the case (a retro-hunt). Either way a (post, rule) pair is alerted once, ever: re-running a hunt or
re-importing a file raises nothing new. Library code: nothing here prints or imports a view.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import signal
import threading
import time
import tomllib
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from importlib import resources
from itertools import accumulate
from pathlib import Path

import ahocorasick
import orjson
import phonenumbers
import pyarrow as pa

from socmint import alerts, audit, store
from socmint.case import Case, operator
from socmint.enrich import selectors
from socmint.errors import SocmintError
from socmint.search.index import fold_key, unsegmented

KINDS = ("term", "phrase", "regex", "selector", "account")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
MAX_WORDS_CHARS = 200  # a term or phrase, as written
MAX_REGEX_CHARS = 300
REGEX_TIMEOUT = 0.2  # seconds one regex may spend on one text (main thread only, see _Clock)
REGEX_STRIKES = 5  # timeouts after which a regex is suspended for the rest of a scan
MAX_REGEX_TEXT = 100_000  # a regex sees at most this many characters of a text
MAX_CANDIDATES = 10_000  # automaton matches examined per text: bounds a hostile text's cost
EXCERPT_WIDTH = 60  # characters of context on each side of a match
MAX_SURFACE = 200  # characters of the match itself shown in an excerpt
BATCH_ROWS = 20_000  # posts read from DuckDB at once

DDL = """
CREATE SEQUENCE IF NOT EXISTS watchlist_rule_ids;
CREATE TABLE IF NOT EXISTS watchlists (
  name VARCHAR PRIMARY KEY, description VARCHAR, source VARCHAR, created_at TIMESTAMPTZ,
  created_by VARCHAR, updated_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS watchlist_rules (
  id BIGINT PRIMARY KEY DEFAULT nextval('watchlist_rule_ids'), watchlist VARCHAR, kind VARCHAR,
  pattern VARCHAR, value VARCHAR, "key" VARCHAR, lexicon VARCHAR, category VARCHAR,
  note VARCHAR, added_at TIMESTAMPTZ, added_by VARCHAR);
CREATE TABLE IF NOT EXISTS watchlist_hits (
  watchlist VARCHAR, rule_key VARCHAR, uid VARCHAR, rule_id BIGINT, run VARCHAR,
  found_at TIMESTAMPTZ);
"""
_RULE_COLUMNS = ("id", "watchlist", "kind", "pattern", "value", "key", "lexicon", "category",
                 "note")


def ensure_tables(con) -> None:
    con.execute(DDL)
    alerts.ensure_table(con)


# ------------------------------------------------------------------------------ folding

_SPACES = re.compile(" {2,}")


def _fold_char(ch: str) -> str:
    """One character as the matcher sees it: a separator is one space, a format character
    (zero-width space, soft hyphen, bidi control, joiner) nothing, anything else folded the way
    the search index folds a keyword (which drops accents and Arabic harakat)."""
    if ch.isascii():
        return " " if _separator(ch) else ch.lower()
    if _separator(ch):
        return " "
    if unicodedata.category(ch) == "Cf":
        return ""
    try:
        folded = fold_key(ch)
    except Exception:  # noqa: BLE001  (a character the analyzer refuses is kept as it is)
        folded = ch.lower()
    out = "".join(" " if _separator(c) else c for c in folded
                  if unicodedata.category(c) != "Cf")
    return out


def _separator(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "PZ" or cat in ("Cc", "Cs")


class _FoldTable(dict):
    """str.translate's table, filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """The text as matched: folded character by character, every run of separators one space."""
    return _SPACES.sub(" ", text.translate(_FOLD))


class _LengthTable(dict):
    """str.translate's table giving each character's folded length, as a character."""

    def __missing__(self, code: int) -> str:
        n = self[code] = chr(len(_FOLD[code]))
        return n


_LENGTH = _LengthTable()


class Folded:
    """A text folded (`folded` == fold(text)), with the way back: `origin(i)` is the index of
    the character of `text` that folded character i came from. The way back is worked out on
    first use, in C-speed steps (translate, regex, accumulate, bisect), not per character."""

    __slots__ = ("text", "_t", "folded", "_keep", "_removed", "_ends")

    def __init__(self, text: str):
        self.text = text
        self._t = text.translate(_FOLD)
        self.folded = _SPACES.sub(" ", self._t)
        self._keep: list[int] | None = None

    def _prepare(self) -> None:
        # collapsed runs of spaces: folded index of each run's kept space, and the characters
        # removed up to and including that run
        keep, removed, total = [], [], 0
        for m in _SPACES.finditer(self._t):
            keep.append(m.start() - total)
            total += m.end() - m.start() - 1
            removed.append(total)
        self._keep, self._removed = keep, removed
        # where each character's fold ends in the translated text, unless all are one long
        text = self.text
        lengths = "" if text.isascii() else text.translate(_LENGTH)
        self._ends = (None if not lengths or lengths.count("\x01") == len(text)
                      else list(accumulate(map(ord, lengths))))

    def origin(self, i: int) -> int:
        if self._keep is None:
            self._prepare()
        j = bisect_left(self._keep, i) - 1
        t = i + (self._removed[j] if j >= 0 else 0)
        return t if self._ends is None else bisect_right(self._ends, t)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The characters of `text` that folded [start, end) came from, with any that fold to
        nothing (marks, zero-width characters) up to the next one."""
        after = self.origin(end) if end < len(self.folded) else len(self.text)
        return self.origin(start), max(after, self.origin(end - 1) + 1)


def fold_mapped(text: str) -> tuple[str, list[int]]:
    """`fold(text)`, and for each of its characters the index of the character of `text` it
    came from (several folded characters may come from one: "ß" -> "ss"), character by
    character: the plain reference for `Folded`."""
    out: list[str] = []
    origin: list[int] = []
    space = False
    for i, ch in enumerate(text):
        for c in _FOLD[ord(ch)]:
            if c == " ":
                if space:
                    continue
                space = True
            else:
                space = False
            out.append(c)
            origin.append(i)
    return "".join(out), origin


_WORD: dict[str, bool] = {}


def _is_word(ch: str) -> bool:
    """A letter, digit or mark of a script that separates words with spaces."""
    w = _WORD.get(ch)
    if w is None:
        w = _WORD[ch] = ((ch.isalnum() or unicodedata.category(ch)[0] == "M")
                         and not unsegmented(ch))
    return w


# ------------------------------------------------------------------------------ excerpts

_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064"
                        "\u2066-\u206f\ufeff\ufff9-\ufffb]+")
_BREAKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SURROGATES = re.compile("[\ud800-\udfff]")


def one_line(s: str) -> str:
    """Plain text on one line: controls and line breaks become one space, invisible and
    direction-changing characters go, broken surrogates become U+FFFD."""
    return _BREAKS.sub(" ", _INVISIBLE.sub("", _SURROGATES.sub("\ufffd", s)))


def excerpt(text: str, start: int, end: int, width: int = EXCERPT_WIDTH) -> str:
    """The match with `width` characters on each side, on one line; "…" where text was cut."""
    a, b = max(0, start - width), min(len(text), end + width)
    surface = one_line(text[start:end]).strip()
    if len(surface) > MAX_SURFACE:
        surface = surface[:MAX_SURFACE] + "…"
    before = one_line(text[a:start]).lstrip()
    after = one_line(text[end:b]).rstrip()
    return ("…" if a > 0 else "") + before + surface + after + ("…" if b < len(text) else "")


# ------------------------------------------------------------------------------ rules

@dataclass(frozen=True)
class Rule:
    """One rule: what the analyst wrote (`pattern`), what is matched (`value`: the folded words,
    the regex, "kind:normalised selector", "uid:..."/"handle:..."/"local:..." for an account),
    and its identity in its watchlist (`key`: the same rule added twice is one rule)."""

    kind: str
    pattern: str
    value: str
    key: str
    lexicon: str | None = None
    category: str | None = None
    note: str | None = None
    id: int | None = None
    watchlist: str | None = None

    def label(self) -> str:
        """`term "xanax" (lexicon drug-slang, category benzodiazepines)`."""
        tags = ", ".join(t for t in (self.lexicon and f"lexicon {self.lexicon}",
                                     self.category and f"category {self.category}") if t)
        return f"{self.short()}" + (f" ({tags})" if tags else "")

    def short(self) -> str:
        p = one_line(self.pattern)
        if self.kind == "regex":
            return f"regex /{p}/"
        if self.kind in ("selector", "account"):
            return f"{self.kind} {p}"
        return f'{self.kind} "{p}"'


def make_rule(kind: str, pattern: str, *, region: str | None = None, lexicon: str | None = None,
              category: str | None = None, note: str | None = None) -> Rule:
    """A rule checked and normalised; a bad one is a SocmintError saying what is wrong."""
    if kind not in KINDS:
        raise SocmintError(f"a rule is one of {', '.join(KINDS)}; not {kind!r}")
    if not isinstance(pattern, str) or not pattern.strip():
        raise SocmintError(f"an empty {kind}")
    pattern = pattern.strip()
    if kind in ("term", "phrase"):
        if len(pattern) > MAX_WORDS_CHARS:
            raise SocmintError(f"{kind} longer than {MAX_WORDS_CHARS} characters: "
                               f"{pattern[:40]!r}...")
        value = fold(pattern).strip()
        if not value:
            raise SocmintError(f"{kind} {pattern!r} has no letter, digit or symbol to match "
                               "(punctuation separates words): write it as a regex")
        key = "words:" + value
    elif kind == "regex":
        check_regex(pattern)
        value, key = pattern, "regex:" + pattern
    elif kind == "selector":
        value = normalize_selector(pattern, region)
        key = "selector:" + value
    else:
        value = normalize_account(pattern)
        key = "account:" + value
    return Rule(kind, pattern, value, key, _tag(lexicon), _tag(category), _tag(note))


def _tag(v) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise SocmintError(f"expected text, got {type(v).__name__}: {v!r}")
    return v.strip() or None


# --- regex

try:  # the parser of `re`, for the nested-repetition check (private, present in 3.11)
    from re import _constants as _sre_c
    from re import _parser as _sre_p
except ImportError:  # pragma: no cover
    _sre_p = _sre_c = None


def check_regex(pattern: str) -> re.Pattern:
    """Compile a watchlist regex, or say clearly why not. Refused: longer than MAX_REGEX_CHARS,
    invalid, matching the empty text (every post would match), or repeating something that
    itself repeats ((a+)+, (\\w+\\s?)*: exponential time on a near miss; an atomic group
    (?>...) or possessive quantifier a++ inside makes it safe)."""
    if len(pattern) > MAX_REGEX_CHARS:
        raise SocmintError(f"regex longer than {MAX_REGEX_CHARS} characters")
    try:
        rx = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise SocmintError(f"invalid regex /{pattern}/: {exc}") from None
    parsed = _sre_p.parse(pattern, re.IGNORECASE) if _sre_p is not None else None
    if rx.search("") is not None or (parsed is not None and parsed.getwidth()[0] == 0):
        raise SocmintError(f"regex /{pattern}/ can match empty text, so it would match every "
                           "post")
    if parsed is not None and _nested_repeat(parsed, False):
        raise SocmintError(f"regex /{pattern}/ repeats a part that itself repeats, which can "
                           "take exponential time on hostile text; rewrite it, or make the inner "
                           "part atomic: (?>a+)+ or a++")
    return rx


def _nested_repeat(parsed, inside: bool) -> bool:
    """A variable repetition (a+, a{1,3}) inside a long or unbounded one ((...)+, (...){2,50}):
    the shape whose backtracking grows exponentially. (\\d{1,3}\\.){3} is fine."""
    c = _sre_c
    for op, av in parsed:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, hi, sub = av
            if inside and lo != hi:
                return True
            if _nested_repeat(sub, inside or hi > 16):
                return True
        elif op in (c.POSSESSIVE_REPEAT, c.ATOMIC_GROUP):
            continue  # no backtracking into it
        elif op == c.SUBPATTERN:
            if _nested_repeat(av[3], inside):
                return True
        elif op == c.BRANCH:
            if any(_nested_repeat(b, inside) for b in av[1]):
                return True
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if _nested_repeat(av[1], inside):
                return True
        elif op == c.GROUPREF_EXISTS:
            if any(b is not None and _nested_repeat(b, inside) for b in av[1:]):
                return True
    return False


class _RegexTimeout(Exception):
    pass


class _Clock:
    """A per-text time limit for regexes. CPython's `re` engine checks for signals while it
    matches, so a SIGALRM interval timer (ticking every 50 ms while armed) can stop a match
    that has run longer than REGEX_TIMEOUT. Signals are handled on the main thread only: called
    from another thread the clock stays unarmed, and only the static checks, the text-length
    cap and the suspension of a rule after REGEX_STRIKES slow texts protect the scan."""

    TICK = 0.05

    def __init__(self, wanted: bool = True) -> None:
        self.since: float | None = None
        self.armed = False
        self.wanted = wanted  # a matcher without regexes needs no clock
        self._old = None

    def __enter__(self):
        if (self.wanted and hasattr(signal, "setitimer")
                and threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)):
            self._old = signal.signal(signal.SIGALRM, self._tick)
            signal.siginterrupt(signal.SIGALRM, False)  # system calls resume after a tick
            signal.setitimer(signal.ITIMER_REAL, self.TICK, self.TICK)
            self.armed = True
        return self

    def __exit__(self, *exc) -> None:
        self.since = None
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old or signal.SIG_DFL)
            self.armed = False

    def _tick(self, signum, frame) -> None:
        since = self.since
        if since is not None and time.monotonic() - since > REGEX_TIMEOUT:
            self.since = None
            raise _RegexTimeout


# --- selectors and accounts

ENTITY_KINDS = ("hashtag", "mention")  # entity kinds the mappers fill, besides selector kinds
_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def normalize_selector(spec: str, region: str | None = None) -> str:
    """"kind:value" -> "kind:normalised", normalised the way the enricher stores it, lower-case
    (entities are compared lower-case)."""
    kind, sep, value = spec.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if not sep or not _KIND_RE.match(kind) or not value:
        raise SocmintError(f"a selector is KIND:VALUE, such as email:someone@example.org or "
                           f"phone:+49301234567; not {spec!r}")
    if kind == "phone":
        norm = _phone(value, region)
    elif kind in ("ipv4", "ipv6"):
        try:
            norm = ipaddress.ip_address(value.strip("[]")).compressed
        except ValueError:
            raise SocmintError(f"not an IP address: {value!r}") from None
    elif kind == "domain":
        norm = value.lower().strip(".")
        norm = norm[4:] if norm.startswith("www.") else norm
    elif kind == "url":
        from socmint.sources.common import normalize_url

        norm = normalize_url(value)
    elif kind == "hashtag":
        norm = value.lstrip("#")
    elif kind == "mention":
        norm = value.lstrip("@")
    elif kind in selectors.KINDS:
        found = [s for s in selectors.extract(value, region)
                 if s.kind == kind and s.start == 0 and s.end == len(value)]
        if not found:
            raise SocmintError(f"not a valid {kind}: {value!r}")
        norm = found[0].normalized
    else:
        norm = value
    if not norm:
        raise SocmintError(f"an empty {kind} selector")
    return f"{kind}:{norm.lower()}"


def _phone(value: str, region: str | None) -> str:
    found = [s for s in selectors.extract(value, region) if s.kind == "phone"]
    if found:
        return found[0].normalized
    try:
        n = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        n = None
    if n is None or not phonenumbers.is_valid_number(n):
        hint = "" if region else " (a number without +country code needs the case's region: " \
                                 "socmint case set region DE)"
        raise SocmintError(f"not a valid phone number: {value!r}{hint}")
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)


_UID_RE = re.compile(r"^[a-z][a-z0-9_]*:\S+$")


def normalize_account(spec: str) -> str:
    """"uid:<account uid>" for an account uid (twitter:12, mastodon:alice@server), else
    "handle:alice@server" (a handle with its server) or "local:alice" (a handle on any server
    of any platform), lower-case, without the leading @."""
    s = spec.strip()
    if _UID_RE.match(s) and not s.startswith("@"):
        return "uid:" + s
    h = s.lstrip("@").lower()
    if not h or any(c.isspace() for c in h):
        raise SocmintError(f"an account is a handle (@alice, alice@server) or an account uid "
                           f"(platform:id); not {spec!r}")
    return ("handle:" if "@" in h else "local:") + h


# ------------------------------------------------------------------------------ files

ENTRY_KEYS = ("term", "phrase", "regex", "selector", "account", "lexicon")
ENTRY_TAGS = ("category", "note")
FILE_KEYS = ("name", "description", "source", "license", "language", "updated", "entry")


@dataclass
class WatchlistFile:
    """A watchlist or lexicon file read and checked: its rules carry their tags."""

    name: str
    description: str | None
    source: str | None
    rules: list[Rule]
    path: str
    sha256: str


def shipped_lexicons() -> list[str]:
    """Names of the example lexicons that ship with socmint."""
    return sorted(p.name[:-5] for p in resources.files("socmint.lexicons").iterdir()
                  if p.name.endswith(".toml"))


def lexicon_path(name_or_path: str | Path) -> Path:
    """A shipped lexicon by name (drug-slang), or a file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise SocmintError(f"no lexicon file {p}")
        return p
    if NAME_RE.match(str(name_or_path)):
        shipped = resources.files("socmint.lexicons") / f"{name_or_path}.toml"
        if shipped.is_file():
            return Path(str(shipped))
    raise SocmintError(f"no lexicon {str(name_or_path)!r}: a file, or one of "
                       f"{', '.join(shipped_lexicons())}")


def load_lexicon(name_or_path: str | Path, region: str | None = None) -> WatchlistFile:
    """A lexicon's rules, tagged with its name (a lexicon may not include another)."""
    return read_file(lexicon_path(name_or_path), region, lexicon=True)


def read_file(path: str | Path, region: str | None = None, *, lexicon: bool = False
              ) -> WatchlistFile:
    """Read a watchlist (or lexicon) file: TOML with `name`, `description`, `source` and
    `[[entry]]` tables, each with one of term, phrase, regex, selector, account, lexicon (a
    lexicon file: term, phrase, regex, selector, account) and optional category and note.
    Every problem names the file and the entry (and its line when the entry is a table)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SocmintError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SocmintError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SocmintError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(doc) - set(FILE_KEYS))
    if unknown:
        raise SocmintError(f"{path}: unknown key {', '.join(unknown)} (a file has "
                           f"{', '.join(FILE_KEYS)})")
    name = doc.get("name", path.stem)
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise SocmintError(f"{path}: name {name!r}: letters, digits, '.', '_' or '-', at most "
                           "80 characters")
    entries = doc.get("entry", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SocmintError(f"{path}: `entry` is a list of tables ([[entry]])")
    lines = _entry_lines(raw.decode("utf-8"))
    rules: list[Rule] = []
    for n, entry in enumerate(entries, start=1):
        where = f"{path}: entry {n}" + (f" (line {lines[n - 1]})" if len(lines) == len(entries)
                                       else "")
        rules += _entry_rules(entry, where, region, name if lexicon else None, lexicon)
    return WatchlistFile(name, _text(doc, "description", path), _text(doc, "source", path),
                         _unique(rules), str(path), hashlib.sha256(raw).hexdigest())


def _text(doc: dict, key: str, path) -> str | None:
    v = doc.get(key)
    if v is not None and not isinstance(v, str):
        raise SocmintError(f"{path}: {key} is text, not {type(v).__name__}")
    return v


_ENTRY_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*entry[ \t]*\]\]", re.M)


def _entry_lines(text: str) -> list[int]:
    return [text.count("\n", 0, m.start()) + 1 for m in _ENTRY_HEADER.finditer(text)]


def _entry_rules(entry: dict, where: str | None, region: str | None, lexicon_name: str | None,
                 in_lexicon: bool) -> list[Rule]:
    """The rules of one entry; a problem is prefixed with `where` (file, entry, line)."""
    try:
        return _entry_rules_of(entry, region, lexicon_name, in_lexicon)
    except SocmintError as exc:
        raise SocmintError(f"{where}: {exc}" if where else str(exc)) from None


def _entry_rules_of(entry: dict, region: str | None, lexicon_name: str | None,
                    in_lexicon: bool) -> list[Rule]:
    unknown = sorted(set(entry) - set(ENTRY_KEYS) - set(ENTRY_TAGS))
    if unknown:
        raise SocmintError(f"unknown key {', '.join(unknown)} (an entry has one of "
                           f"{', '.join(ENTRY_KEYS)}, and optionally category, note)")
    kinds = [k for k in ENTRY_KEYS if k in entry]
    if len(kinds) != 1:
        raise SocmintError(f"needs exactly one of {', '.join(ENTRY_KEYS)}"
                           + (f", not {' and '.join(kinds)}" if kinds else ""))
    kind = kinds[0]
    value = entry[kind]
    if not isinstance(value, str):
        raise SocmintError(f"{kind} is text, not {type(value).__name__}")
    category, note = _tag(entry.get("category")), _tag(entry.get("note"))
    if kind == "lexicon":
        if in_lexicon:
            raise SocmintError("a lexicon cannot include another lexicon")
        lex = load_lexicon(value, region)
        return [replace(r, category=category or r.category, note=note or r.note)
                for r in lex.rules]
    return [make_rule(kind, value, region=region, lexicon=lexicon_name, category=category,
                      note=note)]


def _unique(rules: list[Rule]) -> list[Rule]:
    """One rule per key: a later entry's tags win."""
    return list({r.key: r for r in rules}.values())


def rules_from_entries(entries: Iterable[dict], region: str | None = None) -> list[Rule]:
    """Rules from entries shaped like a file's ({"term": "x", "category": "y"}, ...)."""
    rules: list[Rule] = []
    for entry in entries:
        rules += _entry_rules(entry, None, region, None, False)
    return _unique(rules)


# ------------------------------------------------------------------------------ the matcher

@dataclass(frozen=True)
class Hit:
    rule: Rule
    start: int  # in the text as written
    end: int


@dataclass
class _Pattern:
    words: str
    rules: list[Rule]
    check_start: bool
    check_end: bool


class Matcher:
    """The text rules of some watchlists, compiled: one Aho-Corasick automaton over the folded
    words of every term and phrase, and the regexes. `match(text)` gives at most one hit per
    rule (its first, after the longest-match rule), with offsets in the text as written."""

    def __init__(self, rules: Iterable[Rule]):
        by_words: dict[str, _Pattern] = {}
        self.problems: list[str] = []
        self.regexes: list[tuple[Rule, re.Pattern]] = []
        for r in rules:
            if r.kind in ("term", "phrase"):
                words = fold(r.pattern).strip()
                if words:
                    p = by_words.setdefault(words, _Pattern(words, [], _is_word(words[0]),
                                                            _is_word(words[-1])))
                    p.rules.append(r)
            elif r.kind == "regex":
                try:
                    self.regexes.append((r, re.compile(r.value, re.IGNORECASE)))
                except re.error as exc:  # stored by a version whose `re` accepted it
                    self.problems.append(f"{r.short()} of watchlist {r.watchlist} no longer "
                                         f"compiles ({exc}); skipped")
        self.patterns = list(by_words.values())
        self.automaton = None
        if self.patterns:
            self.automaton = ahocorasick.Automaton()
            for i, p in enumerate(self.patterns):
                self.automaton.add_word(p.words, i)
            self.automaton.make_automaton()
        self.clock = _Clock(bool(self.regexes))
        self.strikes: dict[int, int] = {}  # regex index -> texts it ran out of time on

    def __bool__(self) -> bool:
        return bool(self.patterns or self.regexes)

    def match(self, text: str | None) -> list[Hit]:
        if not text:
            return []
        hits = self._words(text) if self.automaton is not None else []
        for i, (rule, rx) in enumerate(self.regexes):
            span = self._regex(i, rule, rx, text)
            if span is not None:
                hits.append(Hit(rule, *span))
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits

    def _words(self, text: str) -> list[Hit]:
        f = Folded(text)
        folded = f.folded
        n = len(folded)
        found: list[tuple[int, int, _Pattern]] = []
        for examined, (last, i) in enumerate(self.automaton.iter(folded)):
            if examined >= MAX_CANDIDATES:
                break
            p = self.patterns[i]
            start, end = last - len(p.words) + 1, last + 1
            if p.check_start and start > 0 and _is_word(folded[start - 1]):
                continue
            if p.check_end and end < n and _is_word(folded[end]):
                continue
            found.append((start, end, p))
        if not found:
            return []
        # per watchlist, a match inside a longer match is no match of its own; then the first
        # match of each rule
        spans: dict[str | None, list[tuple[int, int, Rule]]] = {}
        for start, end, p in found:
            for r in p.rules:
                spans.setdefault(r.watchlist, []).append((start, end, r))
        first: dict[str, tuple[int, int, Rule]] = {}
        for items in spans.values():
            items.sort(key=lambda t: (t[0], -t[1]))
            reach = -1
            for start, end, r in items:
                if end <= reach:
                    continue
                reach = end
                first.setdefault((r.watchlist, r.key), (start, end, r))
        return [Hit(r, *f.span(start, end)) for start, end, r in first.values()]

    def _regex(self, i: int, rule: Rule, rx: re.Pattern, text: str) -> tuple[int, int] | None:
        if self.strikes.get(i, 0) >= REGEX_STRIKES:
            return None
        clock = self.clock
        try:
            clock.since = time.monotonic() if clock.armed else None
            m = rx.search(text, 0, MAX_REGEX_TEXT)
            clock.since = None
        except _RegexTimeout:
            clock.since = None
            self.strikes[i] = self.strikes.get(i, 0) + 1
            self.problems.append(f"{rule.short()} of watchlist {rule.watchlist} took longer than "
                                 f"{REGEX_TIMEOUT} s on one text, which was skipped"
                                 + ("; the rule is suspended for the rest of this scan"
                                    if self.strikes[i] >= REGEX_STRIKES else ""))
            return None
        return (m.start(), m.end()) if m is not None else None


# ------------------------------------------------------------------------------ the case side

def _now() -> datetime:
    return datetime.now(timezone.utc)


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise SocmintError(f"watchlist name {name!r}: letters, digits, '.', '_' or '-', at most "
                           "80 characters")
    return name


def _exists(con, name: str) -> bool:
    return bool(store.scalar(con, "SELECT count(*) FROM watchlists WHERE name = ?", [name]))


def _store_rules(con, name: str, rules: list[Rule], replace_all: bool) -> dict:
    """Add rules to a watchlist (by key: a rule it has is updated if its tags changed); with
    `replace_all`, the rules not given are removed. One transaction."""
    have = {row[5]: dict(zip(_RULE_COLUMNS, row, strict=True)) for row in con.execute(
        f"SELECT {', '.join(_q(c) for c in _RULE_COLUMNS)} FROM watchlist_rules "
        "WHERE watchlist = ?", [name]).fetchall()}
    new, changed = [], []
    for r in rules:
        old = have.get(r.key)
        if old is None:
            new.append(r)
        elif (old["kind"], old["pattern"], old["lexicon"], old["category"], old["note"]) != (
                r.kind, r.pattern, r.lexicon, r.category, r.note):
            changed.append((old["id"], r))
    keep = {r.key for r in rules}
    gone = [v["id"] for k, v in have.items() if k not in keep] if replace_all else []
    now, who = _now(), operator()
    if new:
        con.register("_wl_rules", pa.table({
            "watchlist": [name] * len(new), "kind": [r.kind for r in new],
            "pattern": [r.pattern for r in new], "value": [r.value for r in new],
            "key": [r.key for r in new], "lexicon": [r.lexicon for r in new],
            "category": [r.category for r in new], "note": [r.note for r in new]},
            schema=pa.schema([(c, pa.string()) for c in ("watchlist", "kind", "pattern", "value",
                                                         "key", "lexicon", "category",
                                                         "note")])))
        con.execute("INSERT INTO watchlist_rules (watchlist, kind, pattern, value, \"key\", "
                    "lexicon, category, note, added_at, added_by) SELECT watchlist, kind, "
                    "pattern, value, \"key\", lexicon, category, note, ?, ? FROM _wl_rules",
                    [now, who])
        con.unregister("_wl_rules")
    for rule_id, r in changed:
        con.execute("UPDATE watchlist_rules SET kind = ?, pattern = ?, lexicon = ?, "
                    "category = ?, note = ? WHERE id = ?",
                    [r.kind, r.pattern, r.lexicon, r.category, r.note, rule_id])
    if gone:
        con.execute("DELETE FROM watchlist_rules WHERE list_contains(?, id)", [gone])
    return {"added": len(new), "updated": len(changed), "removed": len(gone),
            "unchanged": len(rules) - len(new) - len(changed)}


def _q(c: str) -> str:
    return f'"{c}"'


def _upsert_watchlist(con, name: str, description: str | None, source: str | None) -> bool:
    now = _now()
    if _exists(con, name):
        con.execute("UPDATE watchlists SET description = coalesce(?, description), "
                    "source = coalesce(?, source), updated_at = ? WHERE name = ?",
                    [description, source, now, name])
        return False
    con.execute("INSERT INTO watchlists VALUES (?, ?, ?, ?, ?, ?)",
                [name, description, source, now, operator(), now])
    return True


def _write(case: Case, fn: Callable):
    with case.writing():
        con = store.connect(case)
        try:
            ensure_tables(con)
            con.execute("BEGIN")
            try:
                result = fn(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            con.close()
        return result


def _labels(rules: list[Rule], limit: int = 50) -> list[str]:
    return [r.label() for r in rules[:limit]] + (
        [f"... and {len(rules) - limit} more"] if len(rules) > limit else [])


def add(case: Case, name: str, entries: Iterable[dict], *, description: str | None = None
        ) -> dict:
    """Add rules to a watchlist, creating it if needed. `entries` are shaped like a file's:
    {"term": "xanax"}, {"selector": "email:x@y.org", "category": "contact"}, {"lexicon":
    "drug-slang"}... Audited ("watchlist.add")."""
    _check_name(name)
    rules = rules_from_entries(entries, case.settings.region)
    if not rules and description is None:
        raise SocmintError("nothing to add: give a rule (--term, --phrase, --regex, --selector, "
                           "--account, --lexicon) or a --description")

    def go(con):
        created = _upsert_watchlist(con, name, description, None)
        return {"watchlist": name, "created": created, **_store_rules(con, name, rules, False)}

    result = _write(case, go)
    audit.record(case, "watchlist.add", {"watchlist": name, "rules": _labels(rules),
                                         "description": description},
                 {k: result[k] for k in ("added", "updated", "unchanged")})
    return result


def import_file(case: Case, path: str | Path, name: str | None = None) -> dict:
    """Create or update a watchlist from a file (its `name`, or `name` given): afterwards the
    watchlist holds exactly the file's rules (rules it had and the file keeps keep their ids and
    their hits). Audited ("watchlist.import", with the file's SHA-256)."""
    wf = read_file(path, case.settings.region)
    name = _check_name(name or wf.name)

    def go(con):
        created = _upsert_watchlist(con, name, wf.description, wf.source)
        return {"watchlist": name, "created": created, **_store_rules(con, name, wf.rules, True)}

    result = _write(case, go)
    audit.record(case, "watchlist.import", {"watchlist": name, "path": str(Path(path).resolve()),
                                            "sha256": wf.sha256, "rules": len(wf.rules)},
                 {k: result[k] for k in ("added", "updated", "removed", "unchanged")})
    return result


def remove(case: Case, name: str, rule_ids: Iterable[int] | None = None) -> dict:
    """Remove a watchlist, or only some of its rules. Alerts already raised stay, and so does
    the record of which posts were alerted (a rule added again does not alert them twice).
    Audited ("watchlist.remove")."""
    ids = sorted({int(i) for i in rule_ids or ()})

    def go(con):
        if not _exists(con, name):
            raise SocmintError(f"no watchlist {name!r} (see `socmint watchlist list`)")
        if ids:
            found = [r[0] for r in con.execute(
                "SELECT id FROM watchlist_rules WHERE watchlist = ? AND list_contains(?, id)",
                [name, ids]).fetchall()]
            missing = sorted(set(ids) - set(found))
            if missing:
                raise SocmintError(f"watchlist {name} has no rule {', '.join(map(str, missing))} "
                                   f"(see `socmint watchlist show {name}`)")
            labels = [_rule(r).label() for r in con.execute(
                f"SELECT {', '.join(_q(c) for c in _RULE_COLUMNS)} FROM watchlist_rules "
                "WHERE list_contains(?, id) ORDER BY id", [ids]).fetchall()]
            con.execute("DELETE FROM watchlist_rules WHERE list_contains(?, id)", [ids])
            con.execute("UPDATE watchlists SET updated_at = ? WHERE name = ?", [_now(), name])
            return {"watchlist": name, "removed_rules": labels, "removed_watchlist": False}
        n = store.scalar(con, "SELECT count(*) FROM watchlist_rules WHERE watchlist = ?", [name])
        con.execute("DELETE FROM watchlist_rules WHERE watchlist = ?", [name])
        con.execute("DELETE FROM watchlists WHERE name = ?", [name])
        return {"watchlist": name, "removed_rules": n, "removed_watchlist": True}

    result = _write(case, go)
    audit.record(case, "watchlist.remove", {"watchlist": name, "rules": ids or "all"},
                 {"rules": len(result["removed_rules"]) if ids else result["removed_rules"]})
    return result


def _rule(row) -> Rule:
    d = dict(zip(_RULE_COLUMNS, row, strict=True))
    return Rule(d["kind"], d["pattern"], d["value"], d["key"], d["lexicon"], d["category"],
                d["note"], d["id"], d["watchlist"])


def _read(case: Case, fn: Callable):
    con = store.connect(case, read_only=True)
    try:
        if not store.scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                                 "'watchlist_rules' AND schema_name = 'main'"):
            return fn(None)
        return fn(con)
    finally:
        con.close()


def watchlists(case: Case) -> list[dict]:
    """Every watchlist with its rule counts per kind and how many posts it has alerted on."""
    def go(con):
        if con is None:
            return []
        rows = con.execute("""
            SELECT w.name, w.description, w.source, w.created_at, w.updated_at,
                   (SELECT count(*) FROM watchlist_rules r WHERE r.watchlist = w.name),
                   (SELECT list(DISTINCT r.lexicon) FROM watchlist_rules r
                    WHERE r.watchlist = w.name AND r.lexicon IS NOT NULL),
                   (SELECT count(DISTINCT h.uid) FROM watchlist_hits h
                    WHERE h.watchlist = w.name)
            FROM watchlists w ORDER BY w.name""").fetchall()
        return [{"name": r[0], "description": r[1], "source": r[2], "created_at": r[3],
                 "updated_at": r[4], "rules": r[5], "lexicons": sorted(r[6] or []),
                 "posts_hit": r[7]}
                for r in rows]
    return _read(case, go)


def show(case: Case, name: str) -> dict:
    """One watchlist and its rules, each with how many posts it has alerted on."""
    def go(con):
        if con is None or not _exists(con, name):
            raise SocmintError(f"no watchlist {name!r} (see `socmint watchlist list`)")
        w = con.execute("SELECT name, description, source, created_at, created_by, updated_at "
                        "FROM watchlists WHERE name = ?", [name]).fetchall()[0]
        rows = con.execute(f"""
            SELECT {', '.join('r.' + _q(c) for c in _RULE_COLUMNS)},
                   (SELECT count(*) FROM watchlist_hits h
                    WHERE h.watchlist = r.watchlist AND h.rule_key = r."key")
            FROM watchlist_rules r WHERE r.watchlist = ? ORDER BY r.id""", [name]).fetchall()
        rules = []
        for row in rows:
            r = _rule(row[:-1])
            rules.append({"id": r.id, "kind": r.kind, "pattern": r.pattern, "value": r.value,
                          "lexicon": r.lexicon, "category": r.category, "note": r.note,
                          "label": r.label(), "hits": row[-1]})
        return {"name": w[0], "description": w[1], "source": w[2], "created_at": w[3],
                "created_by": w[4], "updated_at": w[5], "rules": rules}
    return _read(case, go)


# ------------------------------------------------------------------------------ scanning

@dataclass
class ScanReport:
    run: str
    watchlists: list[str] = field(default_factory=list)
    rules: int = 0
    texts: int = 0  # post texts matched (a post seen with two texts counts twice)
    hits: int = 0  # (post, rule) pairs found this time, new or not
    alerts: int = 0  # new: raised now
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"run": self.run, "watchlists": self.watchlists, "rules": self.rules,
                "texts": self.texts, "hits": self.hits, "alerts": self.alerts,
                "seconds": round(self.seconds, 3), "problems": self.problems[:20]}


def _rules(con, names: list[str] | None) -> list[Rule]:
    sql = f"SELECT {', '.join(_q(c) for c in _RULE_COLUMNS)} FROM watchlist_rules"
    if names is None:
        return [_rule(r) for r in con.execute(sql + " ORDER BY id").fetchall()]
    unknown = [n for n in names if not _exists(con, n)]
    if unknown:
        raise SocmintError(f"no watchlist {', '.join(map(repr, unknown))} "
                           "(see `socmint watchlist list`)")
    return [_rule(r) for r in con.execute(sql + " WHERE list_contains(?, watchlist) ORDER BY id",
                                          [names]).fetchall()]


def scan_run(con, run: str) -> int:
    """The ingest hook: match what `run` observed (its posts' texts, entities and authors)
    against every watchlist of the case and raise an alert per new (post, rule) hit; returns the
    alerts raised. Call it with the run's connection, inside the case's write lock, after the
    run's rows are committed and the current tables rebuilt. Costs next to nothing when the case
    has no watchlist."""
    return scan(con, run=run, observed_in=run).alerts


def scan(con, uids: Iterable[str] | None = None, watchlists: Iterable[str] | None = None,
         run: str | None = None, *, observed_in: str | None = None,
         on_progress: Callable[[int], None] | None = None) -> ScanReport:
    """Match posts against watchlists and raise an alert for each (post, rule) hit not alerted
    before (ever: a second scan of the same posts raises nothing).

    Which posts: those `observed_in` one run (its observations: every text it saw), else those
    in `uids`, else every post of the case; every text a post has had (its observations) is
    matched, since an edited-away text is evidence too, and deleted posts are matched like any
    other. Which rules: the watchlists named, else all. `run` is the run id the alerts carry
    (default `observed_in`). Memory stays bounded: texts are read in Arrow batches and each
    batch's hits are committed before the next is read."""
    t0 = time.perf_counter()
    ensure_tables(con)
    names = None if watchlists is None else list(dict.fromkeys(watchlists))
    run = run or observed_in
    if not run:
        raise SocmintError("a scan needs the run id its alerts carry")
    report = ScanReport(run, names or [])
    rules = _rules(con, names)
    report.rules = len(rules)
    if names is None:
        report.watchlists = sorted({r.watchlist for r in rules})
    if not rules:
        return report
    cur = con.cursor()  # reads stream on their own connection while `con` writes the hits
    try:
        scope = _Scope(cur, uids, observed_in)
        matcher = Matcher(rules)
        if matcher:
            _scan_texts(con, cur, scope, matcher, report, on_progress)
            report.problems += matcher.problems
        for kind, sql in (("selector", _selector_sql), ("account", _account_sql)):
            some = [r for r in rules if r.kind == kind]
            if some:
                _scan_sql(con, cur, sql(scope), some, report)
    finally:
        cur.close()
    report.seconds = time.perf_counter() - t0
    return report


class _Scope:
    """Which observations a scan reads, as SQL on the reading connection."""

    def __init__(self, cur, uids: Iterable[str] | None, run: str | None):
        if run is not None:
            cur.execute("CREATE OR REPLACE TEMP TABLE _wl_ev AS SELECT sha256 FROM evidence "
                        "WHERE run = ?", [run])
            self.posts_obs = "evidence IN (SELECT sha256 FROM _wl_ev)"
            self.entities_obs = self.posts_obs
        elif uids is not None:
            cur.register("_wl_uids", pa.table({"uid": pa.array(list(dict.fromkeys(uids)),
                                                                pa.string())}))
            self.posts_obs = "uid IN (SELECT uid FROM _wl_uids)"
            self.entities_obs = "post IN (SELECT uid FROM _wl_uids)"
        else:
            self.posts_obs = self.entities_obs = "true"


def _scan_texts(con, cur, scope: _Scope, matcher: Matcher, report: ScanReport,
                on_progress) -> None:
    # one row per distinct (post, text) among the observations in scope: a post re-observed
    # with the same text (metrics history) is matched once
    reader = cur.sql(f"""
        SELECT o.uid, o.text FROM posts_obs o
        WHERE o.rowid IN (SELECT min(rowid) FROM posts_obs
                          WHERE text IS NOT NULL AND {scope.posts_obs}
                          GROUP BY uid, hash(text))""").to_arrow_reader(BATCH_ROWS)
    for batch in reader:
        uids = batch.column(0).to_pylist()
        texts = batch.column(1).to_pylist()
        found: dict[tuple[str, str, str], tuple[Rule, str]] = {}
        with matcher.clock:  # armed while matching only, never around a DuckDB call
            for uid, text in zip(uids, texts, strict=True):
                for h in matcher.match(text):
                    k = (h.rule.watchlist, h.rule.key, uid)
                    if k not in found:
                        found[k] = (h.rule, excerpt(text, h.start, h.end))
        report.texts += len(texts)
        _commit(con, found, report)
        if on_progress:
            on_progress(len(texts))


def _rule_table(rules: list[Rule]) -> pa.Table:
    """Selector or account rules as rows to join: (i, kind, value), from their "kind:value"."""
    kinds, values = [], []
    for r in rules:
        k, _, v = r.value.partition(":")
        kinds.append(k)
        values.append(v)
    return pa.table({"i": pa.array(range(len(rules)), pa.int64()), "kind": kinds,
                     "value": values})


def _selector_sql(scope: _Scope) -> str:
    return f"""
        WITH e AS (SELECT post, kind, lower(normalized) AS norm, value FROM entities_obs
                   WHERE {scope.entities_obs} AND normalized IS NOT NULL)
        SELECT e.post, r.i, any_value(e.value), any_value(p.text)
        FROM e JOIN _wl_r r ON e.kind = r.kind
             AND (e.norm = r.value OR (r.kind = 'domain' AND e.norm LIKE '%.' || r.value))
        LEFT JOIN posts p ON p.uid = e.post
        GROUP BY e.post, r.i"""


def _account_sql(scope: _Scope) -> str:
    return f"""
        WITH s AS (SELECT uid, account_uid, text FROM posts
                   WHERE uid IN (SELECT uid FROM posts_obs WHERE {scope.posts_obs})),
        a AS (SELECT uid, lower(ltrim(handle, '@')) AS h FROM accounts WHERE handle IS NOT NULL)
        SELECT s.uid, r.i, NULL, s.text FROM s JOIN _wl_r r
          ON r.kind = 'uid' AND s.account_uid = r.value
        UNION ALL
        SELECT s.uid, r.i, NULL, s.text FROM s JOIN a ON a.uid = s.account_uid
          JOIN _wl_r r ON r.kind = 'handle' AND a.h = r.value
        UNION ALL
        SELECT s.uid, r.i, NULL, s.text FROM s JOIN a ON a.uid = s.account_uid
          JOIN _wl_r r ON r.kind = 'local' AND split_part(a.h, '@', 1) = r.value"""


def _scan_sql(con, cur, sql: str, rules: list[Rule], report: ScanReport) -> None:
    """Selector or account hits, found by joining the rules to the case's tables."""
    cur.register("_wl_r", _rule_table(rules))
    try:
        reader = cur.sql(sql).to_arrow_reader(BATCH_ROWS)
        for batch in reader:
            found = {}
            for uid, i, written, text in zip(*(batch.column(c).to_pylist() for c in range(4)),
                                             strict=True):
                r = rules[i]
                found[(r.watchlist, r.key, uid)] = (r, _where(text or "", written))
            _commit(con, found, report)
    finally:
        cur.unregister("_wl_r")


def _where(text: str, written: str | None) -> str:
    """The excerpt around a selector as written in the text, else the text's beginning."""
    if written:
        i = text.find(written)
        if i < 0:
            i = text.lower().find(written.lower())
        if i >= 0:
            return excerpt(text, i, i + len(written))
    return excerpt(text, 0, 0, 2 * EXCERPT_WIDTH)


_HIT_SCHEMA = pa.schema([("watchlist", pa.string()), ("rule_key", pa.string()),
                         ("uid", pa.string()), ("rule_id", pa.int64()), ("label", pa.string()),
                         ("short", pa.string()), ("excerpt", pa.string())])


def _commit(con, found: dict, report: ScanReport) -> None:
    """Record a batch's hits that are new, and raise their alerts, in one transaction."""
    report.hits += len(found)
    if not found:
        return
    rows = [(w, k, uid, r.id, r.label(), r.short(), ex) for (w, k, uid), (r, ex) in found.items()]
    con.register("_wl_found", pa.Table.from_pylist(
        [dict(zip(_HIT_SCHEMA.names, row, strict=True)) for row in rows], schema=_HIT_SCHEMA))
    try:
        con.execute("BEGIN")
        try:
            new = con.execute("""
                SELECT f.watchlist, f.rule_key, f.uid, f.rule_id, f.label, f.short, f.excerpt,
                       coalesce(p.created_at, p.first_seen), p.deleted_at, a.handle,
                       p.account_uid
                FROM _wl_found f
                LEFT JOIN posts p ON p.uid = f.uid
                LEFT JOIN accounts a ON a.uid = p.account_uid
                WHERE NOT EXISTS (SELECT 1 FROM watchlist_hits h WHERE h.watchlist = f.watchlist
                                  AND h.rule_key = f.rule_key AND h.uid = f.uid)
                ORDER BY f.uid, f.watchlist, f.rule_key""").fetchall()
            if new:
                con.execute("INSERT INTO watchlist_hits SELECT f.watchlist, f.rule_key, f.uid, "
                            "f.rule_id, ?, ? FROM _wl_found f WHERE NOT EXISTS (SELECT 1 FROM "
                            "watchlist_hits h WHERE h.watchlist = f.watchlist AND h.rule_key = "
                            "f.rule_key AND h.uid = f.uid)", [report.run, _now()])
                report.alerts += alerts.raise_alerts(con, [
                    {"at": at or _now(), "kind": "watchlist", "uid": uid, "run": report.run,
                     "watchlist": w, "rule": label, "excerpt": ex,
                     "summary": summary(uid, handle, account, w, short, ex, deleted is not None)}
                    for w, _k, uid, _id, label, short, ex, at, deleted, handle, account in new])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister("_wl_found")


def summary(uid: str, handle: str | None, account: str | None, watchlist: str, rule: str,
            text: str, deleted: bool = False) -> str:
    """One plain line: "post X by @h matched watchlist drugs, term 'xanax': '...'"."""
    who = (f"@{one_line(handle).lstrip('@')}" if handle else
           f"account {account}" if account else "an unknown account")
    rule = rule.replace('"', "'")
    return (f"post {uid} by {who} matched watchlist {watchlist}, {rule}: '{text}'"
            + (" (a deleted post, kept as evidence)" if deleted else ""))


def hunt(case: Case, names: Iterable[str] | None = None,
         on_progress: Callable[[int], None] | None = None) -> ScanReport:
    """A retro-hunt: match every post already in the case against the watchlists named (all by
    default), raising alerts for hits not alerted before. Recorded as a run; audited
    ("watchlist.run")."""
    from socmint.ingest import new_run_id  # the ingest hook imports this module: import late

    run = new_run_id()
    started = _now()
    names = list(names) if names else None
    with case.writing():
        con = store.connect(case)
        try:
            report = scan(con, None, names, run, on_progress=on_progress)
            con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [run, "watchlist.run", started, _now(), operator(),
                         _json({"watchlists": names}), _json(report.as_dict()), "done"])
        finally:
            con.close()
        audit.record(case, "watchlist.run", {"watchlists": names or "all", "run": run},
                     {k: v for k, v in report.as_dict().items()
                      if k in ("rules", "texts", "hits", "alerts")})
    return report


def _json(v) -> str:
    return orjson.dumps(v, default=str).decode()
