"""RFM: hand-computed inputs and scores, the grid, thresholds in words, notes, recipes, command line."""

import json

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import DataError
from segmentation.result import Segmentation
from segmentation.methods.rfm import (
    DEFAULT_GRID,
    NO_PURCHASES,
    SAAS_PRESET,
    fit_rfm,
    grid_frame,
    grid_from_frame,
    rfm_inputs,
    segment_rules,
    thresholds_text,
)


def _table(recency, frequency, monetary, ids=None):
    ids = ids or [f"{i:03d}" for i in range(1, len(recency) + 1)]
    return pd.DataFrame(
        {"recency_days": recency, "frequency": frequency, "monetary": monetary},
        index=pd.Index(ids, name="customer_id"),
    )


@pytest.fixture
def ten():
    # Customer i: i days since the last purchase, i orders, 10.5 * i spent: recent ones buy little.
    i = np.arange(1, 11)
    return _table(i, i, 10.5 * i)


@pytest.fixture
def transactions():
    return pd.DataFrame(
        {
            "invoice": ["A1", "A2", "A3", "B1", "B2"],
            "cust": ["007", "007", "007", "010", "010"],
            "day": ["2024-01-01", "2024-03-01", "2024-03-01", "2024-02-15", "2024-04-10"],
            "amount": [100.0, 20.0, 30.0, 45.5, 4.5],
        }
    )


# -- inputs ---------------------------------------------------------------------------------------
def test_rfm_inputs_by_hand_without_order_ids(transactions):
    inputs = rfm_inputs(transactions, customer_id="cust", date="day", amount="amount")
    assert inputs.attrs["as_of"] == "2024-04-11"  # the day after the last transaction
    assert list(inputs.index) == ["007", "010"]
    assert inputs.loc["007"].tolist() == [41, 2, 150.0]  # 2024-03-01 -> 04-11; two purchase days
    assert inputs.loc["010"].tolist() == [1, 2, 50.0]


def test_rfm_inputs_by_hand_with_order_ids_and_as_of(transactions):
    inputs = rfm_inputs(
        transactions, customer_id="cust", date="day", amount="amount", order_id="invoice", as_of="2024-03-31"
    )
    assert inputs.loc["007"].tolist() == [30, 3, 150.0]
    assert inputs.loc["010"].tolist() == [45, 1, 45.5]  # the April invoice is after the as-of date


def test_rfm_inputs_reads_a_csv_file_like_the_frame(tmp_path, transactions):
    path = tmp_path / "tx.csv"
    transactions.to_csv(path, index=False)
    from_file = rfm_inputs(path, customer_id="cust", date="day", amount="amount", order_id="invoice")
    from_frame = rfm_inputs(transactions, customer_id="cust", date="day", amount="amount", order_id="invoice")
    pd.testing.assert_frame_equal(from_file, from_frame)
    assert list(from_file.index) == ["007", "010"]  # leading zeros survive


def test_rfm_inputs_reads_parquet(tmp_path, transactions):
    path = tmp_path / "tx.parquet"
    transactions.assign(day=pd.to_datetime(transactions["day"])).to_parquet(path, index=False)
    inputs = rfm_inputs(path, customer_id="cust", date="day", amount="amount")
    assert inputs.loc["007"].tolist() == [41, 2, 150.0]


def test_rfm_inputs_from_a_file_names_a_missing_column(tmp_path, transactions):
    path = tmp_path / "tx.csv"
    transactions.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"tx.csv has no column 'amt'; columns are: invoice, cust, day, amount"):
        rfm_inputs(path, customer_id="cust", date="day", amount="amt")


def test_rfm_inputs_reads_a_messy_file_through_load_table(tmp_path):
    pytest.importorskip("segmentation.io")
    path = tmp_path / "tx.csv"
    path.write_bytes("kunde;datum;betrag\n007;01.03.2024;12,50\n007;05.03.2024;7,50\n".encode("cp1252"))
    inputs = rfm_inputs(path, customer_id="kunde", date="datum", amount="betrag")
    assert inputs.loc["007"].tolist() == [1, 2, 20.0]


# -- scores ---------------------------------------------------------------------------------------
def test_scores_at_quintiles_with_r_reversed(ten):
    seg = fit_rfm(ten)
    pairs = [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert seg.scores["r"].tolist() == pairs  # fewest days = 5
    assert seg.scores["f"].tolist() == pairs[::-1]
    assert seg.scores["m"].tolist() == pairs[::-1]
    assert seg.labels.tolist() == [
        "New", "New", "Potential Loyalist", "Potential Loyalist", "Need Attention", "Need Attention",
        "At Risk", "At Risk", "Can't Lose Them", "Can't Lose Them",
    ]
    assert seg.method == "rfm" and seg.variables == ("recency_days", "frequency", "monetary")
    assert list(seg.labels.index) == list(ten.index)


def test_fm_is_the_mean_of_f_and_m_rounded_half_up():
    seg = fit_rfm(_table([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [20.0, 30.0, 40.0, 50.0, 10.0]))
    assert seg.scores["f"].tolist() == [1, 2, 3, 4, 5]
    assert seg.scores["m"].tolist() == [2, 3, 4, 5, 1]
    assert seg.scores["fm"].tolist() == [2, 3, 4, 5, 3]  # 1.5 -> 2, 2.5 -> 3, 3.5 -> 4, 4.5 -> 5, 3


def test_ties_get_one_score_and_five_distinct_values_get_five_scores():
    frequency = [1, 1, 1, 1, 1, 2, 2, 3, 5, 8]
    seg = fit_rfm(_table(list(range(1, 11)), frequency, [float(v) for v in range(10)]))
    assert seg.scores["f"].tolist() == [1, 1, 1, 1, 1, 2, 2, 3, 4, 5]


def test_rare_values_keep_their_own_scores_when_fewer_than_five():
    # Cutting at the quintiles alone would put 1 and 2 together under F 1; distinct values stay apart.
    seg = fit_rfm(_table(list(range(60)), [1, 2] + [3] * 58, [float(v) for v in range(60)]))
    assert seg.scores["f"].tolist()[:3] == [1, 2, 3] and set(seg.scores["f"][2:]) == {3}


def test_two_equal_halves_score_2_and_4():
    seg = fit_rfm(_table(list(range(1, 11)), [1] * 5 + [2] * 5, [float(v) for v in range(10)]))
    assert seg.scores["f"].tolist() == [2] * 5 + [4] * 5


def test_one_value_for_everybody_scores_3():
    seg = fit_rfm(_table([7] * 4, [1] * 4, [10.0] * 4))
    assert seg.scores[["r", "f", "m"]].to_numpy().tolist() == [[3, 3, 3]] * 4
    assert set(seg.labels) == {"Need Attention"}


def test_thresholds_in_words(ten):
    lines = thresholds_text(fit_rfm(ten))
    assert lines == [
        "R 5 = 2 or fewer days", "R 4 = 3 to 4 days", "R 3 = 5 to 6 days", "R 2 = 7 to 8 days",
        "R 1 = 9 or more days",
        "F 5 = 9 or more orders", "F 4 = 7 to 8 orders", "F 3 = 5 to 6 orders", "F 2 = 3 to 4 orders",
        "F 1 = 2 or fewer orders",
        "M 5 = 94.50 or more", "M 4 = 73.50 to under 94.50", "M 3 = 52.50 to under 73.50",
        "M 2 = 31.50 to under 52.50", "M 1 = under 31.50",
    ]


def test_thresholds_in_words_for_ties_and_unused_scores():
    seg = fit_rfm(_table(list(range(1, 11)), [1] * 5 + [2] * 5, [float(v) for v in range(10)]))
    f_lines = [line for line in thresholds_text(seg) if line.startswith("F")]
    assert f_lines == [
        "F 5 = not used (too few different values)", "F 4 = 2 or more orders",
        "F 3 = not used (too few different values)", "F 2 = 1 order", "F 1 = 0 or fewer orders",
    ]


def test_state_holds_the_thresholds(ten):
    state = fit_rfm(ten).state["thresholds"]
    assert state["f"]["thresholds"] == [3, 5, 7, 9] and state["f"]["better"] == "higher"
    assert state["r"]["thresholds"] == [8, 6, 4, 2] and state["r"]["better"] == "lower"
    assert state["m"]["counts"] == [2, 2, 2, 2, 2]


# -- customers without purchases, notes -----------------------------------------------------------
def test_customers_without_purchases_form_their_own_segment(ten):
    with_none = pd.concat([ten, _table([np.nan], [0], [0.0], ids=["999"])])
    seg = fit_rfm(with_none)
    assert seg.labels["999"] == NO_PURCHASES
    assert seg.scores.loc["999", ["r", "f", "m", "fm"]].isna().all()
    assert seg.segments[-1] == NO_PURCHASES
    # Thresholds come from customers with purchases only: the others keep their labels.
    pd.testing.assert_series_equal(seg.labels.drop("999"), fit_rfm(ten).labels)
    assert any("1 customer(s) have no purchase" in note for note in seg.notes)


def test_no_customer_with_a_purchase_is_an_error():
    with pytest.raises(DataError, match="No customer has a purchase"):
        fit_rfm(_table([np.nan, np.nan], [0, 0], [0.0, 0.0]))


def test_flat_monetary_gets_a_warning(ten):
    flat = ten.assign(mrr=[49.0, 49.0, 99.0, 99.0, 49.0, 199.0, 49.0, 99.0, 49.0, 49.0])
    seg = fit_rfm(flat, **SAAS_PRESET)
    assert seg.variables == ("recency_days", "frequency", "mrr")
    assert any("M (mrr) barely varies (flat pricing)" in note for note in seg.notes)
    assert not any("barely varies" in note for note in fit_rfm(ten).notes)


def test_missing_column_is_named(ten):
    with pytest.raises(DataError, match=r"no column 'mrr' for M"):
        fit_rfm(ten, monetary="mrr")


def test_numeric_index_becomes_text_ids(ten):
    numbered = ten.set_axis(pd.Index(range(101, 111), name="customer_id"))
    assert list(fit_rfm(numbered).labels.index[:2]) == ["101", "102"]


# -- the grid -------------------------------------------------------------------------------------
def test_default_grid_covers_25_cells_with_11_names():
    assert sorted(DEFAULT_GRID) == [(r, fm) for r in range(1, 6) for fm in range(1, 6)]
    assert len(set(DEFAULT_GRID.values())) == 11
    assert DEFAULT_GRID[(5, 1)] == "New" and DEFAULT_GRID[(1, 1)] == "Lost"
    assert DEFAULT_GRID[(5, 5)] == "Champions" and DEFAULT_GRID[(3, 3)] == "Need Attention"
    assert DEFAULT_GRID[(1, 5)] == "Can't Lose Them" and DEFAULT_GRID[(4, 1)] == "Promising"


def test_grid_frame_shows_r_5_first_and_round_trips():
    frame = grid_frame()
    assert list(frame.index) == [5, 4, 3, 2, 1] and list(frame.columns) == [1, 2, 3, 4, 5]
    assert frame.loc[5, 4] == "Champions" and frame.loc[2, 1] == "Hibernating"
    assert grid_from_frame(frame) == dict(DEFAULT_GRID)
    edited = frame.copy()
    edited.index = [f"R {r}" for r in frame.index]
    edited.columns = [str(c) for c in frame.columns]
    assert grid_from_frame(edited) == dict(DEFAULT_GRID)


def test_grid_with_an_empty_cell_is_refused():
    frame = grid_frame()
    frame.loc[3, 2] = "  "
    with pytest.raises(DataError, match="cell R 3 x FM 2 has no segment name"):
        grid_from_frame(frame)


def test_an_edited_grid_names_the_segments(ten):
    frame = grid_frame().replace({"New": "Fresh"})
    seg = fit_rfm(ten, grid=frame)
    assert seg.labels.iloc[0] == "Fresh" and "Fresh" in seg.segments and "New" not in seg.segments
    assert seg.params["grid"][0][0] == "Fresh"
    again = Segmentation.from_recipe(seg.to_json())
    pd.testing.assert_series_equal(again.assign(ten), seg.labels)


def test_segments_are_listed_best_first():
    seg_names = fit_rfm(_table([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1.0, 2.0, 3.0, 4.0, 5.0])).segments
    assert seg_names[0] == "Champions" and seg_names[-1] == "Lost" and len(seg_names) == 11


# -- recipes --------------------------------------------------------------------------------------
def test_recipe_round_trip_assigns_the_fitted_labels(ten):
    seg = fit_rfm(ten)
    recipe = seg.to_json()
    json.loads(recipe)  # plain JSON
    pd.testing.assert_series_equal(Segmentation.from_recipe(recipe).assign(ten), seg.labels)


def test_assign_applies_the_saved_thresholds_to_new_customers(ten):
    seg = Segmentation.from_recipe(fit_rfm(ten).to_json())
    new = _table([1, 9, 50, np.nan], [20, 1, 4, 0], [500.0, 1.0, 60.0, 0.0], ids=["n1", "n2", "n3", "n4"])
    # n1: R5 F5 M5 -> Champions; n2: R1 F1 M1 -> Lost; n3: R1, F2 (3-4 orders), M3 (52.50-73.50) -> FM 3.
    assert seg.assign(new).tolist() == ["Champions", "Lost", "At Risk", NO_PURCHASES]


def test_refit_matches_fit(ten):
    seg = fit_rfm(ten, grid=grid_frame())
    pd.testing.assert_series_equal(seg.refit(ten).labels, seg.labels)


def test_inputs_are_not_mutated(ten, transactions):
    before_t, before_x = ten.copy(deep=True), transactions.copy(deep=True)
    fit_rfm(ten)
    rfm_inputs(transactions, customer_id="cust", date="day", amount="amount")
    pd.testing.assert_frame_equal(ten, before_t)
    pd.testing.assert_frame_equal(transactions, before_x)


# -- command line ---------------------------------------------------------------------------------
@pytest.fixture
def cli():
    return pytest.importorskip("segmentation.cli")


def test_cli_writes_one_row_per_customer_with_text_ids(cli, tmp_path, transactions, capsys):
    source, out, recipe = tmp_path / "tx.csv", tmp_path / "out.csv", tmp_path / "recipe.json"
    transactions.to_csv(source, index=False)
    code = cli.main([
        "rfm", str(source), "--id", "cust", "--date", "day", "--amount", "amount", "--order", "invoice",
        "--out", str(out), "--recipe", str(recipe),
    ])
    assert code == 0
    written = pd.read_csv(out, dtype={"customer_id": str})
    assert list(written.columns) == ["customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "segment"]
    assert written["customer_id"].tolist() == ["007", "010"]
    assert written[["recency_days", "frequency", "monetary"]].to_numpy().tolist() == [[41, 3, 150.0], [1, 2, 50.0]]
    seg = Segmentation.from_recipe(recipe.read_text())
    assert seg.assign(written.set_index("customer_id")).tolist() == written["segment"].tolist()
    assert "Wrote 2 customers" in capsys.readouterr().out


def test_cli_exits_2_with_one_line_on_a_missing_column(cli, tmp_path, transactions, capsys):
    source = tmp_path / "tx.csv"
    transactions.to_csv(source, index=False)
    code = cli.main(["rfm", str(source), "--id", "customer", "--date", "day", "--amount", "amount",
                     "--out", str(tmp_path / "out.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"error: {source} has no column 'customer'; columns are: invoice, cust, day, amount\n"
    assert not (tmp_path / "out.csv").exists()


def test_segment_rules_state_each_grid_cell_in_days_orders_and_money():
    # One customer per score: R 5 = 10 days or fewer, .., F 1 = 1 order, M 1 = 19 or less.
    seg = fit_rfm(_table([10, 20, 30, 40, 50], [1, 2, 3, 4, 5], [10.0, 20.0, 30.0, 40.0, 50.0]))
    rules = segment_rules(seg)
    assert set(rules) == set(seg.segments)
    # Champions: R 5 and FM 4-5; FM >= 4 means F + M >= 7.
    assert rules["Champions"] == ("last purchase 10 or fewer days ago and order and spend scores adding up to "
                                  "7 or more (of 10)")
    # Loyal: R 3-4 (11..30 days) with FM 4-5, two grid rows read as one range.
    assert rules["Loyal"].startswith("last purchase 11 to 30 days ago and ")
    # FM 1 is only F 1 and M 1, so it reads in orders and money.
    assert rules["Lost"] == "last purchase 41 or more days ago and 1 or fewer orders and spend 19 or fewer"
    # Two different shapes of cells: R 2 with FM 1-2, R 1 with FM 2 only (F + M 3..4).
    assert rules["Hibernating"] == (
        "(last purchase 31 to 40 days ago and order and spend scores adding up to 4 or less (of 10)) or "
        "(last purchase 41 or more days ago and order and spend scores adding up to 3 to 4 (of 10))")
    assert not any("no simple rule" in r for r in rules.values())
    # Renamed on the Profiles page: the rule follows the new name.
    renamed = segment_rules(seg.renamed({"Champions": "Best"}))
    assert renamed["Best"] == rules["Champions"] and "Champions" not in renamed


def test_segment_rules_name_customers_without_purchases_and_refuse_other_methods():
    seg = fit_rfm(_table([10, np.nan, 30, 40, 50, 60], [1, 0, 3, 4, 5, 6], [10.0, 0.0, 30.0, 40.0, 50.0, 60.0]))
    assert segment_rules(seg)[NO_PURCHASES] == "no purchase yet"
    other = Segmentation(method="rules", labels=seg.labels, segments=seg.segments, variables=seg.variables)
    with pytest.raises(DataError, match="needs an RFM segmentation"):
        segment_rules(other)


def test_fit_rfm_ids_sorted_unsorted_or_repeated():
    frame = pd.DataFrame({"recency_days": [5, 1, 9], "frequency": [1, 2, 3], "monetary": [10.0, 20.0, 30.0]})
    for ids in (["a", "b", "c"], ["c", "a", "b"]):  # sorted ids (as DuckDB returns them) and any order
        seg = fit_rfm(frame.set_axis(pd.Index(ids, name="id"), axis=0))
        assert seg.labels.index.tolist() == ids and seg.labels.index.name == "customer_id"
        assert seg.scores.index.equals(seg.labels.index) and seg.scores["r"].dtype == "Int64"
    with pytest.raises(DataError, match="more than once"):
        fit_rfm(frame.set_axis(pd.Index(["a", "b", "a"]), axis=0))


def test_cli_rfm_on_a_plain_file_imports_only_what_it_needs(tmp_path, transactions):
    """`python -m segmentation rfm` on a plain CSV: no readers of messy files, no scikit-learn or charts;
    building the parser (every command's module) needs no pandas at all."""
    import subprocess
    import sys
    from pathlib import Path

    source, out = tmp_path / "tx.csv", tmp_path / "out.csv"
    transactions.to_csv(source, index=False)
    code = (
        "import sys\n"
        "import segmentation.cli as cli\n"
        "cli.build_parser()\n"
        "print('pandas' in sys.modules)\n"
        f"assert cli.main(['rfm', {str(source)!r}, '--id', 'cust', '--date', 'day', '--amount', 'amount', "
        f"'--out', {str(out)!r}]) == 0\n"
        "heavy = ('segmentation.io', 'segmentation.tables', 'segmentation.dataset', 'segmentation.tracking', "
        "'segmentation.profiles', 'sklearn', 'scipy', 'altair', 'openpyxl', 'streamlit')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(Path(__file__).resolve().parent.parent))
    lines = run.stdout.strip().splitlines()
    parser_imports_pandas, heavy = lines[0], lines[-1]
    assert parser_imports_pandas == "False"
    assert heavy == "[]"
    assert pd.read_csv(out, dtype={"customer_id": str})["frequency"].tolist() == [2, 2]  # distinct days


def test_cli_inspect_kinds_are_the_library_kinds():
    from segmentation.commands import inspect
    from segmentation.tables import KINDS

    assert inspect.KINDS == KINDS
