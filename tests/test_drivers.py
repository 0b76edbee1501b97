"""Drivers: the planted driver ranks first in words, tiny groups are ignored, structureless data gets no driver."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.drivers import find_drivers
from segmentation.errors import DataError


def frame(n: int = 2000, seed: int = 0, shuffle: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    integrations = rng.integers(0, 6, n)
    churned = rng.random(n) < np.where(integrations >= 3, 0.10, 0.35)
    if shuffle:
        churned = rng.permutation(churned)
    return pd.DataFrame({"integrations": integrations, "seats": rng.integers(1, 40, n),
                         "plan": rng.choice(["Starter", "Pro"], n), "churned": churned})


def test_the_planted_driver_comes_first_as_a_sentence():
    drivers = find_drivers(frame(), outcome="churned")
    top = drivers.table.iloc[0]
    assert top["variable"] == "integrations" and top["clear"]
    assert drivers.signal and drivers.sentences[0] == top["sentence"]
    # The smaller side (0-2 integrations, about half) is the one described, against the rest.
    assert drivers.sentences[0].startswith("customers with integrations below 3 churn 3x more (")
    assert drivers.sentences[0].endswith("% of customers)")
    assert top["lift"] > 1 and 0 < top["share"] <= 0.5
    assert not drivers.table.set_index("variable").loc["seats", "clear"]


def test_structureless_data_gets_no_driver_and_a_sentence_that_says_so():
    drivers = find_drivers(frame(shuffle=True), outcome="churned")
    assert not drivers.signal and drivers.sentences == ()
    assert drivers.summary.startswith("No variable separates the churn rate clearly")


def test_a_tiny_group_cannot_top_the_list():
    data = frame(shuffle=True)
    data["vip"] = "no"
    data.loc[data.index[:12], "vip"] = "yes"  # 0.6% of the customers, all churned
    data.loc[data.index[:12], "churned"] = True
    drivers = find_drivers(data, outcome="churned", variables=["vip", "seats"])
    assert "vip" not in set(drivers.table["variable"])
    assert any("vip" in note and "5%" in note for note in drivers.notes)


def test_any_outcome_kind_is_worded_by_its_kind():
    data = frame().rename(columns={"churned": "responded"})
    drivers = find_drivers(data, outcome="responded", outcome_kind="response")
    assert " respond " in drivers.sentences[0]


def test_bad_outcomes_are_refused():
    with pytest.raises(DataError, match="one value for every customer"):
        find_drivers(frame().assign(churned=False), outcome="churned")
    with pytest.raises(DataError, match="no outcome column"):
        find_drivers(frame(), outcome="gone")
