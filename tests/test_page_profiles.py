"""The Profiles page driven through the real app: guard, table, renaming, map, plan and downloads."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from segmentation import kmeans, projection
from segmentation.features import customer_table
from segmentation.outcomes import with_outcomes
from segmentation.projection import BackgroundMaps, Projection
from segmentation.sample import generate
from segmentation.schema import infer_roles
from ui import state

io = pytest.importorskip("segmentation.io")


@pytest.fixture(autouse=True)
def no_background_compile(monkeypatch):
    monkeypatch.setenv(projection.WARM_ENV, "0")


@pytest.fixture(scope="module")
def sample():
    data = generate(n_customers=300, random_state=3)
    tables = {
        kind: io.load_table(frame.to_csv(index=False).encode("utf-8"), name=f"{kind}.csv")
        for kind, frame in (("customers", data.customers), ("transactions", data.transactions))
    }
    roles = {kind: infer_roles(table.frame, kind=kind) for kind, table in tables.items()}
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
        at.session_state[state.TABLES] = tables
        at.session_state[state.ROLES] = roles
        at.session_state[state.SOURCE] = "test data"
        at.session_state[state.SEGMENTATION] = seg
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page("pages/profiles.py")
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


def test_suggested_names_apply_and_survive_a_refit_on_the_segment_page(root, sample):
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
    monkeypatch.setattr(projection, "_RUNNER", maps)
    monkeypatch.setattr(projection, "_fit_umap", fake_fit)
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
    monkeypatch.setattr(projection, "_RUNNER", maps)
    monkeypatch.setattr(projection, "_fit_umap", broken)
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
