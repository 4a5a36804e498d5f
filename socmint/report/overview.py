"""The offline HTML overview of a case: one self-contained file, no third-party host.

Everything from social media (handles, hashtags, domains, reasons, alert excerpts) is escaped by
Jinja's autoescape; the posts-per-hour chart is inline SVG drawn here.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from socmint import __version__
from socmint.enrich import places

_ENV = Environment(loader=PackageLoader("socmint.report", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True))


def hourly_chart(series: list[dict], width: int = 960, height: int = 220) -> dict:
    """Bar geometry for the posts-per-hour chart (numbers only; the template draws it)."""
    if not series:
        return {"bars": [], "width": width, "height": height, "max": 0, "ticks": []}
    top = max(p["posts"] for p in series) or 1
    left, bottom, plot_h = 48, 28, height - 40
    slot = (width - left - 8) / len(series)
    bars = []
    for i, p in enumerate(series):
        h = plot_h * p["posts"] / top
        bars.append({"x": round(left + i * slot, 2), "y": round(height - bottom - h, 2),
                     "w": round(max(slot - 0.5, 0.5), 2), "h": round(h, 2),
                     "label": f"{p['hour']}: {p['posts']} posts"})
    step = max(1, len(series) // 8)
    ticks = [{"x": round(left + i * slot, 2), "label": series[i]["hour"][:13].replace("T", " ")}
             for i in range(0, len(series), step)]
    return {"bars": bars, "width": width, "height": height, "max": top, "ticks": ticks,
            "left": left, "base": height - bottom}


def place_names(rows: list[dict]) -> list[dict]:
    """Top places with the gazetteer's name, country and coordinates beside the id."""
    out = []
    for r in rows:
        p = places.place(r["value"])
        out.append({**r, "name": p.name if p else r["value"], "country": p.country if p else "",
                    "coords": f"{p.lat:.3f}, {p.lon:.3f}" if p else ""})
    return out


def render(case_info: dict, summary: dict, engine: str, alerts: list[dict] | None = None,
           clusters: list[dict] | None = None, links: list[dict] | None = None) -> str:
    return _ENV.get_template("overview.html").render(
        case=case_info, s=summary, chart=hourly_chart(summary["posts_per_hour"]), engine=engine,
        alerts=alerts or [], places=place_names(summary.get("top_places", [])),
        clusters=clusters or [], links=links or [],
        version=__version__, generated=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def write(path: Path, case_info: dict, summary: dict, engine: str,
          alerts: list[dict] | None = None, clusters: list[dict] | None = None,
          links: list[dict] | None = None) -> Path:
    path = Path(path)
    path.write_text(render(case_info, summary, engine, alerts, clusters, links),
                    encoding="utf-8")
    return path
