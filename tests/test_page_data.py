"""The Data page as a user drives it: sample, uploads, a bad upload, role changes."""

from __future__ import annotations

from tests.apptest import app, texts

CSV = ("customer_id;company;plan;mrr;signup_date\n"
       "00017;Acme;Pro;1.234,50;03.02.2024\n"
       "00018;Beta;Starter;99,90;15.03.2024\n"
       "00019;Cobalt;Pro;450,00;01.04.2024\n").encode("cp1252")


def _uploader(at, label_start):
    return next(u for u in at.file_uploader if u.label.startswith(label_start))


def test_first_visit_opens_on_the_sample():
    at = app()
    at.run()
    assert not at.exception
    assert any("Sample data" in s for s in texts(at.subheader))
    rows = [m.value for m in at.metric if m.label == "Rows"]
    assert rows[0] == "5,000"  # customers come first


def test_upload_shows_what_was_detected_and_keeps_ids_as_text():
    at = app()
    at.run()
    _uploader(at, "Customers").set_value(("export.csv", CSV, "text/csv"))
    at.run()
    assert not at.exception
    assert any("export.csv" in s for s in texts(at.subheader))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Delimiter"] == ";" and metrics["Rows"] == "3"
    assert set(at.session_state["tables"]) == {"customers"}  # the sample's other tables went with it
    frame = at.session_state["tables"]["customers"].frame
    assert frame["customer_id"].tolist() == ["00017", "00018", "00019"]
    assert frame["mrr"].tolist() == [1234.5, 99.9, 450.0]
    assert at.session_state["roles"]["customers"].get("customer_id") == "customer_id"


def test_a_bad_upload_names_the_file_and_keeps_what_was_loaded():
    at = app()
    at.run()
    _uploader(at, "Customers").set_value(("empty.csv", b"", "text/csv"))
    at.run()
    assert not at.exception
    errors = texts(at.error)
    assert errors and "empty.csv" in errors[0] and "previously loaded data is kept" in errors[0]
    # The sample loaded before is still there.
    assert len(at.session_state["tables"]["customers"].frame) == 5000


def test_changing_a_role_is_remembered():
    at = app()
    at.run()
    box = next(s for s in at.selectbox if s.label == "Plan" and "customers" in s.key)
    box.set_value("industry").run()
    assert not at.exception
    assert at.session_state["roles"]["customers"].get("plan") == "industry"
