"""The Cohorts page driven through the real app: guard, both data modes, splits, charts and downloads."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from segmentation.dataset import Dataset
from segmentation.result import Segmentation
from segmentation.sample import generate
from segmentation.roles import infer_roles
from tests.apptest import sample_upload
from ui import state

io = pytest.importorskip("segmentation.io")

TABS = ["Retention heatmap", "Revenue retention", "Churn by month", "Trends", "Layer cake", "LTV curves"]


@pytest.fixture(scope="module")
def sample():
    return sample_upload()


def _open(root, tables=None, roles=None, customers_from=None, **session) -> AppTest:
    at = AppTest.from_file(str(root / "app.py"), default_timeout=60)
    at.session_state["_sample_offered"] = True  # no automatic sample: the test decides what is loaded
    if tables is not None:
        at.session_state[state.DATASET] = Dataset(tables, roles, customers_from=customers_from, source="test data")
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page("views/cohorts.py")
    return at.run()


def _charts(at) -> list[dict]:
    """The Vega-Lite specs the page sent to the browser."""
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def _marks(spec: dict) -> set[str]:
    text = json.dumps(spec)
    return {mark for mark in ("rect", "text", "bar", "line", "area", "point") if f'"type": "{mark}"' in text
            or f'"mark": "{mark}"' in text}


def test_without_customers_the_page_points_to_the_data_page(root):
    at = _open(root)
    assert not at.exception
    assert at.info and "Load your customers" in at.info[0].value
    assert not _charts(at)


def test_transactions_give_every_tab_a_chart_and_a_download(root, sample):
    tables, roles = sample
    at = _open(root, tables, roles)
    assert not at.exception, at.exception
    assert [tab.label for tab in at.tabs] == TABS
    charts = _charts(at)
    assert len(charts) == 6
    assert "rect" in _marks(charts[0]) and "text" not in _marks(charts[0])  # 36 x 36 triangle: no numbers
    assert "bar" in _marks(charts[2]) and "area" in _marks(charts[4]) and "line" in _marks(charts[5])
    downloads = at.download_button
    assert len(downloads) == 7
    assert downloads[-1].label == "All matrices (XLSX)"
    assert downloads[0].label == "Download the retention matrix (CSV)"
    at.segmented_control(key="cohort_period").set_value("quarter").run()
    assert not at.exception, at.exception
    assert {"rect", "text"} <= _marks(_charts(at)[0])  # a small triangle gets its numbers in cells
    assert "from transactions" in " ".join(c.value for c in at.caption)


def test_customers_only_split_by_plan_and_counts(root, sample):
    tables, roles = sample
    only_customers = {"customers": tables["customers"]}
    at = _open(root, only_customers, {"customers": roles["customers"]})
    assert not at.exception, at.exception
    assert "from the customers table" in " ".join(c.value for c in at.caption)
    at.selectbox(key="cohort_split").select("plan").run()
    assert not at.exception, at.exception
    group = at.selectbox(key="cohort_group")
    plans = sorted(tables["customers"].frame["plan"].dropna().unique())
    assert [o for o in group.options if o != "All side by side"] == plans
    group.select(plans[0]).run()
    at.segmented_control(key="cohort_values").set_value("Counts").run()
    at.segmented_control(key="cohort_period").set_value("quarter").run()
    assert not at.exception, at.exception
    assert len(_charts(at)) == 6


def test_split_by_the_current_segmentation(root, sample):
    tables, roles = sample
    ids = tables["customers"].frame["customer_id"].astype(str)
    labels = pd.Series(["Big" if i % 2 else "Small" for i in range(len(ids))], index=ids.to_numpy())
    seg = Segmentation(method="rules", labels=labels, segments=("Big", "Small"), variables=("mrr",))
    at = _open(root, tables, roles, **{state.SEGMENTATION: seg})
    at.selectbox(key="cohort_split").select("Segment").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="cohort_group").options == ["All side by side", "Big", "Small"]
    assert len(_charts(at)) == 6


def test_the_bundled_sample_shows_every_cohort_view(root, monkeypatch):
    monkeypatch.delenv("SEGMENTATION_NO_SAMPLE", raising=False)
    at = AppTest.from_file(str(root / "app.py"), default_timeout=60).run()  # the first visit loads the sample
    at.switch_page("views/cohorts.py").run()
    assert not at.exception, at.exception
    assert len(_charts(at)) == 6 and len(at.download_button) == 7  # six CSVs and the XLSX of them all
    assert set(at.session_state["cohorts"]) >= {"retention", "revenue retention", "churn", "ltv"}


# -- activity cohorts: an events table alone -----------------------------------------------------------------

def _events_only(events: pd.DataFrame):
    from segmentation.tables import derived_customers

    table = io.load_table(events.to_csv(index=False).encode("utf-8"), name="events.csv")
    roles = {"events": infer_roles(table.frame, kind="events")}
    customers, customer_roles = derived_customers(table, roles["events"])
    return {"customers": customers, "events": table}, {"customers": customer_roles, **roles}


def test_events_alone_give_activity_cohorts_by_first_activity(root):
    # a: active in January and February; b: January and March; c: February only; d: March.
    events = pd.DataFrame({"user_id": ["a", "b", "a", "c", "c", "b", "d"],
                           "event_time": ["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-10", "2024-02-11",
                                          "2024-03-02", "2024-03-01"]})
    tables, roles = _events_only(events)
    assert roles["events"].get("event_date") == "event_time"
    at = _open(root, tables, roles, customers_from="events")
    assert not at.exception and not at.error, at.exception
    assert not any("Cohorts need" in i.value for i in at.info)
    captions = " ".join(c.value for c in at.caption)
    assert "from events: cohorts are by first activity, and a customer counts in a month when active in it" in captions
    retention = at.session_state["cohorts"]["retention"].set_index("cohort")
    assert retention.iloc[0].tolist()[:3] == [1.0, 0.5, 0.5]  # January: 2 customers, a back in Feb, b in March
    assert retention.iloc[1].tolist()[:2] == [1.0, 0.0]  # February: c, not seen in March
    assert retention.iloc[2].tolist()[0] == 1.0 and retention.shape[0] == 3
    assert "revenue retention" not in at.session_state["cohorts"]  # events carry no revenue
    assert [b.label for b in at.download_button][0] == "Download the retention matrix (CSV)"


def test_transactions_win_over_events_when_both_are_loaded(root, sample):
    tables, roles = sample
    events = generate(n_customers=300, random_state=3).events
    table = io.load_table(events.to_csv(index=False).encode("utf-8"), name="events.csv")
    at = _open(root, {**tables, "events": table}, {**roles, "events": infer_roles(table.frame, kind="events")})
    assert not at.exception, at.exception
    assert "from transactions: a customer counts in a month when they paid in it" in " ".join(
        c.value for c in at.caption)
    assert at.segmented_control(key="cohort_by").options == ["First payment", "Signup"]


def test_a_segment_without_payments_is_named_with_the_way_to_include_it(root, sample):
    tables, roles = sample
    ids = tables["customers"].frame["customer_id"].astype(str)
    payers = set(tables["transactions"].frame["customer_id"].astype(str))
    never = int((~ids.isin(payers)).sum())
    assert never > 0  # the sample has customers who never paid
    labels = pd.Series(["Paying" if i in payers else "No purchases" for i in ids], index=ids.to_numpy())
    seg = Segmentation(method="rfm", labels=labels, segments=("Paying", "No purchases"), variables=("amount",))
    at = _open(root, tables, roles, **{state.SEGMENTATION: seg})
    at.selectbox(key="cohort_split").select("Segment").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="cohort_group").options == ["All side by side", "Paying"]
    captions = " ".join(c.value for c in at.caption)
    assert (f"Not shown: No purchases ({never:,} customers): no payments, and cohorts start at the first payment; "
            "switch 'Cohorts by' to Signup to include them.") in captions
    at.segmented_control(key="cohort_by").set_value("Signup").run()
    assert not at.exception, at.exception
    assert "No purchases" in at.selectbox(key="cohort_group").options
    assert "Not shown:" not in " ".join(c.value for c in at.caption)
    heatmap = _charts(at)[0]
    assert [panel["title"] for panel in heatmap["concat"]] == ["Paying", "No purchases"]  # the segmentation's order


# -- unfinished periods and retention by construction ---------------------------------------------------------

def test_an_unfinished_last_month_is_drawn_apart_and_the_churn_rule_is_written_by_the_chart(root):
    from tests.test_cohorts import _invoices_ending_mid_month

    table = io.load_table(_invoices_ending_mid_month().to_csv(index=False).encode("utf-8"), name="invoices.csv")
    from segmentation.tables import derived_customers

    tx_roles = infer_roles(table.frame, kind="transactions")
    customers, customer_roles = derived_customers(table, tx_roles)
    at = _open(root, {"customers": customers, "transactions": table},
               {"customers": customer_roles, "transactions": tx_roles}, customers_from="transactions")
    assert not at.exception and not at.error, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "The data ends on 2024-06-12, so 2024-06 is not complete" in captions
    assert "Grey cells with a dashed outline fall in 2024-06" in captions
    assert "A customer counts as churned after month n only when the data covers the whole next month" in captions
    assert "a month the data does not cover to its end is left out" in captions
    heatmap = json.dumps(_charts(at)[0])
    assert '"!datum.complete"' in heatmap and "period not complete" in heatmap
    # The downloads behind the churn and trend charts leave June out.
    churn = at.session_state["cohorts"]["churn"]
    cohorts = at.session_state["dataset"].cohorts()
    assert churn["customers"].sum() == cohorts.churn_by_period()["customers"].sum()
    assert churn["customers"].sum() < cohorts.table.loc[cohorts.table["complete"], "customers"].sum()


def test_signup_dates_alone_are_refused_on_the_page_with_the_reason(root):
    members = pd.DataFrame({"member_id": [f"M{i:03d}" for i in range(40)],
                            "signup_date": pd.date_range("2023-01-05", periods=40, freq="11D").strftime("%Y-%m-%d"),
                            "plan": ["Basic", "Pro"] * 20})
    table = io.load_table(members.to_csv(index=False).encode("utf-8"), name="members.csv")
    roles = infer_roles(table.frame, kind="customers")
    assert roles.get("signup_date") == "signup_date" and roles.get("churn_date") is None
    at = _open(root, {"customers": table}, {"customers": roles})
    assert not at.exception, at.exception
    assert at.error and "100% retention by construction" in at.error[0].value
    assert "churn date" in at.error[0].value
    assert not _charts(at)
