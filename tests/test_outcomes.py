import pandas as pd

from segmentation.outcomes import as_flag, flag_problem, outcome_problem, with_outcomes


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


def test_status_words_read_as_churned_or_not():
    status = pd.Series(["Active", "Cancelled", "canceled", "EXPIRED", "Churned", "inactive", "Lost", "terminated",
                        "Closed", "live", "Trialing", "paying", "current", "past due", "paused", None])
    assert as_flag(status).tolist() == [False, True, True, True, True, True, True, True,
                                        True, False, False, False, False, False, pd.NA, pd.NA]


def test_paying_has_converted_but_has_not_churned():
    status = pd.Series(["Paying", "Trial", "yes", "no"])
    assert as_flag(status, of="converted").tolist() == [True, False, True, False]
    assert as_flag(status, of="churned").tolist() == [False, False, True, False]


def test_a_status_mapped_as_the_outcome_gives_the_churned_flag():
    frame = pd.DataFrame({"Status": ["Active", "Cancelled", "Active", " cancelled "]},
                         index=pd.Index(["A1", "A2", "A3", "A4"], name="Account ID"))
    out = with_outcomes(frame, {"outcome": "Status"})
    assert out["churned"].tolist() == [False, True, False, True]
    assert outcome_problem(out, {"outcome": "Status"}, "churned") is None


def test_a_churn_date_mapped_as_the_outcome_means_set_or_not():
    frame = pd.DataFrame({"canceled_at": pd.to_datetime([None, "2024-05-01"])})
    assert with_outcomes(frame, {"outcome": "canceled_at"})["churned"].tolist() == [False, True]


def test_a_column_that_is_no_flag_is_named_with_its_values():
    frame = pd.DataFrame({"Plan": ["Basic", "Pro", "Pro", "Enterprise"], "Notes": [None, " ", None, None]})
    out = with_outcomes(frame, {"outcome": "Plan"}, outcome_kind="churn")  # the user said it is churn
    assert out["churned"].isna().all()  # not read as "not churned"
    message = outcome_problem(out, {"outcome": "Plan"}, "churned", outcome_kind="churn")
    assert message == ("Column 'Plan', mapped as the churned flag, holds 'Pro', 'Basic', 'Enterprise', which do not "
                       "say churned or not; map a column with yes/no, true/false or Active/Cancelled, or map a churn "
                       "date instead on the Data page.")
    empty = flag_problem(frame["Notes"], column="Notes")
    assert empty.startswith("Column 'Notes', mapped as the churned flag, is empty")
    assert flag_problem(pd.Series([0, 1]), column="is_churned") is None


def test_the_users_own_churned_column_is_left_to_validation():
    frame = pd.DataFrame({"churned": ["too expensive", "moved"]})
    assert outcome_problem(frame, {"outcome": "churned"}, "churned") is None
    assert outcome_problem(frame, {}, "churned") is None
    assert outcome_problem(frame, {"outcome": "Plan"}, None) is None


# -- what an outcome measures (issue 11, item 4) ---------------------------------------------------------------

def test_the_kind_of_an_outcome_is_read_from_its_name_then_its_values():
    from segmentation.outcomes import infer_outcome_kind

    assert infer_outcome_kind("Churn") == "churn"  # IBM Telco
    assert infer_outcome_kind("Exited") == "churn"  # a bank's churn
    assert infer_outcome_kind("canceled_at") == "churn"
    assert infer_outcome_kind("Response") == "response"  # Kaggle Customer Personality
    assert infer_outcome_kind("AcceptedCmp3") == "response"
    assert infer_outcome_kind("converted_to_paid") == "conversion"
    # A name that says nothing: the values speak, else the kind the outcome had, else "other".
    assert infer_outcome_kind("Flag", pd.Series(["Active", "Cancelled"])) == "churn"
    assert infer_outcome_kind("Flag", pd.Series(["Paid", "Free", "Free"])) == "conversion"
    assert infer_outcome_kind("Flag", pd.Series(["yes", "no"])) == "other"
    assert infer_outcome_kind("Flag", pd.Series(["yes", "no"]), previous="response") == "response"
    assert infer_outcome_kind("Plan", pd.Series(["Basic", "Pro"])) == "other"


def test_a_campaign_response_is_its_own_outcome_and_never_called_churned():
    from segmentation.outcomes import outcome_choices, outcome_label

    frame = pd.DataFrame({"Response": [1, 0, 0, 1], "Income": [10.0, 20.0, 30.0, 40.0]})
    out = with_outcomes(frame, {"outcome": "Response"})
    assert "churned" not in out.columns
    assert out["outcome"].tolist() == [True, False, False, True]
    roles = {"outcome": "Response"}
    assert outcome_choices(out, roles) == {"outcome": "response"}
    assert outcome_label("outcome", "response", roles) == "Response rate (Response)"
    # Said to be churn, the same column is the churn flag (and feeds churn rate and LTV).
    as_churn = with_outcomes(frame, roles, outcome_kind="churn")
    assert as_churn["churned"].tolist() == [True, False, False, True] and "outcome" not in as_churn.columns
    assert outcome_choices(as_churn, roles, outcome_kind="churn") == {"churned": "churn"}
    assert outcome_label("churned", "churn", roles) == "Churn rate (churned)"
    # A churn date beside a response: both, each named for what it is.
    dated = frame.assign(churn_date=pd.to_datetime([None, "2024-01-02", None, None]))
    both = with_outcomes(dated, {"outcome": "Response", "churn_date": "churn_date"})
    assert outcome_choices(both, {"outcome": "Response", "churn_date": "churn_date"}) == {
        "churned": "churn", "outcome": "response"}
    assert both["churned"].tolist() == [False, True, False, False]


def test_a_response_outcome_that_is_no_flag_is_named_as_the_response_flag():
    frame = pd.DataFrame({"Response": ["email", "phone", "phone"]})
    out = with_outcomes(frame, {"outcome": "Response"})
    assert out["outcome"].isna().all()
    message = outcome_problem(out, {"outcome": "Response"}, "outcome")
    assert message.startswith("Column 'Response', mapped as the response flag, holds 'phone', 'email', which do not "
                              "say responded or not")
    assert outcome_problem(out, {"outcome": "Response"}, "churned") is None  # no churn outcome to blame
