"""`python -m segmentation mrr`: the monthly movements table, its columns, splits and one-line errors."""

from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest

from segmentation.cli import main
from segmentation.dataset import Dataset
from segmentation.revenue import mrr_movements


def _cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
    return int(code or 0), out.getvalue(), err.getvalue()


@pytest.fixture()
def files(tmp_path):
    invoices = pd.DataFrame({
        "Invoice": ["i1", "i2", "i3", "i4", "i5", "i6"],
        "Client": ["a", "a", "a", "b", "b", "b"],
        "Billed": ["2024-01-05", "2024-02-05", "2024-03-05", "2024-01-10", "2024-03-10", "2024-03-20"],
        "Total": [100, 150, 120, 50, 70, 10]})
    customers = pd.DataFrame({"customer_id": ["a", "b"], "tier": ["=Pro", "Basic"]})
    invoices.to_csv(tmp_path / "invoices.csv", index=False)
    customers.to_csv(tmp_path / "customers.csv", index=False)
    return tmp_path


def test_writes_month_mrr_and_the_five_movements(files):
    code, _, err = _cli("mrr", files / "invoices.csv", "--id", "Client", "--date", "Billed", "--amount", "Total",
                        "--out", files / "out.csv")
    assert code == 0, err
    out = pd.read_csv(files / "out.csv", dtype={"month": str})
    assert list(out.columns) == ["month", "mrr", "new", "expansion", "contraction", "churned", "reactivation",
                                 "quick_ratio", "complete"]
    assert out["month"].tolist() == ["2024-01", "2024-02", "2024-03"]
    assert out["mrr"].tolist() == [150, 150, 200]
    assert out.iloc[1][["expansion", "churned"]].tolist() == [50, 50]
    assert out.iloc[2][["contraction", "reactivation"]].tolist() == [30, 80]
    assert out["complete"].tolist() == [True, True, False]  # the data ends on 20 March
    assert "wrote 3 rows" in err and "2024-03 is not complete" in err


def test_split_by_a_column_of_the_customers_file_is_written_inert(files):
    code, _, err = _cli("mrr", files / "invoices.csv", "--id", "Client", "--date", "Billed", "--amount", "Total",
                        "--customers", files / "customers.csv", "--split", "tier", "--out", files / "out.csv")
    assert code == 0, err
    out = pd.read_csv(files / "out.csv", dtype={"month": str})
    assert list(out.columns)[7] == "split"
    assert set(out["split"]) == {"'=Pro", "Basic"}  # a label that starts a formula stays text in a spreadsheet
    data = Dataset.read(customers=files / "customers.csv", transactions=files / "invoices.csv").with_roles(
        "transactions", {"customer_id": "Client", "transaction_date": "Billed", "amount": "Total"})
    table = mrr_movements(data, split="tier").table
    assert out["mrr"].sum() == table["mrr"].sum() and len(out) == len(table)


@pytest.mark.parametrize("args, message", [
    (("--amount", "Price"), "there is no column 'Price' (given as --amount)"),
    (("--split", "tier"), "no column 'tier'"),
])
def test_bad_input_exits_2_with_one_error_line(files, args, message):
    code, _, err = _cli("mrr", files / "invoices.csv", "--id", "Client", "--date", "Billed", *args,
                        "--out", files / "out.csv")
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[-1].startswith("error: ") and message in lines[-1]
    assert not any(line.startswith("error") for line in lines[:-1]) and "Traceback" not in err


def test_a_file_without_amounts_says_so(files):
    pd.DataFrame({"user_id": ["a", "a", "b", "b"], "date": ["2024-01-01", "2024-01-02", "2024-01-01",
                                                            "2024-02-01"]}).to_csv(files / "events.csv", index=False)
    code, _, err = _cli("mrr", files / "events.csv", "--out", files / "out.csv")
    assert code == 2 and err.startswith("error: ") and "no column holds amounts" in err
    code, _, err = _cli("mrr", files / "customers.csv", "--out", files / "out.csv")
    assert code == 2 and "MRR movements need invoices or payments" in err
    blank = pd.read_csv(files / "invoices.csv").assign(Total=None)
    blank.to_csv(files / "blank.csv", index=False)
    code, _, err = _cli("mrr", files / "blank.csv", "--id", "Client", "--date", "Billed", "--amount", "Total",
                        "--out", files / "out.csv")
    assert code == 2 and "holds no amounts" in err, err
