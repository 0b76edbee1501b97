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

from segmentation.methods import kmeans, rfm
from segmentation.errors import DataError
from segmentation.features import customer_table
from segmentation.sample import (
    CUSTOMER_COLUMNS,
    EVENT_COLUMNS,
    FILE_NAMES,
    NEXT_MONTH_FILES,
    NEXT_MONTH_FOLDER,
    PERSONAS,
    TIERS,
    TRANSACTION_COLUMNS,
    WORKBOOK_NAME,
    generate,
    main,
    next_month,
    write,
)
from segmentation.tracking import apply_recipe, migration

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
    pd.testing.assert_series_equal(data.engagement, again.engagement)
    pd.testing.assert_frame_equal(data.account_state, again.account_state)


def test_another_seed_gives_other_data(data):
    other = generate(SMALL, random_state=7)
    assert not other.customers["mrr"].equals(data.customers["mrr"])


NEXT = [f"{NEXT_MONTH_FOLDER}/{name}" for name in NEXT_MONTH_FILES]


def test_writing_twice_gives_identical_bytes(data, tmp_path):
    first = write(tmp_path / "a", data)
    second = write(tmp_path / "b", generate(SMALL))
    assert [p.relative_to(tmp_path / "a").as_posix() for p in first] == [*FILE_NAMES, WORKBOOK_NAME, *NEXT]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_committed_sample_data_is_what_the_generator_makes(root, tmp_path):
    committed = root / "sample_data"
    for path in write(tmp_path, generate()):
        name = path.relative_to(tmp_path).as_posix()
        assert (committed / name).read_bytes() == path.read_bytes(), (
            f"sample_data/{name} is stale: run `make sample-data`"
        )


def test_committed_sample_data_stays_small(root):
    folder = root / "sample_data"
    sizes = {p.relative_to(folder).as_posix(): p.stat().st_size for p in folder.rglob("*") if p.is_file()}
    assert sizes[WORKBOOK_NAME] < 6e6
    assert sizes["events.csv"] < 8e6
    assert sorted(n for n in sizes if n.startswith(NEXT_MONTH_FOLDER)) == NEXT  # no events: keep the repo small
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
    path = next(p for p in write(tmp_path, data) if p.name == WORKBOOK_NAME)
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
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([*FILE_NAMES, WORKBOOK_NAME, "next_month"])
    assert sorted(p.name for p in (tmp_path / "out" / "next_month").iterdir()) == sorted(NEXT_MONTH_FILES)
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


# --- next month ---------------------------------------------------------------------------------
# The same customers a month later, to try "re-apply the saved segments to next month's export".

NEXT_AS_OF = pd.Timestamp("2026-11-30")


@pytest.fixture(scope="module")
def months():
    """The committed sample and its next month (5,000 customers: churn is a few dozen a month)."""
    before = generate()
    return before, next_month(before)


@pytest.fixture(scope="module")
def pair(months):
    """Every customer of the first export, before and after, side by side (index: customer id)."""
    before, after = months
    old = before.customers.set_index("customer_id")
    new = after.customers.set_index("customer_id").loc[old.index]
    paying = (old["converted_to_paid"] == "yes") & old["churn_date"].isna()
    churned = paying & new["churn_date"].notna()
    return old, new, paying, churned


def _new_invoices(months) -> pd.DataFrame:
    before, after = months
    return after.transactions.iloc[len(before.transactions):]


def test_next_month_keeps_every_customer_and_who_they_are(months, pair):
    before, after = months
    old, new, _, _ = pair
    assert after.as_of == NEXT_AS_OF
    assert after.customers["customer_id"].iloc[:len(old)].tolist() == old.index.tolist()
    same = ["company", "industry", "employees", "country", "channel", "signup_date", "trial_start"]
    pd.testing.assert_frame_equal(new[same], old[same])
    pd.testing.assert_series_equal(after.personas.loc[old.index], before.personas)
    pd.testing.assert_series_equal(after.tiers.loc[old.index], before.tiers)
    assert tuple(after.customers.columns) == CUSTOMER_COLUMNS
    assert (after.customers.dtypes == before.customers.dtypes).all()


def test_new_customers_sign_up_with_the_next_ids(months):
    before, after = months
    joined = after.customers.iloc[len(before.customers):]
    # The generator's sign-ups grow 3.5% a month: about 230 a month for 5,000 customers.
    assert 0.03 < len(joined) / len(before.customers) < 0.08
    assert joined["customer_id"].tolist() == [f"{i:05d}" for i in range(5001, 5001 + len(joined))]
    assert joined["signup_date"].between(pd.Timestamp("2026-11-01"), NEXT_AS_OF).all()
    assert joined["signup_date"].is_monotonic_increasing
    assert not joined["company"].isin(before.customers["company"]).any()  # new companies, not old names
    assert set(joined["plan"]) <= {"Free", "Trial", "Starter", "Pro", "Enterprise"}
    trials = joined[joined["plan"] == "Trial"]
    assert len(trials) > 0 and (trials["trial_start"] >= trials["signup_date"]).all()
    assert set(after.personas.loc[joined["customer_id"]]) == set(PERSONAS)


def test_a_few_percent_of_paying_customers_churn_and_get_no_new_invoice(months, pair):
    old, new, paying, churned = pair
    share = churned.sum() / paying.sum()
    assert 0.005 < share < 0.06  # a few percent a month, as the generator's hazard gives
    assert new.loc[churned, "churn_date"].between(pd.Timestamp("2026-11-01"), NEXT_AS_OF).all()
    # Churned before stays churned on the same day; churned now keeps the plan and MRR of the last invoice.
    pd.testing.assert_series_equal(new.loc[old["churn_date"].notna(), "churn_date"], old["churn_date"].dropna())
    invoices = _new_invoices(months)
    invoiced = set(invoices["customer_id"])
    assert not invoiced & set(old.index[old["churn_date"].notna()])
    late = invoices.merge(new["churn_date"].dropna().reset_index(), on="customer_id")
    assert (late["invoice_date"] < late["churn_date"]).all()
    last = months[1].transactions.groupby("customer_id")["amount"].last()
    assert np.allclose(last.loc[new.index[churned]], new.loc[churned, "mrr"])


def test_every_active_paying_customer_gets_one_invoice_in_the_new_month(months):
    before, after = months
    invoices = _new_invoices(months)
    assert invoices["invoice_id"].tolist() == [f"INV-{k:06d}" for k in range(len(before.transactions) + 1,
                                                                             len(after.transactions) + 1)]
    assert invoices["invoice_date"].between(pd.Timestamp("2026-11-01"), NEXT_AS_OF).all()
    customers = after.customers.set_index("customer_id")
    active = customers.index[(customers["converted_to_paid"] == "yes") & customers["churn_date"].isna()]
    assert sorted(invoices["customer_id"]) == sorted(active)
    last = after.transactions.groupby("customer_id")["amount"].last()
    assert np.allclose(last.loc[active], customers.loc[active, "mrr"])
    assert ((customers["mrr"] > 0) == customers.index.isin(last.index)).all()


def test_trials_that_end_convert_or_lapse(months, pair):
    old, new, _, _ = pair
    ended = (old["plan"] == "Trial") & (new["plan"] != "Trial")
    assert ended.sum() > 20
    outcome = new.loc[ended, "plan"]
    assert {"Free", "Starter"} <= set(outcome) <= {"Free", "Starter", "Pro", "Enterprise"}
    assert ((outcome == "Free") == (new.loc[ended, "converted_to_paid"] == "no")).all()
    converted = new.index[ended & (new["converted_to_paid"] == "yes")]
    first = _new_invoices(months).groupby("customer_id")["invoice_date"].min().loc[converted]
    trial_days = np.where(months[0].personas.loc[converted] == "Sales-assisted enterprise", 30, 14)
    expected = old.loc[converted, "trial_start"] + pd.to_timedelta(trial_days, unit="D")
    assert (first == expected).all()  # billed from the day the trial ends


def test_a_month_later_most_customers_look_much_the_same(pair):
    old, new, _, churned = pair
    assert (new["mrr"] == old["mrr"]).mean() > 0.9
    assert (new["mrr"] != old["mrr"]).sum() > 50  # expansion, contraction, conversions
    numeric = ["mrr", "seats", "logins_30d", "features_adopted", "integrations", "support_tickets"]
    relative = (new[numeric] - old[numeric]).abs().mean() / old[numeric].abs().mean()
    assert (relative < 0.35).all(), relative
    used = (old["logins_30d"] >= 10) & ~churned & (old["plan"] != "Trial")
    change = (np.log1p(new["logins_30d"]) - np.log1p(old["logins_30d"])).abs()[used]
    assert (change < 0.5).mean() > 0.8
    assert (change > 0).mean() > 0.5  # usage does move month to month
    # Adopted features and integrations accumulate; they never go back.
    assert (new["features_adopted"] >= old["features_adopted"]).all()
    assert (new["integrations"] >= old["integrations"]).all()
    assert 0 < (new["features_adopted"] > old["features_adopted"]).mean() < 0.1
    assert new["nps"].notna().sum() >= old["nps"].notna().sum()


def test_customers_who_churn_used_the_product_less_before(pair):
    old, new, paying, churned = pair
    logins = old.loc[paying, "logins_30d"]
    per_seat = np.log1p(logins / old.loc[paying, "seats"])
    stayed = paying & ~churned
    assert per_seat[churned].mean() < per_seat[stayed].mean() - 0.1
    # The bottom quarter of usage holds far more than a quarter of next month's churners.
    bottom = logins <= logins.quantile(0.25)
    assert bottom[churned[paying]].mean() > 0.35
    # And usage fades before the cancellation: their logins this month drop.
    assert new.loc[churned, "logins_30d"].median() < 0.5 * old.loc[churned, "logins_30d"].median()


def test_events_roll_forward_to_the_new_month(months):
    before, after = months
    events = after.events
    assert events["date"].max() == NEXT_AS_OF
    assert events["date"].min() >= NEXT_AS_OF - pd.Timedelta(days=119)
    assert not events.duplicated(["customer_id", "date"]).any()
    kept = before.events[before.events["date"] > NEXT_AS_OF - pd.Timedelta(days=120)].reset_index(drop=True)
    pd.testing.assert_frame_equal(events.iloc[:len(kept)].reset_index(drop=True), kept)
    recent = events[events["date"] > NEXT_AS_OF - pd.Timedelta(days=30)]
    logins = after.customers.set_index("customer_id")["logins_30d"]
    expected = recent.groupby("customer_id")["sessions"].sum().reindex(logins.index, fill_value=0)
    pd.testing.assert_series_equal(logins, expected, check_names=False)


def test_next_month_is_deterministic_and_chains(data):
    first = next_month(data)
    again = next_month(generate(SMALL))
    pd.testing.assert_frame_equal(first.customers, again.customers)
    pd.testing.assert_frame_equal(first.transactions, again.transactions)
    pd.testing.assert_frame_equal(first.events, again.events)
    other = next_month(data, random_state=7)
    assert not other.customers["logins_30d"].equals(first.customers["logins_30d"])
    twice = next_month(first)
    two = next_month(data, months=2)
    assert two.as_of == pd.Timestamp("2026-12-31")
    pd.testing.assert_frame_equal(two.customers, twice.customers)
    pd.testing.assert_frame_equal(two.transactions, twice.transactions)
    # The second month draws afresh rather than replaying the first month's luck (same seed, other month).
    first_drift = first.engagement.to_numpy()[:SMALL] - 0.98 * data.engagement.to_numpy()
    second_drift = twice.engagement.to_numpy()[:SMALL] - 0.98 * first.engagement.to_numpy()[:SMALL]
    assert not np.allclose(first_drift, second_drift)


def test_a_short_month_and_a_tiny_dataset_work():
    january = generate(300, as_of="2026-01-31")
    february = next_month(january)
    assert february.as_of == pd.Timestamp("2026-02-28")
    recent = february.events[february.events["date"] > pd.Timestamp("2026-01-29")]  # 30 days, two in January
    logins = february.customers.set_index("customer_id")["logins_30d"]
    assert (recent.groupby("customer_id")["sessions"].sum().reindex(logins.index, fill_value=0) == logins).all()
    tiny = next_month(generate(1), months=3)
    assert tiny.customers["customer_id"].iloc[0] == "00001"


@pytest.mark.parametrize("options, match", [
    ({"months": 0}, "months"), ({"months": 1.5}, "months"), ({"months": True}, "months"),
    ({"random_state": "seed"}, "random_state"), ({"random_state": -1}, "random_state"),
])
def test_next_month_refuses_bad_options(data, options, match):
    with pytest.raises(DataError, match=match):
        next_month(data, **options)


def test_next_month_needs_the_generated_data(data):
    with pytest.raises(DataError, match="SampleData"):
        next_month(data.customers)


# --- end to end: segments re-applied to next month ----------------------------------------------


def test_kmeans_segments_reapplied_next_month_mostly_hold(months):
    before, after = months
    variables = ["mrr", "logins_30d", "features_adopted"]  # the Segment page's default on the sample
    segments = kmeans.fit_kmeans(before.customers.set_index("customer_id"), variables, k=4, random_state=0)
    labels, _ = apply_recipe(segments, after.customers)
    moves = migration(segments.labels, labels, segments=segments.segments)
    stayed = moves.stayed / (moves.stayed + moves.changed)
    assert 0.7 < stayed < 1.0
    assert moves.changed >= 20
    assert moves.new == len(after.customers) - len(before.customers) and moves.gone == 0
    # Who moved is not noise: converting trials and churning accounts account for many of the moves.
    old = before.customers.set_index("customer_id")
    new = after.customers.set_index("customer_id")
    moved = moves.moved[~moves.moved["from"].isin(["(new)"])]["customer_id"]
    event = (old["plan"].loc[moved] != new["plan"].loc[moved]) | (new["churn_date"].loc[moved].notna()
                                                                  & old["churn_date"].loc[moved].isna())
    assert event.mean() > 0.5


def test_rfm_segments_reapplied_next_month_mostly_hold(months):
    before, after = months
    roles = {"customer_id": "customer_id", "transaction_date": "invoice_date", "amount": "amount",
             "order_id": "invoice_id"}
    table = customer_table(before.customers, customer_id="customer_id", transactions=before.transactions,
                           transaction_roles=roles)
    segments = rfm.fit_rfm(table)
    labels, _ = apply_recipe(segments, after.customers, transactions=after.transactions, transaction_roles=roles)
    moves = migration(segments.labels, labels, segments=segments.segments)
    assert moves.stayed / (moves.stayed + moves.changed) > 0.7
    assert moves.changed >= 20
    # Churned accounts stop buying: some of them slide out of the best RFM segments.
    churned = after.customers.loc[after.customers["churn_date"] > pd.Timestamp("2026-10-31"), "customer_id"]
    assert moves.moved["customer_id"].isin(churned).any()
