"""The workbench: a router and a frame. Each step is a page in views/; the work happens in segmentation/."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from ui import state, workspace
from ui.access import gate
from ui.loading import load_sample
from ui.warm import warm_up

st.set_page_config(page_title="Segmentation workbench", page_icon=":material/donut_small:", layout="wide")
gate()  # served on a network address, nothing shows before a login (ui/access.py)

HERE = Path(__file__).resolve().parent
PAGES = [
    ("views/data.py", "Data", ":material/upload_file:"),
    ("views/segment.py", "Segment", ":material/donut_small:"),
    ("views/profiles.py", "Profiles", ":material/badge:"),
    ("views/cohorts.py", "Cohorts", ":material/grid_on:"),
    ("views/track.py", "Track", ":material/compare_arrows:"),
    ("views/health.py", "Health & revenue", ":material/monitor_heart:"),
]

# A fresh session whose address names a saved workspace (a reload, a bookmark, a restart) gets it back.
workspace.reopen_on_start()

# A first visit opens on the bundled sample so there is something to explore at once;
# SEGMENTATION_NO_SAMPLE=1 starts empty (e.g. for a team that only uses its own exports).
if not state.has_customers() and not st.session_state.get("_sample_offered") \
        and os.environ.get("SEGMENTATION_NO_SAMPLE") != "1":
    st.session_state["_sample_offered"] = True
    sample = load_sample()
    if sample.has_customers:
        state.set_data(sample)
        warm_up(sample)  # once per server: the sample's first Segment and Profiles visits read finished results

with st.sidebar:
    st.caption("Loaded")
    if state.tables():  # an orders export waiting for its customer id column counts too
        st.markdown(f"**{state.source() or 'Your data'}**")
        for kind, table in state.tables().items():
            st.caption(f"{kind}: {len(table.frame):,} rows · {table.name}")
    else:
        st.caption("Nothing yet: start on the Data page.")
    workspace.sidebar()

workspace.show_notice()
pages = [st.Page(path, title=title, icon=icon) for path, title, icon in PAGES if (HERE / path).exists()]
try:
    st.navigation(pages).run()
finally:
    workspace.autosave()  # the open workspace follows every change (a digest when nothing changed)
