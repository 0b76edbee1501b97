"""Profiles: who is in each segment, what they are worth, where they sit, and what to do about them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation.actions import PLAN_LABELS, align_plan, suggest_plan
from segmentation.charts import profiles as charts
from segmentation.charts.projection import customer_map
from segmentation.errors import DataError
from segmentation.export import assignments_csv, recipe_json, workbook
from segmentation.profiles import KPI_LABELS, kpi_columns, over_index, profile
from segmentation.projection import pca_map, runner, start_umap, warm_umap
from segmentation.rules import written_rules
from ui import state
from ui.customers import customer_table_or_stop
from ui.memo import memo
from ui.shell import ensure_app_shell

ensure_app_shell()

_RENAMES = state.RENAMES  # (method, variables, original names) -> shown names, survives refits
_PLAN_BASE = "_action_plan_base"  # what the plan editor starts from; edits are kept by the widget

st.title("Profiles")
segmentation = state.get(state.SEGMENTATION)
if segmentation is None or not state.has_customers():
    st.info("Segment your customers first: profiles describe the segments you made.")
    st.page_link("pages/segment.py", label="Go to Segment", icon=":material/donut_small:")
    st.stop()
frame = customer_table_or_stop()
warm_umap()  # compiles UMAP in the background so "Refine with UMAP" is quick later

# Names given here survive going back to the Segment page (which stores the method's own names).
shown = dict(segmentation.state.get("display_names", {}))
signature = (segmentation.method, segmentation.variables, tuple(shown) or segmentation.segments)
saved_names = st.session_state.setdefault(_RENAMES, {}).get(signature)
if saved_names and not shown:
    segmentation = segmentation.renamed(saved_names)
    state.put(state.SEGMENTATION, segmentation)
    shown = dict(saved_names)
validation = state.get(state.VALIDATION)
if segmentation.method == "rules":  # the user's own rules, not the decision tree's approximation of them
    rules = written_rules(segmentation)
else:
    rules = {shown.get(k, k): v for k, v in (validation.segment_rules if validation is not None else {}).items()}
version = state.data_version()
kpis = kpi_columns(frame, state.roles().get("customers"))
try:
    profiles = memo("profiles", (version, id(segmentation), segmentation.segments, tuple(kpis.items())),
                    lambda: profile(frame, segmentation, rules=rules, **kpis))
except DataError as exc:
    st.error(str(exc))
    st.stop()

# -- the table --------------------------------------------------------------------------------------
st.caption(f"{len(segmentation.segments)} segments by {segmentation.method} on "
           f"{', '.join(segmentation.variables)}.")
table = profiles.table()
percent = [KPI_LABELS[k] for k in ("share_of_customers", "share_of_revenue", "churn_rate", "monthly_churn_rate",
                                   "conversion_rate") if KPI_LABELS[k] in table.columns]
numbers = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c]) and c not in percent]
st.dataframe(table, width="stretch",
             column_config={c: st.column_config.NumberColumn(c, format="localized") for c in numbers}
             | {c: st.column_config.NumberColumn(c, format="percent") for c in percent}
             | {"rule": st.column_config.TextColumn("rule in plain words", width="large")})
for note in profiles.notes:
    st.caption(f":material/info: {note}")
with st.expander("How the KPIs are computed"):
    st.markdown("\n".join(f"- **{KPI_LABELS.get(k, k)}**: {v}" for k, v in profiles.definitions.items()))

# -- renaming ---------------------------------------------------------------------------------------
with st.expander("Rename segments", icon=":material/edit:"):
    names = pd.DataFrame({"segment": list(segmentation.segments),
                          "suggested": [profiles.names.get(s, "") for s in segmentation.segments],
                          "new name": list(segmentation.segments)})
    edited = st.data_editor(names, hide_index=True, disabled=["segment", "suggested"], width="stretch",
                            key=f"rename_{hash(segmentation.segments)}")
    left, right = st.columns(2)
    use_suggested = left.button("Use the suggested names", icon=":material/auto_awesome:")
    if right.button("Apply names", type="primary", icon=":material/check:") or use_suggested:
        wanted = edited["suggested" if use_suggested else "new name"].fillna("").astype(str).str.strip()
        mapping = {old: new or old for old, new in zip(edited["segment"], wanted)}
        try:
            renamed = segmentation.renamed(mapping)
        except DataError as exc:
            st.error(str(exc))
        else:
            state.put(state.SEGMENTATION, renamed)
            st.session_state[_RENAMES][signature] = dict(renamed.state["display_names"])
            if state.get(state.ACTION_PLAN) is not None:  # the plan, edits included, follows the names
                plan = align_plan(state.get(state.ACTION_PLAN), renamed.segments, renamed=mapping)
                state.put(state.ACTION_PLAN, plan)
                state.put(_PLAN_BASE, plan)
            st.rerun()

# -- charts -----------------------------------------------------------------------------------------
kpi_tab, variables_tab, lift_tab, funnel_tab = st.tabs(["KPIs", "Variables", "Lift", "Trial funnel"])
with kpi_tab:
    st.caption("Each bar is a segment; the dashed line is all customers.")
    st.altair_chart(charts.kpi_bars(profiles))
with variables_tab:
    stat = st.segmented_control("Statistic", ["median", "mean"], default="median", key="profile_stat") or "median"
    if len(profiles.medians.columns):
        st.altair_chart(charts.variable_bars(profiles, stat=stat))
    else:
        st.info("The segmentation variables are not numeric; see the top levels in the table above.")
with lift_tab:
    st.altair_chart(charts.lift_heatmap(profiles), width="stretch")
with funnel_tab:
    if profiles.funnel.empty:
        st.info("Map the trial-to-paid column on the Data page to see the funnel.")
    else:
        st.altair_chart(charts.funnel_chart(profiles))

# -- ideal customer ---------------------------------------------------------------------------------
st.subheader("Ideal customer profile")
choices = [k for k in ("ltv", "churn_rate", "mrr_mean", "conversion_rate", "nps", "share_of_revenue")
           if k in profiles.summary.columns]
customer_roles = state.roles().get("customers")
id_column = customer_roles.get("customer_id") if customer_roles is not None else None
attributes = [c.name for c in getattr(customer_roles, "columns", ())
              if c.level in ("categorical", "boolean", "numeric") and c.name in frame.columns and c.name != id_column]
left, right = st.columns([1, 3])
with left:
    by = st.selectbox("Best segment by", choices or ["customers"], key="best_by",
                      format_func=lambda k: ("lowest " if k == "churn_rate" else "highest ") + KPI_LABELS.get(k, k))
    best = st.selectbox("Segment", profiles.segments, index=list(profiles.segments).index(profiles.best_segment(by)),
                        key=f"best_{by}_{hash(profiles.segments)}")
    chosen = st.multiselect("Attributes", attributes, default=attributes[:8], key=f"icp_attributes_{version}")
with right:
    if chosen:
        table_oi = memo("over_index", (version, id(segmentation), best, tuple(chosen)),
                        lambda: over_index(frame, segmentation.labels, best, chosen))
        st.altair_chart(charts.over_index_chart(table_oi, segment=best), width="stretch")
    else:
        st.info("Pick attributes to compare.")

# -- customer map -----------------------------------------------------------------------------------
st.subheader("Customer map")
variables = [v for v in segmentation.variables if v in frame.columns]
tooltip = list(dict.fromkeys([*variables, *(c for c in ("company", "plan") if c in frame.columns)]))
try:
    pca = memo("pca_map", (version, id(segmentation)), lambda: pca_map(frame, segmentation.labels, variables=variables))
except DataError as exc:
    st.info(f"No map: {exc}")
    pca = None
if pca is not None:
    refine = st.toggle("Refine with UMAP", key="umap_on",
                       help="UMAP keeps neighbourhoods, so separate segments show as islands. It runs in the "
                            "background on up to 10,000 customers; the first run compiles for about a minute.")
    attempt = st.session_state.get("umap_attempt", 0)
    job = memo("umap_job", (version, id(segmentation), attempt),
               lambda: start_umap(frame, segmentation.labels, variables=variables)) if refine else None

    shown, note = pca, (pca.notes[0] if pca.notes else "")
    if job is not None and job[1].done():
        key, future = job
        if future.cancelled() or future.exception() is not None:
            reason = "it was stopped." if future.cancelled() else future.exception()
            st.warning(f"UMAP failed: {reason} The PCA map is shown instead.")
            if st.button("Try UMAP again", icon=":material/refresh:"):
                st.session_state["umap_attempt"] = attempt + 1
                st.rerun()
        else:
            shown = future.result()
            note = " ".join(shown.notes)
    elif job is not None:
        key, future = job

        @st.fragment(run_every=2)
        def _progress() -> None:
            """Polls the background job without rerunning the page; one full rerun shows the result."""
            if future.done():
                st.rerun()
            first = "" if runner().warmed else " The first map of this server compiles UMAP first (about a minute)."
            st.status(f"UMAP is running in the background ({runner().elapsed(key):.0f} s).{first} The PCA map "
                      "stays usable meanwhile.", state="running")

        _progress()
    st.altair_chart(customer_map(shown, frame, tooltip_columns=tooltip, segments=profiles.segments),
                    width="stretch")
    if note:
        st.caption(note)

# -- action plan ------------------------------------------------------------------------------------
st.subheader("Action plan")
st.caption("A first draft from each segment's profile; edit every cell. A segment's plan counts as filled "
           "when it has a goal, a success metric and an owner.")
base = state.get(_PLAN_BASE)
if base is None or state.get(state.ACTION_PLAN) is None or list(base["segment"]) != list(segmentation.segments):
    suggested = suggest_plan(profiles)
    base = align_plan(state.get(state.ACTION_PLAN), segmentation.segments)
    blank = base.drop(columns="segment").eq("").all(axis=1)
    base.loc[blank, :] = suggested.loc[blank.to_numpy(), :].to_numpy()
    state.put(_PLAN_BASE, base)
if st.button("Reset to the suggestions", icon=":material/restart_alt:"):
    state.put(_PLAN_BASE, suggest_plan(profiles))
    st.session_state.pop(f"plan_{version}_{hash(segmentation.segments)}", None)
    st.rerun()
plan = st.data_editor(state.get(_PLAN_BASE), hide_index=True, width="stretch", disabled=["segment"],
                      key=f"plan_{version}_{hash(segmentation.segments)}",
                      column_config={c: st.column_config.TextColumn(label) for c, label in PLAN_LABELS.items()})
state.put(state.ACTION_PLAN, plan)

# -- downloads --------------------------------------------------------------------------------------
st.subheader("Downloads")
id_name = id_column or "customer_id"
columns = list(dict.fromkeys([*variables, *(c for c in ("company",) if c in frame.columns)]))
left, middle, right = st.columns(3)
left.download_button("Assignments (CSV)", lambda: assignments_csv(frame, segmentation, id_name=id_name,
                                                                  columns=columns),
                     file_name="segments.csv", mime="text/csv", icon=":material/download:", on_click="ignore")
middle.download_button("Workbook (XLSX)", lambda: workbook(frame, segmentation, id_name=id_name, columns=columns,
                                                           profiles=profiles, validation=validation,
                                                           action_plan=plan, cohorts=state.get(state.COHORTS)),
                       file_name="segments.xlsx", on_click="ignore", icon=":material/table_view:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
right.download_button("Segment recipe (JSON)", lambda: recipe_json(segmentation, action_plan=plan,
                                                                   profiles_names=profiles.names),
                      file_name="segment_recipe.json", mime="application/json", on_click="ignore",
                      icon=":material/receipt_long:", help="Re-apply these segments to next month's export on the "
                                                           "Track page or with `python -m segmentation assign`.")
st.page_link("pages/track.py", label="Next: re-apply to a newer export and track moves",
             icon=":material/arrow_forward:")
