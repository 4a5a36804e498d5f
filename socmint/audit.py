"""Append-only, hash-chained log of what was done in a case, by whom, when and why.

Each entry carries the hash of the one before it and its own hash over its canonical JSON, so an
edited, removed or reordered entry breaks the chain. `audit.head` holds the last sequence number
and hash, so cutting entries off the end is detected too.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson

from socmint.case import Case, operator

GENESIS = "0" * 64


def _digest(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _head_path(case: Case) -> Path:
    return case.root / "audit.head"


def _read_head(case: Case) -> tuple[int, str]:
    p = _head_path(case)
    if not p.exists():
        return 0, GENESIS
    seq, h = p.read_text().split()
    return int(seq), h


def record(case: Case, action: str, params: dict | None = None, counts: dict | None = None,
           outcome: str = "ok") -> dict:
    """Append one entry; a lock keeps two processes from forking the chain."""
    with open(case.root / ".audit.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _append(case, action, params, counts, outcome)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _append(case, action, params, counts, outcome) -> dict:
    seq, prev = _read_head(case)
    entry = {
        "seq": seq + 1,
        "at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        "operator": operator(),
        "action": action,
        "params": params or {},
        "counts": counts or {},
        "outcome": outcome,
        "purpose": case.settings.purpose,
        "prev": prev,
    }
    entry["hash"] = _digest(entry)
    line = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS) + b"\n"
    with open(case.audit_path, "ab") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())
    tmp = _head_path(case).with_suffix(".tmp")
    tmp.write_text(f"{entry['seq']} {entry['hash']}\n")
    os.replace(tmp, _head_path(case))
    return entry


@dataclass
class AuditProblem:
    line: int
    seq: int | None
    problem: str


def entries(case: Case) -> list[dict]:
    if not case.audit_path.exists():
        return []
    return [orjson.loads(line) for line in case.audit_path.read_bytes().splitlines() if line]


def verify(case: Case) -> tuple[int, list[AuditProblem]]:
    """Walk the chain; return the number of entries and every break found."""
    problems: list[AuditProblem] = []
    prev, expected_seq, n = GENESIS, 1, 0
    raw = case.audit_path.read_bytes().splitlines() if case.audit_path.exists() else []
    for i, line in enumerate(raw, start=1):
        n += 1
        try:
            e = orjson.loads(line)
            seq = e.get("seq")
        except (orjson.JSONDecodeError, AttributeError):
            problems.append(AuditProblem(i, None, "unreadable entry"))
            prev, expected_seq = None, expected_seq + 1
            continue
        if e.get("hash") != _digest(e):
            problems.append(AuditProblem(i, seq, "entry altered: its hash does not match "
                                         "its content"))
        if seq != expected_seq:
            problems.append(AuditProblem(i, seq, f"sequence broken: expected {expected_seq}, "
                                         f"found {seq} (an entry was removed, inserted or moved)"))
        if prev is not None and e.get("prev") != prev:
            problems.append(AuditProblem(i, seq, "chain broken: previous-hash does not match "
                                         "the entry before"))
        prev = e.get("hash")
        expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
    head_seq, head_hash = _read_head(case)
    if head_seq != n or (n and head_hash != prev):
        problems.append(AuditProblem(n, head_seq, f"log ends at entry {n} but its head records "
                                     f"entry {head_seq}: entries were cut off or the head was "
                                     "altered"))
    return n, problems
