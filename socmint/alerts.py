"""Alerts: what the tool tells an analyst without being asked, kept in the case until acknowledged.

Two sources raise them: monitoring (a watched post or account was edited or deleted, see
collect.watch) and watchlists (a rule matched an item as it arrived, see watchlists). Both go to
one table, so `socmint alerts` is the one place to look. An alert names the record it is about
(`uid`), and for a watchlist hit also the rule that matched and the text around the match.
"""

from __future__ import annotations

import pyarrow as pa

from socmint import audit, store
from socmint.case import Case
from socmint.errors import SocmintError

KINDS = ("edited", "deleted", "watchlist")

DDL = """
CREATE SEQUENCE IF NOT EXISTS alert_ids;
CREATE TABLE IF NOT EXISTS alerts (
  id BIGINT PRIMARY KEY DEFAULT nextval('alert_ids'), "at" TIMESTAMPTZ, kind VARCHAR, uid VARCHAR,
  summary VARCHAR, run VARCHAR, acknowledged BOOLEAN DEFAULT false);
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS watchlist VARCHAR;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS rule VARCHAR;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS excerpt VARCHAR;
"""
_SCHEMA = pa.schema([("at", pa.timestamp("us", tz="UTC")), ("kind", pa.string()),
                     ("uid", pa.string()), ("summary", pa.string()), ("run", pa.string()),
                     ("watchlist", pa.string()), ("rule", pa.string()), ("excerpt", pa.string())])
_INSERTED = tuple(_SCHEMA.names)
_COLUMN_LIST = ", ".join(f'"{c}"' for c in _INSERTED)
COLUMNS = ("id", "at", "kind", "uid", "summary", "run", "acknowledged", "watchlist", "rule",
           "excerpt")


def ensure_table(con) -> None:
    con.execute(DDL)


def raise_alerts(con, rows: list[dict]) -> int:
    """Insert alerts (dicts with at, kind, uid, summary, run, and optionally watchlist, rule,
    excerpt); one equal to an alert already raised in the same run is not raised again.
    Returns how many were new."""
    ensure_table(con)
    if not rows:
        return 0
    runs = sorted({r["run"] for r in rows})
    have = {tuple(r) for r in con.execute(
        "SELECT run, kind, uid, summary FROM alerts WHERE list_contains(?, run)",
        [runs]).fetchall()}
    new = []
    for r in rows:
        key = (r["run"], r["kind"], r["uid"], r["summary"])
        if key not in have:
            have.add(key)
            new.append({c: r.get(c) for c in _INSERTED})
    if new:  # through Arrow: a rule that hits half a million posts is one insert, not many
        con.register("_new_alerts", pa.Table.from_pylist(new, schema=_SCHEMA))
        try:
            con.execute(f"INSERT INTO alerts ({_COLUMN_LIST}) SELECT * FROM _new_alerts")
        finally:
            con.unregister("_new_alerts")
    return len(new)


def alerts(case: Case, unacknowledged_only: bool = True, kind: str | None = None,
           watchlist: str | None = None) -> list[dict]:
    """Alerts, newest first, as dicts of COLUMNS."""
    con = store.connect(case, read_only=True)
    try:
        if not store.scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                                 "'alerts' AND schema_name = 'main'"):
            return []
        have = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'alerts'").fetchall()}
        # a case whose alerts table predates a column reads it as NULL (only writes add it)
        col = {c: f'"{c}"' if c in have else "NULL" for c in COLUMNS}
        where, params = [], []
        if unacknowledged_only:
            where.append("NOT acknowledged")
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if watchlist:
            where.append(f"{col['watchlist']} = ?")
            params.append(watchlist)
        selected = ", ".join(f'{col[c]} AS "{c}"' for c in COLUMNS)
        sql = (f"SELECT {selected} FROM alerts "
               + ("WHERE " + " AND ".join(where) if where else "")
               + ' ORDER BY "at" DESC, id DESC')
        cur = con.execute(sql, params)
        return [dict(zip(COLUMNS, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def acknowledge(case: Case, alert_id: int | str) -> dict:
    """Mark one alert as seen; an unknown id is a user error. Audited."""
    try:
        alert_id = int(alert_id)
    except (TypeError, ValueError):
        raise SocmintError(f"an alert id is a number, not {alert_id!r}") from None
    with case.writing():
        con = store.connect(case)
        try:
            ensure_table(con)
            rows = con.execute("UPDATE alerts SET acknowledged = true WHERE id = ? "
                               "RETURNING id, kind, uid, run", [alert_id]).fetchall()
        finally:
            con.close()
        if not rows:
            raise SocmintError(f"no alert {alert_id} (see `socmint alerts`)")
        audit.record(case, "alerts.acknowledge", {"alert": rows[0][0], "kind": rows[0][1],
                                                  "uid": rows[0][2], "run": rows[0][3]})
    return {"id": rows[0][0], "kind": rows[0][1], "uid": rows[0][2], "run": rows[0][3]}
