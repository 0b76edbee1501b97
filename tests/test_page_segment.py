"""The Segment page: methods, live verdicts, refusals, and what is kept for later pages."""

from __future__ import annotations

from tests.apptest import app, texts


def _segment_page():
    at = app()
    at.run()
    at.switch_page("views/segment.py")
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


def _variables_box(at):
    return next(m for m in at.multiselect if m.label.startswith("Segmentation variables"))


def test_the_k_slider_shows_the_k_in_use_after_the_variables_change():
    at = _segment_page()
    assert at.slider(key="k").value == at.session_state["segmentation"].params["k"] == 3
    _variables_box(at).set_value(["seats", "integrations"])
    at.button(key="kmeans_vars_apply").click().run()
    assert not at.exception
    seg = at.session_state["segmentation"]
    # The sample's seats and integrations suggest k=7: the slider says 7, not the 3 it showed before.
    assert list(seg.variables) == ["seats", "integrations"] and seg.params["k"] == 7
    assert at.slider(key="k").value == 7 and at.slider(key="k").disabled
    # Taking k by hand starts from the k in use and then follows the hand.
    at.toggle(key="auto_k").set_value(False).run()
    assert at.slider(key="k").value == 7 and not at.slider(key="k").disabled
    at.slider(key="k").set_value(5).run()
    assert at.session_state["segmentation"].params["k"] == 5 == at.slider(key="k").value
    at.toggle(key="auto_k").set_value(True).run()
    assert at.session_state["segmentation"].params["k"] == 7 == at.slider(key="k").value


def _sweeps() -> list:
    """The k sweeps in the server's shared cache (ui.memo.shared), by key."""
    from ui.memo import shared_cache

    return [key for (name, key), _ in shared_cache().items() if name == "sweep"]


def test_variable_changes_wait_for_apply_and_the_rest_stays_live():
    at = _segment_page()
    before = at.session_state["segmentation"]
    sweeps = _sweeps()  # the k sweeps computed so far
    # Three swaps, no Apply: nothing is refitted, the segments on screen are still the applied ones.
    box = _variables_box(at)
    for chosen in (["logins_30d", "features_adopted"], ["logins_30d", "features_adopted", "seats"],
                   ["features_adopted", "seats"]):
        box.set_value(chosen)
        at.run()
        box = _variables_box(at)
    assert at.session_state["segmentation"].fingerprint == before.fingerprint
    assert _sweeps() == sweeps
    # k stays live without Apply.
    at.toggle(key="auto_k").set_value(False).run()
    at.slider(key="k").set_value(4).run()
    assert at.session_state["segmentation"].params["k"] == 4
    assert list(at.session_state["segmentation"].variables) == list(before.variables)
    _variables_box(at).set_value(["features_adopted", "seats"])
    at.button(key="kmeans_vars_apply").click().run()
    assert not at.exception
    assert list(at.session_state["segmentation"].variables) == ["features_adopted", "seats"]
    assert at.session_state["segmentation"].params["k"] == 4  # a k taken by hand is kept


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
    at.switch_page("views/segment.py").run()
    assert not at.exception and not at.error, texts(at.error)
    seg = at.session_state["segmentation"]
    assert seg.method == "kmeans"
    assert set(seg.variables) == {"Monthly Fee", "Logins", "Employees"}  # not the empty fields, not a date
    box = next(m for m in at.multiselect if m.label.startswith("Segmentation variables"))
    # The churn flag the segments are validated against is not a variable; mostly empty columns say so.
    assert not any(option.startswith(("Churn", "churned")) for option in box.options)
    assert any(option.startswith("Upsell__c") and option.endswith("· 97% empty") for option in box.options)


def _status_export(*, churned_column: bool = False) -> bytes:
    """A customers export whose churn is a Status column (Active / Cancelled), as billing tools write it."""
    header = "Account ID,Company,Plan,MRR,Signup Date,Status,Logins (30d),Seats"
    lines = [header + (",churned" if churned_column else "")]
    for i in range(120):
        logins = (i * 7) % 40
        status = "Cancelled" if (logins < 10) == (i % 5 != 0) else "Active"
        reason = f",reason {i % 25}" if churned_column else ""
        lines.append(f"ACC-{i:04d},Firm {i},{['Basic', 'Pro', 'Enterprise'][i % 3]},{49 + (i * 31) % 400},"
                     f"2023-{1 + i % 12:02d}-{1 + i % 27:02d},{status},{logins},{1 + (i * 13) % 50}{reason}")
    return ("\n".join(lines) + "\n").encode()


def _upload_customers(data: bytes):
    at = app()
    at.run()
    next(u for u in at.file_uploader if u.label.startswith("Customers")).set_value(("accounts.csv", data, "text/csv"))
    at.run()
    return at


def test_a_status_column_is_the_churn_outcome_and_is_not_a_variable():
    at = _upload_customers(_status_export())
    assert at.session_state["dataset"].roles["customers"].get("outcome") == "Status"
    at.switch_page("views/segment.py").run()
    assert not at.exception and not at.error, texts(at.error)
    actionable = at.session_state["validation"]["actionable"]
    assert actionable.figures["outcome"] == "churned" and actionable.figures["kind"] == "binary"
    box = next(m for m in at.multiselect if m.label.startswith("Segmentation variables"))
    assert not any(option.startswith(("Status", "churned")) for option in box.options)


def test_an_outcome_that_is_no_flag_is_named_and_the_segments_stay():
    at = _upload_customers(_status_export())
    box = next(s for s in at.selectbox if s.key and s.key.startswith("role_customers_outcome_"))
    box.set_value("Plan").run()
    at.switch_page("views/segment.py").run()
    assert not at.exception
    errors = " ".join(texts(at.error))
    assert "Column 'Plan', mapped as the churned flag, holds" in errors and "'Enterprise'" in errors
    assert "'churned' is empty" not in errors  # never a column the user did not make
    assert len(at.session_state["segmentation"].labels) == 120 and at.dataframe  # the segments are still shown
    assert at.session_state["validation"]["actionable"].figures["outcome"] is None


def test_an_outcome_validation_cannot_use_is_an_error_message_not_a_traceback():
    at = _upload_customers(_status_export(churned_column=True))  # the file's own "churned": 25 reasons
    at.switch_page("views/segment.py").run()
    assert not at.exception
    assert any("'churned' has 25 different values" in e for e in texts(at.error)), texts(at.error)
    assert at.session_state["validation"]["actionable"].verdict == "warn" and at.dataframe


def _subscriptions_export() -> bytes:
    """Subscriptions (1-3 per customer), ChartMogul-style: churned customers' subscriptions all ended in 2024."""
    lines = ["customer_uuid,customer_name,plan,billing_cycle,started_at,ended_at,mrr,currency,quantity,status"]
    for i in range(150):
        churned = i % 4 != 0
        for j in range(1 + i % 3):
            start = f"{2023 if churned else 2023 + i % 3}-{1 + (i + j) % 12:02d}-{1 + i % 27:02d}"
            end = f"2024-{1 + (i + j) % 5:02d}-{1 + (i * 7) % 27:02d}" if churned else ""
            lines.append(f"cus_{i:04d},Customer {i},{['Starter', 'Growth', 'Scale'][(i + j) % 3]},month,{start},{end},"
                         f"{[49, 99, 199, 399][(i * 7 + j) % 4]}.00,USD,{1 + (i + j) % 4},"
                         f"{'churned' if churned else 'active'}")
    return ("\n".join(lines) + "\n").encode()


def test_kmeans_defaults_leave_out_a_variable_that_mirrors_the_outcome():
    # Rolled up to customers, recency_days is "days since the subscription ended": the churn flag itself.
    at = _upload_customers(_subscriptions_export())
    at.switch_page("views/segment.py").run()
    assert not at.exception and not at.error, texts(at.error)
    seg = at.session_state["segmentation"]
    assert "recency_days" not in seg.variables
    assert any(c.startswith("Not picked by default, because it mirrors churned") and "recency_days" in c
               for c in texts(at.caption))
    box = next(m for m in at.multiselect if m.label.startswith("Segmentation variables"))
    assert any(option.startswith("recency_days") for option in box.options)  # still offered, just not chosen
    box.set_value(["mrr", "recency_days"])
    at.button(key="kmeans_vars_apply").click().run()
    actionable = at.session_state["validation"]["actionable"]
    assert actionable.verdict == "warn" and actionable.why.startswith("recency_days mirrors churned here")


def test_k_diagnostics_fold_away_and_the_reason_stays_visible():
    at = _segment_page()
    folded = next(e for e in at.expander if e.label == "How k was chosen")
    assert [child.type for child in folded.children.values()] == ["vega_lite_chart"]
    reason = next(c for c in texts(at.caption) if c.startswith(f"k={at.session_state['segmentation'].params['k']} "))
    assert reason not in texts(folded.caption)


def test_rfm_table_gives_every_segment_its_grid_rule():
    from segmentation.methods.rfm import segment_rules

    at = _segment_page()
    at.segmented_control(key="method").set_value("RFM").run()
    assert not at.exception
    seg = at.session_state["segmentation"]
    table = next(d for d in at.dataframe if "rule" in d.value.columns)
    written = segment_rules(seg)
    assert dict(zip(table.value["segment"], table.value["rule"])) == {s: written[s] for s in table.value["segment"]}
    assert not any("no simple rule" in r for r in table.value["rule"])
    assert table.proto.row_height == 66  # long rules wrap onto a second line instead of being cut
    assert at.session_state["validation"]["accessible"].verdict == "pass"
