"""The action-plan editor on the Profiles page: a draft from the profiles that keeps the user's edits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from segmentation.actions import PLAN_LABELS, align_plan, suggest_plan
from ui import state

__all__ = ["PLAN_BASE", "plan_editor", "plan_base", "follow_renames", "fill_blank_rows"]

# What the plan editor starts from; the editor widget keeps the edits made on top of it.
PLAN_BASE = "_action_plan_base"


def plan_editor(segmentation, profiles) -> pd.DataFrame:
    """A reset button and the editable plan, one row per segment; the edited plan is stored and returned."""
    key = f"plan_{state.data_version()}_{hash(segmentation.segments)}"
    plan_base(segmentation.segments, profiles)
    if st.button("Reset to the suggestions", icon=":material/restart_alt:"):
        state.put(PLAN_BASE, suggest_plan(profiles))
        st.session_state.pop(key, None)  # the widget would otherwise replay the old edits
        st.rerun()
    plan = st.data_editor(state.get(PLAN_BASE), hide_index=True, width="stretch", disabled=["segment"], key=key,
                          column_config={c: st.column_config.TextColumn(label) for c, label in PLAN_LABELS.items()})
    state.put(state.ACTION_PLAN, plan)
    return plan


def plan_base(segments: Sequence[str], profiles) -> pd.DataFrame:
    """What the editor starts from: the last plan (edits kept) on the current segments, blank rows suggested.

    Rebuilt only when the segments changed or no plan exists, so edits survive reruns and page visits.
    """
    base = state.get(PLAN_BASE)
    if base is None or state.get(state.ACTION_PLAN) is None or list(base["segment"]) != list(segments):
        base = fill_blank_rows(align_plan(state.get(state.ACTION_PLAN), segments), suggest_plan(profiles))
        state.put(PLAN_BASE, base)
    return base


def follow_renames(segments: Sequence[str], renamed: Mapping[str, str]) -> None:
    """Carry the stored plan, edits included, over to renamed segments (old name -> new in `renamed`)."""
    if state.get(state.ACTION_PLAN) is None:
        return
    plan = align_plan(state.get(state.ACTION_PLAN), segments, renamed=renamed)
    state.put(state.ACTION_PLAN, plan)
    state.put(PLAN_BASE, plan)


def fill_blank_rows(plan: pd.DataFrame, suggested: pd.DataFrame) -> pd.DataFrame:
    """`plan` with every row that is blank apart from its segment taken from `suggested` (same rows, same order).

    Pure; a candidate for segmentation/actions.py.
    """
    out = plan.copy()
    blank = out.drop(columns="segment").eq("").all(axis=1)
    out.loc[blank, :] = suggested.loc[blank.to_numpy(), :].to_numpy()
    return out
