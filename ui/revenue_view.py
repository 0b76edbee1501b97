"""The "MRR movements" tab: where each month's MRR came from and where it went (`segmentation.revenue`)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from segmentation.errors import DataError
from segmentation.export import neutralise_frame
from segmentation.revenue import GAINS, MOVEMENTS, mrr_movements
from ui.memo import memo

# What the page keeps of the last table it showed (the monthly figures), for the doors test and a notebook user.
SHOWN = "mrr_table"
SEGMENT = "Segment"
ALL = "All"
# Gains up in greens (coming back in blue), losses down in warm colours: read at a glance.
COLOURS = {"new": "#1b7837", "expansion": "#7fbf7b", "reactivation": "#4393c3", "contraction": "#f4a582",
           "churned": "#b2182b"}
LABELS = {"new": "New", "expansion": "Expansion", "reactivation": "Reactivation", "contraction": "Contraction",
          "churned": "Churned"}
DOWNGRADE_MONTHS = 12
QUICK_RATIO_HELP = ("(new + expansion + reactivation) / (contraction + churned). — when nothing was lost that month: "
                    "no loss means no ratio.")


def render(dataset: Any, segmentation: Any) -> None:
    """The tab: split selector, movements chart with the MRR line, the table, a drill-down and who downgrades."""
    if dataset is None:
        st.info("Load invoices, payments or a subscriptions export on the Data page to see MRR movements.")
        return
    split = _split_choice(dataset, segmentation)
    key = (dataset.version, split, segmentation.fingerprint if split == SEGMENT and segmentation else None)
    try:
        moves = memo("mrr_movements", key, lambda: mrr_movements(
            dataset, split=segmentation if split == SEGMENT else split))
    except DataError as exc:
        st.info(f"No MRR movements: {exc}")
        return
    group = ALL
    if moves.split is not None:
        group = st.selectbox(f"Show ({moves.split})", [ALL, *moves.groups], key="mrr_group",
                             help="All: the whole business; or one value of the split.")
    table = moves.total() if group == ALL else \
        moves.table[moves.table["split"] == group].drop(columns="split").reset_index(drop=True)
    st.session_state[SHOWN] = table
    st.caption(f"MRR from {moves.source}. MRR(m) = MRR(m-1) + new + expansion + reactivation - contraction - "
               "churned; quick ratio = (new + expansion + reactivation) / (contraction + churned).")
    _headline(table)
    st.altair_chart(mrr_chart(table), width="stretch")
    st.altair_chart(movements_chart(table), width="stretch")
    for note in moves.notes:
        st.caption(note)
    # Missing values in this table are only quick ratios of months that lost nothing: a dash, not "None".
    st.dataframe(_shown(table), hide_index=True, width="stretch", placeholder="—",
                 column_config={c: st.column_config.NumberColumn(LABELS.get(c, c).replace("_", " "), format="localized")
                                for c in ("mrr", *MOVEMENTS, "net_new")}
                 | {"mrr": st.column_config.NumberColumn("MRR", format="localized"),
                    "net_new": st.column_config.NumberColumn("Net new MRR", format="localized"),
                    "quick_ratio": st.column_config.NumberColumn("Quick ratio", format="%.2f",
                                                                 help=QUICK_RATIO_HELP)})
    _drill_down(moves, table, None if group == ALL else group)
    _downgrades(moves)


def _split_choice(dataset: Any, segmentation: Any) -> str | None:
    roles = dataset.roles.get("customers")
    id_column = dataset.id_column
    columns = [c.name for c in roles.columns if c.level in ("categorical", "boolean") and c.name != id_column] \
        if roles is not None and id_column is not None else []
    options = [None] + ([SEGMENT] if segmentation is not None else []) + columns
    return st.selectbox("Split by", options, format_func=lambda c: "— nothing —" if c is None else c, key="mrr_split")


def _headline(table: pd.DataFrame) -> None:
    done = table[table["complete"]]
    if done.empty:
        return
    last = done.iloc[-1]
    cols = st.columns(4)
    cols[0].metric(f"MRR, {last['month']:%b %Y}", f"{last['mrr']:,.0f}", f"{last['net_new']:+,.0f}")
    cols[1].metric("Gained", f"{sum(last[m] for m in GAINS):,.0f}", help="new + expansion + reactivation")
    cols[2].metric("Lost", f"{last['contraction'] + last['churned']:,.0f}", help="contraction + churned")
    ratio = last["quick_ratio"]
    cols[3].metric("Quick ratio", "—" if pd.isna(ratio) else f"{ratio:.2f}",
                   help="gains / losses; above 4 is healthy growth, below 1 the MRR shrinks. — when nothing "
                        "was lost: no loss means no ratio.")


def mrr_chart(table: pd.DataFrame) -> alt.LayerChart:
    """MRR month by month as a line; the unfinished month faded and labelled. Drawn above the movements chart,
    not on a second y axis of it: bars around zero and a level far above it read wrongly against each other."""
    frame = _frame(table)
    line = alt.Chart(frame).mark_line(point=True, color="#333333").encode(
        x=_x(labels=False), y=alt.Y("mrr:Q", title="MRR", axis=_Y_AXIS), opacity=_FADED,
        tooltip=[_MONTH, alt.Tooltip("mrr:Q", format=",.2f", title="MRR"), _STATE])
    return alt.layer(line, _unfinished_labels(frame, "mrr")).properties(height=150)


def movements_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Stacked bars per month: gains up, contraction and churn down; the unfinished month faded and labelled,
    and kept out of the scale: its churn so far (customers who have not paid yet) would dwarf every other month."""
    frame = _frame(table)
    bars = frame.melt(id_vars=["label", "state", "complete"], value_vars=list(MOVEMENTS), var_name="movement",
                      value_name="size")
    bars["value"] = bars["size"].where(bars["movement"].isin(GAINS), -bars["size"])
    bars["movement"] = bars["movement"].map(LABELS)
    scaled = bars[bars["complete"]] if bars["complete"].any() else bars
    up = scaled[scaled["value"] > 0].groupby("label")["value"].sum()
    down = scaled[scaled["value"] < 0].groupby("label")["value"].sum()
    high, low = (float(up.max()) if len(up) else 0.0), (float(down.min()) if len(down) else 0.0)
    pad = 0.05 * ((high - low) or 1.0)
    stack = alt.Chart(bars).mark_bar(clip=True).encode(
        x=_x(), y=alt.Y("value:Q", stack="zero", title="Movement (MRR)", axis=_Y_AXIS,
                        scale=alt.Scale(domain=[low - pad, high + pad], nice=False)),
        # The legend on top keeps the plot as wide as the MRR line's above it, so the months line up.
        color=alt.Color("movement:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=[LABELS[m] for m in MOVEMENTS], range=[COLOURS[m] for m in MOVEMENTS])),
        order=alt.Order("value:Q"), opacity=_FADED,
        tooltip=[_MONTH, "movement:N", alt.Tooltip("size:Q", format=",.2f", title="MRR"), _STATE])
    ceiling = frame[["label", "complete"]].assign(value=high + pad * 0.5)
    return alt.layer(stack, _unfinished_labels(ceiling, "value")).properties(height=280)


# The y axes of both charts take the same room, so their months line up one above the other.
_Y_AXIS = alt.Axis(minExtent=70, maxExtent=70)
_FADED = alt.condition(alt.datum.state == "unfinished", alt.value(0.35), alt.value(1.0))
_MONTH = alt.Tooltip("label:O", title="month")
_STATE = alt.Tooltip("state:N", title="month is")


def _frame(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(label=table["month"].dt.strftime("%Y-%m"),
                        state=table["complete"].map({True: "complete", False: "unfinished"}))


def _x(*, labels: bool = True) -> alt.X:
    return alt.X("label:O", title=None, axis=alt.Axis(labelAngle=-45, labels=labels, ticks=labels))


def _unfinished_labels(frame: pd.DataFrame, field: str) -> alt.Chart:
    """"unfinished" above the months the data does not cover to their end."""
    return alt.Chart(frame[~frame["complete"]]).mark_text(dy=-10, color="#666666", fontStyle="italic").encode(
        x=alt.X("label:O"), y=alt.Y(f"{field}:Q"), text=alt.value("unfinished"))


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    out = table.assign(month=table["month"].dt.strftime("%Y-%m"))
    out["complete"] = out["complete"].map({True: "yes", False: "no: unfinished"})
    return out


def _drill_down(moves: Any, table: pd.DataFrame, group: str | None) -> None:
    st.subheader("Who is behind a bar")
    months = table["month"].dt.strftime("%Y-%m").tolist()
    done = table.index[table["complete"]]
    cols = st.columns(2)
    month = cols[0].selectbox("Month", months, index=int(done[-1]) if len(done) else len(months) - 1,
                              key="mrr_month")
    movement = cols[1].selectbox("Movement", list(MOVEMENTS), format_func=LABELS.get, key="mrr_movement")
    rows = moves.customers_behind(month, movement, group)
    shown = rows.assign(month=rows["month"].dt.strftime("%Y-%m"))
    if shown.empty:
        st.caption(f"No {LABELS[movement].lower()} in {month}.")
        return
    st.caption(f"{len(shown):,} customers, {shown['change'].sum():+,.2f} of MRR.")
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"split": st.column_config.TextColumn(moves.split)} if moves.split else None)
    data = neutralise_frame(shown).to_csv(index=False).encode("utf-8")
    st.download_button("Download these customers (CSV)", data, file_name=f"mrr_{movement}_{month}.csv",
                       mime="text/csv", key="mrr_download", icon=":material/download:")


def _downgrades(moves: Any) -> None:
    st.subheader("Who downgrades")
    down = moves.downgrades(months=DOWNGRADE_MONTHS)
    if moves.split is None:
        st.caption(f"Over the last {DOWNGRADE_MONTHS} complete months; split by a segment or a column to compare "
                   "groups.")
    else:
        st.caption(f"Per {moves.split}, over the last {DOWNGRADE_MONTHS} complete months: customers whose MRR went "
                   "down but not to zero (downgraded) and the MRR it cost; churned customers apart. Monitor the groups "
                   "at the top.")
    st.dataframe(down, hide_index=True, width="stretch", column_config={
        "split": st.column_config.TextColumn(moves.split),
        "downgrade_rate": st.column_config.NumberColumn("downgrade rate", format="percent"),
        "mrr_lost": st.column_config.NumberColumn("MRR lost to downgrades", format="localized"),
        "churned_mrr": st.column_config.NumberColumn("MRR lost to churn", format="localized")})
