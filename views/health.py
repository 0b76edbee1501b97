"""Health & revenue: where the MRR moves, who is about to leave, what drives it, how trials convert, which leads fit."""

from __future__ import annotations

import streamlit as st

from ui import conversion_view, drivers_view, health_view, leads_view, revenue_view, state
from ui.customers import require_customers

TAB = "health_tab"  # the open tab's label, in session state
TABS = {"MRR movements": revenue_view, "Health score": health_view, "Drivers": drivers_view,
        "Conversion": conversion_view, "Lead fit": leads_view}
# Only the open tab runs, so a closed tab's widgets are not drawn and Streamlit would forget their values: written
# back here, the choices made on a tab are still there when it is opened again. (A file upload or a table edit
# cannot be written back; those tabs keep what they need themselves.)
_KEEP = ("mrr_split", "mrr_group", "mrr_month", "mrr_movement", "health_as_of_on", "health_window", "health_as_of",
         "health_outcome", "health_at_risk", "health_watch", "drivers_outcome", "conversion_split", "leads_outcome")
_KEEP_PREFIXES = ("health_vars_", "drivers_vars_")

st.title("Health & revenue")
require_customers("health and revenue need a customers export, or transactions with a customer id.")

for key in list(st.session_state):
    if key in _KEEP or (isinstance(key, str) and key.startswith(_KEEP_PREFIXES)):
        st.session_state[key] = st.session_state[key]

dataset = state.dataset()
segmentation = state.get(state.SEGMENTATION)
# One tab per question; each tab's view lives in its own ui module and reads the same Dataset as the CLI. Only the
# open tab's view runs: a click on one tab does not recompute the other four.
for tab, view in zip(st.tabs(list(TABS), key=TAB, on_change="rerun"), TABS.values()):
    if tab.open:
        with tab:
            view.render(dataset, segmentation)
