"""The command line as a user meets it, and the HTML overview with hostile text in the data."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import orjson


def socmint(home, *args, check=True):
    env = dict(os.environ, SOCMINT_HOME=str(home), SOCMINT_OPERATOR="tester")
    p = subprocess.run([sys.executable, "-m", "socmint.cli", *args], env=env, capture_output=True,
                       text=True, timeout=300)
    if check:
        assert p.returncode == 0, p.stderr
    return p


HOSTILE = '<script>alert("x")</script><img src=http://evil.example/x.png>'


def hostile_page():
    return {"data": [{"id": "77", "text": f"{HOSTILE} #pwn<b>ed</b>", "author_id": "9",
                      "created_at": "2026-03-02T10:00:00.000Z",
                      "entities": {"hashtags": [{"start": 0, "end": 5, "tag": "<svg onload=x>"},
                                                {"start": 6, "end": 9, "tag": "[blink]boo[/]"}],
                                   "urls": [{"start": 0, "end": 5, "url": "https://t.co/x",
                                             "expanded_url": "https://evil.example/<i>"}]}}],
            "includes": {"users": [{"id": "9", "username": "<script>bad</script>",
                                    "name": HOSTILE}]},
            "meta": {"result_count": 1},
            "__twarc": {"retrieved_at": "2026-03-02T11:00:00+00:00"}}


def test_user_errors_are_one_line_and_exit_2(tmp_path):
    home = tmp_path / "home"
    p = socmint(home, "summary", check=False)
    assert p.returncode == 2 and "no case selected" in p.stderr and "Traceback" not in p.stderr
    p = socmint(home, "case", "new", "x", "--purpose", " ", "--legal-basis", "b", "--retention",
                "5", check=False)
    assert p.returncode == 2 and "purpose" in p.stderr and "Traceback" not in p.stderr
    p = socmint(home, "case", "new", "x", "--legal-basis", "b", "--retention", "5", check=False)
    assert p.returncode == 2 and "purpose" in p.stderr
    p = socmint(home, "import", str(tmp_path / "nope"), "--case", "x", check=False)
    assert p.returncode == 2 and "Traceback" not in p.stderr


def test_cli_flow_json_and_hostile_report(tmp_path):
    home = tmp_path / "home"
    socmint(home, "case", "new", "inq", "--purpose", "test", "--legal-basis", "test",
            "--retention", "7")
    data = tmp_path / "page.jsonl"
    data.write_bytes(orjson.dumps(hostile_page()) + b"\n")
    socmint(home, "watchlist", "add", "probe", "--term", "alert")
    rep = orjson.loads(socmint(home, "import", str(data), "--json").stdout)
    assert rep["after"]["alerts"] == 1
    assert rep["items"] == {"read": 1, "new": 1, "updated": 0, "duplicate": 0, "rejected": 0}
    listed = orjson.loads(socmint(home, "case", "list", "--json").stdout)
    assert [c["name"] for c in listed] == ["inq"]
    shown = orjson.loads(socmint(home, "case", "show", "--json").stdout)
    assert shown["counts"]["posts"] == 1 and shown["purpose"] == "test"
    summ = orjson.loads(socmint(home, "summary", "--json").stdout)
    assert {h["value"] for h in summ["top_hashtags"]} == {"<svg onload=x>", "[blink]boo[/]"}
    # the terminal table shows text as written: no rich markup is interpreted from the data
    assert "#[blink]boo[/]" in socmint(home, "summary").stdout
    out = tmp_path / "report.html"
    socmint(home, "report", "--out", str(out))
    html = out.read_text()
    assert "<script" not in html and "<svg onload" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;svg onload=x&gt;" in html
    assert 'term "alert"' in html.replace("&#34;", '"')  # the watchlist alert, escaped
    # offline: no tag loads anything from any host (the hostile text shows, escaped, as text)
    assert not re.search(r"""<[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "posts per hour" in html.lower()
    v = socmint(home, "evidence", "verify")
    assert "1 items checked, 0 altered" in v.stdout
    a = socmint(home, "audit", "verify")
    assert "chain intact" in a.stdout
    log = orjson.loads(socmint(home, "audit", "log", "--json").stdout)
    actions = [e["action"] for e in log]
    assert actions[:8] == ["case.new", "watchlist.add", "import", "case.show", "summary",
                           "summary", "report", "evidence.verify"]


def test_demo_runs_end_to_end_on_a_small_scenario(tmp_path):
    p = socmint(tmp_path / "unused-home", "demo", "--folder", str(tmp_path / "demo"),
                "--posts", "3000", "--accounts", "300")
    assert "busiest accounts" in p.stdout and "top hashtags" in p.stdout
    assert "top selectors" in p.stdout and "new watchlist alerts" in p.stdout
    assert "coordinated clusters" in p.stdout
    html = (tmp_path / "demo" / "report.html").read_text()
    assert "Case demo" in html and "<rect" in html  # the posts-per-hour chart has bars
    home = tmp_path / "demo" / "home"
    # the sample watchlist raised alerts at import, and the overview lists them
    raised = orjson.loads(socmint(home, "alerts", "--json").stdout)
    rules = {a["rule"] for a in raised if a["watchlist"] == "energy-campaign"}
    assert any(r.startswith('phrase "grid levy"') for r in rules)
    assert any(r.startswith("selector btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa") for r in rules)
    assert "Watchlist alerts" in html and "energy-campaign" in html
    # the overview shows the coordination clusters `socmint coordination` finds, explained
    found = orjson.loads(socmint(home, "coordination", "--json").stdout)
    assert "Coordinated clusters" in html and found  # the planted campaign, at least
    for x in found[:20]:
        assert x["id"] in html and x["summary"].split(":")[0] in html
    # the planted persons' accounts are proposed as links, in the overview too; a decision
    # is recorded, shown and audited
    truth = orjson.loads((tmp_path / "demo" / "scenario" / "ground_truth.json").read_bytes())
    persons = [tuple(sorted(p["accounts"])) for p in truth["identity"]["persons"]]
    links = orjson.loads(socmint(home, "link", "--json").stdout)
    pairs = [(x["a"], x["b"]) for x in links]
    assert set(persons) <= set(pairs[:10])
    assert "Possible identity links" in html and all(a in html and b in html for a, b in persons)
    a, b = persons[0]
    socmint(home, "link", a, b, "--confirm", "--note", "bios name each other")
    again = orjson.loads(socmint(home, "link", "--json").stdout)
    assert next(x["decision"] for x in again if (x["a"], x["b"]) == (a, b)) == "confirmed"
    assert socmint(home, "link", a, "--confirm", check=False).returncode == 2
    log = [e["action"] for e in orjson.loads(socmint(home, "audit", "log", "--json").stdout)]
    assert "identity.decide" in log and "identity.link" in log
    # the decoy imitates a planted person's handle
    decoy = truth["identity"]["decoys"][0]
    twin = next(u for u in decoy["resembles"] if u.startswith("twitter:"))
    fakes = orjson.loads(socmint(home, "impersonators", twin, "--json").stdout)
    assert decoy["accounts"][0] in [x["uid"] for x in fakes]
    # an account's profile, by handle: a planted bot posts on the clock
    bot = truth["bots"]["accounts"][0]
    prof = orjson.loads(socmint(home, "account", bot, "--json").stdout)
    assert prof["uid"] == bot and prof["behaviour"]["interval_cv"] < 0.1
    shown = socmint(home, "account", prof["identity"]["handle"]).stdout
    assert prof["identity"]["handle"] in shown and "hour" in shown
    # the campaign's wallet, phone and email (marked by Telegram) are the top selectors
    top = orjson.loads(socmint(home, "summary", "--json").stdout)["top_selectors"]
    assert {(r["kind"], r["normalized"]) for r in top[:3]} == {
        ("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), ("phone", "+442079460958"),
        ("email", "tips@gridtruth.example")}
    assert "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa" in html and "+442079460958" in html
    summary = orjson.loads(socmint(home, "summary", "--json").stdout)
    made = orjson.loads((tmp_path / "demo" / "scenario" / "manifest.json").read_bytes())["totals"]
    # every post the scenario wrote, and the Telegram service messages it wrote on top;
    # deleted posts (removed on Reddit) are counted apart
    assert (summary["totals"]["posts"] + summary["totals"]["deleted_posts"]
            == made["posts"] + made["telegram_service_messages"])
    assert summary["totals"]["rejected_items"] == 0
    assert set(summary["per_platform"]) == {"twitter", "mastodon", "bluesky", "telegram",
                                            "reddit"}
