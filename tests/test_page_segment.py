"""The Segment page: methods, live verdicts, refusals, and what is kept for later pages."""

from __future__ import annotations

from tests.apptest import app, texts


def _segment_page():
    at = app()
    at.run()
    at.switch_page("pages/segment.py")
    at.run()
    return at


def test_kmeans_on_the_sample_shows_five_verdicts_and_stores_the_result():
    at = _segment_page()
    assert not at.exception
    headings = " ".join(texts(at.markdown))
    for criterion in ("Distinct", "Measurable", "Substantial", "Accessible", "Actionable"):
        assert criterion in headings
    seg = at.session_state["segmentation"]
    assert seg.method == "kmeans" and len(seg.labels) == 5000
    assert set(at.session_state["validation"].verdicts) == {"distinct", "measurable", "substantial", "accessible",
                                                             "actionable"}


def test_changing_k_refits_live():
    at = _segment_page()
    at.toggle(key="auto_k").set_value(False).run()
    at.slider(key="k").set_value(5).run()
    assert not at.exception
    assert len(at.session_state["segmentation"].segments) == 5


def test_rfm_uses_transactions_and_shows_thresholds():
    at = _segment_page()
    at.segmented_control(key="method").set_value("RFM").run()
    assert not at.exception
    seg = at.session_state["segmentation"]
    assert seg.method == "rfm"
    assert any("F 5 =" in m for m in texts(at.markdown))


def test_rules_method_reports_a_bad_rule_by_line():
    at = _segment_page()
    at.segmented_control(key="method").set_value("Rules").run()
    assert not at.exception
    assert at.session_state["segmentation"].method == "rules"
    area = at.text_area[0]
    area.set_value("Big: mrr >> 5\nSmall: otherwise").run()
    assert not at.exception
    assert any("line 1" in e.lower() for e in texts(at.error))
