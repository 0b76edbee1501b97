"""Segment profiles: who is in each segment, what they are worth, and a short name for it.

`profile(frame, segmentation, mrr=..., churned=..., ...)` returns `Profiles`: per segment the
size and share of customers and revenue, the median and mean of every chosen variable,
the KPIs the data allows, lift against all customers, the plain-words rule (when validation
gave one) and a short name ("High MRR, low logins") made of the same terms as the method's own name
(K-means: its centres; RFM: its cells' scores), else of the segment's data. `over_index` is the
ideal-customer view: which attributes over-index in one segment, typically the best one.

KPI definitions (the same words appear in `Profiles.definitions`):

- churned: churn flag true, or churn date on or before the as-of date (a cancellation booked for
  later is not churn yet);
- current MRR: a customer's MRR, 0 once churned. Billing exports and the sample keep a churned
  account's last MRR; counting it would show lost revenue as revenue. Mean and median MRR are over
  all the segment's customers (churned ones at 0); revenue, when it is MRR, is current MRR too;
- lifetime revenue: the customer table's `monetary` (sum of all payments in the transactions). It
  rightly includes what churned customers paid before leaving, so it is labelled "lifetime";
- churn rate: share of the segment's paying customers who have churned. Paying = ever converted
  when a converted column is given (a segment nobody in which paid has no churn rate: n/a), else
  every customer;
- tenure: days from signup to churn (when the churn column is a date) or to the as-of date, when a
  signup date is given; else a tenure column in days, such as the customer table's `tenure_days`
  (days from the first purchase to the as-of date); else months as a customer (IBM Telco's `tenure`)
  x 30.4375. `Profiles.definitions` says which one was used;
- monthly churn rate: churned paying customers / their customer-months observed (sum of tenure in
  days / 30.4375), the constant monthly hazard that best explains what was seen;
- ARPA: average current MRR of the segment's active paying customers (not churned, MRR above zero);
- ever paid: share of the segment's customers who converted (when a converted column is given);
- LTV: ARPA / monthly churn rate (expected revenue of a customer over its life); undefined (NaN)
  when no customer of the segment churned, since the rate is then 0;
- trial-to-paid conversion: share converted among customers who started a trial (all customers
  when no trial column is given);
- NPS: % promoters (9-10) - % detractors (0-6) among customers who answered, from -100 to 100;
- outcome rate: share of the segment's customers with an outcome that is not churn (a campaign
  response, a conversion), named by its kind: "Response rate". Churn, LTV and the funnel never read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from . import outcomes
from .errors import DataError
from .names import ACRONYMS

__all__ = [
    "Profiles",
    "profile",
    "over_index",
    "kpi_columns",
    "align",
    "is_numeric",
    "as_flag",
    "rules_in_words",
    "label_of",
    "DAYS_PER_MONTH",
    "KPI_LABELS",
    "LOWER_IS_BETTER",
    "PERCENT_KPIS",
    "PERCENT_LABELS",
]

DAYS_PER_MONTH = 30.4375  # 365.25 / 12
# A variable must move a segment's mean percentile rank by this many standard deviations of the
# ranks (a category level: its share, by this many of its spreads) to appear in the segment's name.
_NAMING_THRESHOLD = 0.25
_MAX_LEVELS = 30
# Fewer churned customers than this make a segment's LTV little more than a guess.
_FEW_CHURNS = 5
# A segment whose mean percentile rank on a variable is beyond this from either end is "very" high/low.
_EXTREME_RANK = 0.15
_TRUE_WORDS = {"yes", "y", "true", "t", "1", "paid", "converted", "churned", "ja", "oui", "si", "x"}
_FALSE_WORDS = {"no", "n", "false", "f", "0", "", "nein", "non", "none", "trial", "active"}
# Words for variables whose "high" and "low" read better as one word.
_WORDS = {
    "recency_days": ("Lapsed", "Recent"),
    "frequency": ("Frequent", "Infrequent"),
    "monetary": ("High spend", "Low spend"),
    "tenure_days": ("Long-tenured", "New"),
}

KPI_LABELS = {
    "customers": "Customers",
    "share_of_customers": "Share of customers",
    "share_of_revenue": "Share of revenue",
    "revenue": "Revenue",
    # Mean and ARPA differ only in whom they average over: the labels say so, since they sit side by side.
    "mrr_mean": "Mean current MRR (all customers)",
    "mrr_median": "Median current MRR (all customers)",
    "arpa": "ARPA (customers paying now)",
    "churn_rate": "Churn rate",
    "monthly_churn_rate": "Monthly churn rate",
    "ltv": "LTV",
    "tenure_median_days": "Median tenure (days)",
    "paid_share": "Ever paid",
    "conversion_rate": "Trial-to-paid conversion",
    "nps": "NPS",
    "nps_mean": "Mean NPS score",
    "outcome_rate": "Outcome rate",
}
_DEFINITIONS = {
    "customers": "Customers in the segment.",
    "share_of_customers": "Customers in the segment / all segmented customers.",
    "share_of_revenue": "The segment's revenue / all revenue ({revenue}).",
    "revenue": "Sum of {revenue} over the segment's customers.",
    "mrr_mean": ("Average current MRR over all customers of the segment ({mrr}), those not paying now included: a "
                 "customer who churned on or before the as-of date, or whose MRR is 0 (trial, free plan), counts as "
                 "0, not at the MRR of their last subscription. Lower than ARPA whenever anyone is not paying."),
    "mrr_median": ("Median current MRR over all customers of the segment; churned customers and those at 0 MRR "
                   "count as 0."),
    "arpa": ("ARPA (average revenue per account): average current MRR over only the segment's customers paying "
             "now (not churned, MRR above 0); churned, trial and free customers are left out, not counted as 0."),
    "churn_rate": "Share of the segment's {payers} who have churned ({churned}){as_of}.",
    "monthly_churn_rate": "Churned {payers} / their customer-months observed (tenure in days / 30.4375).",
    "ltv": "LTV = ARPA / monthly churn rate; blank when no paying customer of the segment churned.",
    "paid_share": "Share of the segment's customers who ever converted to paid ({converted}).",
    "tenure_median_days": "Median of the tenure column {tenure}, in days.",
    "conversion_rate": "Converted to paid / customers who started a trial.",
    "nps": "% promoters (9-10) minus % detractors (0-6) among customers who answered.",
    "outcome_rate": "Share of the segment's customers {outcome_what} ({outcome}).",
    "nps_mean": "Average NPS answer (0-10) among customers who answered.",
}
# What the outcome rate counts, by the outcome's kind.
_OUTCOME_WHAT = {"conversion": "who converted", "response": "who responded", "other": "for whom it is yes",
                 "churn": "who churned"}
_SHORT_NAME_HELP = ("The segment in a few words, made of the same terms as its name: K-means names its centres, RFM "
                    "the R and FM scores of its grid cells; other segments (your rules, another clusterer) are "
                    "described by the variables on which they differ most from all customers.")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# What the revenue KPIs are called, by what the revenue column holds.
_REVENUE_LABELS = {
    "mrr": {"revenue": "Current MRR", "share_of_revenue": "Share of current MRR"},
    "lifetime": {"revenue": "Lifetime revenue", "share_of_revenue": "Share of lifetime revenue"},
}
# Every label a percentage KPI can have (for table formats).
PERCENT_KPIS = ("share_of_customers", "share_of_revenue", "churn_rate", "monthly_churn_rate", "paid_share",
                "conversion_rate", "outcome_rate")
PERCENT_LABELS = frozenset({KPI_LABELS[k] for k in PERCENT_KPIS}
                           | {labels["share_of_revenue"] for labels in _REVENUE_LABELS.values()}
                           | {_capital(outcomes.rate_name(kind)) for kind in outcomes.OUTCOME_KINDS})
# KPIs where a lower value is better (used when picking the best segment).
LOWER_IS_BETTER = frozenset({"churn_rate", "monthly_churn_rate"})


@dataclass(frozen=True)
class Profiles:
    """Per-segment figures; compute once with `profile`, then show, chart or export.

    summary      DataFrame indexed by segment (display order): customers, share_of_customers,
                 share_of_revenue and the KPI columns the data allows (see KPI_LABELS).
    overall      Series with the same columns for all segmented customers.
    medians      DataFrame segment x numeric variable.
    means        DataFrame segment x numeric variable.
    overall_medians, overall_means   Series per numeric variable for all segmented customers.
    lift         DataFrame segment x (numeric variables and mean KPIs): segment mean / overall mean.
    top_levels   DataFrame segment x categorical variable: "Enterprise (62%)", the commonest level.
    overall_levels  categorical variable -> the commonest level among all customers, same format.
    funnel       long DataFrame (segment, stage, step, customers, share): started trial -> converted
                 to paid -> still active, share of the first stage; empty without a converted column.
    names        segment -> short name (unique, deterministic): the method's own terms (`Method.short_names`),
                 else the variables on which the segment differs most from all customers.
    rules        segment -> plain-words rule (from validation), may be empty.
    variables    the variables profiled (numeric and categorical).
    kpis         the KPI columns present in `summary` besides customers and share_of_customers.
    columns      KPI role -> column used (mrr, churned, converted, trial, tenure, signup, nps, revenue).
    definitions  KPI column -> one sentence saying how it is computed.
    notes        sentences for the user (e.g. why LTV is blank).
    labels       KPI column -> its name for this data ("Share of lifetime revenue" when revenue is the
                 lifetime `monetary`, "Share of current MRR" when it is MRR); `label(kpi)` reads it.
    """

    summary: pd.DataFrame
    overall: pd.Series
    medians: pd.DataFrame
    means: pd.DataFrame
    lift: pd.DataFrame
    top_levels: pd.DataFrame
    names: Mapping[str, str]
    overall_medians: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    overall_means: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    overall_levels: Mapping[str, str] = field(default_factory=dict)
    funnel: pd.DataFrame = field(default_factory=pd.DataFrame)
    rules: Mapping[str, str] = field(default_factory=dict)
    variables: tuple[str, ...] = ()
    kpis: tuple[str, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)
    definitions: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("names", "rules", "columns", "definitions", "overall_levels", "labels"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        object.__setattr__(self, "variables", tuple(self.variables))
        object.__setattr__(self, "kpis", tuple(self.kpis))
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.summary.index)

    def label(self, kpi: str) -> str:
        """The KPI's name for this data ("Share of lifetime revenue"), else its usual one."""
        return self.labels.get(kpi) or KPI_LABELS.get(kpi, kpi)

    def column_help(self) -> dict[str, str]:
        """Column of `table()` -> how it is computed (the KPI definitions under the labels the table shows),
        for a table's column tooltips."""
        helps = {"short name": _SHORT_NAME_HELP}
        helps.update({self.label(kpi): words for kpi, words in self.definitions.items()})
        helps.update({f"median {column}": f"Median {label_of(column)} of the segment's customers."
                      for column in self.medians.columns})
        helps.update({f"top {column}": f"The commonest {label_of(column)} in the segment, with its share."
                      for column in self.top_levels.columns})
        if self.rules:
            helps["rule"] = ("Who is in the segment, in plain words: the method's own rule where it has one (RFM "
                             "cells and thresholds, your rules), else a shallow decision tree's close reading.")
        return helps

    def best_segment(self, by: str | None = None) -> str:
        """The segment with the best `by` KPI (highest, or lowest for churn); default LTV, else
        lowest churn, else highest mean MRR, else the largest share of revenue, else the largest."""
        order = [by] if by else ["ltv", "churn_rate", "mrr_mean", "share_of_revenue", "customers"]
        for kpi in order:
            if kpi not in self.summary.columns:
                if by:
                    raise DataError(f"The profiles have no {kpi!r} figure; choose one of "
                                    f"{', '.join(self.summary.columns)}.")
                continue
            values = pd.to_numeric(self.summary[kpi], errors="coerce").dropna()
            values = values[self.summary.loc[values.index, "customers"] > 0]
            if values.empty:
                continue
            # idxmax/idxmin take the first of equal values, so ties go to the earlier segment.
            return str(values.idxmin() if kpi in LOWER_IS_BETTER else values.idxmax())
        return str(self.summary["customers"].idxmax())

    def table(self) -> pd.DataFrame:
        """One readable row per segment (plus "All customers"): name, KPIs, medians, top levels, rule."""
        summary = pd.concat([self.summary, self.overall.to_frame("All customers").T])
        out = pd.DataFrame(index=summary.index)
        out.index.name = "segment"
        out["short name"] = pd.Series(dict(self.names)).reindex(out.index).fillna("")
        for column in summary.columns:
            out[self.label(column)] = summary[column]
        medians = pd.concat([self.medians, self.overall_medians.to_frame("All customers").T])
        for column in medians.columns:
            out[f"median {column}"] = medians[column]
        for column in self.top_levels.columns:
            out[f"top {column}"] = list(self.top_levels[column]) + [self.overall_levels.get(column, "")]
        if self.rules:  # long sentences go last so the figures stay in view
            out["rule"] = pd.Series(dict(self.rules)).reindex(out.index).fillna("")
        return out


def profile(
    frame: pd.DataFrame,
    segmentation: Any,
    *,
    variables: Sequence[str] | None = None,
    mrr: str | None = None,
    churned: str | None = None,
    converted: str | None = None,
    trial: str | None = None,
    tenure: str | None = None,
    nps: str | None = None,
    revenue: str | None = None,
    rules: Mapping[str, str] | None = None,
    signup: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    tenure_months: str | None = None,
    outcome: str | None = None,
    outcome_kind: str | None = None,
) -> Profiles:
    """Profile every segment of `segmentation` on the customer table `frame` (indexed by customer id).

    variables  columns to describe (default: the segmentation's variables found in `frame`).
    mrr, churned (flag or churn-date column), converted (flag or date), trial (trial-start column),
    tenure (days), nps (0-10 answers), revenue (default: mrr): KPI columns; each is optional and
    a KPI is computed only when its columns are given.
    signup     signup-date column: tenure = days from signup to the churn date (when `churned` is a
               date column) or to `as_of`; used when no `tenure` column is given.
    tenure_months  months as a customer (IBM Telco's `tenure`): tenure = months x 30.4375 days; used
               when neither `tenure` nor `signup` is given. With MRR and churn it gives LTV.
    outcome, outcome_kind  an outcome that is not churn (a campaign response: kind "response") and its
               kind: the share of customers with it, named by the kind ("Response rate"). A churn
               outcome is `churned`: an `outcome` of kind "churn" is read as `churned`.
    as_of      the date tenure runs to for customers who have not churned; default the day after the
               latest signup, churn or last-purchase date in the table.
    rules      segment -> plain-words rule, e.g. `Validation.segment_rules`.
    """
    labels = _labels_of(segmentation)
    data, labels = align(frame, labels)
    segments = [s for s in getattr(segmentation, "segments", ()) or ()] or list(pd.unique(labels))
    segments += [s for s in pd.unique(labels) if s not in segments]

    if variables is None:
        variables = [v for v in getattr(segmentation, "variables", ()) if v in data.columns]
    variables = list(dict.fromkeys(variables))
    if outcome is not None and outcome_kind is None:
        outcome_kind = outcomes.infer_outcome_kind(outcome, frame[outcome] if outcome in frame.columns else None)
    if outcome is not None and outcome_kind not in outcomes.OUTCOME_KINDS:
        raise DataError(f"Unknown outcome kind {outcome_kind!r}; kinds are: {', '.join(outcomes.OUTCOME_KINDS)}.")
    if outcome_kind == "churn":  # a churn outcome is churn: the churn rate and LTV read it
        churned, outcome = churned if churned is not None else outcome, None
    roles = {"mrr": mrr, "churned": churned, "converted": converted, "trial": trial, "tenure": tenure, "nps": nps,
             "revenue": revenue if revenue is not None else mrr, "signup": signup if tenure is None else None,
             "tenure_months": tenure_months if tenure is None and signup is None else None, "outcome": outcome}
    roles = {role: column for role, column in roles.items() if column is not None}
    missing = [c for c in [*variables, *roles.values()] if c not in data.columns]
    if missing:
        raise DataError(f"The customer table has no column {missing[0]!r}; pick one of its columns "
                        f"({', '.join(map(str, data.columns[:12]))}{', ...' if data.shape[1] > 12 else ''}).")

    numeric = [v for v in variables if is_numeric(data[v])]
    dates = [v for v in variables if pd.api.types.is_datetime64_any_dtype(data[v])]
    categorical = [v for v in variables if v not in numeric and v not in dates]
    notes: list[str] = []
    if dates:
        notes.append(f"Date column(s) {', '.join(dates)} are not profiled; use tenure or recency in days instead.")

    as_of_day, as_of_how = _as_of_day(data, roles, as_of)
    tenure_days, tenure_definition = _tenure(data, roles, as_of_day, as_of_how)
    kpis, kpi_notes = _kpis(data, labels, roles, segments, tenure_days, as_of_day, outcome_kind)
    notes += kpi_notes

    numbers = data[numeric].apply(_as_number) if numeric else pd.DataFrame(index=data.index)
    grouped = numbers.groupby(labels, sort=False)
    medians = grouped.median().reindex(segments)
    means = grouped.mean().reindex(segments)
    overall_means = numbers.mean()
    kpi_means = [k for k in ("mrr_mean", "arpa", "churn_rate", "ltv", "tenure_median_days", "conversion_rate",
                             "outcome_rate", "nps_mean")
                 if k in kpis.summary.columns]
    lift = pd.concat([means, kpis.summary[kpi_means]], axis=1)
    lift_base = pd.concat([overall_means, kpis.overall[kpi_means]])
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = lift.divide(lift_base.where(lift_base != 0), axis=1)

    top_levels, overall_levels = _top_levels(data, labels, categorical, segments)
    # An empty segment (an RFM cell nobody falls in) has nothing to describe: it keeps its own name.
    present = set(labels.dropna().astype(str))
    names = _method_names(segmentation, segments)
    if names is None:
        names = _short_names(numbers, data, labels, categorical, [s for s in segments if str(s) in present])
        names.update({s: s for s in segments if str(s) not in present})
    summary = kpis.summary
    kpi_columns_present = tuple(c for c in summary.columns if c not in ("customers", "share_of_customers"))
    revenue_kind = _revenue_kind(roles)
    payers = "paying customers (ever converted)" if "converted" in roles else "customers"
    churned_words = roles.get("churned", "")
    if churned_words and pd.api.types.is_datetime64_any_dtype(data[churned_words]) and pd.notna(as_of_day):
        churned_words += f" on or before {as_of_day:%Y-%m-%d}"
    words = {"revenue": roles.get("revenue", ""), "tenure": roles.get("tenure", ""), "mrr": roles.get("mrr", ""),
             "payers": payers, "churned": churned_words, "converted": roles.get("converted", ""),
             "as_of": "; customers who never paid have no churn to count" if "converted" in roles else "",
             "outcome": roles.get("outcome", ""), "outcome_what": _OUTCOME_WHAT.get(outcome_kind or "other", "")}
    definitions = {k: v.format(**words) for k, v in _DEFINITIONS.items() if k in summary.columns}
    if revenue_kind == "mrr":
        definitions["share_of_revenue"] = ("The segment's current MRR / all current MRR; churned customers "
                                           "count as 0.")
        definitions["revenue"] = "Sum of current MRR (churned customers count as 0)."
    elif revenue_kind == "lifetime":
        definitions["share_of_revenue"] = ("The segment's lifetime revenue / all lifetime revenue; it includes "
                                           "what churned customers paid before leaving (not current MRR).")
        definitions["revenue"] = ("Lifetime revenue: sum of every payment in the transactions (monetary), "
                                  "churned customers' past payments included.")
    if "tenure_median_days" in definitions:
        definitions["tenure_median_days"] = tenure_definition
    return Profiles(
        summary=summary,
        overall=kpis.overall,
        medians=medians,
        means=means,
        lift=lift,
        top_levels=top_levels,
        names=names,
        overall_medians=numbers.median(),
        overall_means=overall_means,
        overall_levels=overall_levels,
        funnel=kpis.funnel,
        rules={s: str(r) for s, r in (rules or {}).items() if s in segments},
        variables=tuple(numeric + categorical),
        kpis=kpi_columns_present,
        columns=roles,
        definitions=definitions,
        notes=tuple(notes),
        labels={**_REVENUE_LABELS.get(revenue_kind, {}),
                **({"outcome_rate": _capital(outcomes.rate_name(outcome_kind))} if "outcome" in roles else {})},
    )


def over_index(
    frame: pd.DataFrame,
    labels: pd.Series,
    segment: str,
    columns: Iterable[str],
    *,
    max_levels: int = _MAX_LEVELS,
) -> pd.DataFrame:
    """How much each attribute over-indexes in `segment` against all customers (100 = average).

    Categorical levels: share of the segment with that level / share of all customers with it.
    Numeric columns: segment mean / overall mean. Columns with more than `max_levels` levels
    (names, free text) are skipped. Rows are sorted by index, highest first.
    Columns: attribute, column, level, kind, segment, overall, index, customers.
    """
    data, labels = align(frame, labels)
    if segment not in set(labels):
        raise DataError(f"No customer is in the segment {segment!r}; pick one of "
                        f"{', '.join(map(str, pd.unique(labels)))}.")
    inside = (labels == segment).to_numpy()
    rows = []
    for column in columns:
        if column not in data.columns:
            raise DataError(f"The customer table has no column {column!r} to compare segments on.")
        values = data[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            continue
        if is_numeric(values):
            numbers = _as_number(values)
            overall, own = numbers.mean(), numbers[inside].mean()
            rows.append({"attribute": f"{label_of(column)} (mean)", "column": column, "level": "", "kind": "numeric",
                         "segment": own, "overall": overall,
                         "index": own / overall * 100 if overall else np.nan, "customers": int(inside.sum())})
            continue
        text = values.astype("object").where(values.notna(), "(missing)").astype(str)
        if text.nunique() > max_levels:
            continue
        shares_all = text.value_counts(normalize=True)
        counts_in = text[inside].value_counts()
        shares_in = counts_in / inside.sum()
        for level, share_all in shares_all.items():
            own = float(shares_in.get(level, 0.0))
            rows.append({"attribute": f"{label_of(column)} = {level}", "column": column, "level": level,
                         "kind": "level", "segment": own, "overall": float(share_all),
                         "index": own / share_all * 100, "customers": int(counts_in.get(level, 0))})
    out = pd.DataFrame(rows, columns=["attribute", "column", "level", "kind", "segment", "overall", "index",
                                      "customers"])
    return out.sort_values(["index", "attribute"], ascending=[False, True], kind="stable").reset_index(drop=True)


def kpi_columns(frame: pd.DataFrame, roles: Any = None) -> dict[str, str]:
    """The KPI keyword arguments for `profile` that `frame` supports, from a RoleMap (or a
    role -> column mapping) and the customer table's usual column names. A mapped outcome of a kind
    other than churn gives `outcome` and `outcome_kind` (its rate, named by its kind), never `churned`."""
    get = (roles.get if roles is not None else (lambda role: None))
    found: dict[str, str] = {}

    def pick(key: str, *candidates: str | None, dates: bool = False) -> None:
        for column in candidates:
            if column and column in frame.columns:
                if dates and not pd.api.types.is_datetime64_any_dtype(frame[column]):
                    continue  # a signup column that was not read as dates cannot give a tenure
                found[key] = column
                return

    kind = outcomes.kind_of(roles, frame) if roles is not None else None
    pick("mrr", get("mrr"), "mrr")
    # "churned" is read from words; a mapped outcome is churn only when its kind is churn.
    pick("churned", get("churn_date"), "churned", get("outcome") if kind == "churn" else None, "churn_date")
    pick("converted", get("converted"), "converted_to_paid", "converted")
    pick("trial", get("trial_start"), "trial_start")
    # Tenure from signup (to churn or the as-of date) is what "tenure" means for a subscription;
    # the customer table's tenure_days counts from the first purchase, so it is the fallback.
    pick("signup", get("signup_date"), "signup_date", dates=True)
    if "signup" not in found:
        pick("tenure_months", get("tenure_months"))
    if "signup" not in found and "tenure_months" not in found:
        pick("tenure", "tenure_days")
    if kind not in (None, "churn"):  # a campaign response, a conversion: its own rate, never churn
        pick("outcome", get("outcome"), outcomes.OUTCOME)  # the user's column: the definitions name it
        if "outcome" in found:
            found["outcome_kind"] = kind
    pick("nps", "nps")
    pick("revenue", "monetary", get("mrr"), "mrr")
    return found


# -- shared helpers (used by projection, export and tracking too) -------------------------------------
def align(frame: pd.DataFrame, labels: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """The rows of `frame` for the labelled customers, matched on customer id as text, in label order."""
    if not isinstance(frame, pd.DataFrame):
        raise DataError("Expected a customer table (a DataFrame with one row per customer).")
    if frame.index.has_duplicates:
        raise DataError("The customer table has the same customer id on several rows; keep one row per customer.")
    index = frame.index if frame.index.dtype == object else frame.index.astype(str)
    data = frame.set_axis(index) if index is not frame.index else frame
    ids = labels.index if labels.index.dtype == object else labels.index.astype(str)
    labels = pd.Series(labels.to_numpy(), index=ids, name="segment")
    if len(labels) and ids.equals(index) and labels.notna().all():  # the usual case: labels of this table
        return data, labels.astype(str)
    labels = labels[labels.notna() & labels.index.isin(index)]
    if labels.empty:
        raise DataError("The customer table and the segments share no customer id; segment this table first "
                        "or load the customer table the segments were built on.")
    return data.loc[labels.index], labels.astype(str)


def is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_complex_dtype(values)


def as_flag(values: pd.Series, *, of: str = "churned") -> pd.Series:
    """True/False per customer for a KPI: `outcomes.as_flag` (the one reading of yes/no and status words),
    a date column counting as set, and anything unreadable as not set."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.notna()
    return outcomes.as_flag(values, of=of).fillna(False).astype(bool)


def label_of(column: str) -> str:
    """A readable name for a column: "logins_30d" -> "logins 30d", "mrr" -> "MRR"."""
    words = str(column).replace("_", " ").split()
    return " ".join(ACRONYMS.get(w.lower(), w) for w in words) or str(column)


# -- internals (inputs are aligned and validated) ------------------------------------------------------
def _labels_of(segmentation: Any) -> pd.Series:
    labels = segmentation if isinstance(segmentation, pd.Series) else getattr(segmentation, "labels", None)
    if not isinstance(labels, pd.Series):
        raise DataError("Expected a segmentation (with labels per customer); segment the customers first.")
    return labels


def _as_number(values: pd.Series) -> pd.Series:
    return values.astype(float) if pd.api.types.is_bool_dtype(values) else pd.to_numeric(values, errors="coerce")


@dataclass(frozen=True)
class _Kpis:
    summary: pd.DataFrame
    overall: pd.Series
    funnel: pd.DataFrame


def _revenue_kind(roles: Mapping[str, str]) -> str | None:
    """"mrr" when revenue is the MRR column, "lifetime" when it is the customer table's monetary."""
    revenue = roles.get("revenue")
    if revenue is None:
        return None
    if revenue == roles.get("mrr"):
        return "mrr"
    return "lifetime" if revenue == "monetary" else None


def _churn_dates(data: pd.DataFrame, roles: Mapping[str, str]) -> pd.Series | None:
    column = roles.get("churned")
    if column is None or not pd.api.types.is_datetime64_any_dtype(data[column]):
        return None
    from .features import parse_dates

    return parse_dates(data[column], column=column, table="customer")


def _as_of_day(data: pd.DataFrame, roles: Mapping[str, str], as_of: Any) -> tuple[pd.Timestamp, str]:
    """The as-of day and how it was chosen: the given one, else the day after the latest signup,
    churn or last-purchase date in the table (NaT without dates)."""
    from .features import parse_as_of, parse_dates

    if as_of is not None:
        return parse_as_of(as_of), ""
    seen = []
    if "signup" in roles:
        seen.append(parse_dates(data[roles["signup"]], column=roles["signup"], table="customer"))
    churn_dates = _churn_dates(data, roles)
    if churn_dates is not None:
        seen.append(churn_dates)
    if "last_purchase" in data.columns and pd.api.types.is_datetime64_any_dtype(data["last_purchase"]):
        seen.append(data["last_purchase"])
    latest = max((s.max() for s in seen if s.notna().any()), default=pd.NaT)
    day = latest.normalize() + pd.Timedelta(days=1) if pd.notna(latest) else pd.NaT
    return day, ", the day after the latest date in the table"


def _tenure(data: pd.DataFrame, roles: Mapping[str, str], as_of_day: pd.Timestamp,
            how: str) -> tuple[pd.Series | None, str]:
    """Tenure in days per customer and the sentence defining it (None without tenure or signup)."""
    if "tenure" in roles:
        column = roles["tenure"]
        if column == "tenure_days":  # the customer table's own column (features.customer_table)
            words = "Median days from the first purchase to the as-of date (tenure_days)."
        else:
            words = f"Median of the tenure column {column}, in days."
        return _as_number(data[column]), words
    if "signup" not in roles and "tenure_months" in roles:
        column = roles["tenure_months"]
        months = _as_number(data[column])
        return (months.where(months >= 0) * DAYS_PER_MONTH,
                f"Median of {column} (months as a customer) x 30.4375, in days; a churned customer's counts to "
                "the churn.")
    if "signup" not in roles:
        return None, ""
    from .features import parse_dates

    signup = roles["signup"]
    start = parse_dates(data[signup], column=signup, table="customer")
    churn_column = roles.get("churned")
    churn_dates = _churn_dates(data, roles)
    end = pd.Series(as_of_day, index=data.index)
    if churn_dates is not None:
        # A churn booked after the as-of date has not happened yet: the tenure runs to the as-of date.
        churned_by = churn_dates.notna() & ((churn_dates <= as_of_day) if pd.notna(as_of_day) else True)
        end = churn_dates.where(churned_by, end)
    days = (end - start).dt.days.astype(float)
    days = days.where(days >= 0)  # signed up after churning or after the as-of date: not a tenure
    to_churn = f"to churn ({churn_column}) or " if churn_dates is not None else ""
    stamp = f"{as_of_day:%Y-%m-%d}{how}" if pd.notna(as_of_day) else "unknown: no dates in the table"
    caveat = (f"; churned customers count to it too, as {churn_column} gives no churn date"
              if churn_column is not None and churn_dates is None else "")
    return days, f"Median days from signup ({signup}) {to_churn}to the as-of date ({stamp}){caveat}."


def _kpis(data: pd.DataFrame, labels: pd.Series, roles: Mapping[str, str], segments: list[str],
          tenure: pd.Series | None = None, as_of_day: Any = pd.NaT,
          outcome_kind: str | None = None) -> tuple[_Kpis, list[str]]:
    notes: list[str] = []
    churned = None
    if "churned" in roles:
        churned = as_flag(data[roles["churned"]])
        churn_dates = _churn_dates(data, roles)
        if churn_dates is not None and pd.notna(as_of_day):
            churned = churned & (churn_dates <= as_of_day)
    mrr = _as_number(data[roles["mrr"]]) if "mrr" in roles else None
    if mrr is not None and churned is not None:
        mrr = mrr.where(~churned, 0.0)  # current MRR: a churned account's last MRR is lost revenue
    if "revenue" in roles:
        revenue = mrr if _revenue_kind(roles) == "mrr" else _as_number(data[roles["revenue"]])
    else:
        revenue = None
    converted = as_flag(data[roles["converted"]], of="converted") if "converted" in roles else None
    trial = as_flag(data[roles["trial"]]) if "trial" in roles else None
    nps = _as_number(data[roles["nps"]]) if "nps" in roles else None
    # An outcome that is not churn (a campaign response): its share, read with the words of its kind.
    outcome = None
    if "outcome" in roles:
        values = data[roles["outcome"]]
        outcome = (values.notna().astype("boolean") if pd.api.types.is_datetime64_any_dtype(values)
                   else outcomes.as_flag(values, of=outcomes.flag_for(outcome_kind)))

    everyone = pd.Series("All customers", index=labels.index)
    per_segment = _figures(labels, mrr, revenue, churned, converted, trial, tenure, nps, outcome).reindex(segments)
    overall = _figures(everyone, mrr, revenue, churned, converted, trial, tenure, nps, outcome).iloc[0]
    per_segment["customers"] = per_segment["customers"].fillna(0).astype(int)
    per_segment["share_of_customers"] = per_segment["customers"] / len(labels)
    overall["share_of_customers"] = 1.0
    if revenue is not None:
        total = overall["revenue"]
        per_segment["share_of_revenue"] = per_segment["revenue"].fillna(0) / total if total else np.nan
        overall["share_of_revenue"] = 1.0 if total else np.nan
    columns = [c for c in KPI_LABELS if c in per_segment.columns]
    summary = per_segment[columns].rename_axis("segment")
    overall = overall.reindex(columns).rename("All customers")

    if "arpa" in overall.index and pd.notna(overall["arpa"]):
        notes += _mean_and_arpa(mrr, overall)
    if mrr is not None and churned is not None and tenure is None:
        notes.append("LTV needs a signup date or a tenure column (days, or months as a customer) to turn churn "
                     "into a monthly rate; it is not shown.")
    if outcome is not None and churned is None and mrr is not None:
        notes.append(f"LTV needs a churn outcome; {roles['outcome']} is a {outcome_kind or 'other'} outcome, "
                     "so LTV is not shown.")
    if "ltv" in summary.columns:
        unpaid = set(summary.index[summary["paid_share"] == 0]) if "paid_share" in summary.columns else set()
        blank = [str(s) for s in summary.index[summary["ltv"].isna() & (summary["customers"] > 0)]
                 if s not in unpaid]
        if blank:
            notes.append(f"LTV is blank for {', '.join(blank)}: no paying customer there churned, or none still "
                         "pays (ARPA counts current MRR), so ARPA / monthly churn rate has no finite value.")
    unpaid_segments = ([str(s) for s in summary.index[summary["paid_share"] == 0]]
                       if "paid_share" in summary.columns else [])
    if unpaid_segments:
        notes.append(f"Nobody in {', '.join(unpaid_segments)} ever paid: churn rate and LTV are n/a there "
                     "(churn counts paying customers only).")
        lost = per_segment["churned_count"]
        few = [str(s) for s in summary.index if 0 < lost[s] < _FEW_CHURNS and pd.notna(summary.loc[s, "ltv"])]
        if few:
            notes.append(f"LTV for {', '.join(few)} rests on fewer than {_FEW_CHURNS} churned customers; "
                         "read it as a rough upper figure.")
    if churned is not None and "ltv" not in summary.columns and mrr is None:
        notes.append("LTV needs an MRR column; map one on the Data page to see it.")
    return _Kpis(summary, overall, _funnel(labels, segments, converted, trial, churned)), notes


def _mean_and_arpa(mrr: pd.Series, overall: pd.Series) -> list[str]:
    """The sentence that tells mean current MRR from ARPA with the all-customers figures, when they differ."""
    with_mrr = int(mrr.notna().sum())
    paying = int((mrr > 0).sum())
    if paying == with_mrr:
        return []  # nobody at 0: the two are the same figure
    who = f"all {with_mrr:,} customers" if with_mrr == len(mrr) else f"the {with_mrr:,} customers with an MRR"
    return [f"Mean current MRR and ARPA differ in whom they average: for all customers, mean current MRR "
            f"({overall['mrr_mean']:,.2f}) averages {who}, the {with_mrr - paying:,} not paying now (churned, "
            f"trial or free) counted as 0; ARPA ({overall['arpa']:,.2f}) averages only the {paying:,} paying now."]


def _figures(keys: pd.Series, mrr, revenue, churned, converted, trial, tenure, nps, outcome=None) -> pd.DataFrame:
    """Every KPI per key in one grouped pass each (keys: segment per customer, or one constant).

    mrr is current MRR (0 once churned); churn counts only customers who ever paid when
    `converted` is given, since one who never paid cannot churn."""
    # Categorical keys: each groupby reuses the codes instead of hashing the names again.
    by = keys.astype("category")
    out = pd.DataFrame({"customers": by.groupby(by, sort=False, observed=True).size()})
    if revenue is not None:
        out["revenue"] = revenue.groupby(by, sort=False, observed=True).sum()
    if mrr is not None:
        grouped = mrr.groupby(by, sort=False, observed=True)
        out["mrr_mean"], out["mrr_median"] = grouped.mean(), grouped.median()
        out["arpa"] = mrr.where(mrr > 0).groupby(by, sort=False, observed=True).mean()
    if converted is not None:
        out["paid_share"] = converted.astype(float).groupby(by, sort=False, observed=True).mean()
    if churned is not None:
        payers = converted if converted is not None else pd.Series(True, index=keys.index)
        lost = churned[payers].astype(float).groupby(by[payers], sort=False, observed=True)
        out["churn_rate"], out["churned_count"] = lost.mean(), lost.sum()
        out["churned_count"] = out["churned_count"].fillna(0)
        if tenure is not None:
            paid_tenure = tenure[payers].clip(lower=0)
            months = paid_tenure.groupby(by[payers], sort=False, observed=True).sum() / DAYS_PER_MONTH
            out["monthly_churn_rate"] = out["churned_count"] / months.reindex(out.index).where(lambda m: m > 0)
    if tenure is not None:
        out["tenure_median_days"] = tenure.groupby(by, sort=False, observed=True).median()
    if converted is not None:
        base = trial if trial is not None else pd.Series(True, index=keys.index)
        out["conversion_rate"] = converted[base].astype(float).groupby(by[base], sort=False, observed=True).mean()
    if outcome is not None:
        known = outcome.notna().to_numpy()  # a cell that says neither yes nor no is not a no
        out["outcome_rate"] = outcome[known].astype(float).groupby(by[known], sort=False, observed=True).mean()
    if nps is not None:
        answered = nps.notna()
        answers, where = nps[answered], by[answered]
        out["nps_mean"] = answers.groupby(where, sort=False, observed=True).mean()
        promoters = (answers >= 9).astype(float).groupby(where, sort=False, observed=True).mean()
        detractors = (answers <= 6).astype(float).groupby(where, sort=False, observed=True).mean()
        out["nps"] = (promoters - detractors) * 100
    if "arpa" in out.columns and "monthly_churn_rate" in out.columns:
        rate = out["monthly_churn_rate"]
        out["ltv"] = out["arpa"] / rate.where(rate > 0)
    return out


def _funnel(labels: pd.Series, segments: list[str], converted: pd.Series | None, trial: pd.Series | None,
            churned: pd.Series | None) -> pd.DataFrame:
    columns = ["segment", "stage", "step", "customers", "share"]
    if converted is None:
        return pd.DataFrame(columns=columns)
    started = trial if trial is not None else pd.Series(True, index=labels.index)
    paid = converted & started
    stages = {"Started trial" if trial is not None else "Signed up": started, "Converted to paid": paid}
    if churned is not None:
        stages["Still active"] = paid & ~churned
    counts = pd.DataFrame({stage: flags.astype(int).groupby(labels.to_numpy(), sort=False).sum()
                           for stage, flags in stages.items()}).reindex(segments).fillna(0).astype(int)
    rows = []
    for segment in segments:
        first = int(counts.loc[segment].iloc[0])
        for step, stage in enumerate(stages):
            count = int(counts.loc[segment, stage])
            rows.append((segment, stage, step, count, count / first if first else np.nan))
    return pd.DataFrame(rows, columns=columns)


def _top_levels(data: pd.DataFrame, labels: pd.Series, columns: list[str],
                segments: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    out = pd.DataFrame(index=pd.Index(segments, name="segment"))
    overall: dict[str, str] = {}
    for column in columns:
        text = data[column].astype("object").where(data[column].notna(), "(missing)").astype(str)
        shares = pd.crosstab(labels, text, normalize="index").reindex(segments)
        cells = []
        for segment in segments:
            row = shares.loc[segment].dropna() if segment in shares.index else pd.Series(dtype=float)
            cells.append(f"{row.idxmax()} ({row.max():.0%})" if len(row) and row.max() > 0 else "")
        out[column] = cells
        counts = text.value_counts(normalize=True)
        overall[column] = f"{counts.index[0]} ({counts.iloc[0]:.0%})" if len(counts) else ""
    return out, overall


def _method_names(segmentation: Any, segments: list[str]) -> dict[str, str] | None:
    """Short names from the terms the method named the segments by (K-means: its centres; RFM: the grid
    cells' scores), so the short name beside a name never contradicts it; None when the method has none
    (rules, a bare labels Series) or gives none for these segments: then each is described from its data."""
    from .methods.registry import find_method

    method = find_method(getattr(segmentation, "method", "") or "")
    if method is None or method.short_names is None:
        return None
    own = {str(k): str(v) for k, v in method.short_names(segmentation).items()}
    return {s: own.get(str(s), s) for s in segments} if own else None


def _short_names(numbers: pd.DataFrame, data: pd.DataFrame, labels: pd.Series, categorical: list[str],
                 segments: list[str]) -> dict[str, str]:
    """Name each segment by its most distinctive variables.

    Numbers: the gap between the segment's mean percentile rank and everyone's, in standard
    deviations of the ranks; ranks keep one huge account (skewed MRR) from hiding every other
    difference. Levels: the gap between the level's share in the segment and overall, over
    the level's spread. Ties go to the variable listed first."""
    candidates: dict[str, list[tuple[float, int, str]]] = {s: [] for s in segments}
    ranks = numbers.rank(pct=True)
    std = ranks.std(ddof=0)
    mean = ranks.mean()
    grouped = ranks.groupby(labels, sort=False).mean()
    for order, column in enumerate(numbers.columns):
        if not std.get(column) or not np.isfinite(std[column]):
            continue
        for segment in segments:
            if segment not in grouped.index or pd.isna(grouped.loc[segment, column]):
                continue
            rank = grouped.loc[segment, column]
            gap = (rank - mean[column]) / std[column]
            high, low = _WORDS.get(column, (f"High {label_of(column)}", f"Low {label_of(column)}"))
            word = high if gap > 0 else low
            if rank >= 1 - _EXTREME_RANK or rank <= _EXTREME_RANK:
                word = f"Very {_lower_first(word)}"
            candidates[segment].append((abs(gap), order, word))
    for offset, column in enumerate(categorical, start=len(numbers.columns)):
        text = data[column].astype("object").where(data[column].notna(), "(missing)").astype(str)
        if text.nunique() > _MAX_LEVELS:
            continue
        overall = text.value_counts(normalize=True)
        shares = pd.crosstab(labels, text, normalize="index")
        for segment in segments:
            if segment not in shares.index:
                continue
            spread = np.sqrt(overall * (1 - overall)).replace(0, np.nan)
            gaps = ((shares.loc[segment] - overall) / spread).dropna()
            gaps = gaps[gaps > 0]  # a level is named by its presence, not its absence
            if len(gaps):
                level = gaps.sort_values(ascending=False, kind="stable").index[0]
                candidates[segment].append((float(gaps[level]), offset, _level_words(column, level)))

    ranked = {s: [text for gap, _, text in sorted(c, key=lambda t: (-t[0], t[1])) if gap >= _NAMING_THRESHOLD]
              for s, c in candidates.items()}
    names: dict[str, str] = {}
    for depth in (2, 3, 4):
        names = {s: _join(words[:depth]) if words else "Typical customers" for s, words in ranked.items()}
        if len(set(names.values())) == len(names):
            return names
    seen: dict[str, int] = {}
    unique = {}
    for segment in segments:  # still equal: number them in display order
        name = names[segment]
        seen[name] = seen.get(name, 0) + 1
        unique[segment] = name if seen[name] == 1 else f"{name} ({seen[name]})"
    return unique


def _level_words(column: str, level: str) -> str:
    word = level.strip().lower()
    if word in _TRUE_WORDS - {"x"}:  # "Mostly yes" says nothing; name the column instead
        return f"Mostly {label_of(column)}"
    if word in _FALSE_WORDS - {""}:
        return f"Mostly not {label_of(column)}"
    return f"Mostly {level}"


def _join(words: list[str]) -> str:
    first, *rest = words
    return ", ".join([first] + [_lower_first(w) for w in rest])


def _lower_first(text: str) -> str:
    head = text.split(" ", 1)[0]
    if head.isupper() and len(head) > 1:  # an acronym (MRR) keeps its case
        return text
    return text[:1].lower() + text[1:]


def rules_in_words(segmentation: Any, validation: Any = None) -> dict[str, str]:
    """Segment (as shown) -> its rule in plain words: the method's own exact rules when it has them
    (RFM grid cells and thresholds, the user's rules; not a decision tree's approximation of them),
    else the validation's tree rules. The Profiles page and the `export` command both ask this."""
    from .methods.registry import find_method

    method = find_method(segmentation.method)
    written = method.segment_rules(segmentation) if method is not None else None
    if written is not None:
        return written
    # The validation may predate a rename made on the Profiles page; it then knows the method's own names.
    shown = dict(segmentation.state.get("display_names", {}))
    tree_rules = validation.segment_rules if validation is not None else {}
    return {shown.get(k, k): v for k, v in tree_rules.items()}
