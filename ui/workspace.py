"""Saved workspaces in the app: the sidebar's Save / Open / Duplicate / Delete, the URL that reopens one,
reopening after a restart or an expired session, autosave, and the Track page's history.

The store is `segmentation.store` (a DuckDB file, or PostgreSQL); this module only moves what the pages
keep in `st.session_state` (see ui/state.py) into a `Workspace` and back.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd
import streamlit as st

from segmentation.errors import DataError
from segmentation.store import Workspace, WorkspaceInfo, open_store
from ui import state
from ui.action_plan import PLAN_BASE

__all__ = ["QUERY_KEY", "SETTINGS", "reopen_on_start", "sidebar", "autosave", "current", "show_notice",
           "record_scoring", "history_section"]

QUERY_KEY = "workspace"           # ?workspace=<id> in the URL
CURRENT = "_workspace"            # the WorkspaceInfo of the open workspace
SETTINGS = "_workspace_settings"  # free-form settings saved with the workspace (health score, ...)
_CHECKED = "_workspace_checked"   # this session has looked for a workspace to reopen
_NOTICE = "_workspace_notice"     # (kind, text) shown at the top of the next run
_SAVED = "_workspace_signature"   # what the last save or open held, so autosave writes only changes
_FAILED = "_workspace_failed"     # the id that could not be reopened, for the "Try again" button
_CONFIRM = "_workspace_confirm_delete"
_RECORDED = "_workspace_recorded"  # scorings already kept as snapshots in this session
# The Segment page's inputs as last seen, with the data version they belong to: Streamlit forgets a widget's
# value once its page is left, and a save made from another page must still hold them.
_SEGMENT_SEEN = "_workspace_segment_settings"
# The Segment page's inputs, by widget key; "{v}" is the data version the key carries.
_SEGMENT_KEYS = ("method", "kmeans_vars_{v}", "auto_k", "k", "rfm_saas", "rules_text_{v}", "segment_outcome")


def _store():
    return open_store()


def user() -> str | None:
    """The signed-in user's e-mail when login is on, else None (every workspace is visible)."""
    try:
        if st.user.get("is_logged_in"):
            return st.user.get("email") or st.user.get("name")
    except Exception:  # no auth configured: st.user has nothing to say
        return None
    return None


def current() -> WorkspaceInfo | None:
    return st.session_state.get(CURRENT)


def _notify(kind: str, text: str) -> None:
    st.session_state[_NOTICE] = (kind, text)


def show_notice() -> None:
    """The message of the last workspace action (or of reopening), shown once, where the user looks."""
    notice = st.session_state.pop(_NOTICE, None)
    if notice is None:
        return
    kind, text = notice
    {"success": st.success, "error": st.error, "info": st.info}[kind](text, icon={
        "success": ":material/check_circle:", "error": ":material/error:", "info": ":material/history:"}[kind])


# -- session <-> workspace ------------------------------------------------------------------------
def _segment_settings() -> dict[str, Any]:
    version = state.data_version()
    seen = st.session_state.get(_SEGMENT_SEEN)
    settings = dict(seen[1]) if seen and seen[0] == version else {}
    for key in _SEGMENT_KEYS:
        name = key.format(v=version)
        if name in st.session_state:
            settings[key.replace("_{v}", "")] = st.session_state[name]
    transforms = {k[len("transform_"):-len(f"_{version}")]: v for k, v in st.session_state.items()
                  if isinstance(k, str) and k.startswith("transform_") and k.endswith(f"_{version}")}
    settings["transforms"] = {**settings.get("transforms", {}), **transforms}
    st.session_state[_SEGMENT_SEEN] = (version, dict(settings))
    renames = st.session_state.get(state.RENAMES, {})
    settings["renames"] = [[m, list(v), list(o), names] for (m, v, o), names in renames.items()]
    segmentation = state.get(state.SEGMENTATION)
    if segmentation is not None and segmentation.method == "RFM":
        settings["rfm_grid"] = segmentation.params.get("grid")
    return settings


def _from_session(name: str) -> Workspace:
    segmentation = state.get(state.SEGMENTATION)
    data = state.dataset()
    outcome = {}
    chosen = st.session_state.get("segment_outcome")
    if chosen is not None and data is not None and data.has_customers:
        outcome = {"column": chosen, "kind": data.roles["customers"].outcome_kind}
    return Workspace(name=name, dataset=data, segmentation=segmentation,
                     segment_names=dict(segmentation.state.get("display_names", {})) if segmentation else {},
                     action_plan=state.get(state.ACTION_PLAN), outcome=outcome,
                     segment_settings=_segment_settings(), settings=dict(st.session_state.get(SETTINGS, {})))


def _signature(workspace: Workspace) -> str:
    """What a save would hold, as a digest: the data's version, the segments, plan, names and settings."""
    plan = workspace.action_plan
    parts = [workspace.name, getattr(workspace.dataset, "version", None),
             workspace.segmentation.fingerprint if workspace.segmentation is not None else None,
             plan.to_json() if plan is not None else None, json.dumps(workspace.segment_settings, default=str,
                                                                      sort_keys=True),
             json.dumps(workspace.settings, default=str, sort_keys=True), json.dumps(workspace.outcome, default=str)]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _into_session(workspace: Workspace) -> None:
    """Put a saved workspace where the pages look: Data, Segment, Profiles and Track read it from here."""
    if workspace.dataset is not None:
        state.set_data(workspace.dataset)  # clears results fitted on other data; bumps the data version
    else:
        st.session_state.pop(state.DATASET, None)
    version = state.data_version()
    settings = dict(workspace.segment_settings)
    for key in _SEGMENT_KEYS:
        short = key.replace("_{v}", "")
        if short in settings and settings[short] is not None:
            st.session_state[key.format(v=version)] = settings[short]
    for variable, transform in (settings.get("transforms") or {}).items():
        st.session_state[f"transform_{variable}_{version}"] = transform
    st.session_state[_SEGMENT_SEEN] = (version, {k: v for k, v in settings.items()
                                                 if k not in ("renames", "rfm_grid")})
    st.session_state[state.RENAMES] = {(m, tuple(v), tuple(o)): dict(names)
                                       for m, v, o, names in settings.get("renames", [])}
    st.session_state[state.RFM_GRID] = settings.get("rfm_grid")
    if workspace.segmentation is not None:
        state.put(state.SEGMENTATION, workspace.segmentation)
        if workspace.segment_names:
            state.save_names(workspace.segmentation, dict(workspace.segment_names))
    if workspace.action_plan is not None:
        state.put(state.ACTION_PLAN, workspace.action_plan)
        state.put(PLAN_BASE, workspace.action_plan)
    st.session_state[SETTINGS] = dict(workspace.settings)
    st.session_state[_RECORDED] = set()


def _opened(info: WorkspaceInfo) -> None:
    st.session_state[CURRENT] = info
    st.query_params[QUERY_KEY] = info.id
    try:
        _store().remember_last(info.id, user=user())
    except DataError:
        pass  # reopening after a restart is a convenience; the workspace itself is open


def _open(workspace_id: str) -> WorkspaceInfo:
    """Open a workspace into the session (raises DataError, leaving the session as it was)."""
    store = _store()
    workspace = store.open(workspace_id, user=user())
    info = store.info(workspace_id, user=user())
    _into_session(workspace)
    _opened(info)
    st.session_state[_SAVED] = _signature(_from_session(info.name))
    return info


def reopen_on_start() -> None:
    """In a fresh session (a reload, a bookmark, a server restart, an expired session): reopen the workspace
    the URL names, else the last one this user had open, and say so plainly."""
    if st.session_state.get(_CHECKED):
        return
    st.session_state[_CHECKED] = True
    wanted = st.query_params.get(QUERY_KEY)
    try:
        if wanted:
            info = _open(wanted)
            _notify("info", f"The server restarted (or your session expired, or this is a reload or a bookmark); "
                            f"your saved workspace **{info.name}** was reopened as saved at "
                            f"{_when(info)}. Changes after that save were not kept.")
            return
        last = _store().last_opened(user=user())
        if last is not None:
            info = _open(last.id)
            _notify("info", f"Reopened your last workspace **{info.name}**, as saved at {_when(info)}.")
    except DataError as exc:
        st.session_state[_FAILED] = wanted
        _notify("error", f"Your saved workspace could not be reopened: {exc} Use **Try again** in the sidebar, "
                         "or open another one.")


def _when(info: WorkspaceInfo) -> str:
    return f"{info.updated_at:%Y-%m-%d %H:%M} UTC" if info.updated_at else "its last save"


# -- the sidebar ----------------------------------------------------------------------------------
def sidebar() -> None:
    """Save, Open, Duplicate, Delete (with a confirm) and the workspace's name; every button says what it did."""
    st.subheader("Workspace")
    info = current()
    failed = st.session_state.get(_FAILED)
    if failed:
        if st.button("Try again", key="ws_retry", icon=":material/refresh:",
                     help="Reopen the workspace the address names."):
            try:
                reopened = _open(failed)
            except DataError as exc:
                _notify("error", f"Still cannot reopen it: {exc}")
            else:
                st.session_state.pop(_FAILED, None)
                _notify("success", f"Reopened **{reopened.name}**.")
            st.rerun()
    name = st.text_input("Name", value=info.name if info else _default_name(), key=f"ws_name_{info.id if info else ''}",
                         help="Saved with the workspace; Save keeps a new version under this name.")
    st.caption(f"Version {info.version}, saved {_when(info)}; changes are saved as you go." if info else
               "Not saved yet: Save keeps the data, roles, segments, names, plan and history, and the address "
               "(URL) then reopens it.")
    left, right = st.columns(2)
    if left.button("Save", key="ws_save", type="primary", icon=":material/save:", width="stretch"):
        _save(name)
    if right.button("Duplicate", key="ws_duplicate", icon=":material/content_copy:", width="stretch",
                    disabled=info is None, help="A copy to try things on; the original stays as saved."):
        _duplicate(info, name)
    try:
        listed = _store().list(user=user())
    except DataError as exc:
        st.error(str(exc))
        listed = []
    others = {i.id: i for i in listed}
    if others:
        chosen = st.selectbox("Saved workspaces", list(others), key="ws_pick",
                              index=list(others).index(info.id) if info and info.id in others else 0,
                              format_func=lambda i: f"{others[i].name} · {others[i].updated_at:%Y-%m-%d %H:%M}")
        left, right = st.columns(2)
        if left.button("Open", key="ws_open", icon=":material/folder_open:", width="stretch"):
            try:
                opened = _open(chosen)
            except DataError as exc:
                _notify("error", f"Could not open it: {exc}")
            else:
                _notify("success", f"Opened **{opened.name}** (version {opened.version}).")
            st.rerun()
        if right.button("Delete", key="ws_delete", icon=":material/delete:", width="stretch"):
            st.session_state[_CONFIRM] = chosen
        confirm = st.session_state.get(_CONFIRM)
        if confirm in others:
            st.warning(f"Delete **{others[confirm].name}**, its versions and its history for good?")
            yes, no = st.columns(2)
            if yes.button("Yes, delete", key="ws_delete_yes", type="primary", width="stretch"):
                _delete(others[confirm])
            if no.button("Cancel", key="ws_delete_no", width="stretch"):
                st.session_state.pop(_CONFIRM, None)
                _notify("info", "Nothing was deleted.")
                st.rerun()


def _default_name() -> str:
    source = state.source()
    return f"{source[:40]}" if source else "My workspace"


def _save(name: str) -> None:
    info = current()
    try:
        workspace = _from_session(name)
        saved = _store().save(Workspace(**{**workspace.__dict__, "id": info.id if info else None}), user=user())
    except DataError as exc:
        _notify("error", f"Not saved: {exc}")
    else:
        _opened(saved)
        st.session_state[_SAVED] = _signature(workspace)
        _notify("success", f"Saved **{saved.name}** (version {saved.version}). This page's address now reopens it.")
    st.rerun()


def _duplicate(info: WorkspaceInfo, name: str) -> None:
    try:
        autosave(force=True)  # the copy holds what is on screen, not only the last save
        copy = _store().duplicate(info.id, f"{name} (copy)", user=user())
    except DataError as exc:
        _notify("error", f"Not duplicated: {exc}")
    else:
        _opened(copy)
        _notify("success", f"Made **{copy.name}** and opened it; **{info.name}** stays as saved.")
    st.rerun()


def _delete(info: WorkspaceInfo) -> None:
    st.session_state.pop(_CONFIRM, None)
    try:
        _store().delete(info.id, user=user())
    except DataError as exc:
        _notify("error", f"Not deleted: {exc}")
    else:
        if current() is not None and current().id == info.id:
            st.session_state.pop(CURRENT, None)
            st.session_state.pop(_SAVED, None)
            st.query_params.pop(QUERY_KEY, None)
        _notify("success", f"Deleted **{info.name}**. What is on screen stays until you load something else.")
    st.rerun()


def autosave(*, force: bool = False) -> None:
    """Save a new version of the open workspace when what it holds changed (data, roles, segments, names,
    plan, settings); nothing when no workspace is open. Cheap when nothing changed: one digest."""
    info = current()
    if info is None:
        _segment_settings()  # remember the Segment page's inputs for a first save made from another page
        return
    workspace = _from_session(info.name)
    signature = _signature(workspace)
    if signature == st.session_state.get(_SAVED) and not force:
        return
    try:
        saved = _store().save(Workspace(**{**workspace.__dict__, "id": info.id}), user=user())
    except DataError as exc:
        _notify("error", f"Your changes could not be saved: {exc}")
        return
    st.session_state[CURRENT] = saved
    st.session_state[_SAVED] = signature


# -- Track: snapshots and history -----------------------------------------------------------------
def record_scoring(segmentation, labels: pd.Series, prepared, export, *, files: str) -> str | None:
    """Keep a newer export scored on Track as a dated snapshot of the open workspace (once per scoring);
    the first time, the workspace's own segments on its data become the first snapshot. Returns what was
    kept, in words, or None when nothing new was."""
    from segmentation.history import export_date, record_snapshot, snapshot_revenue
    from segmentation.tracking import same_segments

    info = current()
    if info is None:
        return None
    key = (info.id, segmentation.fingerprint, files, len(labels))
    recorded = st.session_state.setdefault(_RECORDED, set())
    if key in recorded:
        return None
    store, who = _store(), user()
    roles = dict(state.roles()["customers"].roles) if state.has_customers() else {}
    try:
        if not store.snapshots(info.id, user=who):
            own = state.get(state.SEGMENTATION)
            data = state.dataset()
            if own is not None and data is not None and same_segments(own, segmentation):
                table = data.customer_table().frame
                store.add_snapshot(info.id, own.labels, revenue=snapshot_revenue(table, roles),
                                   taken_at=export_date(*(t.frame for t in data.tables.values())),
                                   source=data.source, segments=own.segments, user=who)
        snapshot = record_snapshot(store, info.id, labels, prepared, export=export, segmentation=segmentation,
                                   source=files, roles=roles, user=who)
    except DataError as exc:
        st.error(f"This scoring could not be added to the history: {exc}", icon=":material/error:")
        return None
    recorded.add(key)
    return f"Kept as the snapshot of {snapshot.taken_at:%Y-%m-%d} in **{info.name}**'s history."


def history_section() -> None:
    """Track's History: segment sizes and revenue over the snapshots, and who moved between any two."""
    from segmentation.charts.profiles import migration_heatmap
    from segmentation.history import history_table, snapshot_migration

    st.subheader("History")
    info = current()
    if info is None:
        st.caption("Save the workspace (sidebar) to keep a history: every newer export scored here is then kept "
                   "as a dated snapshot, and `python -m segmentation assign ... --workspace NAME` adds one from a "
                   "nightly job.")
        return
    try:
        snapshots = _store().snapshots(info.id, user=user())
    except DataError as exc:
        st.error(str(exc))
        return
    if not snapshots:
        st.caption(f"No snapshots in **{info.name}** yet: score a newer export below and it is kept here, dated.")
        return
    table = history_table(snapshots)
    st.caption(f"{len(snapshots)} snapshot{'s' if len(snapshots) != 1 else ''} in **{info.name}**, from "
               f"{snapshots[0].taken_at:%Y-%m-%d} to {snapshots[-1].taken_at:%Y-%m-%d}.")
    left, right = st.columns(2)
    left.altair_chart(_over_time(table, "customers", "Customers per segment"), width="stretch")
    if table["revenue"].notna().any():
        right.altair_chart(_over_time(table, "revenue", "Revenue per segment"), width="stretch")
    else:
        right.caption("The snapshots' exports have no MRR or revenue column, so revenue over time is not shown.")
    if len(snapshots) < 2:
        st.caption("Migration between snapshots needs two of them.")
        return
    labels = {s.id: s.label for s in snapshots}
    ids = list(labels)
    left, right = st.columns(2)
    before = left.selectbox("From snapshot", ids, index=len(ids) - 2, format_func=labels.get, key="history_from")
    after = right.selectbox("To snapshot", ids, index=len(ids) - 1, format_func=labels.get, key="history_to")
    if before == after:
        st.info("Pick two different snapshots to see who moved.")
        return
    by_id = {s.id: s for s in snapshots}
    moves = snapshot_migration(by_id[before], by_id[after], segmentation=state.get(state.SEGMENTATION))
    st.markdown("\n".join(f"- {line}" for line in moves.summary))
    st.altair_chart(migration_heatmap(moves), width="stretch")


def _over_time(table: pd.DataFrame, value: str, title: str):
    import altair as alt

    order = list(dict.fromkeys(table["segment"]))
    money = value == "revenue"
    return alt.Chart(table, title=title).mark_line(point=True).encode(
        x=alt.X("date:T", title=None),
        y=alt.Y(f"{value}:Q", title=value, axis=alt.Axis(format="~s" if money else "~d")),
        color=alt.Color("segment:N", sort=order, title="Segment"),
        tooltip=["label", "segment", alt.Tooltip("customers:Q", format=","),
                 alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("revenue:Q", format=",.0f")],
    ).properties(height=260)
