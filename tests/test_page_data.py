"""The Data page as a user drives it: sample, uploads, a bad upload, role changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    assert set(at.session_state["dataset"].tables) == {"customers"}  # the sample's other tables went with it
    frame = at.session_state["dataset"].tables["customers"].frame
    assert frame["customer_id"].tolist() == ["00017", "00018", "00019"]
    assert frame["mrr"].tolist() == [1234.5, 99.9, 450.0]
    assert at.session_state["dataset"].roles["customers"].get("customer_id") == "customer_id"


def test_a_bad_upload_names_the_file_and_keeps_what_was_loaded():
    at = app()
    at.run()
    _uploader(at, "Customers").set_value(("empty.csv", b"", "text/csv"))
    at.run()
    assert not at.exception
    errors = texts(at.error)
    assert errors and "empty.csv" in errors[0] and "previously loaded data is kept" in errors[0]
    # The sample loaded before is still there.
    assert len(at.session_state["dataset"].tables["customers"].frame) == 5000


def test_changing_a_role_is_remembered():
    at = app()
    at.run()
    box = next(s for s in at.selectbox if s.label == "Plan" and "customers" in s.key)
    box.set_value("industry").run()
    assert not at.exception
    assert at.session_state["dataset"].roles["customers"].get("plan") == "industry"


# -- a billing tool's subscriptions export (ChartMogul, Baremetrics, Stripe, Chargebee) ----------------------

def _subscriptions_csv(n_customers: int = 400, seed: int = 42) -> tuple[bytes, int]:
    """One row per subscription, as ChartMogul exports them: a customer renews, upgrades or downgrades and may
    leave; ended_at is blank while a subscription runs. Returns the CSV and the number of rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        uuid = f"cus_{rng.integers(16 ** 8):08x}-{c:04d}"
        start = pd.Timestamp("2022-01-01") + pd.Timedelta(days=int(rng.integers(0, 900)))
        plan = rng.choice(["Starter", "Growth", "Scale"], p=[.5, .35, .15])
        mrr = {"Starter": 49, "Growth": 199, "Scale": 799}[plan] * int(rng.integers(1, 4))
        for _ in range(int(rng.integers(1, 4))):
            end = start + pd.Timedelta(days=int(rng.integers(30, 500)))
            ended = end < pd.Timestamp("2025-06-30")
            rows.append({"customer_uuid": uuid, "customer_name": f"Customer {c}", "plan": plan,
                         "billing_cycle": rng.choice(["month", "year"]), "started_at": f"{start:%Y-%m-%d}",
                         "ended_at": f"{end:%Y-%m-%d}" if ended else "", "mrr": f"{mrr:.2f}", "currency": "USD",
                         "quantity": int(rng.integers(1, 20)), "status": "churned" if ended else "active"})
            if not ended:
                break
            start, mrr = end, int(mrr * rng.choice([0.5, 1, 2]))
    return pd.DataFrame(rows).to_csv(index=False).encode(), len(rows)


def test_a_subscriptions_export_as_customers_is_rolled_up_and_every_page_works():
    data, n_rows = _subscriptions_csv()
    at = app()
    at.run()
    _uploader(at, "Customers").set_value(("chartmogul_subscriptions.csv", data, "text/csv"))
    at.run()
    assert not at.exception and not at.error
    tables, roles = at.session_state["dataset"].tables, at.session_state["dataset"].roles
    customers, monthly = tables["customers"], tables["transactions"]
    assert len(customers.frame) == 400 and customers.frame["customer_uuid"].is_unique
    assert customers.notes[0].startswith(f"One row per subscription: rolled up to 400 customers ({n_rows} "
                                         "subscriptions)")
    assert any(caption.startswith(":material/info: One row per subscription") for caption in texts(at.caption))
    assert not any("more than once" in w for w in texts(at.warning))
    assert {role: roles["customers"].get(role) for role in ("customer_id", "signup_date", "churn_date", "mrr", "plan")
            } == {"customer_id": "customer_uuid", "signup_date": "signup_date", "churn_date": "churn_date",
                  "mrr": "mrr", "plan": "plan"}
    assert dict(roles["transactions"].roles) == {"customer_id": "customer_uuid", "transaction_date": "month",
                                                 "amount": "mrr"}
    assert monthly.frame["month"].dt.day.eq(1).all()

    at.switch_page("views/segment.py").run()
    assert not at.exception and not at.error
    segmentation = at.session_state["segmentation"]
    assert segmentation.method == "kmeans" and "mrr" in segmentation.variables
    assert len(segmentation.labels) == 400

    at.switch_page("views/profiles.py").run()
    assert not at.exception and not at.error

    at.switch_page("views/cohorts.py").run()
    assert not at.exception and not at.error
    assert "revenue retention" in at.session_state["cohorts"]
    revenue = at.session_state["cohorts"]["revenue retention"].set_index("cohort")
    assert revenue.iloc[:, 0].eq(1.0).all()  # period 0 is each cohort's own month
    assert (revenue.iloc[:, 1:] > 1).any().any()  # upgrades show as expansion: the MRR moves month by month


def test_a_subscriptions_export_alone_as_transactions_gives_customers_and_monthly_mrr():
    data, _ = _subscriptions_csv(n_customers=60, seed=3)
    at = app()
    at.run()
    _uploader(at, "Transactions").set_value(("subscriptions.csv", data, "text/csv"))
    at.run()
    assert not at.exception and not at.error
    tables = at.session_state["dataset"].tables
    assert list(tables) == ["customers", "transactions"]
    assert len(tables["customers"].frame) == 60 and tables["transactions"].name == "monthly MRR of subscriptions.csv"
    at.switch_page("views/segment.py").run()
    assert not at.exception and at.session_state["segmentation"].method == "kmeans"


def test_a_subscriptions_export_with_no_usable_row_names_the_row_and_keeps_what_was_loaded():
    data = ("customer_uuid,plan,started_at,ended_at,mrr\n"
            "c1,Pro,2024-05-01,2024-01-01,99\n"
            "c1,Pro,2024-06-01,2024-02-01,99\n").encode()
    at = app()
    at.run()
    _uploader(at, "Customers").set_value(("subs.csv", data, "text/csv"))
    at.run()
    assert not at.exception
    errors = texts(at.error)
    assert errors and "subs.csv" in errors[0] and "row 2" in errors[0] and "previously loaded data is kept" in errors[0]
    assert len(at.session_state["dataset"].tables["customers"].frame) == 5000  # the sample is still there


def test_the_session_of_a_subscriptions_export_tracks_its_next_export():
    data, _ = _subscriptions_csv()
    at = app()
    at.run()
    _uploader(at, "Customers").set_value(("subscriptions.csv", data, "text/csv"))
    at.run()
    at.switch_page("views/segment.py").run()
    at.switch_page("views/track.py").run()
    next(u for u in at.file_uploader if u.label.startswith("Newer export")).set_value(
        ("subscriptions.csv", data, "text/csv"))
    at.run()
    assert not at.exception and not at.error, texts(at.error)
    assert "400 customers scored" in [s.value for s in at.subheader]
    assert any("Of 400 customers in both, 400 (100%) stayed" in m for m in texts(at.markdown))


def test_ambiguous_dates_can_be_switched_between_day_first_and_month_first():
    # Monthly invoices on the 1st, written dd/mm/yyyy: both orders fit every value.
    rows = [f"INV-{i:04d},ACC{i % 20:03d},01/{1 + i // 20 % 12:02d}/2024,49.0" for i in range(240)]
    data = ("Invoice Number,Account Ref,Invoice Date,Net\n" + "\n".join(rows) + "\n").encode()
    at = app()
    at.run()
    _uploader(at, "Transactions").set_value(("invoices.csv", data, "text/csv"))
    at.run()
    dates = at.session_state["dataset"].tables["transactions"].frame["Invoice Date"]
    assert dates.dt.month.nunique() == 12 and dates.dt.day.eq(1).all()  # read day-first: the plausible order
    switch = at.segmented_control(key="date_order_transactions")
    switch.set_value("Month first (mm/dd)").run()
    assert not at.exception and not at.error, texts(at.error)
    dates = at.session_state["dataset"].tables["transactions"].frame["Invoice Date"]
    assert dates.dt.month.eq(1).all() and dates.dt.day.nunique() == 12


# -- an orders or events export alone whose customer id no guess recognises ----------------------------------

def _holder_csv(date_name: str = "Invoice Date", amount: bool = True) -> bytes:
    """Purchases of seven accounts under a column name that says nothing ("Holder")."""
    rows = [f"K{i % 7:03d},2024-{1 + i % 12:02d}-{1 + i % 9:02d}" + (f",{100 + i}" if amount else "")
            for i in range(60)]
    return (f"Holder,{date_name}" + (",Amount" if amount else "") + "\n" + "\n".join(rows) + "\n").encode()


def test_orders_without_a_recognisable_customer_id_load_and_the_user_picks_it():
    at = app()
    at.run()
    _uploader(at, "Transactions").set_value(("holder.csv", _holder_csv(), "text/csv"))
    at.run()
    assert not at.exception and not at.error, texts(at.error)
    assert list(at.session_state["dataset"].tables) == ["transactions"]  # loaded, no customers yet
    assert at.session_state["dataset"].customers_from == "transactions"
    warnings = texts(at.warning)
    assert any(w.startswith("Pick the column of holder.csv that holds the customer id (Customer id, below)")
               for w in warnings), warnings
    # Every other page says what to do, without an error.
    for page, said in (("segment", "Pick the column of holder.csv"), ("cohorts", "Pick the column of holder.csv"),
                       ("track", "Pick the column of holder.csv")):
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception and not at.error, (page, texts(at.error))
        assert any(said in i for i in texts(at.info)), (page, texts(at.info))
    at.switch_page("views/data.py").run()
    box = next(s for s in at.selectbox if s.label == "Customer id" and "transactions" in s.key)
    box.set_value("Holder").run()
    assert not at.exception and not at.error, texts(at.error)
    tables, roles = at.session_state["dataset"].tables, at.session_state["dataset"].roles
    assert list(tables) == ["customers", "transactions"]
    assert sorted(tables["customers"].frame["Holder"]) == [f"K{i:03d}" for i in range(7)]
    assert roles["customers"].get("customer_id") == "Holder" == roles["transactions"].get("customer_id")
    assert not any("customer id" in w for w in texts(at.warning))
    at.switch_page("views/segment.py").run()
    assert not at.exception and not at.error, texts(at.error)
    assert len(at.session_state["segmentation"].labels) == 7


def test_events_without_a_recognisable_customer_id_load_and_the_user_picks_it():
    at = app()
    at.run()
    _uploader(at, "Events").set_value(("activity.csv", _holder_csv("Event Date", amount=False), "text/csv"))
    at.run()
    assert not at.exception and not at.error, texts(at.error)
    assert list(at.session_state["dataset"].tables) == ["events"]
    assert at.session_state["dataset"].customers_from == "events"
    assert any(w.startswith("Pick the column of activity.csv") for w in texts(at.warning))
    next(s for s in at.selectbox if s.label == "Customer id" and "events" in s.key).set_value("Holder").run()
    assert not at.exception and not at.error, texts(at.error)
    assert len(at.session_state["dataset"].tables["customers"].frame) == 7


def test_the_missing_role_warning_goes_as_soon_as_the_role_is_picked():
    data = ("customer_id,Booked,amount\n" + "\n".join(f"c{i % 5},2024-{1 + i % 12:02d}-01,{10 + i}"
                                                     for i in range(30)) + "\n").encode()
    at = app()
    at.run()
    _uploader(at, "Transactions").set_value(("orders.csv", data, "text/csv"))
    at.run()
    assert any("Say which column of orders.csv holds the transaction date" in w for w in texts(at.warning))
    box = next(s for s in at.selectbox if s.label == "Transaction date" and "transactions" in s.key)
    box.set_value("Booked").run()  # one run, as one pick in the browser
    assert not at.exception
    assert at.session_state["dataset"].roles["transactions"].get("transaction_date") == "Booked"
    assert not any("Say which column" in w for w in texts(at.warning)), texts(at.warning)


def test_role_boxes_and_the_columns_table_write_roles_as_people_do():
    at = app()
    at.run()
    assert not at.exception
    labels = {s.label for s in at.selectbox if s.key.startswith("role_customers_")}
    assert {"Customer id", "Signup date", "Trial start", "Converted to paid", "Churn date", "MRR", "Plan"} <= labels
    assert "Mrr" not in labels and not any("_" in label for label in labels)
    # The columns table names each column's role the same way.
    columns = next(d for d in at.dataframe if "columns_customers" in d.proto.id).value.set_index("column")["role"]
    assert columns["mrr"] == "MRR" and columns["customer_id"] == "Customer id"
    assert columns["converted_to_paid"] == "Converted to paid" and columns["signup_date"] == "Signup date"


def test_the_sample_button_loads_the_sample_while_a_file_sits_in_the_uploader_until_the_uploads_change():
    at = app()
    at.run()
    _uploader(at, "Customers").set_value(("export.csv", CSV, "text/csv"))
    at.run()
    assert any("export.csv" in s for s in texts(at.subheader))
    next(b for b in at.button if b.label == "Use the sample data").click()
    at.run()
    assert not at.exception
    assert any("Sample data" in s for s in texts(at.subheader))
    at.run()  # any later run (a widget, a page switch) keeps the sample: the file in the box was already read
    assert any("Sample data" in s for s in texts(at.subheader))
    assert len(at.session_state["dataset"].tables["customers"].frame) == 5000
    # A new file in the box is what the user wants now.
    _uploader(at, "Customers").set_value(("newer.csv", CSV.replace(b"Acme", b"Apex"), "text/csv"))
    at.run()
    assert any("newer.csv" in s for s in texts(at.subheader))


def test_a_parquet_with_nested_columns_and_far_future_dates_loads_with_notes():
    from tests import messy_files as messy

    at = app()
    at.run()
    _uploader(at, "Customers").set_value(("bigquery.parquet", messy.nested_parquet(), "application/octet-stream"))
    at.run()
    assert not at.exception and not at.error  # was a red box: TypeError in infer_roles
    assert any("bigquery.parquet" in s for s in texts(at.subheader))
    assert any("read as JSON text" in c for c in texts(at.caption))
    _uploader(at, "Customers").set_value(("contracts.parquet", messy.sentinel_dates_parquet(),
                                          "application/octet-stream"))
    at.run()
    assert not at.exception and not at.error
    assert any("contracts.parquet" in s for s in texts(at.subheader))
    assert any("outside what can be stored" in c and "read as missing" in c for c in texts(at.caption))
