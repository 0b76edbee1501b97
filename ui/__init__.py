"""Streamlit-side helpers shared by the pages: session state, cached calls, small widgets.

Only the app imports this package; the library (`segmentation/`) never does.
"""
