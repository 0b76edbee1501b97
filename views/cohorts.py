"""Cohorts: who stays and who pays, by month of signup, first payment or first activity, split by any group."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation.charts import cohorts as charts
from segmentation.cohorts import period_labels, with_period_labels
from segmentation.errors import DataError
from segmentation.export import matrices_workbook, neutralise_frame
from ui import state
from ui.cohort_views import cohorts_of, typical_gap_of
from ui.customers import require_customers
from ui.loading import customer_id_pending


st.title("Cohorts")
pending = customer_id_pending()
if pending:
    st.info(pending, icon=":material/info:")
    st.page_link("views/data.py", label="Pick it on the Data page", icon=":material/upload_file:")
    st.stop()
require_customers("cohorts need signup dates, transactions or events.")

tables, roles = state.tables(), state.roles()
customers, customer_roles = tables["customers"].frame, roles["customers"]
# Payments, else activity: a customer counts as retained in a month when paying or active in it.
activity = state.dataset().activity()
# Months as a customer (IBM Telco's tenure) stand in for a signup date: counted back from the as-of date.
dated = customer_roles.get("signup_date") or customer_roles.get("tenure_months")
if activity is None and (dated is None or customer_roles.get("customer_id") is None):
    st.info("Cohorts need the customer id and date columns of a transactions or events file, or the customer id "
            "and signup date (or tenure in months) columns of the customers.")
    st.page_link("views/data.py", label="Map the columns on the Data page", icon=":material/upload_file:")
    st.stop()

# -- inputs ----------------------------------------------------------------------------------------
segmentation = state.get(state.SEGMENTATION)
id_column = customer_roles.get("customer_id")
splits = (["Segment"] if segmentation is not None else []) + [
    c.name for c in customer_roles.columns
    if c.level in ("categorical", "boolean") and c.name != id_column and id_column is not None
]
# Two rows of three: five controls in one row clip their labels on a laptop screen.
cols = [*st.columns(3), *st.columns(3)[:2]]
period = cols[0].segmented_control("Period", ["month", "quarter"], default="month", format_func=str.capitalize,
                                   key="cohort_period") or "month"
by_signup = False
if activity is not None and customer_roles.get("signup_date") and id_column:
    by_signup = cols[1].segmented_control("Cohorts by", [activity.first, "Signup"], default=activity.first,
                                          key="cohort_by") == "Signup"
split = cols[2].selectbox("Split by", [None] + splits, format_func=lambda c: "— nothing —" if c is None else c,
                          key="cohort_split")
shares = cols[3].segmented_control("Values", ["Shares", "Counts"], default="Shares", key="cohort_values") != "Counts"
metric = cols[4].segmented_control("Trends and layers", ["Logo", "Revenue"], default="Logo",
                                   key="cohort_metric") or "Logo"
with st.expander("More options"):
    min_customers = st.number_input("Flag cohorts smaller than", min_value=1, value=10, step=1, key="cohort_min")
    cell_text = st.toggle("Numbers in cells", value=True, key="cohort_text",
                          help="Shown for matrices up to a few hundred cells.")


def _missing_groups(labels: pd.Series, shown, order) -> pd.Series:
    """Customers per group that has no cohort at all (it would otherwise vanish without a word)."""
    counts = labels.dropna().astype(str).value_counts()
    counts = counts[~counts.index.isin([str(g) for g in shown])]
    first = [g for g in (order or []) if g in counts.index]
    return counts.reindex(first + sorted(g for g in counts.index if g not in first))


def _why_missing() -> str:
    if activity is None or by_signup:
        return "no signup date, so they fall in no cohort."
    if activity.kind == "transactions":
        why = "no payments, and cohorts start at the first payment"
    else:
        why = "no activity, and cohorts start at the first activity"
    if customer_roles.get("signup_date") and id_column:
        return f"{why}; switch 'Cohorts by' to Signup to include them."
    return f"{why}."


try:
    result = cohorts_of(state.dataset(), period=period, by_signup=by_signup, split=split, segmentation=segmentation,
                        min_customers=int(min_customers))
except DataError as exc:
    st.error(str(exc), icon=":material/error:")
    st.page_link("views/data.py", label="Check the column roles on the Data page", icon=":material/upload_file:")
    st.stop()

# -- render ----------------------------------------------------------------------------------------
view = result
# Segments in the segmentation's own order (the order, and so the colours, of every other page).
order = [str(s) for s in segmentation.segments] if split == "Segment" else None
if result.split is not None:
    groups = [g for g in (order or []) if g in result.groups] + [g for g in result.groups if g not in (order or [])]
    options = (["All side by side"] if len(groups) <= 4 else []) + groups
    chosen = st.selectbox(f"Group ({result.split})", options, key="cohort_group")
    if chosen != "All side by side":
        view = result.for_group(chosen)

if activity is None:
    source = "the customers table: a customer counts from the signup month to the churn month"
elif activity.kind == "transactions":
    source = "transactions: a customer counts in a month when they paid in it"
else:
    source = (f"events: cohorts are by {'signup' if by_signup else 'first activity'}, and a customer counts in a "
              f"{period} when active in it")
st.caption(f"{view.n_cohorts} cohorts by {period} up to {result.as_of:%Y-%m-%d}, from {source}. "
           "Future periods are left blank.")
for note in result.notes:
    st.caption(f":material/info: {note}")
if activity is not None and not by_signup:
    gap = typical_gap_of(state.dataset())
    period_days = {"month": 30.4, "quarter": 91.3}[period]
    if gap is not None and gap > 1.5 * period_days:
        # Counting "active in the period" reads a gap as churn when customers simply come less often.
        st.warning(f"Customers come back every {gap:.0f} days (median), less often than once a {period}: a {period} "
                   f"without a {'payment' if activity.kind == 'transactions' else 'visit'} is not churn here, so "
                   f"retention reads low. Try a longer period{' (Quarter)' if period == 'month' else ''}.",
                   icon=":material/info:")
if result.split is not None:
    labels = segmentation.labels if split == "Segment" else customers[split].set_axis(customers[id_column].astype(str))
    missing = _missing_groups(labels, result.groups, order)
    if len(missing):
        names = ", ".join(f"{name} ({count:,} customers)" for name, count in missing.items())
        st.caption(f":material/info: Not shown: {names}: {_why_missing()}")
if view.table["cohort"].nunique() > charts.MAX_COHORTS:
    st.caption(f":material/info: Heatmaps and LTV curves draw the latest {charts.MAX_COHORTS} cohorts; "
               "the CSV downloads hold them all.")


matrices: dict[str, pd.DataFrame] = {}  # every matrix shown, for the XLSX download and the Profiles workbook


def _download(frame: pd.DataFrame, name: str, key: str) -> None:
    matrices[key.replace("_", " ")] = with_period_labels(frame, period)
    data = neutralise_frame(with_period_labels(frame, period)).to_csv(index=False).encode("utf-8")
    st.download_button(f"Download {name} (CSV)", data, file_name=f"cohorts_{key}.csv", mime="text/csv",
                       key=f"download_{key}", icon=":material/download:")


text = None if cell_text else False  # None: the chart decides by the matrix size
# The unfinished last period, said where it is drawn: grey, and never read as churn.
open_periods = ", ".join(period_labels(pd.Series(view.incomplete_periods), period))
unfinished = (f" Grey cells with a dashed outline fall in {open_periods}, which the data does not cover to its end "
              f"(it ends on {result.as_of:%Y-%m-%d}): figures so far, not churn." if open_periods else "")
tabs = st.tabs(["Retention heatmap", "Revenue retention", "Churn by month", "Trends", "Layer cake", "LTV curves"])
with tabs[0]:
    logo = "retention" if shares else "customers"
    st.caption(f"Each row is a cohort, each column a {period} of life. Read across a row to see how a cohort thins "
               "out; read down a column to see whether newer cohorts keep customers better." + unfinished)
    st.altair_chart(charts.heatmap(view, logo, text=text, groups=order), width="stretch")
    _download(view.matrix(logo), "the retention matrix", "retention")
with tabs[1]:
    if not view.has_revenue:
        st.info("Map an amount (transactions) or MRR (customers) column to see revenue retention.")
    else:
        money = "revenue_retention" if shares else "revenue"
        st.caption(f"Revenue of each cohort as a share of its first {period}. Above 100% means expansion from the "
                   "customers who stayed outweighs the revenue lost from those who left." + unfinished)
        st.altair_chart(charts.heatmap(view, money, text=text, groups=order), width="stretch")
        _download(view.matrix(money), "the revenue retention matrix", "revenue_retention")
with tabs[2]:
    st.caption(f"Of the customers active in {period} n of their life, the share never seen again after it. "
               f"Tall bars show where churn concentrates (often the first months). {view.churn_rule}")
    st.altair_chart(charts.churn_chart(view, groups=order), width="stretch")
    _download(view.churn_by_period(), "churn by month", "churn")
with tabs[3]:
    trend_metric = "revenue_retention" if metric == "Revenue" and view.has_revenue else "retention"
    periods = (1, 4) if period == "quarter" else (1, 12)
    st.caption(f"Retention {periods[0]} and {periods[1]} {period}s after each cohort's start. A rising line means "
               f"newer customers stay better. Hollow points are small cohorts; a {period} the data does not cover to "
               "its end is left out.")
    st.altair_chart(charts.trend_chart(view, periods=periods, metric=trend_metric, groups=order), width="stretch")
    _download(view.retention_trend(periods), "the trends", "trends")
with tabs[4]:
    measure = "revenue" if metric == "Revenue" and view.has_revenue else "customers"
    st.caption(f"Each {period}'s {'revenue' if measure == 'revenue' else 'active customers'} stacked by the cohort "
               "it comes from, oldest at the bottom: a thick old base means loyal early customers still pay.")
    st.altair_chart(charts.layer_cake_chart(view, measure=measure, shares=shares, groups=order), width="stretch")
    _download(view.layer_cake(measure), "the layer cake", "layer_cake")
with tabs[5]:
    if not view.has_revenue:
        st.info("Map an amount (transactions) or MRR (customers) column to see LTV curves.")
    else:
        st.caption("Cumulative revenue per customer of each cohort. Steeper and higher lines are cohorts worth more; "
                   "dashed lines are small cohorts.")
        st.altair_chart(charts.ltv_chart(view, groups=order), width="stretch")
        _download(view.matrix("ltv"), "the LTV curves", "ltv")

state.put(state.COHORTS, matrices)
st.download_button("All matrices (XLSX)", lambda: matrices_workbook(matrices), file_name="cohorts.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
                   icon=":material/table_view:", help="Every matrix above, one sheet each; the Profiles page's "
                                                      "workbook includes them too.")
