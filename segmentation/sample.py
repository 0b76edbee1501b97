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
    "write",
    "main",
    "PERSONAS",
    "TIERS",
    "CUSTOMER_COLUMNS",
    "TRANSACTION_COLUMNS",
    "EVENT_COLUMNS",
    "FILE_NAMES",
    "WORKBOOK_NAME",
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
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    events: pd.DataFrame
    personas: pd.Series
    tiers: pd.Series
    as_of: pd.Timestamp


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
    country = rng.choice(len(_COUNTRIES), size=n, p=[c[1] for c in _COUNTRIES])
    company, country = _companies(rng, persona, country)

    ids = np.array([f"{i:05d}" for i in range(1, n + 1)], dtype=object)
    customers = pd.DataFrame({
        "customer_id": ids,
        "company": company,
        "industry": _industries(rng, persona),
        "employees": employees,
        "country": np.array([_COUNTRIES[c][0] for c in country], dtype=object),
        "plan": accounts["plan"],
        "channel": np.array(
            [_CHANNELS[rng.choice(len(_CHANNELS), p=_CHANNEL_WEIGHTS[p])] for p in persona], dtype=object
        ),
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
    events = _events(sessions, ids, end)
    personas = pd.Series([PERSONAS[p] for p in persona], index=pd.Index(ids, name="customer_id"), name="persona")
    tiers = pd.Series([TIERS[t] for t in tier], index=pd.Index(ids, name="customer_id"), name="tier")
    return SampleData(customers, transactions, events, personas, tiers, pd.Timestamp(end))


def write(folder: str | Path, data: SampleData | None = None) -> list[Path]:
    """Write customers.csv, transactions.csv, events.csv and saas_sample.xlsx into `folder`.

    `data` defaults to `generate()`. Files are UTF-8, comma-separated, ISO dates, no index;
    the workbook has sheets "customers" (a title row above the header, as many exports
    have), "transactions" and, when small, "events". Same data -> same bytes.
    """
    if data is None:
        data = generate()
    if not isinstance(data, SampleData):
        raise DataError(f"write() needs a SampleData from generate(), not {type(data).__name__}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = (data.customers, data.transactions, data.events)
    paths = []
    for name, frame in zip(FILE_NAMES, frames):
        path = folder / name
        frame.to_csv(
            path, index=False, encoding="utf-8", lineterminator="\n",
            date_format="%Y-%m-%d", float_format="%.2f",
        )
        paths.append(path)
    workbook = folder / WORKBOOK_NAME
    workbook.write_bytes(_workbook_bytes(data))
    paths.append(workbook)
    return paths


def main(argv: list[str] | None = None) -> int:
    """`python -m segmentation.sample [FOLDER] [--customers N] [--seed S]`: regenerate the sample files."""
    parser = argparse.ArgumentParser(prog="python -m segmentation.sample", description=main.__doc__)
    parser.add_argument("folder", nargs="?", default="sample_data")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", default="2026-10-31")
    args = parser.parse_args(argv)
    try:
        data = generate(args.customers, random_state=args.seed, as_of=args.as_of)
        paths = write(args.folder, data)
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
    enterprise_price = np.round(rng.uniform(38, 55, n) * 2) / 2
    promo = np.where(rng.random(n) < 0.2, np.round(rng.uniform(0.10, 0.20, n), 2), 0.0)
    negotiated = np.round(rng.uniform(0.0, 0.25, n), 2)
    # Seats may exceed headcount a little (contractors), never by much.
    cap = np.where(persona == _ENTERPRISE, employees, np.maximum(1, np.round(employees * 1.2))).astype(np.int64)
    return {
        "paying": paying,
        "in_trial": in_trial,
        "trial_end": trial_end,
        "plan": plan,
        "seats": seats.copy(),
        "cap": cap,
        "unit": np.where(persona == _ENTERPRISE, enterprise_price, 0.0),
        "discount": np.where(persona == _ENTERPRISE, negotiated, promo),
        "mrr": np.zeros(n),
        "churn": np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
        "pauses": [None] * n,  # (first missed invoice day, day invoicing resumed)
        "paid_months": np.zeros(n, dtype=np.int64),
    }


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
    first = end - np.timedelta64(EVENT_DAYS - 1, "D")
    days = first + np.arange(EVENT_DAYS).astype("timedelta64[D]")
    weekend = ((days.astype("datetime64[D]").view("int64") - 4) % 7) >= 5  # 1970-01-01 was a Thursday
    chance = np.zeros((n, EVENT_DAYS))
    rate = np.zeros((n, EVENT_DAYS))
    after_end = end + np.timedelta64(1, "D")

    def fill(i, start, stop, p, lam, weekend_factor=0.35, fade_to=None):
        lo = max(int((start - first).astype(int)), 0)
        hi = min(int((stop - first).astype(int)), EVENT_DAYS)
        if hi <= lo:
            return
        factor = np.where(weekend[lo:hi], weekend_factor, 1.0)
        if fade_to is not None:
            # Usage fades over the 45 days before a cancellation.
            left = (fade_to - days[lo:hi]).astype(int)
            factor = factor * np.clip(0.15 + 0.85 * left / 45, 0.15, 1.0)
        chance[i, lo:hi] = p * factor
        rate[i, lo:hi] = lam

    seats = accounts["seats"]
    for i in range(n):
        p, z = persona[i], engagement[i]
        if p == _ACCIDENTAL:
            if rng.random() < 0.3:  # looked around once on the day they signed up
                fill(i, signup[i], signup[i] + np.timedelta64(1, "D"), 1.0, 0.0, weekend_factor=1.0)
            continue
        if p == _TIRE_KICKER:
            active, lam = 0.3, 0.3
        elif p == _SELF_SERVE:
            active, lam = float(np.clip(0.6 + 0.12 * z, 0.2, 0.95)), 0.4 * seats[i] ** 0.8 * np.exp(0.3 * z)
        else:
            active, lam = float(np.clip(0.85 + 0.05 * z, 0.5, 0.98)), 0.25 * seats[i] * np.exp(0.3 * z)
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
        if rng.random() < keep:
            fill(i, left, after_end, habit, 0.5)
    on = rng.random((n, EVENT_DAYS)) < chance
    return np.where(on, 1 + rng.poisson(rate), 0).astype(np.int64)


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


# --- firmographics ----------------------------------------------------------------------------


def _companies(rng, persona, country):
    """Mostly unique names, plus a few second accounts of a company spelt a little differently."""
    n = len(persona)
    combos = len(_NAME_PREFIXES) * len(_NAME_CORES) * len(_NAME_KINDS)
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


def _transactions(invoices, ids) -> pd.DataFrame:
    frame = pd.DataFrame(invoices, columns=["row", "invoice_date", "amount"])
    frame["customer_id"] = ids[frame["row"].to_numpy()] if len(frame) else pd.Series(dtype=object)
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"]).astype("datetime64[ns]")
    frame = frame.sort_values(["invoice_date", "customer_id"], kind="stable", ignore_index=True)
    frame["invoice_id"] = [f"INV-{k:06d}" for k in range(1, len(frame) + 1)]
    return frame[list(TRANSACTION_COLUMNS)].astype({"amount": "float64", "customer_id": object})


def _events(sessions, ids, end) -> pd.DataFrame:
    day_index, row = np.nonzero(sessions.T)  # date-major, like a usage log
    first = end - np.timedelta64(EVENT_DAYS - 1, "D")
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
