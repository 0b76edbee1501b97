"""Health & revenue: where the MRR moves, who is about to leave, what drives it, how trials convert, which leads fit."""

from __future__ import annotations

import streamlit as st

from ui import drivers_view, health_view, state
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
    health_view.render(dataset, segmentation)
with tab_drivers:
    drivers_view.render(dataset, segmentation)
with tab_conversion:
    from ui import conversion_view; conversion_view.render(dataset, segmentation)  # noqa: E702 (one line: merges)
with tab_leads:
    from ui import leads_view; leads_view.render(dataset, segmentation)  # noqa: E702 (one line: merges)
