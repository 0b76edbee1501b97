"""Saved workspaces through the real app: save, reopen by URL, reopen after a restart, the message when the
session is fresh, delete with a confirm, duplicate, and Track's snapshots and history."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from segmentation.dataset import Dataset
from segmentation.sample import generate
from segmentation.store import STORE_ENV, open_store
from tests.apptest import sample_upload
from ui import state, umap_worker
from ui.action_plan import PLAN_BASE
from ui.workspace import QUERY_KEY


@pytest.fixture(autouse=True)
def store_path(tmp_path, monkeypatch):
    monkeypatch.setenv(umap_worker.WARM_ENV, "0")
    path = tmp_path / "workspaces.duckdb"
    monkeypatch.setenv(STORE_ENV, str(path))
    return path


@pytest.fixture(scope="module")
def data():
    tables, roles = sample_upload(n_customers=300, random_state=3)
    return tables, roles


def _app(root, page: str, *, query: dict | None = None, **session) -> AppTest:
    at = AppTest.from_file(str(root / "app.py"), default_timeout=90)
    at.session_state["_sample_offered"] = True
    for key, value in session.items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _segmented_and_named(root, data, k: int | None = None) -> tuple[AppTest, tuple[str, ...]]:
    """A session that loaded data, segmented it (Segment page, `k` segments when given), renamed the
    segments and has a plan."""
    tables, roles = data
    at = _app(root, "views/segment.py", **{state.DATASET: Dataset(tables, roles, source="test data")})
    assert not at.exception, at.exception
    if k is not None:
        at.toggle(key="auto_k").set_value(False).run()
        at.slider(key="k").set_value(k).run()
        assert len(at.session_state[state.SEGMENTATION].segments) == k
    at.switch_page("views/profiles.py").run()
    _button(at, "Use the suggested names").click().run()
    assert not at.exception, at.exception
    return at, at.session_state[state.SEGMENTATION].segments


def _edit_plan(at, **cells) -> None:
    """What editing the plan on the Profiles page leaves: the plan and the editor's base."""
    plan = at.session_state[state.ACTION_PLAN].assign(**cells)
    at.session_state[state.ACTION_PLAN] = plan
    at.session_state[PLAN_BASE] = plan


def _save(at, name: str = "Churn review") -> str:
    at.sidebar.text_input[0].set_value(name)
    _button(at, "Save").click().run()
    assert not at.exception, at.exception
    return at.query_params[QUERY_KEY]


def test_save_then_a_new_session_at_the_url_gets_everything_back(root, data, store_path):
    at, names = _segmented_and_named(root, data, k=5)  # not the suggested k: an input worth restoring
    _edit_plan(at, owner="Dana (CS)")
    workspace_id = _save(at)
    assert any("Saved **Churn review** (version" in s.value for s in at.success)
    assert [i.name for i in open_store(store_path).list()] == ["Churn review"]

    # A reload, a bookmark, a restart or an expired session: a fresh session with the id in the URL.
    again = _app(root, "views/profiles.py", query={QUERY_KEY: workspace_id})
    assert not again.exception, again.exception
    assert any("The server restarted (or your session expired" in i.value and "Churn review" in i.value
               for i in again.info)
    assert again.session_state[state.SEGMENTATION].segments == names
    assert list(again.dataframe[0].value.index) == [*names, "All customers"]
    assert again.session_state[state.ACTION_PLAN]["owner"].eq("Dana (CS)").all()
    original = data[0]["customers"].frame
    pd.testing.assert_frame_equal(again.session_state[state.DATASET].tables["customers"].frame, original)
    # The Segment page refits from the restored inputs and keeps the names.
    again.switch_page("views/segment.py").run()
    assert not again.exception, again.exception
    assert again.session_state[state.SEGMENTATION].segments == names
    assert again.slider(key="k").value == 5 and again.toggle(key="auto_k").value is False


def test_after_a_restart_the_last_workspace_reopens_without_the_url(root, data):
    at, names = _segmented_and_named(root, data)
    _save(at, "Last one")
    fresh = _app(root, "views/profiles.py")  # no ?workspace= in the address: the store remembers
    assert not fresh.exception, fresh.exception
    assert any("Reopened your last workspace **Last one**" in i.value for i in fresh.info)
    assert fresh.session_state[state.SEGMENTATION].segments == names
    assert fresh.query_params[QUERY_KEY]  # the address now names it, for a bookmark


def test_a_workspace_that_cannot_be_reopened_says_so_and_offers_to_try_again(root):
    at = _app(root, "views/data.py", query={QUERY_KEY: "gone12345678"})
    assert not at.exception, at.exception
    assert any("could not be reopened" in e.value and "gone12345678" in e.value for e in at.error)
    _button(at, "Try again").click().run()
    assert any("Still cannot reopen it" in e.value for e in at.error)  # never a silent no-op


def test_autosave_keeps_changes_made_after_the_first_save(root, data, store_path):
    at, names = _segmented_and_named(root, data)
    workspace_id = _save(at)
    _edit_plan(at, goal="Call them")
    at.run()
    saved = open_store(store_path).open(workspace_id)
    assert saved.version == 2 and saved.action_plan["goal"].eq("Call them").all()
    at.run()  # nothing changed: no new version
    assert open_store(store_path).info(workspace_id).version == 2


def test_delete_asks_first_and_duplicate_opens_a_copy(root, data, store_path):
    at, _ = _segmented_and_named(root, data)
    workspace_id = _save(at, "Original")
    _button(at, "Duplicate").click().run()
    assert not at.exception, at.exception
    assert any("Made **Original (copy)** and opened it" in s.value for s in at.success)
    copy_id = at.query_params[QUERY_KEY]
    assert copy_id != workspace_id
    assert sorted(i.name for i in open_store(store_path).list()) == ["Original", "Original (copy)"]

    at.sidebar.selectbox(key="ws_pick").set_value(workspace_id).run()
    _button(at, "Delete").click().run()
    assert any("Delete **Original**" in w.value for w in at.warning)
    assert len(open_store(store_path).list()) == 2  # nothing deleted before the confirm
    _button(at, "Cancel").click().run()
    assert any("Nothing was deleted" in i.value for i in at.info)
    _button(at, "Delete").click().run()
    _button(at, "Yes, delete").click().run()
    assert not at.exception, at.exception
    assert any("Deleted **Original**" in s.value for s in at.success)
    assert [i.name for i in open_store(store_path).list()] == ["Original (copy)"]


def test_track_keeps_each_scored_export_and_shows_the_history(root, data, store_path):
    at, names = _segmented_and_named(root, data)
    workspace_id = _save(at, "Tracked")
    at.switch_page("views/track.py").run()
    assert any("No snapshots in **Tracked** yet" in c.value for c in at.caption)
    customers = generate(n_customers=300, random_state=3).customers
    newer = customers.copy()
    newer.loc[newer.index[:40], "mrr"] = newer["mrr"].max()
    at.file_uploader(key="track_newer").set_value(("july.csv", newer.to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    snapshots = open_store(store_path).snapshots(workspace_id)
    # The workspace's own segments became the first snapshot, the scored export the second.
    assert len(snapshots) == 2 and snapshots[1].source == "july.csv"
    assert snapshots[0].labels.sort_index().equals(at.session_state[state.SEGMENTATION].labels.astype(str)
                                                   .sort_index())
    assert any(h.value == "History" for h in at.subheader)
    assert any("2 snapshots in **Tracked**" in c.value for c in at.caption)
    assert at.selectbox(key="history_from").value == snapshots[0].id
    assert len(at.get("vega_lite_chart")) >= 3  # sizes and revenue over time, the migration heatmap
    at.run()  # the same scoring is not kept twice
    assert len(open_store(store_path).snapshots(workspace_id)) == 2

    # A new session at the URL shows the same history.
    again = _app(root, "views/track.py", query={QUERY_KEY: workspace_id})
    assert not again.exception, again.exception
    assert any("2 snapshots in **Tracked**" in c.value for c in again.caption)


def test_the_health_tabs_choices_are_saved_with_the_workspace_and_restored(root, data, store_path):
    from ui.health_view import HEALTH
    from ui.workspace import SETTINGS

    tables, roles = data
    at = _app(root, "views/health.py", health_tab="Health score",
              **{state.DATASET: Dataset(tables, roles, source="test data")})
    assert not at.exception and not at.error, [e.value for e in at.error]
    version = at.session_state[state.DATASET].version
    variables = at.multiselect(key=f"health_vars_{version}_False").value[:2]
    at.multiselect(key=f"health_vars_{version}_False").set_value(variables).run()
    at.number_input(key="health_at_risk").set_value(12.0).run()
    at.number_input(key="health_watch").set_value(33.0).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = at.session_state[HEALTH]
    saved = at.session_state[SETTINGS]["health"]
    assert saved["variables"] == variables and saved["cutoffs"] == [12.0, 33.0]
    workspace_id = _save(at, "Health review")
    assert open_store(store_path).open(workspace_id).settings["health"]["cutoffs"] == [12.0, 33.0]

    again = _app(root, "views/health.py", query={QUERY_KEY: workspace_id}, health_tab="Health score")
    assert not again.exception and not again.error, [e.value for e in again.error]
    score = again.session_state[HEALTH]
    assert list(score.variables) == variables and score.cutoffs == (12.0, 33.0) and score.cutoffs_from == "hand"
    assert again.number_input(key="health_at_risk").value == 12.0
    pd.testing.assert_frame_equal(score.scores, shown.scores)

    # Points edited on the tab are saved as (variable, range, points) and the reopened tab starts from them (the
    # editor cannot be typed into by AppTest: the edit is put in the saved settings, as the tab writes it).
    store = open_store(store_path)
    workspace = store.open(workspace_id)
    first = shown.points.iloc[0]
    edit = [first["variable"], first["range"], float(first["points"]) + 5]
    health = {**workspace.settings["health"], "points": [edit]}
    store.save(replace(workspace, settings={**workspace.settings, "health": health}))
    edited = shown.with_points(shown.points.assign(points=[edit[2], *shown.points["points"][1:]]))
    third = _app(root, "views/health.py", query={QUERY_KEY: workspace_id}, health_tab="Health score")
    assert not third.exception and not third.error, [e.value for e in third.error]
    score = third.session_state[HEALTH]
    assert score.points["points"].tolist() == edited.points["points"].tolist()
    assert score.auc == edited.auc and score.cutoffs == (12.0, 33.0)
    pd.testing.assert_frame_equal(score.scores, edited.scores)
    assert third.session_state[SETTINGS]["health"]["points"] == [edit]  # kept on the next save
