"""Content-addressed raw evidence: every item kept byte for byte, once, with its envelope.

Items are zstd frames appended to pack files (`evidence/packs/*.pack`); the index (a DuckDB table
beside the case's tables) maps each SHA-256 to its pack, offset and envelope. A run only ever
appends to packs of its own, so a crash leaves at most unreferenced bytes, never a bad reference.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import zstandard

from socmint.errors import EvidenceError

PACK_LIMIT = 1 << 30  # start a new pack after 1 GiB
ZSTD_LEVEL = 3

INDEX_SCHEMA = pa.schema([
    ("sha256", pa.string()),
    ("size", pa.int64()),
    ("pack", pa.string()),
    ("pack_offset", pa.int64()),
    ("stored_size", pa.int64()),
    ("platform", pa.string()),
    ("format", pa.string()),
    ("method", pa.string()),  # import | collect
    ("tool_version", pa.string()),
    ("mapper_version", pa.string()),
    ("retrieved_at", pa.timestamp("us", tz="UTC")),
    ("retrieved_at_source", pa.string()),  # payload | file_mtime | request
    ("origin", pa.string()),  # "file:<path>" or a URL
    ("source_offset", pa.int64()),  # byte offset of the item in its file
    ("source_line", pa.int64()),
    ("operator", pa.string()),
    ("run", pa.string()),
    ("stored_at", pa.timestamp("us", tz="UTC")),
    ("status", pa.string()),  # mapped | rejected | stored (a file kept whole, not mapped)
    ("reason", pa.string()),
    ("framing", pa.string()),  # how the item was cut from its file: see ingest.FRAMINGS
    ("context", pa.string()),  # JSON: what the mapping needs from outside the item's bytes
    ("source_url", pa.string()),  # the page or request the item came from, when known
])

DDL = """
CREATE TABLE IF NOT EXISTS evidence (
  sha256 VARCHAR PRIMARY KEY, size BIGINT, pack VARCHAR, pack_offset BIGINT, stored_size BIGINT,
  platform VARCHAR, format VARCHAR, method VARCHAR, tool_version VARCHAR, mapper_version VARCHAR,
  retrieved_at TIMESTAMPTZ, retrieved_at_source VARCHAR, origin VARCHAR, source_offset BIGINT,
  source_line BIGINT, operator VARCHAR, run VARCHAR, stored_at TIMESTAMPTZ, status VARCHAR,
  reason VARCHAR, framing VARCHAR, context VARCHAR, source_url VARCHAR);
CREATE TABLE IF NOT EXISTS evidence_sightings (
  sha256 VARCHAR, run VARCHAR, origin VARCHAR, source_offset BIGINT, source_line BIGINT,
  seen_at TIMESTAMPTZ);
"""

SIGHTINGS_SCHEMA = pa.schema([
    ("sha256", pa.string()), ("run", pa.string()), ("origin", pa.string()),
    ("source_offset", pa.int64()), ("source_line", pa.int64()),
    ("seen_at", pa.timestamp("us", tz="UTC")),
])


def compressor() -> zstandard.ZstdCompressor:
    """Frames that carry their size, so each item decompresses on its own."""
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_content_size=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PackWriter:
    """Appends compressed items to this run's own pack files."""

    def __init__(self, packs_dir: Path, run: str):
        self.dir = packs_dir
        self.run = run
        self.n = 0
        self.fh = None
        self.name = ""
        self.offset = 0

    def _open(self) -> None:
        self.close()
        self.n += 1
        self.name = f"{self.run}-{self.n:04d}.pack"
        self.fh = open(self.dir / self.name, "ab")
        self.offset = self.fh.tell()

    def put_frame(self, frame: bytes) -> tuple[str, int, int]:
        """An already compressed item (workers compress in parallel)."""
        if self.fh is None or self.offset >= PACK_LIMIT:
            self._open()
        self.fh.write(frame)
        at = self.offset
        self.offset += len(frame)
        return self.name, at, len(frame)

    def sync(self) -> None:
        """Bytes on disk before the index that points to them is committed."""
        if self.fh is not None:
            self.fh.flush()
            os.fsync(self.fh.fileno())

    def close(self) -> None:
        if self.fh is not None:
            self.sync()
            self.fh.close()
            self.fh = None


class PackReader:
    """Reads items back by (pack, offset, size), keeping a few packs open."""

    def __init__(self, packs_dir: Path):
        self.dir = packs_dir
        self.open_files: dict[str, object] = {}
        self._zd = zstandard.ZstdDecompressor()

    def raw_frame(self, pack: str, offset: int, size: int) -> bytes:
        fh = self.open_files.get(pack)
        if fh is None:
            path = self.dir / pack
            if not path.is_file():
                raise FileNotFoundError(pack)
            if len(self.open_files) > 16:
                self.close()
            fh = self.open_files[pack] = open(path, "rb")
        fh.seek(offset)
        frame = fh.read(size)
        if len(frame) != size:
            raise FileNotFoundError(f"{pack} is truncated")
        return frame

    def read(self, pack: str, offset: int, size: int) -> bytes:
        return self._zd.decompress(self.raw_frame(pack, offset, size))

    def close(self) -> None:
        for fh in self.open_files.values():
            fh.close()
        self.open_files.clear()


@dataclass
class Problem:
    sha256: str
    problem: str  # altered | missing
    detail: str
    origin: str


def get(con, packs_dir: Path, digest: str) -> bytes:
    """The raw bytes of one item, checked against its hash."""
    rows = con.execute("SELECT pack, pack_offset, stored_size FROM evidence WHERE sha256 = ?",
                       [digest]).fetchall()
    if not rows:
        raise EvidenceError(f"no evidence item {digest}")
    reader = PackReader(packs_dir)
    try:
        data = reader.read(*rows[0])
    finally:
        reader.close()
    if sha256(data) != digest:
        raise EvidenceError(f"evidence item {digest} is altered: its bytes no longer hash to "
                            "its name")
    return data


def verify(con, packs_dir: Path, progress=None) -> tuple[int, list[Problem]]:
    """Re-hash every stored item; name each one altered or missing."""
    reader = PackReader(packs_dir)
    problems: list[Problem] = []
    n = 0
    cur = con.execute("SELECT sha256, pack, pack_offset, stored_size, origin FROM evidence "
                      "ORDER BY pack, pack_offset")
    try:
        while batch := cur.fetchmany(4096):
            for digest, pack, offset, size, origin in batch:
                n += 1
                try:
                    data = reader.read(pack, offset, size)
                except FileNotFoundError as exc:
                    problems.append(Problem(digest, "missing", f"pack {exc} not readable", origin))
                    continue
                except zstandard.ZstdError as exc:
                    problems.append(Problem(digest, "altered", f"stored bytes corrupt ({exc})",
                                            origin))
                    continue
                if sha256(data) != digest:
                    problems.append(Problem(digest, "altered",
                                            "bytes do not hash to the item's name", origin))
            if progress:
                progress(len(batch))
    finally:
        reader.close()
    return n, problems
