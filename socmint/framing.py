"""How files become raw items, decided by content: the one place that cuts input into evidence.

A file (on disk, or a member of a zip archive) is read in one of these framings:

  lines     JSON lines: each non-empty line is an item
  document  one JSON document: the whole file is an item (up to 1 GiB)
  ytd       an X/Twitter archive part (`window.YTD.<name>.part<N> = [...]`): the whole file
  feed      RSS or Atom (XML): the whole file, read by feedparser
  csv       CSV: each record is an item, stored with the header line before it, so every item
            reads on its own (an item's bytes are `header \\n record`, exactly as in the file)
  file      anything else (images, video, HTML, text): kept whole as evidence, not mapped
  empty     nothing but whitespace: no item

Items from the same bytes are the same evidence whatever file they came in; the origin names the
file (and zip member) and the byte offset and line of the item, so it can be found again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

import orjson

from socmint.errors import SocmintError

FRAMINGS = ("lines", "document", "ytd", "csv", "feed", "file", "empty")
MAX_WHOLE = 1 << 30  # a document or file kept whole must fit in memory: larger ones are refused
MAX_CSV_RECORD = 1 << 20  # an unbalanced quote must not swallow the rest of a file into one item
HEAD = 1 << 16
DELIMITERS = (",", ";", "\t", "|")
YTD = re.compile(rb"\Awindow\.YTD\.(\w{1,100})\.part(\d{1,6})\s*=\s*")
BOM = b"\xef\xbb\xbf"
FEED = re.compile(rb"\A(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!--.{0,500}?-->\s*){0,5}"
                  rb"(?:<!DOCTYPE[^\[>]{0,200}(?:\[[^\]]{0,4000}\])?\s*>\s*)?"
                  rb"<(?:rss|feed|rdf:RDF)[\s>]", re.S)  # an RSS, Atom or RSS 1.0 root


@dataclass(frozen=True)
class Source:
    """A file to import: on disk, or a member of a zip archive."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    @property
    def origin(self) -> str:
        base = f"file:{self.path.resolve()}"
        return f"{base}!{self.member}" if self.member else base

    def size(self) -> int:
        if self.member:
            with zipfile.ZipFile(self.path) as z:
                return z.getinfo(self.member).file_size
        return self.path.stat().st_size

    def mtime(self) -> datetime:
        return datetime.fromtimestamp(self.path.stat().st_mtime, tz=timezone.utc)

    def open(self) -> BinaryIO:
        if self.member:
            z = zipfile.ZipFile(self.path)
            fh = z.open(self.member)
            fh._socmint_zip = z  # closed with the member: see _close
            return fh
        return open(self.path, "rb")

    def read(self) -> bytes:
        if self.size() > MAX_WHOLE:
            raise SocmintError(f"{self.name}: over 1 GiB to keep whole; split it, or leave it "
                               "out of the import")
        fh = self.open()
        try:
            return fh.read()
        finally:
            _close(fh)

    def sibling(self, name: str) -> Source | None:
        """A file of the given name in the same folder (or zip folder), if there is one."""
        if self.member:
            folder = self.member.rpartition("/")[0]
            want = f"{folder}/{name}" if folder else name
            with zipfile.ZipFile(self.path) as z:
                return Source(self.path, want) if want in z.namelist() else None
        other = self.path.with_name(name)
        return Source(other) if other.is_file() else None


def _close(fh) -> None:
    fh.close()
    z = getattr(fh, "_socmint_zip", None)
    if z is not None:
        z.close()


def walk(paths) -> list[Source]:
    """Files named, files inside folders named, and members of zip archives, in a stable order.

    Hidden files and folders (".git", "__MACOSX") are left out; a zip is recognised by content.
    """
    out: list[Source] = []
    for p in map(Path, paths):
        if p.is_dir():
            files = sorted(q for q in p.rglob("*") if q.is_file()
                           and not any(part.startswith(".") for part in q.relative_to(p).parts))
        elif p.is_file():
            files = [p]
        else:
            raise SocmintError(f"no such file or folder: {p}")
        for f in files:
            out.extend(_zip_members(f) if zipfile.is_zipfile(f) else [Source(f)])
    return out


def _zip_members(path: Path) -> list[Source]:
    try:
        with zipfile.ZipFile(path) as z:
            names = [i.filename for i in z.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise SocmintError(f"{path}: unreadable zip archive ({exc})") from exc
    hidden = ("__MACOSX/", ".")
    return [Source(path, n) for n in sorted(names)
            if not any(part.startswith(hidden) for part in n.split("/"))]


# ---------------------------------------------------------------- deciding the framing

def framing(src: Source | Path) -> str:
    """The framing of a file, by its first 64 KiB (and the whole first line, however long)."""
    src = src if isinstance(src, Source) else Source(Path(src))
    fh = src.open()
    try:
        head = fh.read(HEAD)
        if b"\n" not in head and len(head) == HEAD:
            head += fh.readline(MAX_WHOLE)
        at_end = not fh.read(1)
    finally:
        _close(fh)
    return framing_of(head, at_end)


def framing_of(head: bytes, at_end: bool = True) -> str:
    text = head[len(BOM):] if head.startswith(BOM) else head
    stripped = text.lstrip()
    if not stripped:
        return "empty"
    if YTD.match(stripped):
        return "ytd"
    if _json_lines(stripped, at_end):
        return "lines"
    if stripped[:1] in (b"{", b"["):
        return "document"
    if FEED.search(stripped[:8192]):  # XML says its own encoding: checked before UTF-8
        return "feed"
    if b"\x00" in head or not _utf8(head):
        return "file"
    return "csv" if _looks_like_csv(stripped, at_end) else "file"


def _json_lines(head: bytes, at_end: bool) -> bool:
    """Lines, when most complete lines of the head are JSON objects (a damaged first line does
    not turn a dump into one rejected document)."""
    lines = head.split(b"\n")
    if not at_end:
        lines = lines[:-1]  # the last one may be cut short
    lines = [ln for ln in lines if ln.strip()][:20]
    ok = 0
    for ln in lines:
        try:
            ok += type(orjson.loads(ln)) in (dict, list)
        except orjson.JSONDecodeError:
            pass
    return ok * 2 > len(lines) or (ok >= 1 and ok * 2 == len(lines) and len(lines) >= 2)


def _utf8(head: bytes, whole: bool = False) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # unless whole, a character may be cut at the end
        return not whole and exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


def _looks_like_csv(head: bytes, at_end: bool) -> bool:
    records = list(_csv_records(io.BytesIO(head)))[:3]
    if not records:
        return False
    header = records[0][2]
    delimiter = sniff_delimiter(header)
    if delimiter is None:
        return False
    n = len(_cells(header, delimiter))
    complete = records[1:] if at_end else records[1:-1]
    return all(len(_cells(r, delimiter)) == n for _, _, r in complete)


def sniff_delimiter(header: bytes) -> str | None:
    """The delimiter that cuts the header line into the most named columns (at least two)."""
    best, best_n = None, 1
    for d in DELIMITERS:
        cells = _cells(header, d)
        named = sum(1 for c in cells if c.strip())
        if len(cells) > best_n and named * 5 >= len(cells) * 4:
            best, best_n = d, len(cells)
    return best


def _cells(record: bytes, delimiter: str) -> list[str]:
    try:
        rows = list(csv.reader(io.StringIO(record.decode("utf-8", "replace")),
                               delimiter=delimiter, strict=True))
    except csv.Error:
        return []
    return rows[0] if len(rows) == 1 else []


# ---------------------------------------------------------------- cutting items

@dataclass
class Cut:
    """One raw item as it lies in its file."""

    data: bytes
    offset: int  # byte offset in the (uncompressed) file
    line: int


def cuts(src: Source, kind: str) -> Iterator[Cut]:
    if kind in ("document", "ytd", "feed", "file"):
        data = src.read()
        if kind == "file":
            yield Cut(data, 0, 1)
            return
        lead = len(BOM) if data.startswith(BOM) else 0
        body = data[lead:].strip()
        if body:
            yield Cut(body, lead + len(data[lead:]) - len(data[lead:].lstrip()), 1)
        return
    fh = src.open()
    try:
        if kind == "lines":
            yield from _line_cuts(fh)
        elif kind == "csv":
            yield from _csv_cuts(fh)
    finally:
        _close(fh)


def _line_cuts(fh) -> Iterator[Cut]:
    offset = 0
    for n, line in enumerate(fh, start=1):
        raw = line.rstrip(b"\r\n")
        if n == 1 and raw.startswith(BOM):
            raw, skip = raw[len(BOM):], len(BOM)
        else:
            skip = 0
        if raw.strip():
            yield Cut(raw, offset + skip, n)
        offset += len(line)


def _csv_records(fh) -> Iterator[tuple[int, int, bytes]]:
    """(offset, first line, bytes) of each CSV record: a record ends at a newline outside quotes
    (RFC 4180 doubles a quote inside a quoted field, so the count of quotes tells)."""
    offset = start = 0
    first = 1
    parts: list[bytes] = []
    quotes = size = 0
    for n, line in enumerate(fh, start=1):
        if not parts:
            start, first = offset, n
        parts.append(line)
        quotes += line.count(b'"')
        size += len(line)
        offset += len(line)
        if quotes % 2 == 0 or size > MAX_CSV_RECORD:
            yield start, first, b"".join(parts).rstrip(b"\r\n")
            parts, quotes, size = [], 0, 0
    if parts:
        yield start, first, b"".join(parts).rstrip(b"\r\n")


def _csv_cuts(fh) -> Iterator[Cut]:
    header = None
    for offset, line, record in _csv_records(fh):
        if header is None:
            header = record[len(BOM):] if record.startswith(BOM) else record
            continue
        if record.strip(b" "):  # a blank line is no record; a line of empty cells is one
            yield Cut(header + b"\n" + record, offset, line)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- reading items back

def read_csv_record(data: bytes):
    """A CSV item (header line, newline, one record) as a CsvRow."""
    from socmint.sources.common import CsvRow

    head, sep, record = data.partition(b"\n")
    delimiter = sniff_delimiter(head)
    if not sep or delimiter is None:
        raise ValueError("a CSV item is a header line and one record")
    text = data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    if len(rows) != 2:
        raise ValueError(f"a CSV item is a header line and one record, not {len(rows)} rows")
    names, values = rows
    if len(values) != len(names):
        raise ValueError(f"{len(values)} fields where the header names {len(names)}")
    return CsvRow(zip(names, values, strict=True))


def split_ytd(data: bytes) -> tuple[str, int, bytes]:
    """(name, part, JSON body) of an archive part."""
    m = YTD.match(data)
    if not m:
        raise ValueError("an archive part starts with window.YTD.<name>.part<N> =")
    return m[1].decode(), int(m[2]), data[m.end():].rstrip().rstrip(b";")


def archive_owner(src: Source) -> dict | None:
    """The archive's own account, from account.js beside an archive part."""
    acc = src.sibling("account.js")
    if acc is None:
        return None
    try:
        _, _, body = split_ytd(acc.read().lstrip(BOM).strip())
        account = orjson.loads(body)[0]["account"]
        owner = {"id": str(account["accountId"]), "username": account.get("username")}
    except (ValueError, KeyError, IndexError, TypeError, orjson.JSONDecodeError):
        return None
    return owner if owner["id"].isdigit() else None


MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
         (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"%PDF-", "application/pdf"),
         (b"PK\x03\x04", "application/zip"), (b"OggS", "audio/ogg"), (b"ID3", "audio/mpeg"),
         (b"\x1aE\xdf\xa3", "video/webm"))


def file_kind(data: bytes) -> str:
    """A media type from the bytes themselves (never from the file name)."""
    for magic, kind in MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    if b"\x00" not in data[:HEAD] and _utf8(data[:HEAD], whole=len(data) <= HEAD):
        head = data[:512].lstrip().lower()
        return "text/html" if head.startswith((b"<!doctype html", b"<html")) else "text/plain"
    return "application/octet-stream"
