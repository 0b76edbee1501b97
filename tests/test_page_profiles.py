"""The Profiles page driven through the real app: guard, table, renaming, map, plan and downloads."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from segmentation import projection
from segmentation.methods import kmeans, rules
from segmentation.actions import empty_plan
from segmentation.dataset import Dataset
from segmentation.features import customer_table
from segmentation.outcomes import with_outcomes
from segmentation.projection import Projection
from segmentation.sample import generate
from segmentation.roles import infer_roles
from tests.apptest import sample_upload
from ui import state, umap_worker
from ui.action_plan import fill_blank_rows
from segmentation.profiles import rules_in_words
from ui.renames import names_from_editor
from ui.umap_worker import BackgroundMaps

io = pytest.importorskip("segmentation.io")


@pytest.fixture(autouse=True)
def no_background_compile(monkeypatch):
    monkeypatch.setenv(umap_worker.WARM_ENV, "0")


@pytest.fixture(scope="module")
def sample():
    tables, roles = sample_upload()
    frame = with_outcomes(customer_table(tables["customers"].frame, customer_id="customer_id",
                                         transactions=tables["transactions"].frame,
                                         transaction_roles=dict(roles["transactions"].roles)),
                          roles["customers"].roles)
    seg = kmeans.fit_kmeans(frame, ["mrr", "logins_30d"], k=3, random_state=0)
    return tables, roles, seg


def _open(root, sample=None, **session) -> AppTest:
    at = AppTest.from_file(str(root / "app.py"), default_timeout=60)
    at.session_state["_sample_offered"] = True
    if sample is not None:
        tables, roles, seg = sample
        at.session_state[state.DATASET] = Dataset(tables, roles, source="test data")
        at.session_state[state.SEGMENTATION] = seg
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page("views/profiles.py")
    return at.run()


def test_without_segments_the_page_points_to_the_segment_page(root):
    at = _open(root)
    assert not at.exception
    assert at.info and "Segment your customers first" in at.info[0].value


def test_profiles_render_with_charts_plan_and_downloads(root, sample):
    at = _open(root, sample)
    assert not at.exception, at.exception
    assert len(at.dataframe) >= 1
    table = at.dataframe[0].value
    assert list(table.index) == [*sample[2].segments, "All customers"]
    assert len(at.get("vega_lite_chart")) >= 6  # KPIs, variables, lift, funnel, over-index, map
    assert [b.label for b in at.download_button] == ["Assignments (CSV)", "Workbook (XLSX)", "Segment recipe (JSON)"]
    plan = at.session_state[state.ACTION_PLAN]
    assert list(plan["segment"]) == list(sample[2].segments)
    assert (plan["goal"].str.len() > 0).all()


def test_the_table_says_how_each_column_is_computed_and_how_mean_mrr_differs_from_arpa(root, sample):
    at = _open(root, sample)
    assert not at.exception, at.exception
    config = json.loads(at.dataframe[0].proto.columns)
    mean, arpa = "Mean current MRR (all customers)", "ARPA (customers paying now)"
    assert "counts as 0" in config[mean]["help"] and "left out, not counted as 0" in config[arpa]["help"]
    assert "made of the same terms as its name" in config["short name"]["help"]
    assert all(config[c].get("help") for c in config), [c for c in config if not config[c].get("help")]
    captions = [c.value for c in at.caption]
    assert any("Point at a column's name" in c for c in captions)
    note = next(c for c in captions if "Mean current MRR and ARPA differ" in c)
    overall = at.dataframe[0].value.loc["All customers"]
    assert f"({overall[mean]:,.2f})" in note and f"({overall[arpa]:,.2f})" in note


def test_suggested_names_apply_and_survive_a_refit_on_the_segment_page(root, sample):
    # K-means names already read like the suggestions; plain method names show the renaming at work.
    tables, roles, fitted = sample
    plain = {name: f"Group {i + 1}" for i, name in enumerate(fitted.segments)}
    sample = (tables, roles, dataclasses.replace(fitted, labels=fitted.labels.map(plain),
                                                 segments=tuple(plain.values())))
    at = _open(root, sample)
    use = next(b for b in at.button if b.label == "Use the suggested names")
    use.click().run()
    assert not at.exception, at.exception
    renamed = at.session_state[state.SEGMENTATION]
    assert renamed.segments != sample[2].segments
    assert list(at.session_state[state.ACTION_PLAN]["segment"]) == list(renamed.segments)
    at.session_state[state.SEGMENTATION] = sample[2]  # the Segment page stores the method's own names again
    at.run()
    assert at.session_state[state.SEGMENTATION].segments == renamed.segments


def test_umap_runs_in_the_background_and_replaces_the_pca_map(root, sample, monkeypatch):
    def fake_fit(matrix, labels, columns, n_customers, random_state, **_):
        xy = np.column_stack([matrix.to_numpy()[:, 0], matrix.to_numpy()[:, -1]])
        return Projection(projection._coords(xy, labels), "umap", (), n_customers, tuple(columns))

    maps = BackgroundMaps(processes=False)
    monkeypatch.setattr(umap_worker, "_RUNNER", maps)
    monkeypatch.setattr(umap_worker, "_fit_umap", fake_fit)
    try:
        at = _open(root, sample)
        at.toggle(key="umap_on").set_value(True).run()
        assert not at.exception, at.exception
        for future in list(maps._futures.values()):
            future.result(timeout=30)
        at.run()
        assert not at.exception, at.exception
        titles = [chart.proto.spec for chart in at.get("vega_lite_chart")]
        assert any("Customer map (UMAP)" in spec for spec in titles)
    finally:
        maps.shutdown()


def test_a_failed_umap_keeps_the_pca_map_and_offers_a_retry(root, sample, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("numba exploded")

    maps = BackgroundMaps(processes=False)
    monkeypatch.setattr(umap_worker, "_RUNNER", maps)
    monkeypatch.setattr(umap_worker, "_fit_umap", broken)
    try:
        at = _open(root, sample)
        at.toggle(key="umap_on").set_value(True).run()
        for future in list(maps._futures.values()):
            future.exception(timeout=30)
        at.run()
        assert not at.exception, at.exception
        assert any("UMAP failed" in w.value and "numba exploded" in w.value for w in at.warning)
        specs = [chart.proto.spec for chart in at.get("vega_lite_chart")]
        assert any("Customer map (PCA)" in spec for spec in specs)
        assert any(b.label == "Try UMAP again" for b in at.button)
    finally:
        maps.shutdown()


# -- names and the action plan across reruns and pages ------------------------------------------------

def _orders_only(n_customers: int = 120):
    """An orders export alone: its customers are its ids, and the Segment page opens on RFM."""
    from segmentation.tables import prepare_table, with_customers

    data = generate(n_customers=n_customers, random_state=5)
    payments = prepare_table(io.load_table(data.transactions.to_csv(index=False).encode("utf-8"),
                                           name="payments.csv"), "transactions")
    tables, roles, customers_from = with_customers({"transactions": payments},
                                                   {"transactions": infer_roles(payments.frame, kind="transactions")})
    return Dataset(tables, roles, source="payments.csv", customers_from=customers_from)


def test_names_survive_going_to_the_segment_page_and_back(root):
    at = AppTest.from_file(str(root / "app.py"), default_timeout=60)
    at.session_state["_sample_offered"] = True
    at.session_state[state.DATASET] = _orders_only()
    at.switch_page("views/segment.py").run()
    # RFM: the cells' names ("At Risk") and the short names of their scores ("Not recent") differ, so the
    # suggestions rename; K-means names already are their short names.
    fitted = at.session_state[state.SEGMENTATION]
    assert fitted.method == "rfm"
    at.switch_page("views/profiles.py").run()
    next(b for b in at.button if b.label == "Use the suggested names").click().run()
    assert not at.exception, at.exception
    renamed = at.session_state[state.SEGMENTATION].segments
    assert renamed != fitted.segments

    at.switch_page("views/segment.py").run()  # refits (the method's own names) and puts the given names back
    assert not at.exception, at.exception
    assert at.session_state[state.SEGMENTATION].segments == renamed
    at.switch_page("views/profiles.py").run()
    assert not at.exception, at.exception
    assert at.session_state[state.SEGMENTATION].segments == renamed
    assert list(at.dataframe[0].value.index) == [*renamed, "All customers"]
    assert list(at.session_state[state.ACTION_PLAN]["segment"]) == list(renamed)


def _plan_with_an_owner(segments, owner="Dana"):
    plan = empty_plan(segments)
    plan.loc[0, "owner"] = owner
    return plan


def test_a_started_plan_keeps_its_rows_and_follows_a_rename(root, sample):
    seg = sample[2]
    at = _open(root, sample, **{state.ACTION_PLAN: _plan_with_an_owner(seg.segments)})
    plan = at.session_state[state.ACTION_PLAN]
    # The row the user started is kept as it is; the blank rows get the suggestions.
    assert plan.loc[0, "owner"] == "Dana" and plan.loc[0, "goal"] == ""
    assert (plan.loc[1:, "goal"].str.len() > 0).all()

    next(b for b in at.button if b.label == "Use the suggested names").click().run()
    assert not at.exception, at.exception
    renamed = at.session_state[state.SEGMENTATION]
    plan = at.session_state[state.ACTION_PLAN].set_index("segment")
    assert list(plan.index) == list(renamed.segments)
    assert plan.loc[renamed.segments[0], "owner"] == "Dana"
    assert plan.loc[renamed.segments[0], "goal"] == ""


def test_reset_to_the_suggestions_drops_the_users_rows(root, sample):
    suggested = _open(root, sample).session_state[state.ACTION_PLAN]
    at = _open(root, sample, **{state.ACTION_PLAN: _plan_with_an_owner(sample[2].segments)})
    assert at.session_state[state.ACTION_PLAN].loc[0, "owner"] == "Dana"
    next(b for b in at.button if b.label == "Reset to the suggestions").click().run()
    assert not at.exception, at.exception
    plan = at.session_state[state.ACTION_PLAN]
    assert "Dana" not in set(plan["owner"])
    assert plan.equals(suggested)


# -- the pure helpers behind the page ------------------------------------------------------------------

def test_blank_or_spaces_in_the_rename_editor_keep_the_old_name():
    edited = pd.DataFrame({"segment": ["A", "B", "C"], "suggested": ["x", "y", "z"],
                           "new name": ["  Big spenders ", "", None]})
    assert names_from_editor(edited, column="new name") == {"A": "Big spenders", "B": "B", "C": "C"}
    assert names_from_editor(edited, column="suggested") == {"A": "x", "B": "y", "C": "z"}


def test_only_blank_plan_rows_take_the_suggestion():
    plan = _plan_with_an_owner(["A", "B"])
    suggested = empty_plan(["A", "B"]).assign(goal=["grow A", "grow B"])
    filled = fill_blank_rows(plan, suggested)
    assert list(filled["goal"]) == ["", "grow B"]
    assert list(filled["owner"]) == ["Dana", ""]
    assert list(plan["goal"]) == ["", ""]  # the input is not changed


def test_rules_in_words_are_the_users_rules_or_the_validation_rules_under_the_shown_names(sample):
    frame = pd.DataFrame({"customer_id": ["01", "02", "03"], "mrr": [10.0, 200.0, 50.0]})
    written = rules.fit_rules(frame, "Big: mrr >= 100\nSmall: otherwise", id_column="customer_id")
    assert rules_in_words(written.renamed({"Big": "Whales"}), None) == {"Whales": "mrr >= 100",
                                                                        "Small": "otherwise"}
    fitted = sample[2]
    tree = SimpleNamespace(segment_rules={name: f"rule of {name}" for name in fitted.segments})
    first, *others = fitted.segments
    shown = fitted.renamed({first: "Whales"})
    assert rules_in_words(shown, tree) == {"Whales": f"rule of {first}", **{s: f"rule of {s}" for s in others}}
    assert rules_in_words(shown, None) == {}


# -- number formats and the ideal-customer section -----------------------------------------------------

def test_profile_table_formats_money_days_and_shares():
    from ui.profile_views import table_formats

    table = pd.DataFrame({"short name": ["x"], "Customers": [12], "Share of customers": [0.25],
                          "Share of lifetime revenue": [0.4], "Lifetime revenue": [123456.7],
                          "Mean current MRR (all customers)": [615.449], "ARPA (customers paying now)": [98.5],
                          "LTV": [77166.5], "Churn rate": [0.5], "Ever paid": [0.9],
                          "Median tenure (days)": [514.5], "median recency_days": [12.5], "median logins_30d": [3.5]},
                         index=pd.Index(["A"], name="segment"))
    formats = table_formats(table)
    assert "short name" not in formats
    assert formats["Customers"] == "%,.0f"
    for share in ("Share of customers", "Share of lifetime revenue", "Churn rate", "Ever paid"):
        assert formats[share] == "percent", share
    assert formats["Lifetime revenue"] == formats["LTV"] == "%,.0f"  # totals: whole money, thousands separators
    assert formats["Mean current MRR (all customers)"] == formats["ARPA (customers paying now)"] == "%,.2f"  # cents
    assert formats["Median tenure (days)"] == formats["median recency_days"] == "%,.0f"  # whole days
    assert formats["median logins_30d"] == "localized"


def test_the_table_starts_with_the_name_and_size(sample):
    from segmentation.profiles import kpi_columns, profile

    tables, roles, seg = sample
    frame = with_outcomes(customer_table(tables["customers"].frame, customer_id="customer_id",
                                         transactions=tables["transactions"].frame,
                                         transaction_roles=dict(roles["transactions"].roles)),
                          roles["customers"].roles)
    table = profile(frame, seg, **kpi_columns(frame, roles["customers"])).table()
    assert table.index.name == "segment"
    assert list(table.columns[:3]) == ["short name", "Customers", "Share of customers"]
    assert "Share of lifetime revenue" in table.columns and "Mean current MRR (all customers)" in table.columns


def test_transactions_only_data_hides_the_ideal_customer_profile(root):
    from segmentation.methods.rfm import fit_rfm
    from segmentation.tables import prepare_table, with_customers
    from ui.profile_views import ICP_NEEDS_FIRMOGRAPHICS

    data = generate(n_customers=120, random_state=5)
    payments = prepare_table(io.load_table(data.transactions.to_csv(index=False).encode("utf-8"),
                                           name="payments.csv"), "transactions")
    tables, roles, _ = with_customers({"transactions": payments},
                                      {"transactions": infer_roles(payments.frame, kind="transactions")})
    frame = customer_table(tables["customers"].frame, customer_id=roles["customers"].get("customer_id"),
                           transactions=tables["transactions"].frame,
                           transaction_roles=dict(roles["transactions"].roles))
    at = _open(root, (tables, roles, fit_rfm(frame)))
    assert not at.exception, at.exception
    assert any(info.value == ICP_NEEDS_FIRMOGRAPHICS for info in at.info)
    assert not [m for m in at.multiselect if m.label == "Attributes"]
    assert not any("Pick attributes" in info.value for info in at.info)
