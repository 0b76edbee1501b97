"""Segment: choose 2-4 variables and a method; segments and the five verdicts update live."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation.methods import kprototypes, rfm, rules
from segmentation.charts.profiles import segment_sizes_chart
from segmentation.charts.validation import sweep_chart
from segmentation.errors import DataError
from segmentation.outcomes import outcome_choices, outcome_label, outcome_problem
from segmentation.variables import default_variables, empty_share
from segmentation.validation import evaluate, mirroring_variables
from ui import state
from ui.customers import customer_table_or_stop, require_customers
from ui.memo import memo
from ui.scorecard import sample_rules_text, show_scorecard


st.title("Segment")
require_customers("segments are built from them.")
frame = customer_table_or_stop()

# Results depend on the data and on the confirmed roles: the dataset's version stands for both.
data_version = state.data_version()  # widget keys: start fresh on new data, keep choices on role edits
version = state.dataset().version
for note in state.get(state.CUSTOMER_NOTES, ()):
    st.warning(note, icon=":material/link_off:")
customer_roles = state.roles()["customers"]
has_transactions = "recency_days" in frame.columns and frame["frequency"].gt(0).any()

# -- inputs ----------------------------------------------------------------------------------------
methods = ["K-means", "RFM", "Rules"]
# An orders export alone holds purchases and little else: RFM is the natural first cut.
first = "RFM" if state.customers_from() == "transactions" else "K-means"
method = st.segmented_control("Method", methods, default=first, key="method", selection_mode="single") or first

categories = {c.name: c.category for c in customer_roles.columns}
derived = [c for c in ("recency_days", "frequency", "monetary", "tenure_days", "orders_90d", "active_days_30d",
                       "active_days_90d", "events_90d") if c in frame.columns]
# Each outcome with its kind: a campaign response is a "response rate", never churn.
outcome_kinds = outcome_choices(frame, customer_roles)
outcome_options = list(outcome_kinds)
# Never the outcome the segments are judged by: segments built from churn would pass 'actionable' by definition.
offered = [c for c in customer_roles.candidates() if c in frame.columns and c not in outcome_options]
offered += [c for c in derived if c not in offered]
candidates = [c for c in offered if frame[c].nunique(dropna=True) > 1]
constant = [c for c in offered if c not in candidates]
revenue_column = customer_roles.get("mrr") or ("monetary" if "monetary" in frame.columns else None)
empty = {c: empty_share(frame[c]) for c in candidates}


def _label(column: str) -> str:
    category = categories.get(column) or ("behavioural" if column in derived else None)
    label = f"{column} · {category}" if category else column
    # Said before it is picked: K-means refuses a column empty for more than half of the customers.
    return f"{label} · {empty[column]:.0%} empty" if empty.get(column, 0.0) > 0.5 else label


with st.sidebar:
    st.subheader("Validation")
    outcome = st.selectbox("Outcome KPI for 'actionable'", [None] + outcome_options,
                           index=1 if outcome_options else 0, key="segment_outcome",
                           format_func=lambda c: "— none —" if c is None else outcome_label(c, outcome_kinds[c],
                                                                                           customer_roles),
                           help="The behaviour segments should differ on, e.g. churn, trial-to-paid conversion or "
                                "a campaign response; its kind is set next to the outcome column on the Data page.")

segmentation = None
if method == "K-means":
    # Default: the money column plus the first usage counts, all numeric (categories are opt-in), and only
    # columns that fit as they are: filled in for most customers, not an id, not a date held as a number.
    # ... and not a column that mirrors the outcome (recency of a cancelled subscription is the churn flag):
    # segments cut on it differ on churn by definition.
    numeric = tuple(c for c in candidates if pd.api.types.is_numeric_dtype(frame[c]))
    mirrored: list[str] = []
    if outcome is not None and numeric and outcome_problem(frame, customer_roles, outcome) is None:
        try:
            mirrored = list(memo("mirrors", (version, outcome, numeric),
                                 lambda: mirroring_variables(frame, numeric, outcome)))
        except DataError:
            mirrored = []
    default_vars = default_variables(frame, customer_roles, candidates=candidates, revenue=revenue_column,
                                     derived=derived, exclude=outcome_options + mirrored)
    # Swapping variables is several clicks; a sweep after each (seconds apiece) would keep the page busy on
    # choices nobody asked for. The new set takes effect on Apply; k, method and outcome stay live.
    with st.form("kmeans_variables", border=False, enter_to_submit=False):
        box, button = st.columns([6, 1], vertical_alignment="bottom")
        variables = box.multiselect(
            "Segmentation variables (2-4)", candidates, default=default_vars, max_selections=4, format_func=_label,
            key=f"kmeans_vars_{data_version}",
            help="Start with 2-4 variables tied to your goal; more leads to analysis paralysis. Changes apply when "
                 "you press Apply.",
        )
        button.form_submit_button("Apply", key="kmeans_vars_apply", width="stretch")
    if constant:
        st.caption(f"Not offered, because every customer has the same value: {', '.join(constant)}.")
    if mirrored:
        st.caption(f"Not picked by default, because it mirrors {outcome} (segments on it would differ on "
                   f"{outcome} by definition): {', '.join(mirrored)}.")
    if len(variables) < 2:
        st.info("Pick at least two variables." if len(candidates) >= 2 else
                "This data has fewer than two columns that vary between customers, so there is nothing to "
                "cluster; add columns to the export or write rules instead.")
        st.stop()
    with st.expander("Transforms (how each variable is put on a common scale)"):
        st.caption("Auto takes the log of skewed, non-negative money and count variables, then scales every "
                   "variable. With a category among them K-prototypes runs instead of K-means: levels are "
                   "matched, not one-hot encoded, so many levels do not outweigh the numbers.")
        transforms = {}
        for var, col in zip(variables, st.columns(len(variables))):
            if pd.api.types.is_numeric_dtype(frame[var]):
                transforms[var] = col.selectbox(var, ["auto", "log1p", "none"], key=f"transform_{var}_{data_version}")
            else:
                col.markdown(f"**{var}**")
                col.caption(f"matched by level ({frame[var].nunique()} values): K-prototypes")
    transform_key = tuple(sorted(transforms.items()))
    try:
        sweep = memo("sweep", (version, tuple(variables), transform_key),
                     lambda: kprototypes.sweep_clusters(frame, variables, random_state=0, transforms=transforms))
    except DataError as exc:
        st.error(str(exc))
        st.stop()
    # The result (scorecard, segments) must show without scrolling: k is one compact row, its diagnostics fold away.
    left, right = st.columns([1, 2], vertical_alignment="center")
    with left:
        auto = st.toggle("Use the suggested k", value=True, key="auto_k")
    # A keyed slider keeps its own value whatever `value=` says, so it would show the k suggested for the
    # previous variables; while the suggestion is used, the slider is set to it before it is drawn.
    if auto or "k" not in st.session_state:
        st.session_state["k"] = int(sweep.suggested_k)
    with right:
        k = st.slider("Number of segments (k)", 2, 8, disabled=auto, key="k")
    k = int(sweep.suggested_k) if auto else int(k)
    st.caption(sweep.reason)
    with st.expander("How k was chosen", expanded=False):
        st.altair_chart(sweep_chart(sweep, chosen_k=k), width="stretch")
    segmentation = memo("kmeans", (version, tuple(variables), transform_key, k),
                        lambda: kprototypes.fit_clusters(frame, variables, k=k, random_state=0, transforms=transforms,
                                                         categories={v: categories.get(v) for v in variables
                                                                     if categories.get(v)}))

elif method == "RFM":
    if not has_transactions:
        st.info("RFM needs purchases: upload a transactions or invoices table with the customers on the Data page.")
        st.page_link("views/data.py", label="Go to Data", icon=":material/upload_file:")
        st.stop()
    saas = st.toggle("SaaS preset: M = MRR instead of total revenue", value=False,
                     disabled=customer_roles.get("mrr") is None, key="rfm_saas")
    monetary = customer_roles.get("mrr") if saas else "monetary"
    with st.expander("Segment map (R x FM): edit the names", expanded=False):
        grid = st.data_editor(rfm.grid_frame(state.get(state.RFM_GRID)), key=f"rfm_grid_{data_version}",
                              width="stretch")
    try:
        grid_map = rfm.grid_from_frame(grid)
    except DataError as exc:
        st.error(str(exc))
        st.stop()
    grid_key = tuple(map(tuple, grid.astype(str).to_numpy()))
    segmentation = memo("rfm", (version, monetary, grid_key),
                        lambda: rfm.fit_rfm(frame, monetary=monetary, grid=grid_map))
    with st.expander("Score thresholds (what each R, F and M score means)", expanded=False):
        st.markdown("\n".join(f"- {line}" for line in rfm.thresholds_text(segmentation)))

else:
    default_rules = sample_rules_text(frame, value_column=revenue_column)
    text = st.text_area("Rules, one per line: `Segment name: condition` (first match wins)", value=default_rules,
                        height=180, key=f"rules_text_{data_version}")
    try:
        parsed = rules.parse_rules(text)
        segmentation = memo("rules", (version, text), lambda: rules.fit_rules(frame, parsed))
    except DataError as exc:
        st.error(str(exc))
        st.stop()

renames = state.saved_names(segmentation)
if renames and not segmentation.state.get("display_names"):
    fitted = segmentation
    segmentation = memo("renamed", (fitted.fingerprint, tuple(sorted(renames.items()))),
                        lambda: fitted.renamed(renames))

if segmentation.notes:
    st.info("\n".join(f"- {note}" for note in segmentation.notes), icon=":material/info:")

# -- live validation -------------------------------------------------------------------------------
def _validate(kpi: str | None):
    kind = outcome_kinds.get(kpi)
    return memo("validation", (version, segmentation.fingerprint, kpi, kind),
                lambda: evaluate(frame, segmentation, outcome=kpi, revenue=revenue_column, random_state=0,
                                 outcome_kind=kind))


# An outcome that cannot be judged (a mapped column that is no flag, an empty one) is said in words, and the
# segments are still scored on the other four criteria: never a traceback.
problem = outcome_problem(frame, customer_roles, outcome)
validation = None
if problem is None:
    try:
        validation = _validate(outcome)
    except DataError as exc:
        problem = str(exc)
if problem is not None:
    st.error(f"{problem} Until then 'actionable' is judged without an outcome.", icon=":material/error:")
    st.page_link("views/data.py", label="Check the outcome column on the Data page", icon=":material/upload_file:")
    validation = _validate(None)
state.put(state.SEGMENTATION, segmentation)
state.put(state.VALIDATION, validation)

st.subheader("Scorecard")
show_scorecard(validation)

st.subheader("Segments")
sizes = segmentation.sizes.rename("customers").reset_index().rename(columns={"index": "segment"})
sizes["share"] = sizes["customers"] / max(int(sizes["customers"].sum()), 1)
# The method's own rule when it has one (RFM grid cells and thresholds, the user's rules), not the decision
# tree's approximation of it; clusters get the tree's rules.
method_info = segmentation.method_info
written = method_info.segment_rules(segmentation)
if written is not None:
    sizes["rule"] = sizes["segment"].map(lambda s: written.get(s, method_info.no_rule))
else:
    sizes["rule"] = sizes["segment"].map(lambda s: validation.segment_rules.get(s, ""))
# Every segment on screen, no inner scrolling: the table is as tall as its rows. Rows taller than 4rem let
# long rules (RFM cells over two score ranges) wrap instead of being cut at the column edge.
row_height = 66 if sizes["rule"].str.len().max() > 80 else 35
height = 40 + row_height * len(sizes)
left, right = st.columns([1, 4])
with left:
    st.altair_chart(segment_sizes_chart(sizes, segmentation.segments, row_height=row_height), width="stretch")
with right:
    st.dataframe(sizes, hide_index=True, width="stretch", height=height, row_height=row_height,
                 # Fixed widths that fit a laptop screen; long rules wrap in the taller rows.
                 column_config={"segment": st.column_config.TextColumn(width=170),
                                "customers": st.column_config.NumberColumn(width="small"),
                                "share": st.column_config.NumberColumn(format="percent", width="small"),
                                "rule": st.column_config.TextColumn("rule in plain words", width=380)})

st.page_link("views/profiles.py", label="Next: profiles, KPIs and the action plan", icon=":material/arrow_forward:")
