"""Re-applying a recipe to a newer export, and the migration matrix of who moved where."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.methods import kmeans, rfm
from segmentation.errors import DataError
from segmentation.export import load_recipe, recipe_json
from segmentation.features import customer_table
from segmentation.result import Segmentation
from segmentation.methods.rfm import NO_PURCHASES
from segmentation.sample import generate
from segmentation.roles import infer_roles
from segmentation.tracking import (GONE, NEW, apply_recipe, migration, no_purchases_label, prepare_for_recipe,
                                   same_segments)


def test_migration_counts_moves_new_and_gone():
    before = pd.Series({"1": "Champions", "2": "Champions", "3": "At Risk", "4": "At Risk", "5": "Lost",
                        "6": "Champions"})
    after = pd.Series({"1": "Champions", "2": "At Risk", "3": "At Risk", "4": "Champions", "6": "At Risk",
                       "7": "Champions", "8": "New"})
    result = migration(before, after)
    m = result.matrix
    assert list(m.index) == ["Champions", "At Risk", "Lost", "New", NEW]
    assert list(m.columns) == ["Champions", "At Risk", "Lost", "New", GONE]
    assert m.loc["Champions", "Champions"] == 1
    assert m.loc["Champions", "At Risk"] == 2  # customers 2 and 6
    assert m.loc["At Risk", "Champions"] == 1
    assert m.loc["Lost", GONE] == 1  # customer 5 is not in the newer file
    assert m.loc[NEW, "Champions"] == 1 and m.loc[NEW, "New"] == 1  # the RFM segment "New" is not confused
    assert int(m.to_numpy().sum()) == 8
    assert (result.stayed, result.changed, result.new, result.gone) == (2, 3, 2, 1)
    assert result.moved.columns.tolist() == ["customer_id", "from", "to"]
    assert result.moved[result.moved["from"] == "Champions"]["customer_id"].tolist() == ["2", "6"]
    assert result.summary[0] == "Of 5 customers in both, 2 (40%) stayed in their segment and 3 moved."
    assert result.summary[1] == "2 customers moved from Champions to At Risk"
    assert "1 customer from Lost is gone" in result.summary
    assert "1 new customer joined Champions" in result.summary


def test_migration_shares_and_order():
    before = pd.Series(["A", "A", "B", "B"], index=["w", "x", "y", "z"])
    after = pd.Series(["B", "A", "B", "B"], index=["w", "x", "y", "z"])
    result = migration(before, after, segments=["B", "A"])
    assert list(result.matrix.index) == ["B", "A", NEW]
    assert result.shares.loc["A", "B"] == pytest.approx(0.5)
    assert np.isnan(result.shares.loc[NEW, "A"])  # no new customers: no share
    assert result.summary[0].endswith("3 (75%) stayed in their segment and 1 moved.")


def test_migration_refuses_duplicates_and_non_series():
    with pytest.raises(DataError, match="appears twice"):
        migration(pd.Series(["A", "B"], index=["1", "1"]), pd.Series(["A"], index=["1"]))
    with pytest.raises(DataError, match="Series"):
        migration(["A"], pd.Series(["A"], index=["1"]))


@pytest.fixture
def customers() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 200
    return pd.DataFrame({"Account ID": [f"{i:05d}" for i in range(n)], "mrr": rng.lognormal(4, 1, n).round(2),
                         "logins": rng.poisson(20, n), "plan": rng.choice(["Pro", "Starter"], n)})


def test_apply_recipe_to_a_newer_customers_file_without_refitting(customers):
    table = customers.set_index("Account ID")
    seg = kmeans.fit_kmeans(table, ["mrr", "logins"], k=3, random_state=0)
    recipe, _ = load_recipe(recipe_json(seg))
    newer = customers.copy()
    newer.loc[:9, "mrr"] = newer.loc[:9, "mrr"] * 50  # ten accounts grow a lot
    newer = pd.concat([newer, pd.DataFrame({"Account ID": ["99999"], "mrr": [1.0], "logins": [0], "plan": ["Pro"]})])
    labels, prepared = apply_recipe(recipe, newer)
    assert prepared.id_name == "Account ID"
    assert labels.index[0] == "00000" and "99999" in labels.index
    unchanged = labels.index[10:200]
    assert labels.loc[unchanged].equals(seg.labels.loc[unchanged].rename("segment"))
    moves = migration(seg.labels, labels)
    assert moves.new == 1 and moves.gone == 0
    assert moves.matrix.loc[NEW].sum() == 1


def test_rfm_recipe_applies_to_a_transactions_file():
    rng = np.random.default_rng(5)
    ids = [f"C{i:03d}" for i in range(60)]
    tx = pd.DataFrame({"invoice_id": [f"I{i}" for i in range(500)], "customer_id": rng.choice(ids, 500),
                       "invoice_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, 500), "D"),
                       "amount": rng.integers(10, 300, 500).astype(float)})
    inputs = rfm.rfm_inputs(tx, customer_id="customer_id", date="invoice_date", amount="amount",
                            order_id="invoice_id")
    seg = rfm.fit_rfm(inputs)
    recipe, _ = load_recipe(recipe_json(seg))
    labels, prepared = apply_recipe(recipe, tx)
    assert prepared.id_name == "customer_id"
    pd.testing.assert_series_equal(labels.sort_index(), seg.labels.sort_index(), check_names=False,
                                   check_dtype=False)
    assert "from 500 purchases" in prepared.notes[0]


def test_prepare_says_what_is_missing(customers):
    seg = kmeans.fit_kmeans(customers.set_index("Account ID"), ["mrr", "logins"], k=2, random_state=0)
    with pytest.raises(DataError, match="lacks 'logins'"):
        prepare_for_recipe(seg, customers.drop(columns="logins"))
    with pytest.raises(DataError, match="empty"):
        prepare_for_recipe(seg, customers.iloc[:0])
    needs_purchases = rfm.fit_rfm(pd.DataFrame({"recency_days": [1, 5, 9], "frequency": [3, 2, 1],
                                                "monetary": [30.0, 20.0, 10.0]}, index=["a", "b", "c"]))
    with pytest.raises(DataError, match="transactions"):
        prepare_for_recipe(needs_purchases, customers)


# -- which baseline makes sense -----------------------------------------------------------------------
def test_same_segments_knows_a_saved_recipe_from_another_segmentation(customers):
    table = customers.set_index("Account ID")
    seg = kmeans.fit_kmeans(table, ["mrr", "logins"], k=3, random_state=0)
    recipe, _ = load_recipe(recipe_json(seg, profiles_names={seg.segments[0]: "Whales"}))
    assert same_segments(seg, recipe) and same_segments(recipe, seg)
    assert not same_segments(seg, kmeans.fit_kmeans(table, ["mrr", "logins"], k=2, random_state=0))
    assert not same_segments(seg, kmeans.fit_kmeans(table, ["mrr", "plan"], k=3, random_state=0))
    renamed = seg.renamed({seg.segments[0]: "Whales"})
    assert not same_segments(seg, renamed)  # the labels would all read as moves
    assert same_segments(renamed, load_recipe(recipe_json(renamed))[0])
    assert not same_segments(seg, None)
    assert no_purchases_label(seg) is None  # K-means has no segment for customers without purchases


# -- confirmed roles ----------------------------------------------------------------------------------
def test_confirmed_roles_pick_the_customer_id_that_guessing_gets_wrong(customers):
    # "id" is the export's row number; the account is "Kunde", a name no guess recognises.
    frame = customers.rename(columns={"Account ID": "Kunde"})
    seg = kmeans.fit_kmeans(frame.set_index("Kunde"), ["mrr", "logins"], k=3, random_state=0)
    newer = frame.iloc[::-1].reset_index(drop=True)
    newer.insert(0, "id", range(1, len(newer) + 1))
    _, guessed = apply_recipe(seg, newer)
    assert guessed.id_name == "id"  # what happens without the confirmed roles
    labels, prepared = apply_recipe(seg, newer, roles={"customer_id": "Kunde", "signup_date": "not in this file"})
    assert prepared.id_name == "Kunde"
    pd.testing.assert_series_equal(labels.sort_index(), seg.labels.sort_index(), check_names=False)
    # A RoleMap as confirmed on the Data page works as well.
    _, from_map = apply_recipe(seg, newer, roles=infer_roles(frame).with_role("customer_id", "Kunde"))
    assert from_map.id_name == "Kunde"
    # An explicit id column still wins.
    assert prepare_for_recipe(seg, newer, id_column="id", roles={"customer_id": "Kunde"}).id_name == "id"


@pytest.fixture
def paid_on() -> pd.DataFrame:
    """Purchases whose date is "Zahlungsdatum"; "date" is when the row was exported, a decoy."""
    rng = np.random.default_rng(5)
    ids = [f"C{i:03d}" for i in range(60)]
    return pd.DataFrame({
        "invoice_id": [f"I{i}" for i in range(500)], "customer_id": [*ids, *rng.choice(ids, 440)],
        "date": pd.Timestamp("2024-06-01") + pd.to_timedelta(rng.integers(0, 365, 500), "D"),
        "Zahlungsdatum": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, 500), "D"),
        "amount": rng.integers(10, 300, 500).astype(float)})


TX_ROLES = {"customer_id": "customer_id", "transaction_date": "Zahlungsdatum", "amount": "amount",
            "order_id": "invoice_id"}


def test_confirmed_transaction_roles_pick_the_purchase_date_that_guessing_gets_wrong(paid_on):
    inputs = rfm.rfm_inputs(paid_on, customer_id="customer_id", date="Zahlungsdatum", amount="amount",
                            order_id="invoice_id")
    seg = rfm.fit_rfm(inputs)
    recipe, _ = load_recipe(recipe_json(seg))
    guessed, _ = apply_recipe(recipe, paid_on)
    assert not guessed.sort_index().equals(seg.labels.sort_index())  # the guess read the export date
    # The newer file is itself the transactions table.
    labels, prepared = apply_recipe(recipe, paid_on, transaction_roles={"transaction_date": "Zahlungsdatum"})
    pd.testing.assert_series_equal(labels.sort_index(), seg.labels.sort_index(), check_names=False,
                                   check_dtype=False)
    assert prepared.source == "transactions"
    # A customers table plus the transactions file.
    accounts = pd.DataFrame({"customer_id": sorted(set(paid_on["customer_id"]))})
    labels, prepared = apply_recipe(recipe, accounts, transactions=paid_on, transaction_roles=TX_ROLES)
    pd.testing.assert_series_equal(labels.sort_index(), seg.labels.sort_index(), check_names=False,
                                   check_dtype=False)
    assert prepared.source == "customers"


# -- customers without purchases ----------------------------------------------------------------------
def test_no_purchases_customers_missing_from_a_transactions_file_are_not_gone():
    before = pd.Series({"1": "Champions", "2": NO_PURCHASES, "3": NO_PURCHASES, "4": "Lost", "5": NO_PURCHASES})
    after = pd.Series({"1": "Champions", "5": "New", "6": "Champions"})
    result = migration(before, after, after_source="transactions")
    assert (result.stayed, result.changed, result.new, result.gone) == (1, 1, 1, 1)
    assert result.matrix.loc["Lost", GONE] == 1  # other segments' absentees still count as gone
    assert result.matrix.loc[NO_PURCHASES, GONE] == 0
    assert result.matrix.loc[NO_PURCHASES, "New"] == 1  # customer 5 bought since
    assert int(result.matrix.to_numpy().sum()) == 4  # customers 2 and 3 are left out
    assert result.notes == ("2 customers in No purchases before are left out: the newer file lists only "
                            "transactions, so customers who still have no purchases are not in it and are not gone.",)
    # From a customers table, an absent customer is gone, whatever the segment.
    assert migration(before, after).gone == 3
    renamed = before.replace({NO_PURCHASES: "Never bought"})
    assert migration(renamed, after, after_source="transactions", no_purchases="Never bought").gone == 1
    assert migration(before, after, after_source="transactions", no_purchases=None).gone == 3


def test_rfm_session_segments_on_a_newer_transactions_file_lose_nobody():
    sample = generate(n_customers=200, random_state=4)
    roles = {"customer_id": "customer_id", "transaction_date": "invoice_date", "amount": "amount",
             "order_id": "invoice_id"}
    table = customer_table(sample.customers, customer_id="customer_id", transactions=sample.transactions,
                           transaction_roles=roles)
    seg = rfm.fit_rfm(table).renamed({NO_PURCHASES: "Never bought"})
    without = int((seg.labels == "Never bought").sum())
    assert without > 0 and no_purchases_label(seg) == "Never bought"
    labels, prepared = apply_recipe(seg, sample.transactions)
    assert prepared.source == "transactions"
    result = migration(seg.labels, labels, segments=seg.segments, after_source=prepared.source,
                       no_purchases=no_purchases_label(seg))
    assert result.gone == 0 and result.new == 0 and result.changed == 0
    assert result.stayed == 200 - without
    assert result.notes[0].startswith(f"{without} customers in Never bought before are left out")


def test_an_rfm_recipe_scores_order_lines_that_carry_quantity_and_unit_price():
    from segmentation.methods.rfm import fit_rfm, rfm_inputs
    from segmentation.tracking import apply_recipe

    rng = np.random.default_rng(3)
    n = 600
    lines = pd.DataFrame({
        "InvoiceNo": rng.integers(500000, 500400, n).astype(str),
        "CustomerID": rng.integers(12000, 12080, n).astype(float),
        "InvoiceDate": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
        "Quantity": rng.integers(1, 12, n),
        "UnitPrice": rng.uniform(0.5, 9.0, n).round(2),
    })
    priced = lines.assign(amount=lines["Quantity"] * lines["UnitPrice"])
    seg = fit_rfm(rfm_inputs(priced, customer_id="CustomerID", date="InvoiceDate", amount="amount",
                             order_id="InvoiceNo"))
    labels, prepared = apply_recipe(seg, lines)
    assert prepared.source == "transactions" and any("Quantity" in note for note in prepared.notes)
    assert labels.sort_index().equals(seg.labels.sort_index())


def test_a_transactions_file_counts_only_purchases_with_a_customer_id():
    # Four purchases by two customers (one written in capitals once), one row without an id.
    tx = pd.DataFrame({"order": ["#1", "#2", "#3", "#4", "#5"],
                       "email": ["ann@x.com", "ANN@X.COM", "bob@y.org", "bob@y.org", None],
                       "created_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15", "2024-03-01",
                                                     "2024-03-02"]),
                       "total": [10.0, 20.0, 5.0, 5.0, 99.0]})
    inputs = rfm.rfm_inputs(tx, customer_id="email", date="created_at", amount="total", order_id="order")
    seg = rfm.fit_rfm(inputs)
    labels, prepared = apply_recipe(seg, tx)
    assert sorted(labels.index) == ["ann@x.com", "bob@y.org"]
    assert prepared.frame.loc["ann@x.com", "monetary"] == 30.0
    assert prepared.notes[-1] == ("Built recency, frequency and monetary for 2 customers from 4 purchases "
                                  "(1 row without a customer id left out).")


def test_a_kmeans_recipe_on_purchase_features_builds_customers_from_the_ids_once():
    # Not RFM: the customer table is built from the file's ids, where two spellings are one customer.
    rng = np.random.default_rng(2)
    emails = [f"user{i}@example.com" for i in range(40)]
    written = [e.upper() if i % 5 == 0 else e for i, e in enumerate(rng.choice(emails, 400))]
    tx = pd.DataFrame({"email": written, "created_at": pd.Timestamp("2024-01-01")
                       + pd.to_timedelta(rng.integers(0, 200, 400), "D"), "total": rng.integers(5, 90, 400) * 1.0})
    table = customer_table(pd.DataFrame({"email": emails}), customer_id="email", transactions=tx,
                           transaction_roles={"customer_id": "email", "transaction_date": "created_at",
                                              "amount": "total"})
    seg = kmeans.fit_kmeans(table, ["frequency", "monetary"], k=2)
    labels, prepared = apply_recipe(seg, tx)
    assert len(prepared.frame) == 40 and prepared.frame.index.is_unique
    assert "from 400 purchases." in prepared.notes[-1]
    assert labels.sort_index().equals(seg.labels.sort_index())


# -- no customers file: the customers are the ids of the transactions or events ----------------------------
def _events(seed: int, n_customers: int = 30, rows: int = 900) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"user_id": [f"u{i:03d}" for i in rng.integers(0, n_customers, rows)],
                         "event_time": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 120, rows), "D"),
                         "event_type": rng.choice(["open", "share"], rows)})


def test_customers_taken_from_events_are_scored_from_the_events_and_absentees_are_gone():
    from segmentation.cleaning import customers_from_transactions

    events = _events(5)
    roles = {"customer_id": "user_id", "event_date": "event_time"}
    customers = customers_from_transactions(events, customer_id="user_id")
    table = customer_table(customers, customer_id="user_id", events=events, event_roles=roles)
    seg = kmeans.fit_kmeans(table, ["active_days_30d", "events_90d"], k=2, random_state=0)
    # The same period again: everyone keeps their segment.
    labels, prepared = apply_recipe(seg, customers, events=events, event_roles=roles, customers_from="events")
    assert prepared.source == "events" and prepared.id_name == "user_id"
    assert labels.sort_index().equals(seg.labels.sort_index().rename(labels.name))
    # Next period without u000: not in the events means not active, so gone (not left out as with purchases).
    later = events[events["user_id"] != "u000"]
    after, prepared = apply_recipe(seg, customers_from_transactions(later, customer_id="user_id"), events=later,
                                   event_roles=roles, customers_from="events")
    moves = migration(seg.labels, after, after_source=prepared.source)
    assert (moves.gone, moves.new) == (1, 0) and moves.moved["customer_id"].tolist()[-1] == "u000"


def test_customers_from_names_the_table_it_needs():
    frame = pd.DataFrame({"user_id": ["a", "b"]})
    seg = Segmentation(method="rules", labels=pd.Series(["A", "B"], index=["a", "b"]), segments=("A", "B"),
                       variables=("active_days_30d",))
    with pytest.raises(DataError, match="taken from the events, so pass the events table too"):
        prepare_for_recipe(seg, frame, customers_from="events")
    with pytest.raises(DataError, match="Unknown source 'orders'"):
        prepare_for_recipe(seg, frame, customers_from="orders")
