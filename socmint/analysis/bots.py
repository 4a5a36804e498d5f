"""Bot and fake-account scoring: a logistic model over the features of socmint.analysis.accounts,
small enough to read, with the reasons for every score.

    model = train(backend, labels)            # labels: {account uid: 1 bot, 0 not}
    model.save("bots.json")                   # the whole model is this JSON file
    scored = score(backend, Model.load(p))    # an Ibis table: one row per account
    rows = scored_rows(backend, model)        # score, confidence and reasons in words

Why a logistic model: its score is a sum of one term per feature, so the reasons are exact (a
feature's contribution is its weight times its standardised value, and taking the feature away
moves the score by exactly that term); it scores as one SQL expression on DuckDB or Spark, tens
of thousands of accounts per second; and the model is a JSON file an analyst can read (the model
card beside the weights says what it was trained on and how it did).

Features (FEATURES): the profile features and the behaviour features of accounts.py, counts on a
log scale (log1p), booleans as 0/1. Left out on purpose: `verified` and other flags that say more
about how a data set was collected than about the account (a model that learns "verified means
human" from one collection fails on the next). A feature the account's data does not hold is
missing, never zero: it is scored at the training mean (contribution 0), and `confidence` is the
share of the model's total weight (sum of |weight|) carried by the features the account has. A
Telegram channel without profile fields is scored on its behaviour alone, with a confidence to
say so.

Training (`train`, or `socmint bots train`): the case's accounts with a label, features
standardised by their training mean and standard deviation, scikit-learn's LogisticRegression
(L2, C = 1, no class re-weighting, so the score is the probability at the training data's share
of bots), and a model card with 10-fold cross-validated accuracy, F1, MCC, AUC and the expected
calibration error (10 bins). scikit-learn is needed for training only (the `train` extra).

socmint ships no trained model yet: it is to be trained on real labelled accounts (the bot data
sets in ../shared/datasets/bots, not on this machine so far). Until then `socmint accounts` lists
the features, and a model trained by the analyst (`socmint bots train LABELS`) scores them.
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import ibis
import orjson

from socmint.analysis import accounts
from socmint.errors import SocmintError

# name: (source table, transform, what it is in words)
FEATURES = {
    "handle_length": ("profile", "raw", "handle length"),
    "handle_digits": ("profile", "raw", "digits in the handle"),
    "handle_trailing_digits": ("profile", "raw", "digits at the end of the handle"),
    "handle_entropy": ("profile", "raw", "handle character entropy"),
    "name_length": ("profile", "raw", "display name length"),
    "name_matches_handle": ("profile", "flag", "display name found in the handle"),
    "has_bio": ("profile", "flag", "has a bio"),
    "bio_length": ("profile", "raw", "bio length"),
    "has_url": ("profile", "flag", "has a website"),
    "default_avatar": ("profile", "flag", "default or no avatar"),
    "age_days": ("profile", "log", "account age (days)"),
    "followers": ("profile", "log", "followers"),
    "following": ("profile", "log", "accounts followed"),
    "posts_count": ("profile", "log", "posts (as the platform counts them)"),
    "follower_ratio": ("profile", "log", "followers per account followed"),
    "posts_per_day": ("profile", "log", "posts per day of the account's age"),
    "repost_share": ("behaviour", "raw", "share of reposts"),
    "reply_share": ("behaviour", "raw", "share of replies"),
    "quote_share": ("behaviour", "raw", "share of quotes"),
    "link_share": ("behaviour", "raw", "share of posts with a link"),
    "hashtags_per_post": ("behaviour", "raw", "hashtags per post"),
    "mentions_per_post": ("behaviour", "raw", "mentions per post"),
    "interval_median": ("behaviour", "log", "median time between posts (s)"),
    "interval_cv": ("behaviour", "raw", "variation of the time between posts"),
    "burstiness": ("behaviour", "raw", "burstiness"),
    "interval_entropy": ("behaviour", "raw", "entropy of the time between posts"),
    "hour_entropy": ("behaviour", "raw", "hour-of-day entropy (bits)"),
    "busiest_hour_share": ("behaviour", "raw", "share of posts in the busiest hour"),
    "sleep_gap": ("behaviour", "raw", "longest daily gap without posts (hours)"),
    "near_duplicate_share": ("behaviour", "raw", "share of copy-pasted posts"),
    "languages": ("behaviour", "raw", "languages"),
}
# what a high or low value usually means, said beside the figure
HINTS = {
    ("interval_cv", "low"): "posts at regular intervals",
    ("interval_entropy", "low"): "posts at regular intervals",
    ("burstiness", "low"): "posts like clockwork",
    ("hour_entropy", "high"): "posts around the clock",
    ("sleep_gap", "low"): "no nightly break",
    ("handle_trailing_digits", "high"): "handle ends in a run of digits",
    ("default_avatar", "high"): "no profile picture of its own",
    ("has_bio", "low"): "no bio",
    ("repost_share", "high"): "mostly reposts",
    ("near_duplicate_share", "high"): "posts copies of others' texts",
}
REASONS = 3  # reasons given per account
FOLDS = 10
MODEL_VERSION = 1


@dataclass
class Model:
    features: list[str]
    mean: list[float]
    scale: list[float]
    weight: list[float]
    intercept: float
    threshold: float = 0.5
    card: dict = field(default_factory=dict)
    version: int = MODEL_VERSION

    def save(self, path) -> Path:
        path = Path(path)
        path.write_bytes(orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2))
        return path

    @classmethod
    def load(cls, path) -> Model:
        try:
            d = orjson.loads(Path(path).read_bytes())
            m = cls(**{k: d[k] for k in ("features", "mean", "scale", "weight", "intercept",
                                          "threshold", "card", "version")})
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise SocmintError(f"bot model {path}: not a socmint model ({exc})") from exc
        n = len(m.features)
        if m.version != MODEL_VERSION or not (len(m.mean) == len(m.scale) == len(m.weight) == n):
            raise SocmintError(f"bot model {path}: version or sizes do not match")
        unknown = set(m.features) - set(FEATURES)
        if unknown:
            raise SocmintError(f"bot model {path}: unknown features {sorted(unknown)}")
        return m

    def contributions(self, row: dict) -> dict[str, float | None]:
        """Each feature's term of the logit (None: the account lacks it)."""
        out = {}
        for f, mu, sd, w in zip(self.features, self.mean, self.scale, self.weight, strict=True):
            x = _transform(f, row.get(f))
            out[f] = None if x is None else w * (x - mu) / sd
        return out

    def score_row(self, row: dict) -> float:
        """The score of one features row, in Python: the reference for score()."""
        logit = self.intercept + sum(c for c in self.contributions(row).values() if c)
        return 1 / (1 + math.exp(-logit))


def _transform(name: str, x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    how = FEATURES[name][1]
    x = float(x)
    return math.log1p(max(x, 0.0)) if how == "log" else x


def _ibis_transform(name: str, col):
    how = FEATURES[name][1]
    col = col.cast("float64")
    # not greatest(col, 0): DuckDB's greatest skips a null, and a missing count is not 0
    return (ibis.ifelse(col < 0, 0.0, col) + 1).ln() if how == "log" else col


def feature_table(backend) -> ibis.Table:
    """account, platform and every feature: the profile of each account, its behaviour where
    it has posts."""
    prof = accounts.profile_features(backend)
    beh = accounts.behaviour(backend)
    t = prof.left_join(beh, prof.account == beh.account)
    cols = {"account": prof.account, "platform": prof.platform}
    for f, (source, _, _) in FEATURES.items():
        cols[f] = (prof if source == "profile" else beh)[f]
    return t.select(**cols)


def score(backend, model: Model) -> ibis.Table:
    """account, platform, score, confidence and c_<feature> (each feature's term, null where
    missing), as one expression."""
    t = feature_table(backend)
    terms = {}
    for f, mu, sd, w in zip(model.features, model.mean, model.scale, model.weight, strict=True):
        terms[f] = w * (_ibis_transform(f, t[f]) - mu) / sd
    logit = ibis.literal(model.intercept)
    present = ibis.literal(0.0)
    for f, w in zip(model.features, model.weight, strict=True):
        logit = logit + terms[f].coalesce(0.0)
        present = present + ibis.ifelse(terms[f].isnull(), 0.0, abs(w))
    total = sum(abs(w) for w in model.weight) or 1.0
    return t.select(account=t.account, platform=t.platform,
                    score=(1 / (1 + (-logit).exp())).round(6),
                    confidence=(present / total).round(4),
                    **{f"c_{f}": terms[f] for f in model.features},
                    **{f: t[f] for f in model.features})


def scored_rows(backend, model: Model, limit: int | None = None) -> list[dict]:
    """Accounts by score, highest first, each with its top reasons in words."""
    s = score(backend, model).order_by([ibis.desc("score"), "account"])
    if limit is not None:
        s = s.limit(limit)
    rows = backend.to_pyarrow(s).to_pylist()
    out = []
    for r in rows:
        terms = {f: r[f"c_{f}"] for f in model.features if r[f"c_{f}"] is not None}
        out.append({"account": r["account"], "platform": r["platform"], "score": r["score"],
                    "confidence": r["confidence"], "bot": r["score"] >= model.threshold,
                    "reasons": reasons(model, {f: r[f] for f in model.features}, terms)})
    return out


def reasons(model: Model, row: dict, terms: dict[str, float], n: int = REASONS) -> list[str]:
    """The features that pushed the score most towards its side of the threshold, in words,
    each with its term of the logit."""
    towards_bot = model.score_row(row) >= model.threshold
    ranked = sorted(((c, f) for f, c in terms.items() if (c > 0) == towards_bot and c),
                    key=lambda x: (-abs(x[0]), x[1]))
    out = []
    for c, f in ranked[:n]:
        mean = model.mean[model.features.index(f)]
        x = _transform(f, row[f])
        side = "high" if x > mean else "low"
        hint = HINTS.get((f, side))
        said = f"{FEATURES[f][2]} {_fmt(row[f])} ({side}"
        out.append(said + (f": {hint})" if hint else ")") + f" {c:+.2f}")
    return out


def _fmt(x) -> str:
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
    return f"{x:,}" if isinstance(x, int) else str(x)


# ------------------------------------------------------------------------------- training


def read_labels(path) -> dict[str, int]:
    """A CSV with columns account (uid) and label (1/0, bot/human, true/false)."""
    yes, no = {"1", "bot", "true", "yes", "fake"}, {"0", "human", "false", "no", "genuine"}
    out = {}
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            for i, r in enumerate(csv.DictReader(fh), start=2):
                acc, lab = (r.get("account") or "").strip(), (r.get("label") or "").strip().lower()
                if not acc or lab not in yes | no:
                    raise SocmintError(f"labels {path}, line {i}: need an account uid and a "
                                       f"label (1/0, bot/human), got {acc!r}, {lab!r}")
                out[acc] = 1 if lab in yes else 0
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SocmintError(f"labels {path}: {exc}") from exc
    return out


def train(backend, labels: dict[str, int], *, source: str = "") -> Model:
    """A model from the case's labelled accounts, with its cross-validated model card."""
    try:
        import numpy as np
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise SocmintError("training needs scikit-learn: pip install 'socmint[train]'") from exc
    t = feature_table(backend)
    mem = ibis.memtable({"account": list(labels)})
    rows = backend.to_pyarrow(t.semi_join(mem, t.account == mem.account)).to_pylist()
    if not rows:
        raise SocmintError("none of the labelled accounts is in the case")
    y = np.array([labels[r["account"]] for r in rows])
    if y.min() == y.max():
        raise SocmintError("training needs labelled bots and labelled humans")
    raw = np.array([[_nan(_transform(f, r[f])) for f in FEATURES] for r in rows])
    keep = [j for j, f in enumerate(FEATURES) if np.isfinite(raw[:, j]).sum() >= 2
            and np.nanstd(raw[:, j]) > 0]
    names = [list(FEATURES)[j] for j in keep]
    mean = np.nanmean(raw[:, keep], axis=0)
    scale = np.nanstd(raw[:, keep], axis=0)
    z = np.nan_to_num((raw[:, keep] - mean) / scale)  # missing: the mean, contribution 0
    fit = LogisticRegression(C=1.0, max_iter=2000).fit(z, y)
    model = Model(features=names, mean=[float(v) for v in mean],
                  scale=[float(v) for v in scale], weight=[float(w) for w in fit.coef_[0]],
                  intercept=float(fit.intercept_[0]))
    model.card = {"trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  "source": source, "accounts": len(rows), "bots": int(y.sum()),
                  "labelled_not_in_case": len(labels) - len(rows),
                  "features": names, "left_out": sorted(set(FEATURES) - set(names)),
                  "cross_validation": _cross_validate(z, y)}
    return model


def _nan(x):
    return float("nan") if x is None else x


def _cross_validate(z, y) -> dict:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef, roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = min(FOLDS, int(min(y.sum(), len(y) - y.sum())))
    if folds < 2:
        return {"folds": 0, "note": "too few of one class to cross-validate"}
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    p = cross_val_predict(LogisticRegression(C=1.0, max_iter=2000), z, y, cv=cv,
                          method="predict_proba")[:, 1]
    guess = (p >= 0.5).astype(int)
    return {"folds": folds, "accuracy": round(float(accuracy_score(y, guess)), 4),
            "f1": round(float(f1_score(y, guess, zero_division=0)), 4),
            "mcc": round(float(matthews_corrcoef(y, guess)), 4),
            "auc": round(float(roc_auc_score(y, p)), 4),
            "calibration_error": round(float(_ece(np.asarray(y), p)), 4)}


def _ece(y, p, bins: int = 10) -> float:
    """Expected calibration error: the mean gap between score and share of bots, per bin."""
    import numpy as np

    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if inside.any():
            total += inside.sum() * abs(p[inside].mean() - y[inside].mean())
    return total / len(y)
