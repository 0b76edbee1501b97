"""Conversion by signup month: a change in who signs up is told from a change in how they convert."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from segmentation.conversion import conversion_by_month, conversion_table
from segmentation.dataset import Dataset
from segmentation.errors import DataError
from segmentation.result import Segmentation


def _signups(plan: dict[str, dict[str, tuple[int, int]]]) -> pd.DataFrame:
    """Customers from {month: {group: (signups, converted)}}, signing up on the 10th of the month."""
    rows = []
    for month, groups in plan.items():
        for group, (n, k) in groups.items():
            rows += [{"signup": pd.Timestamp(f"{month}-10"), "group": group, "converted": i < k} for i in range(n)]
    frame = pd.DataFrame(rows)
    frame.index = [f"c{i}" for i in range(len(frame))]
    return frame


def _table(frame: pd.DataFrame, **kwargs) -> object:
    kwargs.setdefault("as_of", "2026-07-31")
    return conversion_table(frame["signup"], frame["converted"], frame["group"], split="channel", **kwargs)


def test_a_mix_shift_is_read_as_a_change_in_who_signed_up():
    # Each channel converts at the same rate every month (Sales 40%, Ads 10%); in May, Ads brings most sign-ups.
    steady = {"Sales": (80, 32), "Ads": (20, 2)}
    frame = _signups({"2026-03": steady, "2026-04": steady, "2026-05": {"Sales": (20, 8), "Ads": (80, 8)}})
    result = _table(frame)
    overall = result.overall.set_index("month")
    assert overall.loc["2026-04", "rate"] == pytest.approx(0.34)
    assert overall.loc["2026-05", "rate"] == pytest.approx(0.16)
    # At April's mix May's per-channel rates give April's rate: nothing changed within the channels.
    assert overall.loc["2026-05", "adjusted"] == pytest.approx(0.34)
    assert result.reference == "2026-04" and result.month == "2026-05"
    assert result.reading.startswith("Conversion fell from 34% in 2026-04 to 16% in 2026-05")
    assert "at the 2026-04 mix it would have been 34%" in result.reading
    assert "most of the drop is a change in who signed up" in result.reading
    assert "Ads went from 20% to 80% of sign-ups" in result.reading
    assert result.mix.loc["2026-05", "Ads"] == pytest.approx(0.8)


def test_a_drop_within_the_groups_is_read_as_such():
    frame = _signups({"2026-04": {"Sales": (80, 32), "Ads": (20, 2)}, "2026-05": {"Sales": (80, 12), "Ads": (20, 2)}})
    result = _table(frame)
    assert "most of the drop is within the groups" in result.reading
    assert "Sales converted at 15% against 40%" in result.reading
    assert "can be chance" not in result.reading  # 40% -> 15% of 80 is not


def test_the_reference_mix_is_fixed_and_chosen():
    frame = _signups({"2026-03": {"Sales": (50, 20), "Ads": (50, 5)}, "2026-04": {"Sales": (80, 32), "Ads": (20, 2)},
                      "2026-05": {"Sales": (20, 8), "Ads": (80, 8)}})
    result = _table(frame, reference="2026-03")
    adjusted = result.overall.set_index("month")["adjusted"]
    assert adjusted.round(6).tolist() == [0.25, 0.25, 0.25]  # the same per-channel rates at March's 50/50
    assert "at the 2026-03 mix it would have been 25%" in result.reading
    with pytest.raises(DataError, match="2026-05 is not finished"):
        _table(frame, reference="2026-05", as_of="2026-06-10")
    with pytest.raises(DataError, match="no sign-ups in 2026-07"):
        _table(frame, reference="2026-07")


def test_a_month_too_recent_to_convert_is_flagged_not_read_as_a_drop():
    steady = {"Sales": (80, 32), "Ads": (20, 2)}
    # July's trials have had 10 days: few converted yet.
    frame = _signups({"2026-05": steady, "2026-06": steady, "2026-07": {"Sales": (80, 4), "Ads": (20, 0)}})
    result = _table(frame, as_of="2026-08-10", window_days=30)
    complete = result.overall.set_index("month")["complete"]
    assert complete.to_dict() == {"2026-05": True, "2026-06": True, "2026-07": False}
    assert not result.by_group.loc[result.by_group["month"] == "2026-07", "complete"].any()
    assert result.month == "2026-06"
    assert "fell" not in result.reading and "held at 34% in 2026-06" in result.reading
    assert any("2026-07 is not finished" in note and "not a drop" in note for note in result.notes)
    # Once 30 days have passed after July's end, July is read.
    assert _table(frame, as_of="2026-08-31", window_days=30).month == "2026-07"


def test_many_groups_fold_into_other_and_missing_is_a_group():
    frame = _signups({"2026-05": {g: (10, 5) for g in "ABCDEFGH"}})
    frame.loc[frame.index[:3], "group"] = None
    result = _table(frame, max_groups=4)
    assert "Other" in result.groups and len(result.groups) == 4
    assert any("smallest groups are counted together" in note for note in result.notes)
    assert result.by_group["signups"].sum() == 80


def _dataset(frame: pd.DataFrame, transactions: pd.DataFrame | None = None) -> Dataset:
    files = {"customers": ("customers.csv", frame.to_csv(index=False).encode())}
    if transactions is not None:
        files["transactions"] = ("payments.csv", transactions.to_csv(index=False).encode())
    return Dataset.read(**files)


def _customers() -> pd.DataFrame:
    frame = _signups({"2026-04": {"Sales": (40, 16), "Ads": (10, 1)}, "2026-05": {"Sales": (10, 4), "Ads": (40, 4)}})
    return pd.DataFrame({"customer_id": [f"C{i:03d}" for i in range(len(frame))],
                         "signup_date": frame["signup"].dt.strftime("%Y-%m-%d").to_numpy(),
                         "channel": frame["group"].to_numpy(),
                         "converted_to_paid": frame["converted"].map({True: "yes", False: "no"}).to_numpy()})


def test_the_dataset_uses_the_conversion_column_and_says_so():
    data = _dataset(_customers())
    result = conversion_by_month(data, split="channel", as_of="2026-08-31")
    assert result.source == "the column 'converted_to_paid' (converted to paid)"
    assert "most of the drop is a change in who signed up" in result.reading
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.reading = "something else"
    with pytest.raises(DataError, match="no column 'plan' to split conversion by"):
        conversion_by_month(data, split="plan")


def test_without_a_conversion_column_a_first_payment_counts_and_its_timing_sets_the_window():
    customers = _customers()
    paid = customers[customers["converted_to_paid"] == "yes"]
    # Every trial converts 20 to 25 days after signup.
    days = [20 + i % 6 for i in range(len(paid))]
    payments = pd.DataFrame({"customer_id": paid["customer_id"].to_numpy(),
                             "payment_date": [(pd.Timestamp(d) + pd.Timedelta(days=n)).strftime("%Y-%m-%d")
                                              for d, n in zip(paid["signup_date"], days)],
                             "amount": 49.0})
    data = _dataset(customers.drop(columns="converted_to_paid"), payments)
    result = conversion_by_month(data, split="channel", as_of="2026-07-31")
    assert result.source == "a first payment in payments.csv (no conversion column is mapped)"
    assert result.window_days == 25
    assert result.overall.set_index("month")["converted"].to_dict() == {"2026-04": 17, "2026-05": 8}
    # 2026-05 ended on the 31st; 25 days later is June 25: finished by July 31.
    assert result.complete_months == ("2026-04", "2026-05")


def test_a_conversion_outcome_comes_first():
    customers = _customers().rename(columns={"converted_to_paid": "plan_status"})
    customers["plan_status"] = customers["plan_status"].map({"yes": "Paid", "no": "Free"})
    data = _dataset(customers).with_role("customers", "outcome", "plan_status")
    data = data.with_outcome_kind("conversion")
    result = conversion_by_month(data, as_of="2026-08-31")
    assert result.source == "the outcome column 'plan_status' (a conversion)"
    assert result.overall["converted"].tolist() == [17, 8]


def test_split_by_a_segmentation_and_refusals():
    data = _dataset(_customers())
    ids = data.customer_table().frame.index
    labels = pd.Series(["Big" if i % 2 else "Small" for i in range(len(ids))], index=ids)
    segmentation = Segmentation("rules", labels, ("Big", "Small"), ("channel",))
    result = conversion_by_month(data, split=segmentation, as_of="2026-08-31")
    assert result.split == "segment" and set(result.groups) == {"Big", "Small"}
    no_date = _dataset(_customers().drop(columns="signup_date"))
    with pytest.raises(DataError, match="needs the signup date: say which column of customers.csv"):
        conversion_by_month(no_date)
    nothing = _dataset(_customers().drop(columns="converted_to_paid"))
    with pytest.raises(DataError, match="Conversion needs a conversion outcome"):
        conversion_by_month(nothing)
