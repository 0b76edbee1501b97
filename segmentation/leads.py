"""Lead fit: how closely each prospect or new trial resembles the customers who converted or stayed.

A leads export has only what a form or an enrichment tool knows (industry, size, country, channel). The
model is fitted on the customers using only the columns both tables share, so it can score every lead:
a lookalike model, an L2-regularised logistic regression on one-hot categories and on numbers cut into
quartile bins (bins and levels read the same way to a person and to the model). Rare levels are pooled
as "other"; a lead's level the customers never had counts as no evidence either way, and says so.

Honesty rule (the health score's too): the model is judged by its out-of-sample AUC (five-fold
cross-validated predictions) with a bootstrap interval. When the interval includes 0.5 the columns do not
tell good customers from the rest: no lead is ranked, nobody is hot, and the sentence says so.

Each lead gets a fit score 0-100 (the share of customers the model scores below the lead), a tier (hot
from 80, warm from 50, else cold), two or three reasons in words ("industry is Fintech: 2.1x the base
rate", the customers' own rate at that level against all customers'), and, given a segmentation, the
segment a classifier on the same columns says the lead would most likely join, with its probability.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError
from .names import _normalise

__all__ = ["LeadFit", "lead_fit", "fit_leads", "shared_columns", "outcome_target", "TIERS", "HOT", "WARM",
           "NO_SIGNAL"]

HOT, WARM = 80, 50  # fit scores from which a lead is hot, warm
TIERS = ("hot", "warm", "cold")
NO_SIGNAL = "no signal"
_N_BINS = 4
_MIN_LEVEL = 10  # customers a level needs to be its own column; fewer are pooled as "other"
_MIN_CLASS = 10  # good and other customers each, for five folds to mean anything
_N_BOOT = 200
_FOLDS = 5
_REPEATS = 3
_MAX_REASONS = 3
_MIN_EFFECT = 0.15  # log-odds below which a column's level is not a reason
_UNIQUE_SHARE = 0.5  # text with more distinct values than this share of rows is a name, not a category
# Columns that are the outcome or come from it (a plan of "Free" says not converted) never feed the model.
_LEAKING_ROLES = ("customer_id", "company", "signup_date", "trial_start", "converted", "churn_date", "mrr", "plan",
                  "outcome", "tenure_months")
_DERIVED = ("churned", "converted", "outcome", "recency_days", "frequency", "monetary", "first_purchase",
            "last_purchase", "tenure_days", "orders_30d", "orders_90d")
OTHER_LEVEL = "other"
MISSING_LEVEL = "blank"


@dataclass(frozen=True)
class LeadFit:
    """Leads scored against the customers; see the module docstring.

    scores        one row per lead, in the file's order, indexed by the lead's id (or row number from 1):
                  fit (0-100, missing when there is no signal), tier, likely_segment and segment_confidence
                  (when a segmentation was given), reasons (sentences joined by "; ").
    outcome       the customers' column the target was read from; good: what counts as good, in words.
    columns       the shared columns used, as the leads file names them.
    auc, auc_low, auc_high   out-of-sample AUC and its 95% bootstrap interval; signal: auc_low > 0.5.
    sentence      what the AUC means, in one line.
    """

    scores: pd.DataFrame
    outcome: str
    good: str
    columns: tuple[str, ...]
    auc: float
    auc_low: float
    auc_high: float
    signal: bool
    sentence: str
    base_rate: float
    n_customers: int
    id_column: str | None = None
    segment_accuracy: float | None = None
    notes: tuple[str, ...] = ()

    def report(self) -> dict[str, Any]:
        """The JSON `fit --report` writes."""
        tiers = self.scores["tier"].value_counts()
        return {"auc": round(self.auc, 4), "auc_low": round(self.auc_low, 4), "auc_high": round(self.auc_high, 4),
                "signal": bool(self.signal), "sentence": self.sentence, "outcome": self.outcome, "good": self.good,
                "base_rate": round(self.base_rate, 4), "customers": int(self.n_customers),
                "leads": int(len(self.scores)), "columns": list(self.columns),
                "tiers": {tier: int(tiers.get(tier, 0)) for tier in (*TIERS, NO_SIGNAL) if tiers.get(tier, 0)},
                "segment_accuracy": None if self.segment_accuracy is None else round(self.segment_accuracy, 4),
                "notes": list(self.notes)}


# -- which columns ----------------------------------------------------------------------------------------------

def shared_columns(customers: pd.DataFrame, leads: pd.DataFrame, *, exclude: tuple[str, ...] = (),
                   skip: tuple[str, ...] = (), customers_name: str = "the customers",
                   leads_name: str = "the leads") -> list[tuple[str, str]]:
    """(customers' column, leads' column) pairs both tables have, matched by name ignoring case, spaces and
    punctuation ("Industry" = "industry"), that can tell customers apart: not an id, a date, a name or the outcome.
    Raises DataError naming both tables' columns when there is none."""
    by_name = {_normalise(str(c)): c for c in customers.columns if c not in exclude and c not in _DERIVED}
    pairs = []
    for column in leads.columns:
        if column in skip:  # the leads' own id
            continue
        match = by_name.get(_normalise(str(column)))
        if match is None or _kind(customers[match]) is None:
            continue
        pairs.append((match, column))
    if not pairs:
        usable = [c for c in customers.columns if c not in exclude and c not in _DERIVED and _kind(customers[c])]
        raise DataError(f"{leads_name} and {customers_name} share no column the customers can be told apart by. "
                        f"{leads_name} has: {', '.join(map(str, leads.columns))}; {customers_name} has: "
                        f"{', '.join(map(str, usable)) or 'none usable'}. Name the same things the same way "
                        "(e.g. industry, employees, country, channel) in both files.")
    return pairs


def _kind(values: pd.Series) -> str | None:
    """"number", "category" or None (a date, an id-like text, a constant)."""
    filled = values.dropna()
    if filled.nunique() < 2 or pd.api.types.is_datetime64_any_dtype(values):
        return None
    if pd.api.types.is_bool_dtype(values):
        return "category"
    if pd.api.types.is_numeric_dtype(values):
        return "number" if filled.nunique() > _N_BINS else "category"
    distinct = filled.astype(str).nunique()
    if distinct > _UNIQUE_SHARE * len(filled) and distinct > 30:
        return None
    return "category"


# -- the encoding a person can read -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Feature:
    column: str  # the customers' name
    lead_column: str
    kind: str
    levels: tuple[str, ...]  # one-hot columns (categories: kept levels + maybe other/blank; numbers: bin labels)
    edges: tuple[float, ...] = ()
    pooled: frozenset = frozenset()  # rare levels counted together as "other"

    def levels_of(self, values: pd.Series) -> pd.Series:
        """Each value's level; None where the customers give no evidence (a category they never had)."""
        if self.kind == "number":
            numbers = pd.to_numeric(values, errors="coerce")
            cut = pd.cut(numbers, bins=[-np.inf, *self.edges[1:-1], np.inf], labels=False, include_lowest=True)
            blank = MISSING_LEVEL if MISSING_LEVEL in self.levels else None
            return pd.Series([self.levels[int(i)] if pd.notna(i) else blank for i in cut], index=values.index,
                             dtype=object)
        known = set(self.levels)
        return _as_text(values).map(lambda v: v if v in known else (OTHER_LEVEL if v in self.pooled else None))


def _as_text(values: pd.Series) -> pd.Series:
    text = values.astype(object).map(lambda v: MISSING_LEVEL if pd.isna(v) or str(v).strip() == "" else
                                     (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()))
    return text


def _number_label(low: float, high: float, first: bool, last: bool) -> str:
    def fmt(v: float) -> str:
        return f"{v:,.0f}" if abs(v) >= 10 or float(v).is_integer() else f"{v:.2g}"
    if first:
        return f"up to {fmt(high)}"
    if last:
        return f"over {fmt(low)}"
    return f"{fmt(low)} to {fmt(high)}"


def _features(customers: pd.DataFrame, pairs: list[tuple[str, str]]) -> list[_Feature]:
    features = []
    for column, lead_column in pairs:
        values = customers[column]
        if _kind(values) == "number":
            numbers = pd.to_numeric(values, errors="coerce").dropna()
            edges = np.unique(np.quantile(numbers, np.linspace(0, 1, _N_BINS + 1)))
            if len(edges) < 3:
                continue
            labels = tuple(_number_label(edges[i], edges[i + 1], i == 0, i == len(edges) - 2)
                           for i in range(len(edges) - 1))
            levels = labels + ((MISSING_LEVEL,) if values.isna().sum() >= _MIN_LEVEL else ())
            features.append(_Feature(column, lead_column, "number", levels, tuple(edges)))
            continue
        counts = _as_text(values).value_counts()
        kept = tuple(str(v) for v in counts.index if counts[v] >= _MIN_LEVEL)
        pooled = frozenset(str(v) for v in counts.index if counts[v] < _MIN_LEVEL)
        levels = kept + ((OTHER_LEVEL,) if sum(counts[v] for v in pooled) >= 1 else ())
        if len(levels) < 2:
            continue
        features.append(_Feature(column, lead_column, "category", levels, pooled=pooled))
    return features


def _design(features: list[_Feature], frame: pd.DataFrame, *, lead: bool) -> tuple[np.ndarray, pd.DataFrame]:
    """The one-hot matrix and each row's level per feature (None: unseen)."""
    blocks, levels = [], {}
    for feature in features:
        column = feature.lead_column if lead else feature.column
        level = feature.levels_of(frame[column])
        levels[feature.column] = level
        blocks.append(np.column_stack([(level == name).to_numpy() for name in feature.levels]).astype(float))
    return np.hstack(blocks), pd.DataFrame(levels, index=frame.index)


# -- the target ------------------------------------------------------------------------------------------------

def outcome_target(dataset, outcome: str) -> tuple[pd.Series, str, str, list[str], tuple[str, ...]]:
    """(good: a boolean per customer, missing where not known; the user's column it came from; what good means;
    notes; columns that must not feed the model) for the customers' outcome column `outcome` (the user's
    column name, or the customer table's churned / converted / outcome)."""
    from .outcomes import as_flag, flag_for, flag_problem, infer_outcome_kind

    table = dataset.customer_table().frame
    roles = dataset.roles["customers"]
    name = dataset.tables["customers"].name
    notes: list[str] = []
    mapped = {"converted": roles.get("converted"), "churned": roles.get("outcome") if roles.outcome_kind == "churn"
              else roles.get("churn_date"), "outcome": roles.get("outcome")}
    column = None
    if outcome in ("churned", "converted", "outcome") and outcome in table.columns:
        column = outcome
    else:
        for flag, source in mapped.items():
            if source == outcome and flag in table.columns:
                column = flag
                break
    if column is not None:
        kind = {"churned": "churn", "converted": "conversion"}.get(column, roles.outcome_kind)
        # A user's own column named churned or converted stays as the file wrote it (yes/no): read it as a flag.
        values = table[column]
        flag = values.astype("boolean") if pd.api.types.is_bool_dtype(values) else as_flag(values, of=flag_for(kind))
        source = mapped.get(column) or column
    elif outcome in table.columns:
        values = table[outcome]
        kind = infer_outcome_kind(outcome, values)
        if pd.api.types.is_datetime64_any_dtype(values):
            flag = values.notna().astype("boolean")
        else:
            problem = flag_problem(values, column=outcome, of=flag_for(kind))
            if problem:
                raise DataError(f"{name}: {problem.replace(', mapped as the', ', as the').split(' on the Data')[0]}.")
            flag = as_flag(values, of=flag_for(kind))
        source = outcome
    else:
        raise DataError(f"{name} has no column {outcome!r} to use as the outcome; columns are: "
                        f"{', '.join(map(str, dataset.tables['customers'].frame.columns))}.")
    if kind == "churn":
        good, what = ~flag, "stayed (did not churn)"
        if "converted" in table.columns and table["converted"].notna().any():
            # Staying only means something for those who paid: a lapsed free trial never had a churn date.
            paid = table["converted"].fillna(False).astype(bool)
            good = good.copy()
            good[~paid.to_numpy()] = pd.NA
            notes.append(f"Only the {int(paid.sum())} customers who converted count: staying means staying paid.")
    else:
        good, what = flag, {"conversion": "converted", "response": "responded"}.get(kind, f"{source} is yes")
    leaking = tuple(c for c in (source, *(roles.get(r) for r in _LEAKING_ROLES)) if c)
    return good.astype("boolean"), str(source), what, notes, leaking


# -- fitting -----------------------------------------------------------------------------------------------------

def _auc(y: np.ndarray, score: np.ndarray) -> float:
    from scipy.stats import rankdata

    ranks = rankdata(score)
    n_pos = y.sum()
    n_neg = len(y) - n_pos
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _bootstrap(x: np.ndarray, y: np.ndarray, random_state: int) -> tuple[float, float]:
    """95% interval of the out-of-sample AUC: the model refitted on each bootstrap sample of customers and judged
    on the customers that sample left out. Refitting counts the model's own luck; judging fixed cross-validated
    scores alone gives an interval too narrow, and shuffled outcomes would pass for signal."""
    rng = np.random.default_rng(random_state)
    values = []
    n = len(y)
    for _ in range(_N_BOOT):
        pick = rng.integers(0, n, n)
        left = np.ones(n, dtype=bool)
        left[pick] = False
        if not (0 < y[pick].sum() < n and 0 < y[left].sum() < left.sum()):
            continue
        model = _model(random_state).fit(x[pick], y[pick])
        values.append(_auc(y[left], model.predict_proba(x[left])[:, 1]))
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


def _model(random_state: int):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=0.5, max_iter=2000, random_state=random_state)


def fit_leads(customers: pd.DataFrame, good: pd.Series, leads: pd.DataFrame, *, outcome: str = "outcome",
              good_means: str = "good", exclude: tuple[str, ...] = (), id_column: str | None = None,
              segments: pd.Series | None = None, customers_name: str = "the customers",
              leads_name: str = "the leads", notes: list[str] | tuple[str, ...] = (),
              random_state: int = 0) -> LeadFit:
    """Score `leads` by their likeness to the `good` customers (a boolean per row of `customers`, missing =
    unknown, left out). `exclude`: customers' columns that must not feed the model (the outcome, ids).
    `segments`: segment labels per customer (index as `customers`) for the likely segment."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    notes = list(notes)
    exclude = tuple(exclude) + ((id_column,) if id_column else ())
    pairs = shared_columns(customers, leads, exclude=exclude, skip=(id_column,) if id_column else (),
                           customers_name=customers_name, leads_name=leads_name)
    known = pd.Series(good).reindex(customers.index).astype("boolean")
    fitted_on = customers[known.notna().to_numpy()]
    y = known.dropna().astype(bool).to_numpy()
    n_good, n_other = int(y.sum()), int(len(y) - y.sum())
    if min(n_good, n_other) < _MIN_CLASS:
        raise DataError(f"{customers_name}: {n_good} customers {good_means} and {n_other} did not, in {outcome!r}; "
                        f"lead fit needs at least {_MIN_CLASS} of each.")
    features = _features(fitted_on, pairs)
    if not features:
        raise DataError(f"The columns {leads_name} and {customers_name} share ({', '.join(c for c, _ in pairs)}) "
                        "each have a single level among the customers: nothing to tell them apart by.")
    x, customer_levels = _design(features, fitted_on, lead=False)
    x_leads, lead_levels = _design(features, leads, lead=True)
    # Several fold splits, averaged: one split's luck in who lands together would pass for signal.
    out_of_fold = np.mean([cross_val_predict(_model(random_state), x, y, method="predict_proba",
                                             cv=StratifiedKFold(_FOLDS, shuffle=True, random_state=random_state + r))
                           [:, 1] for r in range(_REPEATS)], axis=0)
    auc = _auc(y, out_of_fold)
    low, high = _bootstrap(x, y, random_state)
    signal = low > 0.5
    used = ", ".join(f.lead_column for f in features)
    if signal:
        sentence = (f"These columns ({used}) tell customers who {good_means} from the rest: out-of-sample AUC "
                    f"{auc:.2f} (95% interval {low:.2f} to {high:.2f}).")
    else:
        sentence = (f"No signal: these columns do not tell good customers from the rest (out-of-sample AUC {auc:.2f}, "
                    f"95% interval {low:.2f} to {high:.2f} includes 0.5), so no lead is ranked.")
    model = _model(random_state).fit(x, y)
    base = float(y.mean())
    customer_scores = np.sort(model.predict_proba(x)[:, 1])
    lead_scores = model.predict_proba(x_leads)[:, 1]
    below = np.searchsorted(customer_scores, lead_scores, side="left")
    ties = np.searchsorted(customer_scores, lead_scores, side="right") - below
    fit = np.round(100 * (below + ties / 2) / len(customer_scores)).astype(int)

    ids = leads[id_column].astype(str).to_numpy() if id_column else np.arange(1, len(leads) + 1)
    scores = pd.DataFrame(index=pd.Index(ids, name=id_column or "row"))
    if signal:
        scores["fit"] = fit
        scores["tier"] = np.where(fit >= HOT, "hot", np.where(fit >= WARM, "warm", "cold"))
    else:
        scores["fit"] = pd.array([pd.NA] * len(leads), dtype="Int64")
        scores["tier"] = NO_SIGNAL
    accuracy = None
    if segments is not None:
        likely, confidence, accuracy, note = _likely_segments(x, pd.Series(segments).reindex(fitted_on.index),
                                                             x_leads, random_state)
        scores["likely_segment"] = likely
        scores["segment_confidence"] = confidence
        notes.append(note)
    unseen = {f.lead_column: sorted(set(leads.loc[lead_levels[f.column].isna().to_numpy(), f.lead_column]
                                        .astype(str))) for f in features if lead_levels[f.column].isna().any()}
    for column, values in unseen.items():
        shown = ", ".join(repr(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
        notes.append(f"{leads_name}: {column} {shown} never occurs among the customers; it counts as no evidence "
                     "either way.")
    scores["reasons"] = _reasons(features, model, customer_levels, lead_levels, y, base, signal) if signal \
        else ""
    return LeadFit(scores=scores, outcome=outcome, good=good_means, columns=tuple(f.lead_column for f in features),
                   auc=auc, auc_low=low, auc_high=high, signal=signal, sentence=sentence, base_rate=base,
                   n_customers=len(y), id_column=id_column, segment_accuracy=accuracy, notes=tuple(notes))


def _likely_segments(x: np.ndarray, labels: pd.Series, x_leads: np.ndarray, random_state: int):
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    known = labels.notna().to_numpy()
    target = labels[known].astype(str).to_numpy()
    counts = pd.Series(target).value_counts()
    if len(counts) < 2:
        only = counts.index[0] if len(counts) else ""
        return [only] * len(x_leads), [1.0] * len(x_leads), None, "Every customer is in one segment."
    model = _model(random_state)
    folds = min(_FOLDS, int(counts.min())) if counts.min() >= 2 else 0
    accuracy = None
    if folds >= 2:
        cv = StratifiedKFold(folds, shuffle=True, random_state=random_state)
        accuracy = float(cross_val_score(model, x[known], target, cv=cv).mean())
    model.fit(x[known], target)
    probabilities = model.predict_proba(x_leads)
    likely = model.classes_[probabilities.argmax(axis=1)]
    confidence = probabilities.max(axis=1).round(3)
    majority = float(counts.iloc[0] / counts.sum())
    if accuracy is None:
        note = "Too few customers in the smallest segment to test how well these columns predict segments."
    elif accuracy <= majority:
        note = (f"These columns do not predict the segment better than guessing the largest one ({accuracy:.0%} "
                f"right out of sample against {majority:.0%}): read the likely segment as a weak hint.")
    else:
        note = (f"The likely segment is right {accuracy:.0%} of the time on customers it was not fitted on "
                f"(guessing the largest segment: {majority:.0%}).")
    return list(likely), list(confidence), accuracy, note


def _reasons(features, model, customer_levels: pd.DataFrame, lead_levels: pd.DataFrame, y: np.ndarray,
             base: float, signal: bool) -> list[str]:
    """Per lead, the two or three levels that move its score most, with the customers' own rate at that level."""
    coef = model.coef_[0]
    offsets, position = {}, 0
    for feature in features:
        offsets[feature.column] = dict(zip(feature.levels, coef[position:position + len(feature.levels)]))
        position += len(feature.levels)
    # A level's effect is against the average customer's, so a common level is not a reason.
    centre = {f.column: float(customer_levels[f.column].map(offsets[f.column]).fillna(0.0).mean()) for f in features}
    rates = {f.column: pd.Series(y, index=customer_levels.index).groupby(customer_levels[f.column]).mean()
             for f in features}
    out = []
    for i in range(len(lead_levels)):
        found = []
        for feature in features:
            level = lead_levels.iloc[i][feature.column]
            if level is None or pd.isna(level):
                continue
            effect = offsets[feature.column].get(level, 0.0) - centre[feature.column]
            if abs(effect) >= _MIN_EFFECT and level in rates[feature.column].index:
                found.append((abs(effect), feature, level, float(rates[feature.column][level])))
        found.sort(key=lambda item: -item[0])
        out.append("; ".join(_reason(feature, level, rate, base) for _, feature, level, rate in found[:_MAX_REASONS])
                   or "like the average customer on every column")
    return out


def _reason(feature: _Feature, level: str, rate: float, base: float) -> str:
    name = feature.lead_column
    if level == MISSING_LEVEL:
        said = f"{name} is blank"
    elif level == OTHER_LEVEL:
        said = f"{name} is a rare one among customers"
    elif feature.kind == "number":
        said = f"{name} is {level}"
    else:
        said = f"{name} is {level}"
    return f"{said}: {rate / base:.1f}x the base rate" if base > 0 else said


# -- the door every caller uses ---------------------------------------------------------------------------------

def lead_fit(dataset, leads: Any, outcome: str, *, segmentation=None, random_state: int = 0) -> LeadFit:
    """Score a leads file (a path, an upload, a Table or a DataFrame) against a `Dataset`'s customers, with the
    target read from the customers' column `outcome` (see `outcome_target`); `segmentation` adds the segment each
    lead would most likely join. The app's Lead fit tab and `python -m segmentation fit` call this."""
    from .dataset import read_file
    from .roles import infer_roles

    if isinstance(leads, pd.DataFrame):
        frame, leads_name = leads, "the leads"
    else:
        table = read_file(leads)
        frame, leads_name = table.frame, table.name
    if frame.empty:
        raise DataError(f"{leads_name} has no rows to score.")
    customers = dataset.customer_table().frame
    good, source, what, notes, leaking = outcome_target(dataset, outcome)
    id_column = infer_roles(frame, kind="customers").get("customer_id")
    if id_column is not None and frame[id_column].astype(str).duplicated().any():
        row = int(np.flatnonzero(frame[id_column].astype(str).duplicated().to_numpy())[0]) + 2
        notes.append(f"{leads_name}: the id {frame[id_column].iloc[row - 2]!r} in {id_column!r} occurs more than "
                     f"once (first again on row {row}); rows are scored as they are.")
    segments = None
    if segmentation is not None:
        segments = segmentation.labels.copy()
        segments.index = segments.index.astype(str)
        segments = segments.reindex(customers.index.astype(str))
        segments.index = customers.index
    return fit_leads(customers, good, frame, outcome=source, good_means=what, exclude=leaking, id_column=id_column,
                     segments=segments, customers_name=dataset.tables["customers"].name, leads_name=leads_name,
                     notes=notes, random_state=random_state)
