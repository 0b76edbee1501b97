"""The sample dataset: deterministic, well-formed, and with personas a method can find."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from segmentation.errors import DataError
from segmentation.sample import (
    CUSTOMER_COLUMNS,
    EVENT_COLUMNS,
    FILE_NAMES,
    PERSONAS,
    TIERS,
    TRANSACTION_COLUMNS,
    WORKBOOK_NAME,
    generate,
    main,
    write,
)

AS_OF = pd.Timestamp("2026-10-31")
SMALL = 600


@pytest.fixture(scope="module")
def data():
    return generate(SMALL)


@pytest.fixture(scope="module")
def customers(data):
    frame = data.customers.copy()
    frame["persona"] = data.personas.to_numpy()
    return frame


def _by_persona(customers, column, how="median"):
    return customers.groupby("persona")[column].agg(how)


# --- determinism --------------------------------------------------------------------------------


def test_same_seed_gives_equal_frames(data):
    again = generate(SMALL)
    pd.testing.assert_frame_equal(data.customers, again.customers)
    pd.testing.assert_frame_equal(data.transactions, again.transactions)
    pd.testing.assert_frame_equal(data.events, again.events)
    pd.testing.assert_series_equal(data.personas, again.personas)
    pd.testing.assert_series_equal(data.tiers, again.tiers)


def test_another_seed_gives_other_data(data):
    other = generate(SMALL, random_state=7)
    assert not other.customers["mrr"].equals(data.customers["mrr"])


def test_writing_twice_gives_identical_bytes(data, tmp_path):
    first = write(tmp_path / "a", data)
    second = write(tmp_path / "b", generate(SMALL))
    assert [p.name for p in first] == [*FILE_NAMES, WORKBOOK_NAME]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_committed_sample_data_is_what_the_generator_makes(root, tmp_path):
    committed = root / "sample_data"
    for path in write(tmp_path, generate()):
        assert (committed / path.name).read_bytes() == path.read_bytes(), (
            f"sample_data/{path.name} is stale: run `make sample-data`"
        )


def test_committed_sample_data_stays_small(root):
    folder = root / "sample_data"
    sizes = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()}
    assert sizes[WORKBOOK_NAME] < 6e6
    assert sizes["events.csv"] < 8e6
    assert sum(sizes.values()) < 20e6


# --- schema -------------------------------------------------------------------------------------


def test_columns_are_the_contract(data):
    assert tuple(data.customers.columns) == CUSTOMER_COLUMNS
    assert tuple(data.transactions.columns) == TRANSACTION_COLUMNS
    assert tuple(data.events.columns) == EVENT_COLUMNS
    assert len(data.customers) == SMALL


def test_customer_ids_are_unique_zero_padded_text(data):
    ids = data.customers["customer_id"]
    assert ids.is_unique
    assert ids.iloc[0] == "00001" and ids.iloc[-1] == "00600"
    assert ids.map(lambda v: isinstance(v, str) and len(v) == 5 and v.isdigit()).all()
    assert list(data.personas.index) == list(ids)
    assert set(data.transactions["customer_id"]) <= set(ids)
    assert set(data.events["customer_id"]) <= set(ids)


def test_ids_follow_signup_order_within_the_three_years(data):
    signup = data.customers["signup_date"]
    assert signup.is_monotonic_increasing
    assert signup.min() >= pd.Timestamp("2023-11-01")
    assert signup.max() <= AS_OF
    # Sign-ups spread over the whole window rather than bunching in one year.
    assert signup.dt.year.nunique() == 4


def test_trial_starts_on_or_after_signup_and_only_accidental_signups_skip_it(customers):
    started = customers["trial_start"].notna()
    assert (customers.loc[started, "trial_start"] >= customers.loc[started, "signup_date"]).all()
    assert (customers["trial_start"].dropna() <= AS_OF).all()
    assert set(customers.loc[~started, "persona"]) == {"Accidental sign-up"}
    assert started[customers["persona"] != "Accidental sign-up"].all()


def test_churn_comes_after_signup_and_only_for_paying_customers(customers):
    churned = customers[customers["churn_date"].notna()]
    assert len(churned) > 0
    assert (churned["churn_date"] > churned["trial_start"]).all()
    assert (churned["churn_date"] <= AS_OF).all()
    assert (churned["converted_to_paid"] == "yes").all()


def test_paying_means_positive_mrr_and_a_paid_plan(customers):
    paying = customers["converted_to_paid"] == "yes"
    assert set(customers["converted_to_paid"]) == {"yes", "no"}
    assert (customers.loc[paying, "mrr"] > 0).all()
    assert (customers.loc[~paying, "mrr"] == 0).all()
    assert set(customers.loc[paying, "plan"]) <= {"Starter", "Pro", "Enterprise"}
    assert set(customers.loc[~paying, "plan"]) <= {"Free", "Trial"}


def test_values_are_plausible(customers):
    assert (customers["employees"] >= 1).all()
    assert (customers["seats"] >= 1).all()
    for column in ("logins_30d", "features_adopted", "integrations", "support_tickets"):
        assert (customers[column] >= 0).all(), column
    nps = customers["nps"].dropna()
    assert nps.between(0, 10).all()
    assert set(customers["channel"]) == {"Organic", "Paid search", "Partner", "Sales", "Referral"}
    assert customers["country"].nunique() >= 8
    assert customers["industry"].nunique() == 10


def test_some_values_are_missing_as_in_real_exports(customers):
    assert 0.3 < customers["nps"].isna().mean() < 0.9
    assert 0 < customers["industry"].isna().sum() < 0.1 * SMALL
    complete = [c for c in CUSTOMER_COLUMNS if c not in {"industry", "trial_start", "churn_date", "nps"}]
    assert not customers[complete].isna().any().any()


def test_a_few_company_names_look_duplicated(customers):
    # The same company signing up twice, spelt differently ("Acme Ltd" / "ACME LTD" / "Acme  Ltd.").
    key = customers["company"].str.casefold().str.replace(r"[\s.]+", " ", regex=True).str.strip()
    looks_duplicated = key.duplicated(keep=False) & ~customers["company"].duplicated(keep=False)
    assert 2 <= looks_duplicated.sum() <= 0.05 * SMALL


# --- invoices -----------------------------------------------------------------------------------


def test_invoices_exist_exactly_for_paying_customers(data, customers):
    invoiced = set(data.transactions["customer_id"])
    assert invoiced == set(customers.loc[customers["mrr"] > 0, "customer_id"])
    assert data.transactions["invoice_id"].is_unique
    assert (data.transactions["amount"] > 0).all()


def test_invoices_stop_before_churn_and_start_after_the_trial(data, customers):
    joined = data.transactions.merge(customers, on="customer_id")
    assert (joined["invoice_date"] > joined["trial_start"]).all()
    assert (joined["invoice_date"] <= AS_OF).all()
    churned = joined[joined["churn_date"].notna()]
    assert (churned["invoice_date"] < churned["churn_date"]).all()


def test_latest_invoice_is_the_mrr_and_active_customers_are_billed_this_month(data, customers):
    last = data.transactions.groupby("customer_id").agg(date=("invoice_date", "max"), amount=("amount", "last"))
    table = customers.set_index("customer_id").join(last, how="inner")
    assert np.allclose(table["amount"], table["mrr"])
    active = table[table["churn_date"].isna()]
    assert (active["date"] > AS_OF - pd.Timedelta(days=31)).all()
    churned = table[table["churn_date"].notna()]
    assert ((churned["churn_date"] - churned["date"]).dt.days.between(1, 30)).all()


def test_invoices_show_monthly_billing_expansion_contraction_and_pauses(data):
    invoices = data.transactions.sort_values(["customer_id", "invoice_date"])
    gaps = invoices.groupby("customer_id")["invoice_date"].diff().dt.days.dropna()
    assert gaps.between(28, 31).mean() > 0.97
    assert (gaps > 45).sum() >= 3  # stopped paying for a while, then came back
    change = invoices.groupby("customer_id")["amount"].diff().dropna()
    assert (change > 0).sum() >= 10
    assert (change < 0).sum() >= 3


def test_invoices_span_about_three_years(data):
    months = data.transactions["invoice_date"].dt.to_period("M")
    assert months.min() <= pd.Period("2024-01", "M")
    assert months.max() == pd.Period("2026-10", "M")


# --- events -------------------------------------------------------------------------------------


def test_events_are_one_row_per_active_day_in_the_last_120_days(data):
    events = data.events
    assert not events.duplicated(["customer_id", "date"]).any()
    assert (events["sessions"] >= 1).all()
    assert events["date"].min() >= AS_OF - pd.Timedelta(days=119)
    assert events["date"].max() <= AS_OF


def test_logins_30d_is_the_sum_of_sessions_over_the_last_30_days(data):
    recent = data.events[data.events["date"] > AS_OF - pd.Timedelta(days=30)]
    sums = recent.groupby("customer_id")["sessions"].sum()
    logins = data.customers.set_index("customer_id")["logins_30d"]
    expected = sums.reindex(logins.index, fill_value=0)
    pd.testing.assert_series_equal(logins, expected, check_names=False)


def test_accidental_signups_show_up_at_most_on_their_signup_day(data, customers):
    accidental = customers[customers["persona"] == "Accidental sign-up"].set_index("customer_id")
    seen = data.events[data.events["customer_id"].isin(accidental.index)]
    assert (seen["date"].to_numpy() == accidental.loc[seen["customer_id"], "signup_date"].to_numpy()).all()
    assert (seen["sessions"] == 1).all()


# --- personas -----------------------------------------------------------------------------------


def test_every_persona_and_tier_is_planted(data):
    assert set(data.personas) == set(PERSONAS)
    assert set(data.tiers) == set(TIERS)
    shares = data.personas.value_counts(normalize=True)
    assert shares.min() > 0.08


def test_personas_differ_on_value_and_size(customers):
    mrr = _by_persona(customers, "mrr")
    seats = _by_persona(customers, "seats")
    assert mrr["Sales-assisted enterprise"] > 10 * mrr["Self-serve"] > 0
    assert mrr["Accidental sign-up"] == 0 and mrr["Tire-kicker"] == 0
    assert seats["Sales-assisted enterprise"] > 10 * seats["Self-serve"]
    assert _by_persona(customers, "employees", "min")["Sales-assisted enterprise"] >= 250


def test_personas_differ_on_usage_and_adoption(customers):
    features = _by_persona(customers, "features_adopted")
    logins = _by_persona(customers, "logins_30d")
    assert features["Accidental sign-up"] == 0 < features["Tire-kicker"] < features["Self-serve"]
    assert features["Self-serve"] < features["Sales-assisted enterprise"]
    assert logins["Accidental sign-up"] == 0
    assert logins["Self-serve"] > 5 * max(logins["Tire-kicker"], 1)
    assert logins["Sales-assisted enterprise"] > 10 * logins["Self-serve"]
    assert _by_persona(customers, "integrations")["Sales-assisted enterprise"] >= 3


def test_personas_convert_and_arrive_differently(customers):
    converted = customers.assign(paid=customers["converted_to_paid"] == "yes").groupby("persona")["paid"].mean()
    assert converted["Accidental sign-up"] == 0
    assert converted["Tire-kicker"] < 0.2
    assert converted["Self-serve"] > 0.8 and converted["Sales-assisted enterprise"] > 0.8
    enterprise = customers[customers["persona"] == "Sales-assisted enterprise"]
    assert (enterprise["channel"] == "Sales").mean() > 0.6
    assert (customers.loc[customers["persona"] != "Sales-assisted enterprise", "channel"] == "Sales").mean() < 0.05


def test_churn_differs_by_persona_and_follows_low_usage():
    # The bigger default dataset: churn is rare enough that 600 customers give a noisy rate.
    data = generate(3000)
    table = data.customers.assign(persona=data.personas.to_numpy(), churned=data.customers["churn_date"].notna())
    paying = table[table["converted_to_paid"] == "yes"]
    by_persona = paying.groupby("persona")["churned"].mean()
    assert by_persona["Self-serve"] > 1.5 * by_persona["Sales-assisted enterprise"]
    assert by_persona["Tire-kicker"] > by_persona["Self-serve"]
    self_serve = paying[paying["persona"] == "Self-serve"]
    low = self_serve["features_adopted"] <= self_serve["features_adopted"].quantile(0.33)
    high = self_serve["features_adopted"] >= self_serve["features_adopted"].quantile(0.67)
    assert self_serve.loc[low, "churned"].mean() > 2 * self_serve.loc[high, "churned"].mean()


def test_maturity_tiers_run_from_one_person_shops_to_large_teams(data, customers):
    tiers = data.tiers.to_numpy()
    assert (customers.loc[tiers == "Solo", "employees"] == 1).all()
    assert customers.loc[tiers == "Small team", "employees"].between(2, 19).all()
    assert customers.loc[tiers == "Mid-size", "employees"].between(20, 249).all()
    assert (customers.loc[tiers == "Large", "employees"] >= 250).all()
    solo_self_serve = (tiers == "Solo") & (customers["persona"] == "Self-serve").to_numpy()
    assert (customers.loc[solo_self_serve, "seats"] <= 2).all()


@pytest.mark.parametrize("columns", [
    ["mrr", "logins_30d", "features_adopted", "seats"],
    ["mrr", "features_adopted"],
])
def test_kmeans_in_log_space_finds_the_personas(data, columns):
    scaled = StandardScaler().fit_transform(np.log1p(data.customers[columns].to_numpy(float)))
    labels = KMeans(n_clusters=4, n_init=10, random_state=0).fit_predict(scaled)
    # 0 would be chance, 1 the planted personas exactly; churned and lapsed accounts blur the edges.
    assert adjusted_rand_score(data.personas, labels) > 0.55


# --- workbook -----------------------------------------------------------------------------------


def test_workbook_has_a_title_row_text_ids_and_fixed_metadata(data, tmp_path):
    path = write(tmp_path, data)[-1]
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["customers", "transactions", "events"]  # events fit when small
    rows = book["customers"].iter_rows(min_row=1, max_row=3, values_only=True)
    title, header, first = next(rows), next(rows), next(rows)
    assert title[0] == "Customer export — Acme Analytics — 2026-10-31"
    assert header == CUSTOMER_COLUMNS
    assert first[0] == "00001"
    assert book.properties.modified == book.properties.created == pd.Timestamp("2026-10-31")
    assert sum(1 for _ in book["transactions"].iter_rows(values_only=True)) == len(data.transactions) + 1
    with zipfile.ZipFile(path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}


def test_csv_reads_back_to_the_same_customers(data, tmp_path):
    path = write(tmp_path, data)[0]
    back = pd.read_csv(path, dtype={"customer_id": str}, parse_dates=["signup_date", "trial_start", "churn_date"])
    assert back["customer_id"].tolist() == data.customers["customer_id"].tolist()
    assert back["mrr"].sum() == pytest.approx(data.customers["mrr"].sum())
    assert back["churn_date"].isna().sum() == data.customers["churn_date"].isna().sum()
    assert back["nps"].isna().sum() == data.customers["nps"].isna().sum()


def test_command_line_writes_the_files(tmp_path, capsys):
    assert main([str(tmp_path / "out"), "--customers", "30", "--seed", "3"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([*FILE_NAMES, WORKBOOK_NAME])
    assert "customers.csv" in capsys.readouterr().out


# --- input checks -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -5, 100_000, 2.5, "600", True])
def test_refuses_a_bad_customer_count(bad):
    with pytest.raises(DataError, match="n_customers"):
        generate(bad)


def test_refuses_a_date_that_is_not_a_date():
    with pytest.raises(DataError, match="as_of"):
        generate(10, as_of="end of October")


def test_refuses_to_write_something_else(tmp_path):
    with pytest.raises(DataError, match="SampleData"):
        write(tmp_path, data=pd.DataFrame())


def test_tiny_datasets_still_work():
    tiny = generate(1)
    assert tiny.customers["customer_id"].tolist() == ["00001"]
    assert len(tiny.personas) == 1
