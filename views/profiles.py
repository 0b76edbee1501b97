"""Profiles: who is in each segment, what they are worth, where they sit, and what to do about them."""

from __future__ import annotations

import streamlit as st

from segmentation.charts import profiles as charts
from segmentation.export import assignments_csv, recipe_json, workbook
from ui import state
from ui.action_plan import plan_editor
from ui.customer_map import customer_map_section
from ui.customers import customer_table_or_stop
from ui.profile_views import (ICP_NEEDS_FIRMOGRAPHICS, best_by_label, best_by_options, export_columns,
                              icp_attributes, id_column, over_index_of, profiles_or_stop, table_column_config)
from ui.renames import rename_expander, with_saved_names
from ui.umap_worker import warm_umap


st.title("Profiles")
segmentation = state.get(state.SEGMENTATION)
if segmentation is None or not state.has_customers():
    st.info("Segment your customers first: profiles describe the segments you made.")
    st.page_link("views/segment.py", label="Go to Segment", icon=":material/donut_small:")
    st.stop()
frame = customer_table_or_stop()
warm_umap()  # compiles UMAP in the background so "Refine with UMAP" is quick later
segmentation = with_saved_names(segmentation)  # names given here survive going back to the Segment page
validation = state.get(state.VALIDATION)
profiles = profiles_or_stop(frame, segmentation, validation)

# -- the table --------------------------------------------------------------------------------------
st.caption(f"{len(segmentation.segments)} segments by {segmentation.method_info.label} on "
           f"{', '.join(segmentation.variables)}. Point at a column's name to see how it is computed.")
table = profiles.table()
st.dataframe(table, width="stretch", column_config=table_column_config(table, profiles.column_help()))
for note in profiles.notes:
    st.caption(f":material/info: {note}")
with st.expander("How the KPIs are computed"):
    st.markdown("\n".join(f"- **{profiles.label(k)}**: {v}" for k, v in profiles.definitions.items()))
rename_expander(segmentation, suggested=profiles.names)

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
attributes = icp_attributes(frame)
if not attributes:  # transactions only: nothing describes who the customers are
    st.info(ICP_NEEDS_FIRMOGRAPHICS, icon=":material/info:")
else:
    left, right = st.columns([1, 3])
    with left:
        by = st.selectbox("Best segment by", best_by_options(profiles), key="best_by",
                          format_func=lambda kpi: best_by_label(kpi, profiles))
        best = st.selectbox("Segment", profiles.segments,
                            index=list(profiles.segments).index(profiles.best_segment(by)),
                            key=f"best_{by}_{hash(profiles.segments)}")
        chosen = st.multiselect("Attributes", attributes, default=attributes[:8],
                                key=f"icp_attributes_{state.data_version()}")
    with right:
        if chosen:
            st.altair_chart(charts.over_index_chart(over_index_of(frame, segmentation, best, chosen), segment=best),
                            width="stretch")
        else:
            st.info("Pick attributes to compare.")

# -- customer map -----------------------------------------------------------------------------------
st.subheader("Customer map")
customer_map_section(frame, segmentation, segments=profiles.segments)

# -- action plan ------------------------------------------------------------------------------------
st.subheader("Action plan")
st.caption("A first draft from each segment's profile; edit every cell. A segment's plan counts as filled "
           "when it has a goal, a success metric and an owner.")
plan = plan_editor(segmentation, profiles)

# -- downloads --------------------------------------------------------------------------------------
st.subheader("Downloads")
id_name = id_column() or "customer_id"
columns = export_columns(frame, segmentation)
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
st.page_link("views/track.py", label="Next: re-apply to a newer export and track moves",
             icon=":material/arrow_forward:")
