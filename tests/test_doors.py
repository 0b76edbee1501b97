"""The command line and the app agree by construction.

Each test runs a CLI command (`python -m segmentation ...`, in process through `segmentation.cli.main`)
and the matching app path (AppTest: the same file uploaded on the Data page, then the Segment,
Cohorts or Track page) on the same files, and asserts the same ids, roles and figures:

    sample          the generated sample's customers.csv and transactions.csv (each on its own)
    subscriptions   one row per subscription, ChartMogul / Stripe style, several for some customers
    semicolon       a European customers export: `;`, dd/mm/yyyy dates, decimal commas, 1.234,50
    orders          UCI Online Retail: InvoiceNo, InvoiceDate, Quantity x UnitPrice, CustomerID with blanks

Below them, one test per failure the "two doors" issue listed; each failed before the Dataset
became the one way in.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from segmentation.cli import main
from segmentation.cohorts import period_labels
from segmentation.dataset import Dataset
from segmentation.errors import DataError
from segmentation.methods.kmeans import fit_kmeans
from segmentation.sample import generate
from segmentation.roles import infer_roles
from tests.real_exports import online_retail_csv

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
VIEWS = "views" if (ROOT / "views" / "data.py").is_file() else "pages"  # where the app's pages live
TIMEOUT = 120


# -- the files ------------------------------------------------------------------------------------------------

def _subscriptions_csv(n_customers: int = 60, seed: int = 42) -> bytes:
    """One row per subscription: a customer renews, upgrades or downgrades (a new row each time) and may
    leave; ended_at is blank while a subscription runs."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        customer = f"cus_{rng.integers(16 ** 8):08x}{c:03d}"
        start = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 500)))
        plan = rng.choice(["Starter", "Growth", "Scale"], p=[.5, .35, .15])
        mrr = {"Starter": 49, "Growth": 199, "Scale": 799}[plan] * int(rng.integers(1, 4))
        for _ in range(int(rng.integers(1, 4))):
            end = start + pd.Timedelta(days=int(rng.integers(30, 400)))
            ended = end < pd.Timestamp("2025-03-31")
            rows.append({"customer_id": customer, "plan": plan, "started_at": f"{start:%Y-%m-%d}",
                         "ended_at": f"{end:%Y-%m-%d}" if ended else "", "mrr": f"{mrr:.2f}", "currency": "USD",
                         "status": "canceled" if ended else "active"})
            if not ended:
                break
            start, mrr = end, int(mrr * rng.choice([0.5, 1, 2]))
    return pd.DataFrame(rows).to_csv(index=False).encode()


def _european(value: float) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")  # 1.234,50


def _semicolon_customers_csv(n: int = 120, seed: int = 9) -> bytes:
    """A European CRM export: `;` separated, dd/mm/yyyy dates (days past 12 say so), decimal commas."""
    rng = np.random.default_rng(seed)
    lines = ["Customer ID;Company;Plan;MRR;Signup Date;Churn Date;Logins (30d);Seats"]
    for i in range(n):
        signup = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 600)))
        churn = signup + pd.Timedelta(days=int(rng.integers(40, 400))) if rng.random() < 0.3 else None
        churned = churn is not None and churn <= pd.Timestamp("2025-01-01")
        lines.append(f"K{i:05d};Firma {i};{rng.choice(['Basic', 'Pro', 'Enterprise'])};"
                     f"{_european(rng.lognormal(5, 1))};{signup:%d/%m/%Y};{f'{churn:%d/%m/%Y}' if churned else ''};"
                     f"{int(rng.integers(0, 60))};{int(rng.integers(1, 40))}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _sample_csv(kind: str) -> bytes:
    data = generate(n_customers=300, random_state=3)
    return getattr(data, kind).to_csv(index=False).encode("utf-8")


@dataclass(frozen=True)
class Export:
    """A file a user gives both doors: its name, the Data page uploader it goes in, and what it holds."""

    name: str
    uploader: str  # "customers" or "transactions": the Data page's uploader, and what `inspect` detects
    make: object
    kmeans_vars: tuple[str, ...] = ()  # set for one row per customer
    purchases: bool = False  # RFM can be computed from it


EXPORTS = {
    "sample-customers": Export("customers.csv", "customers", lambda: _sample_csv("customers"),
                               kmeans_vars=("mrr", "logins_30d")),
    "sample-transactions": Export("transactions.csv", "transactions", lambda: _sample_csv("transactions"),
                                  purchases=True),
    # Rolled up by both doors: one row per customer, and the months each subscription ran as payments.
    "subscriptions": Export("subscriptions.csv", "customers", _subscriptions_csv, kmeans_vars=("mrr", "tenure_days"),
                            purchases=True),
    "semicolon": Export("kunden.csv", "customers", _semicolon_customers_csv, kmeans_vars=("MRR", "Logins (30d)")),
    "orders": Export("online_retail.csv", "transactions", online_retail_csv, purchases=True),
}
WITH_PURCHASES = [key for key, export in EXPORTS.items() if export.purchases]
ONE_ROW_PER_CUSTOMER = [key for key, export in EXPORTS.items() if export.kmeans_vars]
WITHOUT_PURCHASES = [key for key, export in EXPORTS.items() if not export.purchases]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Every export written once, as a user would have it on disk."""
    path = tmp_path_factory.mktemp("exports")
    for export in EXPORTS.values():
        (path / export.name).write_bytes(export.make())
    return path


def _file(folder: Path, key: str) -> Path:
    return folder / EXPORTS[key].name


# -- the two doors --------------------------------------------------------------------------------------------

@dataclass
class Run:
    code: int
    out: str
    err: str


def cli(*args: object) -> Run:
    """`python -m segmentation ARGS` in this process: its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse
            code = exc.code
    return Run(int(code or 0), out.getvalue(), err.getvalue())


def _ok(run: Run) -> Run:
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    return run


def _page(name: str) -> str:
    return f"{VIEWS}/{name}.py"


def _errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


def app(*uploads: tuple[str, Path]) -> AppTest:
    """The app after a first visit (which opens on the bundled sample) and these uploads on the Data page,
    each (uploader kind, path)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if uploads:
        at.session_state["_sample_offered"] = True  # the upload replaces the sample: skip reading it
    at.run()
    for kind, path in uploads:
        at.file_uploader(key=f"upload_{kind}").set_value((path.name, path.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert not at.error, _errors(at)
    return at


def uploaded(folder: Path, key: str) -> AppTest:
    export = EXPORTS[key]
    return app((export.uploader, folder / export.name))


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _labels(frame: pd.DataFrame, id_column: str) -> pd.Series:
    return frame.set_index(id_column)["segment"].rename_axis("id").sort_index()


def _app_labels(labels: pd.Series) -> pd.Series:
    out = labels.astype(str)
    out.index = out.index.astype(str)
    return out.rename_axis("id").rename("segment").sort_index()


def _partition(labels: pd.Series) -> set[frozenset]:
    return {frozenset(ids) for ids in labels.groupby(labels).groups.values()}


# -- inspect == the roles the Data page holds -------------------------------------------------------------------

@pytest.mark.parametrize("key", list(EXPORTS))
def test_inspect_finds_the_roles_the_data_page_holds(folder, key):
    export = EXPORTS[key]
    report = json.loads(_ok(cli("inspect", _file(folder, key))).out)
    assert report["kind"] == export.uploader  # what `inspect` detects is where a user drops the file
    data = uploaded(folder, key).session_state["dataset"]
    assert report["customers_from"] == data.customers_from
    assert report["roles"] == dict(data.roles[export.uploader].roles)
    assert report["missing_roles"] == list(data.missing_roles(export.uploader)) == []


def test_the_sample_uploaded_together_keeps_the_roles_inspect_finds_in_each_file(folder):
    customers, transactions = _file(folder, "sample-customers"), _file(folder, "sample-transactions")
    data = app(("customers", customers), ("transactions", transactions)).session_state["dataset"]
    assert list(data.tables) == ["customers", "transactions"] and data.customers_from is None
    for kind, path in (("customers", customers), ("transactions", transactions)):
        assert json.loads(_ok(cli("inspect", path)).out)["roles"] == dict(data.roles[kind].roles)


# -- rfm == the Segment page's RFM --------------------------------------------------------------------------------

@pytest.mark.parametrize("key", WITH_PURCHASES)
def test_rfm_gives_the_segment_pages_rfm(folder, tmp_path, key):
    run = cli("rfm", _file(folder, key), "--out", tmp_path / "rfm.csv")
    at = uploaded(folder, key)
    at.switch_page(_page("segment")).run()
    at.segmented_control(key="method").set_value("RFM").run()
    assert not at.exception and not at.error, _errors(at)
    segmentation = at.session_state["segmentation"]
    assert segmentation.method == "rfm"
    _ok(run)  # the app segments this file by RFM: the command must too

    written = _csv(tmp_path / "rfm.csv")
    assert written["customer_id"].is_unique
    app_labels = _app_labels(segmentation.labels)
    assert set(written["customer_id"]) == set(app_labels.index)
    pd.testing.assert_series_equal(_labels(written, "customer_id"), app_labels)

    # The figures behind the scores: the page's customer table, and the Dataset's.
    table = at.session_state["customer_table"]
    table.index = table.index.astype(str)
    assert table.equals(at.session_state["dataset"].customer_table().frame)
    figures = written.set_index("customer_id")
    for column in ("recency_days", "frequency"):
        cli_values = figures[column].replace("", np.nan).astype(float)
        assert cli_values.equals(table[column].reindex(figures.index).astype(float)), column
    np.testing.assert_allclose(figures["monetary"].astype(float), table["monetary"].reindex(figures.index), rtol=1e-9,
                               atol=0.006)


@pytest.mark.parametrize("key", WITHOUT_PURCHASES)
def test_rfm_on_a_customers_file_refuses_as_the_segment_page_does(folder, tmp_path, key):
    at = uploaded(folder, key)
    at.switch_page(_page("segment")).run()
    at.segmented_control(key="method").set_value("RFM").run()
    assert not at.exception and not at.error, _errors(at)
    assert any("RFM needs purchases" in str(i.value) for i in at.info)
    run = cli("rfm", _file(folder, key), "--out", tmp_path / "rfm.csv")
    assert run.code == 2 and "Traceback" not in run.err
    assert "one row per customer" in run.err and "purchases" in run.err, run.err
    assert not (tmp_path / "rfm.csv").exists()


# -- kmeans == the Segment page's K-means -------------------------------------------------------------------------

@pytest.mark.parametrize("key", ONE_ROW_PER_CUSTOMER)
def test_kmeans_gives_the_segment_pages_kmeans(folder, tmp_path, key):
    variables = list(EXPORTS[key].kmeans_vars)
    run = _ok(cli("kmeans", _file(folder, key), "--vars", ",".join(variables), "--k", 3, "--out", tmp_path / "km.csv",
                  "--report", tmp_path / "km.json"))
    written = _csv(tmp_path / "km.csv")
    id_column = written.columns[0]

    at = uploaded(folder, key)
    data = at.session_state["dataset"]
    assert id_column == data.id_column  # the id column is written under the file's own name
    at.switch_page(_page("segment")).run()
    assert not at.exception and not at.error, _errors(at)
    at.multiselect(key=f"kmeans_vars_{at.session_state['data_version']}").set_value(variables)
    at.button(key="kmeans_vars_apply").click().run()
    at.toggle(key="auto_k").set_value(False).run()
    at.slider(key="k").set_value(3).run()
    assert not at.exception and not at.error, _errors(at)
    segmentation = at.session_state["segmentation"]
    assert segmentation.method == "kmeans" and list(segmentation.variables) == variables
    assert len(segmentation.segments) == 3

    cli_labels, app_labels = _labels(written, id_column), _app_labels(segmentation.labels)
    assert set(cli_labels.index) == set(app_labels.index)
    assert _partition(cli_labels) == _partition(app_labels)  # the same customers together
    pd.testing.assert_series_equal(cli_labels, app_labels)  # under the same names
    # The library on the Dataset the app holds, as a notebook would call it.
    library = fit_kmeans(data.customer_table().frame, variables, k=3, random_state=0)
    assert _partition(_app_labels(library.labels)) == _partition(cli_labels)
    # The report judges the segments by the outcome and revenue the page picks by default.
    report = json.loads((tmp_path / "km.json").read_text())
    assert report["segments"] == {str(k): int(v) for k, v in segmentation.sizes.items()}
    validation = at.session_state["validation"]
    assert report["outcome"] == validation["actionable"].figures.get("outcome")
    assert {c: v["verdict"] for c, v in report["validation"].items()} == dict(validation.verdicts)
    assert f"Wrote {len(app_labels)} customers in 3 segments" in run.out


# -- cohorts == the Cohorts page --------------------------------------------------------------------------------

def _long(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["cohort", "period"]).reset_index(drop=True)


@pytest.mark.parametrize("key", list(EXPORTS))
def test_cohorts_give_the_cohorts_pages_table(folder, tmp_path, key):
    _ok(cli("cohorts", _file(folder, key), "--out", tmp_path / "cohorts.csv"))
    written = pd.read_csv(tmp_path / "cohorts.csv", dtype={"cohort": str})

    at = uploaded(folder, key)
    # The method the Cohorts page calls, on the Dataset the app holds and on the file read in a notebook.
    for data in (at.session_state["dataset"], Dataset.read(_file(folder, key))):
        table = data.cohorts().table.assign(cohort=lambda t: period_labels(t["cohort"]).to_numpy())
        expected = _long(table[["cohort", "period", "customers"]].assign(retention=table["retention"].round(6),
                                                                          complete=table["complete"]))
        pd.testing.assert_frame_equal(_long(written[["cohort", "period", "customers", "retention", "complete"]]),
                                      expected, check_dtype=False)
    # And what the page shows: its retention matrix, cohorts down, periods across.
    at.switch_page(_page("cohorts")).run()
    assert not at.exception and not at.error, _errors(at)
    shown = at.session_state["cohorts"]["retention"].set_index("cohort")
    matrix = written.pivot(index="cohort", columns="period", values="retention")
    matrix.columns = [str(c) for c in matrix.columns]
    pd.testing.assert_frame_equal(shown.round(6), matrix.rename_axis("cohort"), check_dtype=False,
                                  check_names=False)


# -- mrr == the MRR movements tab -----------------------------------------------------------------------------------

@pytest.mark.parametrize("key", WITH_PURCHASES)
def test_mrr_gives_the_mrr_tabs_table(folder, tmp_path, key):
    from segmentation.revenue import MOVEMENTS, mrr_movements
    from ui.revenue_view import SHOWN

    _ok(cli("mrr", _file(folder, key), "--out", tmp_path / "mrr.csv"))
    written = pd.read_csv(tmp_path / "mrr.csv", dtype={"month": str})
    columns = ["mrr", *MOVEMENTS]

    def as_written(table: pd.DataFrame) -> pd.DataFrame:
        out = table[["month", *columns, "complete"]].assign(month=table["month"].dt.strftime("%Y-%m"))
        return out.assign(**{c: out[c].round(2) for c in columns}).reset_index(drop=True)

    at = uploaded(folder, key)
    # The library on the Dataset the app holds, and on the file read in a notebook.
    for data in (at.session_state["dataset"], Dataset.read(_file(folder, key))):
        pd.testing.assert_frame_equal(written[["month", *columns, "complete"]], as_written(mrr_movements(data).table),
                                      check_dtype=False)
    # And what the Health & revenue page shows in its MRR movements tab.
    at.session_state["health_tab"] = "MRR movements"
    at.switch_page(_page("health")).run()
    assert not at.exception and not at.error, _errors(at)
    pd.testing.assert_frame_equal(written[["month", *columns, "complete"]], as_written(at.session_state[SHOWN]),
                                  check_dtype=False)


# -- assign == the Track page --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def recipes(folder, tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("recipes")


@pytest.fixture(scope="module")
def rfm_recipe(folder, recipes) -> Path:
    """RFM on the sample's purchases, saved by the command line."""
    _ok(cli("rfm", _file(folder, "sample-transactions"), "--out", recipes / "rfm.csv",
            "--recipe", recipes / "rfm.json"))
    return recipes / "rfm.json"


@pytest.fixture(scope="module")
def kmeans_recipe(folder, recipes) -> Path:
    """K-means on the subscriptions' MRR and tenure, saved by the command line."""
    _ok(cli("kmeans", _file(folder, "subscriptions"), "--vars", "mrr,tenure_days", "--k", 3,
            "--out", recipes / "km.csv", "--recipe", recipes / "kmeans.json"))
    return recipes / "kmeans.json"


def _track(recipe: Path, newer: Path) -> AppTest:
    """The Track page scoring `newer` with `recipe`, after a first visit (the sample loaded)."""
    at = app()
    at.switch_page(_page("track")).run()
    at.file_uploader(key="track_recipe").set_value((recipe.name, recipe.read_bytes(), "application/json"))
    at.file_uploader(key="track_newer").set_value((newer.name, newer.read_bytes(), "text/csv"))
    return at.run()


@pytest.mark.parametrize("recipe", ["rfm_recipe", "kmeans_recipe"])
def test_assign_on_a_subscriptions_export_gives_the_track_pages_labels(folder, tmp_path, request, recipe):
    recipe = request.getfixturevalue(recipe)
    newer = _file(folder, "subscriptions")
    _ok(cli("assign", recipe, newer, "--out", tmp_path / "assigned.csv"))
    written = _csv(tmp_path / "assigned.csv")
    id_column = written.columns[0]
    assert written[id_column].is_unique
    customers = pd.read_csv(newer, dtype=str)["customer_id"]
    assert set(written[id_column]) == set(customers)  # one row per customer, not per subscription

    at = _track(recipe, newer)
    assert not at.exception and not at.error, _errors(at)
    labels = _app_labels(at.session_state["_track_last_result"]["labels"])
    assert f"{customers.nunique()} customers scored" in [s.value for s in at.subheader]
    pd.testing.assert_series_equal(_labels(written, id_column), labels)


# -- the failures the issue listed ---------------------------------------------------------------------------------

def test_1_track_with_the_sample_loaded_scores_a_subscriptions_export_with_a_saved_recipe(folder, rfm_recipe):
    at = _track(rfm_recipe, _file(folder, "subscriptions"))
    assert not at.exception, at.exception
    errors = _errors(at)
    assert not any("Cannot find the customer id, date and amount columns" in e for e in errors), errors
    assert not errors
    assert "60 customers scored" in [s.value for s in at.subheader]  # one per customer, not per subscription
    assert at.session_state["dataset"].source.startswith("Sample data")  # still the session's data


@pytest.mark.parametrize("command", [[sys.executable, "-m", "segmentation"],
                                     [str(Path(sys.executable).parent / "segmentation")]],
                         ids=["python -m segmentation", "console script"])
def test_2_assign_a_recipe_to_a_subscriptions_export_from_the_shell(folder, rfm_recipe, tmp_path, command):
    out = tmp_path / "assigned.csv"
    done = subprocess.run([*command, "assign", str(rfm_recipe), str(_file(folder, "subscriptions")), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "more than once" not in done.stderr
    assert len(_csv(out)) == 60  # one row per customer
    assert "Wrote 60 customers" in done.stderr


def _personality_csv(n: int = 200, seed: int = 21) -> bytes:
    """Kaggle "Customer Personality Analysis" (marketing_campaign.csv), `;` separated: one row per customer,
    Dt_Customer (enrolment) as dd-mm-yyyy, spending per category, campaign responses, a few blank incomes."""
    rng = np.random.default_rng(seed)
    header = ("ID;Year_Birth;Education;Marital_Status;Income;Kidhome;Teenhome;Dt_Customer;Recency;MntWines;MntFruits;"
              "MntMeatProducts;MntFishProducts;MntSweetProducts;MntGoldProds;NumDealsPurchases;NumWebPurchases;"
              "NumCatalogPurchases;NumStorePurchases;NumWebVisitsMonth;AcceptedCmp3;AcceptedCmp4;AcceptedCmp5;"
              "AcceptedCmp1;AcceptedCmp2;Complain;Z_CostContact;Z_Revenue;Response")
    rows = []
    for customer in rng.choice(np.arange(0, 11200), size=n, replace=False):
        joined = pd.Timestamp("2012-07-30") + pd.Timedelta(days=int(rng.integers(0, 700)))
        income = "" if rng.random() < 0.02 else str(int(rng.normal(52000, 20000)))
        rows.append([str(customer), str(int(rng.integers(1940, 1996))),
                     rng.choice(["Graduation", "PhD", "Master", "Basic", "2n Cycle"]),
                     rng.choice(["Single", "Together", "Married", "Divorced", "Widow"]), income,
                     str(int(rng.integers(0, 3))), str(int(rng.integers(0, 3))), f"{joined:%d-%m-%Y}",
                     str(int(rng.integers(0, 100))),
                     *[str(int(rng.gamma(1, scale))) for scale in (300, 25, 160, 35, 25, 45)],
                     *[str(int(rng.integers(0, top))) for top in (8, 12, 10, 13, 10)],
                     *[str(int(rng.random() < p)) for p in (.07, .07, .07, .06, .01)],
                     str(int(rng.random() < .01)), "3", "11", str(int(rng.random() < .15))])
    return (header + "\n" + "\n".join(";".join(row) for row in rows) + "\n").encode()


@pytest.fixture(scope="module")
def personality(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kaggle") / "marketing_campaign.csv"
    path.write_bytes(_personality_csv())
    return path


def test_3_customer_personality_is_read_as_customers_by_id(personality, tmp_path):
    report = json.loads(_ok(cli("inspect", personality)).out)
    assert report["delimiter"] == ";" and report["kind"] == "customers" and report["rows"] == 200
    assert report["roles"]["customer_id"] == "ID"
    assert report["date_orders"] == {"Dt_Customer": "dmy"}

    rfm = cli("rfm", personality, "--out", tmp_path / "rfm.csv")
    assert rfm.code == 2 and "Traceback" not in rfm.err
    assert "one row per customer" in rfm.err and "purchases" in rfm.err
    assert "cannot tell" not in rfm.err.lower()
    assert not (tmp_path / "rfm.csv").exists()

    # No column is named as a signup date: the command says what cohorts need, in one line ...
    cohorts = cli("cohorts", personality, "--out", tmp_path / "cohorts.csv")
    assert cohorts.code == 2 and "Traceback" not in cohorts.err
    error = cohorts.err.strip().splitlines()[-1]
    assert error.startswith("error: ") and "marketing_campaign.csv" in error and "signup date" in error, cohorts.err
    assert "cannot tell which column holds the customer id" not in cohorts.err
    assert not (tmp_path / "cohorts.csv").exists()
    # ... and with Dt_Customer named as the date, it refuses: enrolment dates with no churn date and no
    # purchases dated would keep every customer "retained" to the end, 100% by construction.
    cohorts = cli("cohorts", personality, "--date", "Dt_Customer", "--out", tmp_path / "cohorts.csv")
    assert cohorts.code == 2 and "Traceback" not in cohorts.err
    refusal = cohorts.err.strip().splitlines()[-1]
    assert refusal.startswith("error: ") and "marketing_campaign.csv" in refusal
    assert "'Dt_Customer'" in refusal and "100% retention by construction" in refusal and "churn date" in refusal
    assert not (tmp_path / "cohorts.csv").exists()

    # The app reads it the same way and its Cohorts page says the same thing.
    at = app(("customers", personality))
    data = at.session_state["dataset"]
    assert data.id_column == "ID" and dict(data.roles["customers"].roles) == report["roles"]
    at.switch_page(_page("cohorts")).run()
    assert not at.exception and not at.error, _errors(at)
    assert any("signup date" in str(i.value) for i in at.info)
    # With Dt_Customer as the signup date, the library the page calls refuses with the command's reason.
    with pytest.raises(DataError, match="100% retention by construction") as refused:
        data.with_roles("customers", {"signup_date": "Dt_Customer"}).cohorts()
    assert str(refused.value) in refusal


def _status_customers_csv() -> bytes:
    """A billing tool's customers export: churn is a Status column (Active / Cancelled)."""
    lines = ["Account ID,Company,Plan,MRR,Signup Date,Status,Logins (30d),Seats"]
    for i in range(120):
        logins = (i * 7) % 40
        status = "Cancelled" if (logins < 10) == (i % 5 != 0) else "Active"
        lines.append(f"ACC-{i:04d},Firm {i},{['Basic', 'Pro', 'Enterprise'][i % 3]},{49 + (i * 31) % 400},"
                     f"2023-{1 + i % 12:02d}-{1 + i % 27:02d},{status},{logins},{1 + (i * 13) % 50}")
    return ("\n".join(lines) + "\n").encode()


def test_4_kmeans_judges_by_churn_without_outcome_and_refuses_purchases_as_customers(folder, tmp_path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_bytes(_status_customers_csv())
    _ok(cli("kmeans", accounts, "--vars", "MRR,Seats", "--k", 3, "--out", tmp_path / "km.csv",
            "--report", tmp_path / "km.json"))
    report = json.loads((tmp_path / "km.json").read_text())
    assert report["outcome"] == "churned"
    assert report["validation"]["actionable"]["outcome"] == "churned"
    assert report["validation"]["actionable"]["kind"] == "binary"
    assert report["revenue"] == "MRR"

    run = cli("kmeans", _file(folder, "sample-transactions"), "--vars", "amount,invoice_id", "--k", 3,
              "--out", tmp_path / "tx.csv")
    assert run.code == 2 and "Traceback" not in run.err
    assert "one row per customer" in run.err
    assert not (tmp_path / "tx.csv").exists()


def _orders_csv() -> bytes:
    """Twelve orders, two of them by guests without a customer id."""
    rows = [("O-01", "C1", "2024-01-05", 120.0), ("O-02", "C2", "2024-01-09", 80.0), ("O-03", "", "2024-01-11", 15.0),
            ("O-04", "C1", "2024-02-02", 60.0), ("O-05", "C3", "2024-02-14", 300.0), ("O-06", "C2", "2024-03-01", 45.0),
            ("O-07", "", "2024-03-03", 22.5), ("O-08", "C4", "2024-03-20", 99.0), ("O-09", "C1", "2024-04-02", 75.0),
            ("O-10", "C5", "2024-04-18", 12.0), ("O-11", "C3", "2024-05-06", 150.0), ("O-12", "C2", "2024-05-30", 64.0)]
    lines = ["order_id,customer_id,order_date,amount"] + [f"{o},{c},{d},{a}" for o, c, d, a in rows]
    return ("\n".join(lines) + "\n").encode()


def test_5_rfm_says_how_many_rows_had_no_customer_id(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_bytes(_orders_csv())
    auto = _ok(cli("rfm", orders, "--out", tmp_path / "auto.csv"))
    assert "2 of 12 rows of orders.csv have no customer id in 'customer_id' and are left out" in auto.err, auto.err
    fast = _ok(cli("rfm", orders, "--id", "customer_id", "--date", "order_date", "--amount", "amount",
                   "--out", tmp_path / "fast.csv"))
    assert f"2 rows of {orders} have no customer id" in fast.err, fast.err
    # Both paths leave the same two rows out and agree on the five customers left.
    auto_out, fast_out = _csv(tmp_path / "auto.csv"), _csv(tmp_path / "fast.csv")
    assert sorted(auto_out["customer_id"]) == ["C1", "C2", "C3", "C4", "C5"]
    pd.testing.assert_frame_equal(auto_out, fast_out)


def test_6_a_column_given_a_new_role_keeps_only_that_role():
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "mrr": [10.0, 20.0, 30.0], "tier": ["x", "y", "x"]})
    roles = infer_roles(frame, kind="customers")
    assert roles.get("mrr") == "mrr"
    moved = roles.with_role("plan", "mrr")
    assert [role for role, column in moved.roles.items() if column == "mrr"] == ["plan"]
    assert moved.get("mrr") is None and moved.get("plan") == "mrr"
    assert moved.column("mrr").role == "plan"
    # Through the Dataset, as the Data page's role box calls it.
    data = Dataset.read(customers=("accounts.csv", frame.to_csv(index=False).encode()))
    corrected = data.with_role("customers", "plan", "mrr")
    assert [role for role, column in corrected.roles["customers"].roles.items() if column == "mrr"] == ["plan"]
    assert corrected.roles["customers"].get("mrr") is None


def test_7_fingerprints_and_versions_tell_results_and_data_apart(folder):
    customers = generate(n_customers=300, random_state=3).customers.set_index("customer_id")
    first = fit_kmeans(customers, ["mrr", "logins_30d"], k=3, random_state=0)
    again = fit_kmeans(customers, ["mrr", "logins_30d"], k=3, random_state=0)
    other = fit_kmeans(customers, ["mrr", "logins_30d"], k=4, random_state=0)
    assert first is not again and first.fingerprint == again.fingerprint
    assert first.fingerprint != other.fingerprint
    assert first.fingerprint != fit_kmeans(customers, ["mrr", "seats"], k=3, random_state=0).fingerprint

    path = _file(folder, "sample-customers")
    one, two = Dataset.read(customers=path), Dataset.read(customers=path)
    corrected = one.with_role("customers", "plan", "industry")
    recategorised = corrected.with_category("customers", "seats", None)
    versions = [one.version, two.version, corrected.version, recategorised.version]
    assert len(set(versions)) == len(versions)
    assert corrected.version > one.version


# -- health == the Health score tab -------------------------------------------------------------------------------

def test_health_gives_the_health_tabs_scores(folder, tmp_path):
    """`health --outcome churn_date` and the Health score tab, on the same customers file and variables, give
    every customer the same health, status and reasons, and the report the tab's AUC."""
    variables = ["logins_30d", "features_adopted", "integrations", "plan"]
    run = _ok(cli("health", _file(folder, "sample-customers"), "--outcome", "churn_date", "--vars",
                  ",".join(variables), "--out", tmp_path / "health.csv", "--report", tmp_path / "health.json"))
    written = pd.read_csv(tmp_path / "health.csv", dtype={"customer_id": str}, keep_default_na=False)
    assert list(written.columns) == ["customer_id", "health", "status", "reasons"]

    at = uploaded(folder, "sample-customers")
    at.session_state["health_tab"] = "Health score"
    at.switch_page(_page("health")).run()
    at.multiselect(key=f"health_vars_{at.session_state['dataset'].version}_False").set_value(variables).run()
    assert not at.exception and not at.error, _errors(at)
    score = at.session_state["health_score"]
    assert list(score.variables) == variables
    app_scores = score.scores.astype({"health": float})
    pd.testing.assert_frame_equal(written.astype({"health": float}).sort_values("customer_id").reset_index(drop=True),
                                  app_scores.sort_values("customer_id").reset_index(drop=True), check_dtype=False)
    report = json.loads((tmp_path / "health.json").read_text())
    assert report["auc"] == round(score.auc, 4) and report["signal"] == score.signal
    assert set(report["points"]) == set(variables)
    # The same cut-offs, read from the data by both, and the same sentence saying how.
    assert (report["cutoffs"]["at_risk_below"], report["cutoffs"]["watch_below"]) == score.cutoffs
    assert report["cutoffs"]["chosen"] == "data" and report["cutoffs"]["how"] == score.cutoffs_sentence
    assert score.cutoffs_sentence in run.err
    _ok(cli("health", _file(folder, "sample-customers"), "--outcome", "churn_date", "--vars", ",".join(variables),
            "--at-risk-below", "10", "--watch-below", "20", "--out", tmp_path / "h.csv",
            "--report", tmp_path / "h.json"))
    by_hand = json.loads((tmp_path / "h.json").read_text())["cutoffs"]
    assert (by_hand["at_risk_below"], by_hand["watch_below"], by_hand["chosen"]) == (10, 20, "hand")
    assert f"Wrote {len(written):,} customers" in run.out


def test_health_refuses_bad_input_with_one_error_line(folder, tmp_path):
    customers = _file(folder, "sample-customers")
    for args, words in ((("--outcome", "plan"), "not churn"), (("--outcome", "nope"), "has no column 'nope'"),
                        (("--outcome", "churn_date", "--vars", "company"), "company"), ((), "--outcome COL")):
        run = cli("health", customers, *args, "--out", tmp_path / "h.csv")
        assert run.code == 2 and "Traceback" not in run.err, run.err
        errors = [line for line in run.err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and words in errors[0], run.err
    assert not (tmp_path / "h.csv").exists()


# -- fit == the Health page's Lead fit tab ----------------------------------------------------------------------

def test_fit_gives_the_lead_fit_tabs_scores(tmp_path):
    from tests import leads_files

    customers, leads = tmp_path / "customers.csv", tmp_path / "leads.csv"
    customers.write_bytes(leads_files.csv(leads_files.customers()))
    leads.write_bytes(leads_files.csv(leads_files.leads()))
    run = _ok(cli("fit", leads, "--customers", customers, "--outcome", "converted_to_paid",
                  "--out", tmp_path / "fit.csv", "--report", tmp_path / "fit.json"))
    assert "wrote 60 leads" in run.err
    written = _csv(tmp_path / "fit.csv").set_index("Lead ID")
    assert list(written.columns) == ["fit", "tier", "reasons"]
    report = json.loads((tmp_path / "fit.json").read_text())
    assert report["signal"] is True and report["auc_low"] <= report["auc"] <= report["auc_high"]

    at = app(("customers", customers))
    at.session_state["health_tab"] = "Lead fit"
    at.switch_page(_page("health")).run()
    at.file_uploader(key="leads_file").set_value((leads.name, leads.read_bytes(), "text/csv")).run()
    assert not at.exception and not at.error, _errors(at)
    shown = at.session_state["lead_fit"]
    assert at.session_state["leads_outcome"] == "converted"  # the converted_to_paid column, as the page reads it
    assert (round(shown.auc, 4), round(shown.auc_low, 4), round(shown.auc_high, 4)) == \
        (report["auc"], report["auc_low"], report["auc_high"])
    scores = shown.scores
    assert list(scores.index) == list(written.index)
    assert scores["fit"].astype(int).astype(str).tolist() == written["fit"].tolist()
    assert scores["tier"].tolist() == written["tier"].tolist()
    assert scores["reasons"].tolist() == written["reasons"].tolist()
    # A bad outcome: one error line naming the file and its columns.
    bad = cli("fit", leads, "--customers", customers, "--outcome", "won", "--out", tmp_path / "bad.csv")
    assert bad.code == 2 and bad.err.strip().splitlines()[-1].startswith("error: customers.csv has no column 'won'")
    assert "Traceback" not in bad.err and not (tmp_path / "bad.csv").exists()
