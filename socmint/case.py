"""Cases: everything happens in one, and nothing crosses between them.

A case is a folder: `case.json` (purpose, legal basis, retention, members), `evidence/` (raw
packs), `tables/case.duckdb` (evidence index and tables), `lake/` (the same tables as Parquet for
Spark), `index/` (search, later), and the audit log.
"""

from __future__ import annotations

import fcntl
import getpass
import os
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import orjson

from socmint import __version__
from socmint.errors import CaseError

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def home() -> Path:
    """Where cases live: $SOCMINT_HOME, else ~/.socmint."""
    return Path(os.environ.get("SOCMINT_HOME") or Path.home() / ".socmint").expanduser()


def operator() -> str:
    """Who is acting, for envelopes and the audit log."""
    return os.environ.get("SOCMINT_OPERATOR") or getpass.getuser()


@dataclass
class Settings:
    name: str
    purpose: str
    legal_basis: str
    retention_days: int
    created_at: str
    created_by: str
    members: list[str] = field(default_factory=list)
    engine: str = "duckdb"
    tool_version: str = __version__
    proxy: str | None = None  # every collector request goes through it: http://, socks5://
    user_agent: str | None = None  # None: socmint's own, which says what it is
    region: str | None = None  # ISO country whose phone numbers may be written without +code


class Case:
    def __init__(self, root: Path):
        self.root = Path(root)
        if not (self.root / "case.json").is_file():
            raise CaseError(f"not a case folder: {self.root}")
        self.settings = Settings(**orjson.loads((self.root / "case.json").read_bytes()))

    @property
    def name(self) -> str:
        return self.settings.name

    evidence_dir = property(lambda self: self.root / "evidence")
    tables_dir = property(lambda self: self.root / "tables")
    db_path = property(lambda self: self.root / "tables" / "case.duckdb")
    lake_dir = property(lambda self: self.root / "lake")
    index_dir = property(lambda self: self.root / "index")
    audit_path = property(lambda self: self.root / "audit.jsonl")

    @contextmanager
    def writing(self):
        """One writer at a time per case; a second one is refused, not queued silently."""
        with open(self.root / ".lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise CaseError(f"case {self.name} is busy: another socmint command writes "
                                "to it") from exc
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def describe(self) -> dict:
        d = asdict(self.settings)
        d["path"] = str(self.root)
        return d


def create(name: str, *, purpose: str, legal_basis: str, retention_days: int,
           members: list[str] | None = None, root: Path | None = None) -> Case:
    if not NAME_RE.match(name or ""):
        raise CaseError("case name: letters, digits, '.', '_' or '-', at most 80 characters")
    if not (purpose or "").strip():
        raise CaseError("a case needs a stated purpose (--purpose)")
    if not (legal_basis or "").strip():
        raise CaseError("a case needs a legal basis (--legal-basis)")
    if retention_days is None or retention_days < 1:
        raise CaseError("retention must be a positive number of days (--retention)")
    folder = (root or home() / "cases") / name
    if folder.exists():
        raise CaseError(f"case {name} already exists at {folder}")
    who = operator()
    settings = Settings(name=name, purpose=purpose.strip(), legal_basis=legal_basis.strip(),
                        retention_days=int(retention_days),
                        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        created_by=who, members=sorted({who, *(members or [])}))
    for sub in ("evidence/packs", "tables", "lake", "index"):
        (folder / sub).mkdir(parents=True)
    (folder / "case.json").write_bytes(orjson.dumps(asdict(settings), option=orjson.OPT_INDENT_2))
    return Case(folder)


OPTIONS = ("proxy", "user_agent", "region")


def set_option(case: Case, key: str, value: str | None) -> None:
    """A collection setting of the case (proxy, user agent), written back to case.json."""
    if key not in OPTIONS:
        raise CaseError(f"settable: {', '.join(OPTIONS)}; not {key!r}")
    if key == "proxy" and value and not re.match(r"^(https?|socks5h?|socks4)://[^\s]+$", value):
        raise CaseError("proxy: http://HOST:PORT, socks5://HOST:PORT (Tor: socks5://127.0.0.1:9050)")
    if key == "region" and value:
        value = value.upper()
        if not re.match(r"^[A-Z]{2}$", value):
            raise CaseError("region: a two-letter ISO country code, such as DE or GB")
    setattr(case.settings, key, value)
    (case.root / "case.json").write_bytes(orjson.dumps(asdict(case.settings),
                                                       option=orjson.OPT_INDENT_2))


def list_cases() -> list[Case]:
    base = home() / "cases"
    if not base.is_dir():
        return []
    return [Case(p) for p in sorted(base.iterdir()) if (p / "case.json").is_file()]


def set_current(case: Case) -> None:
    home().mkdir(parents=True, exist_ok=True)
    (home() / "current").write_text(str(case.root.resolve()))


def open_case(name_or_path: str | None = None) -> Case:
    """The case named (or at a path), else the current case; refuse clearly when there is none."""
    if name_or_path:
        p = Path(name_or_path)
        if (p / "case.json").is_file():
            return Case(p)
        named = home() / "cases" / name_or_path
        if (named / "case.json").is_file():
            return Case(named)
        raise CaseError(f"no case named {name_or_path!r} (see `socmint case list`)")
    env = os.environ.get("SOCMINT_CASE")
    if env:
        return open_case(env)
    marker = home() / "current"
    if marker.is_file():
        p = Path(marker.read_text().strip())
        if (p / "case.json").is_file():
            return Case(p)
    raise CaseError("no case selected: create one with `socmint case new`, or pass --case NAME")
