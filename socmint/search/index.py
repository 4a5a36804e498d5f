"""The case's full-text index: one tantivy index of posts, derived from the tables, beside them.

The index is a copy that can always be rebuilt (`build`) from the current tables; `update` keeps
it in step for the posts an import, collect, edit or delete touched, and `refresh` works out
which those are from the runs not yet indexed. It stores the post uid and, so that showing a hit
needs no lookup in the tables (a scan at 10M posts), its row: time, platform, author, text.

Fields (one document per post):
  uid       the post uid: stored, and the term `update` deletes by
  row       stored only: what a hit shows (JSON: t, platform, account, author, text, deleted),
            kept in step with the tables like every other field
  key       a 64-bit hash of the uid (fast): names a post inside the index (the exact distance
            check of `near:` turns its survivors into a set of keys)
  text      the post text, through the `socmint` analyzer below (positions, for phrases)
  author    the author's handle, lower-cased and folded, with and without its server part
            ("alice@mastodon.example" and "alice"), and the account uid
  account   the account uid (fast: the author facet)
  platform, lang, type (posts.kind)                       one value each, fast where faceted;
            lang is the language detected in the text (enrich.language) where the text said
            enough, else the one the platform declared (a user's default setting, often)
  hashtag, mention, domain (registrable), host (of each link), selector (entity kinds)
  has       media, geo, link, hashtag, mention
  is        reply, repost, quote, deleted
  time      created_at as microseconds since 1970 (fast: ranges, sorting, the day facet)
  lat, lon  (fast: the geographic box)

Deleted posts stay in the index, flagged (`is:deleted`): a deleted post is often the evidence.
A post gone from the tables altogether is removed.

Text analysis (the same for indexing and for query words), for any script:
  1. in Python, when the text is not ASCII: compatibility decomposition (NFKD), combining
     diacritics dropped (Latin, Greek, Cyrillic accents, Arabic harakat and tatweel, emoji
     variation selectors), recomposition (NFC). So "cafe\u0301", "café" and "cafe" meet.
  2. in tantivy: a regex tokenizer: runs of letters and digits (with their marks) are words;
     each character of a script written without spaces (Han, kana, Hangul, Thai, Lao, Khmer,
     Myanmar, Tibetan) is a token of its own, so a word in those scripts is searched as a
     phrase of its characters; each emoji (and flag) is a token; punctuation separates.
  3. lower-case, ASCII folding (ø -> o, ß -> ss, ...), tokens longer than 64 bytes dropped.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from pathlib import Path

import orjson
import pyarrow as pa
import tantivy

from socmint.case import Case
from socmint.errors import SocmintError

SCHEMA_VERSION = 2  # 2: hits carry their row (no table lookup per search)
TOKENIZER = "socmint"
META = "search.json"
CHUNK_POSTS = 500_000  # posts read from DuckDB per query while building: bounds its memory
BATCH_ROWS = 20_000
WRITER_HEAP = 256_000_000
REBUILT_BY = ("remap", "enrich")  # runs that re-derive a table of every post: rebuild after them
REBUILD_SHARE = 0.3  # refresh rebuilds rather than updates when more than this share changed

UNSEGMENTED = (r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\p{Lao}\p{Khmer}"
               r"\p{Myanmar}\p{Tibetan}")
TOKEN_PATTERN = (
    rf"[{UNSEGMENTED}]"
    r"|\p{Extended_Pictographic}|\p{Regional_Indicator}{2}"
    rf"|[\p{{L}}\p{{N}}&&[^{UNSEGMENTED}]][\p{{L}}\p{{N}}\p{{M}}&&[^{UNSEGMENTED}]]*"
)
_UNSEGMENTED_CHAR = re.compile(
    "[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u2e80-\u2fdf"
    "\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f]")
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
                    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\ufe0e\ufe0f\u200d]")

HAS = ("media", "geo", "link", "hashtag", "mention")
IS = ("reply", "repost", "quote", "deleted")


class SearchIndexError(SocmintError):
    """The search index is missing, busy or unreadable."""


# ---------------------------------------------------------------- analysis

def fold_text(s: str) -> str:
    """Step 1 of the analysis (see the module doc): cheap for ASCII, which is left as it is."""
    if s.isascii():
        return s
    return unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFKD", s)))


@lru_cache(maxsize=1)
def analyzer() -> tantivy.TextAnalyzer:
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(TOKEN_PATTERN))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .filter(tantivy.Filter.remove_long(64))
            .build())


@lru_cache(maxsize=1)
def _keyword_analyzer() -> tantivy.TextAnalyzer:
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw())
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .build())


def terms(s: str) -> list[str]:
    """The index terms of a piece of text (a query word, a phrase)."""
    return analyzer().analyze(fold_text(s))


def unsegmented(token: str) -> bool:
    """A character of a script written without spaces (indexed one character a token)."""
    return len(token) == 1 and bool(_UNSEGMENTED_CHAR.match(token))


@lru_cache(maxsize=65536)
def fold_key(s: str) -> str:
    """A keyword value (handle, hashtag, domain, ...) as indexed: lower-cased and folded."""
    s = s.strip()
    if s.isascii():
        return s.lower()
    out = _keyword_analyzer().analyze(fold_text(s))
    return out[0] if out else ""


@lru_cache(maxsize=65536)
def _handle_terms(handle: str) -> tuple[str, ...]:
    """A handle's terms: "@Alice@server.example" -> alice@server.example, alice."""
    h = fold_key(handle.lstrip("@"))
    if not h:
        return ()
    local = h.split("@", 1)[0]
    return (h, local) if local and local != h else (h,)


# ---------------------------------------------------------------- schema and opening

def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("uid", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_unsigned_field("key", indexed=True, fast=True)
    sb.add_bytes_field("row", stored=True)
    sb.add_text_field("text", tokenizer_name=TOKENIZER, index_option="position")
    sb.add_text_field("author", tokenizer_name="raw", index_option="basic")
    for name in ("account", "platform", "lang", "hashtag", "domain"):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    for name in ("mention", "host", "selector", "type", "has", "is"):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("time", indexed=True, fast=True)
    sb.add_float_field("lat", indexed=True, fast=True)
    sb.add_float_field("lon", indexed=True, fast=True)
    return sb.build()


SCHEMA = _schema()


def _open(path: Path) -> tantivy.Index:
    try:
        idx = tantivy.Index.open(str(path))
    except ValueError as exc:
        raise SearchIndexError(f"search index at {path} is unreadable ({exc}); rebuild it") from exc
    idx.register_tokenizer(TOKENIZER, analyzer())
    return idx


def _create(path: Path) -> tantivy.Index:
    path.mkdir(parents=True)
    idx = tantivy.Index(SCHEMA, path=str(path), reuse=False)
    idx.register_tokenizer(TOKENIZER, analyzer())
    return idx


def _writer(idx: tantivy.Index, threads: int | None = None) -> tantivy.IndexWriter:
    # the Python thread making documents keeps one core busy: tantivy gets the others
    cores = os.cpu_count() or 1
    threads = threads or (1 if cores <= 2 else min(4, cores - 1))
    try:
        return idx.writer(heap_size=WRITER_HEAP, num_threads=threads)
    except ValueError as exc:
        raise SearchIndexError(f"search index busy: another socmint command writes to it ({exc})"
                          ) from exc


@contextmanager
def _committed(writer: tantivy.IndexWriter):
    """Commit what the block wrote, and wait for merges; roll back if it fails."""
    try:
        yield writer
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        try:
            writer.rollback()
        except ValueError:
            pass
        raise


def read_meta(case: Case) -> dict | None:
    p = case.index_dir / META
    try:
        return json.loads(p.read_text())
    except (FileNotFoundError, ValueError):
        return None


def _write_meta(case: Case, meta: dict) -> None:
    p = case.index_dir / META
    tmp = p.with_suffix(".tmp")
    tmp.write_text(json.dumps(meta, indent=1))
    os.replace(tmp, p)


def current_path(case: Case) -> Path | None:
    """The folder of the case's current index, when there is a usable one."""
    meta = read_meta(case)
    if not meta or meta.get("version") != SCHEMA_VERSION:
        return None
    p = case.index_dir / meta["dir"]
    return p if p.is_dir() else None


_OPEN: dict[str, tuple[Path, int, tantivy.Index]] = {}  # index folder -> (path, stamp, index)


def opened(case: Case) -> tuple[tantivy.Index, dict]:
    """The current index, opened once per process (per case) and reloaded when it changed."""
    meta = read_meta(case)
    path = current_path(case)
    if path is None:
        raise SearchIndexError(f"case {case.name} has no search index yet: build it "
                               "(`socmint search --rebuild`)")
    key = str(case.index_dir.resolve())
    stamp = meta.get("stamp", 0)
    cached = _OPEN.get(key)
    if cached is None or cached[0] != path:  # first use, or rebuilt into a new folder
        idx = _open(path)
    else:
        idx = cached[2]
        if cached[1] != stamp:
            idx.reload()
    _OPEN[key] = (path, stamp, idx)
    return idx, meta


# ---------------------------------------------------------------- reading the tables

@contextmanager
def _connection(case: Case, con):
    if con is not None:
        yield con
        return
    from socmint import store

    c = store.connect(case, read_only=True)
    try:
        yield c
    finally:
        c.close()


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' "
        "AND table_name = ?", [table]).fetchall()}


def _docs_sql(con, post_filter: str, entity_filter: str) -> str:
    """One row per post with all it needs for its document; filters name `uid` and `post`."""
    have = _columns(con, "posts")

    def col(name: str) -> str:
        return f"p.{name}" if name in have else "NULL"

    ent_live = "AND deleted_at IS NULL" if "deleted_at" in _columns(con, "entities") else ""
    host = (r"lower(regexp_extract(normalized, "
            r"'^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)', 1))")
    return f"""
    WITH p AS (SELECT * FROM posts WHERE {post_filter}),
    ents AS (
      SELECT post,
        list(DISTINCT normalized) FILTER (WHERE kind = 'hashtag') AS hashtags,
        list(DISTINCT normalized) FILTER (WHERE kind = 'mention') AS mentions,
        list(DISTINCT normalized) FILTER (WHERE kind = 'domain') AS domains,
        list(DISTINCT {host}) FILTER (WHERE kind = 'url') AS hosts,
        list(DISTINCT kind) FILTER (WHERE kind NOT IN ('language', 'place')) AS kinds,
        any_value(normalized) FILTER (WHERE kind = 'language' AND normalized <> 'unknown')
          AS detected
      FROM entities WHERE {entity_filter} AND normalized IS NOT NULL {ent_live}
      GROUP BY post),
    med AS (SELECT DISTINCT post FROM media WHERE {entity_filter})
    SELECT p.uid, hash(p.uid) AS key, p.text, p.platform, p.account_uid,
      coalesce(a.handle, a.display_name) AS handle, coalesce(ents.detected, p.language),
      epoch_us(p.created_at) AS time, {col('kind')} AS type,
      p.reply_to IS NOT NULL AS is_reply, p.repost_of IS NOT NULL AS is_repost,
      p.quote_of IS NOT NULL AS is_quote, p.deleted_at IS NOT NULL AS is_deleted,
      p.lat, p.lon, med.post IS NOT NULL AS has_media,
      ents.hashtags, ents.mentions, ents.domains, ents.hosts, ents.kinds
    FROM p
    LEFT JOIN accounts a ON a.uid = p.account_uid
    LEFT JOIN ents ON ents.post = p.uid
    LEFT JOIN med ON med.post = p.uid
    """


def _documents(batch: pa.RecordBatch) -> Iterable[tantivy.Document]:
    """The tantivy documents of one batch of `_docs_sql` rows."""
    cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
    Document = tantivy.Document
    for (uid, key, text, platform, account, handle, lang, t, kind, is_reply, is_repost,
         is_quote, is_deleted, lat, lon, has_media, hashtags, mentions, domains, hosts,
         kinds) in zip(*cols, strict=True):
        d = Document()
        d.add_text("uid", uid)
        d.add_unsigned("key", key)
        d.add_bytes("row", orjson.dumps({"t": t, "platform": platform, "account": account,
                                         "author": handle, "text": text,
                                         "deleted": bool(is_deleted)}))
        if text:
            d.add_text("text", text if text.isascii() else fold_text(text))
        if platform:
            d.add_text("platform", platform.lower())
        if account:
            d.add_text("account", account)
            d.add_text("author", fold_key(account))
        if handle:
            for h in _handle_terms(handle):
                d.add_text("author", h)
        if lang:
            d.add_text("lang", lang.lower())
        if t is not None:
            d.add_integer("time", t)
        if kind:
            d.add_text("type", kind.lower())
        if is_reply:
            d.add_text("is", "reply")
        if is_repost:
            d.add_text("is", "repost")
        if is_quote:
            d.add_text("is", "quote")
        if is_deleted:
            d.add_text("is", "deleted")
        if lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon):
            d.add_float("lat", lat)
            d.add_float("lon", lon)
            d.add_text("has", "geo")
        if has_media:
            d.add_text("has", "media")
        if hashtags:
            d.add_text("has", "hashtag")
            for v in hashtags:
                v = fold_key(v.lstrip("#"))
                if v:
                    d.add_text("hashtag", v)
        if mentions:
            d.add_text("has", "mention")
            for v in mentions:
                for m in _handle_terms(v):
                    d.add_text("mention", m)
        if domains:
            for v in domains:
                d.add_text("domain", fold_key(v))
        if hosts:
            d.add_text("has", "link")
            for v in hosts:
                if v:
                    v = fold_key(v)
                    d.add_text("host", v)
                    if v.startswith("www."):
                        d.add_text("host", v[4:])
        if kinds:
            for v in kinds:
                d.add_text("selector", v.lower())
        yield d


def _add_rows(writer: tantivy.IndexWriter, reader: pa.RecordBatchReader,
              tick: Callable[[int], None] | None) -> int:
    n = 0
    for batch in reader:
        for doc in _documents(batch):
            writer.add_document(doc)
        n += batch.num_rows
        if tick:
            tick(batch.num_rows)
    return n


# ---------------------------------------------------------------- build, update, refresh

def _locked(case: Case, con):
    """The case's writer lock, unless the caller passes its own connection (and so holds it)."""
    return case.writing() if con is None else nullcontext()


def build(case: Case, *, con=None,
          progress: Callable[[int, int], None] | None = None) -> dict:
    """Index every post of the case afresh, then swap the new index in; readers of the old one
    keep theirs until they reopen. `progress(done, total)` is called as posts go in.

    Pass `con` (an open connection) when the caller already holds the case's writer lock, as
    an import does; otherwise the lock is taken here and the tables are read read-only.
    """
    started = time.perf_counter()
    with _locked(case, con), _connection(case, con) as c:
        total = c.execute("SELECT count(*) FROM posts").fetchone()[0]
        runs = sorted(r for (r,) in c.execute(
            "SELECT run FROM evidence WHERE run IS NOT NULL UNION SELECT run FROM runs "
            "WHERE run IS NOT NULL").fetchall())
        case.index_dir.mkdir(parents=True, exist_ok=True)
        name = f"posts-{uuid.uuid4().hex[:12]}"
        path = case.index_dir / name
        idx = _create(path)
        writer = _writer(idx)
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total)

        try:
            with _committed(writer):
                chunks = max(1, -(-total // CHUNK_POSTS))
                for i in range(chunks):
                    if chunks == 1:
                        sql = _docs_sql(c, "TRUE", "TRUE")
                    else:
                        sql = _docs_sql(c, f"hash(uid) % {chunks} = {i}",
                                        f"hash(post) % {chunks} = {i}")
                    _add_rows(writer, c.sql(sql).to_arrow_reader(BATCH_ROWS), tick)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        old = read_meta(case)
        stamp = (old or {}).get("stamp", 0) + 1
        _write_meta(case, {"version": SCHEMA_VERSION, "dir": name, "stamp": stamp,
                           "posts": done, "runs": runs, "built_at": _now()})
        for p in case.index_dir.glob("posts-*"):
            if p.name != name:
                shutil.rmtree(p, ignore_errors=True)
    seconds = time.perf_counter() - started
    return {"action": "build", "posts": done, "seconds": seconds,
            "bytes": _size(path)}


def update(case: Case, uids: Iterable[str], *, con=None) -> dict:
    """Re-index these posts as the tables have them now: each uid's document is deleted, then
    added again when the post is still in the posts table (edited text, a deletion flag, new
    entities or media, a renamed author); a uid gone from the table stays deleted.

    Without an index yet, builds one. `con`: as for `build`.
    """
    uids = sorted({u for u in uids if u})
    with _locked(case, con), _connection(case, con) as c:
        return _update(case, c, uids, None)


def _update(case: Case, c, uids: list[str], runs: list[str] | None) -> dict:
    path = current_path(case)
    if path is None:
        meta = None
    else:
        meta = read_meta(case)
    if meta is None:
        return _build_locked(case, c)
    started = time.perf_counter()
    idx = _open(path)
    writer = _writer(idx)
    added = 0
    with _committed(writer):
        for start in range(0, len(uids), 50_000):
            part = uids[start:start + 50_000]
            for u in part:
                writer.delete_documents_by_term("uid", u)
            c.register("_search_uids", pa.table({"u": part}))
            try:
                sql = _docs_sql(c, "uid IN (SELECT u FROM _search_uids)",
                                "post IN (SELECT u FROM _search_uids)")
                added += _add_rows(writer, c.sql(sql).to_arrow_reader(BATCH_ROWS), None)
            finally:
                c.unregister("_search_uids")
    meta["stamp"] = meta.get("stamp", 0) + 1
    if runs:
        meta["runs"] = sorted(set(meta.get("runs", [])) | set(runs))
    meta["updated_at"] = _now()
    idx.reload()
    meta["posts"] = idx.searcher().num_docs
    _write_meta(case, meta)
    return {"action": "update", "posts": added, "removed": len(uids) - added,
            "seconds": time.perf_counter() - started}


def _build_locked(case: Case, c) -> dict:
    return build(case, con=c)


def refresh(case: Case, *, con=None) -> dict:
    """Bring the index up to date with the tables: the posts touched by every run not indexed
    yet (imports, collects) are re-indexed; a missing or outdated index, or a remap, rebuilds.

    Call it after each import or collect (with the import's connection while the case is
    still locked, or on its own after). Returns what was done.
    """
    with _locked(case, con), _connection(case, con) as c:
        meta = read_meta(case)
        if current_path(case) is None or meta is None:
            return _build_locked(case, c)
        done = dict(c.execute("SELECT run, action FROM runs WHERE status = 'done'").fetchall())
        latest = max(done) if done else ""
        indexed = set(meta.get("runs", []))
        seen = {r for (r,) in c.execute(
            "SELECT DISTINCT run FROM evidence WHERE run IS NOT NULL").fetchall()}
        # a run killed midway is folded into the tables by the next run that finished
        pending = sorted(r for r in (seen | set(done)) - indexed if r in done or r < latest)
        if not pending:
            return {"action": "none", "posts": 0}
        if any(done.get(r) in REBUILT_BY for r in pending):
            return _build_locked(case, c)
        uids = _touched(c, pending)
        if len(uids) > REBUILD_SHARE * max(meta.get("posts", 0), 1) and len(uids) > 100_000:
            return _build_locked(case, c)  # most of the case changed: faster afresh
        return _update(case, c, uids, pending)


def _touched(c, runs: list[str]) -> list[str]:
    """Posts whose document the evidence of these runs may change."""
    c.register("_search_runs", pa.table({"r": runs}))
    try:
        rows = c.execute("""
        WITH ev AS (SELECT sha256 FROM evidence WHERE run IN (SELECT r FROM _search_runs)),
        acc AS (SELECT DISTINCT uid FROM accounts_obs
                WHERE evidence IN (SELECT sha256 FROM ev)
                  AND (handle IS NOT NULL OR display_name IS NOT NULL)),
        before AS (
          SELECT o.uid, max_by(coalesce(o.handle, o.display_name),
                               (o.observed_at, o.source_offset, o.evidence)) AS name
          FROM accounts_obs o
          WHERE o.uid IN (SELECT uid FROM acc) AND o.evidence NOT IN (SELECT sha256 FROM ev)
            AND (o.handle IS NOT NULL OR o.display_name IS NOT NULL)
          GROUP BY o.uid),
        renamed AS (
          SELECT a.uid FROM accounts a JOIN acc USING (uid) LEFT JOIN before b USING (uid)
          WHERE b.name IS DISTINCT FROM coalesce(a.handle, a.display_name))
        SELECT uid FROM posts_obs WHERE evidence IN (SELECT sha256 FROM ev)
        UNION SELECT post FROM entities_obs WHERE evidence IN (SELECT sha256 FROM ev)
        UNION SELECT post FROM media_obs WHERE evidence IN (SELECT sha256 FROM ev)
        UNION SELECT uid FROM posts WHERE account_uid IN (SELECT uid FROM renamed)
        """).fetchall()
    finally:
        c.unregister("_search_runs")
    return sorted(r[0] for r in rows if r[0])


def status(case: Case) -> dict:
    """What the index holds: posts, size, when built, whether it is usable."""
    meta = read_meta(case) or {}
    path = current_path(case)
    return {"exists": path is not None, "posts": meta.get("posts", 0),
            "bytes": _size(path) if path else 0, "built_at": meta.get("built_at"),
            "updated_at": meta.get("updated_at"), "runs": len(meta.get("runs", []))}


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")
