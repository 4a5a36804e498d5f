"""Bot scoring: a model trained on a hand-built case scores its clockwork accounts above its
people, the SQL score is the Python reference, reasons are the terms that moved the score, and
bad model and label files are clear errors.

The case is a Twitter API v2 search page written here: BOTS accounts post every ten minutes
(+- 20 s) around the clock, mostly reposts, with handles ending in digits and no bio; PEOPLE
post a few times a day at waking hours, originals, with bios. Two thirds of each are labelled
for training; the rest are scored unseen.
"""

from __future__ import annotations

import csv
import math
import random
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from socmint import store
from socmint.analysis import bots
from socmint.errors import SocmintError

from .conftest import import_files, module_case
from .test_cli_report import socmint

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)
BOTS = [f"5{i:02d}" for i in range(12)]
PEOPLE = [f"7{i:02d}" for i in range(24)]
SILENT = "999"  # named in a mention only: no profile fields, no posts
ORIGINAL = "1000000000000000001"


def _at(seconds: float) -> str:
    t = T0 + timedelta(seconds=seconds)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"


def page() -> dict:
    rng = random.Random(20261129)
    users, tweets = [], [{"id": ORIGINAL, "author_id": PEOPLE[0], "text": "Original post",
                          "created_at": _at(-3600)}]
    n = iter(range(10**6))
    for i, uid in enumerate(BOTS):
        users.append({"id": uid, "username": f"newsdaily{rng.randint(10**7, 10**8 - 1)}",
                      "name": f"News {i}", "description": "", "created_at": "2026-02-20T00:00:00Z",
                      "public_metrics": {"followers_count": rng.randint(0, 20),
                                         "following_count": rng.randint(500, 2000),
                                         "tweet_count": rng.randint(5000, 9000)}})
        for k in range(200):
            t = {"id": f"2{next(n):018d}", "author_id": uid,
                 "created_at": _at(i * 37 + k * 600 + rng.uniform(-20, 20))}
            if k % 4:
                t.update(text="RT @p700: Original post",
                         referenced_tweets=[{"type": "retweeted", "id": ORIGINAL}])
            else:
                t["text"] = f"BREAKING story number {k} https://t.co/x{k}"
            tweets.append(t)
    for i, uid in enumerate(PEOPLE):
        users.append({"id": uid, "username": f"person_{chr(97 + i % 26)}{chr(97 + i // 26)}",
                      "name": f"Person {chr(65 + i % 26)}",
                      "description": "Teacher, runner, coffee. Opinions my own.",
                      "created_at": "2015-06-01T00:00:00Z",
                      "public_metrics": {"followers_count": rng.randint(100, 900),
                                         "following_count": rng.randint(100, 400),
                                         "tweet_count": rng.randint(300, 3000)}})
        for day in range(14):
            for _ in range(rng.randint(1, 4)):
                hour = rng.uniform(7, 23)  # awake
                tweets.append({"id": f"3{next(n):018d}", "author_id": uid,
                               "created_at": _at(day * 86400 + hour * 3600),
                               "text": f"Thinking about day {day} and {rng.random():.5f} @p999"})
    users.append({"id": SILENT, "username": "p999"})
    return {"data": tweets, "includes": {"users": users}, "meta": {"result_count": len(tweets)}}


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    with module_case(tmp_path_factory, "bots", "bots",
                     "testing bot scoring") as (c, root):
        import_files(c, root / "in", {"page.jsonl": orjson.dumps(page()) + b"\n"})
        train_on = {f"twitter:{u}": 1 for u in BOTS[:8]} | {f"twitter:{u}": 0 for u in PEOPLE[:16]}
        labels = root / "labels.csv"
        with open(labels, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["account", "label"])
            w.writerows([a, "bot" if y else "human"] for a, y in train_on.items())
        with store.tables(c, "duckdb") as b:
            model = bots.train(b, bots.read_labels(labels), source="hand-built")
        yield c, model, labels, root


def test_unseen_clockwork_accounts_score_above_people(labelled):
    c, model, _, _ = labelled
    with store.tables(c, "duckdb") as b:
        rows = {r["account"]: r for r in bots.scored_rows(b, model)}
    unseen_bots = [rows[f"twitter:{u}"]["score"] for u in BOTS[8:]]
    unseen_people = [rows[f"twitter:{u}"]["score"] for u in PEOPLE[16:]]
    assert min(unseen_bots) > model.threshold > max(unseen_people)
    top = rows[f"twitter:{BOTS[9]}"]
    assert top["bot"] and top["confidence"] == 1.0 and len(top["reasons"]) == bots.REASONS
    card = model.card
    assert (card["accounts"], card["bots"], card["labelled_not_in_case"]) == (24, 8, 0)
    assert card["cross_validation"]["folds"] == 8 and card["cross_validation"]["auc"] == 1.0
    assert "verified" not in model.features  # a collection artefact, never a feature


def test_sql_score_is_the_python_reference_and_reasons_are_its_terms(labelled):
    c, model, _, _ = labelled
    with store.tables(c, "duckdb") as b:
        scored = b.to_pyarrow(bots.score(b, model)).to_pylist()
    assert len(scored) == len(BOTS) + len(PEOPLE) + 1  # and the silent account
    for r in scored:
        features = {f: r[f] for f in model.features}
        assert r["score"] == pytest.approx(model.score_row(features), abs=1e-6)
    bot = next(r for r in scored if r["account"] == f"twitter:{BOTS[10]}")
    features = {f: bot[f] for f in model.features}
    terms = {f: v for f, v in model.contributions(features).items() if v is not None}
    said = bots.reasons(model, features, terms)
    # the term that pushed it most towards "bot" (equal terms: by feature name)
    first = min(terms, key=lambda f: (-terms[f], f))
    assert said[0].startswith(bots.FEATURES[first][2])
    # taking that feature away moves the logit by exactly its term
    without = dict(features, **{first: None})
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    assert logit(model.score_row(features)) - logit(model.score_row(without)) == \
        pytest.approx(terms[first], abs=1e-9)


def test_confidence_drops_when_the_data_lacks_features(labelled):
    c, model, _, _ = labelled
    with store.tables(c, "duckdb") as b:
        rows = {r["account"]: r for r in bots.scored_rows(b, model)}
    silent = rows[f"twitter:{SILENT}"]
    assert 0 <= silent["confidence"] < 0.5 and 0 < silent["score"] < 1
    assert all(r["confidence"] == 1.0 for a, r in rows.items() if a[8:] in BOTS)


def test_model_files_and_labels_are_checked(labelled, tmp_path):
    _, model, _, _ = labelled
    again = bots.Model.load(model.save(tmp_path / "m.json"))
    assert again == model
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SocmintError, match="not a socmint model"):
        bots.Model.load(tmp_path / "bad.json")
    d = orjson.loads((tmp_path / "m.json").read_bytes())
    d["features"][0] = "shoe_size"
    (tmp_path / "odd.json").write_bytes(orjson.dumps(d))
    with pytest.raises(SocmintError, match="unknown features"):
        bots.Model.load(tmp_path / "odd.json")
    (tmp_path / "labels.csv").write_text("account,label\ntwitter:1,maybe\n")
    with pytest.raises(SocmintError, match="line 2"):
        bots.read_labels(tmp_path / "labels.csv")


def test_cli_trains_and_scores(labelled):
    c, _, labels, root = labelled
    home = root / "home"
    card = orjson.loads(socmint(home, "bots", "train", str(labels), "--out",
                                str(root / "cli.json"), "--case", "bots", "--json").stdout)
    assert card["bots"] == 8
    rows = orjson.loads(socmint(home, "accounts", "--model", str(root / "cli.json"), "--case",
                                "bots", "--json").stdout)
    assert {r["account"][8:] for r in rows[:len(BOTS)]} == set(BOTS)
    assert socmint(home, "accounts", "--case", "bots").stderr.startswith(
        "no bot model given (socmint ships none yet)")
    plain = orjson.loads(socmint(home, "accounts", "--case", "bots", "--json").stdout)
    assert len(plain) == len(BOTS) + len(PEOPLE) + 1 and "score" not in plain[0]
    assert next(r for r in plain if r["account"] == f"twitter:{BOTS[0]}")["interval_cv"] < 0.1


@pytest.mark.spark
def test_duckdb_and_spark_give_the_same_scores(labelled):
    c, model, _, _ = labelled

    def run(engine):
        with store.tables(c, engine) as b:
            return {r["account"]: (r["score"], r["confidence"], tuple(r["reasons"]))
                    for r in bots.scored_rows(b, model)}

    on_duck, on_spark = run("duckdb"), run("spark")
    assert len(on_duck) == len(BOTS) + len(PEOPLE) + 1
    assert on_duck.keys() == on_spark.keys()
    for a, (s, conf, why) in on_duck.items():
        assert on_spark[a][0] == pytest.approx(s, abs=1e-6) and on_spark[a][1] == conf, a
        assert [w.rsplit(" ", 1)[0] for w in on_spark[a][2]] == [w.rsplit(" ", 1)[0] for w in why]
