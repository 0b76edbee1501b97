"""Exports: inert formulas in CSV and XLSX, numbers kept, ids as text, the workbook, recipes, the CLI."""

from __future__ import annotations

import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from segmentation.methods import kmeans, rfm, rules
from segmentation.actions import suggest_plan
from segmentation.cli import main
from segmentation.errors import DataError
from segmentation.export import assignments_csv, load_recipe, neutralise, recipe_json, workbook
from segmentation.profiles import profile
from segmentation.result import Segmentation

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture
def risky() -> tuple[pd.DataFrame, Segmentation]:
    ids = ["=1+1", "00017", "-5", "00042", "@A1", "00100"]
    frame = pd.DataFrame(
        {
            "company": DANGEROUS,
            "mrr": [-12.5, 100.0, 0.0, 250.0, 80.0, 40.0],
            "seats": [1, 2, 3, 4, 5, 6],
            "signup": pd.to_datetime(["2024-01-02"] * 6),
        },
        index=pd.Index(ids, name="customer_id"),
    )
    labels = pd.Series(["=Evil", "Plain", "Plain", "=Evil", "Plain", "Plain"], index=ids)
    return frame, Segmentation("test", labels, ("=Evil", "Plain"), ("mrr", "seats"))


def test_neutralise_only_touches_text_that_starts_a_formula():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("-2+3") == "'-2+3"
    assert neutralise("Acme") == "Acme"
    assert neutralise(-2) == -2 and neutralise(-2.5) == -2.5
    assert neutralise(None) is None


def test_csv_neutralises_formulas_and_keeps_numbers_and_ids(risky):
    frame, seg = risky
    text = assignments_csv(frame, seg, id_name="Account ID", columns=["company", "mrr", "seats", "signup"]).decode(
        "utf-8-sig")
    back = pd.read_csv(io.StringIO(text), dtype={"Account ID": str})
    assert list(back.columns) == ["Account ID", "segment", "company", "mrr", "seats", "signup"]
    assert back["Account ID"].tolist() == ["'=1+1", "00017", "'-5", "00042", "'@A1", "00100"]
    assert back["segment"].tolist()[0] == "'=Evil"
    assert back["company"].tolist() == ["'" + v for v in DANGEROUS]
    assert back["mrr"].tolist() == [-12.5, 100.0, 0.0, 250.0, 80.0, 40.0]  # negative stays a number
    assert back["signup"].iloc[0] == "2024-01-02"
    for line in text.splitlines()[1:]:
        assert not line.startswith(("=", "+", "-", "@"))


def test_xlsx_cells_are_inert_text_and_numbers_stay_numeric(risky):
    frame, seg = risky
    data = workbook(frame, seg, id_name="customer_id", columns=["company", "mrr", "seats", "signup"])
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Assignments"]
    rows = list(sheet.iter_rows(min_row=2, values_only=False))
    for row in rows:
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    by_header = {cell.value: i for i, cell in enumerate(next(sheet.iter_rows(max_row=1)))}
    ids = [row[by_header["customer_id"]].value for row in rows]
    assert ids == ["'=1+1", "00017", "'-5", "00042", "'@A1", "00100"]  # text, zeros kept
    companies = [row[by_header["company"]].value for row in rows]
    # XML reads a carriage return back as a line feed; the quote in front is what matters.
    assert companies == ["'" + v.replace("\r", "\n") for v in DANGEROUS]
    mrr = [row[by_header["mrr"]] for row in rows]
    assert mrr[0].value == -12.5 and mrr[0].data_type == "n"
    assert mrr[0].number_format == "#,##0.00"
    assert rows[0][by_header["customer_id"]].number_format == "@"
    assert rows[0][by_header["signup"]].is_date


def test_workbook_has_every_sheet_and_readable_formatting(risky):
    frame, seg = risky
    profiles = profile(frame, seg, mrr="mrr")

    class Criterion:
        name, verdict, why, figures = "distinct", "pass", "=segments differ", {"silhouette": 0.41234}

    class Validation:
        criteria = (Criterion(),)
        segment_rules = {"Plain": "-mrr below 100"}

    plan = suggest_plan(profiles)
    cohorts = {"retention": pd.DataFrame([[1.0, 0.5]], index=pd.Index(["2024-01"], name="cohort"), columns=[0, 1])}
    data = workbook(frame, seg, profiles=profiles, validation=Validation(), action_plan=plan, cohorts=cohorts)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Assignments", "Profiles", "Validation", "Action plan", "Cohorts retention"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        header = next(sheet.iter_rows(max_row=1))
        assert all(cell.font.bold for cell in header)
        assert header[0].fill.fgColor.rgb.endswith("DCE6F1")
        assert sheet.column_dimensions["A"].width >= 8
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    profiles_sheet = book["Profiles"]
    header = [c.value for c in next(profiles_sheet.iter_rows(max_row=1))]
    share = profiles_sheet.cell(row=2, column=header.index("Share of customers") + 1)
    assert share.number_format == "0.0%" and share.value == pytest.approx(2 / 6)
    validation = book["Validation"]
    assert validation["C2"].value == "'=segments differ"
    assert validation["D2"].value == "silhouette: 0.4123"
    assert any(row[1] == "'-mrr below 100" for row in validation.iter_rows(values_only=True))
    assert book["Action plan"]["A1"].value == "Segment"
    assert book["Cohorts retention"]["B2"].number_format == "0.0%"


def test_recipe_round_trip_gives_the_same_labels_with_kmeans():
    rng = np.random.default_rng(0)
    ids = [f"{i:04d}" for i in range(300)]
    frame = pd.DataFrame({"mrr": rng.lognormal(4, 1, 300), "logins": rng.poisson(20, 300)},
                         index=pd.Index(ids, name="customer_id"))
    seg = kmeans.fit_kmeans(frame, ["mrr", "logins"], k=3, random_state=0)
    seg = seg.renamed({seg.segments[0]: "Renamed"})
    plan = suggest_plan(profile(frame, seg, mrr="mrr"))
    text = recipe_json(seg, action_plan=plan, profiles_names={"Renamed": "Low MRR"})
    loaded, loaded_plan = load_recipe(text)
    pd.testing.assert_series_equal(loaded.assign(frame), seg.labels, check_names=False)
    assert loaded.segments == seg.segments
    pd.testing.assert_frame_equal(loaded_plan, plan)
    assert json.loads(text)["profile_names"] == {"Renamed": "Low MRR"}


def test_recipe_round_trip_for_rules_and_rfm():
    ids = [f"{i:03d}" for i in range(50)]
    frame = pd.DataFrame({"recency_days": np.arange(50) * 3, "frequency": np.arange(50) % 7 + 1,
                          "monetary": np.arange(50) * 10.0}, index=pd.Index(ids, name="customer_id"))
    fitted = rfm.fit_rfm(frame)
    loaded, plan = load_recipe(recipe_json(fitted).encode("utf-8"))
    assert plan is None
    pd.testing.assert_series_equal(loaded.assign(frame), fitted.labels, check_names=False, check_dtype=False)
    ruled = rules.fit_rules(frame, rules.parse_rules("Big: monetary >= 250\nSmall: otherwise"))
    loaded, _ = load_recipe(recipe_json(ruled))
    pd.testing.assert_series_equal(loaded.assign(frame), ruled.labels, check_names=False, check_dtype=False)


def test_load_recipe_refuses_bad_text():
    with pytest.raises(DataError, match="not valid JSON"):
        load_recipe("{nope")
    with pytest.raises(DataError, match="not a segment recipe"):
        load_recipe(json.dumps({"hello": 1}))
    with pytest.raises(DataError, match="not UTF-8"):
        load_recipe(b"\xff\xfe\x00bad")


@pytest.fixture
def files(tmp_path):
    """A customers file with zero-padded ids, a recipe fitted on it, and a transactions file."""
    rng = np.random.default_rng(1)
    n = 120
    ids = [f"{i:05d}" for i in range(n)]
    customers = pd.DataFrame({"customer_id": ids, "company": ["=cmd|' /C calc'!A0"] + ["Acme"] * (n - 1),
                              "mrr": rng.lognormal(4, 1, n).round(2), "logins": rng.poisson(15, n)})
    customers.to_csv(tmp_path / "customers.csv", index=False)
    table = customers.set_index("customer_id")
    seg = kmeans.fit_kmeans(table, ["mrr", "logins"], k=3, random_state=0)
    (tmp_path / "recipe.json").write_text(recipe_json(seg, action_plan=suggest_plan(profile(table, seg, mrr="mrr"))))
    tx = pd.DataFrame({"invoice_id": [f"I{i}" for i in range(400)], "customer_id": rng.choice(ids, 400),
                       "invoice_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, 400), "D"),
                       "amount": rng.integers(10, 500, 400).astype(float)})
    tx.to_csv(tmp_path / "transactions.csv", index=False)
    return tmp_path, seg


def test_cli_assign_scores_a_file_with_the_recipe(files):
    folder, seg = files
    out = folder / "out.csv"
    assert main(["assign", str(folder / "recipe.json"), str(folder / "customers.csv"), "--out", str(out)]) == 0
    back = pd.read_csv(out, dtype={"customer_id": str})
    assert back["customer_id"].tolist()[:2] == ["00000", "00001"]  # ids exactly as in the file
    assert back.set_index("customer_id")["segment"].equals(seg.labels.rename("segment"))


def test_cli_export_writes_the_workbook_and_csv(files):
    folder, _ = files
    xlsx, csv = folder / "out.xlsx", folder / "out.csv"
    code = main(["export", str(folder / "recipe.json"), str(folder / "customers.csv"), "--xlsx", str(xlsx),
                 "--csv", str(csv), "--no-validation"])
    assert code == 0
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["Assignments", "Profiles", "Action plan"]
    assert book["Assignments"]["A2"].value == "00000"
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads accents right


def test_cli_assign_rfm_recipe_on_a_transactions_file(files):
    folder, _ = files
    tx = pd.read_csv(folder / "transactions.csv", dtype={"customer_id": str})
    inputs = rfm.rfm_inputs(tx, customer_id="customer_id", date="invoice_date", amount="amount",
                            order_id="invoice_id")
    fitted = rfm.fit_rfm(inputs)
    (folder / "rfm.json").write_text(recipe_json(fitted))
    out = folder / "rfm.csv"
    assert main(["assign", str(folder / "rfm.json"), str(folder / "transactions.csv"), "--out", str(out)]) == 0
    back = pd.read_csv(out, dtype={"customer_id": str}).set_index("customer_id")
    assert back["segment"].equals(fitted.labels.rename("segment").loc[back.index])


def test_cli_errors_are_one_line_and_exit_2(files, capsys):
    folder, _ = files
    code = main(["assign", str(folder / "missing.json"), str(folder / "customers.csv"), "--out", "x.csv"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot read the recipe") and err.count("\n") == 1
    code = main(["assign", str(folder / "recipe.json"), str(folder / "transactions.csv"), "--out", "x.csv"])
    assert code == 2
    assert "lacks 'mrr', 'logins'" in capsys.readouterr().err


def test_matrices_workbook_has_a_sheet_per_matrix_and_neutralises_text(tmp_path):
    import openpyxl
    import pandas as pd

    from segmentation.export import matrices_workbook

    retention = pd.DataFrame({0: [1.0, 1.0], 1: [0.5, None]}, index=pd.Index(["2024-01", "=cmd|x"], name="cohort"))
    path = tmp_path / "cohorts.xlsx"
    path.write_bytes(matrices_workbook({"retention": retention, "churn": retention * 0}))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["retention", "churn"]
    cells = [c.value for c in book["retention"]["A"]]
    assert "'=cmd|x" in cells and all(c.data_type != "f" for c in book["retention"]["A"])


def test_cli_outputs_neutralise_formula_ids(tmp_path):
    from segmentation.cli import main

    tx = tmp_path / "tx.csv"
    tx.write_text("customer_id,day,amount\n=1+2,2024-01-05,10\n+cmd|calc,2024-01-07,5\n@SUM(A1),2024-02-05,10\n"
                  "c4,2024-02-06,12\nc5,2024-02-07,13\n", encoding="utf-8")
    out = tmp_path / "rfm.csv"
    assert main(["rfm", str(tx), "--id", "customer_id", "--date", "day", "--amount", "amount", "--out", str(out)]) == 0
    ids = [line.split(",")[0] for line in out.read_text(encoding="utf-8").splitlines()[1:]]
    assert {"'=1+2", "'+cmd|calc", "'@SUM(A1)"} <= set(ids)

    customers = tmp_path / "customers.csv"
    rows = [f"=X{i},{i * 10},{i % 5}" for i in range(30)]
    customers.write_text("customer_id,mrr,logins\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "km.csv"
    assert main(["kmeans", str(customers), "--vars", "mrr,logins", "--k", "2", "--id", "customer_id",
                 "--out", str(out)]) == 0
    assert all(line.startswith("'=X") for line in out.read_text(encoding="utf-8").splitlines()[1:])


def test_cli_export_of_a_kmeans_recipe_fitted_on_an_id_column_writes_the_validation_sheet(tmp_path, capsys):
    rng = np.random.default_rng(3)
    n = 150
    accounts = pd.DataFrame({"account_id": np.arange(1000, 1000 + n), "arr_usd": rng.lognormal(8, 1, n).round(2),
                             "weekly_active_users": rng.poisson(20, n), "is_churned": rng.random(n) < 0.2})
    accounts.to_csv(tmp_path / "accounts.csv", index=False)
    recipe, xlsx = tmp_path / "r.json", tmp_path / "x.xlsx"
    assert main(["kmeans", str(tmp_path / "accounts.csv"), "--vars", "arr_usd,weekly_active_users", "--k", "3",
                 "--out", str(tmp_path / "o.csv"), "--recipe", str(recipe)]) == 0
    assert json.loads(recipe.read_text())["params"]["id_column"] == "account_id"
    capsys.readouterr()
    assert main(["export", str(recipe), str(tmp_path / "accounts.csv"), "--xlsx", str(xlsx)]) == 0
    assert "no validation sheet" not in capsys.readouterr().err
    book = openpyxl.load_workbook(xlsx)
    assert "Validation" in book.sheetnames
    text = " ".join(str(c.value) for row in book["Validation"].iter_rows() for c in row if c.value is not None)
    assert "refits: 5" in text  # the refits behind stability found the ids too


def _inspect(path, capsys, *extra) -> dict:
    capsys.readouterr()
    assert main(["inspect", str(path), *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_inspect_detects_transactions_events_and_customers(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 300
    invoices = pd.DataFrame({"InvoiceId": [f"INV-{i:05d}" for i in range(n)],
                             "CustomerId": [f"{i:06d}" for i in rng.integers(0, 60, n)],
                             "InvoiceDate": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
                             "Amount": rng.uniform(5, 100, n).round(2)})
    invoices.to_csv(tmp_path / "invoices.csv", index=False)
    report = _inspect(tmp_path / "invoices.csv", capsys)
    assert (report["kind"], report["kind_detected"]) == ("transactions", True)
    assert report["roles"]["customer_id"] == "CustomerId"  # not the invoice number, unique on every row
    assert "'CustomerId' repeats" in report["kind_reason"]

    events = pd.DataFrame({"user_id": [f"u{i:03d}" for i in rng.integers(0, 40, n)],
                           "event_time": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 9000, n), "h"),
                           "session_id": rng.integers(10**12, 10**13, n), "event_type": rng.choice(["a", "b"], n)})
    events.to_csv(tmp_path / "events.csv", index=False)
    report = _inspect(tmp_path / "events.csv", capsys)
    assert report["kind"] == "events" and report["roles"]["customer_id"] == "user_id"

    # A money column whose name the amount role does not know still makes purchases ("Net (GBP)").
    uk = invoices.rename(columns={"Amount": "Net (GBP)", "CustomerId": "Account Ref"})
    uk.to_csv(tmp_path / "uk.csv", index=False)
    assert _inspect(tmp_path / "uk.csv", capsys)["kind"] == "transactions"

    customers = pd.DataFrame({"customer_id": [f"{i:05d}" for i in range(50)], "mrr": rng.uniform(10, 500, 50),
                              "signup_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(50), "D")})
    customers.to_csv(tmp_path / "customers.csv", index=False)
    report = _inspect(tmp_path / "customers.csv", capsys)
    assert (report["kind"], report["roles"]["customer_id"]) == ("customers", "customer_id")

    forced = _inspect(tmp_path / "invoices.csv", capsys, "--kind", "customers")
    assert (forced["kind"], forced["kind_detected"]) == ("customers", False)


# -- the vectorised neutralisation equals the per-cell definition ----------------------------------
def _neutralise_per_cell(frame: pd.DataFrame) -> pd.DataFrame:
    """The definition: `neutralise` on every cell of the text-like columns, and on the column names."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or isinstance(values.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            out[column] = values.astype(object).map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def _texts():
    from hypothesis import strategies as st

    from segmentation.export import FORMULA_PREFIXES

    starts = st.sampled_from([*FORMULA_PREFIXES, "", "'", "a", "0", " ", "é", "=="])
    return st.builds(lambda a, b: a + b, starts, st.text(max_size=4))


def _cells():
    from hypothesis import strategies as st

    return st.one_of(
        _texts(),
        st.sampled_from([None, np.nan, pd.NA, pd.NaT, True, -2, 0, 3.5, -0.0, b"=bytes", np.str_("=np")]),
        st.integers(-5, 5),
        st.floats(allow_nan=True, allow_infinity=True),
    )


def test_neutralise_frame_equals_the_per_cell_definition_on_mixed_columns():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from segmentation.export import neutralise_frame

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def check(data):
        n = data.draw(st.integers(0, 12))
        texts = data.draw(st.lists(st.one_of(_texts(), st.none()), min_size=n, max_size=n))
        frame = pd.DataFrame({
            "mixed": pd.Series(data.draw(st.lists(_cells(), min_size=n, max_size=n)), dtype=object),
            "text": pd.Series(texts, dtype=object),
            "string": pd.array(texts, dtype="string"),
            "category": pd.Categorical(texts),
            "numbers": np.arange(n, dtype=float) - 2,
            data.draw(_texts()): np.arange(n),
        })
        expected = _neutralise_per_cell(frame)
        got = neutralise_frame(frame)
        pd.testing.assert_frame_equal(got, expected)
        for column in range(frame.shape[1]):  # the same objects, not only equal ones (None stays None)
            assert [type(v) for v in got.iloc[:, column]] == [type(v) for v in expected.iloc[:, column]]

    check()


def test_neutralise_frame_handles_text_that_utf8_cannot_hold_and_unhashable_cells():
    from segmentation.export import neutralise_frame

    frame = pd.DataFrame({"a": ["=\ud800", "ok", None], "b": [["=x"], "=y", {"k": 1}]})
    got = neutralise_frame(frame)
    assert got["a"].tolist() == ["'=\ud800", "ok", None]
    assert got["b"].tolist() == [["=x"], "'=y", {"k": 1}]
