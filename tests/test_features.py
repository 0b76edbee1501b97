"""The customer table: hand-computed features, as-of rules, ids as text (and with or without leading zeros),
notes and errors."""

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import DataError
from segmentation.features import (
    TRANSACTION_FEATURES, build_customer_table, customer_table, ids_as_text,
)

TX_ROLES = {"customer_id": "cust", "transaction_date": "paid_on", "amount": "amount"}


@pytest.fixture
def customers():
    return pd.DataFrame(
        {"customer_id": ["00017", "00018", "00019"], "plan": ["pro", "basic", "pro"], "seats": [5, 1, 3]}
    )


@pytest.fixture
def transactions():
    # 00017: three rows on two days (two rows on 2024-03-01); 00018: one row; 00019: none.
    return pd.DataFrame(
        {
            "invoice": ["A1", "A2", "A3", "B1"],
            "cust": ["00017", "00017", "00017", "00018"],
            "paid_on": ["2024-01-01", "2024-03-01", "2024-03-01", "2024-02-15"],
            "amount": [100.0, 20.0, 30.0, 45.5],
        }
    )


def test_recency_frequency_monetary_by_hand(customers, transactions):
    table = customer_table(customers, customer_id="customer_id", transactions=transactions, transaction_roles=TX_ROLES)
    # as_of defaults to the day after the last transaction: 2024-03-02.
    row = table.loc["00017"]
    assert row["recency_days"] == 1  # 2024-03-01 -> 2024-03-02
    assert row["frequency"] == 2  # no order column: distinct purchase days
    assert row["monetary"] == pytest.approx(150.0)
    assert row["first_purchase"] == pd.Timestamp("2024-01-01")
    assert row["last_purchase"] == pd.Timestamp("2024-03-01")
    assert row["tenure_days"] == 61  # 2024-01-01 -> 2024-03-02 (leap year)
    assert row["orders_30d"] == 1 and row["orders_90d"] == 2
    other = table.loc["00018"]
    assert (other["recency_days"], other["frequency"], other["monetary"]) == (16, 1, 45.5)


def test_order_ids_count_orders_not_days(customers, transactions):
    roles = {**TX_ROLES, "order_id": "invoice"}
    table = customer_table(customers, customer_id="customer_id", transactions=transactions, transaction_roles=roles)
    assert table.loc["00017", "frequency"] == 3  # A1, A2, A3 (two of them on the same day)


def test_order_lines_of_one_order_count_once(customers):
    lines = pd.DataFrame(
        {"cust": ["00017"] * 3, "paid_on": ["2024-05-01"] * 3, "amount": [1.0, 2.0, 3.0], "invoice": ["X", "X", "Y"]}
    )
    roles = {**TX_ROLES, "order_id": "invoice"}
    table = customer_table(customers, customer_id="customer_id", transactions=lines, transaction_roles=roles)
    assert table.loc["00017", "frequency"] == 2
    assert table.loc["00017", "monetary"] == pytest.approx(6.0)


def test_customers_without_purchases_get_zero_and_missing_recency(customers, transactions):
    table = customer_table(customers, customer_id="customer_id", transactions=transactions, transaction_roles=TX_ROLES)
    row = table.loc["00019"]
    assert row["frequency"] == 0 and row["monetary"] == 0 and row["orders_90d"] == 0
    assert np.isnan(row["recency_days"]) and np.isnan(row["tenure_days"]) and pd.isna(row["last_purchase"])


def test_index_is_text_ids_and_own_columns_are_kept(customers, transactions):
    table = customer_table(customers, customer_id="customer_id", transactions=transactions, transaction_roles=TX_ROLES)
    assert list(table.index) == ["00017", "00018", "00019"]
    assert table.index.name == "customer_id"
    assert list(table.columns[:2]) == ["plan", "seats"]
    assert table.loc["00018", "plan"] == "basic"
    assert set(TRANSACTION_FEATURES) <= set(table.columns)


def test_without_transactions_the_table_is_the_customers_indexed_by_id(customers):
    table = customer_table(customers, customer_id="customer_id")
    assert list(table.columns) == ["plan", "seats"]
    assert list(table.index) == ["00017", "00018", "00019"]


def test_explicit_as_of_leaves_out_later_rows_with_a_note(customers, transactions):
    built = build_customer_table(
        customers, customer_id="customer_id", transactions=transactions, transaction_roles=TX_ROLES,
        as_of="2024-02-20",
    )
    row = built.frame.loc["00017"]
    assert (row["recency_days"], row["frequency"], row["monetary"]) == (50, 1, 100.0)  # only the January row
    assert built.as_of == pd.Timestamp("2024-02-20")
    assert any("2 transactions row(s) are dated after the as-of date 2024-02-20" in n for n in built.notes)


def test_window_counts_include_exactly_30_days_back(customers):
    tx = pd.DataFrame(
        {"cust": ["00017", "00017", "00017"], "paid_on": ["2024-03-01", "2024-03-02", "2024-03-31"], "amount": 1.0}
    )
    table = customer_table(
        customers, customer_id="customer_id", transactions=tx, transaction_roles=TX_ROLES, as_of="2024-03-31"
    )
    # A purchase counts when its own recency is at most 30 days: 2024-03-01 is 30 days back.
    assert table.loc["00017", "orders_30d"] == 3
    table = customer_table(
        customers, customer_id="customer_id", transactions=tx, transaction_roles=TX_ROLES, as_of="2024-04-01"
    )
    assert table.loc["00017", "orders_30d"] == 2  # 2024-03-01 is now 31 days back


def test_unknown_ids_are_left_out_and_counted(customers, transactions):
    extra = pd.concat(
        [transactions, pd.DataFrame({"cust": ["99999", "99999", None], "paid_on": "2030-01-01", "amount": 5.0})],
        ignore_index=True,
    )
    built = build_customer_table(customers, customer_id="customer_id", transactions=extra, transaction_roles=TX_ROLES)
    # Unknown customers change nothing, not even the default as-of date.
    assert built.as_of == pd.Timestamp("2024-03-02")
    assert built.frame.loc["00017", "recency_days"] == 1
    assert list(built.unmatched["customer_id"]) == ["99999"] and list(built.unmatched["rows"]) == [2]
    assert any("2 transactions row(s) belong to 1 customer id(s)" in n and "'99999'" in n for n in built.notes)
    assert any("1 transactions row(s) have no customer id" in n for n in built.notes)


def test_numeric_ids_match_text_ids_without_decimal_point():
    customers = pd.DataFrame({"id": [17, 18]})
    # A transactions id column with a blank is read as floats: 17.0 must still be customer "17".
    tx = pd.DataFrame({"cust": [17.0, np.nan, 18.0], "paid_on": ["2024-01-01"] * 3, "amount": [1.0, 2.0, 3.0]})
    table = customer_table(customers, customer_id="id", transactions=tx, transaction_roles=TX_ROLES)
    assert list(table.index) == ["17", "18"]
    assert table.loc["17", "monetary"] == 1.0 and table.loc["18", "monetary"] == 3.0


def test_ids_as_text_keeps_zeros_and_drops_float_noise():
    assert list(ids_as_text(pd.Series(["007", "010"]))) == ["007", "010"]
    assert list(ids_as_text(pd.Series([7.0, None, 12.0]))) == ["7", None, "12"]
    assert list(ids_as_text(pd.Series([7, 12], dtype="Int64"))) == ["7", "12"]


def test_events_give_active_days_and_event_counts(customers):
    events = pd.DataFrame(
        {
            "cust": ["00017", "00017", "00017", "00018", "00018"],
            "day": pd.to_datetime(["2024-03-30", "2024-03-30", "2024-02-01", "2023-12-01", "2024-03-31"]),
            "sessions": [2, 1, 4, 7, 0],  # a row with 0 sessions is no activity
        }
    )
    roles = {"customer_id": "cust", "event_date": "day", "count": "sessions"}
    table = customer_table(customers, customer_id="customer_id", events=events, event_roles=roles, as_of="2024-04-01")
    assert table.loc["00017", ["active_days_30d", "active_days_90d", "events_90d"]].tolist() == [1, 2, 7]
    # 2023-12-01 is 122 days back: outside 90 days.
    assert table.loc["00018", ["active_days_30d", "active_days_90d", "events_90d"]].tolist() == [0, 0, 0]
    assert table.loc["00019", "events_90d"] == 0

    plain = customer_table(
        customers, customer_id="customer_id", events=events, event_roles={"customer_id": "cust", "event_date": "day"},
        as_of="2024-04-01",
    )
    assert plain.loc["00017", "events_90d"] == 3  # rows, when no count column is mapped


def test_default_as_of_looks_at_transactions_and_events(customers, transactions):
    events = pd.DataFrame({"cust": ["00019"], "day": ["2024-04-10"]})
    built = build_customer_table(
        customers, customer_id="customer_id", transactions=transactions, transaction_roles=TX_ROLES,
        events=events, event_roles={"customer_id": "cust", "event_date": "day"},
    )
    assert built.as_of == pd.Timestamp("2024-04-11")
    assert built.frame.loc["00017", "recency_days"] == 41  # 2024-03-01 -> 2024-04-11


def test_role_map_from_schema_works_as_roles(customers, transactions):
    schema = pytest.importorskip("segmentation.roles")
    roles = schema.RoleMap(kind="transactions", roles=TX_ROLES)
    table = customer_table(customers, customer_id="customer_id", transactions=transactions, transaction_roles=roles)
    assert table.loc["00017", "monetary"] == pytest.approx(150.0)


def test_inputs_are_not_mutated(customers, transactions):
    before_c, before_t = customers.copy(deep=True), transactions.copy(deep=True)
    customer_table(customers, customer_id="customer_id", transactions=transactions, transaction_roles=TX_ROLES)
    pd.testing.assert_frame_equal(customers, before_c)
    pd.testing.assert_frame_equal(transactions, before_t)


def test_missing_column_names_the_column_and_the_table(customers, transactions):
    with pytest.raises(DataError, match=r"transactions table has no column 'paid' \(mapped as transaction_date\)"):
        customer_table(
            customers, customer_id="customer_id", transactions=transactions,
            transaction_roles={**TX_ROLES, "transaction_date": "paid"},
        )
    with pytest.raises(DataError, match=r"customers table has no column 'id'"):
        customer_table(customers, customer_id="id")


def test_duplicate_customer_ids_name_an_id_and_its_rows(customers):
    doubled = pd.concat([customers, customers.iloc[[1]]], ignore_index=True)
    with pytest.raises(DataError, match=r"customer id '00018' .* more than once \(rows 2, 4\)"):
        customer_table(doubled, customer_id="customer_id")


def test_unparseable_date_names_column_and_row(customers, transactions):
    bad = transactions.assign(paid_on=["2024-01-01", "2024-03-01", "someday", "2024-02-15"])
    with pytest.raises(DataError, match=r"column 'paid_on' has 'someday' in row 3"):
        customer_table(customers, customer_id="customer_id", transactions=bad, transaction_roles=TX_ROLES)


def test_amount_that_is_not_a_number_names_column_and_row(customers, transactions):
    bad = transactions.assign(amount=["1", "2", "3", "n/a"])
    with pytest.raises(DataError, match=r"column 'amount' has 'n/a' in row 4"):
        customer_table(customers, customer_id="customer_id", transactions=bad, transaction_roles=TX_ROLES)


def test_a_customers_column_named_like_a_feature_is_refused(customers, transactions):
    with pytest.raises(DataError, match="already has the column 'monetary'"):
        customer_table(
            customers.assign(monetary=1.0), customer_id="customer_id",
            transactions=transactions, transaction_roles=TX_ROLES,
        )


def test_tables_whose_ids_never_match_are_explained_with_examples():
    customers = pd.DataFrame({"id": [17, 18]})
    tx = pd.DataFrame({"cust": ["C-017"], "paid_on": ["2024-01-01"], "amount": [1.0]})
    with pytest.raises(DataError, match=r"customers has '17', the other table 'C-017'"):
        customer_table(customers, customer_id="id", transactions=tx, transaction_roles=TX_ROLES)


# -- ids written with and without leading zeros ----------------------------------------------------
def _zero_notes(built):
    return [n for n in built.notes if "leading zeros" in n]


def test_numeric_transaction_ids_match_zero_padded_customer_ids(customers):
    # An export from another system (or Excel) drops the zeros: 17 and 18 as numbers, with a
    # blank that makes the column floats (17.0).
    tx = pd.DataFrame(
        {"cust": [17.0, 17.0, np.nan, 18.0], "paid_on": ["2024-01-01", "2024-03-01", "2024-03-01", "2024-02-15"],
         "amount": [100.0, 50.0, 9.0, 45.5]}
    )
    built = build_customer_table(customers, customer_id="customer_id", transactions=tx, transaction_roles=TX_ROLES)
    table = built.frame
    assert list(table.index) == ["00017", "00018", "00019"]  # the customers file's ids are kept
    assert (table.loc["00017", "frequency"], table.loc["00017", "monetary"]) == (2, 150.0)
    assert (table.loc["00018", "frequency"], table.loc["00018", "monetary"]) == (1, 45.5)
    assert table.loc["00019", "frequency"] == 0
    assert built.as_of == pd.Timestamp("2024-03-02")  # matched rows count for the default as-of date
    assert _zero_notes(built) == [
        "Matched 2 transactions customer id(s) (3 row(s)) to the customers table by ignoring leading zeros "
        "(e.g. '17' -> '00017')."
    ]
    assert built.unmatched.empty
    assert not any("lacks" in n for n in built.notes)


def test_text_ids_without_zeros_match_and_events_too(customers):
    tx = pd.DataFrame({"cust": ["17", "018"], "paid_on": ["2024-03-01", "2024-02-15"], "amount": [20.0, 5.0]})
    events = pd.DataFrame({"cust": ["19", "19", "0019"], "day": ["2024-03-01", "2024-02-20", "2024-03-01"]})
    built = build_customer_table(
        customers, customer_id="customer_id", transactions=tx, transaction_roles=TX_ROLES,
        events=events, event_roles={"customer_id": "cust", "event_date": "day"},
    )
    assert built.frame["monetary"].tolist() == [20.0, 5.0, 0.0]
    assert built.frame.loc["00019", "events_90d"] == 3  # "19" and "0019" are both customer 00019
    assert built.frame.loc["00019", "active_days_30d"] == 2
    assert _zero_notes(built) == [
        "Matched 2 transactions customer id(s) (2 row(s)) to the customers table by ignoring leading zeros "
        "(e.g. '018' -> '00018').",  # ties in rows: the first id in text order
        "Matched 2 events customer id(s) (3 row(s)) to the customers table by ignoring leading zeros "
        "(e.g. '19' -> '00019').",
    ]


def test_numbers_in_a_mixed_text_column_match_without_their_decimal_point(customers):
    # A spreadsheet column with numbers and text comes as objects: 17.0 reads as "17.0".
    tx = pd.DataFrame({"cust": [17.0, "C-9"], "paid_on": ["2024-01-01"] * 2, "amount": [3.0, 4.0]}, dtype=object)
    built = build_customer_table(customers, customer_id="customer_id", transactions=tx, transaction_roles=TX_ROLES)
    assert built.frame.loc["00017", "monetary"] == 3.0
    assert "(e.g. '17.0' -> '00017')" in _zero_notes(built)[0]
    assert list(built.unmatched["customer_id"]) == ["C-9"]


def test_zero_padded_transaction_ids_match_customers_read_as_numbers():
    customers = pd.DataFrame({"id": [17, 18]})  # a customers file written without zeros
    tx = pd.DataFrame({"cust": ["00017", "0018"], "paid_on": ["2024-01-01"] * 2, "amount": [1.0, 2.0]})
    table = customer_table(customers, customer_id="id", transactions=tx, transaction_roles=TX_ROLES)
    assert list(table.index) == ["17", "18"]
    assert table["monetary"].tolist() == [1.0, 2.0]


def test_exact_matches_win_over_ids_without_zeros():
    # Customers "17" and "0017" are both real; "17" and "0017" in transactions mean exactly them.
    customers = pd.DataFrame({"customer_id": ["17", "0017", "00018"]})
    tx = pd.DataFrame(
        {"cust": ["17", "0017", "0017", "18"], "paid_on": ["2024-01-01"] * 4, "amount": [1.0, 10.0, 10.0, 5.0]}
    )
    built = build_customer_table(customers, customer_id="customer_id", transactions=tx, transaction_roles=TX_ROLES)
    assert built.frame["monetary"].tolist() == [1.0, 20.0, 5.0]
    assert _zero_notes(built) == [
        "Matched 1 transactions customer id(s) (1 row(s)) to the customers table by ignoring leading zeros "
        "(e.g. '18' -> '00018')."
    ]


def test_an_id_that_fits_two_customers_is_left_unmatched_with_a_note():
    customers = pd.DataFrame({"customer_id": ["017", "0017", "00018"]})
    tx = pd.DataFrame(
        {"cust": ["17", "17", "18", "017"], "paid_on": ["2024-01-01"] * 4, "amount": [1.0, 2.0, 5.0, 7.0]}
    )
    built = build_customer_table(customers, customer_id="customer_id", transactions=tx, transaction_roles=TX_ROLES)
    # "17" could be "017" or "0017": neither gets its rows; "017" matches exactly; "18" is unambiguous.
    assert built.frame["monetary"].tolist() == [7.0, 0.0, 5.0]
    assert _zero_notes(built) == [
        "Matched 1 transactions customer id(s) (1 row(s)) to the customers table by ignoring leading zeros "
        "(e.g. '18' -> '00018').",
        "1 transactions customer id(s) (2 row(s)) were not matched: ignoring leading zeros, each fits more than "
        "one customer (e.g. '17' could be '017' or '0017'); write the ids the same way in both files.",
    ]
    assert built.unmatched[["customer_id", "rows"]].values.tolist() == [["17", 2]]
    assert any("2 transactions row(s) belong to 1 customer id(s) that the customers table lacks" in n
               for n in built.notes)


def test_ids_that_are_not_only_digits_are_never_rewritten():
    customers = pd.DataFrame({"customer_id": ["C-017", "00018", "0"]})
    tx = pd.DataFrame(
        {"cust": ["C-17", "C-0017", "18.5", "c-017", "000", "+18"], "paid_on": ["2024-01-01"] * 6, "amount": 1.0}
    )
    built = build_customer_table(customers, customer_id="customer_id", transactions=tx, transaction_roles=TX_ROLES)
    assert built.frame["monetary"].tolist() == [0.0, 0.0, 1.0]  # only "000" -> "0": all zeros is the number 0
    assert sorted(built.unmatched["customer_id"]) == ["+18", "18.5", "C-0017", "C-17", "c-017"]


def test_matching_ids_does_not_change_the_inputs(customers):
    tx = pd.DataFrame({"cust": ["17", "18"], "paid_on": ["2024-01-01"] * 2, "amount": [1.0, 2.0]})
    before = tx.copy(deep=True)
    customer_table(customers, customer_id="customer_id", transactions=tx, transaction_roles=TX_ROLES)
    pd.testing.assert_frame_equal(tx, before)


def test_dates_with_time_zones_fall_on_their_utc_day(customers):
    tx = pd.DataFrame({"cust": ["00017"], "paid_on": ["2024-03-05T23:30:00-05:00"], "amount": [1.0]})
    table = customer_table(customers, customer_id="customer_id", transactions=tx, transaction_roles=TX_ROLES)
    assert table.loc["00017", "last_purchase"] == pd.Timestamp("2024-03-06")



def test_duplicate_ids_are_named_by_the_rows_a_spreadsheet_shows():
    customers = pd.DataFrame({"id": ["a", "b", "a"], "mrr": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match=r"'a' in column 'id' more than once \(rows 2, 4\)"):
        build_customer_table(customers, customer_id="id", first_row=2)
    with pytest.raises(DataError, match=r"no customer id in column 'id' in row 3"):
        build_customer_table(customers.assign(id=["a", None, "c"]), customer_id="id", first_row=2)


# -- ids that are emails ------------------------------------------------------------------------
def test_email_ids_are_one_customer_whatever_their_case_and_spaces():
    customers = pd.DataFrame({"email": ["Chris.197@Gmail.com", "ben.30@acme.co.uk"], "plan": ["pro", "basic"]})
    tx = pd.DataFrame({
        "cust": ["CHRIS.197@GMAIL.COM", "chris.197@gmail.com", " chris.197@gmail.com ", "ben.30@acme.co.uk", None],
        "paid_on": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
        "amount": [10.0, 20.0, 30.0, 5.0, 1.0],
    })
    built = build_customer_table(customers, customer_id="email", transactions=tx, transaction_roles=TX_ROLES)
    assert list(built.frame.index) == ["chris.197@gmail.com", "ben.30@acme.co.uk"]
    assert built.frame.loc["chris.197@gmail.com", "monetary"] == 60.0  # all three spellings
    assert built.frame.loc["chris.197@gmail.com", "frequency"] == 3
    assert built.unmatched.empty
    # Three spellings of one address in the transactions: two merged into the first. Said once.
    email_notes = [n for n in built.notes if "emails" in n]
    assert email_notes == ["Customer ids are emails: compared without case and spaces (2 ids merged)."]
    alone = build_customer_table(customers, customer_id="email")
    assert alone.notes == ("Customer ids are emails: compared without case and spaces.",)


def test_email_ids_that_merge_in_a_customers_table_are_duplicates():
    customers = pd.DataFrame({"email": ["CHRIS.197@GMAIL.COM", "ben.30@acme.co.uk", "chris.197@gmail.com "]})
    with pytest.raises(DataError, match=r"customer id 'chris.197@gmail.com' in column 'email' more than once "
                                        r"\(emails compared without case and spaces\) \(rows 2, 4\)"):
        build_customer_table(customers, customer_id="email", first_row=2)


def test_only_email_columns_lose_their_case():
    assert ids_as_text(pd.Series(["AB-1", "ab-1", "a@b.com"])).tolist() == ["AB-1", "ab-1", "a@b.com"]
    emails = pd.Series(["A@B.COM", None, " c@d.org", ""])
    assert ids_as_text(emails).tolist() == ["a@b.com", None, "c@d.org", None]
    no_dot = pd.Series(["USER@LOCALHOST", "admin@intranet"])  # no dot after the "@": not an email address
    assert ids_as_text(no_dot).tolist() == ["USER@LOCALHOST", "admin@intranet"]
