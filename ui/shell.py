"""Make sure every page runs inside app.py's frame (navigation, sidebar, sample on first visit)."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_app_shell() -> None:
    """Rerun through app.py when Streamlit ran this page on its own.

    A fresh server treats the `pages/` folder as an old-style multipage app until app.py has
    called st.navigation once, so opening /segment directly (or reloading it) would run the
    page without the shell. Switching that mode off and rerunning routes the request
    through app.py, which then runs the page the URL asked for.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
