"""Choosing segmentation variables and building the design matrix."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import DataError
from segmentation.variables import (
    apply_state,
    customer_ids,
    find_id_column,
    guess_category,
    looks_like_id,
    prepare,
)


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["00001", "00002", "00003", "00004", "00005", "00006"],
            "mrr": [0.0, 10.0, 20.0, 30.0, 40.0, 5000.0],  # skew well above 1
            "logins_30d": [1, 2, 3, 4, 5, 6],  # symmetric
            "plan": ["Free", "Pro", "Pro", "Enterprise", "Free", "Pro"],
            "constant": [7, 7, 7, 7, 7, 7],
            "nps": [np.nan, np.nan, np.nan, np.nan, 9.0, 3.0],
            "signup_date": pd.to_datetime(["2024-01-01"] * 6),
            "company": ["a", "b", "c", "d", "e", "f"],
        }
    )


def test_more_than_four_variables_are_refused_with_the_reason(customers):
    frame = customers.assign(a=range(6), b=range(6, 0, -1))
    with pytest.raises(DataError, match="Choose at most 4 variables: more leads to analysis paralysis; start with "
                                        "2-4 tied to your goal and iterate."):
        prepare(frame, ["mrr", "logins_30d", "plan", "a", "b"])


def test_fewer_than_two_variables_are_refused(customers):
    with pytest.raises(DataError, match="at least 2 variables"):
        prepare(customers, ["mrr"])


def test_the_customer_id_is_refused_by_name_and_when_named_explicitly(customers):
    with pytest.raises(DataError, match="'customer_id' is the customer id"):
        prepare(customers, ["customer_id", "mrr"])
    renamed = customers.rename(columns={"customer_id": "account"})
    with pytest.raises(DataError, match="'account' is the customer id"):
        prepare(renamed, ["account", "mrr"], id_column="account")


def test_a_constant_column_is_refused_by_name(customers):
    with pytest.raises(DataError, match="'constant' has the same value for every customer"):
        prepare(customers, ["mrr", "constant"])


def test_a_mostly_empty_column_is_refused_by_name(customers):
    with pytest.raises(DataError, match=r"'nps' is empty for 67% of customers"):
        prepare(customers, ["mrr", "nps"])


def test_dates_free_text_and_unknown_columns_are_refused(customers):
    with pytest.raises(DataError, match="'signup_date' holds dates"):
        prepare(customers, ["mrr", "signup_date"])
    many = pd.DataFrame({"name": [f"Company {i}" for i in range(30)], "x": range(30)})
    with pytest.raises(DataError, match="'name' has 30 different values"):
        prepare(many, ["name", "x"])
    with pytest.raises(DataError, match="'revenue' is not in the data"):
        prepare(customers, ["mrr", "revenue"])


def test_skewed_money_gets_log1p_and_every_choice_is_reported(customers):
    design = prepare(customers, ["mrr", "logins_30d", "plan"])
    assert dict(design.transforms) == {
        "mrr": "log1p + scale",
        "logins_30d": "scale",
        "plan": "one-hot (3 levels)",
    }
    assert design.columns == ("mrr", "logins_30d", "plan=Enterprise", "plan=Free", "plan=Pro")
    # Hand-computed: log1p then population z-score; 1..6 has mean 3.5 and sd sqrt(35/12).
    logged = np.log1p(customers["mrr"].to_numpy())
    np.testing.assert_allclose(design.matrix[:, 0], (logged - logged.mean()) / logged.std())
    np.testing.assert_allclose(design.matrix[:, 1], (np.arange(1, 7) - 3.5) / np.sqrt(35 / 12))
    np.testing.assert_array_equal(design.matrix[:, 2:], [[0, 1, 0], [0, 0, 1], [0, 0, 1], [1, 0, 0], [0, 1, 0],
                                                         [0, 0, 1]])
    assert any("'mrr' is skewed" in note for note in design.notes)


def test_transforms_can_be_chosen_per_variable(customers):
    design = prepare(customers, ["mrr", "logins_30d"], transforms={"mrr": "none", "logins_30d": "log1p"})
    assert dict(design.transforms) == {"mrr": "scale", "logins_30d": "log1p + scale"}
    negative = customers.assign(delta=[-1.0, 0, 1, 2, 3, 4])
    with pytest.raises(DataError, match="'delta' has negative values"):
        prepare(negative, ["delta", "mrr"], transforms={"delta": "log1p"})
    with pytest.raises(DataError, match="Transform 'sqrt'"):
        prepare(customers, ["mrr", "logins_30d"], transforms={"mrr": "sqrt"})


def test_missing_numbers_get_the_median_and_are_reported():
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan, 10.0], "b": [1, 2, 3, 4]})
    design = prepare(frame, ["a", "b"], transforms="none")
    assert dict(design.imputed) == {"a": 1}
    # median of 1, 2, 10 is 2, so the filled column is 1, 2, 2, 10
    filled = np.array([1.0, 2.0, 2.0, 10.0])
    np.testing.assert_allclose(design.matrix[:, 0], (filled - filled.mean()) / filled.std())
    assert any("1 missing value of 'a' set to the median (2)" in note for note in design.notes)


def test_the_state_is_json_and_transforms_new_customers_the_same_way(customers):
    design = prepare(customers, ["mrr", "plan"])
    state = json.loads(json.dumps(dict(design.state)))
    np.testing.assert_allclose(apply_state(state, customers), design.matrix)
    newcomers = pd.DataFrame({"mrr": [-5.0, np.nan], "plan": ["Startup", None]})
    again = apply_state(state, newcomers)
    # A negative amount is floored at 0 before log1p; a missing one takes the fitted median.
    spec = state["variables"][0]
    assert again[0, 0] == pytest.approx((np.log1p(0) - spec["mean"]) / spec["scale"])
    assert again[1, 0] == pytest.approx((np.log1p(spec["fill"]) - spec["mean"]) / spec["scale"])
    # An unseen or missing plan matches no fitted level.
    np.testing.assert_array_equal(again[:, 1:], [[0, 0, 0], [0, 0, 0]])


def test_text_in_a_numeric_column_of_new_data_names_the_row(customers):
    design = prepare(customers, ["mrr", "logins_30d"])
    bad = pd.DataFrame({"mrr": ["10", "lots"], "logins_30d": [1, 2]})
    with pytest.raises(DataError, match=r"'mrr' holds text such as 'lots' \(row 2\)"):
        design.apply(bad)


def test_lenient_mode_skips_unusable_columns_and_says_why(customers):
    design = prepare(customers, ["mrr", "constant", "signup_date"], strict=False)
    assert design.variables == ("mrr",)
    assert len(design.notes) >= 2 and any("Skipped 'constant'" in n for n in design.notes)


def test_categories_are_guessed_from_names_and_can_be_given(customers):
    design = prepare(customers, ["mrr", "logins_30d"], categories={"logins_30d": "needs"})
    assert dict(design.categories) == {"mrr": "value", "logins_30d": "needs"}
    assert guess_category("logins_30d") == "behavioural"
    assert guess_category("industry") == "firmographic"
    assert guess_category("integrations") == "technographic"
    assert guess_category("support_tickets") == "needs"
    assert guess_category("nps") == "psychographic"
    with pytest.raises(DataError, match="'loyalty' for 'mrr'"):
        prepare(customers, ["mrr", "logins_30d"], categories={"mrr": "loyalty"})


def test_id_names_are_recognised():
    assert all(looks_like_id(n) for n in ("customer_id", "id", "Account ID", "userId", "uuid", "CustomerID"))
    assert not any(looks_like_id(n) for n in ("paid", "valid", "mrr", "idle_days", "converted_to_paid"))


def test_customer_ids_keep_leading_zeros_and_refuse_duplicates(customers):
    ids = customer_ids(customers)
    assert list(ids[:2]) == ["00001", "00002"]
    assert find_id_column(customers) == "customer_id"
    indexed = customers.set_index("customer_id")
    assert list(customer_ids(indexed)[:2]) == ["00001", "00002"]
    floats = pd.DataFrame({"id": [1.0, 2.0], "x": [1, 2]})
    assert list(customer_ids(floats, "id")) == ["1", "2"]
    twice = customers.assign(customer_id=["1", "2", "3", "3", "4", "5"])
    with pytest.raises(DataError, match="'3' appears more than once"):
        customer_ids(twice, "customer_id")
