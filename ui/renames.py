"""Segment names given on the Profiles page: applied, remembered across refits, followed by the plan.

The Segment page refits and stores the method's own names again; the names a user chose are kept
by (method, variables, the method's own names) so they come back (see `state.saved_names`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from segmentation.errors import DataError
from ui import state
from ui.action_plan import follow_renames

__all__ = ["with_saved_names", "apply_names", "names_from_editor", "rename_expander"]


def with_saved_names(segmentation):
    """`segmentation` under the names the user gave it before (stored in the session), else as it is."""
    names = state.saved_names(segmentation)
    if not names or segmentation.state.get("display_names"):
        return segmentation
    renamed = segmentation.renamed(names)
    state.put(state.SEGMENTATION, renamed)
    return renamed


def apply_names(segmentation, mapping: Mapping[str, str]):
    """Rename the session's segments, remember the names for later refits and move the plan along.

    Raises DataError (and changes nothing) when two segments would share a name.
    """
    renamed = segmentation.renamed(mapping)
    state.put(state.SEGMENTATION, renamed)
    state.save_names(segmentation, renamed.state["display_names"])
    follow_renames(renamed.segments, mapping)
    return renamed


def names_from_editor(edited: pd.DataFrame, *, column: str) -> dict[str, str]:
    """Old name -> wanted name from the rename editor's `column`; a blank cell keeps the old name."""
    wanted = edited[column].fillna("").astype(str).str.strip()
    return {old: new or old for old, new in zip(edited["segment"], wanted)}


def rename_expander(segmentation, *, suggested: Mapping[str, str]) -> None:
    """The "Rename segments" expander: an editor of new names, the profile's suggestions, two buttons."""
    with st.expander("Rename segments", icon=":material/edit:"):
        names = pd.DataFrame({"segment": list(segmentation.segments),
                              "suggested": [suggested.get(s, "") for s in segmentation.segments],
                              "new name": list(segmentation.segments)})
        edited = st.data_editor(names, hide_index=True, disabled=["segment", "suggested"], width="stretch",
                                key=f"rename_{hash(segmentation.segments)}")
        left, right = st.columns(2)
        use_suggested = left.button("Use the suggested names", icon=":material/auto_awesome:")
        if right.button("Apply names", type="primary", icon=":material/check:") or use_suggested:
            try:
                apply_names(segmentation, names_from_editor(edited, column="suggested" if use_suggested
                                                            else "new name"))
            except DataError as exc:
                st.error(str(exc))
            else:
                st.rerun()
