"""The customer map on the Profiles page: PCA at once, UMAP in the background when asked for."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from segmentation.charts.projection import customer_map
from segmentation.errors import DataError
from segmentation.projection import pca_map
from ui import state
from ui.memo import memo
from ui.umap_worker import runner, start_umap

__all__ = ["map_variables", "customer_map_section"]

_ATTEMPT = "umap_attempt"  # bumped by "Try UMAP again" so the failed job is not reused
_UMAP_HELP = ("UMAP keeps neighbourhoods, so separate segments show as islands. It runs in the background on up "
              "to 10,000 customers; the first run compiles for about a minute.")


def map_variables(frame: pd.DataFrame, segmentation) -> list[str]:
    """The segmentation variables the customer table still has."""
    return [v for v in segmentation.variables if v in frame.columns]


def customer_map_section(frame: pd.DataFrame, segmentation, *, segments: Sequence[str]) -> None:
    """The PCA map, a "Refine with UMAP" toggle, and the UMAP map once its background job is done."""
    version = state.data_version()
    variables = map_variables(frame, segmentation)
    tooltip = list(dict.fromkeys([*variables, *(c for c in ("company", "plan") if c in frame.columns)]))
    try:
        pca = memo("pca_map", (version, id(segmentation)),
                   lambda: pca_map(frame, segmentation.labels, variables=variables))
    except DataError as exc:
        st.info(f"No map: {exc}")
        return
    refine = st.toggle("Refine with UMAP", key="umap_on", help=_UMAP_HELP)
    attempt = st.session_state.get(_ATTEMPT, 0)
    job = memo("umap_job", (version, id(segmentation), attempt),
               lambda: start_umap(frame, segmentation.labels, variables=variables)) if refine else None

    projection, note = pca, (pca.notes[0] if pca.notes else "")
    if job is not None and job[1].done():
        future = job[1]
        if future.cancelled() or future.exception() is not None:
            reason = "it was stopped." if future.cancelled() else future.exception()
            st.warning(f"UMAP failed: {reason} The PCA map is shown instead.")
            if st.button("Try UMAP again", icon=":material/refresh:"):
                st.session_state[_ATTEMPT] = attempt + 1
                st.rerun()
        else:
            projection = future.result()
            note = " ".join(projection.notes)
    elif job is not None:
        _umap_progress(*job)
    st.altair_chart(customer_map(projection, frame, tooltip_columns=tooltip, segments=segments), width="stretch")
    if note:
        st.caption(note)


@st.fragment(run_every=2)
def _umap_progress(key: str, future) -> None:
    """Polls the background job without rerunning the page; one full rerun shows the result."""
    if future.done():
        st.rerun()
    first = "" if runner().warmed else " The first map of this server compiles UMAP first (about a minute)."
    st.status(f"UMAP is running in the background ({runner().elapsed(key):.0f} s).{first} The PCA map "
              "stays usable meanwhile.", state="running")
