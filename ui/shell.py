"""Make sure every page runs inside app.py's frame (navigation, sidebar, sample on first visit)."""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

APP = Path(__file__).resolve().parent.parent / "app.py"


def ensure_app_shell() -> None:
    """Run app.py around this page when Streamlit ran the page on its own.

    Until app.py has called st.navigation once, Streamlit treats the `pages/` folder as an
    old-style multipage app, so opening /segment directly on a fresh server runs the page
    without the shell (and AppTest does so on every run). Switching that mode off and running
    app.py in this same run routes the request through the shell, which runs the page the URL
    asked for; widget events of this run (a button click) are kept, unlike with st.rerun.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(APP), run_name="__main__")
        st.stop()
