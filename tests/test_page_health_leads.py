"""The Conversion and Lead fit tabs of the Health & revenue page, driven through the real app."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from segmentation.dataset import Dataset
from tests import leads_files
from tests.apptest import sample_upload
from ui import state
from ui.conversion_view import MIX_HEIGHT, RATES_HEIGHT

PAGE = "views/health.py"


def _open(root, data: Dataset, tab: str) -> AppTest:
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    at.session_state["_sample_offered"] = True  # the test decides what is loaded
    at.session_state[state.DATASET] = data
    at.session_state["health_tab"] = tab  # only the open tab of the page runs
    at.switch_page(PAGE)
    return at.run()


def _charts(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def _marks(spec: dict) -> set[str]:
    text = json.dumps(spec)
    return {m for m in ("rect", "line", "point", "bar") if f'"type": "{m}"' in text or f'"mark": "{m}"' in text}


def _legends(spec: dict) -> list[dict]:
    """Every encoding of `spec` (and its layers) that draws a legend."""
    found = [e for e in (spec.get("encoding") or {}).values() if isinstance(e, dict) and e.get("legend")]
    return found + [e for layer in spec.get("layer", []) for e in _legends(layer)]


@pytest.fixture(scope="module")
def sample() -> Dataset:
    tables, roles = sample_upload(n_customers=400)
    return Dataset(tables, roles, source="test data")


def _customers(shuffled: bool = False) -> Dataset:
    return Dataset.read(customers=("customers.csv", leads_files.csv(leads_files.customers(shuffled=shuffled))))


def test_conversion_tab_reads_the_months_and_draws_rates_and_mix(root, sample):
    at = _open(root, sample, "Conversion")
    assert not at.exception, at.exception
    assert at.selectbox(key="conversion_split").value == "channel"
    result = at.session_state["conversion"]
    assert result.split == "channel" and result.reading.startswith("Conversion ")
    assert result.reading in [m.value.strip("*") for m in at.tabs[3].markdown]
    captions = " ".join(c.value for c in at.tabs[3].caption)
    assert "Converted means the column 'converted_to_paid' (converted to paid)" in captions
    assert "not finished" in captions and "not a drop" in captions  # the sample's last months are too recent
    charts = _charts(at.tabs[3])
    rates, mix = charts[0], charts[1]
    assert {"line", "point", "rect"} <= _marks(rates)  # the grey band marks the months too recent to judge
    assert "bar" in _marks(mix)
    assert f"at the {result.reference} mix" in json.dumps(rates)
    # Each chart has its own height and its legend beside the plot: under it, the legend took the plot's height.
    for spec, height in ((rates, RATES_HEIGHT), (mix, MIX_HEIGHT)):
        assert spec["height"] == height
        assert {e["legend"]["orient"] for e in _legends(spec)} == {"right"}
    at.selectbox(key="conversion_split").set_value("No split").run()
    assert not at.exception, at.exception
    assert len(_charts(at.tabs[3])) == 1 and at.session_state["conversion"].split is None


def test_lead_fit_tab_scores_an_upload_and_ranks_with_reasons(root):
    at = _open(root, _customers(), "Lead fit")
    assert not at.exception, at.exception
    assert any("Upload a leads export" in i.value for i in at.tabs[4].info)
    at.file_uploader(key="leads_file").set_value(("leads.csv", leads_files.csv(leads_files.leads()), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert not at.tabs[4].error, [e.value for e in at.tabs[4].error]
    result = at.session_state["lead_fit"]
    assert result.signal and result.outcome == "converted_to_paid"
    assert any(s.value.startswith("These columns (Industry, Employees, Country) tell customers who converted")
               for s in at.tabs[4].success)
    assert [m.label for m in at.tabs[4].metric][:2] == ["Out-of-sample AUC", "95% interval"]
    shown = at.tabs[4].dataframe[0].value
    assert list(shown.columns[:3]) == ["Lead ID", "fit", "tier"]
    assert shown["fit"].is_monotonic_decreasing  # ranked
    top = shown.set_index("Lead ID").loc["L-0000"]
    assert top["tier"] == "hot" and top["reasons"].startswith("Industry is Fintech")
    assert any("'Atlantis' never occurs" in c.value for c in at.tabs[4].caption)
    assert [b.label for b in at.tabs[4].download_button] == ["Download the scored leads (CSV)"]


def test_lead_fit_without_signal_ranks_nobody(root):
    at = _open(root, _customers(shuffled=True), "Lead fit")
    at.file_uploader(key="leads_file").set_value(("leads.csv", leads_files.csv(leads_files.leads()), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert any(w.value.startswith("No signal: these columns do not tell good customers from the rest")
               for w in at.tabs[4].warning)
    tiers = at.tabs[4].dataframe[0].value["tier"]
    assert set(tiers) == {"no signal"}


def test_a_leads_file_that_cannot_be_used_gets_one_clear_error(root):
    at = _open(root, _customers(), "Lead fit")
    unrelated = pd.DataFrame({"Lead ID": ["L1", "L2"], "Website": ["a.com", "b.com"]})
    at.file_uploader(key="leads_file").set_value(("prospects.csv", leads_files.csv(unrelated), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "prospects.csv and customers.csv share no column" in errors[0]
    assert "prospects.csv has: Lead ID, Website" in errors[0]
    # A file the loader refuses says what the loader says, naming it.
    at.file_uploader(key="leads_file").set_value(("empty.csv", b"", "text/csv")).run()
    assert not at.exception, at.exception
    assert at.error and "empty.csv" in at.error[0].value


def test_the_scored_leads_are_still_there_after_another_tab_was_open(root):
    at = _open(root, _customers(), "Lead fit")
    at.file_uploader(key="leads_file").set_value(("leads.csv", leads_files.csv(leads_files.leads()), "text/csv"))
    at.run()
    scored = at.tabs[4].dataframe[0].value
    at.session_state["health_tab"] = "Conversion"
    at.run()
    assert not at.tabs[4].children  # the Lead fit tab is closed: nothing of it runs
    at.session_state["health_tab"] = "Lead fit"
    at.run()
    assert not at.exception and not at.tabs[4].error, at.exception
    assert any("Scoring **leads.csv**, uploaded earlier" in c.value for c in at.tabs[4].caption)
    pd.testing.assert_frame_equal(at.tabs[4].dataframe[0].value, scored)
    # Removing the file from the uploader forgets it.
    at.file_uploader(key="leads_file").set_value(None).run()
    assert any("Upload a leads export" in i.value for i in at.tabs[4].info) and not at.tabs[4].dataframe
