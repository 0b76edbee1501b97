"""Re-applying a recipe to a newer export, and the migration matrix of who moved where."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation import kmeans, rfm
from segmentation.errors import DataError
from segmentation.export import load_recipe, recipe_json
from segmentation.tracking import GONE, NEW, apply_recipe, migration, prepare_for_recipe


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
