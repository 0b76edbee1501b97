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


def _sparse_crm_export() -> bytes:
    """A CRM dump: a few filled columns, custom fields 97% empty, serial-number dates and a churn flag."""
    n = 100
    lines = ["Id,Account Name,Upsell__c,Employees,Monthly Fee,Start Date,Logins,Score__c,Churn"]
    for i in range(n):
        sparse = str(i % 50) if i % 40 == 0 else ""  # 3 of 100 filled: 97% empty
        lines.append(f"001{i:05d}AAA,Co {i},{sparse},{5 + (i * 37) % 900},{20 + (i * 13) % 400}.5,"
                     f"{45000 + (i * 11) % 600},{(i * 7) % 60},{sparse},{'Yes' if i % 3 == 0 else 'No'}")
    return ("\n".join(lines) + "\n").encode()


def test_kmeans_defaults_on_a_sparse_crm_export_fit_without_an_error():
    at = app()
    at.run()
    next(u for u in at.file_uploader if u.label.startswith("Customers")).set_value(
        ("accounts.csv", _sparse_crm_export(), "text/csv"))
    at.run()
    at.switch_page("pages/segment.py").run()
    assert not at.exception and not at.error, texts(at.error)
    seg = at.session_state["segmentation"]
    assert seg.method == "kmeans"
    assert set(seg.variables) == {"Monthly Fee", "Logins", "Employees"}  # not the empty fields, not a date
    box = next(m for m in at.multiselect if m.label.startswith("Segmentation variables"))
    # The churn flag the segments are validated against is not a variable; mostly empty columns say so.
    assert not any(option.startswith(("Churn", "churned")) for option in box.options)
    assert any(option.startswith("Upsell__c") and option.endswith("· 97% empty") for option in box.options)
