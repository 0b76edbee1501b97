"""What an outcome is, tenure in months and mostly constant attributes, on real exports' shapes (issue 11, items
4 and 5), through every door: the Dataset (notebooks), the command line and the app.

    Customer Personality   Response is a campaign response: a "response rate", never churn, and no LTV
    IBM Telco churn        tenure is months as a customer: LTV, and cohorts by a signup month counted back
    UCI Online Retail      a customer whose Country changes keeps its most frequent one, with a note
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from segmentation.cleaning import customers_from_transactions
from segmentation.cli import main
from segmentation.dataset import Dataset
from segmentation.methods.kmeans import fit_kmeans
from segmentation.profiles import kpi_columns, profile
from tests import real_exports as real

APP = str(Path(__file__).resolve().parent.parent / "app.py")
AS_OF = "2015-09-30"


def cli(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def uploaded(kind: str, name: str, data: bytes) -> AppTest:
    """The app after a first visit and `data` dropped in the Data page's `kind` uploader."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["_sample_offered"] = True
    at.run()
    at.file_uploader(key=f"upload_{kind}").set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def _texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


# -- Customer Personality: a campaign response --------------------------------------------------------------------

@pytest.fixture(scope="module")
def personality(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kaggle") / "marketing_campaign.csv"
    path.write_bytes(real.customer_personality_csv())
    return path


def test_a_campaign_response_is_a_response_rate_in_the_library_and_the_cli(personality, tmp_path):
    data = Dataset.read(personality)
    roles = data.roles["customers"]
    assert roles.get("outcome") == "Response" and roles.outcome_kind == "response"
    code, out, err = cli("inspect", personality)
    assert code == 0 and json.loads(out)["outcome_kind"] == "response", err
    table = data.customer_table().frame
    assert "churned" not in table.columns  # a response is never called churn
    assert table["outcome"].sum() == pd.read_csv(personality, sep=";")["Response"].sum()
    seg = fit_kmeans(table, ["Income", "MntWines"], k=3, random_state=0)
    profiles = profile(table, seg, **kpi_columns(table, roles))
    assert "Response rate" in profiles.table().columns
    assert not any("hurn" in c or c == "LTV" for c in profiles.table().columns)

    code, _, err = cli("kmeans", personality, "--vars", "Income,MntWines", "--k", 3, "--out", tmp_path / "km.csv",
                       "--report", tmp_path / "km.json")
    assert code == 0, err
    report = json.loads((tmp_path / "km.json").read_text())
    assert report["outcome"] == "outcome" and report["outcome_kind"] == "response"
    why = report["validation"]["actionable"]["why"]
    assert "response rate " in why and "churn" not in why
    # Told it is churn, the command reads the same column as the churn flag.
    code, _, err = cli("kmeans", personality, "--vars", "Income,MntWines", "--k", 3, "--out", tmp_path / "km.csv",
                       "--report", tmp_path / "churn.json", "--outcome-kind", "churn")
    assert code == 0, err
    churn = json.loads((tmp_path / "churn.json").read_text())
    assert churn["outcome"] == "churned" and churn["outcome_kind"] == "churn"
    assert churn["validation"]["actionable"]["rates"] == report["validation"]["actionable"]["rates"]
    # A raw column named on the command line is named by its kind too; a kind with no outcome is refused.
    code, _, err = cli("kmeans", personality, "--vars", "Income,MntWines", "--k", 3, "--out", tmp_path / "km.csv",
                       "--report", tmp_path / "cmp.json", "--outcome", "AcceptedCmp3")
    assert code == 0, err
    assert "response rate (AcceptedCmp3 '1')" in json.loads((tmp_path / "cmp.json").read_text())[
        "validation"]["actionable"]["why"]
    plain = tmp_path / "plain.csv"
    plain.write_text("id,Income,MntWines\n" + "\n".join(f"{i},{i * 10},{i % 7}" for i in range(30)) + "\n")
    code, _, err = cli("kmeans", plain, "--vars", "Income,MntWines", "--k", 2, "--out", tmp_path / "p.csv",
                       "--outcome-kind", "response")
    assert code == 2 and err.startswith("error: plain.csv has no outcome column") and "--outcome COL" in err


def test_a_campaign_response_is_a_response_rate_on_the_segment_and_profiles_pages(personality):
    at = uploaded("customers", personality.name, personality.read_bytes())
    at.switch_page("views/segment.py").run()
    assert not at.exception and not at.error, _texts(at.error)
    box = next(s for s in at.selectbox if s.label == "Outcome KPI for 'actionable'")
    assert box.value == "outcome" and "Response rate (Response)" in box.options
    assert not any("hurn" in option for option in box.options)
    actionable = at.session_state["validation"]["actionable"]
    assert actionable.figures["outcome_kind"] == "response"
    assert "response rate " in actionable.why and "churn" not in actionable.why

    at.switch_page("views/profiles.py").run()
    assert not at.exception and not at.error, _texts(at.error)
    columns = list(at.dataframe[0].value.columns)
    assert "Response rate" in columns and "Churn rate" not in columns and "LTV" not in columns


def test_the_data_page_says_what_the_outcome_measures(personality):
    at = uploaded("customers", personality.name, personality.read_bytes())
    kind = next(s for s in at.selectbox if s.key and s.key.startswith("outcome_kind_customers_"))
    assert kind.value == "response" and list(kind.options) == ["churn", "conversion", "response", "other"]
    kind.set_value("churn").run()
    assert not at.exception
    assert at.session_state["dataset"].roles["customers"].outcome_kind == "churn"
    at.switch_page("views/segment.py").run()
    assert not at.exception and not at.error, _texts(at.error)
    box = next(s for s in at.selectbox if s.label == "Outcome KPI for 'actionable'")
    assert box.value == "churned" and list(box.options)[1:] == ["Churn rate (Response)"]
    assert "churn rate " in at.session_state["validation"]["actionable"].why


# -- IBM Telco: tenure in months ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def telco(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ibm") / "WA_Fn-UseC_-Telco-Customer-Churn.csv"
    path.write_bytes(real.telco_churn_csv())
    return path


def test_telco_tenure_in_months_gives_ltv(telco):
    data = Dataset.read(telco)
    roles = data.roles["customers"]
    assert roles.get("tenure_months") == "tenure" and roles.outcome_kind == "churn"
    table = data.customer_table().frame
    found = kpi_columns(table, roles)
    assert found["tenure_months"] == "tenure" and found["churned"] == "churned"
    seg = fit_kmeans(table, ["tenure", "MonthlyCharges"], k=3, random_state=0)
    p = profile(table, seg, **found)
    assert p.summary["ltv"].notna().all()
    assert not any("LTV needs" in note for note in p.notes)
    # Monthly churn for everyone: churned customers over the months all of them were customers.
    raw = pd.read_csv(telco)
    assert p.overall["monthly_churn_rate"] == pytest.approx((raw["Churn"] == "Yes").sum() / raw["tenure"].sum())


def test_telco_cohorts_count_signup_months_back_from_the_as_of_date(telco, tmp_path):
    cohorts = Dataset.read(telco).cohorts(as_of=AS_OF)
    raw = pd.read_csv(telco)
    sizes = cohorts.table[cohorts.table["period"] == 0].set_index("cohort")["cohort_size"]
    # A customer with tenure n signed up n months before September 2015.
    expected = raw.groupby("tenure").size()
    expected.index = [pd.Timestamp("2015-09-01") - pd.DateOffset(months=int(n)) for n in expected.index]
    pd.testing.assert_series_equal(sizes.sort_index(), expected.sort_index(), check_names=False, check_dtype=False)
    # Churn by month of life is Telco's churn by tenure: the churned customers with each tenure.
    churn = cohorts.churn_by_period().set_index("period")["churned"]
    by_tenure = raw[raw["Churn"] == "Yes"].groupby("tenure").size()
    assert churn[churn > 0].to_dict() == by_tenure.to_dict()
    assert cohorts.notes[0].startswith("WA_Fn-UseC_-Telco-Customer-Churn.csv has no dates: each customer's signup "
                                       "month is 2015-09 (the as-of date, given) minus 'tenure' months")
    assert "100% by construction" in cohorts.notes[0]

    code, _, err = cli("cohorts", telco, "--as-of", AS_OF, "--out", tmp_path / "cohorts.csv")
    assert code == 0, err
    assert "note: WA_Fn-UseC_-Telco-Customer-Churn.csv has no dates" in err
    written = pd.read_csv(tmp_path / "cohorts.csv")
    assert written[written["period"] == 0]["customers"].sum() == len(raw)


def test_telco_cohorts_page_draws_cohorts_from_tenure(telco):
    at = uploaded("customers", telco.name, telco.read_bytes())
    at.switch_page("views/cohorts.py").run()
    assert not at.exception and not at.error, _texts(at.error)
    assert not any("Cohorts need" in i for i in _texts(at.info))
    assert any("has no dates: each customer's signup month is" in c for c in _texts(at.caption))
    assert at.session_state["cohorts"]["retention"].shape[0] == pd.read_csv(telco)["tenure"].nunique()


# -- UCI Online Retail: a country that changes for a few customers ------------------------------------------------

def _retail_with_moves() -> tuple[pd.DataFrame, list[str]]:
    """Online Retail lines where two customers bought once from another country (8 of 4,372 in the real file)."""
    frame = real.online_retail_frame(n_customers=80, n_invoices=600)
    ids = frame["CustomerID"].dropna()
    several = ids.value_counts()
    movers = [c for c in several.index if several[c] >= 6][:2]
    for customer in movers:
        last = frame.index[frame["CustomerID"] == customer][-1]  # one line of the last invoice
        frame.loc[last, "Country"] = "Norway"
    return frame, [str(int(c)) for c in movers]


def test_a_mostly_constant_country_is_kept_as_the_most_frequent_one(tmp_path):
    frame, movers = _retail_with_moves()
    customers = customers_from_transactions(frame, customer_id="CustomerID").set_index("CustomerID")
    assert "Country" in customers.columns  # before: dropped, as two customers had two values
    usual = frame.dropna(subset=["CustomerID"]).groupby("CustomerID")["Country"].agg(lambda c: c.mode()[0])
    for customer in movers:
        assert customers.loc[customer, "Country"] == usual[float(customer)] != "Norway"
    assert customers.attrs["mostly_constant"] == {"Country": 2}
    assert "InvoiceNo" not in customers.columns and "Description" not in customers.columns  # they describe purchases

    path = tmp_path / "online_retail.csv"
    path.write_bytes(real.online_retail_csv(frame))
    note = (f"'Country' changes for 2 of {len(customers)} customers in online_retail.csv; each keeps its most "
            "frequent 'Country' (the first seen on a tie).")
    data = Dataset.read(path)
    assert note in data.tables["customers"].notes
    assert data.customer_table().frame.loc[movers, "Country"].ne("Norway").all()
    code, _, err = cli("rfm", path, "--out", tmp_path / "rfm.csv")
    assert code == 0 and f"note: {note}" in err, err
    at = uploaded("transactions", path.name, path.read_bytes())
    assert any(note in c for c in _texts(at.caption))
