"""What the Segment page offers and computes, in one place for the page and for warming the server up.

The page (views/segment.py) asks these for the variables it offers, the K-means defaults, the k sweep, the fit
and the scorecard; `warm_default_segments` asks the very same calls with the page's defaults, so the cache
entries it fills are the ones a first visit reads (ui.memo.shared keys them on the data's fingerprint).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from segmentation.errors import DataError
from segmentation.outcomes import outcome_choices, outcome_problem
from segmentation.variables import default_variables, empty_share
from ui.memo import shared

__all__ = ["Offer", "offer", "default_kmeans_variables", "default_transforms", "sweep", "fit", "validate",
           "warm_default_segments"]

DERIVED = ("recency_days", "frequency", "monetary", "tenure_days", "orders_90d", "active_days_30d",
           "active_days_90d", "events_90d")


@dataclass(frozen=True)
class Offer:
    """The columns the Segment page offers as variables, and what it needs to say about them.

    categories     column -> the category the user gave it (value, behavioural, ...).
    derived        the customer table's own columns (recency, frequency, ...) that exist.
    outcome_kinds  outcome column -> its kind (churn, conversion, response, other); never offered as a variable.
    candidates     the columns offered (they vary between customers); constant: those that do not.
    revenue        the money column the scorecard weighs segments by (MRR, else monetary).
    empty          candidate -> its share of empty values.
    """

    categories: Mapping[str, str | None]
    derived: list[str]
    outcome_kinds: Mapping[str, str]
    candidates: list[str]
    constant: list[str]
    revenue: str | None
    empty: Mapping[str, float]

    @property
    def outcome_options(self) -> list[str]:
        return list(self.outcome_kinds)


def offer(frame: pd.DataFrame, customer_roles) -> Offer:
    categories = {c.name: c.category for c in customer_roles.columns}
    derived = [c for c in DERIVED if c in frame.columns]
    # Each outcome with its kind: a campaign response is a "response rate", never churn.
    outcome_kinds = outcome_choices(frame, customer_roles)
    # Never the outcome the segments are judged by: segments built from churn would pass 'actionable' by definition.
    offered = [c for c in customer_roles.candidates() if c in frame.columns and c not in outcome_kinds]
    offered += [c for c in derived if c not in offered]
    candidates = [c for c in offered if frame[c].nunique(dropna=True) > 1]
    constant = [c for c in offered if c not in candidates]
    revenue = customer_roles.get("mrr") or ("monetary" if "monetary" in frame.columns else None)
    empty = {c: empty_share(frame[c]) for c in candidates}
    return Offer(categories, derived, outcome_kinds, candidates, constant, revenue, empty)


def default_kmeans_variables(content: str, frame: pd.DataFrame, customer_roles, offered: Offer,
                             outcome: str | None) -> tuple[list[str], list[str]]:
    """(default variables, columns left out for mirroring the outcome).

    The money column plus the first usage counts, all numeric (categories are opt-in), and only columns that fit
    as they are: filled in for most customers, not an id, not a date held as a number, and not a column that
    mirrors the outcome (recency of a cancelled subscription is the churn flag): segments cut on it differ on
    churn by definition."""
    numeric = tuple(c for c in offered.candidates if pd.api.types.is_numeric_dtype(frame[c]))
    mirrored: list[str] = []
    if outcome is not None and numeric and outcome_problem(frame, customer_roles, outcome) is None:
        from segmentation.validation import mirroring_variables

        try:
            mirrored = list(shared("mirrors", (content, outcome, numeric),
                                   lambda: mirroring_variables(frame, numeric, outcome)))
        except DataError:
            mirrored = []
    defaults = default_variables(frame, customer_roles, candidates=offered.candidates, revenue=offered.revenue,
                                 derived=offered.derived, exclude=offered.outcome_options + mirrored)
    return defaults, mirrored


def default_transforms(frame: pd.DataFrame, variables: Sequence[str]) -> dict[str, str]:
    """The transform each numeric variable starts with ("auto"); categories are matched by level."""
    return {v: "auto" for v in variables if pd.api.types.is_numeric_dtype(frame[v])}


def sweep(content: str, frame: pd.DataFrame, variables: Sequence[str], transforms: Mapping[str, str]):
    """The k sweep (2-8) of these variables; raises DataError when they cannot be clustered."""
    from segmentation.methods import kprototypes

    key = (content, tuple(variables), tuple(sorted(transforms.items())))
    return shared("sweep", key, lambda: kprototypes.sweep_clusters(frame, list(variables), random_state=0,
                                                                   transforms=dict(transforms)))


def fit(content: str, frame: pd.DataFrame, variables: Sequence[str], transforms: Mapping[str, str], k: int,
        categories: Mapping[str, str | None]):
    """K-means (or k-prototypes with a category among the variables) with k segments."""
    from segmentation.methods import kprototypes

    key = (content, tuple(variables), tuple(sorted(transforms.items())), int(k))
    chosen = {v: categories.get(v) for v in variables if categories.get(v)}
    return shared("kmeans", key, lambda: kprototypes.fit_clusters(frame, list(variables), k=int(k), random_state=0,
                                                                  transforms=dict(transforms), categories=chosen))


def validate(content: str, frame: pd.DataFrame, segmentation, outcome: str | None, kind: str | None,
             revenue: str | None):
    """The five criteria for `segmentation`, judged on `outcome` (of `kind`) and weighed by `revenue`."""
    from segmentation.validation import evaluate

    return shared("validation", (content, segmentation.fingerprint, outcome, kind),
                  lambda: evaluate(frame, segmentation, outcome=outcome, revenue=revenue, random_state=0,
                                   outcome_kind=kind))


def warm_default_segments(dataset: Any):
    """Compute what the Segment page shows first for `dataset` (K-means on the default variables, the suggested
    k, the scorecard on the first outcome) into the shared cache; returns (segmentation, validation), or None when
    there is nothing to cluster. Raises DataError where the page would say why."""
    from ui.memo import shared as _shared

    frame = _shared("customer_table", dataset.fingerprint, dataset.customer_table).frame
    customer_roles = dataset.roles["customers"]
    offered = offer(frame, customer_roles)
    outcome = offered.outcome_options[0] if offered.outcome_options else None
    variables, _ = default_kmeans_variables(dataset.fingerprint, frame, customer_roles, offered, outcome)
    if len(variables) < 2:
        return None
    transforms = default_transforms(frame, variables)
    swept = sweep(dataset.fingerprint, frame, variables, transforms)
    segmentation = fit(dataset.fingerprint, frame, variables, transforms, int(swept.suggested_k), offered.categories)
    if outcome is not None and outcome_problem(frame, customer_roles, outcome) is not None:
        outcome = None
    return segmentation, validate(dataset.fingerprint, frame, segmentation, outcome, offered.outcome_kinds.get(outcome),
                                  offered.revenue)
