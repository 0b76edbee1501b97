"""Returns and cancellations are not purchases, in every door (DESIGN, "Transactions: what counts").

On an export shaped like UCI's Online Retail (invoice numbers "C536379" with negative quantities for
cancellations) and on plain payment exports (refunds as negative amounts, credit notes in a type
column), a return never counts as an order, an active day, a first purchase or a cohort's activity,
monetary and revenue stay net of it, and every door says how many rows were set apart: the Data page
(a table note), the command line (rfm both ways, cohorts, kmeans, assign), and the library a notebook
calls.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation.cleaning import clean_transactions, find_returns
from segmentation.cli import main
from segmentation.cohorts import cohort_table
from segmentation.dataset import Dataset
from segmentation.features import build_customer_table
from segmentation.methods.rfm import fit_rfm, rfm_inputs
from tests.apptest import app, texts
from tests.real_exports import online_retail_csv, online_retail_frame

SET_APART = "rows are returns or cancellations"

# Customers made by hand, below the generated ids (12346..18287), so that nobody else's lines mix in.
LOYAL, RETURNED_ALL, GAP, LATE_FIRST = 12001, 12002, 12003, 12004


def _line(invoice: str, customer: int, when: str, quantity: int, price: float = 2.55) -> dict:
    return {"InvoiceNo": invoice, "StockCode": "85123A", "Description": "WHITE HANGING HEART T-LIGHT HOLDER",
            "Quantity": quantity, "InvoiceDate": pd.Timestamp(when), "UnitPrice": price,
            "CustomerID": float(customer), "Country": "United Kingdom"}


def _hand_made() -> pd.DataFrame:
    rows = []
    number = iter(range(600001, 600100))
    # 12 purchase invoices, one a month, and 4 cancellations; the last cancellation comes after the last purchase.
    for month in range(1, 13):
        rows.append(_line(str(next(number)), LOYAL, f"2011-{month:02d}-05 10:00", 6))
    for day in ("2011-02-20", "2011-06-20", "2011-09-20", "2011-12-08"):
        rows.append(_line(f"C{next(number)}", LOYAL, f"{day} 11:00", -2))
    # Bought three lines on one invoice, then cancelled all of it.
    invoice = str(next(number))
    rows += [_line(invoice, RETURNED_ALL, "2011-03-01 09:00", q, p) for q, p in ((4, 2.55), (2, 7.65), (12, 1.85))]
    rows.append(_line(f"C{next(number)}", RETURNED_ALL, "2011-03-15 09:00", -4, 2.55))
    rows.append(_line(f"C{next(number)}", RETURNED_ALL, "2011-03-15 09:00", -2, 7.65))
    rows.append(_line(f"C{next(number)}", RETURNED_ALL, "2011-03-15 09:00", -12, 1.85))
    # First bought in February, only returned something in March, bought again in May.
    rows.append(_line(str(next(number)), GAP, "2011-02-03 12:00", 8))
    rows.append(_line(f"C{next(number)}", GAP, "2011-03-10 12:00", -3))
    rows.append(_line(str(next(number)), GAP, "2011-05-12 12:00", 5))
    # Returned, in January, something bought before the data starts; first bought in April.
    rows.append(_line(f"C{next(number)}", LATE_FIRST, "2011-01-07 12:00", -1))
    rows.append(_line(str(next(number)), LATE_FIRST, "2011-04-02 12:00", 10))
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def retail() -> pd.DataFrame:
    background = online_retail_frame()
    assert not background["CustomerID"].isin([LOYAL, RETURNED_ALL, GAP, LATE_FIRST]).any()
    return pd.concat([background, _hand_made()], ignore_index=True)


@pytest.fixture(scope="module")
def retail_csv(retail, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("retail") / "Online Retail.csv"
    path.write_bytes(online_retail_csv(retail))
    return path


def _returns_in(frame: pd.DataFrame) -> int:
    return int((frame["InvoiceNo"].str.startswith("C") | (frame["Quantity"] < 0)).sum())


def cli(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


# -- the customer table: frequency, recency, first purchase, monetary -------------------------------------------

def test_cancellations_are_no_orders_and_recency_comes_from_the_last_purchase(retail_csv, retail):
    data = Dataset.read(transactions=retail_csv)  # as the Data page, the CLI and a notebook read it
    table = data.customer_table()
    frame = table.frame
    as_of = table.as_of
    loyal = frame.loc[str(LOYAL)]
    assert loyal["frequency"] == 12  # 12 purchase invoices; the 4 cancellations are no orders
    assert loyal["last_purchase"] == pd.Timestamp("2011-12-05")  # not the cancellation of 2011-12-08
    assert loyal["recency_days"] == (as_of - pd.Timestamp("2011-12-05")).days
    # Monetary is net: 12 x 6 bought, 4 x 2 cancelled, at 2.55 each.
    assert loyal["monetary"] == pytest.approx((12 * 6 - 4 * 2) * 2.55)

    returned = frame.loc[str(RETURNED_ALL)]
    assert returned["frequency"] == 1 and returned["monetary"] == pytest.approx(0.0, abs=1e-9)
    assert returned["last_purchase"] == pd.Timestamp("2011-03-01")

    late = frame.loc[str(LATE_FIRST)]
    assert late["first_purchase"] == pd.Timestamp("2011-04-02")  # not the January return
    assert late["tenure_days"] == (as_of - pd.Timestamp("2011-04-02")).days

    # Every customer of the file: orders are the distinct purchase invoices, never a cancellation.
    known = retail.dropna(subset=["CustomerID"])
    bought = known[~known["InvoiceNo"].str.startswith("C")]
    expected = bought.groupby(bought["CustomerID"].astype(int).astype(str))["InvoiceNo"].nunique()
    pd.testing.assert_series_equal(frame["frequency"].loc[expected.index], expected, check_names=False)


def test_the_table_note_says_how_many_rows_were_set_apart(retail_csv, retail):
    notes = Dataset.read(transactions=retail_csv).tables["transactions"].notes
    said = [note for note in notes if SET_APART in note]
    assert len(said) == 1, notes
    count = _returns_in(retail)
    assert said[0].startswith(f"{count:,} of {len(retail):,} rows are returns or cancellations")
    assert "starting with C in 'InvoiceNo'" in said[0] and "negative 'Quantity'" in said[0]
    assert "revenue is net of them" in said[0]


def test_a_customer_who_returned_everything_is_not_scored_on_two_orders(retail_csv):
    seg = fit_rfm(Dataset.read(transactions=retail_csv).customer_table().frame)
    scores = seg.scores.loc[str(RETURNED_ALL)]
    assert scores["frequency"] == 1 and scores["f"] == 1 and scores["m"] == 1


def test_a_customer_with_returns_only_has_no_purchase_and_a_net_negative_monetary():
    frame = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": ["2024-01-05", "2024-02-01", "2024-01-20"],
                          "amount": [40.0, -15.0, -25.0]})
    table = build_customer_table(pd.DataFrame({"customer_id": ["a", "b"]}), customer_id="customer_id",
                                 transactions=frame,
                                 transaction_roles={"customer_id": "customer_id", "transaction_date": "date",
                                                    "amount": "amount"}).frame
    assert table.loc["a", "frequency"] == 1 and table.loc["a", "monetary"] == 25.0
    assert table.loc["a", "last_purchase"] == pd.Timestamp("2024-01-05")
    assert table.loc["b", "frequency"] == 0 and table.loc["b", "monetary"] == -25.0
    assert np.isnan(table.loc["b", "recency_days"]) and pd.isna(table.loc["b", "first_purchase"])
    assert fit_rfm(table).labels["b"] == "No purchases"


# -- what marks a return ----------------------------------------------------------------------------------------

def test_credit_notes_in_a_type_column_count_against_revenue_even_when_written_positive():
    frame = pd.DataFrame({"invoice_id": ["I-1", "I-2", "CN-1", "I-3"], "customer_id": ["a", "a", "a", "b"],
                          "date": ["2024-01-05", "2024-02-05", "2024-02-20", "2024-01-09"],
                          "Document Type": ["Invoice", "Invoice", "Credit Note", "Invoice"],
                          "amount": [100.0, 60.0, 60.0, 30.0]})
    found = find_returns(frame, amount="amount", order_id="invoice_id", customer_id="customer_id")
    assert found.rows.tolist() == [False, False, True, False]
    assert "'Document Type' is 'Credit Note'" in found.note and found.note.startswith("1 of 4 rows")
    inputs = rfm_inputs(frame, customer_id="customer_id", date="date", amount="amount", order_id="invoice_id")
    assert inputs.loc["a", "frequency"] == 2 and inputs.loc["a", "monetary"] == 100.0  # 100 + 60 - 60
    assert inputs.loc["a", "recency_days"] == (pd.Timestamp("2024-02-21") - pd.Timestamp("2024-02-05")).days
    assert inputs.attrs["returns"] == found.note


def test_an_id_scheme_of_c_numbers_is_not_a_cancellation():
    ids = pd.DataFrame({"order_id": ["C1001", "C1002", "C1003"], "amount": [1.0, 2.0, 3.0]})
    assert find_returns(ids, amount="amount", order_id="order_id").count == 0
    # A workbook's column mixes numbers and text: 536365 (a number cell) and "C536379" (a text cell).
    mixed = pd.DataFrame({"InvoiceNo": [536365, 536366, "C536379"], "Quantity": [6, 2, 1]})
    assert find_returns(mixed).rows.tolist() == [False, False, True]
    # Nothing marks a return here: the frame is left as it is, and no note is given.
    plain = pd.DataFrame({"invoice": ["1", "2"], "customer": ["a", "b"], "amount": [5.0, 0.0]})
    found = find_returns(plain, amount="amount", customer_id="customer")
    assert found.count == 0 and found.note is None
    out, notes = clean_transactions(plain)
    assert out is plain and notes == ()


# -- cohorts: a month of returns only is not a retained month ---------------------------------------------------

def test_a_month_with_only_returns_is_not_retained_and_revenue_is_net(retail_csv, retail):
    data = Dataset.read(transactions=retail_csv)
    cohorts = data.cohorts()
    assert any(SET_APART in note for note in cohorts.notes)
    # The same file without the March return of GAP: the customers per cell must not change, the revenue must.
    march = (retail["CustomerID"] == GAP) & retail["InvoiceNo"].str.startswith("C")
    without = Dataset.read(transactions=("Online Retail.csv", online_retail_csv(retail[~march]))).cohorts()
    keys = ["cohort", "period"]
    left = cohorts.table.set_index(keys)
    right = without.table.set_index(keys)
    pd.testing.assert_series_equal(left["customers"], right["customers"])
    cell = (pd.Timestamp("2011-02-01"), 1)  # GAP's cohort (first purchase in February), its March
    assert left.loc[cell, "revenue"] == pytest.approx(right.loc[cell, "revenue"] - 3 * 2.55)
    # The customer who first returned in January and first bought in April is in the April cohort.
    april = cohorts.table[(cohorts.table["cohort"] == "2011-04-01") & (cohorts.table["period"] == 0)]
    january = cohorts.table[(cohorts.table["cohort"] == "2011-01-01") & (cohorts.table["period"] == 0)]
    ids = retail.dropna(subset=["CustomerID"])
    bought = ids[~ids["InvoiceNo"].str.startswith("C")]
    firsts = bought.groupby("CustomerID")["InvoiceDate"].min().dt.to_period("M")
    assert april["cohort_size"].iloc[0] == int((firsts == pd.Period("2011-04")).sum())
    assert january["cohort_size"].iloc[0] == int((firsts == pd.Period("2011-01")).sum())
    assert firsts[float(LATE_FIRST)] == pd.Period("2011-04")


def test_events_are_activity_whatever_their_type():
    # A user who "returned" to the app is active: an events table has no returns to set apart.
    lines = ["user_id,event_date,event_type", "u1,2024-01-02,login", "u1,2024-01-09,login", "u1,2024-02-03,return",
             "u2,2024-01-05,login", "u2,2024-01-06,login", "u2,2024-03-01,login"]
    data = Dataset.read(events=("events.csv", ("\n".join(lines) + "\n").encode()))
    assert data.activity().kind == "events"
    cohorts = data.cohorts(min_customers=1)
    assert cohorts.table.loc[cohorts.table["period"] == 1, "customers"].tolist() == [1]
    assert not any(SET_APART in note for note in cohorts.notes)
    # The library's own default is a transactions table, where the same row would be a return.
    table = data.tables["events"].frame
    assert SET_APART in " ".join(cohort_table(table, customer_id="user_id", date="event_date", min_customers=1).notes)


# -- the command line -------------------------------------------------------------------------------------------

def test_cli_rfm_and_cohorts_set_returns_apart_and_say_so(retail_csv, retail, tmp_path):
    count = _returns_in(retail)
    code, _, err = cli("rfm", retail_csv, "--out", tmp_path / "rfm.csv")
    assert code == 0 and f"note: {count:,} of {len(retail):,} {SET_APART}" in err, err
    written = pd.read_csv(tmp_path / "rfm.csv", dtype={"customer_id": str}).set_index("customer_id")
    assert written.loc[str(LOYAL), "frequency"] == 12
    assert written.loc[str(RETURNED_ALL), "frequency"] == 1
    assert written.loc[str(RETURNED_ALL), "monetary"] == pytest.approx(0.0, abs=1e-9)
    table = Dataset.read(transactions=retail_csv).customer_table().frame
    assert written.loc[str(LOYAL), "recency_days"] == table.loc[str(LOYAL), "recency_days"]

    code, _, err = cli("cohorts", retail_csv, "--out", tmp_path / "cohorts.csv")
    assert code == 0 and f"{count:,} of {len(retail):,} {SET_APART}" in err, err
    long = pd.read_csv(tmp_path / "cohorts.csv", dtype={"cohort": str}).set_index(["cohort", "period"])
    expected = Dataset.read(transactions=retail_csv).cohorts().table
    assert long.loc[("2011-02", 1), "customers"] == int(
        expected.set_index(["cohort", "period"]).loc[(pd.Timestamp("2011-02-01"), 1), "customers"])


def test_cli_kmeans_and_assign_on_a_transactions_file_say_what_was_set_apart(retail_csv, retail, tmp_path):
    count = _returns_in(retail)
    code, _, err = cli("kmeans", retail_csv, "--vars", "frequency,monetary", "--k", 3, "--out", tmp_path / "km.csv")
    assert code == 0 and f"{count:,} of {len(retail):,} {SET_APART}" in err, err
    assert cli("rfm", retail_csv, "--out", tmp_path / "rfm.csv", "--recipe", tmp_path / "rfm.json")[0] == 0
    code, _, err = cli("assign", tmp_path / "rfm.json", retail_csv, "--out", tmp_path / "assigned.csv")
    assert code == 0 and err.count(SET_APART) == 1, err
    assigned = pd.read_csv(tmp_path / "assigned.csv", dtype=str)
    assert assigned.set_index(assigned.columns[0]).loc[str(LOYAL), "frequency"] == "12"


def _payments_csv(path: Path, *, c_prefixed: bool = False) -> Path:
    """A plain payments export (ISO dates, one amount): refunds are negative rows, or, with `c_prefixed`,
    cancellations are invoice numbers starting with C among plain numbers, their amounts written positive."""
    rows = [("1001", "A", "2024-01-05", 120.0), ("1002", "A", "2024-02-09", 80.0), ("1003", "B", "2024-01-11", 40.0),
            ("1004", "B", "2024-03-02", 60.0), ("1005", "C", "2024-02-14", 300.0), ("1006", "D", "2024-03-01", 45.0),
            ("1007", "D", "2024-04-20", 20.0), ("1008", "E", "2024-04-01", 99.0), ("1009", "F", "2024-04-18", 12.0)]
    returns = [("1010", "A", "2024-03-15", 80.0), ("1011", "C", "2024-05-06", 300.0), ("1012", "G", "2024-05-07", 10.0)]
    lines = ["invoice_no,customer_id,invoice_date,amount"] + [f"{i},{c},{d},{a}" for i, c, d, a in rows]
    for number, customer, day, amount in returns:
        lines.append(f"C{number},{customer},{day},{amount}" if c_prefixed else f"{number},{customer},{day},{-amount}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("c_prefixed", [False, True], ids=["negative amounts", "C invoice numbers"])
def test_cli_rfm_fast_path_and_auto_path_agree_on_returns(tmp_path, c_prefixed):
    payments = _payments_csv(tmp_path / "payments.csv", c_prefixed=c_prefixed)
    code, _, auto_err = cli("rfm", payments, "--out", tmp_path / "auto.csv")
    assert code == 0, auto_err
    code, _, fast_err = cli("rfm", payments, "--id", "customer_id", "--date", "invoice_date", "--amount", "amount",
                            "--order", "invoice_no", "--out", tmp_path / "fast.csv")
    assert code == 0, fast_err
    auto = pd.read_csv(tmp_path / "auto.csv", dtype=str, keep_default_na=False)
    fast = pd.read_csv(tmp_path / "fast.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(auto, fast)
    by_id = auto.set_index("customer_id")
    # A: two orders (the March refund is none), last purchase in February, 120 + 80 - 80 net.
    assert by_id.loc["A", "frequency"] == "2" and float(by_id.loc["A", "monetary"]) == 120.0
    assert by_id.loc["A", "recency_days"] == str((pd.Timestamp("2024-05-08") - pd.Timestamp("2024-02-09")).days)
    assert by_id.loc["C", "frequency"] == "1" and float(by_id.loc["C", "monetary"]) == 0.0
    # G only got money back: no purchase, blank recency, "No purchases".
    assert by_id.loc["G", "frequency"] == "0" and by_id.loc["G", "recency_days"] == ""
    assert by_id.loc["G", "segment"] == "No purchases" and float(by_id.loc["G", "monetary"]) == -10.0
    for err in (auto_err, fast_err):
        assert f"note: 3 of 12 {SET_APART}" in err, err


# -- the Data page --------------------------------------------------------------------------------------------------

def test_the_data_page_shows_what_was_set_apart(retail_csv, retail):
    at = app()
    at.session_state["_sample_offered"] = True
    at.run()
    uploader = next(u for u in at.file_uploader if u.label.startswith("Transactions"))
    uploader.set_value((retail_csv.name, retail_csv.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    shown = [text for text in texts(at.caption) if SET_APART in text]
    assert len(shown) == 1 and f"{_returns_in(retail):,} of {len(retail):,} {SET_APART}" in shown[0]
