"""The Drivers tab: for an outcome of any kind, which single split of which variable separates it most, in
sentences, with the lift of each. The ranking is `segmentation.drivers`, as a notebook would call it."""

from __future__ import annotations

import streamlit as st

from segmentation.charts.health import lift_chart
from segmentation.drivers import find_drivers
from segmentation.errors import DataError
from segmentation.outcomes import outcome_choices, outcome_label
from ui.health_view import variable_options
from ui.memo import memo


def render(dataset, segmentation=None) -> None:
    try:
        frame = dataset.customer_table().frame
    except DataError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    roles = dataset.roles["customers"]
    kinds = outcome_choices(frame, roles)
    if not kinds:
        st.info("Drivers need an outcome: map a churn date, a status, a conversion or a campaign response column "
                "on the Data page.")
        st.page_link("views/data.py", label="Go to Data", icon=":material/upload_file:")
        return
    outcome = st.selectbox("Outcome", list(kinds), key="drivers_outcome",
                           format_func=lambda c: outcome_label(c, kinds[c], roles))
    options = variable_options(frame, kinds)
    variables = st.multiselect("Variables", options, default=options, key=f"drivers_vars_{dataset.version}")
    if not variables:
        st.info("Choose at least one variable.")
        return
    try:
        drivers = memo("drivers", (dataset.version, outcome, tuple(variables)),
                       lambda: find_drivers(frame, outcome=outcome, variables=variables, outcome_kind=kinds[outcome]))
    except DataError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.caption(f"Each variable split once, at its best threshold (a number) or one value against the rest (a "
               f"category); groups under 5% of the {drivers.customers:,} customers are not considered, and a "
               "split is named only when it would rarely arise by chance among all the splits tried.")
    if not drivers.signal:
        st.warning(drivers.summary, icon=":material/warning:")
    else:
        st.markdown("\n".join(f"{i}. {s[:1].upper()}{s[1:]}" for i, s in enumerate(drivers.sentences[:10], 1)))
        st.altair_chart(lift_chart(drivers), width="stretch")
    for note in drivers.notes:
        st.caption(f":material/info: {note}")
    with st.expander("Every variable's best split"):
        st.dataframe(drivers.table.drop(columns=["sentence"]), hide_index=True, width="stretch",
                     column_config={"share": st.column_config.NumberColumn("Share", format="percent"),
                                    "rate_in": st.column_config.NumberColumn("Rate in group", format="percent"),
                                    "rate_out": st.column_config.NumberColumn("Rate in the rest", format="percent")})
