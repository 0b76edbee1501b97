"""The Track page driven through the real app: recipe upload, scoring a newer export, migration."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from segmentation import kmeans, projection
from segmentation.export import recipe_json
from segmentation.sample import generate
from ui import state


@pytest.fixture(autouse=True)
def no_background_compile(monkeypatch):
    monkeypatch.setenv(projection.WARM_ENV, "0")


@pytest.fixture(scope="module")
def exports():
    customers = generate(n_customers=200, random_state=4).customers
    seg = kmeans.fit_kmeans(customers.set_index("customer_id"), ["mrr", "logins_30d"], k=3, random_state=0)
    newer = customers.copy()
    top = newer["mrr"].max()
    newer.loc[newer.index[:5], ["mrr", "logins_30d"]] = [top, newer["logins_30d"].max()]
    return customers, newer, seg


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _open(root, **session) -> AppTest:
    at = AppTest.from_file(str(root / "app.py"), default_timeout=60)
    at.session_state["_sample_offered"] = True
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page("pages/track.py")
    return at.run()


def test_without_a_recipe_the_page_asks_for_one(root):
    at = _open(root)
    assert not at.exception
    assert "Upload a recipe" in at.info[0].value


def test_a_recipe_and_two_exports_give_the_migration(root, exports):
    older, newer, seg = exports
    at = _open(root)
    at.file_uploader(key="track_recipe").set_value(("recipe.json", recipe_json(seg).encode(), "application/json"))
    at.file_uploader(key="track_newer").set_value(("newer.csv", _csv(newer), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert "200 customers scored" in at.subheader[0].value
    at.radio(key="track_against").set_value("A 'before' file").run()
    at.file_uploader(key="track_older").set_value(("older.csv", _csv(older), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    summary = at.markdown[0].value
    assert summary.startswith("- Of 200 customers in both")
    moved = int(summary.split(" and ")[1].split(" moved")[0])
    assert 0 < moved <= 5  # only the five changed accounts can move
    assert [b.label for b in at.download_button] == ["New assignments (CSV)", "Migration matrix (CSV)",
                                                     "Customers who moved (CSV)"]
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["title"] == "Where customers moved"


def test_the_session_segments_are_the_default_recipe_and_baseline(root, exports):
    older, newer, seg = exports
    at = _open(root, **{state.SEGMENTATION: seg})
    assert at.radio(key="track_source").value == "This session's segments"
    at.file_uploader(key="track_newer").set_value(("newer.csv", _csv(newer), "text/csv")).run()
    assert not at.exception, at.exception
    assert at.radio(key="track_against").value == "This session's segments"
    assert at.markdown[0].value.startswith("- Of 200 customers in both")


def test_a_bad_recipe_shows_an_error_not_a_traceback(root, exports):
    _, newer, _ = exports
    at = _open(root)
    at.file_uploader(key="track_recipe").set_value(("recipe.json", b"{not json", "application/json"))
    at.file_uploader(key="track_newer").set_value(("newer.csv", _csv(newer), "text/csv"))
    at.run()
    assert not at.exception
    assert "not valid JSON" in at.error[0].value
