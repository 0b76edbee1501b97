"""The "MRR movements" tab of the Health & revenue page, driven through the real app."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from segmentation.dataset import Dataset
from segmentation.result import Segmentation
from segmentation.revenue import mrr_movements
from tests.apptest import sample_upload
from ui import state
from ui.revenue_view import SHOWN

PAGE = "views/health.py"


@pytest.fixture(scope="module")
def sample():
    return sample_upload()


def _open(root, tables, roles, **session) -> AppTest:
    at = AppTest.from_file(str(root / "app.py"), default_timeout=90)
    at.session_state["_sample_offered"] = True  # no automatic sample: the test decides what is loaded
    at.session_state[state.DATASET] = Dataset(tables, roles, source="test data")
    at.session_state["health_tab"] = "MRR movements"  # only the open tab of the page runs
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page(PAGE)
    return at.run()


def _charts(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.tabs[0].get("vega_lite_chart")]


def test_the_sample_shows_movements_a_table_a_drill_down_and_downgrades(root, monkeypatch):
    monkeypatch.delenv("SEGMENTATION_NO_SAMPLE", raising=False)
    at = AppTest.from_file(str(root / "app.py"), default_timeout=90).run()  # the first visit loads the sample
    at.session_state["health_tab"] = "MRR movements"
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    line, bars = (json.dumps(spec) for spec in _charts(at))
    assert '"line"' in line and '"bar"' in bars and "unfinished" in bars
    # The table shown is the library's, on the Dataset the app holds.
    expected = mrr_movements(at.session_state[state.DATASET]).table
    pd.testing.assert_frame_equal(at.session_state[SHOWN], expected)
    assert [s.value for s in at.tabs[0].subheader] == ["Who is behind a bar", "Who downgrades"]
    # A month that lost nothing has no quick ratio: the table shows a dash there, and the column's help says why.
    table = at.tabs[0].dataframe[0]
    assert table.value["quick_ratio"].isna().any() and table.proto.placeholder == "—"
    assert "no loss means no ratio" in json.loads(table.proto.columns)["quick_ratio"]["help"]
    at.selectbox(key="mrr_movement").select("churned").run()
    assert not at.exception, at.exception
    download = at.get("download_button")
    assert download and "these customers" in download[0].proto.label


def test_split_by_plan_and_by_segment_and_pick_a_group(root, sample):
    tables, roles = sample
    ids = tables["customers"].frame["customer_id"].astype(str)
    labels = pd.Series(["Big" if i % 2 else "Small" for i in range(len(ids))], index=ids.to_numpy())
    seg = Segmentation(method="rules", labels=labels, segments=("Big", "Small"), variables=("mrr",))
    at = _open(root, tables, roles, **{state.SEGMENTATION: seg})
    assert not at.exception, at.exception
    assert "Segment" in at.selectbox(key="mrr_split").options and "plan" in at.selectbox(key="mrr_split").options
    at.selectbox(key="mrr_split").select("Segment").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="mrr_group").options == ["All", "Big", "Small"]
    at.selectbox(key="mrr_group").select("Big").run()
    assert not at.exception, at.exception
    data = at.session_state[state.DATASET]
    big = mrr_movements(data, split=seg).table.query("split == 'Big'").drop(columns="split").reset_index(drop=True)
    pd.testing.assert_frame_equal(at.session_state[SHOWN], big)
    at.selectbox(key="mrr_split").select("plan").run()
    assert not at.exception, at.exception
    down = at.tabs[0].dataframe[-1].value
    paying = set(mrr_movements(data, split="plan").movements["split"])  # Free and Trial plans never pay
    assert set(down["split"]) == paying and len(paying) >= 2


def test_without_a_money_column_the_tab_says_what_it_needs(root, sample):
    tables, roles = sample
    at = _open(root, {"customers": tables["customers"]}, {"customers": roles["customers"]})
    assert not at.exception, at.exception
    assert any("one MRR per customer" in i.value for i in at.info)
    assert not _charts(at)


def test_only_the_open_tab_runs_and_a_tab_keeps_its_choices_while_another_is_open(root, sample):
    from ui.health_view import HEALTH
    from ui.leads_view import LEAD_FIT

    tables, roles = sample
    at = _open(root, tables, roles)
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == ["MRR movements", "Health score", "Drivers", "Conversion", "Lead fit"]
    # The closed tabs did nothing: no health score fitted, no drivers ranked, no conversion read.
    assert HEALTH not in at.session_state and "conversion" not in at.session_state
    assert LEAD_FIT not in at.session_state and "drivers_outcome" not in [s.key for s in at.selectbox]
    assert [s.key for s in at.selectbox] == ["mrr_split", "mrr_month", "mrr_movement"]
    assert all(not t.children for t in at.tabs[1:])
    at.selectbox(key="mrr_split").select("plan").run()

    at.session_state["health_tab"] = "Health score"
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state[HEALTH] is not None and at.tabs[1].get("vega_lite_chart")
    assert not at.tabs[0].children and "mrr_split" not in [s.key for s in at.selectbox]
    assert "conversion" not in at.session_state

    at.session_state["health_tab"] = "MRR movements"
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="mrr_split").value == "plan"  # chosen before the Health score tab was opened
    assert at.selectbox(key="mrr_group").options[0] == "All"
