"""A health score a person can read: a points model like a credit scorecard, fitted against churn.

Each chosen variable of the customer table is cut into a few ranges (`bin_variable`): numbers at
their quartiles (rounded to readable values, ties kept together, "logins_30d below 5"), categories
kept when they hold at least 5% of the customers and grouped as "another value" otherwise, missing
values in a range of their own. A regularised logistic regression on the one-hot ranges
(scikit-learn, L2) weighs the ranges against the churn flag; its coefficients become points
(`points_from_coefficients`): within a variable the range with the least churn risk carries the
variable's maximum, the riskiest carries 0, and the maxima sum to 100, so a customer in the best
range of every variable scores 100 and one in the worst scores 0. Points are whole numbers.

Honesty. The model is fitted on a stratified 70% of the customers and judged on the other 30%:
the area under the ROC curve of the health (higher = stays) on that held-out part, with a 95%
bootstrap interval (`auc_interval`, 200 resamples drawn at once as multinomial counts over the
held-out (health, churned) cells, so it costs milliseconds at any size). When the interval
includes 0.5 the score has no signal: `signal` is False, the sentence says
"no signal: this score does not predict churn", and every status is "unscored", so nobody is
called at risk on the strength of noise. Calibration: the held-out customers in ten groups by
predicted risk (a one-variable logistic fit of churn on the health, on the training part),
predicted vs observed churn rate.

Time-honest history. A customers file's churn flag and its usage columns are both read on the day
of the export, so a usage column may already know who left. When the dataset has dated transactions
or events, `health_from_dataset(..., as_of=CUT)` rebuilds the customer table from the activity on or
before CUT (`Dataset.customer_table(as_of=CUT)`), keeps the customers active in the `window_days`
before CUT (they were still there), and calls a customer churned when they have no activity in the
`window_days` after CUT. The default variables are then the activity features; a column of the
customers file chosen anyway is named in the notes as read at export time.

Editing. Points are data: `HealthScore.with_points(table)` takes an edited points table and returns
a new score (held-out AUC, interval and calibration recomputed for the edited points);
`with_cutoffs` moves the status cut-offs by hand. Reasons: per customer, the two or three ranges where they
lost the most points, in plain words.

Cut-offs from the data (`data_cutoffs`), so that "at risk" does not cry wolf: the customers whose outcome is
known are put in ten bands of equal size by health (ties kept together, edges in whole points); from the lowest
band up, the bands churning at least twice the overall rate are at risk and the next ones churning at least the
overall rate are watch; the rest are healthy. The cut-offs are those bands' edges. Fixed cut-offs (below 40 at
risk, below 70 watch) called half of the bundled sample at risk (25% of them churned); these call 18% at risk,
of whom 54% churned, against 4% of the rest. An edit of the points recomputes them; cut-offs set by hand stay as set.

    score = fit_health(table, outcome="churned", variables=["logins_30d", "integrations", "plan"])
    score.points          # variable, range, points, customers, churn_rate
    score.scores          # customer_id, health, status, reasons
    score.auc, score.auc_low, score.auc_high, score.signal, score.calibration
    score.with_points(edited).with_cutoffs(at_risk_below=35, watch_below=65)

The binning and points helpers (`bin_variable`, `VariableBins`, `points_from_coefficients`,
`auc_interval`) are public for other points models (lead fit, conversion).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError
from .outcomes import OUTCOME_COLUMNS, as_flag, infer_outcome_kind, outcome_choices, rate_name

__all__ = ["HealthScore", "VariableBins", "bin_variable", "points_from_coefficients", "auc_interval", "fit_health",
           "health_from_dataset", "activity_churn", "default_health_variables", "resolve_outcome", "score_change",
           "scores_csv", "scores_xlsx", "data_cutoffs", "NO_SIGNAL", "STATUSES", "DEFAULT_CUTOFFS"]

NO_SIGNAL = "no signal: this score does not predict churn"
# "left": the outcome says the customer has churned already; no one to save, so never on the at-risk list.
STATUSES = ("healthy", "watch", "at risk", "unscored", "left")
DEFAULT_CUTOFFS = (40.0, 70.0)  # fixed cut-offs of old; a fit now takes them from the data (`data_cutoffs`)
_BANDS = 10  # bands of customers by health that the cut-offs are read from
_OTHER, _MISSING = "another value", "missing"
_MIN_CUSTOMERS = 30  # fewer cannot be split into a training and a held-out part worth the name
_MIN_CLASS = 5  # churners (and stayers) needed in the data
# Words in a column name that say usage: the default variables come from these first.
_USAGE_WORDS = ("login", "session", "active", "usage", "feature", "event", "visit", "click", "adopt", "integration",
                "seat", "user", "ticket", "nps", "orders", "frequency")
_ACTIVITY_FEATURES = ("orders_30d", "orders_90d", "frequency", "monetary", "active_days_30d", "active_days_90d",
                      "events_90d", "recency_days", "tenure_days")


# -- binning --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VariableBins:
    """How one variable is cut into ranges.

    kind     "numeric" or "categorical" (booleans are categories "yes" / "no").
    edges    numeric: the cut points; range i holds edges[i-1] <= value < edges[i].
    levels   categorical: the values kept, each a range; the rest are "another value".
    integer  numeric: whole numbers, so "5 to 9" rather than "5 to under 10".
    minimum  numeric: the smallest value seen, so a first range of one value reads "is 0".
    other    categorical: values not kept exist, so "another value" is a range.
    missing  missing values exist, so "missing" is a range (the last).
    """

    variable: str
    kind: str
    edges: tuple[float, ...] = ()
    levels: tuple[str, ...] = ()
    integer: bool = False
    minimum: float = 0.0
    other: bool = False
    missing: bool = False

    @property
    def ranges(self) -> tuple[str, ...]:
        """Each range in words, without the variable's name: "below 5", "5 to 9", "is Starter", "is missing"."""
        if self.kind == "numeric":
            bounds = [None, *self.edges, None]
            out = [self._numeric_words(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]
        else:
            out = [f"is {level}" for level in self.levels] + ([f"is {_OTHER}"] if self.other else [])
        return tuple(out) + ((f"is {_MISSING}",) if self.missing else ())

    def _numeric_words(self, lo: float | None, hi: float | None) -> str:
        if self.integer:
            if lo is None:
                return f"is {_nice(hi - 1)}" if hi - 1 <= self.minimum else f"below {_nice(hi)}"
            if hi is None:
                return f"{_nice(lo)} or more"
            return f"is {_nice(lo)}" if hi - 1 == lo else f"{_nice(lo)} to {_nice(hi - 1)}"
        if lo is None:
            return f"below {_nice(hi)}"
        if hi is None:
            return f"{_nice(lo)} or more"
        return f"{_nice(lo)} to under {_nice(hi)}"

    def codes(self, values: pd.Series) -> np.ndarray:
        """The range of each value (0, 1, ...), or -1 for a value no range holds (missing without a missing
        range, a category never seen when the ranges were made and no "another value" range)."""
        n_ranges = len(self.ranges)
        if self.kind == "numeric":
            numbers = _as_numbers(values, self.variable)
            codes = np.searchsorted(np.asarray(self.edges, dtype=float), numbers, side="right").astype(np.int64)
            absent = np.isnan(numbers)
        else:
            text = _as_text(values)
            absent = text.isna().to_numpy()
            lookup = {level: i for i, level in enumerate(self.levels)}
            codes = text.map(lookup).to_numpy(dtype=float, na_value=np.nan)
            unseen = np.isnan(codes) & ~absent
            codes = np.where(unseen, len(self.levels) if self.other else -1, codes)
            codes = np.nan_to_num(codes, nan=-1).astype(np.int64)
        if self.missing:
            codes[absent] = n_ranges - 1
        else:
            codes[absent] = -1
        return codes

    def to_dict(self) -> dict:
        return {"variable": self.variable, "kind": self.kind, "edges": list(self.edges), "levels": list(self.levels),
                "integer": self.integer, "minimum": self.minimum, "other": self.other, "missing": self.missing}


def bin_variable(values: pd.Series, *, variable: str | None = None, n_bins: int = 4, min_share: float = 0.05,
                 max_levels: int = 8) -> VariableBins:
    """The ranges of one variable: see the module docstring. `n_bins` quantile ranges for numbers (fewer when
    values tie), categories with at least `min_share` of the customers (at most `max_levels`). Raises DataError
    naming the column when it does not vary, is a date or is empty."""
    name = str(variable if variable is not None else values.name)
    if pd.api.types.is_datetime64_any_dtype(values):
        raise DataError(f"Column {name!r} holds dates, which are not a health variable; use how long ago they are "
                        "(recency_days, tenure_days) instead.")
    filled = values.dropna()
    if filled.empty:
        raise DataError(f"Column {name!r} is empty for every customer; choose another variable.")
    if filled.nunique() < 2:
        raise DataError(f"Column {name!r} has the same value ({filled.iloc[0]!r}) for every customer, so it cannot "
                        "tell healthy customers from the rest; choose another variable.")
    missing = bool(values.isna().any())
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = _as_numbers(filled, name)
        integer = bool(np.all(np.mod(numbers, 1) == 0))
        low = float(numbers.min())
        raw = np.quantile(numbers, np.linspace(0, 1, n_bins + 1)[1:-1])
        edges = np.ceil(raw) if integer else np.array([_round_nice(v) for v in raw])
        edges = np.unique(edges[(edges > low) & (edges <= numbers.max())])
        if not len(edges):  # nearly everyone at one value (95% zero): that value against the rest
            edges = np.array([float(np.min(numbers[numbers > low]))])
        return VariableBins(name, "numeric", edges=tuple(float(e) for e in edges), integer=integer, minimum=low,
                            missing=missing)
    text = _as_text(filled)
    counts = text.value_counts()
    kept = [str(level) for level, count in counts.items() if count >= min_share * len(values)][:max_levels]
    if not kept:
        raise DataError(f"Column {name!r} has {len(counts):,} different values and none holds {min_share:.0%} of the "
                        "customers (a name or an id?), so no range would say anything; choose a column with a few "
                        "values.")
    other = len(kept) < len(counts)
    if len(kept) == 1 and not other and not missing:
        raise DataError(f"Column {name!r} has the same value for every customer; choose another variable.")
    return VariableBins(name, "categorical", levels=tuple(sorted(kept, key=_level_order)), other=other,
                        missing=missing)


# -- points ---------------------------------------------------------------------------------------------------
def points_from_coefficients(coefficients: Sequence[Sequence[float]], *, total: int = 100) -> list[np.ndarray]:
    """Whole points per range from a model's coefficients on churn (higher = riskier), one array per variable.

    Within a variable the least risky range gets the variable's maximum and the riskiest 0; a variable's
    maximum is its share of the spread of all coefficients, rounded so that the maxima sum to `total`
    (largest remainders). All zero when no coefficient differs from another."""
    arrays = [np.asarray(c, dtype=float) for c in coefficients]
    spreads = np.array([np.ptp(a) if len(a) else 0.0 for a in arrays])
    if spreads.sum() <= 1e-12:
        return [np.zeros(len(a), dtype=np.int64) for a in arrays]
    raw = total * spreads / spreads.sum()
    maxima = np.floor(raw).astype(np.int64)
    maxima[np.argsort(-(raw - maxima), kind="stable")[: total - int(maxima.sum())]] += 1
    out = []
    for a, spread, top in zip(arrays, spreads, maxima):
        out.append(np.zeros(len(a), dtype=np.int64) if spread <= 0 else
                   np.rint(top * (a.max() - a) / spread).astype(np.int64))
    return out


def auc_interval(health: np.ndarray, churned: np.ndarray, *, n_boot: int = 200, level: float = 0.95,
                 random_state: int = 0) -> tuple[float, float, float]:
    """(AUC, low, high): how often a customer who stayed has a higher health than one who churned (ties
    count half), and its bootstrap interval. Resamples are multinomial counts over the distinct
    (health, churned) cells, the same distribution as drawing customers with replacement, all at once."""
    health = np.asarray(health, dtype=float)
    churned = np.asarray(churned, dtype=bool)
    values, value_codes = np.unique(health, return_inverse=True)
    cells = np.bincount(value_codes * 2 + churned, minlength=2 * len(values)).astype(float)
    auc = float(_auc_from_counts(cells.reshape(1, -1, 2))[0])
    if n_boot <= 0 or len(health) == 0:
        return auc, float("nan"), float("nan")
    rng = np.random.default_rng(random_state)
    draws = rng.multinomial(len(health), cells / cells.sum(), size=n_boot).astype(float)
    aucs = _auc_from_counts(draws.reshape(n_boot, -1, 2))
    aucs = aucs[np.isfinite(aucs)]
    if not len(aucs):
        return auc, float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(aucs, [tail, 100 - tail])
    return auc, float(low), float(high)


def _auc_from_counts(counts: np.ndarray) -> np.ndarray:
    """counts[b, v, c]: customers of health value v (ascending) and churned c in resample b -> AUC per b."""
    stayed, churned = counts[..., 0], counts[..., 1]
    churned_below = np.cumsum(churned, axis=1) - churned
    wins = (stayed * (churned_below + 0.5 * churned)).sum(axis=1)
    pairs = stayed.sum(axis=1) * churned.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, wins / pairs, np.nan)


# -- the result -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Evaluation:
    """The held-out and training customers' ranges and outcomes: what an edit is judged on again."""

    train_codes: np.ndarray
    train_y: np.ndarray
    test_codes: np.ndarray
    test_y: np.ndarray
    random_state: int
    n_boot: int


@dataclass(frozen=True, eq=False)
class HealthScore:
    """A fitted (or edited) health score; see the module docstring.

    points       one row per range: variable, range (words), points, customers (share of the training
                 customers in it), churn_rate (theirs); variables with the most points first.
    scores       customer_id, health (0..100), status (healthy / watch / at risk, or unscored without a
                 signal), reasons (the ranges where the customer lost the most points, "; " between them).
    auc, auc_low, auc_high   held-out AUC and its 95% bootstrap interval.
    signal       False when the interval includes 0.5: then every status is "unscored".
    calibration  decile, customers, predicted, observed: held-out churn by predicted risk.
    sentence     the AUC, its interval and what they mean, in one sentence.
    cutoffs      (at risk below, watch below); `cutoffs_from` "data" or "hand", `cutoffs_sentence` how they
                 were chosen, `cutoff_bands` the bands by health they were read from (health_from, health_to,
                 customers, churn_rate, status).
    """

    variables: tuple[str, ...]
    outcome: str
    outcome_kind: str
    bins: tuple[VariableBins, ...]
    points: pd.DataFrame
    scores: pd.DataFrame
    auc: float
    auc_low: float
    auc_high: float
    signal: bool
    calibration: pd.DataFrame
    sentence: str
    cutoffs: tuple[float, float] = DEFAULT_CUTOFFS
    cutoffs_from: str = "hand"
    cutoffs_sentence: str = ""
    cutoff_bands: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()
    n_train: int = 0
    n_test: int = 0
    churn_rate: float = float("nan")
    id_column: str | None = None
    # False when the outcome is churn after a past date (time-honest fit): then it says nothing of who has left.
    marks_left: bool = True
    _evaluation: _Evaluation | None = field(default=None, repr=False)
    _frame: pd.DataFrame | None = field(default=None, repr=False)

    # Read by `Dataset.read_newer_export(...).score(health)` (tracking.apply_recipe): it builds a newer export's
    # customer table with these variables, then calls `assign`.
    method = "health"

    @property
    def params(self) -> dict[str, Any]:
        return {"id_column": self.id_column}

    @property
    def state(self) -> dict[str, Any]:
        return {}

    @property
    def max_points(self) -> dict[str, float]:
        """Each variable's maximum points (its best range)."""
        return self.points.groupby("variable", sort=False)["points"].max().to_dict()

    def assign(self, frame: pd.DataFrame) -> pd.Series:
        """The health of every customer of `frame` (a customer table with the score's variables)."""
        codes = _codes(self.bins, frame)
        return pd.Series(_health(codes, _point_arrays(self)), index=frame.index, name="health")

    def score(self, frame: pd.DataFrame) -> pd.DataFrame:
        """customer_id, health, status, reasons for every customer of `frame` (a customer table indexed by id)."""
        return self._scores(_codes(self.bins, frame), frame.index)

    def _scores(self, codes: np.ndarray, index: pd.Index) -> pd.DataFrame:
        arrays = _point_arrays(self)
        health = _health(codes, arrays)
        whole = bool(np.all(np.mod(health, 1) == 0))
        return pd.DataFrame({
            "customer_id": pd.Index(index).astype(str),
            "health": health.astype(np.int64) if whole else np.round(health, 1),
            "status": self._statuses(health, index),
            "reasons": _reasons(codes, arrays, self.bins),
        })

    def _statuses(self, health: np.ndarray, index: pd.Index) -> np.ndarray:
        status = _statuses(health, self.cutoffs, self.signal)
        if self.signal and self.marks_left and self.outcome_kind == "churn" and self._frame is not None \
                and self.outcome in self._frame.columns:
            flag = _outcome_flag(self._frame[self.outcome], self.outcome, self.outcome_kind)
            left = flag.reindex(pd.Index(index)).fillna(False).to_numpy(dtype=bool)
            status = np.where(left, "left", status).astype(object)
        return status

    def at_risk(self) -> pd.DataFrame:
        """The customers labelled at risk, least healthy first (none without a signal)."""
        risky = self.scores[self.scores["status"].eq("at risk")]
        return risky.sort_values(["health", "customer_id"], kind="stable").reset_index(drop=True)

    def status_counts(self) -> pd.Series:
        """Customers per status, in the order healthy, watch, at risk, unscored (statuses with none left out)."""
        counts = self.scores["status"].value_counts()
        return pd.Series({s: int(counts[s]) for s in STATUSES if s in counts}, name="customers", dtype="int64")

    def status_table(self) -> pd.DataFrame:
        """status, customers, share, churn_rate: how the statuses split the customers, and whether at risk really
        churns more. The churn rate of a status is read among every customer whose health falls in its range,
        those who left included: the ones still here have not churned yet, by definition."""
        counts = self.status_counts()
        observed = None
        if self._frame is not None and self.outcome in self._frame.columns:
            flag = _outcome_flag(self._frame[self.outcome], self.outcome, self.outcome_kind)
            observed = flag.reindex(self._frame_index()).to_numpy(dtype=float, na_value=np.nan)
        by_range = _statuses(self.scores["health"].to_numpy(dtype=float), self.cutoffs, self.signal)
        rows = []
        for status, n in counts.items():
            inside = by_range == status
            rate = float(np.nanmean(observed[inside])) if observed is not None and status != "left" \
                and np.isfinite(observed[inside]).any() else float("nan")
            rows.append({"status": status, "customers": int(n), "share": n / max(len(self.scores), 1),
                         "churn_rate": rate})
        return pd.DataFrame(rows, columns=["status", "customers", "share", "churn_rate"])

    def with_cutoffs(self, at_risk_below: float | None = None, watch_below: float | None = None) -> HealthScore:
        """A new score whose statuses use these cut-offs: health below `at_risk_below` is at risk, below
        `watch_below` watch, the rest healthy."""
        at_risk = float(self.cutoffs[0] if at_risk_below is None else at_risk_below)
        watch = float(self.cutoffs[1] if watch_below is None else watch_below)
        if not (math.isfinite(at_risk) and math.isfinite(watch)) or at_risk > watch:
            raise DataError(f"The at-risk cut-off ({at_risk:g}) must be a number no higher than the watch cut-off "
                            f"({watch:g}).")
        moved = replace(self, cutoffs=(at_risk, watch))
        scores = self.scores.assign(status=moved._statuses(self.scores["health"].to_numpy(), self._frame_index()))
        return replace(moved, scores=scores, cutoffs_from="hand",
                       cutoffs_sentence=_hand_sentence(at_risk, watch))

    def _frame_index(self) -> pd.Index:
        # scores hold ids as text; the fitted frame's index is what the outcome is keyed on.
        if self._frame is not None and len(self._frame.index) == len(self.scores):
            return self._frame.index
        return pd.Index(self.scores["customer_id"])

    def with_points(self, table: pd.DataFrame) -> HealthScore:
        """A new score with the points of `table` (the `points` table, its points column edited). The other
        columns are read only to find each row; held-out AUC, interval, signal and calibration are
        recomputed for the new points, and the customers are scored again."""
        if not isinstance(table, pd.DataFrame) or not {"variable", "range", "points"} <= set(table.columns):
            raise DataError("The points table needs the columns variable, range and points.")
        given: dict[tuple[str, str], float] = {}
        for position, (variable, words, value) in enumerate(zip(table["variable"], table["range"], table["points"])):
            number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
            if pd.isna(number) or not math.isfinite(float(number)) or float(number) < 0:
                raise DataError(f"Row {position + 1} of the points table ({variable} {words}): points must be a "
                                f"number of 0 or more, not {value!r}.")
            given[(str(variable), str(words))] = float(number)
        expected = list(zip(self.points["variable"], self.points["range"]))
        absent = [f"{v} {r}" for v, r in expected if (v, r) not in given]
        if absent:
            raise DataError(f"The points table lacks {', '.join(absent[:3])}; edit the points, not the ranges.")
        points = self.points.assign(points=[given[key] for key in expected])
        evaluated = _evaluate(self.bins, points, self._evaluation, self.outcome, self.outcome_kind)
        best = float(points.groupby("variable", sort=False)["points"].max().sum())
        notes = tuple(n for n in self.notes if not n.startswith("Edited points"))
        if abs(best - 100) > 1e-9:
            notes += (f"Edited points: the best customer now scores {best:g}, not 100; the cut-offs still apply "
                      "to the total.",)
        out = replace(self, points=points, notes=notes, **evaluated)
        if self.cutoffs_from == "data":  # the data's cut-offs follow the points; a hand-set pair stays
            out = replace(out, **_cutoff_fields(bins=self.bins, points=points, evaluation=self._evaluation))
        frame = self._frame
        return replace(out, scores=out.score(frame) if frame is not None else out.scores)

    def report(self) -> dict[str, Any]:
        """What the CLI writes with --report: the figures and the points per variable and range."""
        by_variable: dict[str, dict[str, float]] = {}
        for variable, words, value in zip(self.points["variable"], self.points["range"], self.points["points"]):
            by_variable.setdefault(str(variable), {})[str(words)] = _plain_number(value)
        return {
            "outcome": self.outcome, "outcome_kind": self.outcome_kind,
            "auc": _rounded(self.auc), "auc_low": _rounded(self.auc_low), "auc_high": _rounded(self.auc_high),
            "signal": bool(self.signal), "sentence": self.sentence,
            "cutoffs": {"at_risk_below": _plain_number(self.cutoffs[0]),
                        "watch_below": _plain_number(self.cutoffs[1]), "chosen": self.cutoffs_from,
                        "how": self.cutoffs_sentence,
                        "bands": ([] if self.cutoff_bands is None else
                                  [{k: (_rounded(v) if k == "churn_rate" else _plain_number(v)
                                        if k != "status" else v) for k, v in row.items()}
                                   for row in self.cutoff_bands.to_dict(orient="records")])},
            "customers": {"train": self.n_train, "held_out": self.n_test, "scored": int(len(self.scores))},
            "statuses": {k: int(v) for k, v in self.status_counts().items()},
            "points": by_variable,
            "calibration": self.calibration.to_dict(orient="records"),
            "notes": list(self.notes),
        }


# -- fitting --------------------------------------------------------------------------------------------------
def fit_health(frame: pd.DataFrame, *, outcome: str = "churned", variables: Sequence[str] | None = None,
               outcome_kind: str | None = None, allow_other_kind: bool = False, n_bins: int = 4, C: float = 1.0,
               test_size: float = 0.3, n_boot: int = 200, cutoffs: tuple[float | None, float | None] | None = None,
               random_state: int = 0, id_column: str | None = None, notes: Sequence[str] = (),
               marks_left: bool = True) -> HealthScore:
    """Fit the health score on a customer table (one row per customer, indexed by id); see the module docstring.

    outcome           the churn flag column (yes/no-like; customers without a value are left out).
    variables         numeric, categorical or yes/no columns; default `default_health_variables`.
    outcome_kind      what the outcome measures (default: read from its name and values); a kind other than
                      churn is refused unless `allow_other_kind`.
    C                 inverse strength of the L2 penalty of the logistic regression.
    cutoffs           (at risk below, watch below) set by hand; None (or a None in the pair) takes that cut-off
                      from the data (`data_cutoffs`).
    marks_left        customers the churn outcome says have left get the status "left", not a health status:
                      the at-risk list is of customers who can still be kept.
    Raises DataError naming the column when an input cannot be used.
    """
    from sklearn.linear_model import LogisticRegression

    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise DataError("There are no customers to fit a health score on.")
    if outcome is None or outcome not in frame.columns:
        raise DataError(f"There is no outcome column {outcome!r}; the health score needs a churn flag (columns are: "
                        f"{', '.join(map(str, frame.columns[:20]))}).")
    kind = outcome_kind or ("churn" if outcome == "churned" else infer_outcome_kind(outcome, frame[outcome]))
    if kind != "churn" and not allow_other_kind:
        raise DataError(f"Column {outcome!r} is a {kind} outcome, not churn: the health score predicts churn. Choose "
                        "the churn flag, or set its kind to churn on the Data page.")
    y_all = _outcome_flag(frame[outcome], outcome, kind)
    hand = tuple(cutoffs) if cutoffs is not None else (None, None)
    if None not in hand and not float(hand[0]) <= float(hand[1]):
        raise DataError(f"The at-risk cut-off ({hand[0]:g}) must be no higher than the watch cut-off "
                        f"({hand[1]:g}).")
    chosen = list(variables) if variables is not None else default_health_variables(frame, outcome=outcome)
    if not chosen:
        raise DataError("Choose at least one variable for the health score (a usage count, a plan, ...).")
    unknown = [v for v in chosen if v not in frame.columns]
    if unknown:
        raise DataError(f"There is no column {unknown[0]!r} in the customer table; columns are: "
                        f"{', '.join(map(str, frame.columns[:30]))}.")
    if outcome in chosen or any(v in OUTCOME_COLUMNS for v in chosen):
        raise DataError(f"Column {next(v for v in chosen if v == outcome or v in OUTCOME_COLUMNS)!r} is an outcome: "
                        "a score built from the outcome predicts it by definition. Leave it out of the variables.")
    known = y_all.notna().to_numpy()
    data = frame if known.all() else frame.loc[known]
    y = y_all[known].astype(bool).to_numpy()
    left_out = int((~known).sum())
    notes = list(notes) + ([f"{left_out:,} customers without a value in {outcome!r} are left out of the fit."]
                           if left_out else [])
    if len(data) < _MIN_CUSTOMERS:
        raise DataError(f"Only {len(data)} customers have a value in {outcome!r}; a health score needs at least "
                        f"{_MIN_CUSTOMERS} to fit on some and test on the others.")
    churners = int(y.sum())
    if min(churners, len(y) - churners) < _MIN_CLASS:
        which = "churned" if churners < _MIN_CLASS else "stayed"
        raise DataError(f"Column {outcome!r}: only {min(churners, len(y) - churners)} of {len(y):,} customers "
                        f"{which}; the health score needs at least {_MIN_CLASS} who churned and {_MIN_CLASS} who "
                        "stayed.")
    bins = tuple(bin_variable(data[v].reset_index(drop=True), variable=v, n_bins=n_bins) for v in chosen)
    codes = _codes(bins, data)
    train, test = _stratified_split(y, test_size, random_state)
    # Customers in the same ranges of every variable are one row of the one-hot design: fitted once, weighted by
    # how many churned and stayed (the same objective as one row per customer, hundreds of rows instead of 100k).
    combos, inverse = _combinations(codes[train])
    churned_in = np.bincount(inverse, weights=y[train].astype(float), minlength=len(combos))
    stayed_in = np.bincount(inverse, minlength=len(combos)) - churned_in
    design = _one_hot(combos, bins)
    # Newton steps on a few hundred weighted rows: exact and quick (lbfgs takes dozens of steps here).
    model = LogisticRegression(C=C, solver="newton-cholesky", max_iter=200)
    model.fit(np.vstack([design, design]), np.r_[np.ones(len(combos)), np.zeros(len(combos))],
              sample_weight=np.r_[churned_in, stayed_in])
    offsets = np.cumsum([0] + [len(b.ranges) for b in bins])
    coefficients = [model.coef_[0][offsets[i]:offsets[i + 1]] for i in range(len(bins))]
    arrays = points_from_coefficients(coefficients)
    points = _points_table(bins, arrays, codes[train], y[train])
    evaluation = _Evaluation(codes[train], y[train], codes[test], y[test], random_state, n_boot)
    evaluated = _evaluate(bins, points, evaluation, outcome, kind)
    score = HealthScore(
        variables=tuple(chosen), outcome=outcome, outcome_kind=kind, bins=bins, points=points,
        scores=pd.DataFrame(), notes=tuple(notes), n_train=len(train), n_test=len(test),
        churn_rate=float(y.mean()), id_column=id_column, marks_left=marks_left, _evaluation=evaluation, _frame=frame,
        **_cutoff_fields(bins=bins, points=points, evaluation=evaluation), **evaluated)
    # The ranges of every customer are known already when every customer has an outcome: no second pass.
    score = replace(score, scores=score._scores(codes, frame.index) if data is frame else score.score(frame))
    return score.with_cutoffs(*hand) if hand != (None, None) else score


def _stratified_split(y: np.ndarray, test_size: float, random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) positions: `test_size` of the churned and of the stayed customers held out, at random."""
    rng = np.random.default_rng(random_state)
    train, test = [], []
    for value in (False, True):
        members = rng.permutation(np.flatnonzero(y == value))
        cut = int(round(test_size * len(members)))
        test.append(members[:cut])
        train.append(members[cut:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _logistic_1d(x: np.ndarray, positives: np.ndarray, negatives: np.ndarray, iterations: int = 50) -> tuple:
    """(intercept, slope) of an unpenalised logistic regression of a yes/no on one variable, from the count of
    yes and no at each distinct `x` (Newton's method; a few hundred points at most)."""
    total = positives + negatives
    rate = positives.sum() / total.sum()
    beta = np.array([math.log(rate / (1 - rate)), 0.0])
    design = np.column_stack([np.ones_like(x), x])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(design @ beta)))
        gradient = design.T @ (positives - total * p)
        hessian = (design * (total * p * (1 - p))[:, None]).T @ design + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            break
    return float(beta[0]), float(beta[1])


def _evaluate(bins, points: pd.DataFrame, evaluation: _Evaluation | None, outcome: str, kind: str) -> dict:
    """auc, auc_low, auc_high, signal, calibration and sentence of `points` on the held-out customers."""
    if evaluation is None:
        raise DataError("This score keeps no held-out customers to judge an edit on; fit it with fit_health.")
    arrays = _point_arrays_from(bins, points)
    train_health = _health(evaluation.train_codes, arrays)
    test_health = _health(evaluation.test_codes, arrays)
    auc, low, high = auc_interval(test_health, evaluation.test_y, n_boot=evaluation.n_boot,
                                  random_state=evaluation.random_state)
    signal = bool(math.isfinite(low) and low > 0.5)
    # Predicted risk from the health alone (one slope and an intercept fitted on the training part).
    if np.ptp(train_health) > 0:
        # One row per distinct health, weighted; health in hundreds so the solver meets a unit scale.
        values, inverse = np.unique(train_health, return_inverse=True)
        churned_at = np.bincount(inverse, weights=evaluation.train_y.astype(float), minlength=len(values))
        stayed_at = np.bincount(inverse, minlength=len(values)) - churned_at
        intercept, slope = _logistic_1d(values / 100, churned_at, stayed_at)
        risk = 1 / (1 + np.exp(-(intercept + slope * test_health / 100)))
    else:
        risk = np.full(len(test_health), float(evaluation.train_y.mean()))
    order = np.argsort(risk, kind="stable")
    decile = np.empty(len(risk), dtype=np.int64)
    decile[order] = np.arange(len(risk)) * 10 // max(len(risk), 1) + 1
    calibration = (pd.DataFrame({"decile": decile, "predicted": risk, "observed": evaluation.test_y.astype(float)})
                   .groupby("decile").agg(customers=("predicted", "size"), predicted=("predicted", "mean"),
                                          observed=("observed", "mean")).reset_index())
    what = "churn" if kind == "churn" else f"the {rate_name(kind).removesuffix(' rate')} in {outcome!r}"
    figures = (f"AUC {auc:.2f} on {len(test_health):,} held-out customers, 95% interval {low:.2f} to {high:.2f}")
    if signal:
        sentence = (f"The score tells who will {'churn' if kind == 'churn' else 'have the outcome'}: {figures}; "
                    f"0.5 would be a coin toss, 1 a perfect ranking.")
    else:
        base = NO_SIGNAL if kind == "churn" else f"no signal: this score does not predict {what}"
        sentence = f"{base} ({figures}, which includes 0.5: a coin toss). Nobody is labelled at risk."
    return {"auc": auc, "auc_low": low, "auc_high": high, "signal": signal, "calibration": calibration,
            "sentence": sentence}


def data_cutoffs(health: np.ndarray, churned: np.ndarray, *, n_bands: int = _BANDS
                 ) -> tuple[tuple[float, float], pd.DataFrame, str]:
    """((at risk below, watch below), bands, sentence): cut-offs read from who churned; see the module docstring.

    Bands: `n_bands` of equal size by health, edges at whole points (the deciles, rounded up; ties stay in one
    band). From the lowest band up, bands churning at least twice the overall rate are at risk, then bands
    churning at least the overall rate are watch; the first band that does not stops each run, so a noisy band
    high up never labels everyone below it."""
    health = np.asarray(health, dtype=float)
    churned = np.asarray(churned, dtype=bool)
    overall = float(churned.mean()) if len(churned) else float("nan")
    low = float(np.floor(health.min())) if len(health) else 0.0
    edges = np.ceil(np.quantile(health, np.arange(1, n_bands) / n_bands, method="higher")) if len(health) else []
    edges = [float(e) for e in np.unique(edges) if e > health.min()]
    bounds = [low, *edges, float(np.floor(health.max())) + 1 if len(health) else 1.0]
    rows = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        inside = (health >= lo) & (health < hi)
        rows.append({"health_from": lo, "health_below": hi, "customers": int(inside.sum()),
                     "churn_rate": float(churned[inside].mean()) if inside.any() else float("nan"),
                     "status": "healthy"})
    at_risk = watch = low
    status = "at risk"
    for row in rows:
        if status == "at risk" and not row["churn_rate"] >= 2 * overall:
            status = "watch"
        if status == "watch" and not row["churn_rate"] >= overall:
            break
        row["status"] = status
        watch = row["health_below"]
        if status == "at risk":
            at_risk = row["health_below"]
    if len(rows) < 2:  # one band is everyone: nothing to tell apart
        at_risk = watch = low
        rows[0]["status"] = "healthy"
    bands = pd.DataFrame(rows)
    return (float(at_risk), float(watch)), bands, _data_sentence(at_risk, watch, low, overall, len(rows))


def _data_sentence(at_risk: float, watch: float, low: float, overall: float, n_bands: int) -> str:
    rate = f"{overall:.1%}"
    risk = (f"below {_nice(at_risk)} points are at risk (their bands churn at least twice the overall {rate})"
            if at_risk > low else f"nobody is at risk (the lowest band churns less than twice the overall {rate})")
    if watch > at_risk:
        rest = f", below {_nice(watch)} watch (at least {rate}), the rest healthy"
    else:
        rest = f"; no band above them churns {rate} or more, so nobody is on watch"
    return (f"Cut-offs from the data: with the customers in {n_bands} bands of about a tenth each by health (ties "
            f"kept together), counted from the lowest, {risk}{rest}.")


def _hand_sentence(at_risk: float, watch: float) -> str:
    return f"Cut-offs set by hand: below {_nice(at_risk)} points at risk, below {_nice(watch)} watch."


def _cutoff_fields(*, bins, points: pd.DataFrame, evaluation: _Evaluation) -> dict:
    """The HealthScore fields of the data's cut-offs for `points`, read from every customer with an outcome."""
    arrays = _point_arrays_from(bins, points)
    health = np.r_[_health(evaluation.train_codes, arrays), _health(evaluation.test_codes, arrays)]
    churned = np.r_[evaluation.train_y, evaluation.test_y]
    cutoffs, bands, sentence = data_cutoffs(health, churned)
    return {"cutoffs": cutoffs, "cutoffs_from": "data", "cutoffs_sentence": sentence, "cutoff_bands": bands}


def _points_table(bins, arrays, codes: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    rows = []
    for j, (b, pts) in enumerate(zip(bins, arrays)):
        column = codes[:, j]
        for i, words in enumerate(b.ranges):
            inside = column == i
            rows.append({"variable": b.variable, "range": words, "points": int(pts[i]),
                         "customers": float(inside.mean()) if len(column) else 0.0,
                         "churn_rate": float(y[inside].mean()) if inside.any() else float("nan")})
    table = pd.DataFrame(rows)
    # The variable that weighs most first; ranges in their own order within it.
    weight = table.groupby("variable", sort=False)["points"].transform("max")
    order = {b.variable: j for j, b in enumerate(bins)}
    table = table.assign(_w=-weight, _v=table["variable"].map(order), _r=table.groupby("variable").cumcount())
    return table.sort_values(["_w", "_v", "_r"], kind="stable").drop(columns=["_w", "_v", "_r"]).reset_index(
        drop=True)


# -- scoring helpers ------------------------------------------------------------------------------------------
def _codes(bins, frame: pd.DataFrame) -> np.ndarray:
    missing = [b.variable for b in bins if b.variable not in frame.columns]
    if missing:
        raise DataError(f"The customer table lacks {', '.join(map(repr, missing))}, which the health score uses.")
    if not bins:
        return np.zeros((len(frame), 0), dtype=np.int64)
    # Without the ids as index: pandas would build a hash table of 100k text ids for nothing.
    return np.column_stack([b.codes(frame[b.variable].reset_index(drop=True)) for b in bins])


def _combinations(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows of `codes`, the index of each row among them), via one integer per row (mixed radix)."""
    if codes.shape[1] == 0:
        return np.zeros((1, 0), dtype=np.int64), np.zeros(len(codes), dtype=np.int64)
    shifted = codes + 1  # -1 (no range) becomes 0
    radix = shifted.max(axis=0) + 1
    keys = np.zeros(len(codes), dtype=np.int64)
    for j in range(codes.shape[1]):
        keys = keys * int(radix[j]) + shifted[:, j]
    unique_keys, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return codes[first], np.asarray(inverse).reshape(-1)


def _one_hot(codes: np.ndarray, bins) -> np.ndarray:
    sizes = [len(b.ranges) for b in bins]
    offsets = np.cumsum([0] + sizes[:-1])
    design = np.zeros((len(codes), int(sum(sizes))), dtype=np.float64)
    rows = np.arange(len(codes))
    for j, offset in enumerate(offsets):
        known = codes[:, j] >= 0
        design[rows[known], offset + codes[known, j]] = 1.0
    return design


def _point_arrays_from(bins, points: pd.DataFrame) -> list[np.ndarray]:
    out = []
    for b in bins:
        mine = points[points["variable"] == b.variable].set_index("range")["points"]
        out.append(np.array([float(mine.get(words, 0.0)) for words in b.ranges], dtype=float))
    return out


def _point_arrays(score: HealthScore) -> list[np.ndarray]:
    return _point_arrays_from(score.bins, score.points)


def _health(codes: np.ndarray, arrays: Sequence[np.ndarray]) -> np.ndarray:
    """The total points; a value no range holds scores 0 for that variable (the worst range's points)."""
    total = np.zeros(len(codes), dtype=float)
    for j, pts in enumerate(arrays):
        column = codes[:, j]
        padded = np.append(pts, 0.0)  # index -1: no range
        total += padded[column]
    return total


def _statuses(health: np.ndarray, cutoffs: tuple[float, float], signal: bool) -> np.ndarray:
    if not signal:
        return np.full(len(health), "unscored", dtype=object)
    at_risk, watch = cutoffs
    return np.select([health < at_risk, health < watch], ["at risk", "watch"], "healthy").astype(object)


def _reasons(codes: np.ndarray, arrays: Sequence[np.ndarray], bins, top: int = 3) -> np.ndarray:
    """Per customer, the ranges where they lost the most points (most first), in words, "; " between them.
    Worked out once per distinct combination of ranges: customers in the same ranges have the same reasons."""
    if not len(codes):
        return np.array([], dtype=object)
    combos, inverse = _combinations(codes)
    maxima = [float(p.max()) if len(p) else 0.0 for p in arrays]
    words = [[f"{b.variable} {r}" for r in b.ranges] for b in bins]
    texts = []
    for combo in combos:
        lost = []
        for j, code in enumerate(combo):
            got = float(arrays[j][code]) if code >= 0 else 0.0
            if maxima[j] - got > 0:
                phrase = words[j][code] if code >= 0 else f"{bins[j].variable} is {_MISSING}"
                lost.append((-(maxima[j] - got), j, phrase))
        texts.append("; ".join(p for _, _, p in sorted(lost)[:top]))
    return np.array(texts, dtype=object)[inverse]


# -- variables and outcomes -----------------------------------------------------------------------------------
def default_health_variables(frame: pd.DataFrame, *, outcome: str | None = None, roles: Any = None,
                             limit: int = 4) -> list[str]:
    """The variables to start from: usage-like numeric columns (logins, sessions, features adopted,
    integrations, seats, tickets, NPS, orders), else the activity features, else other numbers; at most
    `limit`. Never an id, a date, an outcome, or a column that nearly determines the outcome on its own
    (recency of a cancelled subscription is the churn flag read another way)."""
    keys = set(OUTCOME_COLUMNS) | {outcome}
    if roles is not None:
        keys |= {roles.get(r) for r in ("customer_id", "company", "order_id", "outcome", "converted", "churn_date")}
    numeric = [c for c in frame.columns if c not in keys and pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c]) and frame[c].nunique(dropna=True) > 1
               and frame[c].notna().mean() >= 0.5 and not _looks_like_id_or_date(str(c))]
    mirrors: set[str] = set()
    if outcome is not None and outcome in frame.columns and numeric:
        from .validation import mirroring_variables

        try:
            mirrors = set(mirroring_variables(frame, numeric, outcome))
        except (DataError, ValueError):
            mirrors = set()
    numeric = [c for c in numeric if c not in mirrors]
    usage = [c for c in numeric if any(w in str(c).lower() for w in _USAGE_WORDS)]
    activity = [c for c in _ACTIVITY_FEATURES if c in numeric and c not in ("recency_days", "tenure_days")]
    return list(dict.fromkeys(usage + activity + numeric))[:limit]


def _looks_like_id_or_date(name: str) -> bool:
    text = name.lower()
    return (text in {"id", "index"} or text.endswith("_id") or text.endswith(" id") or text.endswith("_at")
            or any(w in text for w in ("date", "year", "zip", "postal", "phone")))


def resolve_outcome(dataset, column: str | None, *, allow_other_kind: bool = False):
    """(dataset, customer-table column, kind) for the outcome the user named: a customer-table outcome column
    ("churned"), the customers' churn date, or any column of the customers file (mapped as the outcome, its
    kind read from its name and values). Raises DataError naming the column when it cannot be the outcome."""
    table = dataset.customer_table().frame
    roles = dataset.roles["customers"]
    choices = outcome_choices(table, roles)
    if column is None:
        if "churned" in choices:
            return dataset, "churned", "churn"
        raise DataError("No churn outcome is mapped: name the column that says who churned (a churn date, a "
                        "status or a yes/no column).")
    if column in choices:
        return dataset, column, choices[column]
    if column == roles.get("churn_date") and "churned" in table.columns:
        return dataset, "churned", "churn"
    customers = dataset.tables["customers"].frame
    if column not in customers.columns:
        raise DataError(f"{dataset.tables['customers'].name} has no column {column!r}; columns are: "
                        f"{', '.join(map(str, customers.columns))}.")
    mapped = dataset.with_role("customers", "outcome", column)
    kind = mapped.roles["customers"].outcome_kind or "other"
    if kind != "churn" and not allow_other_kind:
        raise DataError(f"Column {column!r} of {dataset.tables['customers'].name} reads as a {kind} outcome, not "
                        "churn: the health score predicts churn. Name the churn column.")
    return mapped, ("churned" if kind == "churn" else "outcome"), kind


def activity_churn(dataset, as_of: Any, *, window_days: int = 90) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The customer table as of `as_of` with a time-honest `churned` flag, and the sentences that say how.

    Features come from the activity on or before `as_of` (`Dataset.customer_table(as_of=...)`); only customers
    active in the `window_days` before it are kept (they were still there); churned = no activity (a purchase,
    or an event) in the `window_days` after it. Raises DataError when there are no dated activities or the
    window after `as_of` runs past the data."""
    from .features import ids_as_text, parse_as_of

    activity = dataset.activity()
    if activity is None:
        raise DataError("A health score as of a past date needs transactions or events with a customer id and a "
                        "date; load them with the customers.")
    cut = parse_as_of(as_of)
    if window_days < 1:
        raise DataError(f"The churn window must be at least 1 day, not {window_days}.")
    rows = activity.frame
    dates = pd.to_datetime(rows[activity.date], errors="coerce")
    keep = dates.notna().to_numpy()
    if activity.kind == "transactions" and activity.amount is not None:
        # Refunds and credit notes are not activity (DESIGN: what counts).
        keep &= pd.to_numeric(rows[activity.amount], errors="coerce").gt(0).to_numpy()
    ids = ids_as_text(rows[activity.customer_id], column=activity.customer_id, table=activity.kind)[keep]
    days = dates[keep].dt.normalize()
    name = dataset.tables[activity.kind].name
    if days.empty:
        raise DataError(f"{name} has no dated activity to tell who churned.")
    last = days.max()
    window = pd.Timedelta(days=int(window_days))
    if cut + window > last:
        raise DataError(f"{name} runs to {last:%Y-%m-%d}, so the {window_days} days after {cut:%Y-%m-%d} are not all "
                        f"in it; choose an as-of date on or before {last - window:%Y-%m-%d}.")
    before = set(ids[(days > cut - window) & (days <= cut)].dropna())
    after = set(ids[(days > cut) & (days <= cut + window)].dropna())
    table = dataset.customer_table(as_of=cut).frame
    alive = table.index.astype(str).isin(list(before))
    frame = table.loc[alive].drop(columns=[c for c in OUTCOME_COLUMNS if c in table.columns])
    frame["churned"] = ~frame.index.astype(str).isin(list(after))
    notes = (f"Time-honest: features from {name} on or before {cut:%Y-%m-%d}; the {len(frame):,} customers active "
             f"in the {window_days} days before it; churned = no activity in the {window_days} days after it "
             f"({int(frame['churned'].sum()):,} did not come back).",)
    return frame, notes


def health_from_dataset(dataset, *, outcome: str | None = None, variables: Sequence[str] | None = None,
                        as_of: Any = None, window_days: int = 90, allow_other_kind: bool = False,
                        **options: Any) -> HealthScore:
    """The health score of a `Dataset`, as the app and the CLI fit it: the customer table, the outcome the
    user named (`resolve_outcome`), or with `as_of` the time-honest churn after that date (`activity_churn`)."""
    id_column = dataset.id_column
    if as_of is not None:
        frame, notes = activity_churn(dataset, as_of, window_days=window_days)
        customers_columns = set(dataset.tables["customers"].frame.columns)
        if variables is None:
            variables = [c for c in _ACTIVITY_FEATURES if c in frame.columns and frame[c].nunique(dropna=True) > 1
                         and c != "tenure_days"][:4]
        read_today = [v for v in variables if v in customers_columns]
        if read_today:
            notes += (f"{', '.join(map(repr, read_today))} come{'s' if len(read_today) == 1 else ''} from the "
                      "customers file as exported, not as of the cut: a column read after customers left may "
                      "know who left.",)
        return fit_health(frame, outcome="churned", variables=variables, outcome_kind="churn", id_column=id_column,
                          notes=notes, marks_left=False, **options)
    dataset, column, kind = resolve_outcome(dataset, outcome, allow_other_kind=allow_other_kind)
    frame = dataset.customer_table().frame
    if variables is None:
        variables = default_health_variables(frame, outcome=column, roles=dataset.roles["customers"])
    return fit_health(frame, outcome=column, variables=variables, outcome_kind=kind,
                      allow_other_kind=allow_other_kind, id_column=id_column, **options)


def score_change(score: HealthScore, export) -> pd.DataFrame:
    """Each account's health before (the score's own customers) and in a newer export (`NewerExport`, scored
    with the same points, no refit): customer_id, previous, current, change; accounts in one export only
    have no change. Biggest drops first."""
    current, prepared = export.score(score)
    now = pd.Series(current.to_numpy(dtype=float), index=pd.Index(prepared.frame.index).astype(str))
    before = pd.Series(score.scores["health"].to_numpy(dtype=float), index=score.scores["customer_id"].astype(str))
    ids = before.index.union(now.index, sort=False)
    out = pd.DataFrame({"customer_id": ids, "previous": before.reindex(ids).to_numpy(),
                        "current": now.reindex(ids).to_numpy()})
    out["change"] = out["current"] - out["previous"]
    return out.sort_values(["change", "customer_id"], kind="stable", na_position="last").reset_index(drop=True)


# -- small helpers --------------------------------------------------------------------------------------------
def _outcome_flag(values: pd.Series, column: str, kind: str) -> pd.Series:
    from .outcomes import flag_for

    if pd.api.types.is_datetime64_any_dtype(values):
        return values.notna().astype("boolean")
    flag = as_flag(values, of=flag_for(kind) if kind != "churn" else "churned")
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        filled = values.dropna()
        if len(filled) and not filled.isin([0, 1]).all():
            odd = filled[~filled.isin([0, 1])].iloc[0]
            raise DataError(f"Column {column!r} holds numbers other than 0 and 1 ({odd!r}), so it does not say who "
                            "churned; name a yes/no column or a churn date.")
    if flag.notna().sum() == 0:
        raise DataError(f"Column {column!r} does not say who churned (no yes/no, true/false or status values); name "
                        "a churn flag or a churn date.")
    return flag


def _as_numbers(values: pd.Series, name: str) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        raise DataError(f"Column {name!r} holds {values[bad].iloc[0]!r}, which is not a number.")
    return numbers.to_numpy(dtype=float, na_value=np.nan)


def _as_text(values: pd.Series) -> pd.Series:
    """Each value as trimmed text (None when missing or blank), worked out once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [_text(u) for u in uniques]
    lookup = np.array([t if t != "" else None for t in texts] + [None], dtype=object)
    return pd.Series(lookup[codes], index=values.index, dtype=object)


def _text(value: Any) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return str(value).strip()


def _level_order(level: str):
    try:
        return (0, float(level), level)
    except ValueError:
        return (1, 0.0, level.lower())


def _round_nice(value: float) -> float:
    """Two significant figures: 423.7 -> 420, 0.0734 -> 0.073."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return float(round(value, digits))


def _nice(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4g}"


def _rounded(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 4)


def _plain_number(value: Any) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else number


# -- export ---------------------------------------------------------------------------------------------------
def scores_csv(scores: pd.DataFrame, *, bom: bool = True) -> bytes:
    """Scores (customer_id, health, status, reasons, ...) as UTF-8 CSV bytes, cells a spreadsheet would run as
    formulas (=, +, -, @) neutralised; `bom` makes Excel read accents right."""
    from .export import neutralise_frame

    text = neutralise_frame(scores).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig" if bom else "utf-8")


def scores_xlsx(scores: pd.DataFrame, points: pd.DataFrame | None = None, *, title: str = "At risk") -> bytes:
    """One workbook: the scores on a sheet called `title` (ids as text) and the points table, formatted and
    neutralised as the other exports are."""
    from .export import matrices_workbook

    sheets = {title: scores.set_index("customer_id")}
    if points is not None:
        sheets["Points"] = points.set_index("variable")
    return matrices_workbook(sheets)
