"""History: segment sizes and revenue across a workspace's dated snapshots, and who moved between any two.

Each newer export scored with a workspace's segments (the Track page, `assign --workspace`) is kept as a
`store.Snapshot`: its date, every customer's segment and revenue. The functions here read a list of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .errors import DataError
from .tracking import Migration, migration, no_purchases_label

__all__ = ["history_table", "snapshot_migration", "export_date", "snapshot_revenue", "record_snapshot"]


def history_table(snapshots: Sequence[Any]) -> pd.DataFrame:
    """One row per snapshot and segment: date, snapshot label, segment, customers, share of customers,
    revenue and share of revenue (revenue NaN when the snapshot's export had no money column)."""
    rows = []
    for snap in snapshots:
        frame = snap.frame
        order = list(dict.fromkeys([*snap.segments, *pd.unique(frame["segment"])]))
        counts = frame["segment"].value_counts().reindex(order, fill_value=0)
        has_revenue = frame["revenue"].notna().any()
        revenue = frame.groupby("segment")["revenue"].sum().reindex(order, fill_value=0.0)
        total_customers, total_revenue = max(int(counts.sum()), 1), float(revenue.sum())
        for segment in order:
            rows.append({"snapshot": snap.id, "date": snap.taken_at, "label": snap.label, "segment": segment,
                         "customers": int(counts[segment]), "share": counts[segment] / total_customers,
                         "revenue": float(revenue[segment]) if has_revenue else float("nan"),
                         "revenue_share": (float(revenue[segment]) / total_revenue
                                           if has_revenue and total_revenue else float("nan"))})
    return pd.DataFrame(rows, columns=["snapshot", "date", "label", "segment", "customers", "share", "revenue",
                                       "revenue_share"])


def snapshot_migration(before: Any, after: Any, *, segmentation: Any = None) -> Migration:
    """Who moved between two snapshots (any two, in either order), as `tracking.migration` says it.
    `segmentation`: the workspace's segments, for their order and the no-purchases segment."""
    segments = list(segmentation.segments) if segmentation is not None else list(after.segments)
    no_purchases = no_purchases_label(segmentation) if segmentation is not None else None
    return migration(before.labels, after.labels, segments=segments, no_purchases=no_purchases)


def snapshot_revenue(frame: pd.DataFrame, roles: Mapping[str, str] | None = None) -> pd.Series | None:
    """Each customer's revenue in a prepared customer table: the confirmed MRR column, else `mrr`, else
    `monetary` (revenue in the export's period); None when there is none."""
    candidates = [(roles or {}).get("mrr"), "mrr", "monetary"]
    for column in candidates:
        if column and column in frame.columns and pd.api.types.is_numeric_dtype(frame[column]):
            return frame[column]
    return None


def export_date(*frames: pd.DataFrame | None, as_of: Any = None) -> pd.Timestamp:
    """The date an export stands for: `as_of` when given, else its latest date (in any date column of its
    frames, never after today), else today."""
    today = pd.Timestamp.today().normalize()
    if as_of is not None:
        try:
            return pd.Timestamp(as_of).normalize()
        except (ValueError, TypeError):
            raise DataError(f"The as-of date {as_of!r} is not a date; write it as 2024-07-31.") from None
    latest = None
    for frame in frames:
        if frame is None:
            continue
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                values = frame[column].dropna()
                values = values[values <= today + pd.Timedelta(days=1)]
                if len(values):
                    top = values.max().tz_localize(None) if values.max().tzinfo else values.max()
                    latest = top if latest is None else max(latest, top)
    return (latest or today).normalize()


def record_snapshot(store: Any, workspace_id: str, labels: pd.Series, prepared: Any, *, export: Any = None,
                    segmentation: Any = None, as_of: Any = None, source: str = "", roles: Mapping[str, str] | None
                    = None, user: str | None = None):
    """Add the scoring of a newer export (labels and `tracking.Prepared`, `dataset.NewerExport`) to a
    workspace's history, dated by `export_date`; the app and `assign --workspace` both call this."""
    frames = [prepared.frame]
    if export is not None:
        frames += [export.customers.frame, *(v for v in export.options.values() if isinstance(v, pd.DataFrame))]
    return store.add_snapshot(workspace_id, labels, revenue=snapshot_revenue(prepared.frame, roles),
                              taken_at=export_date(*frames, as_of=as_of), source=source,
                              segments=segmentation.segments if segmentation is not None else None, user=user)
