"""Identity: which accounts of a case likely belong to one person or operator, which imitate an
account to protect, and what an analyst decided about each proposed link.

    found = proposals(backend)                  # list[Proposal], strongest first, never a fact
    print(found[0].summary())                   # the pair, its score, its evidence in words
    fakes = impersonators(backend, "@CityFireDept")
    decide(case, found[0].a, found[0].b, "confirmed", "same e-mail in both bios, checked")

Normal forms (pure Python, total on any Unicode input)
------------------------------------------------------
  skeleton(s)  what a reader *sees*: NFKC, casefold, format characters (zero-width, bidi) gone,
               each non-ASCII character replaced by the Latin character it is confusable with
               (Unicode confusables, via confusable-homoglyphs): Cyrillic 'р' is 'p' here,
               although it transliterates to 'r'. ASCII is kept as it is (digits stay digits:
               their look-alikes are fold's business). For impersonation.
  fold(s)      what a person *means*: symbols and emoji dropped, anyascii transliteration
               ('Kovač' -> 'kovac', 'Жуков' -> 'zhukov'), lower-cased, leetspeak undone inside
               words (0 o, 1 i, 3 e, 4 a, 5 s, 7 t, @ a, $ s) and every character that is not a
               letter or digit dropped (so _ . - and spaces go). A digit counts as leetspeak only
               inside a word: before a letter ("m4rta", "4nna") or after a letter and before a
               separator ("m4rt4_k0vac"), so the trailing digits of "marta1987" and
               "CityFireDept1" stay digits for core() to strip. '1' is ambiguous
               (i or l): fold(s) reads it as 'i', fold(s, one="l") as 'l', and the comparisons
               try both.
  core(h)      a handle's stem: the user part of "@user@server" or "user.bsky.social" (the
               hosting suffixes in HOSTED_SUFFIXES), folded, then the affixes in AFFIXES, year-
               like numbers and trailing digit runs stripped, repeatedly ("TheRealMarta_1987"
               -> "marta"). A core shorter than MIN_CORE is not trusted for matching.

Pairwise evidence (`compare(a, b)`, a and b are `AccountView`s)
------------------------------------------------------------------
Each item has a kind, a strength in [0, 1], a sentence and the values compared:

  reference  one account's bio (or profile link) names the other: its handle, @user@server or
             profile URL. 0.75 per direction: a fan names their idol too; both ways is strong.
  selector   an e-mail, phone, wallet or website (the entities of its own posts, plus e-mails
             and URLs in its bio) both hold: 1 / (holders - 1), where holders is how many
             accounts of the case hold it (a campaign's shared contact address links nobody).
  text       texts posted by these two accounts and nobody else in the case (normalised: lower-
             case, links, @mentions and #tags out, punctuation runs one space, >= 20
             characters): min(1, n / 3). Cross-posting one's own words is what people do.
  avatar     the same perceptual hash of the avatar: 1. Needs a `phash` for the avatar in the
             media table; today none exists, so this item never appears (the view carries
             `avatar=None`).
  handle     cores equal: 1 (0.5 when the core is shorter than MIN_CORE); one core inside the
             other: 0.5; edit distance 1: 0.45, 2: 0.25 (cores of 6+ characters).
  name       display names (or the handle, where a platform has no display name) folded equal,
             of 2+ tokens: 1; equal single token: 0.4; else the shared tokens of 3+ letters over
             the larger token set (Jaccard-like), when at least two are shared; or a near-equal
             fold (ratio r >= 0.8): 0.6 * (r - 0.8) / 0.2.
  style      cosine of character 3-gram counts of their own posts (reposts excluded, at most
             STYLE_SAMPLE recent posts each, links and mentions removed): (cos - 0.5) / 0.5,
             when both have >= MIN_POSTS posts.
  rhythm     cosine of the 24 hour-of-day counts (UTC): (cos - 0.75) / 0.25, same condition.

Score: a noisy-OR of weighted strengths, score = 1 - prod(1 - WEIGHTS[kind] * strength). Each
weight is the most one item of that kind can say: reference 0.85, selector 0.8, avatar 0.7,
text 0.6, handle 0.6, name 0.5, style 0.35, rhythm 0.25. So style and rhythm together stay below
0.52 (two people from one city who write alike are not one person), while two independent
strong items (a mutual bio reference, or a reference plus the same name) go above 0.9. Nothing
here subtracts: evidence against a link (another timezone) is left to the analyst, who sees that
the rhythm item is missing.

Candidates (`proposals`): never all pairs. Blocks, each capped at BLOCK_MAX members (a key held
by more accounts says nothing about identity and would be quadratic): the same core (read with
1 as i, and as l), the same folded display name, a shared display-name token of 4+ letters, the
sorted neighbourhood of cores (each core next to its NEIGHBOURS nearest in sorted order, and the
same on reversed cores, so an edit near either end is caught), bio references resolved against
an index of every account's aliases, selectors held by 2..BLOCK_MAX accounts, and texts of
exactly two accounts. Selectors and texts are grouped and counted by Ibis on the backend (DuckDB
or Spark); account names, the bounded selector/text rows and a capped sample of the candidates'
posts come into Python.

Impersonation (`impersonators`): the protected account is compared with every account (one cheap
string comparison each) on its handle and display name: skeleton equal (a homoglyph copy), fold
equal (separators, leetspeak), core equal (affixes, digits), handle spelling the protected name,
one containing the other's core, edit distance 1-2 on skeletons, same avatar. Each item says
what was imitated; the score is the noisy-OR of the strengths (no weights: each is already
"how close a copy"), accounts without any item are not listed.

Decisions: `decide` appends a row to `identity_decisions` (history kept, the latest row of a pair
wins) and to the audit log; `decisions` and `proposals` read the latest per pair.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property, lru_cache

import ibis
from anyascii import anyascii
from confusable_homoglyphs import confusables
from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from socmint import audit, store
from socmint.case import Case, operator
from socmint.errors import SocmintError

# Words people and impostors wrap around a name: "TheRealMarta", "CityFireDeptOfficial".
AFFIXES = ("official", "offical", "real", "the", "hq", "tv", "news", "team", "app")
# Hosting parts of a handle that say where, not who: "marta.bsky.social", "x@mastodon.social".
HOSTED_SUFFIXES = (".bsky.social", ".bsky.team")
MIN_CORE = 4  # "ann", "jo": shared by thousands, an equal core of this length proves nothing
MIN_POSTS = 5  # style and rhythm need this many posts on both sides to mean anything
STYLE_SAMPLE = 200  # recent posts per account for its style: bounds memory, enough for 3-grams
MIN_TEXT = 20  # characters of normalised text before a shared text counts (as neardup.MIN_CHARS)
_MEMO = 1 << 18  # normal forms remembered: each account's strings are compared many times
BLOCK_MAX = 30  # accounts sharing one blocking key, beyond which the key is too common to use
NEIGHBOURS = 3  # sorted-neighbourhood window on cores, each side
VERDICTS = ("confirmed", "rejected")

WEIGHTS = {"reference": 0.85, "selector": 0.8, "avatar": 0.7, "text": 0.6, "handle": 0.6,
           "name": 0.5, "style": 0.35, "rhythm": 0.25}
# Entity kinds that point at one holder; language, place and hashtags are shared by crowds.
SELECTOR_KINDS = ("email", "phone", "btc", "eth", "crypto", "wallet", "iban", "website",
                  "onion")

DDL = """
CREATE SEQUENCE IF NOT EXISTS identity_decision_ids;
CREATE TABLE IF NOT EXISTS identity_decisions (
  id BIGINT PRIMARY KEY DEFAULT nextval('identity_decision_ids'), a VARCHAR, b VARCHAR,
  verdict VARCHAR, note VARCHAR, operator VARCHAR, decided_at TIMESTAMPTZ);
"""

# ------------------------------------------------------------------------------ normal forms

_SEPARATORS = ("_", ".", "-", " ")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}


@lru_cache(maxsize=65536)
def _latin_lookalike(ch: str) -> str:
    """The ASCII character `ch` is confusable with, or `ch` itself."""
    if ch.isascii():
        return ch
    try:
        found = confusables.is_confusable(ch, preferred_aliases=["latin"], greedy=True)
    except Exception:  # noqa: BLE001  (an unknown code point is not confusable with anything)
        return ch
    for item in found or ():
        for glyph in item.get("homoglyphs", ()):
            c = glyph.get("c", "")
            if c.isascii() and c.isalnum():
                return c.lower()
    return ch


def _clean(s) -> str:
    """NFKC without format characters (zero-width, bidi) or lone surrogates."""
    if not isinstance(s, str) or not s:
        return ""
    s = s.encode("utf-8", "replace").decode("utf-8")
    return "".join(c for c in unicodedata.normalize("NFKC", s)
                   if unicodedata.category(c) not in ("Cf", "Cs", "Cc"))


def skeleton(s) -> str:
    """The visual form: two strings that look alike to a reader have the same skeleton."""
    seen = "".join(_latin_lookalike(c) for c in _clean(s))  # capitals first: Greek 'Β' is 'B'
    return "".join(_latin_lookalike(c) for c in seen.casefold())


def _letters_only(s: str) -> str:
    return "".join(c for c in s if c.isascii() and c.isalnum())


@lru_cache(maxsize=_MEMO)
def fold(s, one: str = "i") -> str:
    """The meant form: transliterated, lower-case, leetspeak undone, separators gone."""
    text = "".join(c for c in _clean(s) if c.isascii() or unicodedata.category(c)[0] != "S")
    text = anyascii(text).lower()
    leet = dict(_LEET, **{"1": one})
    out = []
    for i, c in enumerate(text):
        if c in leet:
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if ((after.isalpha() and not before.isdigit())
                    or (before.isalpha() and after in _SEPARATORS)):
                c = leet[c]
        out.append(c)
    return _letters_only("".join(out))


_YEAR_OR_DIGITS = re.compile(r"(?:19\d\d|20\d\d|\d+)$")


@lru_cache(maxsize=_MEMO)
def _local_part(handle) -> str:
    h = _clean(handle).strip().lstrip("@")
    h = h.split("@", 1)[0]
    low = h.lower()
    for suffix in HOSTED_SUFFIXES:
        if low.endswith(suffix):
            h = h[: -len(suffix)]
            break
    return h


@lru_cache(maxsize=_MEMO)
def core(handle, one: str = "i") -> str:
    """A handle's stem without hosting, affixes and digits: 'TheRealMarta_1987' -> 'marta'."""
    stem = fold(_local_part(handle), one)
    for _ in range(8):  # each pass strips one layer; a handle has a few at most
        before = stem
        stem = _YEAR_OR_DIGITS.sub("", stem)
        for affix in AFFIXES:
            if stem.startswith(affix) and len(stem) - len(affix) >= MIN_CORE:
                stem = stem[len(affix):]
            if stem.endswith(affix) and len(stem) - len(affix) >= MIN_CORE:
                stem = stem[: -len(affix)]
        if stem == before:
            break
    return stem or fold(_local_part(handle), one)


def name_tokens(s) -> list[str]:
    """Words of a name, each folded: 'Marta K. 🚲' -> ['marta', 'k']."""
    return list(_name_tokens(s))


@lru_cache(maxsize=_MEMO)
def _name_tokens(s) -> tuple[str, ...]:
    text = "".join(c if (c.isascii() or unicodedata.category(c)[0] != "S") else " "
                   for c in _clean(s))
    return tuple(t for t in (fold(w) for w in re.split(r"[^A-Za-z0-9$@]+", anyascii(text))) if t)


# ------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class Evidence:
    """One reason, in words an analyst can put in a report."""

    kind: str
    strength: float
    says: str
    values: tuple = ()


@dataclass
class AccountView:
    """What identity matching knows of one account."""

    uid: str
    handle: str | None = None
    display_name: str | None = None
    bio: str | None = None
    url: str | None = None
    avatar: str | None = None  # a perceptual hash, when the case has one for the avatar
    selectors: frozenset = frozenset()  # (kind, normalized)
    style: Mapping[str, int] = field(default_factory=dict)  # character 3-gram counts
    rhythm: tuple = ()  # 24 post counts by UTC hour
    posts: int = 0
    texts: frozenset = frozenset()  # normalised texts of its own posts

    @property
    def platform(self) -> str:
        return self.uid.split(":", 1)[0]

    @cached_property
    def style_norm(self) -> float:
        """Computed once: an account is compared with many others."""
        return _norm(self.style)

    @property
    def label(self) -> str:
        return f"@{self.handle.lstrip('@')}" if self.handle else (self.display_name or self.uid)


@dataclass
class Proposal:
    """A possible link between two accounts: a hypothesis with its reasons, never a fact."""

    a: str
    b: str
    score: float
    evidence: list[Evidence]
    decision: str | None = None

    def summary(self) -> str:
        said = "; ".join(e.says for e in self.evidence)
        state = f" [{self.decision}]" if self.decision else ""
        return f"{self.a} ~ {self.b}: {self.score:.2f}{state}: {said}"


@dataclass
class Impersonator:
    uid: str
    handle: str | None
    display_name: str | None
    score: float
    evidence: list[Evidence]


# ------------------------------------------------------------------------------ pairwise


def combine(evidence: Iterable[Evidence], weights: Mapping[str, float] = WEIGHTS) -> float:
    """Noisy-OR: each item alone can say at most its kind's weight."""
    miss = 1.0
    for e in evidence:
        miss *= 1.0 - weights.get(e.kind, 0.0) * min(1.0, max(0.0, e.strength))
    return round(1.0 - miss, 6)


def aliases(view: AccountView) -> frozenset[str]:
    """Ways a bio or post can name this account: handles and profile URLs, lower-cased."""
    return _aliases(view.uid, view.platform, view.handle, view.url)


@lru_cache(maxsize=_MEMO)
def _aliases(uid: str, platform: str, handle, url) -> frozenset[str]:
    out = set()
    raw = _clean(handle).strip().lstrip("@").lower()
    if raw:
        out.add(raw)
        user, _, server = raw.partition("@")
        if server:
            out |= {f"{server}/@{user}", f"{server}/users/{user}"}
        elif "." not in raw:
            out |= {f"{h}/{raw}" for h in ("twitter.com", "x.com", "t.me", "instagram.com",
                                            "github.com")}
            out.add(f"tiktok.com/@{raw}")
            out |= {f"reddit.com/user/{raw}", f"reddit.com/u/{raw}", f"u/{raw}"}
        out.add(f"bsky.app/profile/{raw}")
    if platform == "bluesky":
        did = uid.split(":", 1)[1]
        out.add(f"bsky.app/profile/{did}")
    url = _url_key(url)
    if url and len(url) > 8:
        out.add(url)
    return frozenset(out)


_URL = re.compile(r"https?://[^\s<>\"')\]]+|\b(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+/[^\s<>\"')\]]+",
                  re.I)
_AT = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.\-]*[A-Za-z0-9_])"
                 r"(?:@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+))?")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")


def _url_key(url) -> str:
    """A URL as compared: no scheme, no www., no query, no trailing slash, lower-case."""
    u = _clean(url).strip().lower()
    u = re.sub(r"^[a-z]+://", "", u)
    u = re.sub(r"^www\.", "", u)
    u = u.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return u


@lru_cache(maxsize=_MEMO)
def references(text) -> frozenset[str]:
    """The names and profile URLs a bio mentions, as aliases() spells them."""
    s = _clean(text)[:5000]
    out = set()
    for m in _URL.finditer(s):
        key = _url_key(m.group(0))
        out.add(key)
        parts = key.split("/")
        if len(parts) > 2:  # a post link names its profile: t.me/name/497
            out.add("/".join(parts[:2]))
            out.add("/".join(parts[:3]))
    for m in _AT.finditer(s):
        user, server = m.group(1).lower(), (m.group(2) or "").lower()
        out.add(f"{user}@{server}" if server else user)
    return frozenset(out)


def _bio_selectors(bio) -> set[tuple[str, str]]:
    s = _clean(bio)[:5000]
    out = {("email", e.lower()) for e in _EMAIL.findall(s)}
    out |= {("website", _url_key(u)) for u in _URL.findall(s)}
    return out


def _norm(x: Mapping) -> float:
    return math.sqrt(sum(v * v for v in x.values()))


def _cosine(x: Mapping, y: Mapping, nx: float | None = None, ny: float | None = None) -> float:
    """Cosine of two count vectors; their norms may be given (an account's is reused)."""
    if not x or not y:
        return 0.0
    nx = _norm(x) if nx is None else nx
    ny = _norm(y) if ny is None else ny
    if len(x) > len(y):
        x, y = y, x
    dot = sum(v * y.get(k, 0) for k, v in x.items())
    return max(0.0, min(1.0, dot / (nx * ny))) if nx and ny else 0.0


def _clamp(v: float) -> float:
    return round(min(1.0, max(0.0, v)), 6)


def _handle_evidence(a: AccountView, b: AccountView) -> Evidence | None:
    if not a.handle or not b.handle:
        return None
    best = None
    for one in ("i", "l"):
        ca, cb = core(a.handle, one), core(b.handle, one)
        if not ca or not cb:
            continue
        n = min(len(ca), len(cb))
        if ca == cb:
            s, how = (1.0 if n >= MIN_CORE else 0.5), f"fold to the same core '{ca}'"
        elif n >= 5 and (ca in cb or cb in ca):
            s, how = 0.5, f"have cores '{ca}' and '{cb}', one inside the other"
        elif n >= 6 and (d := Levenshtein.distance(ca, cb, score_cutoff=2)) <= 2:
            s, how = (0.45 if d == 1 else 0.25), f"have cores '{ca}' and '{cb}', {d} edit(s) apart"
        else:
            continue
        if best is None or s > best[0]:
            best = (s, how, ca, cb)
    if best is None:
        return None
    s, how, ca, cb = best
    return Evidence("handle", s, f"handles {a.handle} and {b.handle} {how}",
                    (a.handle, b.handle, ca, cb))


def _name_evidence(a: AccountView, b: AccountView) -> Evidence | None:
    na, nb = a.display_name or a.handle, b.display_name or b.handle
    if not na or not nb:
        return None
    fa, fb = fold(na), fold(nb)
    ta, tb = name_tokens(_local_part(na)), name_tokens(_local_part(nb))
    if not fa or not fb:
        return None
    if fa == fb:
        s = 1.0 if len(ta) >= 2 and len(tb) >= 2 else 0.4
        return Evidence("name", s, f"names '{na}' and '{nb}' fold to the same '{fa}'",
                        (na, nb, fa))
    long_a = {t for t in ta if len(t) >= 3}
    long_b = {t for t in tb if len(t) >= 3}
    shared = long_a & long_b
    best, says = 0.0, ""
    if len(shared) >= 2:
        best = len(shared) / max(len(long_a), len(long_b))
        says = f"names '{na}' and '{nb}' share the words {', '.join(sorted(shared))}"
    r = ratio(fa, fb) / 100.0
    near = 0.6 * (r - 0.8) / 0.2 if r >= 0.8 else 0.0
    if near > best:
        best, says = near, f"names '{na}' and '{nb}' are spelled alike ({r:.0%} similar)"
    if best <= 0:
        return None
    return Evidence("name", _clamp(best), says, (na, nb, fa, fb))


def _reference_evidence(a: AccountView, b: AccountView) -> list[Evidence]:
    out = []
    for x, y in ((a, b), (b, a)):
        named = references(x.bio) & aliases(y)
        if named:
            shown = sorted(named, key=lambda n: (-len(n), n))[0]
            out.append(Evidence("reference", 0.75, f"bio of {x.label} names {shown} ({y.uid})",
                                (x.uid, y.uid, shown)))
    return out


def compare(a: AccountView, b: AccountView, holders: Mapping | None = None,
            shared_texts: int | None = None) -> list[Evidence]:
    """Every reason to think a and b are one person; `holders` says how many accounts of the
    case hold each selector, `shared_texts` how many texts only these two posted (both default
    to what the two views alone say)."""
    out: list[Evidence] = _reference_evidence(a, b)
    for kind, value in sorted(a.selectors & b.selectors):
        n = max(2, (holders or {}).get((kind, value), 2))
        out.append(Evidence("selector", _clamp(1.0 / (n - 1)),
                            f"both use the {kind} {value}" + (f" ({n} accounts do)" if n > 2
                                                              else ""), (kind, value, n)))
    n_texts = shared_texts if shared_texts is not None else len(a.texts & b.texts)
    if n_texts:
        out.append(Evidence("text", _clamp(n_texts / 3),
                            f"{n_texts} text(s) posted by both and by no other account",
                            (n_texts,)))
    if a.avatar and b.avatar and a.avatar == b.avatar:
        out.append(Evidence("avatar", 1.0, "the same avatar image", (a.avatar,)))
    for item in (_handle_evidence(a, b), _name_evidence(a, b)):
        if item is not None:
            out.append(item)
    if a.posts >= MIN_POSTS and b.posts >= MIN_POSTS:
        cos = _cosine(a.style, b.style, a.style_norm, b.style_norm)
        if (s := _clamp((cos - 0.5) / 0.5)) > 0:
            out.append(Evidence("style", s, f"writing style alike (3-gram cosine {cos:.2f})",
                                (round(cos, 4),)))
        cos = _cosine(dict(enumerate(a.rhythm)), dict(enumerate(b.rhythm)))
        if (s := _clamp((cos - 0.75) / 0.25)) > 0:
            out.append(Evidence("rhythm", s, f"post at the same hours of day (cosine {cos:.2f})",
                                (round(cos, 4),)))
    return out


def score(a: AccountView, b: AccountView) -> tuple[float, list[Evidence]]:
    evidence = compare(a, b)
    return combine(evidence), evidence


# ------------------------------------------------------------------------------ reading


def _text_key(text):
    """The normalised text of a post, as an Ibis expression (shared with no engine quirks)."""
    t = text.lower().re_replace(r"https?://\S+", " ").re_replace(r"[@#][^\s]+", " ")
    return t.re_replace(r"[\s\p{P}]+", " ").strip()


def _own_posts(backend):
    p = backend.table("posts")
    return p.filter(p.account_uid.notnull(), p.repost_of.isnull(),
                    (p.kind.isnull()) | (p.kind != "service"))


def _accounts(backend) -> dict[str, AccountView]:
    acc = backend.table("accounts")
    cols = [c for c in ("uid", "handle", "display_name", "bio", "url") if c in acc.columns]
    views = {}
    for r in store.rows(backend, acc.select(*cols)):
        if r["uid"]:
            views[r["uid"]] = AccountView(r["uid"], r.get("handle"), r.get("display_name"),
                                          r.get("bio"), r.get("url"))
    media = backend.table("media")
    if "phash" in media.columns and "account" in media.columns:  # avatars, once hashed
        m = media.filter(media.kind == "avatar", media.phash.notnull())
        for r in store.rows(backend, m.select("account", "phash")):
            if r["account"] in views:
                views[r["account"]].avatar = r["phash"]
    return views


def _selector_rows(backend) -> list[dict]:
    """(account, kind, normalized, holders) for selectors held by 2..BLOCK_MAX accounts."""
    e, p = backend.table("entities"), _own_posts(backend)
    held = (e.filter(e.kind.isin(SELECTOR_KINDS), e.normalized.notnull())
            .join(p, e.post == p.uid)
            .select(account=p.account_uid, kind=e.kind, value=e.normalized).distinct())
    counts = held.group_by(["kind", "value"]).aggregate(holders=held.account.nunique())
    counts = counts.filter(counts.holders.between(2, BLOCK_MAX))
    j = held.join(counts, ["kind", "value"])
    return store.rows(backend, j.select("account", "kind", "value", "holders"))


def _text_rows(backend) -> list[dict]:
    """(account, key) for normalised paragraphs that exactly two accounts posted (a cross-post
    often adds a line: "Cross-posted from my channel: ...")."""
    p = _own_posts(backend)
    paragraphs = p.select(account=p.account_uid,
                          paragraph=p.text.re_replace(r"\r?\n\s*\n", "\u2029")
                          .split("\u2029").unnest())
    keyed = paragraphs.select("account", key=_text_key(paragraphs.paragraph))
    keyed = keyed.filter(keyed.key.length() >= MIN_TEXT).distinct()
    pairs = keyed.group_by("key").aggregate(n=keyed.account.nunique())
    pairs = pairs.filter(pairs.n == 2)
    return store.rows(backend, keyed.semi_join(pairs, "key"))


def _load_posts(backend, views: dict[str, AccountView], uids: Iterable[str]) -> None:
    """Style and rhythm of the accounts given, from a capped sample of their own posts."""
    uids = sorted(set(uids))
    if not uids:
        return
    p = _own_posts(backend)
    mem = ibis.memtable({"account": uids})
    mine = p.semi_join(mem, p.account_uid == mem.account)
    hours = mine.filter(mine.created_at.notnull()).select(
        account=mine.account_uid, hour=mine.created_at.hour())
    for r in store.rows(backend, hours.group_by(["account", "hour"]).aggregate(n=hours.count())):
        v = views.get(r["account"])
        if v is not None and r["hour"] is not None:
            rh = list(v.rhythm) or [0] * 24
            rh[int(r["hour"]) % 24] += int(r["n"])
            v.rhythm, v.posts = tuple(rh), v.posts + int(r["n"])
    ranked = mine.filter(mine.text.notnull()).mutate(
        rank=ibis.row_number().over(group_by=mine.account_uid,
                                    order_by=[mine.created_at.desc(), mine.uid]))
    sample = ranked.filter(ranked.rank < STYLE_SAMPLE).select(
        account=ranked.account_uid, key=_text_key(ranked.text))
    grams: dict[str, Counter] = defaultdict(Counter)
    for r in store.rows(backend, sample):
        text = f" {r['key'] or ''} "[:2000]
        grams[r["account"]].update(text[i:i + 3] for i in range(len(text) - 2))
    for uid, counts in grams.items():
        if uid in views:
            views[uid].style = counts


# ------------------------------------------------------------------------------ proposals


def _blocks(views: dict[str, AccountView]) -> list[list[str]]:
    """Groups of accounts worth comparing, each small."""
    keyed: dict[tuple, set[str]] = defaultdict(set)
    cores = []
    for uid, v in views.items():
        if v.handle:
            for one in ("i", "l"):
                c = core(v.handle, one)
                if len(c) >= MIN_CORE:
                    keyed[("core", c)].add(uid)
            c = core(v.handle)
            if len(c) >= MIN_CORE:
                cores.append((c, uid))
        name = v.display_name or v.handle
        if name:
            f = fold(name)
            if len(f) >= MIN_CORE:
                keyed[("name", f)].add(uid)
            for t in set(name_tokens(_local_part(name))):
                if len(t) >= 4:
                    keyed[("token", t)].add(uid)
    groups = [sorted(m) for m in keyed.values() if 2 <= len(m) <= BLOCK_MAX]
    for order in (sorted(cores), sorted(cores, key=lambda cu: (cu[0][::-1], cu[1]))):
        for i in range(len(order)):
            window = order[i:i + NEIGHBOURS + 1]
            if len(window) >= 2:
                groups.append([u for _, u in window])
    return groups


def _reference_pairs(views: dict[str, AccountView]) -> set[tuple[str, str]]:
    index: dict[str, set[str]] = defaultdict(set)
    for uid, v in views.items():
        for alias in aliases(v):
            index[alias].add(uid)
    out = set()
    for uid, v in views.items():
        if not v.bio:
            continue
        for ref in references(v.bio):
            named = index.get(ref, ())
            if len(named) <= BLOCK_MAX:
                out |= {_pair(uid, o) for o in named if o != uid}
    return out


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _latest(backend, decided: Mapping | None) -> dict[tuple[str, str], str]:
    if decided is not None:
        return {_pair(*k): v for k, v in decided.items()}
    if not store.has_table(backend, "identity_decisions"):
        return {}
    table = backend.table("identity_decisions")
    return {(r["a"], r["b"]): r["verdict"] for r in store.rows(backend, _latest_rows(table))}


def _latest_rows(t):
    ranked = t.mutate(rank=ibis.row_number().over(
        group_by=[t.a, t.b], order_by=[t.decided_at.desc(), t.id.desc()]))
    return ranked.filter(ranked.rank == 0).select("a", "b", "verdict", "note", "operator",
                                                  "decided_at")


def proposals(backend, *, min_score: float = 0.5, limit: int | None = 1000,
              decided: Mapping | None = None) -> list[Proposal]:
    """Pairs of accounts that may be one person, strongest first, each with its evidence and
    the latest analyst decision. `decided` ({(a, b): verdict}) stands in for the case's
    decisions table on an engine that does not hold it (Spark: pass decisions(case))."""
    if not 0 <= min_score <= 1:
        raise SocmintError("min_score is between 0 and 1")
    views = _accounts(backend)
    pairs: set[tuple[str, str]] = _reference_pairs(views)
    for group in _blocks(views):
        pairs |= {_pair(x, y) for i, x in enumerate(group) for y in group[i + 1:] if x != y}
    holders: dict[tuple, int] = {}
    held: dict[tuple, set[str]] = defaultdict(set)
    for r in _selector_rows(backend):
        holders[(r["kind"], r["value"])] = int(r["holders"])
        held[(r["kind"], r["value"])].add(r["account"])
    for accounts in held.values():
        group = sorted(accounts)
        pairs |= {_pair(x, y) for i, x in enumerate(group) for y in group[i + 1:]}
    by_key: dict[str, list[str]] = defaultdict(list)
    for r in _text_rows(backend):
        by_key[r["key"]].append(r["account"])
    shared = Counter(_pair(*sorted(us)) for us in by_key.values() if len(us) == 2)
    pairs |= set(shared)
    pairs = {p for p in pairs if p[0] in views and p[1] in views}
    for (kind, value), accounts in held.items():
        for uid in accounts:
            if uid in views:
                views[uid].selectors |= {(kind, value)}
    for v in views.values():
        v.selectors |= frozenset(_bio_selectors(v.bio))
    _load_posts(backend, views, {u for p in pairs for u in p})
    latest = _latest(backend, decided)
    found = []
    for a, b in pairs:
        evidence = compare(views[a], views[b], holders, shared.get((a, b), 0))
        s = combine(evidence)
        if s >= min_score:
            evidence.sort(key=lambda e: (-WEIGHTS.get(e.kind, 0) * e.strength, e.kind))
            found.append(Proposal(a, b, s, evidence, latest.get((a, b))))
    found.sort(key=lambda p: (-p.score, p.a, p.b))
    return found[:limit] if limit is not None else found


# ------------------------------------------------------------------------------ impersonation


def _resolve(views: dict[str, AccountView], protected: str) -> AccountView:
    text = (protected or "").strip()
    if text in views:
        return views[text]
    want = text.lstrip("@").lower()
    if not want:
        raise SocmintError("name an account to protect: a uid or a handle")
    found = sorted(uid for uid, v in views.items()
                   if v.handle and (v.handle.lstrip("@").lower() == want
                                    or _local_part(v.handle).lower() == want))
    if not found:
        raise SocmintError(f"no account {protected!r} in this case")
    if len(found) > 1:
        raise SocmintError(f"{protected!r} is ambiguous: {', '.join(found)}; give a uid")
    return views[found[0]]


def _imitation(kind: str, mine: str | None, theirs: str | None, target_name: str | None
               ) -> list[Evidence]:
    """How closely `theirs` (a handle or name) copies the protected `mine`."""
    if not mine or not theirs:
        return []
    is_handle = kind == "handle"
    base = _local_part if is_handle else (lambda s: s)
    m, t = base(mine), base(theirs)
    out = []
    sm, st = skeleton(m), skeleton(t)
    fm, ft = fold(m), fold(t)
    scale = 1.0 if is_handle else 0.9
    if m == t:
        out.append(Evidence(kind, 0.8 * scale, f"{kind} '{theirs}' is the same as '{mine}'",
                            (mine, theirs)))
    elif sm == st and sm:
        out.append(Evidence(kind, 1.0 * scale, f"{kind} '{theirs}' looks the same as '{mine}' "
                            f"(homoglyphs: both read '{sm}')", (mine, theirs, sm)))
    elif fm == ft and len(fm) >= MIN_CORE:
        out.append(Evidence(kind, 0.9 * scale, f"{kind} '{theirs}' spells '{mine}' with other "
                            f"separators, case or digits (both fold to '{fm}')",
                            (mine, theirs, fm)))
    elif is_handle and (cm := core(m)) == core(t) and len(cm) >= MIN_CORE:
        out.append(Evidence(kind, 0.85, f"handle '{theirs}' is '{mine}' with affixes or digits "
                            f"added or removed (both reduce to '{cm}')", (mine, theirs, cm)))
    else:
        d = min(Levenshtein.distance(sm, st, score_cutoff=3),
                Levenshtein.distance(fm, ft, score_cutoff=3))
        if d <= 2 and min(len(fm), len(ft)) >= 5:
            out.append(Evidence(kind, 0.7 if d == 1 else 0.5, f"{kind} '{theirs}' is {d} "
                                f"character(s) from '{mine}'", (mine, theirs, d)))
        elif len(fm) >= 6 and fm in ft:
            out.append(Evidence(kind, 0.6, f"{kind} '{theirs}' contains '{mine}'",
                                (mine, theirs)))
    if is_handle and target_name and not out:
        fn = fold(target_name)
        if len(fn) >= 6 and (fn == ft or fn == core(t)):
            out.append(Evidence(kind, 0.75, f"handle '{theirs}' spells the name '{target_name}'",
                                (target_name, theirs)))
    return out


_IMITATION_WEIGHTS = {"handle": 1.0, "name": 1.0, "avatar": 1.0}  # strengths say it all


def impersonators(backend, protected: str, *, limit: int | None = 100,
                  min_score: float = 0.3) -> list[Impersonator]:
    """Accounts whose handle, name or avatar imitate the protected account, closest first."""
    views = _accounts(backend)
    me = _resolve(views, protected)
    found = []
    for uid, v in views.items():
        if uid == me.uid:
            continue
        evidence = _imitation("handle", me.handle, v.handle, me.display_name)
        evidence += _imitation("name", me.display_name, v.display_name, None)
        if me.avatar and v.avatar == me.avatar:
            evidence.append(Evidence("avatar", 0.8, "the same avatar image", (v.avatar,)))
        s = combine(evidence, _IMITATION_WEIGHTS)
        if evidence and s >= min_score:
            found.append(Impersonator(uid, v.handle, v.display_name, s, evidence))
    found.sort(key=lambda i: (-i.score, i.uid))
    return found[:limit] if limit is not None else found


# ------------------------------------------------------------------------------ decisions


def decide(case: Case, a: str, b: str, verdict: str, note: str = "") -> dict:
    """Record an analyst's verdict on a proposed link; a later one on the pair supersedes it."""
    if verdict not in VERDICTS:
        raise SocmintError(f"verdict {verdict!r}: choose one of {', '.join(VERDICTS)}")
    a, b = (str(a or "").strip(), str(b or "").strip())
    if not a or not b or a == b:
        raise SocmintError("a decision needs two different account uids")
    a, b = _pair(a, b)
    row = {"a": a, "b": b, "verdict": verdict, "note": note or "", "operator": operator(),
           "decided_at": datetime.now(timezone.utc)}
    with case.writing():
        con = store.connect(case)
        try:
            con.execute(DDL)
            con.execute("INSERT INTO identity_decisions (a, b, verdict, note, operator, "
                        "decided_at) VALUES (?, ?, ?, ?, ?, ?)",
                        [row[k] for k in ("a", "b", "verdict", "note", "operator",
                                          "decided_at")])
        finally:
            con.close()
    audit.record(case, "identity.decide", {"a": a, "b": b, "verdict": verdict, "note": note},
                 {"decisions": 1})
    return row


def decisions(case: Case) -> list[dict]:
    """The latest decision per pair, oldest pair first."""
    if not case.db_path.exists():
        return []
    con = store.connect(case, read_only=True)
    try:
        backend = ibis.duckdb.from_connection(con)
        if not store.has_table(backend, "identity_decisions"):
            return []
        rows = store.rows(backend, _latest_rows(backend.table("identity_decisions")))
    finally:
        con.close()
    return sorted(rows, key=lambda r: (r["decided_at"], r["a"], r["b"]))


__all__ = ["AFFIXES", "AccountView", "Evidence", "Impersonator", "Proposal", "WEIGHTS",
           "combine", "compare", "core", "decide", "decisions", "fold", "impersonators",
           "proposals", "score", "skeleton"]
