"""The command line: parses, calls the library, prints. A user error is one line and exit 2."""

from __future__ import annotations

import sys
import time
import tomllib
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from socmint import alerts, audit, evidence, ingest, store
from socmint import case as cases
from socmint.errors import SocmintError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="socmint: a workbench for lawful social media intelligence.")
case_app = typer.Typer(no_args_is_help=True, help="Create, list and show cases.")
evidence_app = typer.Typer(no_args_is_help=True, help="The raw evidence store.")
audit_app = typer.Typer(no_args_is_help=True, help="The case's hash-chained audit log.")
secret_app = typer.Typer(no_args_is_help=True, help="Credentials for collectors (0600 file).")
bots_app = typer.Typer(no_args_is_help=True, help="Bot and fake-account models.")
alerts_app = typer.Typer(help="Alerts raised by monitoring (socmint watch) and "
                         "watchlists.")
app.add_typer(case_app, name="case")
app.add_typer(evidence_app, name="evidence")
app.add_typer(bots_app, name="bots")
app.add_typer(audit_app, name="audit")
app.add_typer(secret_app, name="secret")
app.add_typer(alerts_app, name="alerts")
watchlist_app = typer.Typer(no_args_is_help=True, help="Watchlists and lexicons: terms, "
                            "phrases, regexes, selectors and accounts matched at ingest.")
app.add_typer(watchlist_app, name="watchlist")

out = Console()
err = Console(stderr=True)

CaseOpt = Annotated[Optional[str], typer.Option("--case", "-c", help="Case name or folder "
                                                "(default: the current case).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
EngineOpt = Annotated[Optional[str], typer.Option("--engine", help="duckdb (default) or spark.")]


def _json(data) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")


def _table(title: str, columns: list[str], rows: list[list]) -> None:
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, justify="right" if c in NUMERIC else "left", overflow="fold")
    for r in rows:  # cells are Text, never markup: handles and hashtags are hostile input
        t.add_row(*[Text(f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else
                         ("" if v is None else str(v))) for v in r])
    out.print(t)


NUMERIC = {"read", "new", "updated", "duplicate", "rejected", "items", "mapped", "seq", "posts",
           "accounts", "n", "count", "rows", "interactions", "media", "entities", "seen again",
           "retention days"}


@contextmanager
def _items_bar(c, label: str, quiet: bool):
    """A progress bar over the case's evidence items."""
    con = store.connect(c, read_only=True)
    try:
        total = store.scalar(con, "SELECT count(*) FROM evidence")
    finally:
        con.close()
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=quiet or not err.is_terminal) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


# -- cases ------------------------------------------------------------------------------------
@case_app.command("new")
def case_new(
    name: str,
    purpose: Annotated[str, typer.Option(help="Why this case exists (required).")],
    legal_basis: Annotated[str, typer.Option("--legal-basis", help="The legal basis (required).")],
    retention: Annotated[int, typer.Option(help="Days to keep the data (required).")],
    member: Annotated[Optional[list[str]], typer.Option(help="Another member.")] = None,
    json: JsonOpt = False,
):
    """Create a case and make it the current one."""
    c = cases.create(name, purpose=purpose, legal_basis=legal_basis, retention_days=retention,
                     members=member)
    cases.set_current(c)
    audit.record(c, "case.new", c.describe())
    if json:
        _json(c.describe())
    else:
        out.print(f"case [bold]{c.name}[/] created at {c.root} (now the current case)")


@case_app.command("list")
def case_list(json: JsonOpt = False):
    """Every case on this machine."""
    rows = [c.describe() for c in cases.list_cases()]
    if json:
        return _json(rows)
    _table("cases", ["name", "purpose", "legal basis", "retention days", "created"],
           [[r["name"], r["purpose"], r["legal_basis"], r["retention_days"], r["created_at"]]
            for r in rows])


@case_app.command("show")
def case_show(case: CaseOpt = None, json: JsonOpt = False):
    """A case's settings and what it holds."""
    c = cases.open_case(case)
    info = c.describe()
    con = store.connect(c, read_only=True)
    try:
        info["counts"] = {t: store.scalar(con, f"SELECT count(*) FROM {t}")
                          for t in ("evidence", *store.TABLES)}
    finally:
        con.close()
    audit.record(c, "case.show", {}, info["counts"])
    if json:
        return _json(info)
    _table(f"case {c.name}", ["field", "value"],
           [[k, ", ".join(v) if isinstance(v, list) else v] for k, v in info.items()
            if k != "counts"] + [[f"{k} rows", v] for k, v in info["counts"].items()])


@case_app.command("set")
def case_set(key: Annotated[str, typer.Argument(help="proxy, user_agent or region")],
             value: Annotated[str, typer.Argument(help="e.g. socks5://127.0.0.1:9050; "
                                                     "'' to clear")],
             case: CaseOpt = None):
    """Case settings: the proxy every collector request goes through, the user agent, and the
    region (ISO country) whose phone numbers are recognised without a +country code."""
    c = cases.open_case(case)
    cases.set_option(c, key, value or None)
    audit.record(c, "case.set", {"key": key, "value": value})
    out.print(f"{key} = {value or '(default)'}", markup=False)
    if key == "region":
        out.print("posts already in the case keep their phone numbers: `socmint enrich` reads "
                  "them again with this region", markup=False)


@case_app.command("use")
def case_use(name: str):
    """Make a case the current one."""
    c = cases.open_case(name)
    cases.set_current(c)
    out.print(f"current case: {c.name}")


# -- import -----------------------------------------------------------------------------------
@app.command("import")
def import_(paths: list[Path], case: CaseOpt = None, json: JsonOpt = False,
            mapping: Annotated[Path | None, typer.Option(
                help="A TOML file declaring which column or key holds which field, for CSV or "
                     "JSON lines from a tool socmint does not know (see docs/formats.md).")
            ] = None):
    """Import files, folders or zip archives; each item's format is detected by its content."""
    c = cases.open_case(case)
    spec = _read_mapping(mapping) if mapping else None
    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), TimeElapsedColumn(), console=err,
                  disable=json or not err.is_terminal) as bar:
        def on_file(src, size: int):
            task = bar.add_task(src.name[-40:], total=size)
            return lambda n: bar.advance(task, n)

        def on_done(fr):
            if not json:
                formats = ", ".join(f"{k} {v:,}" for k, v in fr.formats.most_common())
                n = fr.counts
                out.print(f"{fr.path}: {n['read']:,} read, {n['new']:,} new, "
                          f"{n['updated']:,} updated, {n['duplicate']:,} duplicate, "
                          f"{n['rejected']:,} rejected [{formats or 'nothing'}]", markup=False,
                          soft_wrap=True)

        report = ingest.import_paths(c, paths, on_file=on_file, on_file_done=on_done,
                                     mapping=spec)
    d = report.as_dict()
    d["seconds"] = round(time.perf_counter() - started, 3)
    if json:
        return _json(d)
    i = d["items"]
    _table("import", ["read", "new", "updated", "duplicate", "rejected"],
           [[i["read"], i["new"], i["updated"], i["duplicate"], i["rejected"]]])
    _table("records", ["table", "new", "seen again"],
           [[t, report.rows_new.get(t, 0), report.rows_seen_again.get(t, 0)] for t in store.TABLES])
    for r in d["rejected_examples"][:10]:
        out.print(f"rejected {r['origin']} line {r['line']}: {r['reason']}", markup=False)
    if report.after.get("alerts"):
        out.print(f"{report.after['alerts']:,} new watchlist alerts (see `socmint alerts`)",
                  markup=False)


@app.command("formats")
def formats_cmd(json: JsonOpt = False, markdown: Annotated[bool, typer.Option(
        "--markdown", help="Print docs/formats.md.")] = False):
    """Every format socmint imports: how it is detected, what it maps, what it cannot provide."""
    from socmint.report.formats import markdown as render
    from socmint.sources import formats

    if markdown:
        sys.stdout.write(render())
        return
    rows = [{"platform": p, "format": f.name, "title": f.title, "detected_by": f.detected_by,
             "maps": f.maps, "cannot_provide": f.cannot_provide} for p, f in formats()]
    if json:
        return _json(rows)
    _table("formats", ["platform", "format", "what", "cannot provide"],
           [[r["platform"], r["format"], r["title"],
             "; ".join(f"{t}: {', '.join(v)}" for t, v in r["cannot_provide"].items())]
            for r in rows])


# -- collection -------------------------------------------------------------------------------
@app.command("collect")
def collect_cmd(
    platform: Annotated[Optional[str], typer.Argument(help="mastodon, bluesky, reddit, ...")]
    = None,
    kind: Annotated[Optional[str], typer.Option(help="What to collect, when the option used "
                                                 "does not say (e.g. public, catalog).")] = None,
    hashtag: Annotated[Optional[str], typer.Option()] = None,
    account: Annotated[Optional[str], typer.Option()] = None,
    thread: Annotated[Optional[str], typer.Option()] = None,
    query: Annotated[Optional[str], typer.Option()] = None,
    server: Annotated[Optional[str], typer.Option(help="The server (Mastodon).")] = None,
    param: Annotated[Optional[list[str]], typer.Option(help="key=value for the collector.")]
    = None,
    since: Annotated[Optional[datetime], typer.Option()] = None,
    until: Annotated[Optional[datetime], typer.Option()] = None,
    limit: Annotated[Optional[int], typer.Option(help="At most this many items per run.")]
    = None,
    job: Annotated[Optional[str], typer.Option(help="Re-run a saved job.")] = None,
    case: CaseOpt = None, json: JsonOpt = False):
    """Collect live from a platform. The job is saved in the case, so it can be re-run
    (--job) or watched; a killed job resumes where it stopped."""
    from socmint.collect import runner

    c = cases.open_case(case)
    if job is None:
        if platform is None:
            raise SocmintError("name a platform (socmint collect mastodon --hashtag osint "
                               "--server mastodon.social) or a saved job (--job ID)")
        given = {k: v for k, v in (("hashtag", hashtag), ("account", account),
                                   ("thread", thread), ("query", query)) if v is not None}
        params = {**given, **_params(param or [])}
        if server:
            params["server"] = server
        kind = kind or next(iter(given), None)
        if kind is None:
            raise SocmintError("say what to collect: --hashtag, --account, --thread, --query "
                               "or --kind")
        if kind == "query":
            kind = "search"
        job = runner.save_job(c, platform, kind, params, since=_utc(since), until=_utc(until),
                              limit=limit).id
    with Progress(TextColumn("{task.description}"), MofNCompleteColumn(), TextColumn("items"),
                  TimeElapsedColumn(), console=err, disable=json or not err.is_terminal) as bar:
        task = bar.add_task(f"collecting {job}", total=limit)

        started = time.perf_counter()

        def on_page(page, report, wait):
            if wait:
                bar.update(task, description=f"waiting {wait[0]:.0f} s ({wait[1]})")
            else:
                rate = report.posts / max(time.perf_counter() - started, 1e-6)
                bar.update(task, completed=report.posts,
                           description=f"collecting {job} ({rate:,.1f} items/s)")

        report = runner.run(c, job, on_page=on_page)
    d = report.as_dict()
    if json:
        return _json(d)
    i = d["items"]
    _table(f"collect {job}", ["pages", "read", "new", "updated", "duplicate", "rejected",
                              "requests", "waited s", "finished"],
           [[d["pages"], i["read"], i["new"], i["updated"], i["duplicate"], i["rejected"],
             d["requests"], d["waited_seconds"], "yes" if d["finished"] else "no"]])
    for p in d["problems"]:
        out.print(f"problem: {p}", markup=False, soft_wrap=True)


def _params(pairs: list[str]) -> dict:
    out_: dict = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SocmintError(f"--param takes key=value, not {pair!r}")
        out_[key] = int(value) if value.isdigit() else value
    return out_


def _utc(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt


@app.command("jobs")
def jobs_cmd(case: CaseOpt = None, json: JsonOpt = False):
    """The case's saved collection jobs, with their checkpoints."""
    from socmint.collect import runner

    c = cases.open_case(case)
    rows = [{"job": j.id, "platform": j.platform, "kind": j.kind, "params": j.params,
             "limit": j.limit, "checkpoint": cp, "last_page_at": at}
            for j, cp, at in runner.jobs(c)]
    if json:
        return _json(rows)
    _table("jobs", ["job", "platform", "kind", "params", "last page"],
           [[r["job"], r["platform"], r["kind"], orjson.dumps(r["params"]).decode(),
             r["last_page_at"]] for r in rows])


@app.command("watch")
def watch_cmd(jobs: Annotated[Optional[list[str]], typer.Argument(help="Saved job ids "
                                                                  "(default: all).")] = None,
              every: Annotated[float, typer.Option(help="Minutes between rounds.")] = 15.0,
              rounds: Annotated[Optional[int], typer.Option(help="Stop after this many "
                                                            "rounds (default: until Ctrl-C).")]
              = None,
              case: CaseOpt = None, json: JsonOpt = False):
    """Re-run saved jobs on an interval; record edits, metric changes and deletions, and raise
    alerts for edits and deletions."""
    from socmint.collect import watch

    c = cases.open_case(case)

    def on_round(r: dict) -> None:
        if json:
            sys.stdout.write(orjson.dumps(r, default=str).decode() + "\n")
            sys.stdout.flush()
            return
        for e in r["jobs"]:
            changes = ", ".join(f"{k} {v}" for k, v in e["changes"].items()) or "no changes"
            out.print(f"round {r['round']} {e['job']}: {e['status']}; {changes}"
                      + (f"; {e['error']}" if e["error"] else ""), markup=False, soft_wrap=True)
            for a in e["alerts"]:
                out.print(f"  alert: {a}", markup=False, soft_wrap=True)

    watch.watch(c, jobs or None, every=every * 60, rounds=rounds, on_round=on_round)


@alerts_app.callback(invoke_without_command=True)
def alerts_list(ctx: typer.Context, all_: Annotated[bool, typer.Option(
        "--all", help="Acknowledged ones too.")] = False,
                watchlist: Annotated[Optional[str], typer.Option(
                    "--watchlist", help="Only the hits of this watchlist.")] = None,
                case: CaseOpt = None, json: JsonOpt = False):
    """Alerts, newest first: edits and deletions seen by monitoring, and watchlist hits."""
    if ctx.invoked_subcommand:
        return
    c = cases.open_case(case)
    found = alerts.alerts(c, unacknowledged_only=not all_, watchlist=watchlist)
    audit.record(c, "alerts.list", {"all": all_, "watchlist": watchlist},
                 {"alerts": len(found)})
    if json:
        return _json(found)
    if not any(a["kind"] == "watchlist" for a in found):
        return _table("alerts", ["id", "at", "kind", "summary", "acknowledged"],
                      [[a["id"], a["at"], a["kind"], a["summary"],
                        "yes" if a["acknowledged"] else ""] for a in found])
    # a watchlist hit shows its rule and the text around the match; other alerts their summary
    _table("alerts", ["id", "at", "kind", "post", "watchlist", "rule", "excerpt / summary",
                      "acknowledged"],
           [[a["id"], a["at"], a["kind"], a["uid"], a["watchlist"], a["rule"],
             a["excerpt"] if a["kind"] == "watchlist" else a["summary"],
             "yes" if a["acknowledged"] else ""] for a in found])


@alerts_app.command("ack")
def alerts_ack(alert_id: int, case: CaseOpt = None):
    """Mark an alert as seen (audited)."""
    c = cases.open_case(case)
    alerts.acknowledge(c, alert_id)
    out.print(f"alert {alert_id} acknowledged")


# -- watchlists -------------------------------------------------------------------------------
ListOpt = Optional[list[str]]


@watchlist_app.command("add")
def watchlist_add(
        name: str,
        term: Annotated[ListOpt, typer.Option("--term", help="A word (repeatable).")] = None,
        phrase: Annotated[ListOpt, typer.Option("--phrase", help="Words in sequence.")] = None,
        regex: Annotated[ListOpt, typer.Option("--regex", help="A Python regex, "
                                               "case-insensitive.")] = None,
        selector: Annotated[ListOpt, typer.Option("--selector", help="KIND:VALUE, such as "
                                                  "email:x@example.org, phone:+4930...")] = None,
        account: Annotated[ListOpt, typer.Option("--account", help="@handle, handle@server or "
                                                 "an account uid.")] = None,
        lexicon: Annotated[ListOpt, typer.Option("--lexicon", help="A shipped lexicon by name "
                                                 "(see `watchlist lexicons`) or a file.")] = None,
        category: Annotated[Optional[str], typer.Option(help="Category of the rules given "
                                                        "here.")] = None,
        note: Annotated[Optional[str], typer.Option(help="Note on the rules given here.")]
        = None,
        description: Annotated[Optional[str], typer.Option(help="What the watchlist is "
                                                           "for.")] = None,
        case: CaseOpt = None, json: JsonOpt = False):
    """Add rules to a watchlist (created if new). Posts imported or collected from now on are
    matched; `watchlist run` matches those already in the case."""
    from socmint import watchlists as wl

    tags = {k: v for k, v in (("category", category), ("note", note)) if v}
    entries = [{kind: v, **tags} for kind, values in (
        ("term", term), ("phrase", phrase), ("regex", regex), ("selector", selector),
        ("account", account), ("lexicon", lexicon)) for v in values or ()]
    r = wl.add(cases.open_case(case), name, entries, description=description)
    if json:
        return _json(r)
    out.print(f"watchlist {name}{' created' if r['created'] else ''}: {r['added']} rules added, "
              f"{r['updated']} updated, {r['unchanged']} already there", markup=False)


@watchlist_app.command("import")
def watchlist_import(path: Path, name: Annotated[Optional[str], typer.Option(
        help="Watchlist name (default: the file's `name`).")] = None,
                     case: CaseOpt = None, json: JsonOpt = False):
    """Create or update a watchlist from a TOML file: afterwards it holds exactly the file's
    rules (docs/watchlists.md has the format)."""
    from socmint import watchlists as wl

    r = wl.import_file(cases.open_case(case), path, name)
    if json:
        return _json(r)
    out.print(f"watchlist {r['watchlist']}{' created' if r['created'] else ' updated'}: "
              f"{r['added']} rules added, {r['updated']} updated, {r['removed']} removed, "
              f"{r['unchanged']} unchanged", markup=False)


@watchlist_app.command("list")
def watchlist_list(case: CaseOpt = None, json: JsonOpt = False):
    """The case's watchlists, with their rules and how many posts they hit."""
    from socmint import watchlists as wl

    rows = wl.watchlists(cases.open_case(case))
    if json:
        return _json(rows)
    _table("watchlists", ["name", "rules", "posts hit", "lexicons", "description", "updated"],
           [[r["name"], r["rules"], r["posts_hit"], ", ".join(r["lexicons"]),
             r["description"], r["updated_at"]] for r in rows])


@watchlist_app.command("show")
def watchlist_show(name: str, case: CaseOpt = None, json: JsonOpt = False):
    """One watchlist's rules, with their ids (for `watchlist remove --rule`) and hits."""
    from socmint import watchlists as wl

    w = wl.show(cases.open_case(case), name)
    if json:
        return _json(w)
    if w["description"]:
        out.print(f"{w['name']}: {w['description']}", markup=False, soft_wrap=True)
    _table(f"rules of {name}", ["id", "kind", "pattern", "lexicon", "category", "hits", "note"],
           [[r["id"], r["kind"], r["pattern"], r["lexicon"], r["category"], r["hits"],
             r["note"]] for r in w["rules"]])


@watchlist_app.command("remove")
def watchlist_remove(name: str, rule: Annotated[Optional[list[int]], typer.Option(
        "--rule", help="Only this rule id (repeatable; see `watchlist show`).")] = None,
                     case: CaseOpt = None, json: JsonOpt = False):
    """Remove a watchlist, or some of its rules. Alerts already raised stay."""
    from socmint import watchlists as wl

    r = wl.remove(cases.open_case(case), name, rule)
    if json:
        return _json(r)
    if r["removed_watchlist"]:
        out.print(f"watchlist {name} removed ({r['removed_rules']} rules)", markup=False)
    else:
        out.print(f"removed from {name}: " + "; ".join(r["removed_rules"]), markup=False,
                  soft_wrap=True)


@watchlist_app.command("run")
def watchlist_run(names: Annotated[Optional[list[str]], typer.Argument(
        help="Watchlists (default: all).")] = None,
                  case: CaseOpt = None, json: JsonOpt = False):
    """Retro-hunt: match every post already in the case, raising alerts for hits not alerted
    before (running it again raises nothing new)."""
    from socmint import watchlists as wl

    c = cases.open_case(case)
    con = store.connect(c, read_only=True)
    try:
        total = store.scalar(con, "SELECT count(*) FROM posts")
    finally:
        con.close()
    with Progress(TextColumn("matching"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=json or not err.is_terminal) as bar:
        task = bar.add_task("matching", total=total)
        r = wl.hunt(c, names or None, on_progress=lambda n: bar.advance(task, n))
    if json:
        return _json(r.as_dict())
    out.print(f"{r.texts:,} post texts matched against {r.rules:,} rules of "
              f"{', '.join(r.watchlists) or 'no watchlist'} in {r.seconds:.1f} s: {r.hits:,} hits, "
              f"{r.alerts:,} new alerts (see `socmint alerts`)", markup=False, soft_wrap=True)
    for p in r.problems:
        err.print(f"warning: {p}", markup=False, soft_wrap=True)


@watchlist_app.command("lexicons")
def watchlist_lexicons(json: JsonOpt = False):
    """The example lexicons that ship with socmint (use with `watchlist add --lexicon NAME`)."""
    from socmint import watchlists as wl

    rows = []
    for n in wl.shipped_lexicons():
        lx = wl.load_lexicon(n)
        rows.append({"name": n, "entries": len(lx.rules), "description": lx.description,
                     "categories": sorted({r.category for r in lx.rules if r.category})})
    if json:
        return _json(rows)
    _table("lexicons", ["name", "entries", "description"],
           [[r["name"], r["entries"], r["description"]] for r in rows])


@app.command("username")
def username_cmd(name: str,
                 sites: Annotated[list[Path], typer.Option(
                     "--sites", help="A Sherlock or Maigret site catalog (data.json); "
                                     "repeatable.")],
                 case: CaseOpt = None, json: JsonOpt = False):
    """Check where a username exists, on the sites of the catalogs given. "unknown" is said
    whenever a site cannot tell (a false "found" is worse); every answer is kept as evidence."""
    from socmint.collect import username

    c = cases.open_case(case)
    catalog = username.load_catalogs(sites)
    with Progress(TextColumn("{task.description}"), console=err,
                  disable=json or not err.is_terminal) as bar:
        task = bar.add_task(f"checking {len(catalog)} sites")
        results = username.check_username(
            name, catalog, proxy=c.settings.proxy,
            on_wait=lambda s, why: bar.update(task, description=f"waiting {s:.0f} s ({why})"),
            **({"user_agent": c.settings.user_agent} if c.settings.user_agent else {}))
    username.store_results(c, name, results)
    rows = [{"site": r.site, "status": r.status, "url": r.url, "reason": r.reason,
             "http_status": r.http_status} for r in results]
    if json:
        return _json(rows)
    counts = Counter(r["status"] for r in rows)
    out.print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())), markup=False)
    _table(f"username {name}", ["site", "status", "url", "reason"],
           [[r["site"], r["status"], r["url"], r["reason"]] for r in rows
            if r["status"] in ("found", "unknown")])


@app.command("selectors")
def selectors_cmd(value: Annotated[Optional[str], typer.Argument(
        help="A selector: list the posts and accounts that carry it.")] = None,
                  kind: Annotated[Optional[str], typer.Option(help="Only this kind (email, "
                                                              "phone, btc, ...).")] = None,
                  top: Annotated[int, typer.Option(help="Rows printed.")] = 50,
                  engine: EngineOpt = None, case: CaseOpt = None, json: JsonOpt = False):
    """Selectors found in the case's posts (emails, phones, wallets, IPs, IOCs, domains), with
    how many posts and accounts carry each; with a VALUE, that selector's posts and accounts."""
    from socmint.analysis import selectors as sel

    c = cases.open_case(case)
    with store.tables(c, engine) as backend:
        result = (sel.pivot(backend, value, kind) if value
                  else sel.selectors(backend, kind, None if json else top))
    audit.record(c, "selectors", {"value": value, "kind": kind},
                 {"rows": len(result["posts"]) if value else len(result)})
    if json:
        return _json(result)
    if value:
        _table(f"posts carrying {value}", ["at", "platform", "account", "post", "text"],
               [[r["at"], r["platform"], r["account"], r["post"], (r["text"] or "")[:80]]
                for r in result["posts"]])
        out.print(f"{len(result['accounts'])} accounts: {', '.join(result['accounts'][:20])}",
                  markup=False, soft_wrap=True)
        return
    _table("selectors", ["kind", "selector", "posts", "accounts", "first seen", "last seen"],
           [[r["kind"], r["normalized"], r["posts"], r["accounts"], r["first_seen"],
             r["last_seen"]] for r in result])


@app.command("search")
def search_cmd(query: Annotated[str, typer.Argument(
                   help="The query, or @NAME for a saved search.")],
               sort: Annotated[Optional[str], typer.Option(
                   help="relevance or time (newest first).")] = None,
               limit: Annotated[int, typer.Option(help="Hits shown.")] = 20,
               save: Annotated[Optional[str], typer.Option(
                   help="Also save the query under this name (run it again as @NAME).")]
               = None,
               csv_out: Annotated[bool, typer.Option("--csv", help="Hits as CSV.")] = False,
               case: CaseOpt = None, json: JsonOpt = False):
    """Full-text search of the case's posts: words, "phrases", AND/OR/NOT, prefix*, fields
    (author: platform: lang: hashtag: domain: mention: has:media is:reply kind:email ...),
    since:/until:, geo boxes and radii; with counts per platform, language, author, day."""
    import csv as csvlib
    from dataclasses import asdict

    from socmint import search
    from socmint.search import saved

    c = cases.open_case(case)
    name = None
    if query.startswith("@") and not save:
        name = query[1:]
        found = saved.get(c, name)
        query, sort = found["query"], sort or found["sort"]
    sort = sort or "relevance"
    search.refresh(c)  # the index follows the tables: runs not indexed yet are indexed now
    r = search.search(c, query, sort=sort, limit=limit)
    if save:
        saved.save(c, save, query, sort)
    audit.record(c, "search", {"query": query, "sort": sort, "saved": name or save},
                 {"total": r.total})
    if json:
        return _json(asdict(r))
    if csv_out:
        w = csvlib.writer(sys.stdout)
        w.writerow(["uid", "created_at", "platform", "author", "score", "snippet"])
        for h in r.hits:
            w.writerow([h.uid, h.created_at, h.platform, h.author, h.score, h.snippet])
        return
    _table(f"{r.total:,} posts match ({r.took_ms:.0f} ms)", ["at", "platform", "author", "post",
                                                            "text"],
           [[h.created_at, h.platform, h.author, h.uid, h.snippet] for h in r.hits])
    for name, buckets in r.facets.items():
        if buckets:
            out.print(f"{name}: " + ", ".join(f"{b.label or b.value} {b.count:,}"
                                              for b in buckets[:8]), markup=False,
                      soft_wrap=True)


@app.command("searches")
def searches_cmd(remove: Annotated[Optional[str], typer.Option(
                     help="Forget this saved search (audited).")] = None,
                 case: CaseOpt = None, json: JsonOpt = False):
    """Saved searches (save one with `socmint search QUERY --save NAME`, run it as @NAME)."""
    from socmint.search import saved

    c = cases.open_case(case)
    if remove:
        saved.remove(c, remove)
        out.print(f"saved search {remove} removed", markup=False)
        return
    rows = saved.saved(c)
    if json:
        return _json(rows)
    _table("saved searches", ["name", "query", "sort", "saved by", "at"],
           [[r["name"], r["query"], r["sort"], r["created_by"], r["created_at"]] for r in rows])


@app.command("near-duplicates")
def near_duplicates_cmd(threshold: Annotated[float, typer.Option(
        help="Word-set similarity (Jaccard) that makes two texts the same.")] = 0.8,
                        min_size: Annotated[int, typer.Option(help="Smallest group shown.")] = 2,
                        top: Annotated[int, typer.Option(help="Groups printed.")] = 20,
                        case: CaseOpt = None, json: JsonOpt = False):
    """Group posts whose text is the same up to case, punctuation, links, mentions and a word or
    two; each group with its first poster, size, accounts and spread in time."""
    from socmint.enrich import neardup

    c = cases.open_case(case)
    with c.writing():
        con = store.connect(c)
        try:
            groups = neardup.group(con, min_size=min_size, threshold=threshold)
        finally:
            con.close()
    audit.record(c, "near_duplicates", {"threshold": threshold, "min_size": min_size},
                 {"groups": len(groups)})
    groups.sort(key=lambda g: (-g.size, g.first_at or datetime.min.replace(tzinfo=timezone.utc)))
    rows = [{"group": g.id, "size": g.size, "accounts": g.accounts, "first_post": g.first_post,
             "first_account": g.first_account, "first_at": g.first_at, "last_at": g.last_at,
             "spread_seconds": g.spread_seconds, "platforms": list(g.platforms)} for g in groups]
    if json:
        return _json(rows)
    _table(f"near-duplicate groups ({len(rows):,})", ["group", "posts", "accounts",
                                                      "first poster", "first at", "spread s"],
           [[r["group"], r["size"], r["accounts"], r["first_account"], r["first_at"],
             None if r["spread_seconds"] is None else round(r["spread_seconds"])]
            for r in rows[:top]])


@app.command("network")
def network_cmd(query: Annotated[Optional[str], typer.Option(
                    help="Only the interactions of the posts this search finds.")] = None,
                kinds: Annotated[Optional[list[str]], typer.Option(
                    "--kind", help="reply, repost, quote, mention, follow, like "
                                   "(default: all but like).")] = None,
                resolution: Annotated[float, typer.Option(
                    help="Leiden resolution: higher gives more, smaller communities.")] = 1.0,
                gexf: Annotated[Optional[Path], typer.Option(help="Write GEXF (Gephi).")] = None,
                graphml: Annotated[Optional[Path], typer.Option(help="Write GraphML.")] = None,
                top: Annotated[int, typer.Option(help="Rows per table.")] = 10,
                case: CaseOpt = None, engine: EngineOpt = None, json: JsonOpt = False):
    """Who talks to whom: the interaction network, its most central accounts, its communities
    (Leiden) and the accounts that bridge them; GEXF and GraphML for Gephi."""
    from socmint import search
    from socmint.analysis import network as nw

    c = cases.open_case(case)
    posts = None
    if query:
        search.refresh(c)
        r = search.search(c, query, limit=search.MAX_LIMIT, facets=False)
        posts = [h.uid for h in r.hits]
    kw = {"kinds": tuple(kinds)} if kinds else {}
    with store.tables(c, engine) as backend:
        net = nw.network(backend, posts, resolution=resolution, **kw)
    for path, write in ((gexf, net.write_gexf), (graphml, net.write_graphml)):
        if path:
            write(path)
            err.print(f"wrote {path}", markup=False)
    audit.record(c, "network", {"query": query, "kinds": kinds, "resolution": resolution,
                                "gexf": str(gexf) if gexf else None,
                                "graphml": str(graphml) if graphml else None},
                 {k: v for k, v in net.stats.items() if isinstance(v, int)})
    if json:
        return _json({"stats": net.stats, "top": {m: net.top(m, top) for m in TOP_MEASURES},
                      "communities": [x.as_dict() for x in net.communities[:top]],
                      "bridges": [b.as_dict() for b in net.bridges[:top]]})
    st = net.stats
    out.print(f"{st['accounts']:,} accounts, {st['interactions']:,} interactions "
              f"({', '.join(f'{k} {v:,}' for k, v in st['per_kind'].items())}); "
              f"{st['communities']:,} communities, modularity {st['modularity']:.2f}; "
              f"betweenness {st['betweenness']}", markup=False, soft_wrap=True)
    for m in TOP_MEASURES:
        _table(f"top by {m}", ["rank", "account", "platform", "community", m],
               [[r["rank"], r["handle"] or r["uid"], r["platform"], r["community"],
                 round(r["value"], 6) if isinstance(r["value"], float) else r["value"]]
                for r in net.top(m, top)])
    _table("communities", ["id", "accounts", "inside", "across", "most central"],
           [[x.id, x.size, x.interactions_inside, x.interactions_across,
             ", ".join(t["handle"] or t["uid"] for t in x.top[:3])]
            for x in net.communities[:top]])
    _table("bridges between communities", ["account", "community", "participation", "why"],
           [[b.handle or b.uid, b.community, round(b.participation, 2), b.why]
            for b in net.bridges[:top]])


TOP_MEASURES = ("pagerank", "in_strength", "out_strength", "betweenness", "coreness")


@app.command("coordination")
def coordination_cmd(explain: Annotated[Optional[str], typer.Option(
                         help="Print the evidence of this cluster, post by post.")] = None,
                     window: Annotated[int, typer.Option(
                         help="Seconds within which two actions count as together.")] = 60,
                     slow_window: Annotated[int, typer.Option(
                         help="A second, slower time scale in seconds, where only groups "
                              "count (0: off).")] = 3600,
                     kinds: Annotated[Optional[list[str]], typer.Option(
                         "--kind", help="repost, post, link, hashtag, reply, media "
                                        "(default: all).")] = None,
                     min_weight: Annotated[Optional[int], typer.Option(
                         help="Co-actions a pair needs (default: by case size).")] = None,
                     min_share: Annotated[float, typer.Option(
                         help="...and at least this share of the quieter account's posts."
                     )] = 0.1,
                     min_targets: Annotated[int, typer.Option(
                         help="Distinct targets a pair needs.")] = 2,
                     top: Annotated[int, typer.Option(help="Clusters printed.")] = 20,
                     case: CaseOpt = None, engine: EngineOpt = None, json: JsonOpt = False):
    """Accounts acting together, again and again: the same repost, text, link, hashtag set or
    reply within seconds. Clusters by strength, each with a summary; --explain shows why."""
    from socmint.analysis import coordination as co

    c = cases.open_case(case)
    kw = {"window": window, "min_weight": min_weight, "min_targets": min_targets,
          "min_share": min_share, "slow_window": slow_window}
    if kinds:
        kw["kinds"] = tuple(kinds)
    with store.tables(c, engine) as backend:
        if explain:
            rows = co.explain(backend, explain, **kw)
        else:
            found = co.clusters(backend, **kw)
    params = {**kw, "kinds": kinds, "explain": explain}
    if explain:
        audit.record(c, "coordination.explain", params, {"evidence": len(rows)})
        if json:
            return _json(rows)
        _table(f"cluster {explain}: {len(rows):,} paired actions",
               ["kind", "target", "account", "post", "at", "other account", "other post",
                "gap s"],
               [[r["kind"], r["target"], r["account"], r["post"], r["at"], r["other_account"],
                 r["other_post"], r["gap_seconds"]] for r in rows])
        return
    audit.record(c, "coordination", params, {"clusters": len(found)})
    if json:
        return _json([x.as_dict() for x in found])
    _table(f"coordinated clusters ({len(found):,})",
           ["cluster", "accounts", "window s", "co-actions", "targets", "median gap s",
            "strength"],
           [[x.id, x.size, x.window, x.coactions, x.targets, x.gap_median,
             round(x.strength, 1)]
            for x in found[:top]])
    for x in found[:min(top, 5)]:
        out.print(f"\n{x.id}: {x.summary()}", markup=False, soft_wrap=True)


@app.command("account")
def account_cmd(who: Annotated[str, typer.Argument(help="The account: its uid or handle.")],
                top: Annotated[int, typer.Option(help="Rows in each top list.")] = 10,
                case: CaseOpt = None, engine: EngineOpt = None, json: JsonOpt = False):
    """One account's profile: identity and its history (renames, bio changes), activity and
    rhythm, what it posts, whom it talks with, the selectors in its posts."""
    from socmint.analysis import accounts

    c = cases.open_case(case)
    with store.tables(c, engine) as backend:
        p = accounts.profile(backend, who, top=top)
    audit.record(c, "account", {"who": who}, {"posts": (p.behaviour or {}).get("posts", 0)})
    if json:
        return _json(p.as_dict())
    for line in accounts.describe(p):
        out.print(line, markup=False, soft_wrap=True)
    _table("identity history", ["field", "value", "first seen", "last seen"],
           [[f, r["value"], r["first_observed"], r["last_observed"]]
            for f, rows in p.history.items() for r in rows])
    _table("posts per hour of day (UTC)", [f"{h:02d}" for h in range(24)], [p.hours])
    for title, rows in (("top hashtags", p.hashtags), ("top domains", p.domains),
                        ("top mentioned", p.mentions), ("selectors", p.selectors)):
        if rows:
            _table(title, list(rows[0]), [list(r.values()) for r in rows])
    for way, rows in p.partners.items():
        if rows:
            _table(f"interaction partners ({way})", list(rows[0]), [list(r.values()) for r in rows])


@app.command("accounts")
def accounts_cmd(model: Annotated[Optional[Path], typer.Option(
                     help="A bot model (socmint bots train): score every account with it.")]
                 = None,
                 top: Annotated[int, typer.Option(help="Accounts printed.")] = 50,
                 case: CaseOpt = None, engine: EngineOpt = None, json: JsonOpt = False):
    """Every account of the case. With --model: its bot score, the confidence (how much of the
    model's weight its data covers) and the reasons, highest score first. Without: its main
    behaviour features, busiest first (socmint ships no trained model yet)."""
    from socmint.analysis import bots

    c = cases.open_case(case)
    m = bots.Model.load(model) if model else None
    with store.tables(c, engine) as backend:
        if m:
            rows = bots.scored_rows(backend, m, None if json else top)
        else:
            t = bots.feature_table(backend)
            t = t.order_by([t.hour_entropy.isnull(), "account"])  # accounts that post first
            rows = backend.to_pyarrow(t if json else t.limit(top)).to_pylist()
    audit.record(c, "accounts", {"model": str(model) if model else None}, {"rows": len(rows)})
    if json:
        return _json(rows)
    if m:
        _table(f"accounts by bot score (model: {model})",
               ["account", "score", "confidence", "reasons"],
               [[r["account"], f"{r['score']:.3f}", f"{r['confidence']:.2f}",
                 "; ".join(r["reasons"])] for r in rows])
        return
    err.print("no bot model given (socmint ships none yet): features only; train one with "
              "`socmint bots train LABELS.csv`", markup=False)
    _table("accounts", ["account", "interval median s", "interval cv", "hour entropy",
                        "repost share", "handle digits", "default avatar"],
           [[r["account"], r["interval_median"], r["interval_cv"], r["hour_entropy"],
             r["repost_share"], r["handle_digits"], r["default_avatar"]] for r in rows])


@bots_app.command("train")
def bots_train(labels: Annotated[Path, typer.Argument(
                   help="CSV with columns account (uid) and label (1/0, bot/human).")],
               out_path: Annotated[Path, typer.Option("--out", help="Where to write the model.")]
               = Path("bots.json"),
               case: CaseOpt = None, engine: EngineOpt = None, json: JsonOpt = False):
    """Train a bot model on the case's labelled accounts; print its cross-validated figures."""
    from socmint.analysis import bots

    c = cases.open_case(case)
    known = bots.read_labels(labels)
    with store.tables(c, engine) as backend:
        m = bots.train(backend, known, source=str(labels))
    m.save(out_path)
    audit.record(c, "bots.train", {"labels": str(labels), "out": str(out_path)},
                 {"accounts": m.card["accounts"], "bots": m.card["bots"]})
    if json:
        return _json(m.card)
    cv = m.card["cross_validation"]
    out.print(f"wrote {out_path}: {m.card['accounts']:,} accounts ({m.card['bots']:,} bots), "
              f"{len(m.features)} features; cross-validated: "
              + ", ".join(f"{k} {v}" for k, v in cv.items()), markup=False, soft_wrap=True)


LINK_MIN_SCORE = 0.5


def _proposals(c, backend, min_score: float, limit: int | None) -> list:
    from socmint.analysis import identity

    # Spark's lake has no decisions table: the case's decisions are passed in
    decided = ({(d["a"], d["b"]): d["verdict"] for d in identity.decisions(c)}
               if backend.name == "pyspark" else None)
    return identity.proposals(backend, min_score=min_score, limit=limit, decided=decided)


@app.command("link")
def link_cmd(a: Annotated[Optional[str], typer.Argument(
                 help="With B and --confirm or --reject: the pair to decide on.")] = None,
             b: Annotated[Optional[str], typer.Argument(help="The other account (uid).")] = None,
             confirm: Annotated[bool, typer.Option(
                 "--confirm", help="Record that A and B are the same person or operator.")]
             = False,
             reject: Annotated[bool, typer.Option(
                 "--reject", help="Record that A and B are not.")] = False,
             note: Annotated[str, typer.Option(help="Why, for the record.")] = "",
             min_score: Annotated[float, typer.Option(
                 help="Proposals scoring at least this (0-1).")] = LINK_MIN_SCORE,
             top: Annotated[int, typer.Option(help="Proposals printed.")] = 30,
             case: CaseOpt = None, engine: EngineOpt = None, json: JsonOpt = False):
    """Accounts that may belong to the same person or operator, across platforms and within
    one, each with its score and evidence: hypotheses, never facts. With A B --confirm or
    --reject, record the analyst's decision (kept, and in the audit log)."""
    from socmint.analysis import identity

    c = cases.open_case(case)
    if a or b or confirm or reject:
        if not (a and b) or confirm == reject:
            raise SocmintError("to decide on a link, give two account uids and either "
                               "--confirm or --reject")
        row = identity.decide(c, a, b, "confirmed" if confirm else "rejected", note)
        if json:
            return _json(row)
        out.print(f"{row['verdict']}: {row['a']} ~ {row['b']}", markup=False)
        return
    with store.tables(c, engine) as backend:
        found = _proposals(c, backend, min_score, None if json else top)
    audit.record(c, "identity.link", {"min_score": min_score}, {"proposals": len(found)})
    if json:
        return _json([asdict(x) for x in found])
    _table(f"possible identity links, strongest first ({len(found):,} shown)",
           ["account", "account", "score", "decision", "evidence"],
           [[x.a, x.b, f"{x.score:.2f}", x.decision or "", ", ".join(e.kind for e in x.evidence)]
            for x in found])
    for x in found[:min(top, 5)]:
        out.print(f"\n{x.summary()}", markup=False, soft_wrap=True)


@app.command("impersonators")
def impersonators_cmd(protected: Annotated[str, typer.Argument(
                          help="The account to protect: its uid or handle.")],
                      min_score: Annotated[float, typer.Option(
                          help="List accounts scoring at least this (0-1).")] = 0.3,
                      top: Annotated[int, typer.Option(help="Accounts printed.")] = 30,
                      case: CaseOpt = None, engine: EngineOpt = None, json: JsonOpt = False):
    """Accounts whose handle, name or avatar imitate an account to protect (homoglyphs, added
    underscores and digits, "official" and the like), closest first, with the evidence."""
    from socmint.analysis import identity

    c = cases.open_case(case)
    with store.tables(c, engine) as backend:
        found = identity.impersonators(backend, protected, limit=None if json else top,
                                       min_score=min_score)
    audit.record(c, "identity.impersonators", {"protected": protected, "min_score": min_score},
                 {"accounts": len(found)})
    if json:
        return _json([asdict(x) for x in found])
    _table(f"accounts imitating {protected} ({len(found):,})",
           ["account", "handle", "name", "score", "evidence"],
           [[x.uid, x.handle, x.display_name, f"{x.score:.2f}",
             "; ".join(e.says for e in x.evidence)] for x in found])


@secret_app.command("set")
def secret_set(section: str, key: str,
               server: Annotated[Optional[str], typer.Option(help="For platforms with many "
                                                             "servers (Mastodon).")] = None):
    """Store a credential in the secrets file (0600). The value is read from standard input,
    never from the command line, so it stays out of the shell history and the audit log."""
    from socmint import secrets

    value = sys.stdin.readline().strip() if not sys.stdin.isatty() else typer.prompt(
        f"{section} {key}", hide_input=True)
    if not value:
        raise SocmintError("no value given")
    secrets.put(section, key, value, server=server)
    err.print(f"stored {section} {key}{' for ' + server if server else ''} in "
              f"{secrets.path()}", markup=False)


def _read_mapping(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SocmintError(f"mapping {path}: {exc}") from exc


@app.command()
def remap(case: CaseOpt = None, json: JsonOpt = False):
    """Re-run today's mappers over the stored raw evidence (no source file is read)."""
    c = cases.open_case(case)
    with _items_bar(c, "remap", json) as advance:
        counts = ingest.remap(c, progress=advance)
    if json:
        return _json(counts)
    _table("remap", ["items", "mapped", "rejected"],
           [[counts.get("read", 0), counts.get("mapped", 0), counts.get("rejected", 0)]])


@app.command()
def enrich(case: CaseOpt = None, json: JsonOpt = False):
    """Run the enrichers (selectors, language, places) again over the posts already in the case:
    after an upgrade, or after `socmint case set region`."""
    from socmint.enrich.existing import enrich_case

    c = cases.open_case(case)
    with Progress(TextColumn("enrich"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=json or not err.is_terminal) as bar:
        task = bar.add_task("enrich", total=None)
        counts = enrich_case(c, progress=lambda done, total: bar.update(task, completed=done,
                                                                         total=total))
    if json:
        return _json(counts)
    _table("enrich", ["post observations", "entities added", "search index"],
           [[counts["observations"], counts["entities"], counts["search"]]])


# -- evidence ---------------------------------------------------------------------------------
@evidence_app.command("verify")
def evidence_verify(case: CaseOpt = None, json: JsonOpt = False):
    """Re-hash every stored item; name each altered or missing one. Exit 1 if any."""
    c = cases.open_case(case)
    with _items_bar(c, "verify", json) as advance:
        con = store.connect(c, read_only=True)
        try:
            n, problems = evidence.verify(con, c.evidence_dir / "packs", progress=advance)
        finally:
            con.close()
    _verdict(c, "evidence.verify", "items", n, problems, json,
             [f"{p.problem.upper()} {p.sha256} ({p.origin}): {p.detail}" for p in problems],
             f"{n:,} items checked, {len(problems)} altered or missing")


@evidence_app.command("show")
def evidence_show(sha256: str, case: CaseOpt = None, raw: Annotated[bool, typer.Option(
        help="Print the raw bytes instead of the envelope.")] = False):
    """One item's envelope (or, with --raw, its bytes, checked against its hash)."""
    c = cases.open_case(case)
    con = store.connect(c, read_only=True)
    try:
        if raw:
            data = evidence.get(con, c.evidence_dir / "packs", sha256)
            sys.stdout.buffer.write(data + b"\n")
            return
        cur = con.execute("SELECT * FROM evidence WHERE sha256 = ?", [sha256])
        rows = cur.fetchall()
        if not rows:
            raise SocmintError(f"no evidence item {sha256}")
        _json(dict(zip([d[0] for d in cur.description], rows[0], strict=True)))
    finally:
        con.close()
        audit.record(c, "evidence.show", {"sha256": sha256, "raw": raw})


# -- audit ------------------------------------------------------------------------------------
@audit_app.command("verify")
def audit_verify(case: CaseOpt = None, json: JsonOpt = False):
    """Check the hash chain; name each edited, removed or reordered entry. Exit 1 if any."""
    c = cases.open_case(case)
    n, problems = audit.verify(c)
    _verdict(c, "audit.verify", "entries", n, problems, json,
             [f"entry {p.seq} (line {p.line}): {p.problem}" for p in problems],
             f"{n} entries, {'chain intact' if not problems else f'{len(problems)} problems'}")


def _verdict(c, action: str, unit: str, n: int, problems: list, json: bool, lines: list[str],
             summary: str) -> None:
    """Audit a check, print what it found (or JSON), and exit 1 when anything is wrong."""
    audit.record(c, action, {}, {unit: n, "problems": len(problems)},
                 outcome="ok" if not problems else "problems")
    if json:
        _json({unit: n, "problems": [p.__dict__ for p in problems]})
    else:
        for line in lines:
            out.print(line, markup=False)
        out.print(summary)
    if problems:
        raise typer.Exit(1)


@audit_app.command("log")
def audit_log(case: CaseOpt = None, json: JsonOpt = False,
              last: Annotated[int, typer.Option(help="Show the last N entries.")] = 20):
    """The most recent audit entries."""
    c = cases.open_case(case)
    rows = audit.entries(c)[-last:]
    if json:
        return _json(rows)
    _table("audit log", ["seq", "at", "operator", "action", "outcome"],
           [[e["seq"], e["at"], e["operator"], e["action"], e["outcome"]] for e in rows])


# -- summary, report, scenario, demo ----------------------------------------------------------
def _summary(c, engine):
    from socmint.analysis.summary import summary
    with store.tables(c, engine) as backend:
        return summary(backend)


@app.command("summary")
def summary_cmd(case: CaseOpt = None, engine: EngineOpt = None, json: JsonOpt = False):
    """Items per platform and kind, busiest accounts, top hashtags and domains, rejections."""
    c = cases.open_case(case)
    s = _summary(c, engine)
    audit.record(c, "summary", {"engine": engine or c.settings.engine}, s["totals"])
    if json:
        return _json(s)
    print_summary(s)


def print_summary(s: dict) -> None:
    _table("totals", ["what", "count"], [[k.replace("_", " "), v] for k, v in s["totals"].items()])
    _table("per platform", ["platform", "accounts", "posts", "interactions", "media", "entities"],
           [[p, c.get("accounts", 0), c.get("posts", 0), c.get("interactions", 0),
             c.get("media", 0), c.get("entities", 0)] for p, c in s["per_platform"].items()])
    _table("posts by kind", ["platform", "kind", "posts"],
           [[r["platform"], r["kind"], r["n"]] for r in s["post_kinds"]])
    _table("interactions by kind", ["platform", "kind", "count"],
           [[r["platform"], r["kind"], r["n"]] for r in s["interaction_kinds"]])
    _table("busiest accounts", ["account", "platform", "posts"],
           [[r["handle"] or r["uid"], r["platform"], r["posts"]] for r in s["busiest_accounts"]])
    _table("top hashtags", ["hashtag", "posts"], [["#" + r["value"], r["posts"]]
                                                   for r in s["top_hashtags"]])
    _table("top domains", ["domain", "posts"], [[r["value"], r["posts"]] for r in s["top_domains"]])
    _table("top selectors", ["kind", "selector", "posts", "accounts"],
           [[r["kind"], r["normalized"], r["posts"], r["accounts"]] for r in s["top_selectors"]])
    _table("languages (detected)", ["language", "posts"],
           [[r["value"], r["posts"]] for r in s["languages"]])
    _table("rejected items", ["reason", "items"],
           [[r["reason"], r["items"]] for r in s["rejected_reasons"]])


@app.command("report")
def report_cmd(case: CaseOpt = None, engine: EngineOpt = None,
               out_path: Annotated[Path, typer.Option("--out", help="Where to write the HTML.")]
               = Path("report.html")):
    """Write the offline HTML overview of the case."""
    from socmint.analysis import coordination as co
    from socmint.report import overview
    c = cases.open_case(case)
    s = _summary(c, engine)
    with store.tables(c, engine) as backend:
        clusters = [x.as_dict() for x in co.clusters(backend)[:20]]
        links = [asdict(x) for x in _proposals(c, backend, LINK_MIN_SCORE, 20)]
    overview.write(out_path, c.describe(), s, engine or c.settings.engine,
                   alerts.alerts(c, kind="watchlist"), clusters, links)
    audit.record(c, "report", {"out": str(out_path.resolve())}, s["totals"])
    out.print(f"wrote {out_path}")


@app.command("scenario")
def scenario_cmd(out_dir: Path,
                 accounts: Annotated[int, typer.Option(help="Accounts to create.")] = 5000,
                 posts: Annotated[int, typer.Option(help="Posts to write.")] = 100_000,
                 seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
                 json: JsonOpt = False):
    """Write a synthetic multi-platform data set in real raw formats, with planted ground truth."""
    from socmint import scenario
    with Progress(TextColumn("scenario"), BarColumn(), TextColumn("{task.completed:,} posts"),
                  TimeElapsedColumn(), console=err, disable=json or not err.is_terminal) as bar:
        task = bar.add_task("posts", total=posts)
        result = scenario.generate(out_dir, accounts=accounts, posts=posts, seed=seed,
                                   progress=lambda n: bar.update(task, completed=n))
    if json:
        return _json(result)
    out.print(f"wrote scenario to {out_dir} (ground truth: {out_dir / 'ground_truth.json'})")


# the demo's sample watchlist: the campaign's narrative, contact and wallet,
# and a shipped lexicon (which, on this synthetic data, should stay quiet)
DEMO_WATCHLIST = [
    {"phrase": "grid levy", "category": "campaign narrative"},
    {"selector": "phone:+44 20 7946 0958", "category": "contact"},
    {"selector": "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "category": "fundraising"},
    {"lexicon": "extremist-symbols"},
]


@app.command("demo")
def demo(folder: Annotated[Path, typer.Option(help="Where to put the demo's data and case.")]
         = Path("demo"),
         posts: Annotated[int, typer.Option(help="Scenario size in posts.")] = 100_000,
         accounts: Annotated[int, typer.Option(help="Scenario size in accounts.")] = 5000):
    """The main job: scenario -> new case -> import -> summary -> report.html."""
    import os
    import shutil

    folder = folder.resolve()
    os.environ["SOCMINT_HOME"] = str(folder / "home")
    if (folder / "home").exists():
        shutil.rmtree(folder / "home")
    data = folder / "scenario"
    if not (data / "manifest.json").exists():
        shutil.rmtree(data, ignore_errors=True)  # an interrupted earlier demo's partial output
        out.print(f"[bold]1/4[/] generating the scenario ({posts:,} posts, {accounts:,} accounts)")
        scenario_cmd(data, accounts=accounts, posts=posts, seed=7, json=False)
    else:
        out.print(f"[bold]1/4[/] scenario already at {data}")
    out.print("[bold]2/4[/] creating the case")
    case_new("demo", purpose="Demonstration: find the bot network, the coordinated campaign and "
             "the spread of a doctored image in a synthetic multi-platform data set",
             legal_basis="Synthetic data only: no personal data is processed", retention=30,
             member=None, json=False)
    from socmint import watchlists

    found = watchlists.add(cases.open_case(None), "energy-campaign", DEMO_WATCHLIST,
                           description="What an analyst following the grid levy story watches")
    out.print(f"watchlist energy-campaign: {found['added']} rules, the lexicon's included",
              markup=False)
    out.print("[bold]3/4[/] importing")
    t0 = time.perf_counter()
    # the platforms' raw files; ground_truth.json stays out of the case, as an analyst's would
    import_(sorted(p for p in data.iterdir() if p.is_dir() and p.name != "media"),
            case=None, json=False, mapping=None)
    out.print(f"imported in {time.perf_counter() - t0:.1f} s")
    out.print("[bold]4/4[/] summary, coordination, identity links and report")
    summary_cmd(case=None, engine=None, json=False)
    coordination_cmd(explain=None, window=60, kinds=None, min_weight=None, min_share=0.1,
                     min_targets=2, top=10, case=None, engine=None, json=False)
    link_cmd(a=None, b=None, confirm=False, reject=False, note="", min_score=LINK_MIN_SCORE,
             top=10, case=None, engine=None, json=False)
    report_cmd(case=None, engine=None, out_path=folder / "report.html")


def main() -> None:
    try:
        app()
    except SocmintError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, markup=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
