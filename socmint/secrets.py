"""Credentials for collectors: one file, readable by its owner only, never copied anywhere else.

`$SOCMINT_HOME/secrets.toml` holds a table per platform (and per server where a platform has
many), e.g.

    [reddit]
    client_id = "..."
    client_secret = "..."

    [mastodon."mastodon.social"]
    token = "..."

The file must be mode 0600: a file others can read is refused, not used. Values reach a request
header and nothing else: `redact` scrubs every known secret from any text socmint writes (errors,
logs, audit entries, envelopes, exported URLs), so a leak needs two mistakes, not one.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path

from socmint.case import home
from socmint.errors import SocmintError

KEY = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


def path() -> Path:
    return home() / "secrets.toml"


def load() -> dict:
    p = path()
    if not p.exists():
        return {}
    mode = stat.S_IMODE(p.stat().st_mode)
    if mode & 0o077:
        raise SocmintError(f"{p} can be read by others (mode {mode:o}): run chmod 600 {p}")
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SocmintError(f"{p}: not valid TOML ({type(exc).__name__})") from None


def get(section: str, key: str, server: str | None = None) -> str | None:
    table = load().get(section, {})
    if server is not None:
        table = table.get(server, {}) if isinstance(table.get(server), dict) else {}
    value = table.get(key) if isinstance(table, dict) else None
    return value if isinstance(value, str) and value else None


def require(section: str, key: str, server: str | None = None) -> str:
    value = get(section, key, server)
    if value is None:
        where = f"[{section}.\"{server}\"]" if server else f"[{section}]"
        raise SocmintError(f"no {key} for {where} in {path()}: add it with "
                           f"`socmint secret set {section} {key}"
                           f"{' --server ' + server if server else ''}`")
    return value


def put(section: str, key: str, value: str, server: str | None = None) -> None:
    """Write one value; the file is created 0600 and rewritten atomically."""
    for part in (section, key, server or "x"):
        if not KEY.fullmatch(part):
            raise SocmintError(f"secret names are letters, digits and . _ : -, not {part!r}")
    data = load()
    table = data.setdefault(section, {})
    if server is not None:
        table = table.setdefault(server, {})
    table[key] = value
    p = path()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(_dump(data))
    os.replace(tmp, p)


def _dump(data: dict, prefix: str = "") -> str:
    lines, tables = [], []
    for k, v in data.items():
        name = f'{prefix}."{k}"' if prefix else k
        if isinstance(v, dict):
            tables.append((name, v))
        else:
            lines.append(f"{k} = {_quote(v)}")
    out = "\n".join(lines) + ("\n" if lines else "")
    for name, v in tables:
        body = _dump(v, name)
        out += f"\n[{name}]\n{body}" if any(not isinstance(x, dict) for x in v.values()) else body
    return out


def _quote(v: str) -> str:
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


NOT_SECRET = {"handle", "username", "user", "server"}  # who you are, not how you get in


def values() -> list[str]:
    """Every secret value, longest first (so a secret containing another is scrubbed whole).
    Account names are left alone: they appear in the data collected, and are not credentials.
    """
    out: list[str] = []

    def walk(node):
        for k, v in node.items():
            if isinstance(v, dict):
                walk(v)
            elif isinstance(v, str) and len(v) >= 4 and k not in NOT_SECRET:
                out.append(v)

    try:
        walk(load())
    except SocmintError:
        return []
    return sorted(set(out), key=len, reverse=True)


def redact(text: str, known: list[str] | None = None) -> str:
    for v in values() if known is None else known:
        text = text.replace(v, "[secret]")
    return text
