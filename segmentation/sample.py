"""A deterministic sample B2B SaaS export with planted personas.

The app, the notebooks, the tests and the benchmarks all need the same realistic
data: a customer export, monthly invoices and daily usage, with segments that are
really there so a method can be checked against the truth. `generate` draws it
from one seed; `write` saves it as the files a user would upload (CSV and one
Excel workbook) with the same bytes on every run, so `make sample-data` leaves
git clean.

The story every row follows:

- A visitor signs up (``signup_date``). Accidental sign-ups never start the trial
  (``trial_start`` blank); everyone else starts it the same day or within days
  (a sales-assisted pilot within two weeks), so ``signup_date <= trial_start``.
- A trial lasts 14 days (a pilot 30). A customer who converts is invoiced every
  month from the day the trial ends, on the same day of the month (capped at 28).
  Trials still running at ``as_of`` are on plan "Trial"; lapsed ones on "Free".
- Paying customers expand, contract, upgrade, sometimes pause (no invoices for a
  few months, then back at the same price) and churn: ``churn_date`` falls after
  the last invoice and before the next one would have been due. Low engagement
  churns more, and enterprise contracts only end at a yearly renewal.
- ``mrr`` is the monthly recurring revenue of the latest invoice (the current one
  for active customers, the last one for churned), 0 for accounts that never paid;
  so ``mrr > 0`` exactly when ``converted_to_paid == "yes"`` and invoices exist.
- ``logins_30d`` is the sum of ``sessions`` in events over the 30 days up to ``as_of``.

`personas` (the ground truth, not in the files) is one of `PERSONAS`; `tiers` is a
maturity tier from a one-person shop to a large organisation (`TIERS`).

`next_month` continues the same story by a month: the same customers (same ids and
companies) billed, churned, converted and using the product a month later, plus the
month's sign-ups. It is what "re-apply the saved segments to next month's export" needs:
a redraw with a later `as_of` would be other companies under the same ids.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = [
    "SampleData",
    "generate",
    "next_month",
    "write",
    "main",
    "PERSONAS",
    "TIERS",
    "CUSTOMER_COLUMNS",
    "TRANSACTION_COLUMNS",
    "EVENT_COLUMNS",
    "FILE_NAMES",
    "WORKBOOK_NAME",
    "NEXT_MONTH_FOLDER",
    "NEXT_MONTH_FILES",
]

PERSONAS = ("Accidental sign-up", "Tire-kicker", "Self-serve", "Sales-assisted enterprise")
TIERS = ("Solo", "Small team", "Mid-size", "Large")

CUSTOMER_COLUMNS = (
    "customer_id", "company", "industry", "employees", "country", "plan", "channel",
    "signup_date", "trial_start", "converted_to_paid", "churn_date", "mrr", "seats",
    "logins_30d", "features_adopted", "integrations", "support_tickets", "nps",
)
TRANSACTION_COLUMNS = ("invoice_id", "customer_id", "invoice_date", "amount")
EVENT_COLUMNS = ("customer_id", "date", "sessions")

FILE_NAMES = ("customers.csv", "transactions.csv", "events.csv")
WORKBOOK_NAME = "saas_sample.xlsx"
# `write` puts next month's export (customers and invoices, no events) in this subfolder.
NEXT_MONTH_FOLDER = "next_month"
NEXT_MONTH_FILES = ("customers.csv", "transactions.csv")
VENDOR = "Acme Analytics"

SIGNUP_MONTHS = 36
EVENT_DAYS = 120
MAX_CUSTOMERS = 99_999  # ids are five digits
# The events sheet only goes into the workbook when small: Excel users get the
# customers and invoices; daily usage for thousands of customers stays in CSV.
MAX_EVENT_ROWS_IN_WORKBOOK = 50_000
# Fixed timestamp for every zip entry so the workbook's bytes never depend on the clock.
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)

_ACCIDENTAL, _TIRE_KICKER, _SELF_SERVE, _ENTERPRISE = range(4)
_SOLO, _SMALL, _MID, _LARGE = range(4)
_PERSONA_SHARES = (0.18, 0.24, 0.46, 0.12)

# Per persona: maturity tier weights (solo, small, mid, large).
_TIER_WEIGHTS = {
    _ACCIDENTAL: (0.35, 0.40, 0.15, 0.10),
    _TIRE_KICKER: (0.30, 0.50, 0.18, 0.02),
    _SELF_SERVE: (0.20, 0.50, 0.30, 0.00),
    _ENTERPRISE: (0.00, 0.00, 0.00, 1.00),
}
_TRIAL_DAYS = {_TIRE_KICKER: 14, _SELF_SERVE: 14, _ENTERPRISE: 30}
_CONVERSION = {_ACCIDENTAL: 0.0, _TIRE_KICKER: 0.08, _SELF_SERVE: 0.95, _ENTERPRISE: 0.93}
# After a lapsed trial or a cancellation the account stays on the free tier; some keep a light habit.
_FREE_TIER_HABIT = {_TIRE_KICKER: (0.7, 0.08), _SELF_SERVE: (0.6, 0.08), _ENTERPRISE: (0.3, 0.05)}

_UNIT_PRICE = {"Starter": 15.0, "Pro": 32.0}
_ENTERPRISE_PLATFORM_FEE = 1500.0

_CHANNELS = ("Organic", "Paid search", "Partner", "Sales", "Referral")
_CHANNEL_WEIGHTS = {
    _ACCIDENTAL: (0.35, 0.45, 0.10, 0.00, 0.10),
    _TIRE_KICKER: (0.40, 0.35, 0.10, 0.00, 0.15),
    _SELF_SERVE: (0.43, 0.20, 0.15, 0.02, 0.20),
    _ENTERPRISE: (0.05, 0.00, 0.15, 0.75, 0.05),
}

_COUNTRIES = (
    ("United States", 0.33, ("Inc.", "LLC", "Corp.")),
    ("United Kingdom", 0.12, ("Ltd",)),
    ("Germany", 0.10, ("GmbH",)),
    ("France", 0.07, ("SAS",)),
    ("Canada", 0.06, ("Inc.",)),
    ("India", 0.05, ("Pvt Ltd",)),
    ("Netherlands", 0.05, ("B.V.",)),
    ("Australia", 0.05, ("Pty Ltd",)),
    ("Brazil", 0.04, ("Ltda",)),
    ("Spain", 0.03, ("S.L.",)),
    ("Sweden", 0.03, ("AB",)),
    ("Poland", 0.03, ("Sp. z o.o.",)),
    ("Denmark", 0.02, ("ApS",)),
    ("Japan", 0.02, ("K.K.",)),
)

_INDUSTRIES = (
    "Software", "Financial services", "Healthcare", "Retail", "Education", "Manufacturing",
    "Media", "Professional services", "Non-profit", "Logistics",
)
# Enterprise buyers lean to regulated and industrial sectors, small teams to software and agencies.
_INDUSTRY_WEIGHTS = {
    "enterprise": (0.12, 0.22, 0.16, 0.10, 0.04, 0.16, 0.04, 0.08, 0.02, 0.06),
    "other": (0.26, 0.06, 0.07, 0.10, 0.08, 0.05, 0.12, 0.16, 0.05, 0.05),
}
_MISSING_INDUSTRY_SHARE = 0.04

_NAME_PREFIXES = (
    "North", "Blue", "Bright", "Silver", "Red", "Green", "Clear", "Swift", "Iron", "Maple",
    "Cedar", "Summit", "Harbor", "Pioneer", "Atlas", "Nova", "Vertex", "Lumen", "Orbit",
    "Cobalt", "Amber", "Granite", "Willow", "Falcon", "Beacon", "Crescent", "Ever", "Horizon",
    "Key", "Meridian", "Polar", "River", "Sterling", "Tidal", "Urban", "Vivid", "Zenith", "Oak",
    # A few non-ASCII names so the files exercise UTF-8 end to end.
    "Grün", "Øst", "Élan", "Söder", "Łąka", "Peña",
)
_NAME_CORES = (
    "wind", "peak", "path", "stack", "field", "bridge", "works", "line", "point", "gate",
    "leaf", "wave", "light", "forge", "grid", "loop", "mark", "port", "scale", "shift",
)
_NAME_KINDS = (
    "Analytics", "Labs", "Logistics", "Health", "Studio", "Consulting", "Foods", "Systems",
    "Media", "Software", "Partners", "Capital", "Robotics", "Design", "Energy", "Retail",
    "Learning", "Travel",
)
_DUPLICATE_NAME_SHARE = 0.012


@dataclass(frozen=True, eq=False)
class SampleData:
    """The generated exports plus the truth behind them.

    customers     one row per customer, columns `CUSTOMER_COLUMNS` (dates as datetime64, nps Int64).
    transactions  monthly invoices, columns `TRANSACTION_COLUMNS`.
    events        one row per active customer-day over the last 120 days, `EVENT_COLUMNS`.
    personas      planted persona per customer id (one of `PERSONAS`); not in the files.
    tiers         maturity tier per customer id (one of `TIERS`), from employees.
    as_of         the export date.
    engagement    latent engagement per customer id (about standard normal): drives usage, adoption,
                  NPS and, inversely, churn; not in the files.
    account_state per customer id, what the files do not show but the next month needs: the
                  contract (`unit_price` per enterprise seat, `discount`) and `free_habit`, whether
                  a lapsed or cancelled account keeps logging in now and then (<NA> until it lapses).
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    events: pd.DataFrame
    personas: pd.Series
    tiers: pd.Series
    as_of: pd.Timestamp
    engagement: pd.Series
    account_state: pd.DataFrame


def generate(
    n_customers: int = 5000, *, random_state: int | None = 42, as_of: str = "2026-10-31"
) -> SampleData:
    """Draw a SaaS dataset of `n_customers` customers; the same arguments give the same data.

    Sign-ups spread over the 36 calendar months ending with the month of `as_of`,
    growing about 3.5% a month; events cover the 120 days ending at `as_of`.
    """
    n = _check_count(n_customers)
    end = _check_as_of(as_of)
    rng = np.random.default_rng(random_state)

    signup = _signup_days(rng, n, end)
    persona = rng.choice(4, size=n, p=_PERSONA_SHARES)
    engagement = rng.standard_normal(n)  # latent: drives usage, adoption, NPS and (inversely) churn
    tier = np.array([rng.choice(4, p=_TIER_WEIGHTS[p]) for p in persona])
    employees = _employees(rng, tier)
    seats = _initial_seats(rng, persona, tier, employees)
    trial_start = _trial_starts(rng, persona, signup, end)
    accounts = _accounts(rng, persona, tier, engagement, seats, employees, trial_start, end)
    invoices = _bill(rng, accounts, persona, engagement, end)
    sessions = _sessions(rng, accounts, persona, engagement, signup, trial_start, end)
    behaviour = _behaviour(rng, accounts, persona, engagement)
    company, industry, country, channel = _firmographics(rng, persona)

    ids = _ids(1, n)
    customers = pd.DataFrame({
        "customer_id": ids,
        "company": company,
        "industry": industry,
        "employees": employees,
        "country": country,
        "plan": accounts["plan"],
        "channel": channel,
        "signup_date": _timestamps(signup),
        "trial_start": _timestamps(trial_start),
        "converted_to_paid": np.where(accounts["paying"], "yes", "no").astype(object),
        "churn_date": _timestamps(accounts["churn"]),
        "mrr": accounts["mrr"],
        "seats": accounts["seats"],
        "logins_30d": sessions[:, -30:].sum(axis=1),
        "features_adopted": behaviour["features_adopted"],
        "integrations": behaviour["integrations"],
        "support_tickets": behaviour["support_tickets"],
        "nps": pd.array(behaviour["nps"], dtype="Int64"),
    })
    transactions = _transactions(invoices, ids)
    events = _events(sessions, ids, end - np.timedelta64(EVENT_DAYS - 1, "D"))
    return SampleData(customers, transactions, events, as_of=pd.Timestamp(end),
                      **_truth(ids, persona, tier, engagement, accounts))


def next_month(data: SampleData, *, months: int = 1, random_state: int | None = 42) -> SampleData:
    """The same customers `months` calendar month(s) later: the export a user gets next time.

    Everyone keeps their id, company, industry, employees, country, channel, sign-up and trial
    dates, persona and tier. Each month: paying customers are invoiced on their usual day,
    adding or removing seats and upgrading as in `generate`, or they churn (low engagement
    more often; enterprise only at a yearly renewal), keeping the plan and MRR of their last
    invoice as `generate` shows churned accounts; running trials convert or lapse to "Free";
    engagement drifts a little (and swings for about 2%: some disengage, some re-engage), and
    usage, adopted features, integrations, support tickets and NPS answers follow it. New
    customers sign up at the recent pace (the last 30 days' sign-ups, 3.5% more) with ids
    continuing the numbering. Invoices of the new month are appended; events keep the 120 days
    up to the new as-of date, which is the last day of the next calendar month. No new pause
    starts (a paused account would only show as a missing invoice).

    The same data and arguments give the same result, and `months=2` equals applying one month
    twice (each month's draws are seeded by `random_state` and that month).
    """
    _check_continuable(data)
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or not 1 <= months <= 120:
        raise DataError(f"months={months!r} should be a whole number of months from 1 to 120.")
    if random_state is not None and (isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer))
                                     or random_state < 0):
        raise DataError(f"random_state={random_state!r} should be a non-negative whole number or None.")
    for _ in range(int(months)):
        data = _one_month_later(data, random_state)
    return data


def write(
    folder: str | Path, data: SampleData | None = None, *, random_state: int | None = 42,
    with_next_month: bool = True,
) -> list[Path]:
    """Write customers.csv, transactions.csv, events.csv and saas_sample.xlsx into `folder`,
    and the next month's customers.csv and transactions.csv into `folder`/next_month.

    `data` defaults to `generate()`; `random_state` seeds `next_month(data)`. Files are UTF-8,
    comma-separated, ISO dates, no index; the workbook has sheets "customers" (a title row
    above the header, as many exports have), "transactions" and, when small, "events". The
    next month has no events file: the repository stays small, and no recipe the app offers
    by default needs it. Same data -> same bytes.
    """
    if data is None:
        data = generate()
    if not isinstance(data, SampleData):
        raise DataError(f"write() needs a SampleData from generate(), not {type(data).__name__}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [_write_csv(frame, folder / name)
             for name, frame in zip(FILE_NAMES, (data.customers, data.transactions, data.events))]
    workbook = folder / WORKBOOK_NAME
    workbook.write_bytes(_workbook_bytes(data))
    paths.append(workbook)
    if with_next_month:
        later = next_month(data, random_state=random_state)
        (folder / NEXT_MONTH_FOLDER).mkdir(exist_ok=True)
        paths += [_write_csv(frame, folder / NEXT_MONTH_FOLDER / name)
                  for name, frame in zip(NEXT_MONTH_FILES, (later.customers, later.transactions))]
    return paths


def main(argv: list[str] | None = None) -> int:
    """`python -m segmentation.sample [FOLDER] [--customers N] [--seed S]`: regenerate the sample files
    (and FOLDER/next_month/, the same customers a month later)."""
    parser = argparse.ArgumentParser(prog="python -m segmentation.sample", description=main.__doc__)
    parser.add_argument("folder", nargs="?", default="sample_data")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", default="2026-10-31")
    args = parser.parse_args(argv)
    try:
        data = generate(args.customers, random_state=args.seed, as_of=args.as_of)
        paths = write(args.folder, data, random_state=args.seed)
    except (DataError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"{path}  {path.stat().st_size / 1e6:.2f} MB")
    return 0


# --- validation -------------------------------------------------------------------------------


def _check_count(n_customers) -> int:
    if isinstance(n_customers, bool) or not isinstance(n_customers, (int, np.integer)):
        raise DataError(f"n_customers must be a whole number, got {n_customers!r}.")
    if not 1 <= n_customers <= MAX_CUSTOMERS:
        raise DataError(f"n_customers={n_customers} should be between 1 and {MAX_CUSTOMERS} (ids are five digits).")
    return int(n_customers)


def _check_as_of(as_of) -> np.datetime64:
    try:
        stamp = pd.Timestamp(as_of)
    except (TypeError, ValueError) as exc:
        raise DataError(f"as_of={as_of!r} is not a date; give it as YYYY-MM-DD.") from exc
    if pd.isna(stamp):
        raise DataError(f"as_of={as_of!r} is not a date; give it as YYYY-MM-DD.")
    return np.datetime64(stamp.date(), "D")


# --- accounts ---------------------------------------------------------------------------------


def _month_start(day: np.datetime64, shift: int = 0) -> np.datetime64:
    return (day.astype("datetime64[M]") + shift).astype("datetime64[D]")


def _signup_days(rng, n: int, end: np.datetime64) -> np.ndarray:
    """Sorted sign-up days, so customer ids grow with sign-up date as a real system's do."""
    starts = np.array([_month_start(end, k - SIGNUP_MONTHS + 1) for k in range(SIGNUP_MONTHS)])
    lengths = np.array([(_month_start(s, 1) - s).astype(int) for s in starts])
    lengths[-1] = (end - starts[-1]).astype(int) + 1  # the export month only runs to as_of
    weights = 1.035 ** np.arange(SIGNUP_MONTHS) * lengths
    month = rng.choice(SIGNUP_MONTHS, size=n, p=weights / weights.sum())
    offset = np.floor(rng.random(n) * lengths[month]).astype(int)
    return np.sort(starts[month] + offset)


def _log_uniform(rng, low: float, high: float, size: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def _employees(rng, tier: np.ndarray) -> np.ndarray:
    n = len(tier)
    small = np.floor(_log_uniform(rng, 2, 20, n))
    mid = np.floor(_log_uniform(rng, 20, 250, n))
    large = np.clip(np.round(rng.lognormal(np.log(2500), 1.0, n)), 250, 120_000)
    employees = np.select([tier == _SOLO, tier == _SMALL, tier == _MID], [1, small, mid], large)
    return employees.astype(np.int64)


def _initial_seats(rng, persona, tier, employees) -> np.ndarray:
    n = len(persona)
    team = np.maximum(2, np.round(employees * rng.uniform(0.3, 1.0, n)))
    growing = np.minimum(employees, np.round(_log_uniform(rng, 5, 30, n)))
    self_serve = np.select([tier == _SOLO, tier == _SMALL], [1, team], growing)
    tire_kicker = np.where((rng.random(n) < 0.2) & (employees > 1), np.minimum(employees, rng.integers(2, 4, n)), 1)
    enterprise = np.clip(np.round(rng.lognormal(np.log(150), 0.5, n)), 40, np.minimum(employees, 3000))
    seats = np.select(
        [persona == _ACCIDENTAL, persona == _TIRE_KICKER, persona == _SELF_SERVE],
        [1, tire_kicker, self_serve],
        enterprise,
    )
    return seats.astype(np.int64)


def _trial_starts(rng, persona, signup, end) -> np.ndarray:
    n = len(persona)
    quick = np.where(rng.random(n) < 0.6, 0, rng.integers(1, 8, n))
    pilot = rng.integers(0, 15, n)
    delay = np.where(persona == _ENTERPRISE, pilot, quick).astype("timedelta64[D]")
    start = np.minimum(signup + delay, end)
    return np.where(persona == _ACCIDENTAL, np.datetime64("NaT"), start)


def _accounts(rng, persona, tier, engagement, seats, employees, trial_start, end) -> dict:
    """Who converted, on which plan and price; billing fills in churn, final seats and MRR."""
    n = len(persona)
    trial_days = np.array([_TRIAL_DAYS.get(p, 0) for p in persona]).astype("timedelta64[D]")
    trial_end = trial_start + trial_days
    in_trial = (persona != _ACCIDENTAL) & (trial_end > end)
    chance = np.array([_CONVERSION[p] for p in persona]) * np.clip(1 + 0.15 * engagement, 0.5, 1.3)
    paying = (persona != _ACCIDENTAL) & ~in_trial & (rng.random(n) < np.minimum(chance, 0.99))
    pro = rng.random(n) < np.where(tier == _MID, 0.6, 0.35)
    paid_plan = np.select(
        [persona == _ENTERPRISE, (persona == _SELF_SERVE) & pro], ["Enterprise", "Pro"], "Starter"
    ).astype(object)
    plan = np.where(paying, paid_plan, np.where(in_trial, "Trial", "Free")).astype(object)
    unit, discount = _contracts(rng, persona)
    # Seats may exceed headcount a little (contractors), never by much.
    cap = np.where(persona == _ENTERPRISE, employees, np.maximum(1, np.round(employees * 1.2))).astype(np.int64)
    return {
        "paying": paying,
        "in_trial": in_trial,
        "trial_end": trial_end,
        "plan": plan,
        "seats": seats.copy(),
        "cap": cap,
        "unit": unit,
        "discount": discount,
        "mrr": np.zeros(n),
        "churn": np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
        "pauses": [None] * n,  # (first missed invoice day, day invoicing resumed)
        "paid_months": np.zeros(n, dtype=np.int64),
        "free_habit": np.full(n, -1, dtype=np.int8),  # -1: not drawn yet (the account never lapsed)
    }


def _contracts(rng, persona) -> tuple[np.ndarray, np.ndarray]:
    """Per-seat price (enterprise) and discount: negotiated for enterprise, a promotion for some others."""
    n = len(persona)
    enterprise_price = np.round(rng.uniform(38, 55, n) * 2) / 2
    promo = np.where(rng.random(n) < 0.2, np.round(rng.uniform(0.10, 0.20, n), 2), 0.0)
    negotiated = np.round(rng.uniform(0.0, 0.25, n), 2)
    unit = np.where(persona == _ENTERPRISE, enterprise_price, 0.0)
    return unit, np.where(persona == _ENTERPRISE, negotiated, promo)


def _monthly_price(plan: str, seats: int, unit: float, discount: float) -> float:
    if plan == "Enterprise":
        gross = seats * unit + _ENTERPRISE_PLATFORM_FEE
    else:
        gross = seats * _UNIT_PRICE[plan]
    return round(gross * (1 - discount), 2)


def _invoice_days(first: date, end: date) -> list[date]:
    """The day the trial ends, then the same day each month (the 28th at most) up to `end`."""
    day, days = min(first.day, 28), []
    current, k = first, 0
    while current <= end:
        days.append(current)
        k += 1
        year, month = divmod(first.month - 1 + k, 12)
        current = date(first.year + year, month + 1, day)
    return days


def _bill(rng, accounts, persona, engagement, end) -> list[tuple[int, date, float]]:
    """Walk each paying customer month by month: expand, contract, pause, churn, invoice."""
    end_date = end.astype(date)
    invoices = []
    for i in np.flatnonzero(accounts["paying"]):
        p, z = persona[i], engagement[i]
        plan, seats, cap = accounts["plan"][i], int(accounts["seats"][i]), int(accounts["cap"][i])
        unit, discount = float(accounts["unit"][i]), float(accounts["discount"][i])
        slots = _invoice_days(accounts["trial_end"][i].astype(date), end_date)
        paused = range(0)
        if p == _SELF_SERVE and len(slots) >= 8 and rng.random() < 0.08:
            # Stops paying for a few months, then comes back at the same price.
            first = int(rng.integers(2, len(slots) - 4))
            paused = range(first, first + int(rng.integers(1, min(4, len(slots) - 2 - first) + 1)))
        last, count = None, 0
        for k, slot in enumerate(slots):
            if k in paused:
                if k == paused.start:
                    accounts["pauses"][i] = (np.datetime64(slot), np.datetime64(slots[paused.stop]))
                continue
            if k > 0 and (k - 1) not in paused and _churns(rng, p, k, z):
                gap = (slot - last).days
                accounts["churn"][i] = np.datetime64(last) + np.timedelta64(int(rng.integers(1, gap)), "D")
                break
            if k > 0:
                plan, seats = _evolve(rng, p, k, plan, seats, cap, z)
            mrr = _monthly_price(plan, seats, unit, discount)
            invoices.append((i, slot, mrr))
            last, count = slot, count + 1
        accounts["plan"][i], accounts["seats"][i], accounts["mrr"][i] = plan, seats, mrr
        accounts["paid_months"][i] = count
    return invoices


def _churns(rng, persona: int, month: int, engagement: float) -> bool:
    if persona == _ENTERPRISE:
        # Annual contracts: an enterprise customer can only leave at a renewal.
        return month % 12 == 0 and rng.random() < 0.12 * np.exp(-0.8 * engagement)
    base = 0.09 if persona == _TIRE_KICKER else 0.02
    early = 1.8 if month <= 3 else 1.0  # the first months after conversion are the riskiest
    return rng.random() < base * early * np.exp(-0.7 * engagement)


def _evolve(rng, persona: int, month: int, plan: str, seats: int, cap: int, engagement: float):
    draw = rng.random(3)
    grow = (0.04 if persona == _ENTERPRISE else 0.03) * np.clip(1 + 0.5 * engagement, 0.2, 2.0)
    shrink = 0.15 if (persona == _ENTERPRISE and month % 12 == 0) else 0.012
    if draw[0] < grow and seats < cap:
        seats = min(cap, seats + max(1, round(seats * rng.uniform(0.05, 0.4))))
    elif draw[1] < shrink and seats > 1:
        seats = max(1, seats - max(1, round(seats * rng.uniform(0.1, 0.3))))
    if plan == "Starter" and persona == _SELF_SERVE and draw[2] < 0.012:
        plan = "Pro"
    return plan, seats


# --- usage ------------------------------------------------------------------------------------


def _sessions(rng, accounts, persona, engagement, signup, trial_start, end) -> np.ndarray:
    """Sessions per customer and day over the last `EVENT_DAYS` days (0 = no activity)."""
    n = len(persona)
    usage = _Usage(n, end - np.timedelta64(EVENT_DAYS - 1, "D"), EVENT_DAYS)
    fill = usage.fill
    after_end = end + np.timedelta64(1, "D")

    seats = accounts["seats"]
    for i in range(n):
        p, z = persona[i], engagement[i]
        if p == _ACCIDENTAL:
            if rng.random() < 0.3:  # looked around once on the day they signed up
                fill(i, signup[i], signup[i] + np.timedelta64(1, "D"), 1.0, 0.0, weekend_factor=1.0)
            continue
        active, lam = _activity(p, z, seats[i])
        trial_end = accounts["trial_end"][i]
        if accounts["in_trial"][i]:
            fill(i, trial_start[i], after_end, active, lam)
            continue
        if not accounts["paying"][i]:
            fill(i, trial_start[i], trial_end, active * 0.6, lam)
            left = trial_end
        else:
            if p == _TIRE_KICKER:
                fill(i, trial_start[i], trial_end, active, lam)
                start, active = trial_end, 0.15
            else:
                start = trial_start[i]
            churn = accounts["churn"][i]
            stop, fade = (after_end, None) if np.isnat(churn) else (churn, churn)
            pause = accounts["pauses"][i]
            if pause is None:
                fill(i, start, stop, active, lam, fade_to=fade)
            else:
                fill(i, start, pause[0], active, lam)
                fill(i, pause[1], stop, active, lam, fade_to=fade)
            if np.isnat(churn):
                continue
            left = churn
        keep, habit = _FREE_TIER_HABIT[p]
        accounts["free_habit"][i] = rng.random() < keep
        if accounts["free_habit"][i]:
            fill(i, left, after_end, habit, 0.5)
    return usage.draw(rng)


def _activity(persona: int, engagement: float, seats: int) -> tuple[float, float]:
    """(chance of being active on a weekday, mean extra sessions on an active day)."""
    if persona == _TIRE_KICKER:
        return 0.3, 0.3
    if persona == _SELF_SERVE:
        return float(np.clip(0.6 + 0.12 * engagement, 0.2, 0.95)), 0.4 * seats ** 0.8 * np.exp(0.3 * engagement)
    return float(np.clip(0.85 + 0.05 * engagement, 0.5, 0.98)), 0.25 * seats * np.exp(0.3 * engagement)


class _Usage:
    """Per customer and day: the chance of activity and the session rate, then the draw."""

    def __init__(self, n: int, first: np.datetime64, length: int):
        self.first, self.length = first, length
        self.days = first + np.arange(length).astype("timedelta64[D]")
        self.weekend = ((self.days.view("int64") - 4) % 7) >= 5  # 1970-01-01 was a Thursday
        self.chance = np.zeros((n, length))
        self.rate = np.zeros((n, length))

    def fill(self, i, start, stop, p, lam, weekend_factor=0.35, fade_to=None):
        lo = max(int((start - self.first).astype(int)), 0)
        hi = min(int((stop - self.first).astype(int)), self.length)
        if hi <= lo:
            return
        factor = np.where(self.weekend[lo:hi], weekend_factor, 1.0)
        if fade_to is not None:
            # Usage fades over the 45 days before a cancellation.
            left = (fade_to - self.days[lo:hi]).astype(int)
            factor = factor * np.clip(0.15 + 0.85 * left / 45, 0.15, 1.0)
        self.chance[i, lo:hi] = p * factor
        self.rate[i, lo:hi] = lam

    def draw(self, rng) -> np.ndarray:
        on = rng.random(self.chance.shape) < self.chance
        return np.where(on, 1 + rng.poisson(self.rate), 0).astype(np.int64)


def _behaviour(rng, accounts, persona, engagement) -> dict:
    n = len(persona)
    z = engagement
    paying, seats = accounts["paying"], accounts["seats"]
    months = accounts["paid_months"]
    churned = ~np.isnat(accounts["churn"])
    noise = rng.normal(0, 1, n)

    self_serve_paid = np.clip(np.round(5 + 1.5 * z + 0.05 * months + noise), 2, 14)
    self_serve_trial = np.clip(np.round(3 + z + noise), 1, 6)
    features = np.select(
        [persona == _ACCIDENTAL, persona == _TIRE_KICKER, persona == _SELF_SERVE],
        [
            (rng.random(n) < 0.03).astype(float),
            1 + rng.binomial(3, 0.35, n),
            np.where(paying, self_serve_paid, self_serve_trial),
        ],
        np.clip(np.round(11 + 1.5 * z + 1.2 * noise), 6, 20),
    )

    pro = accounts["plan"] == "Pro"
    integrations = np.select(
        [persona == _ACCIDENTAL, persona == _TIRE_KICKER, persona == _SELF_SERVE],
        [
            np.zeros(n),
            (rng.random(n) < 0.1).astype(float),
            np.minimum(6, rng.poisson(0.8 * np.exp(0.4 * z)) + pro),
        ],
        np.minimum(15, 3 + rng.poisson(3 * np.exp(0.3 * z))),
    )

    # Tickets over the last 12 months; frustrated (low-engagement) paying customers write more.
    ticket_rate = np.select(
        [persona == _ACCIDENTAL, persona == _TIRE_KICKER, persona == _SELF_SERVE],
        [0.02, 0.3, np.where(paying, 1.0, 0.4) * np.exp(-0.3 * z)],
        2 + seats / 50 * np.exp(-0.3 * z),
    )
    tickets = rng.poisson(ticket_rate)

    surveyed_share = np.select(
        [persona == _ACCIDENTAL, persona == _TIRE_KICKER, persona == _SELF_SERVE],
        [0.03, 0.15, np.where(paying, 0.55, 0.2)],
        0.75,
    )
    score = np.clip(np.round(7.2 + 1.6 * z + rng.normal(0, 1.3, n) - 1.0 * churned), 0, 10)
    surveyed = rng.random(n) < surveyed_share
    nps = [int(s) if ok else None for s, ok in zip(score, surveyed)]
    return {
        "features_adopted": features.astype(np.int64),
        "integrations": integrations.astype(np.int64),
        "support_tickets": tickets.astype(np.int64),
        "nps": nps,
    }


# --- the next month ---------------------------------------------------------------------------


def _check_continuable(data) -> None:
    if not isinstance(data, SampleData):
        raise DataError(f"next_month() needs a SampleData from generate() or next_month(), not {type(data).__name__}.")
    ids = pd.Index(data.customers["customer_id"])
    for name in ("personas", "tiers", "engagement", "account_state"):
        truth = getattr(data, name)
        if not isinstance(truth, (pd.Series, pd.DataFrame)) or not ids.isin(truth.index).all():
            raise DataError(f"next_month() needs the SampleData's {name} for every customer id; pass the "
                            f"SampleData that generate() or next_month() returned, not an edited copy.")


def _one_month_later(data: SampleData, random_state: int | None) -> SampleData:
    """Advance every customer from `data.as_of` to the last day of the next calendar month."""
    start = np.datetime64(data.as_of.date(), "D")
    end = _month_start(start, 2) - np.timedelta64(1, "D")
    # Seeded by the month too: chained months draw afresh instead of repeating one month's luck.
    month_number = int(end.astype("datetime64[M]").astype(np.int64)) % 2**32
    rng = np.random.default_rng(None if random_state is None else [int(random_state), month_number])

    old = data.customers
    old_ids = old["customer_id"].to_numpy(object)
    engagement = data.engagement.reindex(old_ids).to_numpy(float)
    drifted = 0.98 * engagement + rng.normal(0, 0.12, len(old))
    swing = rng.random(len(old)) < 0.02  # a champion leaves, a new admin revives an account
    drifted += swing * rng.choice([-1.0, 1.0], len(old)) * rng.uniform(0.5, 1.5, len(old))
    joined = _sign_ups(rng, old, start, end)

    customers = pd.concat([old, joined["customers"]], ignore_index=True)
    ids = customers["customer_id"].to_numpy(object)
    persona = np.concatenate([[PERSONAS.index(p) for p in data.personas.reindex(old_ids)], joined["persona"]])
    tier = np.concatenate([[TIERS.index(t) for t in data.tiers.reindex(old_ids)], joined["tier"]]).astype(int)
    z = np.concatenate([drifted, joined["engagement"]])
    accounts = _accounts_at(data, customers, persona, tier, joined)
    # Accounts that got less out of the product last month than usual cancel more often.
    accounts["lull"][:len(old)] = _usage_lull(persona[:len(old)], engagement, accounts["seats"][:len(old)],
                                              old["logins_30d"].to_numpy(float))
    invoices, sessions = _live_month(rng, accounts, persona, z, start, end)
    drift = _drift(rng, customers, accounts, persona, z, start, end)

    kept = data.events[data.events["date"] > pd.Timestamp(end - np.timedelta64(EVENT_DAYS, "D"))]
    events = pd.concat([kept, _events(sessions, ids, start + np.timedelta64(1, "D"))], ignore_index=True)
    recent = events[events["date"] > pd.Timestamp(end - np.timedelta64(30, "D"))]
    logins = recent.groupby("customer_id")["sessions"].sum().reindex(ids, fill_value=0)
    customers = customers.assign(
        plan=accounts["plan"],
        converted_to_paid=np.where(accounts["paying"], "yes", "no").astype(object),
        churn_date=_timestamps(accounts["churn"]),
        mrr=accounts["mrr"],
        seats=accounts["seats"],
        logins_30d=logins.to_numpy(np.int64),
        **drift,
    )
    numbers = data.transactions["invoice_id"].str.slice(4).astype(int)
    first_invoice = int(numbers.max()) + 1 if len(numbers) else 1
    transactions = pd.concat([data.transactions, _transactions(invoices, ids, first=first_invoice)],
                             ignore_index=True)
    return SampleData(customers, transactions, events, as_of=pd.Timestamp(end),
                      **_truth(ids, persona, tier, z, accounts))


def _accounts_at(data: SampleData, customers: pd.DataFrame, persona, tier, joined) -> dict:
    """Each account as the last export left it (new sign-ups: not yet started), in `_accounts`' terms."""
    n, count = len(customers), len(joined["persona"])
    state = data.account_state.reindex(customers["customer_id"].iloc[:n - count])
    trial_start = customers["trial_start"].to_numpy("datetime64[D]")
    employees = customers["employees"].to_numpy(np.int64)
    return {
        "signup": customers["signup_date"].to_numpy("datetime64[D]"),
        "trial_start": trial_start,
        "trial_end": trial_start + np.array([_TRIAL_DAYS.get(p, 0) for p in persona]).astype("timedelta64[D]"),
        "tier": tier,
        "paying": (customers["converted_to_paid"] == "yes").to_numpy(),
        "churn": customers["churn_date"].to_numpy("datetime64[D]"),
        "plan": customers["plan"].to_numpy(object).copy(),
        "seats": customers["seats"].to_numpy(np.int64).copy(),
        "mrr": customers["mrr"].to_numpy(float).copy(),
        "cap": np.where(persona == _ENTERPRISE, employees, np.maximum(1, np.round(employees * 1.2))).astype(np.int64),
        "unit": np.concatenate([state["unit_price"].to_numpy(float), joined["unit"]]),
        "discount": np.concatenate([state["discount"].to_numpy(float), joined["discount"]]),
        "free_habit": np.concatenate([state["free_habit"].astype("Int8").fillna(-1).to_numpy(np.int8),
                                      np.full(count, -1, dtype=np.int8)]),
        "last_invoice": (data.transactions.groupby("customer_id")["invoice_date"].max()
                         .reindex(customers["customer_id"]).to_numpy("datetime64[D]")),
        "new": np.arange(n) >= n - count,
        "lull": np.zeros(n),
        "converted_now": np.zeros(n, dtype=bool),
        "upgraded": np.zeros(n, dtype=bool),
    }


def _live_month(rng, accounts, persona, engagement, start, end) -> tuple[list, np.ndarray]:
    """Trials end, accounts are invoiced or churn, and everyone uses the product (or not) in (start, end].
    Updates `accounts`; returns the invoices and the sessions per customer and day."""
    n = len(persona)
    usage = _Usage(n, start + np.timedelta64(1, "D"), int((end - start).astype(int)))
    after = end + np.timedelta64(1, "D")
    signup, trial_start, trial_end = accounts["signup"], accounts["trial_start"], accounts["trial_end"]
    paying, churn, plan, seats = accounts["paying"], accounts["churn"], accounts["plan"], accounts["seats"]
    invoices = []
    for i in range(n):
        p, z = persona[i], engagement[i]
        if p == _ACCIDENTAL:
            if accounts["new"][i] and rng.random() < 0.3:  # looked around once on the day they signed up
                usage.fill(i, signup[i], signup[i] + np.timedelta64(1, "D"), 1.0, 0.0, weekend_factor=1.0)
            continue
        free_from = None  # the day the account fell to the free tier, when it has
        if trial_end[i] > start:  # a trial running at the last export, or a new sign-up
            if trial_end[i] > end:
                usage.fill(i, trial_start[i], after, *_activity(p, z, seats[i]))
                continue
            chance = _CONVERSION[p] * np.clip(1 + 0.15 * z, 0.5, 1.3)
            if rng.random() < min(chance, 0.99):
                paying[i] = accounts["converted_now"][i] = True
                plan[i] = _first_plan(rng, p, accounts["tier"][i])
            else:
                plan[i] = "Free"
                active, lam = _activity(p, z, seats[i])
                usage.fill(i, trial_start[i], trial_end[i], active * 0.6, lam)
                free_from = trial_end[i]
        elif not paying[i]:
            free_from = trial_end[i]
        elif not np.isnat(churn[i]):
            free_from = churn[i]
        if paying[i] and np.isnat(churn[i]):
            before = plan[i]
            invoices += _bill_month(rng, accounts, i, p, z, start, end, risk=z - accounts["lull"][i])
            accounts["upgraded"][i] = before == "Starter" and plan[i] == "Pro"
            active, lam = _activity(p, z, seats[i])
            begin = trial_start[i]
            if p == _TIRE_KICKER:  # bought, then barely used it
                usage.fill(i, trial_start[i], trial_end[i], active, lam)
                begin, active = trial_end[i], 0.15
            stop, fade = (after, None) if np.isnat(churn[i]) else (churn[i], churn[i])
            usage.fill(i, begin, stop, active, lam, fade_to=fade)
            if not np.isnat(churn[i]):
                free_from = churn[i]
        if free_from is not None:
            keep, rate = _FREE_TIER_HABIT[p]
            if accounts["free_habit"][i] < 0:
                accounts["free_habit"][i] = rng.random() < keep
            if accounts["free_habit"][i]:
                usage.fill(i, free_from, after, rate, 0.5)
    return invoices, usage.draw(rng)


def _bill_month(rng, accounts, i, persona, engagement, start, end, *, risk: float) -> list[tuple[int, date, float]]:
    """Invoice account `i` on its billing days in (start, end], or let it churn (updates `accounts`).
    `risk` is the engagement the churn hazard sees (lower: likelier to cancel)."""
    invoices = []
    plan, seats, last = accounts["plan"][i], int(accounts["seats"][i]), accounts["last_invoice"][i]
    for k, slot in enumerate(_invoice_days(accounts["trial_end"][i].astype(date), end.astype(date))):
        day = np.datetime64(slot)
        if day <= start:
            continue
        if k > 0 and _churns(rng, persona, k, risk):
            # After the last invoice and after the last export (which showed the account active).
            first = max(last, start) + np.timedelta64(1, "D")
            room = int((day - first).astype(int))
            accounts["churn"][i] = first + np.timedelta64(int(rng.integers(0, max(room, 1))), "D")
            break
        if k > 0:
            plan, seats = _evolve(rng, persona, k, plan, seats, int(accounts["cap"][i]), engagement)
        accounts["mrr"][i] = _monthly_price(plan, seats, accounts["unit"][i], accounts["discount"][i])
        invoices.append((i, slot, accounts["mrr"][i]))
        last = day
    accounts["plan"][i], accounts["seats"][i] = plan, seats
    return invoices


def _usage_lull(persona, engagement, seats, logins) -> np.ndarray:
    """How far below its usual level an account's last 30 days were, on the engagement scale (0 when at
    or above it): -log of logins over what `_activity` expects, capped, divided by the hazard's 0.7."""
    usual = np.zeros(len(persona))
    for i, (p, z, count) in enumerate(zip(persona, engagement, seats)):
        if p != _ACCIDENTAL:
            active, lam = _activity(p, z, count)
            if p == _TIRE_KICKER:
                active = 0.15  # a paying tire-kicker's level; the lull only matters for paying accounts
            usual[i] = active * 30 * (5 + 2 * 0.35) / 7 * (1 + lam)
    ratio = np.clip((logins + 1) / (usual + 1), 0.25, 1.0)
    return -np.log(ratio) / 0.7


def _first_plan(rng, persona: int, tier: int) -> str:
    if persona == _ENTERPRISE:
        return "Enterprise"
    if persona == _SELF_SERVE and rng.random() < (0.6 if tier == _MID else 0.35):
        return "Pro"
    return "Starter"


def _drift(rng, customers, accounts, persona, z, start, end) -> dict:
    """A month of adoption, integrations, tickets and survey answers, in the directions `_behaviour` sets."""
    n = len(persona)
    span = int((end - start).astype(int)) / 365
    self_serve, enterprise = persona == _SELF_SERVE, persona == _ENTERPRISE
    converted, churn, converted_now = accounts["paying"], accounts["churn"], accounts["converted_now"]
    paying = converted & np.isnat(churn)
    in_trial = (persona != _ACCIDENTAL) & (accounts["trial_end"] > end)

    features = customers["features_adopted"].to_numpy(np.int64)
    adopt = np.select([self_serve & paying, enterprise & paying, in_trial & (self_serve | enterprise)],
                      [0.06 * np.exp(0.5 * z), 0.08 * np.exp(0.3 * z), 0.15], 0.0)
    most = np.select([self_serve, enterprise], [14, 20], 0)
    features = features + ((rng.random(n) < np.minimum(adopt, 0.5)) & (features < most))
    # Paying self-serve accounts use more of the product than trials (as in `_behaviour`).
    settled = np.clip(np.round(5 + 1.5 * z + rng.normal(0, 1, n)), 2, 14)
    features = np.where(converted_now & self_serve, np.maximum(features, settled), features)

    integrations = customers["integrations"].to_numpy(np.int64)
    connect = np.select([self_serve & paying, enterprise & paying], [0.02 * np.exp(0.4 * z), 0.04 * np.exp(0.3 * z)],
                        0.0)
    most = np.select([self_serve, enterprise], [6, 15], 0)
    integrations = integrations + (((rng.random(n) < connect) | accounts["upgraded"]) & (integrations < most))

    # A rolling 12 months: this month's tickets come in, about a twelfth of the old ones drop out.
    tickets = customers["support_tickets"].to_numpy(np.int64)
    rate = np.select(
        [persona == _ACCIDENTAL, persona == _TIRE_KICKER, self_serve],
        [0.02, 0.3, np.where(converted, 1.0, 0.4) * np.exp(-0.3 * z)],
        2 + accounts["seats"] / 50 * np.exp(-0.3 * z),
    )
    tickets = tickets - rng.binomial(tickets, min(span, 1.0)) + rng.poisson(rate * span)

    # Surveys reach accounts in the product (and those leaving): twice the ever-surveyed share a year.
    nps = customers["nps"].astype("Float64").to_numpy(float, na_value=np.nan)
    share = np.select([persona == _ACCIDENTAL, persona == _TIRE_KICKER, self_serve],
                      [0.03, 0.15, np.where(converted, 0.55, 0.2)], 0.75)
    reachable = paying | in_trial | (~np.isnat(churn) & (churn > start)) | converted_now
    asked = reachable & (rng.random(n) < np.minimum(2 * share * span, 1.0))
    score = np.clip(np.round(7.2 + 1.6 * z + rng.normal(0, 1.3, n) - 1.0 * ~np.isnat(churn)), 0, 10)
    nps = np.where(asked, score, nps)
    return {
        "features_adopted": features.astype(np.int64),
        "integrations": integrations.astype(np.int64),
        "support_tickets": tickets.astype(np.int64),
        "nps": pd.array([None if np.isnan(v) else int(v) for v in nps], dtype="Int64"),
    }


def _sign_ups(rng, old: pd.DataFrame, start, end) -> dict:
    """The customers who sign up in (start, end], as many as in the 30 days before plus 3.5% growth,
    drawn as `generate` draws them, with ids after the last one and company names not yet taken."""
    days = int((end - start).astype(int))
    signed = old["signup_date"].to_numpy("datetime64[D]")
    recent = int(((signed > start - np.timedelta64(30, "D")) & (signed <= start)).sum())
    first_id = max((int(i) for i in old["customer_id"]), default=0) + 1
    count = min(int(rng.poisson(recent * 1.035 * days / 30)), MAX_CUSTOMERS + 1 - first_id)

    signup = np.sort(start + rng.integers(1, days + 1, count).astype("timedelta64[D]"))
    persona = rng.choice(4, size=count, p=_PERSONA_SHARES)
    engagement = rng.standard_normal(count)
    tier = np.array([rng.choice(4, p=_TIER_WEIGHTS[p]) for p in persona], dtype=int)
    employees = _employees(rng, tier)
    seats = _initial_seats(rng, persona, tier, employees)
    trial_start = _trial_starts(rng, persona, signup, end)
    unit, discount = _contracts(rng, persona)
    company, industry, country, channel = _firmographics(rng, persona, old["company"].dropna().to_numpy())
    plan = np.where(persona == _ACCIDENTAL, "Free", "Trial").astype(object)
    not_yet = np.full(count, np.datetime64("NaT"), dtype="datetime64[D]")
    behaviour = _behaviour(rng, {"paying": np.zeros(count, dtype=bool), "seats": seats, "plan": plan,
                                 "paid_months": np.zeros(count, dtype=np.int64), "churn": not_yet},
                           persona, engagement)
    customers = pd.DataFrame({
        "customer_id": _ids(first_id, count),
        "company": company,
        "industry": industry,
        "employees": employees,
        "country": country,
        "plan": plan,
        "channel": channel,
        "signup_date": _timestamps(signup),
        "trial_start": _timestamps(trial_start),
        "converted_to_paid": np.full(count, "no", dtype=object),
        "churn_date": _timestamps(not_yet),
        "mrr": np.zeros(count),
        "seats": seats,
        "logins_30d": np.zeros(count, dtype=np.int64),
        "features_adopted": behaviour["features_adopted"],
        "integrations": behaviour["integrations"],
        # New accounts have no ticket history or survey answer yet; the month adds them.
        "support_tickets": np.zeros(count, dtype=np.int64),
        "nps": pd.array([None] * count, dtype="Int64"),
    })
    return {"customers": customers, "persona": persona, "tier": tier, "engagement": engagement,
            "unit": unit, "discount": discount}


# --- firmographics ----------------------------------------------------------------------------


def _firmographics(rng, persona, taken=()) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Company, industry, country and acquisition channel; new names avoid those in `taken`."""
    country = rng.choice(len(_COUNTRIES), size=len(persona), p=[c[1] for c in _COUNTRIES])
    company, country = _companies(rng, persona, country, taken)
    industry = _industries(rng, persona)
    channel = np.array([_CHANNELS[rng.choice(len(_CHANNELS), p=_CHANNEL_WEIGHTS[p])] for p in persona], dtype=object)
    return company, industry, np.array([_COUNTRIES[c][0] for c in country], dtype=object), channel


def _companies(rng, persona, country, taken=()):
    """Mostly unique names, plus a few second accounts of a company spelt a little differently."""
    n = len(persona)
    combos = len(_NAME_PREFIXES) * len(_NAME_CORES) * len(_NAME_KINDS)
    if len(taken):
        free = np.setdiff1d(np.arange(combos), _name_combos(taken))
        picks = free[rng.choice(len(free), size=n, replace=n > len(free))]
    else:
        picks = rng.choice(combos, size=n, replace=n > combos)
    names = []
    for i, pick in enumerate(picks):
        prefix, rest = divmod(int(pick), len(_NAME_CORES) * len(_NAME_KINDS))
        core, kind = divmod(rest, len(_NAME_KINDS))
        name = f"{_NAME_PREFIXES[prefix]}{_NAME_CORES[core]} {_NAME_KINDS[kind]}"
        suffixes = _COUNTRIES[country[i]][2]
        if rng.random() < 0.5:
            name = f"{name} {suffixes[rng.integers(len(suffixes))]}"
        names.append(name)
    country = country.copy()
    candidates = np.flatnonzero(np.isin(persona, (_ACCIDENTAL, _TIRE_KICKER)) & (np.arange(n) > 0))
    count = min(len(candidates), int(round(n * _DUPLICATE_NAME_SHARE)))
    for i in np.sort(rng.choice(candidates, size=count, replace=False)):
        original = int(rng.integers(0, i))
        names[i] = _respell(rng, names[original])
        country[i] = country[original]
    return np.array(names, dtype=object), country


def _name_combos(names) -> np.ndarray:
    """The name combinations (as `_companies` numbers them) that `names` already use, respellings included."""
    number, k = {}, 0
    for prefix in _NAME_PREFIXES:
        for core in _NAME_CORES:
            for kind in _NAME_KINDS:
                number[f"{prefix}{core} {kind}".casefold()] = k
                k += 1
    used = {number.get(" ".join(w.rstrip(".") for w in str(name).casefold().split()[:2])) for name in names}
    return np.array(sorted(u for u in used if u is not None), dtype=np.int64)


def _respell(rng, name: str) -> str:
    variants = (
        name.upper(),
        name.lower(),
        name.replace(" ", "  ", 1),
        name + "." if not name.endswith(".") else name[:-1],
        name.rsplit(" ", 1)[0] if name.count(" ") > 1 else name + " Inc",
    )
    return variants[int(rng.integers(len(variants)))]


def _industries(rng, persona) -> np.ndarray:
    n = len(persona)
    enterprise = rng.choice(len(_INDUSTRIES), size=n, p=_INDUSTRY_WEIGHTS["enterprise"])
    other = rng.choice(len(_INDUSTRIES), size=n, p=_INDUSTRY_WEIGHTS["other"])
    pick = np.where(persona == _ENTERPRISE, enterprise, other)
    missing = rng.random(n) < _MISSING_INDUSTRY_SHARE
    return np.array([None if gone else _INDUSTRIES[k] for k, gone in zip(pick, missing)], dtype=object)


# --- frames and files -------------------------------------------------------------------------


def _timestamps(days: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(days).astype("datetime64[ns]"))


def _ids(first: int, count: int) -> np.ndarray:
    return np.array([f"{i:05d}" for i in range(first, first + count)], dtype=object)


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d",
                 float_format="%.2f")
    return path


def _truth(ids, persona, tier, engagement, accounts) -> dict:
    index = pd.Index(ids, name="customer_id")
    habit = accounts["free_habit"]
    return {
        "personas": pd.Series([PERSONAS[p] for p in persona], index=index, name="persona", dtype=object),
        "tiers": pd.Series([TIERS[t] for t in tier], index=index, name="tier", dtype=object),
        "engagement": pd.Series(np.asarray(engagement, dtype=float), index=index, name="engagement"),
        "account_state": pd.DataFrame({
            "unit_price": np.asarray(accounts["unit"], dtype=float),
            "discount": np.asarray(accounts["discount"], dtype=float),
            "free_habit": pd.array([None if h < 0 else bool(h) for h in habit], dtype="boolean"),
        }, index=index),
    }


def _transactions(invoices, ids, first: int = 1) -> pd.DataFrame:
    frame = pd.DataFrame(invoices, columns=["row", "invoice_date", "amount"])
    frame["customer_id"] = ids[frame["row"].to_numpy()] if len(frame) else pd.Series(dtype=object)
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"]).astype("datetime64[ns]")
    frame = frame.sort_values(["invoice_date", "customer_id"], kind="stable", ignore_index=True)
    frame["invoice_id"] = [f"INV-{k:06d}" for k in range(first, first + len(frame))]
    return frame[list(TRANSACTION_COLUMNS)].astype({"amount": "float64", "customer_id": object})


def _events(sessions, ids, first) -> pd.DataFrame:
    """One row per customer and active day; column j of `sessions` is day `first` + j."""
    day_index, row = np.nonzero(sessions.T)  # date-major, like a usage log
    return pd.DataFrame({
        "customer_id": ids[row],
        "date": pd.to_datetime(first + day_index.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "sessions": sessions[row, day_index],
    })


def _cells(frame: pd.DataFrame):
    """Rows of plain Python values: dates as `date`, missing as None (an empty cell)."""
    columns = []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            columns.append([None if pd.isna(v) else v.date() for v in values])
        else:
            columns.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in values])
    return zip(*columns)


def _workbook_bytes(data: SampleData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    stamp = datetime.combine(data.as_of.date(), datetime.min.time())
    book = Workbook(write_only=True)
    book.properties.creator = "segmentation.sample"
    book.properties.created = stamp
    book.properties.modified = stamp
    sheets = [("customers", data.customers), ("transactions", data.transactions)]
    if len(data.events) <= MAX_EVENT_ROWS_IN_WORKBOOK:
        sheets.append(("events", data.events))
    for title, frame in sheets:
        sheet = book.create_sheet(title)
        if title == "customers":
            # Exports often start with a title line; the loader must find the header below it.
            sheet.append([f"Customer export — {VENDOR} — {data.as_of.date().isoformat()}"])
        sheet.append(list(frame.columns))
        for row in _cells(frame):
            sheet.append(row)
    raw = BytesIO()
    # ExcelWriter directly: openpyxl's save() stamps "modified" with the clock.
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return _stable_zip(raw.getvalue())


def _stable_zip(content: bytes) -> bytes:
    """The same entries in the same order with fixed timestamps and attributes."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename), compresslevel=6)
    return out.getvalue()


if __name__ == "__main__":
    raise SystemExit(main())
