"""Is each segmentation worth acting on? Five criteria, each pass / warn / fail with a reason.

`evaluate(frame, segmentation)` scores any `Segmentation` (k-means, rules, RFM, an
analyst's own) on the customer table it labels:

- distinct: do segments differ? Silhouette on the design matrix against the silhouette that
  k groups reach in data with *no* groups (a Gaussian and a uniform cloud with the same
  covariance, and the customers' own columns each shuffled on its own, refitted by the same
  method with the same k), effect size per variable, and every pair of segments apart on some
  variable. Cutting one blob into pieces scores a decent silhouette, and so does re-finding the
  0/1/2 levels of a count column, so only beating every reference counts.
- measurable: missing share and constancy of each variable; stability of refits on subsamples
  (adjusted Rand index against the labels). Columns a method lists in
  ``state["missing_tested"]`` (rules that test ``is missing``) are judged on blank vs filled.
- substantial: each segment's customers (at least a minimum count, whatever their share) and share of
  customers (and of revenue when a revenue column is given).
- accessible: a depth-3 decision tree on the raw columns reproduces the labels; its paths become
  one plain rule per segment ("mrr above 420 and logins_30d under 5", "mrr is 0"). Segments whose
  method has exact rules that work as filters (`Method.filters_from`: RFM's grid cells and score
  thresholds) are read from that definition instead.
- actionable: an outcome KPI (churn, conversion, LTV) differs across segments (chi-square or
  Kruskal-Wallis, plus the spread between segments). Not a pass when a segmentation variable
  alone nearly determines the outcome (`mirroring_variables`): such segments differ on it by
  construction, e.g. recency of a cancelled subscription against churn.

The quadratic parts run on samples (a few thousand customers give the silhouette to two
decimals) and the no-structure reference is cached, so a scorecard takes well under a second
for 10,000 customers.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, pairwise_distances
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from .errors import DataError
from .methods.kmeans import N_INIT, silhouette_on_distances
from .outcomes import OUTCOME_COLUMNS, infer_outcome_kind, rate_name
from .methods.registry import Method, find_method
from .result import Segmentation
from .variables import MISSING_LEVEL, apply_state, category_texts, customer_ids, missing_mask, prepare

__all__ = ["Thresholds", "Criterion", "Validation", "evaluate", "mirroring_variables", "CRITERIA", "VERDICTS"]

CRITERIA = ("distinct", "measurable", "substantial", "accessible", "actionable")
VERDICTS = ("pass", "warn", "fail")
_POSITIVE = {"yes", "y", "true", "1", "1.0", "churned", "churn", "converted", "paid", "won"}
# Rows of the no-structure reference clouds; cached per shape, so the size barely costs.
_REFERENCE_ROWS = 2000
# A derived yes/no variable "<column> is missing" (rules that test missingness, dates).
_MISSING_SUFFIX = " is missing"


@dataclass(frozen=True)
class Thresholds:
    """Cut-offs behind each verdict; every one can be changed."""

    # distinct
    silhouette_min: float = 0.25  # below this a silhouette shows no substantial structure
    margin_pass: float = 0.10  # silhouette above the no-structure reference by at least this: pass
    margin_warn: float = 0.05  # ... by less than this: fail
    pair_min_difference: float = 0.5  # standardized mean difference (numbers) that tells two segments apart
    pair_min_share_difference: float = 0.2  # difference in category shares that tells two segments apart
    silhouette_sample: int = 3000
    # measurable
    missing_warn: float = 0.10
    missing_fail: float = 0.50
    constancy_warn: float = 0.90  # share of customers holding the most common value
    constancy_fail: float = 0.99
    stability_pass: float = 0.80  # adjusted Rand index of refits on subsamples
    stability_warn: float = 0.50
    stability_sample: int = 5000
    # substantial
    min_share: float = 0.05
    min_customers: int = 10  # a segment of fewer customers is not substantial whatever its share (2 of 12)
    # accessible
    tree_depth: int = 3
    tree_accuracy_pass: float = 0.85
    tree_accuracy_warn: float = 0.70
    # actionable
    alpha: float = 0.05
    min_rate_spread: float = 0.05  # between the highest and lowest segment rate (binary outcome)
    min_relative_spread: float = 0.20  # of segment means relative to the overall mean (numeric outcome)
    # A segmentation variable that alone nearly determines the outcome makes 'actionable' pass by definition.
    mirror_auc: float = 0.95  # yes/no outcome: area under the ROC curve of the variable (either direction)
    mirror_correlation: float = 0.95  # numeric outcome: absolute rank correlation


@dataclass(frozen=True)
class Criterion:
    """One line of the scorecard."""

    name: str
    verdict: str  # "pass" | "warn" | "fail"
    figures: Mapping[str, Any]
    thresholds: Mapping[str, Any]
    why: str

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} should be one of {VERDICTS}")
        object.__setattr__(self, "figures", MappingProxyType(dict(self.figures)))
        object.__setattr__(self, "thresholds", MappingProxyType(dict(self.thresholds)))

    def to_dict(self) -> dict[str, Any]:
        return _plain({"verdict": self.verdict, **self.figures, "why": self.why, "thresholds": dict(self.thresholds)})


@dataclass(frozen=True)
class Validation:
    """The scorecard: one `Criterion` per criterion, plus a plain rule per segment."""

    criteria: tuple[Criterion, ...]
    segment_rules: Mapping[str, str]
    tree_accuracy: float
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))
        object.__setattr__(self, "segment_rules", MappingProxyType(dict(self.segment_rules)))

    def __getitem__(self, name: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.name == name:
                return criterion
        raise KeyError(name)

    @property
    def verdicts(self) -> dict[str, str]:
        return {c.name: c.verdict for c in self.criteria}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: criterion name -> {verdict, figures..., why, thresholds}."""
        return {c.name: c.to_dict() for c in self.criteria}


def evaluate(
    frame: pd.DataFrame,
    segmentation: Segmentation,
    *,
    outcome: str | None = None,
    revenue: str | None = None,
    thresholds: Thresholds | None = None,
    random_state: int = 0,
    n_bootstrap: int = 5,
    actions: Mapping[str, str] | None = None,
    id_column: str | None = None,
    outcome_kind: str | None = None,
) -> Validation:
    """Score `segmentation` on `frame` (the customer table it labels) against the five criteria.

    outcome      column of the KPI the segments should move: yes/no (churned, converted),
                 a date (churn_date: set = churned), categories, or a number (LTV).
    revenue      numeric column for each segment's share of revenue.
    n_bootstrap  refits on subsamples for stability (0 skips it).
    actions      segment -> planned action; segments without one are pointed out.
    id_column    customer id column of `frame` (default: as the segmentation was fitted).
    outcome_kind what the outcome measures (churn, conversion, response, other; default: read from its
                 name and values), which names its rate in the sentence: "response rate 30% in ...".
    """
    t = thresholds or Thresholds()
    if not isinstance(t, Thresholds):
        raise DataError("thresholds should be a validation.Thresholds (or None for the defaults).")
    for role, column in (("outcome", outcome), ("revenue", revenue)):
        if column is not None and column not in frame.columns:
            raise DataError(f"The {role} column {column!r} is not in the data; choose one of its columns.")
    if revenue is not None and not pd.api.types.is_numeric_dtype(frame[revenue]):
        raise DataError(f"The revenue column {revenue!r} should hold numbers (e.g. MRR); it holds text.")
    if int(n_bootstrap) < 0:
        raise DataError(f"n_bootstrap={n_bootstrap} should be 0 or more.")
    if len(frame) < 3:
        raise DataError("Validation needs at least 3 customers.")

    id_column = id_column if id_column is not None else segmentation.params.get("id_column")
    ids = customer_ids(frame, id_column)
    labels = _labels(frame, segmentation, ids)
    names, codes = _codes(labels, segmentation.segments)
    X, specs, notes, readable = _design(frame, segmentation)
    # Samples are drawn in customer-id order, so the scorecard does not depend on the row order.
    order = np.argsort(ids.to_numpy(dtype=str), kind="stable")
    # An unknown method (a recipe from elsewhere) is still judged on its labels, as a clustering.
    method = find_method(segmentation.method)
    rule_based = method is not None and method.rule_based

    with threadpool_limits(limits=1):
        shuffled = _shuffled_silhouette(frame, segmentation, method, len(names), t, order, random_state)
        distinct = _distinct(X, specs, codes, names, rule_based, t, order, random_state,
                             shuffled=shuffled, frame=frame)
        measurable = _measurable(frame, segmentation, labels, t, int(n_bootstrap), order, random_state)
        if method is not None and method.filters_from:  # the method's own rules are exact filters: no tree
            accessible, rules, accuracy = _accessible_exact(method, segmentation, names, t)
        else:
            accessible, rules, accuracy = _accessible(readable, specs, codes, names, t, random_state)
    substantial = _substantial(frame, labels, segmentation.segments, revenue, t)
    actionable = _actionable(frame, codes, names, outcome, actions, t, variables=segmentation.variables,
                             outcome_kind=outcome_kind)
    return Validation(
        criteria=(distinct, measurable, substantial, accessible, actionable),
        segment_rules=rules,
        tree_accuracy=accuracy,
        notes=tuple(notes),
    )


# -- inputs ---------------------------------------------------------------------------------------
def _labels(frame: pd.DataFrame, segmentation: Segmentation, ids: pd.Index) -> np.ndarray:
    """Segment name per row of `frame`: the fitted labels by id, assigned where an id has none."""
    aligned = segmentation.labels.reindex(ids) if len(segmentation.labels) else pd.Series(index=ids, dtype=object)
    values = aligned.to_numpy(dtype=object)
    unknown = pd.isna(values)
    if unknown.any():
        assigned = segmentation.assign(frame).to_numpy(dtype=object)
        values = np.where(unknown, assigned, values)
    return values.astype(str)


def _codes(labels: np.ndarray, segments: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Names of the segments that have customers (display order) and each row's code."""
    present = set(pd.unique(labels).tolist())
    names = [s for s in segments if s in present] + sorted(present - set(segments))
    return names, pd.Categorical(labels, categories=names).codes.astype(int)


def _sample_rows(codes: np.ndarray, size: int, order: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """A random sample of rows (drawn in `order`) in which every segment has a few members."""
    if len(codes) <= size:
        return np.arange(len(codes))
    rows = order[rng.choice(len(codes), size=size, replace=False)]
    counts = np.bincount(codes[rows], minlength=codes.max() + 1)
    ranked = codes[order]
    extra = [order[rng.choice(np.flatnonzero(ranked == i), size=min(10, int((ranked == i).sum())), replace=False)]
             for i in np.flatnonzero(counts < 10)]
    return np.unique(np.concatenate([rows, *extra]))


def _design(frame: pd.DataFrame, segmentation: Segmentation) -> tuple[np.ndarray, list[dict], list[str], pd.DataFrame]:
    """The variables as the method saw them (k-means) or as k-means would (rules, RFM).

    Also returns the frame the accessible tree reads: `frame` plus "<column> is missing" yes/no
    columns where missingness carries the segments (rules on `is missing`, or dates and mostly
    empty columns that cannot enter the design as numbers).
    """
    saved = segmentation.state.get("design")
    if saved:
        return apply_state(saved, frame), list(saved["variables"]), [], frame
    variables = [v for v in segmentation.variables if v in frame.columns]
    design, notes = None, []
    try:
        design = prepare(frame, variables, strict=False) if variables else None
    except DataError as exc:  # nothing usable as numbers; missingness may still carry the segments
        notes.append(str(exc))
    used = set(design.variables) if design is not None else set()
    tested = set(segmentation.state.get("missing_tested", ()))
    indicators = {}
    for name in variables:
        if name in tested or name not in used:
            missing = missing_mask(frame[name])
            if 0 < missing.mean() < 1:
                indicators[f"{name}{_MISSING_SUFFIX}"] = np.where(missing, "yes", "no")
    if design is None and not indicators:
        raise DataError("None of the segmentation's variables are in the data; validate on the table it was built on.")
    blocks, specs = [], []
    notes += list(design.notes) if design is not None else []
    if design is not None:
        blocks.append(design.matrix)
        specs.extend(design.state["variables"])
    if indicators:
        extra = pd.DataFrame(indicators, index=frame.index)
        flags = prepare(extra, list(indicators), strict=False)
        blocks.append(flags.matrix)
        specs.extend(flags.state["variables"])
        frame = pd.concat([frame, extra], axis=1)
    return np.hstack(blocks), specs, notes, frame


# -- distinct ---------------------------------------------------------------------------------------
def _distinct(X, specs, codes, names, rule_based: bool, t: Thresholds, order, random_state, *,
              shuffled: float | None = None, frame: pd.DataFrame | None = None) -> Criterion:
    shown = {k: getattr(t, k) for k in ("silhouette_min", "margin_pass", "margin_warn", "pair_min_difference",
                                        "pair_min_share_difference")}
    k = len(names)
    effects = _effect_sizes(X, specs, codes, k)
    if k < 2:
        return Criterion("distinct", "fail", {"segments": k, "effect_sizes": effects}, shown,
                         "Everyone is in one segment, so there is nothing to tell apart.")
    sample = _sample_rows(codes, t.silhouette_sample, order, np.random.RandomState(random_state))
    distances = pairwise_distances(X[sample].astype(np.float32))
    silhouette = silhouette_on_distances(distances, codes[sample])
    gauss, uniform = _reference_silhouettes(_spectrum(X), k, random_state)
    cloud = max(gauss, uniform)
    reference = cloud if shuffled is None else max(cloud, shuffled)
    margin = silhouette - reference
    overlapping = _overlapping_pairs(X, specs, codes, names, t)
    figures = {
        "silhouette": silhouette,
        "reference_silhouette": reference,
        "reference_gaussian": gauss,
        "reference_uniform": uniform,
        "reference_shuffled": shuffled,
        "margin": margin,
        "silhouette_sample": int(len(sample)),
        "effect_sizes": effects,
        "overlapping_pairs": [f"{a} / {b}" for a, b in overlapping],
    }
    versus = f"silhouette {silhouette:.2f} vs {cloud:.2f} for {k} groups cut from data with no real groups"
    if shuffled is not None:
        versus += f" and {shuffled:.2f} with each column shuffled on its own"
    # The columns shuffled one by one keep each variable's own levels and peaks: segments no clearer than
    # the same method finds there only re-find those levels, not customers who differ on several things at once.
    own_levels = shuffled is not None and silhouette - shuffled < t.margin_pass and shuffled >= cloud
    levels = _level_variables(frame, specs, effects) if own_levels else []
    if own_levels:
        figures["level_variables"] = [name for name, _ in levels]
    if silhouette - cloud < t.margin_warn:
        verdict = "fail"
        if rule_based:
            why = (f"The segments differ by construction (their rules set them apart), but customers do not fall "
                   f"into natural groups here ({versus}): customers either side of a threshold are much alike.")
        else:
            why = (f"These segments are cuts of one continuous cloud, not natural groups ({versus}); "
                   "try other variables or fewer segments.")
    elif own_levels:
        verdict = "fail" if silhouette - shuffled < t.margin_warn else "warn"
        why = _levels_why(levels, silhouette, shuffled, verdict, rule_based)
    elif margin < t.margin_pass or silhouette < t.silhouette_min:
        verdict = "warn"
        why = f"The segments are only somewhat apart ({versus}); expect many customers near the borders."
    elif overlapping:
        verdict = "warn"
        a, b = overlapping[0]
        why = (f"Most segments are clearly apart ({versus}), but {a!r} and {b!r} look alike on every "
               "variable; consider merging them.")
    else:
        verdict = "pass"
        why = f"The segments are clearly apart ({versus}) and every pair differs on at least one variable."
    if verdict != "fail" and overlapping and "look alike" not in why:
        why += f" {len(overlapping)} pair(s) of segments look alike on every variable."
    return Criterion("distinct", verdict, figures, shown, why)


def _shuffled_silhouette(frame, segmentation: Segmentation, method: Method | None, k: int, t: Thresholds, order,
                         random_state) -> float | None:
    """Silhouette of the same method, same k, on a sample of the customers with each variable shuffled on its
    own: every column keeps its values (levels, peaks, skew) and loses any link with the other columns.

    None when there is nothing to shuffle against (one variable, one segment) or no groups come out.
    """
    variables = [v for v in segmentation.variables if v in frame.columns]
    if len(variables) < 2 or k < 2:
        return None
    rng = np.random.RandomState(random_state + 104729)
    size = min(len(frame), _REFERENCE_ROWS)
    rows = np.sort(order[rng.choice(len(frame), size=size, replace=False)])
    sample = frame.iloc[rows]
    shuffled = sample.copy()
    for name in variables:
        shuffled[name] = sample[name].to_numpy()[rng.permutation(size)]
    try:
        X = _design(shuffled, segmentation)[0]
    except DataError:
        return None
    labels = None
    if method is not None and method.refit is not None:
        try:
            labels = segmentation.refit(shuffled).assign(shuffled).to_numpy(dtype=object).astype(str)
        except DataError:
            labels = None  # e.g. fewer different customers than k in the sample: plain k-means below
    if labels is None:
        if len(np.unique(X.round(9), axis=0)) < k:
            return None
        labels = KMeans(n_clusters=k, n_init=N_INIT, random_state=random_state).fit_predict(X)
    value = silhouette_on_distances(pairwise_distances(X.astype(np.float32)), labels)
    return None if math.isnan(value) else value



def _level_variables(frame, specs, effects) -> list[tuple[str, list[str]]]:
    """The variables whose own groups the segments follow, most telling first, each with its levels in words.

    Columns of few values (counts 0/1/2, categories, blank or not) that the segments split cleanly, each with
    its levels; failing those, the numbers the segments differ most on (a number's own peaks), without levels.
    """
    levelled, spread = [], []
    for spec in specs:
        name = spec["name"]
        base = name.removesuffix(_MISSING_SUFFIX)
        if frame is None or base not in frame.columns or effects.get(name, 0.0) < 0.5:
            continue
        if name.endswith(_MISSING_SUFFIX):
            levelled.append((effects[name], base, ["blank", "filled in"]))
        elif spec["kind"] == "numeric":
            values = np.unique(pd.to_numeric(frame[base], errors="coerce").dropna().to_numpy(dtype=float))
            if len(values) > 10:
                spread.append((effects[name], base, []))
            else:
                levelled.append((effects[name], base, [f"{v:,.0f}" if float(v).is_integer() else _nice(v)
                                                       for v in values]))
        else:
            levelled.append((effects[name], base, [str(level) for level in spec["levels"]]))
    found = levelled or spread
    if not found and effects:
        name = max(effects, key=effects.get)
        found = [(effects[name], name.removesuffix(_MISSING_SUFFIX), [])]
    return [(name, levels) for _, name, levels in sorted(found, key=lambda item: -item[0])]


def _levels_why(variables, silhouette, shuffled, verdict, rule_based: bool) -> str:
    """The sentence for segments that only re-find the levels (or a number's own peaks) of some variables."""
    def with_levels(name, levels):
        shown = ", ".join(levels) if len(levels) <= 6 else f"{levels[0]} to {levels[-1]}"
        return f"{name} ({shown})"

    names = _listing([name for name, _ in variables]) if variables else "one variable"
    if variables and all(levels for _, levels in variables):
        source = f"the levels of {_listing([with_levels(n, lv) for n, lv in variables])}"
    elif len(variables) == 1:
        source = f"the groups that {names} has on its own"
    else:
        source = f"the groups that {names} each have on their own"
    test = (f"with each column shuffled on its own (same values, no link between columns) the same method finds "
            f"groups {'as' if verdict == 'fail' else 'almost as'} clear (silhouette {silhouette:.2f} vs "
            f"{shuffled:.2f})")
    if verdict == "fail" and rule_based:
        return (f"The segments differ by construction, but they only re-find {source}: {test}. Fine for one play "
                "per level; do not read them as natural groups of customers.")
    if verdict == "fail":
        return (f"These segments only re-find {source}: {test}. Segment on {names} with rules, or choose variables "
                "that go together.")
    return f"The segments come mostly from {source}: {test}; check that they mean more than {names} alone."


def _spectrum(X: np.ndarray) -> tuple[float, ...]:
    """Variances along the principal axes, relative to the largest, rounded (the cache key)."""
    if X.shape[1] == 0 or len(X) < 2:
        return (1.0,)
    values = np.linalg.eigvalsh(np.cov(X, rowvar=False).reshape(X.shape[1], X.shape[1]))[::-1]
    values = values / values[0] if values[0] > 0 else np.ones(1)
    # Silhouette ignores scale and rotation, so the shape of the cloud is all the reference needs.
    return tuple(float(v) for v in np.round(values, 2) if v >= 0.005) or (1.0,)


@functools.lru_cache(maxsize=256)
def _reference_silhouettes(spectrum: tuple[float, ...], k: int, random_state: int) -> tuple[float, float]:
    """Silhouette of k-means with k groups on a Gaussian and on a uniform cloud of the same covariance."""
    rng = np.random.RandomState(random_state)
    scale = np.sqrt(np.asarray(spectrum))
    clouds = (
        rng.normal(size=(_REFERENCE_ROWS, len(scale))) * scale,
        rng.uniform(-0.5, 0.5, size=(_REFERENCE_ROWS, len(scale))) * math.sqrt(12) * scale,
    )
    out = []
    with threadpool_limits(limits=1):
        for cloud in clouds:
            labels = KMeans(n_clusters=k, n_init=N_INIT, random_state=random_state).fit_predict(cloud)
            out.append(silhouette_on_distances(pairwise_distances(cloud.astype(np.float32)), labels))
    return out[0], out[1]


def _effect_sizes(X, specs, codes, k) -> dict[str, float]:
    """Eta squared (numbers) or Cramer's V (categories) of each variable across segments."""
    out: dict[str, float] = {}
    counts = np.bincount(codes, minlength=k).astype(float)
    column = 0
    for spec in specs:
        if spec["kind"] == "numeric":
            x = X[:, column]
            means = np.bincount(codes, weights=x, minlength=k) / np.maximum(counts, 1)
            total = ((x - x.mean()) ** 2).sum()
            between = (counts * (means - x.mean()) ** 2).sum()
            out[spec["name"]] = float(between / total) if total > 0 else 0.0
            column += 1
        else:
            width = len(spec["levels"])
            table = np.vstack([np.bincount(codes, weights=X[:, column + j], minlength=k) for j in range(width)]).T
            table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
            if min(table.shape) < 2:
                out[spec["name"]] = 0.0
            else:
                chi2 = stats.chi2_contingency(table, correction=False)[0]
                out[spec["name"]] = float(math.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))))
            column += width
    return out


def _overlapping_pairs(X, specs, codes, names, t: Thresholds) -> list[tuple[str, str]]:
    """Pairs of segments that differ on no variable by a meaningful amount."""
    k = len(names)
    counts = np.bincount(codes, minlength=k).astype(float)
    sums = np.vstack([np.bincount(codes, weights=X[:, j], minlength=k) for j in range(X.shape[1])]).T
    means = sums / counts[:, None]
    squares = np.vstack([np.bincount(codes, weights=X[:, j] ** 2, minlength=k) for j in range(X.shape[1])]).T
    variances = np.clip(squares / counts[:, None] - means**2, 0, None)
    pairs = []
    for a in range(k):
        for b in range(a + 1, k):
            if not _differ(a, b, means, variances, specs, t):
                pairs.append((names[a], names[b]))
    return pairs


def _differ(a, b, means, variances, specs, t: Thresholds) -> bool:
    column = 0
    for spec in specs:
        if spec["kind"] == "numeric":
            pooled = math.sqrt((variances[a, column] + variances[b, column]) / 2)
            gap = abs(means[a, column] - means[b, column])
            if (gap / pooled if pooled > 0 else (np.inf if gap > 0 else 0)) >= t.pair_min_difference:
                return True
            column += 1
        else:
            width = len(spec["levels"])
            share_gap = 0.5 * np.abs(means[a, column : column + width] - means[b, column : column + width]).sum()
            if share_gap >= t.pair_min_share_difference:
                return True
            column += width
    return False


# -- measurable -----------------------------------------------------------------------------------
def _measurable(frame, segmentation: Segmentation, labels, t: Thresholds, refits: int, order,
                random_state) -> Criterion:
    shown = {k: getattr(t, k) for k in ("missing_warn", "missing_fail", "constancy_warn", "constancy_fail",
                                        "stability_pass", "stability_warn")}
    # Where a rule tests `is missing`, the blanks are the signal, not a measurement problem:
    # what must vary there is blank versus filled.
    signal = set(segmentation.state.get("missing_tested", ()))
    missing, constancy = {}, {}
    for name in segmentation.variables:
        if name not in frame.columns:
            raise DataError(f"The data lacks the column {name!r} these segments were built on; add or map it.")
        series = frame[name]
        empty = missing_mask(series)
        missing[name] = float(empty.mean())
        present = series[~empty]
        if name in signal:  # blank is one more value, so recency with no blanks still varies by its values
            constancy[name] = float(series.where(~empty).value_counts(normalize=True, dropna=False).iloc[0])
        else:
            constancy[name] = float(present.value_counts(normalize=True).iloc[0]) if len(present) else 1.0
    stability, stability_note = _stability(frame, segmentation, labels, t, refits, order, random_state)
    figures = {"missing_share": missing, "constancy": constancy, "stability_ari": stability,
               "refits": refits if stability is not None else 0}

    if signal:
        figures["missing_is_a_rule"] = sorted(signal)
    problems_fail, problems_warn = [], []
    for name in segmentation.variables:
        if name not in signal and missing[name] > t.missing_fail:
            problems_fail.append(f"{name} is empty for {missing[name]:.0%} of customers")
        elif name not in signal and missing[name] > t.missing_warn:
            problems_warn.append(f"{name} is empty for {missing[name]:.0%} of customers")
        if constancy[name] >= t.constancy_fail:
            problems_fail.append(f"{name} has one value for {constancy[name]:.0%} of customers")
        elif constancy[name] >= t.constancy_warn:
            problems_warn.append(f"{name} has one value for {constancy[name]:.0%} of customers")
    if stability is not None:
        words = f"refitting on other samples gives the same segments (adjusted Rand {stability:.2f})"
        if stability < t.stability_warn:
            problems_fail.append(f"refitting on other samples gives different segments (adjusted Rand {stability:.2f})")
        elif stability < t.stability_pass:
            problems_warn.append(f"refits on other samples only partly agree (adjusted Rand {stability:.2f})")
    else:
        words = stability_note
    if problems_fail:
        problems = "; ".join(problems_fail + problems_warn)
        verdict, why = "fail", f"These segments will not re-measure reliably: {problems}."
    elif problems_warn:
        verdict, why = "warn", f"Measurable, with a caveat: {'; '.join(problems_warn)}."
    else:
        filled = "is filled in where the rules need it" if signal else "is filled in"
        verdict, why = "pass", f"Every variable varies and {filled}, and {words}."
    return Criterion("measurable", verdict, figures, shown, why)


def _stability(frame, segmentation: Segmentation, labels, t: Thresholds, refits: int, order, random_state):
    """Mean adjusted Rand index between the labels and refits on subsamples assigned back to everyone."""
    if refits == 0:
        return None, "stability was not checked"
    if len(frame) < 20:
        return None, "there are too few customers to check stability"
    rng = np.random.RandomState(random_state + 7919)
    codes = pd.factorize(labels)[0]
    size = min(t.stability_sample, max(10, int(0.8 * len(frame))))
    scores = []
    for i in range(refits):
        rows = np.sort(order[rng.choice(len(frame), size=size, replace=False)])
        variant = segmentation
        if "random_state" in segmentation.params:
            variant = replace(segmentation, params={**segmentation.params, "random_state": random_state + i + 1})
        try:
            refitted = variant.refit(frame.iloc[rows])
            again = pd.factorize(refitted.assign(frame).to_numpy(dtype=object))[0]
        except DataError as exc:
            if "cannot be refitted" in str(exc) or "Unknown segmentation method" in str(exc):
                return None, "this method cannot be refitted, so stability was not checked"
            continue  # e.g. a subsample where a variable happens to be constant
        scores.append(adjusted_rand_score(codes, again))
    if not scores:
        return None, "refits on subsamples failed, so stability was not checked"
    return float(np.mean(scores)), ""


# -- substantial ----------------------------------------------------------------------------------
def _substantial(frame, labels, segments, revenue, t: Thresholds) -> Criterion:
    shown = {"min_share": t.min_share, "min_customers": t.min_customers}
    order = list(segments) + sorted(set(labels.tolist()) - set(segments))
    counts = pd.Series(labels).value_counts().reindex(order, fill_value=0)
    shares = counts / counts.sum()
    figures: dict[str, Any] = {"customer_share": shares.to_dict(), "customers": counts.to_dict()}
    revenue_shares = None
    if revenue is not None:
        money = pd.Series(frame[revenue].to_numpy(dtype=float, na_value=np.nan)).fillna(0.0)
        totals = money.groupby(labels).sum().reindex(order, fill_value=0.0)
        whole = float(totals.sum())
        revenue_shares = totals / whole if whole else totals * 0.0
        figures["revenue_share"] = revenue_shares.to_dict()
    # Too few customers is final: revenue cannot make two accounts a segment to plan for.
    few = [s for s in order if 0 < counts[s] < t.min_customers]
    small = [s for s in order if shares[s] < t.min_share or s in few]
    rescued = [s for s in small if s not in few and revenue_shares is not None and revenue_shares[s] >= t.min_share]
    failing = [s for s in small if s not in rescued]
    figures["small_segments"] = small
    figures["too_few_customers"] = few
    if few:
        worst = min(few, key=lambda s: counts[s])
        others = f"; {len(few) - 1} more segment(s) are that small too" if len(few) > 1 else ""
        why = (f"{worst!r} holds only {_customers(counts[worst])} ({_pct(shares[worst])}), under the minimum of "
               f"{t.min_customers:,}: too few to plan for whatever their share{others}; merge it with a neighbour, "
               "or load more customers.")
        return Criterion("substantial", "fail", figures, shown, why)
    if failing:
        worst = min(failing, key=lambda s: shares[s])
        money = f" and {_pct(revenue_shares[worst])} of revenue" if revenue_shares is not None else ""
        others = f"; {len(failing) - 1} more segment(s) are that small too" if len(failing) > 1 else ""
        why = (f"{worst!r} holds only {_pct(shares[worst])} of customers{money}, under {t.min_share:.0%}{others}; "
               "merge it with a neighbour or widen its definition.")
        return Criterion("substantial", "fail", figures, shown, why)
    if rescued:
        s = rescued[0]
        why = (f"{s!r} holds only {_pct(shares[s])} of customers but {_pct(revenue_shares[s])} of revenue; "
               "small but worth a dedicated play.")
        return Criterion("substantial", "warn", figures, shown, why)
    smallest = shares.idxmin()
    money = f", {_pct(revenue_shares[smallest])} of revenue" if revenue_shares is not None else ""
    count = f" and at least {t.min_customers:,} customers" if t.min_customers > 1 else ""
    why = (f"Every segment holds at least {t.min_share:.0%} of customers{count} (smallest: {smallest!r}, "
           f"{_customers(counts[smallest])}, {_pct(shares[smallest])}{money}).")
    return Criterion("substantial", "pass", figures, shown, why)


# -- accessible -----------------------------------------------------------------------------------
def _accessible(frame, specs, codes, names, t: Thresholds, random_state):
    shown = {"tree_depth": t.tree_depth, "tree_accuracy_pass": t.tree_accuracy_pass,
             "tree_accuracy_warn": t.tree_accuracy_warn}
    features, described, integers = _raw_features(frame, specs)
    tree = DecisionTreeClassifier(max_depth=t.tree_depth, random_state=random_state).fit(features, codes)
    predicted = tree.predict(features)
    accuracy = float((predicted == codes).mean())
    rules = _tree_rules(tree, described, integers, names)
    recall = {name: float((predicted[codes == i] == i).mean()) for i, name in enumerate(names)}
    unreachable = [name for name in names if name not in rules]
    for name in unreachable:
        rules[name] = "no simple rule (a short decision tree never picks this segment)"
    rules = {name: rules[name] for name in names}
    figures = {"tree_accuracy": accuracy, "recall": recall, "segment_rules": dict(rules),
               "without_rule": unreachable}
    used = _listing([f"whether {s['name'][: -len(_MISSING_SUFFIX)]} is blank" if s["name"].endswith(_MISSING_SUFFIX)
                     else s["name"] for s in specs])
    if accuracy >= t.tree_accuracy_pass and not unreachable:
        verdict = "pass"
        why = (f"Rules of at most {t.tree_depth} conditions on {used} put {_pct(accuracy)} of customers in their "
               "segment, so a team can pull each list with a CRM filter.")
    elif accuracy >= t.tree_accuracy_warn:
        verdict = "warn"
        why = (f"Rules of at most {t.tree_depth} conditions on {used} put only {_pct(accuracy)} of customers in "
               "their segment; a filter will catch most, not all.")
        if unreachable:
            why += f" No simple rule finds {unreachable[0]!r}."
    else:
        verdict = "fail"
        why = (f"Rules of at most {t.tree_depth} conditions on {used} put only {_pct(accuracy)} of customers in "
               "their segment; a team could not find these customers with a filter.")
    return Criterion("accessible", verdict, figures, shown, why), rules, accuracy


def _accessible_exact(method: Method, segmentation: Segmentation, names, t: Thresholds):
    """Segments whose method's own rules are exact filters (RFM: grid cells over score thresholds):
    the written definition finds each one exactly."""
    shown = {"tree_depth": t.tree_depth, "tree_accuracy_pass": t.tree_accuracy_pass,
             "tree_accuracy_warn": t.tree_accuracy_warn}
    written = method.segment_rules(segmentation) or {}
    rules = {name: written.get(name, "") for name in names}
    figures = {"tree_accuracy": 1.0, "rule_source": method.filters_from,
               "recall": {name: 1.0 for name in names}, "segment_rules": dict(rules), "without_rule": []}
    return Criterion("accessible", "pass", figures, shown, method.filters_why), rules, 1.0


def _raw_features(frame, specs):
    """Columns in their own units (numbers, one 0/1 column per category) for readable splits."""
    columns, described, integers = [], [], {}
    for spec in specs:
        name = spec["name"]
        if spec["kind"] == "numeric":
            values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            values = np.where(np.isnan(values), spec["fill"], values)
            columns.append(values)
            described.append(("numeric", name, None))
            positive = values[values > 0]
            integers[name] = (bool(np.all(np.mod(values, 1) == 0)), float(values.min()),
                              float(positive.min()) if len(positive) else None)
        else:
            text = category_texts(frame[name])
            for level in spec["levels"]:
                columns.append((text == level).astype(float))
                described.append(("level", name, level))
    return np.column_stack(columns), described, integers


def _tree_rules(tree, described, integers, names) -> dict[str, str]:
    """Plain-words rule per segment from the leaves of the tree (sibling leaves of one class merged)."""
    inner = tree.tree_
    classes = tree.classes_

    @functools.lru_cache(maxsize=None)
    def decided(node: int) -> int | None:
        """The class every leaf under `node` predicts, or None when they differ."""
        if inner.children_left[node] == -1:
            return int(classes[np.argmax(inner.value[node][0])])
        left, right = decided(inner.children_left[node]), decided(inner.children_right[node])
        return left if left is not None and left == right else None

    leaves: list[tuple[int, list, float]] = []

    def walk(node: int, path: list) -> None:
        code = decided(node)
        if code is not None:
            leaves.append((code, path, inner.weighted_n_node_samples[node]))
            return
        feature, threshold = inner.feature[node], inner.threshold[node]
        walk(inner.children_left[node], path + [(feature, "<=", threshold)])
        walk(inner.children_right[node], path + [(feature, ">", threshold)])

    walk(0, [])
    grouped: dict[int, list[tuple[float, str]]] = {}
    for code, path, weight in leaves:
        grouped.setdefault(code, []).append((weight, _path_words(path, described, integers)))
    out = {}
    for code, parts in grouped.items():
        parts = [words for _, words in sorted(parts, key=lambda p: -p[0])]
        if len(parts) == 1:
            out[names[code]] = parts[0]
        else:
            out[names[code]] = " or ".join(f"({p})" if " and " in p else p for p in parts)
    return out


def _path_words(path, described, integers) -> str:
    if not path:
        return "everyone"
    bounds: dict[str, list] = {}
    levels: dict[str, dict[str, list]] = {}
    order: list[str] = []
    for feature, op, threshold in path:
        kind, name, level = described[feature]
        if name not in order:
            order.append(name)
        if kind == "numeric":
            low, high = bounds.setdefault(name, [None, None])
            if op == ">":
                bounds[name][0] = threshold if low is None else max(low, threshold)
            else:
                bounds[name][1] = threshold if high is None else min(high, threshold)
        else:
            entry = levels.setdefault(name, {"is": [], "not": []})
            entry["is" if op == ">" else "not"].append(level)
    words = []
    for name in order:
        if name in bounds:
            words.append(_numeric_words(name, *bounds[name], *integers[name]))
        else:
            entry = levels[name]
            if entry["is"]:
                words.append(_level_words(name, entry["is"][0], True))
            elif len(entry["not"]) == 1:
                words.append(_level_words(name, entry["not"][0], False))
            else:
                words.append(f"{name} is none of {', '.join(entry['not'])}")
    return " and ".join(words)


def _level_words(name: str, level: str, positive: bool) -> str:
    if name.endswith(_MISSING_SUFFIX):
        is_missing = (level == "yes") == positive
        return f"{name[: -len(_MISSING_SUFFIX)]} is {'missing' if is_missing else 'filled in'}"
    if level == MISSING_LEVEL:
        return f"{name} is {'missing' if positive else 'filled in'}"
    return f"{name} is {'' if positive else 'not '}{level}"


def _numeric_words(name, low, high, integer: bool, minimum: float, smallest_positive: float | None = None) -> str:
    if minimum == 0 and smallest_positive is not None:
        # A split between 0 and the smallest positive value (mrr 0 vs 12 and up) says "pays / does not pay":
        # "mrr below 6" would name a value nobody has.
        zero_low = low is not None and low < smallest_positive
        zero_high = high is not None and high < smallest_positive
        if zero_high:
            return f"{name} is 0"
        if zero_low:
            if high is None:
                return f"{name} above 0"
            return f"{name} above 0 and " + _numeric_words(name, None, high, integer, minimum).removeprefix(f"{name} ")
    if integer:
        # x > 4.5 means 5 or more; x <= 4.5 means under 5, for whole numbers.
        first = math.floor(low) + 1 if low is not None else None
        last = math.floor(high) if high is not None else None
        if first is not None and last is not None:
            return f"{name} is {first}" if first == last else f"{name} {first} to {last}"
        if first is not None:
            return f"{name} {first} or more"
        return f"{name} is {last}" if last <= minimum else f"{name} under {last + 1}"
    if low is not None and high is not None:
        return f"{name} between {_nice(low)} and {_nice(high)}"
    if low is not None:
        return f"{name} above {_nice(low)}"
    return f"{name} below {_nice(high)}"


def _nice(value: float) -> str:
    """Two significant figures, with thousands separators: 423.7 -> '420', 12345 -> '12,000'."""
    if value == 0 or not np.isfinite(value):
        return "0" if value == 0 else str(value)
    digits = 1 - int(math.floor(math.log10(abs(value))))
    rounded = round(value, digits)
    if float(rounded).is_integer():
        return f"{int(rounded):,}"
    return f"{rounded:.{max(digits, 0)}f}".rstrip("0").rstrip(".")


# -- actionable -----------------------------------------------------------------------------------
def _actionable(frame, codes, names, outcome, actions, t: Thresholds, *, variables=(),
                outcome_kind=None) -> Criterion:
    shown = {"alpha": t.alpha, "min_rate_spread": t.min_rate_spread, "min_relative_spread": t.min_relative_spread,
             "mirror_auc": t.mirror_auc, "mirror_correlation": t.mirror_correlation}
    missing_actions = [n for n in names if actions is not None and not str(actions.get(n) or "").strip()]
    if outcome is None:
        why = ("No outcome chosen: pick the KPI these segments should move (churn, conversion, a campaign "
               "response, LTV) to check that they behave differently, and write one action per segment in the "
               "action plan.")
        return Criterion("actionable", "warn", {"outcome": None, "segments_without_action": missing_actions},
                         shown, why)
    kind, values, positive, keep = _outcome(frame[outcome], outcome)
    c = codes[keep]
    outcome_kind = outcome_kind or infer_outcome_kind(outcome, frame[outcome])
    figures: dict[str, Any] = {"outcome": outcome, "kind": kind, "outcome_kind": outcome_kind}
    if kind == "numeric":
        groups = [values[c == i] for i in range(len(names))]
        groups_present = [g for g in groups if len(g)]
        p = float(stats.kruskal(*groups_present).pvalue) if len(groups_present) > 1 and np.ptp(values) > 0 else 1.0
        means = {names[i]: float(g.mean()) for i, g in enumerate(groups) if len(g)}
        spread = max(means.values()) - min(means.values())
        base = abs(float(values.mean())) or float(values.std()) or 1.0
        relative = spread / base
        figures.update(test="Kruskal-Wallis", p_value=p, means=means, spread=spread, relative_spread=relative,
                       medians={names[i]: float(np.median(g)) for i, g in enumerate(groups) if len(g)})
        low, high = _extremes(means)
        big = relative >= t.min_relative_spread
        detail = f"average {_short(means[high])} in {high!r} vs {_short(means[low])} in {low!r}, {_p(p)}"
    else:
        levels, level_codes = np.unique(values, return_inverse=True)
        table = np.bincount(c * len(levels) + level_codes, minlength=len(names) * len(levels))
        table = table.reshape(len(names), len(levels)).astype(float)
        table = table[table.sum(axis=1) > 0]
        rows = [i for i in range(len(names)) if np.any(c == i)]  # segments with an outcome known
        p = float(stats.chi2_contingency(table)[1]) if table.shape[0] > 1 and table.shape[1] > 1 else 1.0
        shares = table / table.sum(axis=1, keepdims=True)
        target = positive if positive is not None else levels[np.argmax(np.ptp(shares, axis=0))]
        column = list(levels).index(target)
        rates = {names[i]: float(shares[j, column]) for j, i in enumerate(rows)}
        spread = max(rates.values()) - min(rates.values())
        figures.update(test="chi-square", p_value=p, level=str(target), rates=rates, spread=spread)
        low, high = _extremes(rates)
        big = spread >= t.min_rate_spread
        what = "set" if kind == "date" else repr(str(target))
        # Named by its kind ("response rate"), never as churn; the user's own column says which level counts.
        rate = rate_name(outcome_kind)
        rate = rate if outcome in OUTCOME_COLUMNS else f"{rate} ({outcome} {what})"
        detail = f"{rate} {_pct(rates[high])} in {high!r} vs {_pct(rates[low])} in {low!r}, {_p(p)}"
    figures["segments_without_action"] = missing_actions
    mirrors = _mirrors(frame, [v for v in variables if v in frame.columns], outcome, kind, values, positive, keep, t)
    figures["mirroring_variables"] = list(mirrors)
    if mirrors:
        figures["mirror_accuracy" if kind != "numeric" else "mirror_correlation"] = {
            v: m["accuracy" if kind != "numeric" else "correlation"] for v, m in mirrors.items()}
        if kind != "numeric":
            figures["mirror_auc"] = {v: m["auc"] for v, m in mirrors.items()}
    if p < t.alpha and big:
        verdict, why = "pass", f"The outcome differs where it matters: {detail}; give each segment its own play."
    elif p < t.alpha:
        verdict, why = "warn", f"The outcome differs only a little between segments ({detail})."
    else:
        verdict, why = "fail", (f"The outcome is about the same in every segment ({detail}); these segments would "
                                "not change what you do about it.")
    if mirrors and verdict != "fail":
        # Segments cut on the outcome itself differ on it by construction: that proves nothing.
        variable, found = next(iter(mirrors.items()))
        if kind == "numeric":
            how = f"its rank correlation with {outcome} is {found['correlation']:.2f}"
        elif found["levels"]:
            how = f"its values alone give {outcome} with {_pct(found['accuracy'])} accuracy"
        else:
            how = f"a single threshold on it gives {outcome} with {_pct(found['accuracy'])} accuracy"
        verdict = "warn"
        why = (f"{variable} mirrors {outcome} here ({how}); 'actionable' passes by definition — drop it or choose "
               f"another outcome ({detail}).")
    if missing_actions and verdict == "pass":
        verdict = "warn"
    if missing_actions:
        why += f" No action planned yet for {', '.join(map(repr, missing_actions[:3]))}" + (
            " and more." if len(missing_actions) > 3 else ".")
    return Criterion("actionable", verdict, figures, shown, why)


def mirroring_variables(frame: pd.DataFrame, variables: Sequence[str], outcome: str, *,
                        thresholds: Thresholds | None = None) -> dict[str, dict[str, Any]]:
    """The `variables` that alone nearly determine `outcome`, strongest first, with their figures.

    A yes/no (or date) outcome: area under the ROC curve of the variable >= `mirror_auc`, and the
    accuracy of the best single threshold on it; a numeric outcome: |rank correlation| >=
    `mirror_correlation`. Segments built on such a variable differ on the outcome by construction.
    """
    t = thresholds or Thresholds()
    if outcome not in frame.columns:
        raise DataError(f"The outcome column {outcome!r} is not in the data; choose one of its columns.")
    kind, values, positive, keep = _outcome(frame[outcome], outcome)
    return _mirrors(frame, [v for v in variables if v in frame.columns], outcome, kind, values, positive, keep, t)


def _mirrors(frame, variables, outcome, kind, values, positive, keep, t: Thresholds) -> dict[str, dict[str, Any]]:
    if kind == "categorical" or not len(variables):
        return {}
    target = None if kind == "numeric" else (np.asarray(values) == positive).astype(int)
    if target is not None and target.min() == target.max():
        return {}
    found = {}
    for name in variables:
        score, levels = _mirror_score(frame[name][keep], target)
        if score is None or np.ptp(score) == 0:
            continue
        if kind == "numeric":
            rho = float(stats.spearmanr(score, values).statistic)
            if math.isfinite(rho) and abs(rho) >= t.mirror_correlation:
                found[name] = {"correlation": abs(rho), "levels": levels}
            continue
        auc = _auc(score, target)
        auc = max(auc, 1.0 - auc)
        if auc >= t.mirror_auc:
            stump = DecisionTreeClassifier(max_depth=1, random_state=0).fit(score.reshape(-1, 1), target)
            accuracy = float((stump.predict(score.reshape(-1, 1)) == target).mean())
            found[name] = {"auc": auc, "accuracy": accuracy, "levels": levels}
    key = "correlation" if kind == "numeric" else "auc"
    return dict(sorted(found.items(), key=lambda item: -item[1][key]))


def _mirror_score(series: pd.Series, target) -> tuple[np.ndarray | None, bool]:
    """The variable as one number per customer (blank = its own lowest value); categories by their outcome rate."""
    if pd.api.types.is_datetime64_any_dtype(series):
        series = (series - pd.Timestamp("1970-01-01")).dt.days
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(x).all():
            return None, False
        # Blank is information (recency of someone who never bought): below every value, not dropped.
        return np.where(np.isnan(x), np.nanmin(x) - 1.0, x), False
    if target is None:
        return None, False
    text = np.asarray(category_texts(series), dtype=object).astype(str)
    levels, inverse = np.unique(text, return_inverse=True)
    if len(levels) > 20 or len(levels) > len(text) / 5:  # an id or free text would "predict" anything
        return None, True
    rates = np.bincount(inverse, weights=target, minlength=len(levels)) / np.bincount(inverse, minlength=len(levels))
    return rates[inverse], True


def _auc(score: np.ndarray, target: np.ndarray) -> float:
    """Area under the ROC curve by ranks (ties count half): the chance a positive outranks a negative."""
    ranks = stats.rankdata(score)
    positives = int(target.sum())
    negatives = len(target) - positives
    return float((ranks[target == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _outcome(series: pd.Series, name: str):
    """(kind, values of the kept rows, the level whose rate matters, kept rows) for an outcome column."""
    if pd.api.types.is_datetime64_any_dtype(series):
        # A date such as churn_date marks that the event happened; blank means it has not.
        return "date", np.where(series.notna().to_numpy(), "set", "not set"), "set", np.ones(len(series), bool)
    keep = series.notna().to_numpy()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        keep &= ~missing_mask(series)
    if not keep.any():
        raise DataError(f"The outcome column {name!r} is empty; choose a column with the KPI filled in.")
    present = series[keep]
    if pd.api.types.is_bool_dtype(series):
        return "binary", present.astype(str).str.lower().to_numpy(dtype=object), "true", keep
    distinct = present.nunique()
    if pd.api.types.is_numeric_dtype(series) and distinct > 2:
        return "numeric", present.to_numpy(dtype=float), None, keep
    text = category_texts(present)
    levels = sorted(set(text.tolist()))
    if len(levels) > 20:
        raise DataError(f"The outcome column {name!r} has {len(levels)} different values; choose a yes/no, a "
                        "category with a few values, or a number.")
    if len(levels) <= 2:
        positive = next((v for v in levels if v.lower() in _POSITIVE), None)
        if positive is None:
            counts = pd.Series(text).value_counts()
            positive = counts.index[-1]
        return "binary", text, positive, keep
    return "categorical", text, None, keep


def _extremes(values: Mapping[str, float]) -> tuple[str, str]:
    """The segments with the lowest and the highest value (two different ones, even on ties)."""
    ranked = sorted(values, key=values.get)
    return ranked[0], ranked[-1]


# -- words ------------------------------------------------------------------------------------------
def _listing(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _customers(count: int) -> str:
    return f"{int(count):,} customer{'' if int(count) == 1 else 's'}"


def _pct(share: float) -> str:
    return f"{share:.1%}" if 0 < share < 0.1 else f"{share:.0%}"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _short(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
