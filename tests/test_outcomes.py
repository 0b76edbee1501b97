import pandas as pd

from segmentation.outcomes import as_flag, with_outcomes


def test_churned_from_churn_date_and_converted_from_yes_no():
    frame = pd.DataFrame({
        "churn_date": pd.to_datetime([None, "2025-03-01", None]),
        "converted_to_paid": ["yes", "no", "Yes "],
    }, index=pd.Index(["01", "02", "03"], name="customer_id"))
    out = with_outcomes(frame, {"churn_date": "churn_date", "converted": "converted_to_paid"})
    assert out["churned"].tolist() == [False, True, False]
    assert out["converted"].tolist() == [True, False, True]
    assert "churned" not in frame.columns  # the input is not mutated


def test_unknown_words_are_missing_not_false():
    flags = as_flag(pd.Series(["yes", "maybe", None, "0"]))
    assert flags.tolist()[0] is True and flags.isna().tolist() == [False, True, True, False]
