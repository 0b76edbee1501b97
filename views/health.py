"""Health & revenue: where the MRR moves, who is about to leave, what drives it, how trials convert, which leads fit."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.customers import require_customers

st.title("Health & revenue")
require_customers("health and revenue need a customers export, or transactions with a customer id.")

dataset = state.dataset()
segmentation = state.get(state.SEGMENTATION)
# One tab per question; each tab's view lives in its own ui module and reads the same Dataset as the CLI.
tab_mrr, tab_health, tab_drivers, tab_conversion, tab_leads = st.tabs(
    ["MRR movements", "Health score", "Drivers", "Conversion", "Lead fit"])
with tab_mrr:
    from ui import revenue_view  # here, not at the top: each tab's line stays its own for merges

    revenue_view.render(dataset, segmentation)
with tab_health:
    st.caption("Health score: not built yet.")  # ui.health_view (issue 15, item 2)
with tab_drivers:
    st.caption("Drivers: not built yet.")  # ui.drivers_view (issue 15, item 3)
with tab_conversion:
    st.caption("Conversion: not built yet.")  # ui.conversion_view (issue 15, item 4)
with tab_leads:
    st.caption("Lead fit: not built yet.")  # ui.leads_view (issue 15, item 5)
