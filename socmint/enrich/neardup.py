"""Near-duplicate posts: texts that are the same up to trivial changes, grouped in linear time.

    groups = group(con, min_size=2, threshold=0.8)   # also writes the table near_duplicates

How it works, pass by pass (every pass streams; only one chunk of posts is in memory at a time):

1. Every post with text (reposts and Telegram service messages left out: a repost carries no
   text of its own, the platform already links it to its original) is `normalize`d: case folded,
   accents stripped, URLs, @mentions, u/ mentions, the trailing run of hashtags, punctuation,
   symbols and emoji removed, whitespace collapsed. Texts shorter than `min_chars` (20) after
   that are not grouped: "Source?" or "This made my day" are written by thousands of people
   independently, so their sameness says nothing. Characters of scripts written without spaces
   (Chinese, Japanese, Thai, ...) count twice, as one of them carries about what a short word
   does. The normalized text is hashed (64 bits): posts with the same hash are exact duplicates
   and are not looked at again.
2. Each distinct normalized text becomes a set of shingles (`shingles`): its words, and for runs
   of a script written without spaces, character bigrams. Word sets, not word n-grams: at the
   default threshold 0.8 a one-word substitution keeps a 9-word text in (8/10 shared), a
   two-word one an 18-word text, while word 3-grams would need 29 words for a single
   substitution. Shingles are hashed to 32 bits in numpy (a polynomial over their UTF-8 bytes
   from prefix sums, then MurmurHash3's finalizer), permuted b x r times (a*x + b, then an
   xor-shift, in 32-bit arithmetic) and the minima kept: a MinHash signature, cut into b bands
   of r rows, each band hashed to a bucket key. b and r follow from the threshold (`bands`):
   the largest r for which a pair exactly at the threshold still shares a bucket with
   probability >= 99.5% (threshold 0.8: 21 bands of 6 rows, 126 permutations). Keys go to a
   DuckDB temporary table, which spills to disk, so memory stays bounded whatever the case size.
   (Measured on the same texts: datasketch 2.0's MinHash.bulk about 13,000 texts/s, this about
   60,000; datasketch also needs scipy, and its LSH index keeps every key in memory.)
3. Texts that share a bucket are candidates. DuckDB sorts them by bucket (spilling to disk);
   each is compared, by exact Jaccard similarity of the shingle sets, with at most ANCHORS (4)
   members of its bucket (the first ones by text hash), and joined to the first at or above the
   threshold (union-find). Work per text is bounded by bands x anchors; chance collisions are
   weeded out by the exact check, so the LSH only decides what is compared, never what groups.
4. A group is a connected component: posts of the same normalized text, plus the texts joined
   to them (single linkage: A~B and B~C group A with C even when A and C are further apart;
   `similarity`, to the group's first post, shows such drift). Groups of at least `min_size`
   posts are written to the table near_duplicates (group_id, uid, similarity) and returned.

The first post of a group is its earliest by created_at (ties: smallest uid); the group id is
"nd-" and 16 hex digits of the SHA-256 of that post's uid, so it is stable across runs on the same
data, and changes only when an earlier post of the same text arrives.

Limits: only text is compared (an image or a link posted with different words is not a
near-duplicate here); translations and paraphrases are not near-duplicates; word sets ignore
word order; a hashtag inside a sentence keeps its word, one in the trailing run is dropped (tags
are what copy-pasters add, drop and rotate), so two posts differing only in their tags are
exact duplicates; texts of a few words never group when one word differs (1 of 5 words changed
is Jaccard 0.67), and in scripts without spaces a changed two-character word needs about 27
characters of text; a pair exactly at the threshold is missed with probability 0.5%.
Deleted posts are grouped like the others (they are evidence). `con` is a case connection
(socmint.store.connect); group() reads the committed posts table, and the caller holds the
case's write lock.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa

from socmint.errors import SocmintError

MIN_CHARS = 20  # normalized texts shorter than this are not grouped
NUM_PERM = 128  # MinHash permutations
RECALL_AT_THRESHOLD = 0.995  # chance that a pair exactly at the threshold shares a bucket
ANCHORS = 4  # members of a bucket each text is checked against
CHUNK = 20_000  # posts (or distinct texts) handled at once
SHINGLE_BUDGET = 32_768  # shingles permuted at once: NUM_PERM x 4 bytes each, 16 MiB
TEXT_BUDGET = 1 << 20  # characters hashed at once: a few uint64 arrays of this length
SEED = 0x5EED_D0C5  # the permutations; changing it changes no result beyond LSH chance

_URL = re.compile(
    r"(?:https?://|www\.)\S+"  # with a scheme or www.
    r"|\b[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}/\S*")  # bare host/path, as Bluesky shows links
_MENTION = re.compile(r"(?<![\w@])@[\w.-]+(?:@[\w.-]+)?|(?<![\w/])/?u/[\w-]+")
# scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana, bopomofo, CJK
_NOSPACE = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3100-\u312f\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]+")
_APOSTROPHES = frozenset("'\u2019\u02bc\u2018")


class _Table(dict):
    """str.translate table filled on first sight of each code point: letters, digits and
    spacing marks stay, non-spacing marks (accents) and apostrophes go, everything else
    (punctuation, symbols, emoji, controls, separators) becomes a space."""

    def __missing__(self, code: int):
        ch = chr(code)
        cat = unicodedata.category(ch)
        if cat[0] in "LN" or cat == "Mc":
            value = ch
        elif cat in ("Mn", "Me") or ch in _APOSTROPHES:
            value = None
        else:
            value = " "
        self[code] = value
        return value


_TABLE = _Table()


def normalize(text: str | None) -> str:
    """The text with trivial differences gone: case, accents, URLs, mentions, the trailing run
    of hashtags, punctuation, symbols, emoji and spacing. Letters of every script stay."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text).casefold()
    if "/" in s or "www." in s:  # cheap tests first: most posts have neither
        s = _URL.sub(" ", s)
    if "@" in s or "u/" in s:
        s = _MENTION.sub(" ", s)
    tokens = s.split()
    keep = len(tokens)
    while keep and tokens[keep - 1].startswith("#") and len(tokens[keep - 1]) > 1:
        keep -= 1
    if 0 < keep < len(tokens):  # a text of hashtags only keeps them
        s = " ".join(tokens[:keep])
    s = unicodedata.normalize("NFKD", s).translate(_TABLE)
    return " ".join(unicodedata.normalize("NFC", s).split())


def length(norm: str) -> int:
    """Length of a normalized text for the `min_chars` test: characters of scripts written
    without spaces count twice."""
    if norm.isascii():
        return len(norm)
    return len(norm) + sum(m.end() - m.start() for m in _NOSPACE.finditer(norm))


def shingles(norm: str) -> set[str]:
    """A normalized text's words; runs of a script written without spaces give their character
    bigrams instead (a lone character stands for itself)."""
    if norm.isascii() or not _NOSPACE.search(norm):
        return set(norm.split())
    out: set[str] = set()
    for token in norm.split():
        pos = 0
        for m in _NOSPACE.finditer(token):
            if m.start() > pos:
                out.add(token[pos:m.start()])
            run = m.group()
            out.update(run[i:i + 2] for i in range(max(1, len(run) - 1)))
            pos = m.end()
        if pos < len(token):
            out.add(token[pos:])
    return out


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows): the most rows per band for which two texts exactly at `threshold` still
    share a bucket with probability RECALL_AT_THRESHOLD; more rows, fewer chance candidates."""
    best = (num_perm, 1)
    for r in range(1, num_perm + 1):
        b = num_perm // r
        if 1 - (1 - threshold ** r) ** b >= RECALL_AT_THRESHOLD:
            best = (b, r)
    return best


_RNG = np.random.default_rng(SEED)
_A = _RNG.integers(0, 2**32, (NUM_PERM, 1), dtype=np.uint64).astype(np.uint32) | np.uint32(1)
_B = _RNG.integers(0, 2**32, (NUM_PERM, 1), dtype=np.uint64).astype(np.uint32)
_MIX = _RNG.integers(0, 2**63, NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_BASE = 0x9E3779B97F4A7C15  # odd: invertible modulo 2^64
_BASE_INV = pow(_BASE, -1, 2**64)
_FMIX1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX2 = np.uint64(0xC4CEB9FE1A85EC53)


def _powers(base: int, n: int) -> np.ndarray:
    out = np.full(n, base, np.uint64)
    out[0] = 1
    return np.cumprod(out, dtype=np.uint64)  # wraps modulo 2^64


def _shingle_hashes(norms: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of the shingles of every text, all texts end to end, and the index of each
    text's first shingle. A shingle is hashed as a polynomial in its UTF-8 bytes modulo 2^64,
    from prefix sums over the whole batch, so no Python code runs per shingle."""
    texts = [n if n.isascii() or not _NOSPACE.search(n) else " ".join(shingles(n))
             for n in norms]
    buf = np.frombuffer(("\n".join(texts) + "\n").encode(), np.uint8)
    with np.errstate(over="ignore"):
        prefix = np.zeros(len(buf) + 1, np.uint64)
        np.cumsum(buf * _powers(_BASE, len(buf)), dtype=np.uint64, out=prefix[1:])
        ends = np.flatnonzero((buf == 32) | (buf == 10))  # a space or the end of a text
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        h = (prefix[ends] - prefix[starts]) * _powers(_BASE_INV, len(buf))[starts]
        h ^= h >> np.uint64(33)  # MurmurHash3's finalizer: every input bit moves every output bit
        h *= _FMIX1
        h ^= h >> np.uint64(33)
        h *= _FMIX2
        h ^= h >> np.uint64(33)
        h = h.astype(np.uint32)
    last = np.flatnonzero(buf[ends] == 10)  # each text's last shingle
    first = np.empty_like(last)
    first[0] = 0
    first[1:] = last[:-1] + 1
    return h, first


def _permuted(x: np.ndarray, p: int) -> np.ndarray:
    """(p, len(x)): p permutations of the 32-bit shingle hashes, each a*x + b (a odd) followed
    by an xor-shift, both bijections of 32-bit integers; uint32 arithmetic wraps."""
    v = _A[:p] * x[None, :] + _B[:p]
    v ^= v >> np.uint32(16)
    return v


def signatures(norms: list[str], num_perm: int = NUM_PERM) -> np.ndarray:
    """MinHash signatures of normalized texts (not empty): one row of `num_perm` uint32 each.
    Repeated shingles do not matter: a minimum is the same over a set and over a multiset."""
    if any(not n for n in norms):
        raise ValueError("an empty text has no signature")
    out = np.empty((len(norms), num_perm), np.uint32)
    i = 0
    while i < len(norms):  # at most TEXT_BUDGET characters hashed at once (one longer text)
        k, size = i, 0
        while k < len(norms) and (k == i or size + len(norms[k]) <= TEXT_BUDGET):
            size += len(norms[k])
            k += 1
        out[i:k] = _signatures(norms[i:k], num_perm)
        i = k
    return out


def _signatures(norms: list[str], num_perm: int) -> np.ndarray:
    out = np.empty((len(norms), num_perm), np.uint32)
    h, first = _shingle_hashes(norms)
    bounds = np.append(first, len(h))
    i = 0
    while i < len(norms):  # at most SHINGLE_BUDGET shingles permuted at once
        lo = bounds[i]
        k = max(i + 1, min(len(norms), int(np.searchsorted(bounds, lo + SHINGLE_BUDGET,
                                                            "right")) - 1))
        hi = bounds[k]
        if k == i + 1 and hi - lo > SHINGLE_BUDGET:  # one long text, in slices
            out[i] = np.min([_permuted(h[j:min(j + SHINGLE_BUDGET, hi)], num_perm).min(axis=1)
                             for j in range(lo, hi, SHINGLE_BUDGET)], axis=0)
        else:
            out[i:k] = np.minimum.reduceat(_permuted(h[lo:hi], num_perm), bounds[i:k] - lo,
                                           axis=1).T
        i = k
    return out


def band_keys(sig: np.ndarray, b: int, r: int) -> np.ndarray:
    """One signed 64-bit bucket key per band: (texts, b)."""
    rows = sig[:, :b * r].astype(np.uint64).reshape(len(sig), b, r)
    key = np.zeros((len(sig), b), np.uint64)
    for j in range(r):
        key = (key ^ rows[:, :, j]) * _MIX[j]
        key ^= key >> np.uint64(29)
    return key.view(np.int64)


def _text_hash(norm: str) -> int:
    return int.from_bytes(hashlib.blake2b(norm.encode(), digest_size=8).digest(), "little",
                          signed=True)


@dataclass(frozen=True)
class Group:
    id: str
    first_post: str  # the earliest post (created_at, then uid)
    first_account: str | None
    size: int  # posts
    accounts: int  # distinct accounts
    first_at: datetime | None
    last_at: datetime | None
    spread_seconds: float | None  # last_at - first_at
    platforms: tuple[str, ...]


TEMP = ("_nd_post", "_nd_text", "_nd_uniq", "_nd_band", "_nd_cand", "_nd_root", "_nd_member",
        "_nd_group", "_nd_sim")


def group(con, min_size: int = 2, threshold: float = 0.8, *,
          min_chars: int = MIN_CHARS) -> list[Group]:
    """Group the case's near-duplicate posts, write the table near_duplicates (group_id, uid,
    similarity: Jaccard of the post's shingles with the group's first post's) and return the
    groups of at least `min_size` posts, largest first."""
    if not 0 < threshold <= 1:
        raise SocmintError(f"near-duplicate threshold must be in (0, 1], not {threshold}")
    if min_size < 2:
        raise SocmintError(f"a near-duplicate group has at least 2 posts, not {min_size}")
    min_chars = max(1, int(min_chars))
    try:
        _normalize_posts(con, min_chars)
        _bucket(con, threshold)
        _join(con, threshold)
        _write(con, min_size)
        return [Group(id=r[0], first_post=r[1], first_account=r[2], size=r[3], accounts=r[4],
                      first_at=r[5], last_at=r[6],
                      spread_seconds=None if r[7] is None else r[7] / 1e6,
                      platforms=tuple(r[8]))
                for r in con.execute(
                    "SELECT group_id, first_uid, first_account, size, accounts, first_at, "
                    "last_at, epoch_us(last_at) - epoch_us(first_at), platforms "
                    "FROM _nd_group ORDER BY size DESC, first_at NULLS LAST, group_id").fetchall()]
    finally:
        for t in TEMP:
            con.execute(f"DROP TABLE IF EXISTS temp.{t}")


def _insert(con, table: str, data: dict) -> None:
    con.register("_nd_chunk", pa.table(data))
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _nd_chunk")
    finally:
        con.unregister("_nd_chunk")


def _pages(con, table: str, columns: str):
    """A temporary table read CHUNK rows at a time (its rowids are dense: made by one
    CREATE ... AS), so the connection is free to write between pages."""
    n = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    for start in range(0, n, CHUNK):
        yield con.execute(f"SELECT {columns} FROM {table} WHERE rowid >= ? AND rowid < ?",
                          [start, start + CHUNK]).fetchall()


def _normalize_posts(con, min_chars: int) -> None:
    """Pass 1: every post's normalized-text hash; each distinct text once per chunk."""
    con.execute("CREATE OR REPLACE TEMP TABLE _nd_post (uid VARCHAR, h BIGINT, "
                "created_at TIMESTAMPTZ, account_uid VARCHAR, platform VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE _nd_text (h BIGINT, norm VARCHAR)")
    reader = con.cursor()  # its own connection: streams while this one writes
    try:
        batches = reader.sql(
            "SELECT uid, text, created_at, account_uid, platform FROM posts "
            "WHERE text IS NOT NULL AND repost_of IS NULL AND coalesce(kind, '') <> 'service'"
        ).to_arrow_reader(CHUNK)
        for batch in batches:
            uids, texts, at, acc, plat = (batch.column(i) for i in range(5))
            seen: dict[str, int] = {}
            keep, hs = [], []
            for i, text in enumerate(texts.to_pylist()):
                norm = normalize(text)
                if length(norm) < min_chars:
                    continue
                h = seen.get(norm)
                if h is None:
                    h = seen[norm] = _text_hash(norm)
                keep.append(i)
                hs.append(h)
            if not keep:
                continue
            idx = pa.array(keep, pa.int64())
            _insert(con, "_nd_post", {"uid": uids.take(idx), "h": pa.array(hs, pa.int64()),
                                      "created_at": at.take(idx), "account_uid": acc.take(idx),
                                      "platform": plat.take(idx)})
            _insert(con, "_nd_text", {"h": pa.array(list(seen.values()), pa.int64()),
                                      "norm": pa.array(list(seen), pa.string())})
    finally:
        reader.close()
    con.execute("CREATE OR REPLACE TEMP TABLE _nd_uniq AS "
                "SELECT h, any_value(norm) AS norm FROM _nd_text GROUP BY h")
    con.execute("DROP TABLE temp._nd_text")


def _bucket(con, threshold: float) -> None:
    """Pass 2: LSH bucket keys of every distinct text; the buckets holding several texts."""
    b, r = bands(threshold)
    con.execute("CREATE OR REPLACE TEMP TABLE _nd_band (h BIGINT, band SMALLINT, key BIGINT)")
    for rows in _pages(con, "_nd_uniq", "h, norm"):
        sig = signatures([norm for _, norm in rows], b * r)
        keys = band_keys(sig, b, r)
        hs = np.fromiter((h for h, _ in rows), np.int64, len(rows))
        _insert(con, "_nd_band", {"h": np.repeat(hs, b),
                                  "band": np.tile(np.arange(b, dtype=np.int16), len(rows)),
                                  "key": keys.reshape(-1)})
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _nd_cand AS
        WITH multi AS (SELECT band, key FROM _nd_band GROUP BY ALL HAVING count(*) > 1)
        SELECT band, key, h FROM _nd_band JOIN multi USING (band, key)""")
    con.execute("DROP TABLE temp._nd_band")


class _UnionFind:
    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra
            self.parent.setdefault(ra, ra)


def _join(con, threshold: float) -> None:
    """Pass 3: within each bucket, texts at or above the threshold with an anchor are joined.
    The bucket stream is read to its end before anything is written."""
    uf = _UnionFind()
    reader = con.sql("""
        SELECT c.band, c.key, c.h, u.norm FROM _nd_cand c JOIN _nd_uniq u USING (h)
        ORDER BY c.band, c.key, c.h""").to_arrow_reader(CHUNK)
    bucket = None
    anchors: list[tuple[int, set[str]]] = []
    for batch in reader:
        bands_, keys, hs, norms = (batch.column(i).to_pylist() for i in range(4))
        for band, key, h, norm in zip(bands_, keys, hs, norms, strict=True):
            if (band, key) != bucket:
                bucket = (band, key)
                anchors = []
            if anchors and uf.find(anchors[0][0]) == uf.find(h):
                continue  # joined already (through another band)
            sh = shingles(norm)
            for a, ash in anchors:
                if jaccard(ash, sh) >= threshold:
                    uf.union(a, h)
                    break
            else:
                if len(anchors) < ANCHORS:
                    anchors.append((h, sh))
    del reader
    con.execute("CREATE OR REPLACE TEMP TABLE _nd_root (h BIGINT, root BIGINT)")
    nodes = list(uf.parent)
    for k in range(0, len(nodes), CHUNK):
        part = nodes[k:k + CHUNK]
        _insert(con, "_nd_root", {"h": pa.array(part, pa.int64()),
                                  "root": pa.array([uf.find(h) for h in part], pa.int64())})


def _write(con, min_size: int) -> None:
    """Pass 4: the groups, their first posts, each text's similarity to its first post, and the
    near_duplicates table (replaced in one statement)."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _nd_member AS
        SELECT p.uid, p.h, coalesce(r.root, p.h) AS g, p.created_at, p.account_uid, p.platform
        FROM _nd_post p LEFT JOIN _nd_root r USING (h)""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _nd_group AS
        SELECT g, count(*) AS size, count(DISTINCT account_uid) AS accounts,
               first(uid ORDER BY created_at NULLS LAST, uid) AS first_uid,
               first(h ORDER BY created_at NULLS LAST, uid) AS first_h,
               first(account_uid ORDER BY created_at NULLS LAST, uid) AS first_account,
               min(created_at) AS first_at, max(created_at) AS last_at,
               list(DISTINCT platform ORDER BY platform)
                   FILTER (WHERE platform IS NOT NULL) AS platforms,
               'nd-' || left(sha256(first_uid), 16) AS group_id
        FROM _nd_member GROUP BY g HAVING count(*) >= {int(min_size)}""")
    sims: dict[str, list] = {"h": [], "sim": []}
    first: dict[int, set[str]] = {}
    result = con.execute("""
        SELECT DISTINCT m.h, g.first_h, u.norm, f.norm
        FROM _nd_member m JOIN _nd_group g USING (g)
        JOIN _nd_uniq u ON u.h = m.h JOIN _nd_uniq f ON f.h = g.first_h
        WHERE m.h <> g.first_h ORDER BY g.first_h""")
    while rows := result.fetchmany(CHUNK):  # read to the end before the next statement
        for h, fh, norm, fnorm in rows:
            if fh not in first:
                first.clear()
                first[fh] = shingles(fnorm)
            sims["h"].append(h)
            sims["sim"].append(jaccard(shingles(norm), first[fh]))
    con.execute("CREATE OR REPLACE TEMP TABLE _nd_sim (h BIGINT, sim DOUBLE)")
    _insert(con, "_nd_sim", {"h": pa.array(sims["h"], pa.int64()),
                             "sim": pa.array(sims["sim"], pa.float64())})
    con.execute("""
        CREATE OR REPLACE TABLE near_duplicates AS
        SELECT g.group_id, m.uid,
               CASE WHEN m.h = g.first_h THEN 1.0 ELSE s.sim END::DOUBLE AS similarity
        FROM _nd_member m JOIN _nd_group g USING (g) LEFT JOIN _nd_sim s USING (h)""")

