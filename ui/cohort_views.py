"""The cohorts the Cohorts page draws, computed once per data and settings for every session (ui.memo.shared)."""

from __future__ import annotations

from typing import Any

from ui.memo import shared

__all__ = ["cohorts_of", "typical_gap_of"]


def cohorts_of(dataset: Any, *, period: str = "month", by_signup: bool = False, split: str | None = None,
               segmentation: Any = None, min_customers: int = 10):
    """`Dataset.cohorts` split by nothing, by a customers column, or by segment (`split="Segment"` with the
    `segmentation`); the page's defaults are the keyword defaults. Raises DataError saying which columns are
    needed."""
    segment_key = segmentation.fingerprint if split == "Segment" else None
    key = (dataset.fingerprint, period, by_signup, split, segment_key, int(min_customers))
    labels = segmentation.labels if split == "Segment" else split
    return shared("cohorts", key, lambda: dataset.cohorts(period=period, split=labels, by_signup=by_signup,
                                                          min_customers=int(min_customers)))


def typical_gap_of(dataset: Any) -> float | None:
    """The median days between a customer's payments (or active days), see `cohorts.typical_gap_days`."""
    from segmentation.cohorts import typical_gap_days

    activity = dataset.activity()
    if activity is None:
        return None
    return shared("cohort_gap", dataset.fingerprint,
                  lambda: typical_gap_days(activity.frame, customer_id=activity.customer_id, date=activity.date))
