"""Charts of the health score and the drivers (Altair): calibration, and the lift of each driver."""

from __future__ import annotations

import altair as alt
import pandas as pd

__all__ = ["calibration_chart", "lift_chart"]

_LESS, _OBSERVED = "#4c78a8", "#e45756"


def calibration_chart(score) -> alt.LayerChart:
    """Held-out customers in ten groups by predicted risk: predicted vs observed churn rate, with the diagonal
    a perfectly calibrated score would follow."""
    top = float(max(score.calibration[["predicted", "observed"]].max().max(), 0.05))
    diagonal = alt.Chart(pd.DataFrame({"x": [0.0, top], "y": [0.0, top]})).mark_line(
        color="#bab0ac", strokeDash=[4, 4]).encode(x="x:Q", y="y:Q")
    points = alt.Chart(score.calibration).mark_line(point=True, color=_OBSERVED).encode(
        x=alt.X("predicted:Q").title("Predicted churn rate (group of held-out customers)").axis(format=".0%")
        .scale(domain=[0, top]),
        y=alt.Y("observed:Q").title("Observed churn rate").axis(format=".0%").scale(domain=[0, top]),
        tooltip=[alt.Tooltip("decile:O", title="Risk group (1 = lowest)"),
                 alt.Tooltip("customers:Q", title="Customers", format=","),
                 alt.Tooltip("predicted:Q", title="Predicted", format=".1%"),
                 alt.Tooltip("observed:Q", title="Observed", format=".1%")],
    )
    return (diagonal + points).properties(width="container", height=280)


def lift_chart(drivers, *, top: int = 12) -> alt.Chart:
    """One bar per clear driver from 1 (the overall rate) to the described group's lift, on a log scale so that
    "3x more" and "3x less" are bars of the same length; a group that never has the outcome is drawn at 1/50."""
    frame = drivers.table[drivers.table["clear"]].head(top).copy()
    frame["direction"] = frame["lift"].map(lambda v: "more" if v > 1 else "less")
    frame["shown"] = frame["lift"].clip(lower=0.02, upper=50)
    frame["one"] = 1.0
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("group:N", sort=None).title(None).axis(labelLimit=320),
        x=alt.X("shown:Q").scale(type="log").title("Lift: the group's rate over the overall rate (log scale, 1 = the "
                                                   "same)"),
        x2="one:Q",
        color=alt.Color("direction:N").scale(domain=["more", "less"], range=[_OBSERVED, _LESS])
        .legend(title="Outcome"),
        tooltip=[alt.Tooltip("sentence:N", title="Driver"), alt.Tooltip("lift:Q", format=".2f"),
                 alt.Tooltip("phi:Q", format=".2f"), alt.Tooltip("share:Q", title="Share", format=".0%")],
    ).properties(width="container", height=max(120, 34 * len(frame)))
