"""What drives an outcome: each variable's single best split, ranked, in sentences.

For a chosen outcome of any kind (churn, conversion, a campaign response, ...), each variable is
split once: a number at the best cut among its deciles ("integrations at least 3" vs below), a
category as one value against the rest ("plan Starter" vs the other plans). The best split is the
one whose two groups differ most in the outcome, measured by the phi coefficient (the correlation
of two yes/no columns), among splits that leave both groups at least `min_share` of the customers
and `min_customers` customers, so that a group of six customers cannot top the list.

A split is stated as a driver only when it would rarely arise by chance: its chi-square p-value,
multiplied by the number of splits tried over all variables (Bonferroni, since the best of many
tries always looks good), is below `alpha`, and |phi| is at least `min_phi`. On data without
structure no sentence is produced and `signal` is False, with a sentence that says so. The smaller
of the two groups is the one described, with its rate against the rest's, the ratio, and its share:

    customers with integrations at least 3 churn 3x less (12% vs 36%, 41% of customers)

    drivers = find_drivers(table, outcome="churned", variables=["integrations", "plan", "logins_30d"])
    drivers.table        # variable, group, share, rate_in, rate_out, lift, phi, p_value, clear, sentence
    drivers.sentences    # the clear drivers, strongest first
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .errors import DataError
from .health import _as_numbers, _as_text, _looks_like_id_or_date, _nice, _outcome_flag
from .outcomes import OUTCOME_COLUMNS, infer_outcome_kind, rate_name

__all__ = ["Drivers", "find_drivers", "default_driver_variables"]

_VERBS = {"churn": "churn", "conversion": "convert", "response": "respond", "other": "have the outcome"}
_COLUMNS = ["variable", "group", "share", "rate_in", "rate_out", "lift", "phi", "p_value", "clear", "sentence"]


@dataclass(frozen=True, eq=False)
class Drivers:
    """Each variable's best split against the outcome, strongest first; see the module docstring.

    table      one row per variable that could be split: variable, group (the described group in words),
               share (of the customers), rate_in / rate_out (the outcome's rate in the group and in the rest),
               lift (rate_in over the overall rate), phi, p_value (Bonferroni-adjusted), clear, sentence.
    sentences  the clear drivers' sentences; empty when nothing stands out.
    signal     True when at least one driver is clear.
    summary    one sentence: the strongest driver, or that no variable separates the outcome.
    """

    outcome: str
    outcome_kind: str
    table: pd.DataFrame
    sentences: tuple[str, ...]
    signal: bool
    summary: str
    rate: float
    customers: int
    notes: tuple[str, ...] = ()


def find_drivers(frame: pd.DataFrame, *, outcome: str, variables: Sequence[str] | None = None,
                 outcome_kind: str | None = None, min_share: float = 0.05, min_customers: int = 10,
                 alpha: float = 0.05, min_phi: float = 0.05) -> Drivers:
    """Rank `variables` of the customer table `frame` by how well one split separates `outcome`; see the module
    docstring. Raises DataError naming the column when the outcome or a variable cannot be used."""
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise DataError("There are no customers to look for drivers in.")
    if outcome not in frame.columns:
        raise DataError(f"There is no outcome column {outcome!r}; columns are: {', '.join(map(str, frame.columns))}.")
    kind = outcome_kind or infer_outcome_kind(outcome, frame[outcome])
    flag = _outcome_flag(frame[outcome], outcome, kind)
    known = flag.notna().to_numpy()
    data, y = frame.loc[known], flag[known].astype(bool).to_numpy()
    if len(y) == 0 or y.min() == y.max():
        raise DataError(f"Column {outcome!r} has one value for every customer, so nothing can drive it.")
    chosen = list(variables) if variables is not None else default_driver_variables(frame, outcome=outcome)
    unknown = [v for v in chosen if v not in frame.columns]
    if unknown:
        raise DataError(f"There is no column {unknown[0]!r} in the customer table.")
    chosen = [v for v in chosen if v != outcome and v not in OUTCOME_COLUMNS]
    if not chosen:
        raise DataError("Choose at least one variable to look for drivers in.")
    floor = max(min_share * len(y), float(min_customers))
    splits, tried = [], 0
    for variable in chosen:
        candidates = _candidates(data[variable], variable)
        tried += len(candidates)
        best = None
        for words, inside, complement in candidates:
            valid = inside | complement
            n_in, n_out = int(inside.sum()), int(complement.sum())
            if min(n_in, n_out) < floor:
                continue
            phi = _phi(inside[valid], y[valid])
            if best is None or abs(phi) > abs(best[0]):
                best = (phi, words, inside, complement)
        if best is not None:
            splits.append((variable, *best))
    rate = float(y.mean())
    verb = _VERBS.get(kind, _VERBS["other"])
    rows = []
    for variable, phi, words, inside, complement in splits:
        n = int((inside | complement).sum())
        p_value = min(1.0, float(stats.chi2.sf(n * phi * phi, 1)) * max(tried, 1))
        # Describe the smaller group: "41% of customers" reads better than "59%", and a level beats "not it".
        described, rest, group = (inside, complement, words[0]) if inside.sum() <= complement.sum() else \
            (complement, inside, words[1])
        rate_in, rate_out = float(y[described].mean()), float(y[rest].mean())
        share = float(described.sum() / len(y))
        clear = bool(p_value < alpha and abs(phi) >= min_phi)
        rows.append({"variable": variable, "group": group, "share": share, "rate_in": rate_in, "rate_out": rate_out,
                     "lift": rate_in / rate if rate > 0 else float("nan"), "phi": abs(phi), "p_value": p_value,
                     "clear": clear, "sentence": _sentence(group, verb, rate_in, rate_out, share)})
    table = pd.DataFrame(rows, columns=_COLUMNS)
    if len(table):
        table = table.sort_values(["clear", "phi"], ascending=[False, False], kind="stable").reset_index(drop=True)
    sentences = tuple(table.loc[table["clear"], "sentence"])
    name = rate_name(kind)
    if sentences:
        summary = f"Strongest driver: {sentences[0]}."
    else:
        summary = (f"No variable separates the {name} clearly: no single split of {', '.join(chosen[:6])} gives "
                   f"groups whose {name} differs more than chance would ({len(y):,} customers, {rate:.0%} overall).")
    notes: tuple[str, ...] = ()
    mirrors = _mirrors(data, [s[0] for s in splits], outcome)
    if mirrors:
        notes += (f"{', '.join(mirrors)} nearly determine{'s' if len(mirrors) == 1 else ''} the {name} on "
                  f"{'its' if len(mirrors) == 1 else 'their'} own: probably measured after the outcome (a customer "
                  "who left stops paying and logging in); read it as a consequence, not a cause.",)
    if len(splits) < len(chosen):
        small = [v for v in chosen if v not in {s[0] for s in splits}]
        notes += (f"{', '.join(small)}: no split leaves both groups {min_share:.0%} of the customers and "
                 f"{min_customers} customers or more, so they are not ranked.",)
    return Drivers(outcome, kind, table, sentences, bool(sentences), summary, rate, int(len(y)), notes)


def default_driver_variables(frame: pd.DataFrame, *, outcome: str | None = None, max_levels: int = 30) -> list[str]:
    """Every column that can be split: numbers that vary, and categories or yes/no columns of at most
    `max_levels` values; never an id, a date or an outcome."""
    out = []
    for column in frame.columns:
        values = frame[column]
        if column == outcome or column in OUTCOME_COLUMNS or _looks_like_id_or_date(str(column)):
            continue
        if pd.api.types.is_datetime64_any_dtype(values) or values.nunique(dropna=True) < 2:
            continue
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if numeric or values.nunique(dropna=True) <= max_levels:
            out.append(column)
    return out


def _candidates(values: pd.Series, variable: str) -> list[tuple[tuple[str, str], np.ndarray, np.ndarray]]:
    """((words of the group, words of the rest), in group, in rest) for every split tried on one variable.
    A customer without a value is in neither group of a number's split; in a category's, missing is a value."""
    if pd.api.types.is_datetime64_any_dtype(values):
        raise DataError(f"Column {variable!r} holds dates; use how long ago they are (recency_days) instead.")
    out = []
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        x = _as_numbers(values, variable)
        filled = x[~np.isnan(x)]
        if len(np.unique(filled)) < 2:
            return []
        integer = bool(np.all(np.mod(filled, 1) == 0))
        raw = np.quantile(filled, np.linspace(0.1, 0.9, 9))
        cuts = np.unique(np.ceil(raw) if integer else [_two_figures(v) for v in raw])
        cuts = cuts[(cuts > filled.min()) & (cuts <= filled.max())]
        present = ~np.isnan(x)
        for cut in cuts:
            above = present & (x >= cut)
            out.append(((f"{variable} at least {_nice(cut)}", f"{variable} below {_nice(cut)}"),
                        above, present & ~above))
        return out
    text = _as_text(values).fillna("missing")
    levels = text.value_counts()
    if len(levels) < 2:
        return []
    array = text.to_numpy()
    for level in levels.index[:30]:
        inside = array == level
        # Of two values the rest is the other one: "converted_to_paid no", not "other than yes".
        rest = levels.index[1] if level == levels.index[0] else levels.index[0]
        words = f"{variable} {rest}" if len(levels) == 2 else f"{variable} other than {level}"
        out.append(((f"{variable} {level}", words), inside, ~inside))
    return out


def _mirrors(data: pd.DataFrame, variables: list[str], outcome: str) -> list[str]:
    from .validation import mirroring_variables

    numeric = [v for v in variables if pd.api.types.is_numeric_dtype(data[v]) and not
               pd.api.types.is_bool_dtype(data[v])]
    try:
        return list(mirroring_variables(data, numeric, outcome)) if numeric else []
    except (DataError, ValueError):
        return []


def _phi(inside: np.ndarray, y: np.ndarray) -> float:
    a = float(np.sum(inside & y))
    b = float(np.sum(inside & ~y))
    c = float(np.sum(~inside & y))
    d = float(np.sum(~inside & ~y))
    denominator = math.sqrt((a + b) * (c + d) * (a + c) * (b + d))
    return (a * d - b * c) / denominator if denominator > 0 else 0.0


def _sentence(group: str, verb: str, rate_in: float, rate_out: float, share: float) -> str:
    figures = f"({rate_in:.0%} vs {rate_out:.0%}, {share:.0%} of customers)"
    if rate_in == rate_out:
        return f"customers with {group} {verb} as often as the rest {figures}"
    if rate_in == 0:
        return f"customers with {group} never {verb} {figures}"
    if rate_out == 0:
        return f"only customers with {group} {verb} {figures}"
    ratio = rate_in / rate_out
    more = ratio > 1
    if round(min(rate_in, rate_out) * 100) == 0:  # "212x less" of a rate shown as 0% reads as noise
        return f"customers with {group} {'far more often' if more else 'almost never'} {verb} {figures}".replace(
            f"far more often {verb}", f"{verb} far more often")
    factor = ratio if more else 1 / ratio
    shown = f"{factor:.0f}x" if factor >= 3 else f"{factor:.1f}x"
    return f"customers with {group} {verb} {shown} {'more' if more else 'less'} {figures}"


def _two_figures(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return float(value)
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return float(round(value, digits))
