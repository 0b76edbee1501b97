"""Lead fit: a planted signal is found and named, a shuffled outcome ranks nobody, bad input is refused clearly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from segmentation.dataset import Dataset
from segmentation.errors import DataError
from segmentation.leads import NO_SIGNAL, lead_fit
from segmentation.result import Segmentation
from tests import leads_files


def _data(frame: pd.DataFrame) -> Dataset:
    return Dataset.read(customers=("customers.csv", leads_files.csv(frame)))


def _leads(frame: pd.DataFrame | None = None) -> tuple[str, bytes]:
    return "leads.csv", leads_files.csv(leads_files.leads() if frame is None else frame)


@pytest.fixture(scope="module")
def planted():
    return lead_fit(_data(leads_files.customers()), _leads(), "converted_to_paid")


def test_a_planted_signal_is_found_and_named_in_the_reasons(planted):
    assert planted.signal and planted.auc >= 0.75 and planted.auc_low > 0.5
    assert planted.sentence.startswith("These columns (Industry, Employees, Country) tell customers who converted")
    # Matched by name whatever the case; the id and the company name never feed the model.
    assert planted.columns == ("Industry", "Employees", "Country")
    assert planted.outcome == "converted_to_paid" and planted.good == "converted"
    scores = planted.scores
    assert scores.index.name == "Lead ID" and list(scores.index[:2]) == ["L-0000", "L-0001"]
    fintech, retail = scores.loc["L-0000"], scores.loc["L-0001"]
    assert fintech["tier"] == "hot" and fintech["fit"] >= 80
    assert fintech["reasons"].startswith("Industry is Fintech: 2.")
    assert "x the base rate" in fintech["reasons"]
    assert retail["tier"] == "cold" and retail["reasons"].startswith("Industry is Retail: 0.")
    # Fintech leads rank above Retail leads.
    industry = leads_files.leads().set_index("Lead ID")["Industry"]
    by_industry = scores["fit"].astype(float).groupby(industry).mean()
    assert by_industry["Fintech"] > by_industry.drop("Fintech").max()
    assert by_industry["Retail"] < by_industry.drop("Retail").min()
    assert scores["fit"].between(0, 100).all() and set(scores["tier"]) <= {"hot", "warm", "cold"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        planted.signal = False


def test_an_unknown_category_is_no_evidence_and_said(planted):
    assert planted.scores.loc["L-0002", "tier"] in ("hot", "warm", "cold")
    assert "Country" not in planted.scores.loc["L-0002", "reasons"]
    assert any("Country 'Atlantis' never occurs among the customers" in note for note in planted.notes)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_shuffled_outcome_gives_no_signal_and_nobody_hot(seed):
    result = lead_fit(_data(leads_files.customers(seed=seed, shuffled=True)), _leads(), "converted_to_paid")
    assert not result.signal and result.auc_low <= 0.5 <= result.auc_high
    assert result.sentence.startswith("No signal: these columns do not tell good customers from the rest")
    assert (result.scores["tier"] == NO_SIGNAL).all() and "hot" not in set(result.scores["tier"])
    assert result.scores["fit"].isna().all()
    assert result.report()["signal"] is False


def test_a_churn_outcome_is_inverted_and_counts_paying_customers_only():
    rng = np.random.default_rng(5)
    frame = leads_files.customers(n=900)
    fintech = frame["industry"] == "Fintech"
    churned = rng.random(len(frame)) < np.where(fintech, 0.05, 0.5)
    frame["churned"] = np.where(frame["converted_to_paid"] == "no", "no", np.where(churned, "yes", "no"))
    result = lead_fit(_data(frame), _leads(), "churned")
    assert result.good == "stayed (did not churn)"
    assert result.n_customers == int((frame["converted_to_paid"] == "yes").sum())
    assert any("staying means staying paid" in note for note in result.notes)
    assert result.signal and result.scores.loc["L-0000", "reasons"].startswith("Industry is Fintech")
    # Fintech is two in five of the paying customers: its leads lead the ranking, warm or hot.
    industry = leads_files.leads().set_index("Lead ID")["Industry"]
    fit = result.scores["fit"].astype(float)
    assert fit[industry == "Fintech"].min() > fit[industry != "Fintech"].max()
    assert result.scores.loc["L-0000", "tier"] in ("hot", "warm")


def test_the_likely_segment_comes_from_the_shared_columns():
    data = _data(leads_files.customers())
    table = data.customer_table().frame
    labels = pd.Series(np.where(table["industry"].isin(["Fintech", "Healthcare"]), "Regulated", "Open"),
                       index=table.index)
    segmentation = Segmentation("rules", labels, ("Regulated", "Open"), ("industry",))
    result = lead_fit(data, _leads(), "converted_to_paid", segmentation=segmentation)
    assert result.scores.loc["L-0000", "likely_segment"] == "Regulated"
    assert result.scores.loc["L-0000", "segment_confidence"] > 0.8
    assert result.scores.loc["L-0001", "likely_segment"] == "Open"
    assert result.segment_accuracy > 0.95
    assert any("right 100% of the time" in note or "right 99% of the time" in note for note in result.notes)


def test_no_shared_column_names_the_columns_of_each_table():
    leads = pd.DataFrame({"Lead ID": ["L1", "L2"], "Website": ["a.com", "b.com"], "Source campaign": ["x", "y"]})
    with pytest.raises(DataError) as refused:
        lead_fit(_data(leads_files.customers()), ("prospects.csv", leads_files.csv(leads)), "converted_to_paid")
    message = str(refused.value)
    assert "prospects.csv and customers.csv share no column" in message
    assert "prospects.csv has: Lead ID, Website, Source campaign" in message
    assert "customers.csv has: industry, employees, country, channel" in message


def test_bad_outcomes_are_refused_naming_the_file_and_column():
    data = _data(leads_files.customers())
    with pytest.raises(DataError, match="customers.csv has no column 'won' to use as the outcome; columns are: "):
        lead_fit(data, _leads(), "won")
    with pytest.raises(DataError, match=r"customers.csv: Column 'industry'.* do not say"):
        lead_fit(data, _leads(), "industry")
    few = leads_files.customers(n=40)
    with pytest.raises(DataError, match="needs at least 10 of each"):
        lead_fit(_data(few.assign(converted_to_paid=["yes"] * 35 + ["no"] * 5)), _leads(), "converted_to_paid")
