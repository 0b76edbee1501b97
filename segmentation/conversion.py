"""Trial-to-paid conversion by signup month, split by segment, channel or any category, with the mix behind it.

A month's conversion rate can fall because each kind of sign-up converts less, or because more of the
kinds that always converted less signed up. `conversion_by_month` tells the two apart: next to the raw
rate of each signup month it gives the mix-adjusted rate, that month's per-group rates weighted by the
mix (each group's share of sign-ups) of one fixed reference month. The raw change between the reference
month and a later one splits exactly into a part within the groups (adjusted - reference) and a part
from the mix (raw - adjusted), and `reading` says in one line which is larger.

What counts as converted, in this order (the result's `source` says which was used):
1. a mapped outcome of kind conversion (`outcomes.OUTCOME_KINDS`), the customer table's `outcome`;
2. the mapped trial-to-paid column (role `converted`), the customer table's `converted`;
3. a first payment in the transactions (the customer table's `first_purchase`).

A signup month is finished only when every trial of it has had time to convert: `window_days` after
the month's last day fall on or before the as-of date (docs/definitions.md, complete periods). The
window is the time within which 95% of conversions came (signup to first payment), or 30 days when the
data does not say. Unfinished months keep their figures with `complete` = False, are drawn apart and
are never read as a drop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = ["Conversion", "conversion_by_month", "conversion_table", "conversion_flags", "DEFAULT_WINDOW_DAYS",
           "OTHER", "MISSING", "ALL"]

DEFAULT_WINDOW_DAYS = 30  # a 14-day trial plus a sales-assisted pilot's slack, when the data does not say
OTHER = "Other"
MISSING = "(missing)"
ALL = "All sign-ups"
# Fewer converters than this and the 95th percentile of their time to convert says too little to trust.
_MIN_CONVERSIONS_FOR_WINDOW = 20
_MAX_WINDOW_DAYS = 365
# A change of less than a percentage point is read as holding steady.
_STEADY = 0.01


@dataclass(frozen=True)
class Conversion:
    """Conversion by signup month; see the module docstring.

    by_group     long form: month ('2026-03'), group, signups, converted, rate, share (of the month's sign-ups),
                 complete. Without a split, one group `ALL`.
    overall      one row per month: month, signups, converted, rate (raw), adjusted (at the reference mix),
                 complete.
    split        what the groups are ("channel", "segment"), None without a split.
    source       which conversion was used, as a sentence ("the column 'converted_to_paid' (converted to paid)").
    reference    the month whose mix weighs `adjusted` (None when no month is finished).
    month        the month the reading is about: the last finished one (None when none is).
    window_days  days after a month's end before it counts as finished.
    as_of        the last date the data covers.
    reading      one sentence in plain words.
    notes        what else a reader must know: unfinished months, groups folded into Other.
    """

    by_group: pd.DataFrame
    overall: pd.DataFrame
    split: str | None
    source: str
    reference: str | None
    month: str | None
    window_days: int
    as_of: pd.Timestamp
    reading: str
    notes: tuple[str, ...] = ()

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.by_group["group"]))

    @property
    def complete_months(self) -> tuple[str, ...]:
        return tuple(self.overall.loc[self.overall["complete"], "month"])

    @property
    def mix(self) -> pd.DataFrame:
        """Each group's share of each month's sign-ups, months down, groups across."""
        return self.by_group.pivot(index="month", columns="group", values="share").fillna(0.0)[list(self.groups)]


# -- what counts as converted ------------------------------------------------------------------------------------

def conversion_flags(dataset) -> tuple[pd.Series, str, pd.Series | None]:
    """(converted flag per customer, the sentence saying which conversion it is, days from signup to the first
    payment or None) for a `Dataset`'s customer table. Raises DataError saying what to map when there is none."""
    table = dataset.customer_table()
    frame, roles = table.frame, dataset.roles["customers"]
    signup = signup_dates(dataset)
    days = None
    if "first_purchase" in frame.columns:
        days = (pd.to_datetime(frame["first_purchase"]) - signup).dt.days
    outcome = roles.get("outcome")
    if roles.outcome_kind == "conversion" and "outcome" in frame.columns:
        return frame["outcome"].astype("boolean"), f"the outcome column {outcome!r} (a conversion)", days
    if "converted" in frame.columns:
        column = roles.get("converted") or "converted"
        return frame["converted"].astype("boolean"), f"the column {column!r} (converted to paid)", days
    if "first_purchase" in frame.columns and "transactions" in dataset.tables:
        flag = frame["first_purchase"].notna().astype("boolean")
        name = dataset.tables["transactions"].name
        return flag, f"a first payment in {name} (no conversion column is mapped)", days
    raise DataError(f"Conversion needs a conversion outcome: map the column of {dataset.tables['customers'].name} "
                    "that says converted to paid on the Data page, or load the transactions so a first payment "
                    "counts as converting.")


def signup_dates(dataset) -> pd.Series:
    """The customers' signup dates (the trial start when no signup date is mapped), indexed as the customer table."""
    frame, roles = dataset.customer_table().frame, dataset.roles["customers"]
    column = roles.get("signup_date") or roles.get("trial_start")
    if column is None or column not in frame.columns:
        raise DataError(f"Conversion by signup month needs the signup date: say which column of "
                        f"{dataset.tables['customers'].name} holds it on the Data page.")
    return pd.to_datetime(frame[column], errors="coerce")


# -- the table ---------------------------------------------------------------------------------------------------

def conversion_by_month(dataset, *, split: Any = None, reference: str | None = None, month: str | None = None,
                        window_days: int | None = None, max_groups: int = 6, as_of: Any = None) -> Conversion:
    """Conversion by signup month of a `Dataset`'s customers, as the Conversion tab shows it.

    split        a `Segmentation` (its labels), a column of the customer table ("channel"), a Series indexed by
                 customer id, or None.
    reference    the month ('2026-03') whose mix weighs the adjusted rate; default: the finished month before
                 `month`.
    month        the month the reading is about; default: the last finished month.
    window_days  days a trial needs to convert; default: from the data (see the module docstring).
    """
    flags, source, days = conversion_flags(dataset)
    signup = signup_dates(dataset)
    table = dataset.customer_table()
    frame = table.frame
    name = None
    if split is not None and hasattr(split, "labels") and hasattr(split, "segments"):
        groups, name = split.labels.reindex(frame.index.astype(str)), "segment"
        groups.index = frame.index
    elif isinstance(split, str):
        if split not in frame.columns:
            raise DataError(f"There is no column {split!r} to split conversion by; columns are: "
                            f"{', '.join(map(str, frame.columns))}.")
        groups, name = frame[split], split
    elif isinstance(split, pd.Series):
        groups, name = split.reindex(frame.index), split.name or "group"
    elif split is None:
        groups = None
    else:
        raise DataError(f"Cannot split conversion by {split!r}: give a segmentation, a column name or a Series.")
    end = pd.Timestamp(as_of) if as_of is not None else table.as_of
    if end is None or pd.isna(end):
        end = signup.max()
    notes: list[str] = []
    if window_days is None:
        window_days, why = _window(days, flags)
        notes.append(why)
    return conversion_table(signup, flags, groups, as_of=end, window_days=int(window_days), reference=reference,
                            month=month, split=name, source=source, max_groups=max_groups, notes=notes)


def _window(days: pd.Series | None, flags: pd.Series) -> tuple[int, str]:
    """Days within which trials convert, from the data when it says, and the sentence saying how it was chosen."""
    if days is not None:
        converted = days[flags.fillna(False).astype(bool).to_numpy() & days.notna().to_numpy()]
        converted = converted[converted >= 0]
        if len(converted) >= _MIN_CONVERSIONS_FOR_WINDOW:
            window = int(min(max(math.ceil(converted.quantile(0.95)), 1), _MAX_WINDOW_DAYS))
            return window, (f"A signup month counts as finished {window} days after its end: 95% of the "
                            f"{len(converted)} conversions with a payment date came within {window} days of signup.")
    return DEFAULT_WINDOW_DAYS, (f"A signup month counts as finished {DEFAULT_WINDOW_DAYS} days after its end (no "
                                 "payment dates say how long trials take to convert).")


def conversion_table(signup: pd.Series, converted: pd.Series, groups: pd.Series | None = None, *,
                     as_of: Any, window_days: int = DEFAULT_WINDOW_DAYS, reference: str | None = None,
                     month: str | None = None, split: str | None = None, source: str = "the conversion flag",
                     max_groups: int = 6, notes: list[str] | tuple[str, ...] = ()) -> Conversion:
    """`Conversion` from per-customer signup dates, converted flags (True/False, missing = not known, left out)
    and optional groups, all on one index. See `conversion_by_month` for the arguments."""
    notes = list(notes)
    as_of = pd.Timestamp(as_of).normalize()
    frame = pd.DataFrame({"signup": pd.to_datetime(signup, errors="coerce"),
                          "converted": pd.Series(converted).astype("boolean")})
    if groups is None:
        frame["group"] = ALL
    else:
        values = pd.Series(groups).reindex(frame.index)
        frame["group"] = values.astype(object).where(values.notna(), MISSING).astype(str)
    undated, unknown = int(frame["signup"].isna().sum()), int(frame["converted"].isna().sum())
    frame = frame.dropna(subset=["signup"])
    frame = frame[frame["converted"].notna()]
    if frame.empty:
        raise DataError("No customer has both a signup date and a known conversion: there is nothing to count.")
    if undated:
        notes.append(f"{undated} customers without a signup date are left out.")
    if unknown:
        notes.append(f"{unknown} customers whose conversion is not known are left out.")
    frame["converted"] = frame["converted"].astype(bool)
    counts = frame["group"].value_counts()
    if len(counts) > max_groups:
        kept = list(counts.index[:max_groups - 1])
        folded = len(counts) - len(kept)
        frame["group"] = frame["group"].where(frame["group"].isin(kept), OTHER)
        notes.append(f"The {folded} smallest groups are counted together as {OTHER!r}.")
    order = list(frame["group"].value_counts().index)

    frame["month"] = frame["signup"].dt.to_period("M")
    months = pd.period_range(frame["month"].min(), frame["month"].max(), freq="M")
    grid = pd.MultiIndex.from_product([months, order], names=["month", "group"])
    grouped = frame.groupby(["month", "group"])["converted"].agg(["size", "sum"]).reindex(grid, fill_value=0)
    long = grouped.rename(columns={"size": "signups", "sum": "converted"}).reset_index()
    long["signups"] = long["signups"].astype(int)
    long["converted"] = long["converted"].astype(int)
    long["rate"] = (long["converted"] / long["signups"].where(long["signups"] > 0)).astype(float)
    long["share"] = (long["signups"] / long.groupby("month")["signups"].transform("sum").where(lambda s: s > 0))
    finished = {m: (m.end_time.normalize() + pd.Timedelta(days=window_days)) <= as_of for m in months}
    long["complete"] = long["month"].map(finished).astype(bool)

    overall = long.groupby("month", sort=True).agg(signups=("signups", "sum"), converted=("converted", "sum"))
    overall["rate"] = (overall["converted"] / overall["signups"].where(overall["signups"] > 0)).astype(float)
    overall["complete"] = [finished[m] for m in overall.index]
    labels = {m: m.strftime("%Y-%m") for m in months}
    done = [labels[m] for m in months if finished[m] and overall.loc[m, "signups"] > 0]
    month = _pick(month, done, labels, "month")
    if reference is None and month is not None:
        earlier = [m for m in done if m < month]
        reference = earlier[-1] if earlier else month
    else:
        reference = _pick(reference, done, labels, "reference")
    wide_rate = long.pivot(index="month", columns="group", values="rate")[order]
    if reference is not None:
        weights = long[long["month"].map(labels) == reference].set_index("group")["share"].reindex(order).fillna(0.0)
        present = wide_rate.notna()
        weighted = (wide_rate.fillna(0.0) * weights).sum(axis=1)
        # A group with no sign-ups in a month has no rate: the others' reference shares are scaled up to one.
        cover = present.mul(weights).sum(axis=1)
        overall["adjusted"] = (weighted / cover.where(cover > 0)).astype(float)
    else:
        overall["adjusted"] = np.nan
    overall = overall.reset_index()
    overall["month"] = overall["month"].map(labels)
    overall = overall[["month", "signups", "converted", "rate", "adjusted", "complete"]]
    long["month"] = long["month"].map(labels)
    long = long[["month", "group", "signups", "converted", "rate", "share", "complete"]]

    unfinished = [labels[m] for m in months if not finished[m]]
    if unfinished:
        shown = ", ".join(unfinished[-3:]) if len(unfinished) <= 3 else f"{unfinished[0]} to {unfinished[-1]}"
        notes.append(f"{shown} {'is' if len(unfinished) == 1 else 'are'} not finished: trials that signed up then "
                     f"have had under {window_days} days after the month's end to convert by {as_of:%Y-%m-%d}, so "
                     "a lower rate there is not a drop.")
    reading = _reading(long, overall, month, reference, split)
    return Conversion(by_group=long, overall=overall, split=split, source=source, reference=reference, month=month,
                      window_days=int(window_days), as_of=as_of, reading=reading, notes=tuple(notes))


def _pick(value: str | None, done: list[str], labels: dict, what: str) -> str | None:
    if value is None:
        return done[-1] if done and what == "month" else None
    value = str(value)[:7]
    if value not in labels.values():
        raise DataError(f"There are no sign-ups in {value} to use as the {what}; months run from "
                        f"{min(labels.values())} to {max(labels.values())}.")
    if value not in done:
        raise DataError(f"{value} is not finished or has no sign-ups, so it cannot be the {what}; finished months: "
                        f"{', '.join(done[-6:]) or 'none'}.")
    return value


def _pct(value: float) -> str:
    return f"{value:.0%}"


def _p_value(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of two proportions being equal (pooled normal approximation)."""
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = abs(k1 / n1 - k2 / n2) / se
    return math.erfc(z / math.sqrt(2))


def _reading(long: pd.DataFrame, overall: pd.DataFrame, month: str | None, reference: str | None,
             split: str | None) -> str:
    if month is None:
        return "No signup month is finished yet: trials need more time to convert before a rate can be read."
    rows = overall.set_index("month")
    now = rows.loc[month]
    if reference is None or reference == month:
        return f"Conversion was {_pct(now['rate'])} in {month}; there is no earlier finished month to compare with."
    before = rows.loc[reference]
    raw_before, raw_now, adjusted = float(before["rate"]), float(now["rate"]), float(now["adjusted"])
    change = raw_now - raw_before
    if abs(change) < _STEADY:
        return f"Conversion held at {_pct(raw_now)} in {month} ({_pct(raw_before)} in {reference})."
    verb, noun = ("fell", "drop") if change < 0 else ("rose", "rise")
    text = f"Conversion {verb} from {_pct(raw_before)} in {reference} to {_pct(raw_now)} in {month}"
    p = _p_value(int(before["converted"]), int(before["signups"]), int(now["converted"]), int(now["signups"]))
    chance = (f" (a change this size can be chance with {int(before['signups'])} and {int(now['signups'])} "
              "sign-ups)") if p > 0.05 else ""
    if split is None or long["group"].nunique() < 2:
        return text + chance + "; split it by segment or channel to tell who signed up from how they converted."
    mix_part, rate_part = raw_now - adjusted, adjusted - raw_before
    text += f"{chance}; at the {reference} mix it would have been {_pct(adjusted)}: "
    by = long.set_index(["month", "group"])
    if mix_part * change > 0 and abs(mix_part) >= abs(rate_part):
        # The group whose change of share moved the rate most in the direction it went: one that grew and converts
        # below the rest, for a drop.
        shift = (by.loc[month, "share"] - by.loc[reference, "share"]).fillna(0.0)
        effect = (shift * (by.loc[month, "rate"] - adjusted)).fillna(0.0) * np.sign(change)
        group = str(effect.idxmax())
        return (text + f"most of the {noun} is a change in who signed up ({split} {group} went from "
                f"{_pct(by.loc[(reference, group), 'share'])} to {_pct(by.loc[(month, group), 'share'])} "
                "of sign-ups).")
    weights = by.loc[reference, "share"]
    moved = ((by.loc[month, "rate"] - by.loc[reference, "rate"]) * weights).dropna()
    group = str(moved.abs().idxmax()) if not moved.empty else None
    detail = ""
    if group is not None:
        detail = (f" ({split} {group} converted at {_pct(by.loc[(month, group), 'rate'])} against "
                  f"{_pct(by.loc[(reference, group), 'rate'])})")
    return text + f"most of the {noun} is within the groups: the same kinds of sign-ups converted " \
                  f"{'less' if change < 0 else 'more'}{detail}."
