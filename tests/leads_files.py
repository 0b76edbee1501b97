"""Small customers and leads exports with a planted lookalike signal, for the lead-fit tests.

The sample (`segmentation.sample`) has firmographic columns and a converted-to-paid column, but no
leads export and no firmographic column that strongly tells converters apart; these files plant one:
Fintech converts at 85%, Retail at 5%, the other industries at 30%, and companies of 200 or more 20 points more.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INDUSTRIES = ("Fintech", "Retail", "Software", "Media", "Healthcare")
COUNTRIES = ("United States", "Germany", "France", "Spain")
CHANNELS = ("Organic", "Paid search", "Referral")
RATES = {"Fintech": 0.85, "Retail": 0.05}
OTHER_RATE = 0.3


def customers(n: int = 800, seed: int = 7, *, shuffled: bool = False) -> pd.DataFrame:
    """A customers export: id, company, industry, employees, country, channel, signup_date, converted_to_paid.
    `shuffled`: the same rows with the outcome shuffled (no column says anything about it)."""
    rng = np.random.default_rng(seed)
    industry = rng.choice(INDUSTRIES, size=n)
    employees = np.round(np.exp(rng.uniform(np.log(2), np.log(2000), size=n))).astype(int)
    rate = np.array([RATES.get(i, OTHER_RATE) for i in industry]) + np.where(employees >= 200, 0.2, 0.0)
    converted = rng.random(n) < np.clip(rate, 0, 0.95)
    if shuffled:
        converted = rng.permutation(converted)
    signup = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 540, size=n), unit="D")
    return pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "company": [f"Company {i}" for i in range(n)],
        "industry": industry,
        "employees": employees,
        "country": rng.choice(COUNTRIES, size=n),
        "channel": rng.choice(CHANNELS, size=n),
        "signup_date": signup.strftime("%Y-%m-%d"),
        "converted_to_paid": np.where(converted, "yes", "no"),
    })


def leads(n: int = 60, seed: int = 11) -> pd.DataFrame:
    """A prospects export with only firmographic columns, named as a CRM writes them; the first lead is a large
    Fintech, the second a small Retailer, the third from a country the customers never came from."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "Lead ID": [f"L-{i:04d}" for i in range(n)],
        "Company": [f"Prospect {i}" for i in range(n)],
        "Industry": rng.choice(INDUSTRIES, size=n),
        "Employees": np.round(np.exp(rng.uniform(np.log(2), np.log(2000), size=n))).astype(int),
        "Country": rng.choice(COUNTRIES, size=n),
    })
    frame.loc[0, ["Industry", "Employees"]] = ["Fintech", 900]
    frame.loc[1, ["Industry", "Employees"]] = ["Retail", 4]
    frame.loc[2, "Country"] = "Atlantis"
    return frame


def csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")
