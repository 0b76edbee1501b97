"""Chart specs a reader relies on: one colour per segment on every page, grey for leftovers,
a migration heatmap whose diagonal does not drown the moves, readable cohort legends, and every
label written whole: no name cut short or hidden, no two labels alike."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from segmentation.charts import cohorts as cohort_charts
from segmentation.charts.labels import axis_for_names, lines_expr, wrap_name
from segmentation.charts.palette import NEUTRAL, PALETTE, segment_colors, segment_scale
from segmentation.charts.profiles import funnel_chart, kpi_bars, lift_heatmap, migration_heatmap, segment_sizes_chart
from segmentation.charts.projection import customer_map
from segmentation.cohorts import cohort_table
from segmentation.errors import DataError
from segmentation.profiles import profile
from segmentation.projection import pca_map
from segmentation.result import Segmentation
from segmentation.tracking import GONE, NEW, migration

RFM = ("Champions", "Loyal", "Potential Loyalist", "New", "Promising", "Need Attention", "About to Sleep",
       "At Risk", "Can't Lose Them", "Hibernating", "Lost", "No purchases")


def _segment_colors(spec: dict) -> dict[str, str]:
    """Segment -> colour of the (first) `segment` colour encoding anywhere in a Vega-Lite spec."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            color = node.get("color")
            if isinstance(color, dict) and color.get("field") == "segment" and "scale" in color:
                found.append(color["scale"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert found, "no colour by segment in this chart"
    return dict(zip(found[0]["domain"], found[0]["range"]))


@pytest.fixture(scope="module")
def rfm_like():
    """120 customers over RFM's twelve names, listed in a shuffled order (as a chart might meet them)."""
    rng = np.random.default_rng(1)
    ids = [f"{i:05d}" for i in range(120)]
    labels = pd.Series(np.tile(RFM, 10), index=ids)
    frame = pd.DataFrame({"mrr": rng.lognormal(4, 1, 120), "logins": rng.poisson(20, 120).astype(float)},
                         index=pd.Index(ids, name="customer_id"))
    shuffled = labels.sample(frac=1, random_state=2)
    return Segmentation(method="rfm", labels=shuffled, segments=RFM, variables=("mrr", "logins")), frame


def test_the_palette_gives_twelve_rfm_segments_distinct_colours_and_no_purchases_grey():
    colors = segment_colors(RFM)
    assert list(colors) == list(RFM)
    assert colors["No purchases"] == NEUTRAL
    named = [colors[s] for s in RFM[:-1]]
    assert len(set(named)) == 11 and NEUTRAL not in named  # Champions and Lost no longer share a blue
    assert colors["Champions"] == PALETTE[0] and colors["Lost"] == PALETTE[10]
    assert len(PALETTE) >= 12 and len(set(PALETTE)) == len(PALETTE)


def test_leftovers_take_no_colour_from_the_segments_that_follow():
    colors = segment_colors(["(new)", "Big", "Other", "Small", "(gone)"])
    assert colors == {"(new)": NEUTRAL, "Big": PALETTE[0], "Other": NEUTRAL, "Small": PALETTE[1], "(gone)": NEUTRAL}


def test_segment_scale_keeps_the_given_order_and_refuses_a_single_string():
    scale = segment_scale(["B", "A", "B"]).to_dict()
    assert scale == {"domain": ["B", "A"], "range": [PALETTE[0], PALETTE[1]]}
    with pytest.raises(DataError, match="as a list"):
        segment_scale("Champions")


def test_a_segment_has_the_same_colour_on_the_profiles_bars_and_the_customer_map(rfm_like):
    segmentation, frame = rfm_like
    profiles = profile(frame, segmentation, mrr="mrr")
    bars = _segment_colors(kpi_bars(profiles).to_dict())
    # The map meets the segments in the shuffled order of the labels; the colour must not follow it.
    shown = customer_map(pca_map(frame, segmentation.labels, variables=["mrr", "logins"]), frame,
                         segments=segmentation.segments)
    points = _segment_colors(shown.to_dict())
    for segment in RFM:
        assert bars[segment] == points[segment], segment
    assert bars["Champions"] != bars["Lost"]
    assert bars["No purchases"] == points["No purchases"] == NEUTRAL


def test_the_map_without_an_order_still_gives_leftovers_grey(rfm_like):
    segmentation, frame = rfm_like
    points = _segment_colors(customer_map(pca_map(frame, segmentation.labels, variables=["mrr", "logins"])).to_dict())
    assert points["No purchases"] == NEUTRAL and len(points) == 12


def _layers(spec: dict) -> list[dict]:
    return spec["layer"]


def test_the_migration_diagonal_is_grey_and_only_moves_are_coloured_by_count():
    before = pd.Series({str(i): "Champions" for i in range(100)} | {"100": "Lost", "101": "Lost"})
    after = pd.Series({str(i): "Champions" for i in range(97)} | {"97": "Lost", "98": "Lost", "99": "Lost",
                                                                   "100": "Lost", "102": "Champions"})
    moves = migration(before, after)
    spec = migration_heatmap(moves).to_dict()
    data = next(iter(spec["datasets"].values()))
    cells = {(d["from"], d["to"]): (d["customers"], d["stayed"], d["ink"]) for d in data}
    assert cells[("Champions", "Champions")] == (97, True, "black")  # the diagonal keeps its numbers
    assert cells[("Champions", "Lost")] == (3, False, "white")  # white only on dark moves: over half of 3
    assert cells[(NEW, "Champions")] == (1, False, "black") and cells[("Lost", GONE)] == (1, False, "black")
    assert cells[("Lost", "Champions")] == (0, False, "#9e9e9e")  # a move nobody made: grey 0 on white
    empty, moved, stayed, text = _layers(spec)
    assert empty["transform"] == [{"filter": "!datum.stayed && !datum.moved"}]
    assert empty["mark"]["color"] == "white" and "color" not in empty["encoding"]
    assert moved["transform"] == [{"filter": "datum.moved"}]
    color = moved["encoding"]["color"]
    assert color["field"] == "customers" and color["scale"]["domain"] == [0, 3]  # the scale spans moves only
    assert color["legend"] == {"format": ",d", "values": [1, 2, 3]}  # whole customers, never "0.000000"
    assert stayed["transform"] == [{"filter": "datum.stayed"}]
    assert stayed["mark"]["color"] == NEUTRAL and "color" not in stayed["encoding"]
    assert text["encoding"]["text"]["field"] == "customers"
    assert text["encoding"]["color"] == {"field": "ink", "type": "nominal", "scale": None}
    assert spec["resolve"]["scale"]["color"] == "independent"  # merged with the moves' scale, Vega draws nothing


def test_when_nobody_moved_no_cell_is_coloured_and_there_is_no_legend():
    labels = pd.Series({str(i): ("Champions" if i % 3 else "Lost") for i in range(30)})
    spec = migration_heatmap(migration(labels, labels)).to_dict()
    layers = _layers(spec)
    assert all("color" not in layer["encoding"] for layer in layers[:-1])  # no scale, so no "0.000000" legend
    assert "0.000000" not in json.dumps(spec)
    data = next(iter(spec["datasets"].values()))
    zero = [d for d in data if not d["stayed"]]
    assert zero and all(d["customers"] == 0 and not d["moved"] and d["ink"] == "#9e9e9e" for d in zero)
    assert layers[0]["mark"]["color"] == "white"  # zero cells are white, not the colour of a move


def _drawn(expr: str, names) -> dict[str, str]:
    """What a label expression made by `lines_expr` draws for each name, its lines joined by a space."""
    cases = dict(re.findall(r'datum\.label === ("(?:[^"\\]|\\.)*") \? (\[(?:"(?:[^"\\]|\\.)*",? ?)*\])',
                            expr))
    lines = {json.loads(name): json.loads(drawn) for name, drawn in cases.items()}
    return {name: " ".join(lines.get(name, [name])) for name in names}


def test_every_column_of_the_migration_heatmap_is_named_whole():
    # Twelve RFM names: too many to write level, so slanted, and none hidden for touching its neighbour.
    before = pd.Series({f"{i}": RFM[i % 11] for i in range(110)})
    after = before.sample(frac=1, random_state=0).set_axis(before.index)
    x = migration_heatmap(migration(before, after, segments=RFM[:-1])).to_dict()["layer"][0]["encoding"]["x"]
    assert x["axis"]["labelOverlap"] is False and x["axis"]["labelLimit"] == 0 and x["axis"]["labelAngle"] == -40
    # Four long names that start alike: written level on lines, each whole, no two alike.
    names = ("Low MonthlyCharges, high tenure", "Low tenure, low TotalCharges", "High MonthlyCharges, low tenure",
             "High MonthlyCharges, high TotalCharges")
    before = pd.Series({str(i): names[i % 4] for i in range(40)})
    spec = migration_heatmap(migration(before, before, segments=names)).to_dict()
    x = spec["layer"][0]["encoding"]["x"]
    assert x["axis"]["labelAngle"] == 0 and x["axis"]["labelOverlap"] is False and x["axis"]["labelLimit"] == 0
    drawn = _drawn(x["axis"]["labelExpr"], names)
    assert drawn == {n: n for n in names}
    y = spec["layer"][0]["encoding"]["y"]
    assert y["axis"]["labelLimit"] == 0 and _drawn(y["axis"]["labelExpr"], names) == {n: n for n in names}


def test_long_names_wrap_between_words_and_the_axis_slants_when_they_cannot():
    assert wrap_name("High MonthlyCharges, high TotalCharges", 20) == ["High MonthlyCharges,", "high TotalCharges"]
    assert wrap_name("Supercalifragilistic", 5) == ["Supercalifragilistic"]  # a long word keeps its line
    assert lines_expr(["Short"], 20) == "datum.label"
    assert axis_for_names(["A", "B"], band=200)["labelAngle"] == 0
    assert axis_for_names(["Hibernating customers"] * 3, band=40)["labelAngle"] == -40


def test_lift_heatmap_lists_variables_down_and_every_segment_across(rfm_like):
    segmentation, frame = rfm_like
    spec = lift_heatmap(profile(frame, segmentation, mrr="mrr")).to_dict()
    x, y = spec["layer"][0]["encoding"]["x"], spec["layer"][0]["encoding"]["y"]
    assert x["field"] == "segment" and x["sort"] == list(RFM)
    assert x["axis"]["labelOverlap"] is False and x["axis"]["labelAngle"] == -40  # no name skipped
    assert x["axis"]["labelLimit"] == 0  # nor cut short
    assert y["field"] == "variable" and y["axis"]["labelLimit"] >= 240


@pytest.fixture(scope="module")
def monthly():
    """36 monthly cohorts of 3 customers, each paying every month up to the end of 2024; two groups."""
    rows = []
    for c, start in enumerate(pd.date_range("2022-01-01", periods=36, freq="MS")):
        for k in range(3):
            for month in pd.date_range(start, "2024-12-01", freq="MS"):
                rows.append((f"{c}-{k}", month + pd.Timedelta(days=4), 10.0 * (k + 1)))
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    groups = pd.Series({cid: ("Small" if cid.endswith("-0") else "Big") for cid in frame["customer_id"].unique()})
    return frame, groups


def test_ltv_and_layer_cake_colour_cohorts_on_one_gradient_not_36_swatches(monthly):
    frame, _ = monthly
    cohorts = cohort_table(frame, customer_id="customer_id", date="date", amount="amount")
    for chart in (cohort_charts.ltv_chart(cohorts), cohort_charts.layer_cake_chart(cohorts)):
        encoding = chart.to_dict()["encoding"]
        assert encoding["color"]["field"] == "cohort" and encoding["color"]["type"] == "temporal"
        assert encoding["color"]["legend"]["type"] == "gradient"
        assert encoding["detail"]["field"] == "cohort_name"  # still one line / layer per cohort
        assert "param" in encoding["opacity"]["condition"]  # the hovered cohort stands out


def test_split_views_put_the_legend_above_and_order_panels_as_asked(monthly):
    frame, groups = monthly
    cohorts = cohort_table(frame, customer_id="customer_id", date="date", amount="amount", split=groups)
    spec = cohort_charts.heatmap(cohorts, "retention", groups=["Small", "Big"]).to_dict()
    assert [panel["title"] for panel in spec["concat"]] == ["Small", "Big"]
    legend = json.dumps(spec)
    assert '"orient": "top"' in legend
    ltv = cohort_charts.ltv_chart(cohorts, groups=["Small", "Big"]).to_dict()
    assert ltv["facet"]["sort"] == ["Small", "Big"]
    assert ltv["spec"]["encoding"]["color"]["legend"]["orient"] == "top"
    assert cohort_charts.churn_chart(cohorts).to_dict()["facet"]["sort"] == ["Big", "Small"]  # default: A-Z


def test_a_zero_lift_is_shaded_at_the_scale_end_and_written_as_zero():
    # Segment A never churns: lift 0 has no place on a log scale and once stopped the whole heatmap drawing.
    class Lifted:
        lift = pd.DataFrame({"churn_rate": [0.0, 2.0]}, index=pd.Index(["A", "B"], name="segment"))
        segments = ("A", "B")

    spec = lift_heatmap(Lifted()).to_dict()
    data = {d["segment"]: d for d in next(iter(spec["datasets"].values()))}
    assert (data["A"]["lift"], data["A"]["shade"]) == (0.0, 0.01)
    assert (data["B"]["lift"], data["B"]["shade"]) == (2.0, 2.0)
    heat, text = spec["layer"]
    assert heat["encoding"]["color"]["field"] == "shade" and text["encoding"]["text"]["field"] == "lift"


def _quarter(value: dict) -> str:
    return f"{value['year']}-Q{(value['month'] - 1) // 3 + 1}"


def test_quarterly_layer_cake_and_ltv_legends_name_each_quarter_once():
    # Two quarters of monthly payments: left to itself Vega ticks every month and writes
    # "2020-Q1, 2020-Q1, 2020-Q1, 2020-Q2" under the colour gradient.
    rows = [(f"{c}-{k}", month + pd.Timedelta(days=3), 10.0)
            for c, start in enumerate(["2020-01-01", "2020-04-01"]) for k in range(4)
            for month in pd.date_range(start, "2020-06-01", freq="MS")]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    cohorts = cohort_table(frame, customer_id="customer_id", date="date", amount="amount", period="quarter")
    for chart in (cohort_charts.layer_cake_chart(cohorts), cohort_charts.ltv_chart(cohorts)):
        legend = chart.to_dict()["encoding"]["color"]["legend"]
        assert legend["format"] == "%Y-Q%q"
        assert [_quarter(v) for v in legend["values"]] == ["2020-Q1", "2020-Q2"]  # each once, and only these
    axis = cohort_charts.layer_cake_chart(cohorts).to_dict()["encoding"]["x"]["axis"]
    assert [_quarter(v) for v in axis["values"]] == ["2020-Q1", "2020-Q2"]
    # The LTV curves count whole quarters of life: no "0.5" tick.
    ltv_x = cohort_charts.ltv_chart(cohorts).to_dict()["encoding"]["x"]["axis"]
    assert ltv_x["tickMinStep"] == 1 and ltv_x["format"] == "d"


def test_36_monthly_cohorts_get_a_few_distinct_labels(monthly):
    frame, groups = monthly
    cohorts = cohort_table(frame, customer_id="customer_id", date="date", amount="amount")
    layer = cohort_charts.layer_cake_chart(cohorts).to_dict()["encoding"]
    legend, axis = layer["color"]["legend"]["values"], layer["x"]["axis"]["values"]
    assert 3 <= len(legend) <= 5 and len(axis) <= 12
    for values in (legend, axis):
        written = [f"{v['year']}-{v['month']:02d}" for v in values]
        assert len(set(written)) == len(written) and written == sorted(written) and written[0] == "2022-01"
    trend = cohort_charts.trend_chart(cohorts).to_dict()["layer"][0]["encoding"]["x"]["axis"]["values"]
    assert len(trend) <= 12
    split = cohort_charts.layer_cake_chart(cohort_table(frame, customer_id="customer_id", date="date",
                                                       amount="amount", split=groups)).to_dict()
    assert len(split["spec"]["encoding"]["x"]["axis"]["values"]) <= 5  # narrower panels, fewer labels


@pytest.fixture(scope="module")
def funnel_profiles():
    ids = [f"{i:03d}" for i in range(12)]
    frame = pd.DataFrame({"mrr": [10.0] * 12, "trial": [True] * 12,
                          "paid": [True, True, False, True] * 3, "churned": [False, True, False, False] * 3},
                         index=pd.Index(ids, name="customer_id"))
    labels = pd.Series(["Self-serve"] * 6 + ["High MonthlyCharges, high TotalCharges"] * 6, index=ids)
    segmentation = Segmentation("rules", labels, ("Self-serve", "High MonthlyCharges, high TotalCharges"), ("mrr",))
    return profile(frame, segmentation, mrr="mrr", trial="trial", converted="paid", churned="churned")


def test_the_funnel_names_every_stage_on_its_axis_and_in_a_legend(funnel_profiles):
    spec = funnel_chart(funnel_profiles).to_dict()
    bars, shares = spec["spec"]["layer"]
    stages = ["Started trial", "Converted to paid", "Still active"]
    y = bars["encoding"]["y"]
    assert y["sort"] == stages and y["axis"]["labelOverlap"] is False  # the middle stage is not hidden
    color = bars["encoding"]["color"]
    assert color["scale"]["domain"] == stages and color.get("legend") is not None  # a legend, in funnel order
    assert color["title"] == "Stage" and len(set(color["scale"]["range"])) == 3
    assert shares["mark"]["type"] == "text" and shares["encoding"]["text"]["format"] == ".0%"  # each bar's share
    assert spec["spec"]["height"] == {"step": 20}
    assert spec["facet"]["row"]["header"]["labelLimit"] == 0  # segment names whole


def test_kpi_bars_name_every_segment_whole_and_draw_no_line_at_100_percent(funnel_profiles):
    spec = kpi_bars(funnel_profiles).to_dict()
    bars, rule = spec["spec"]["layer"]
    legend = bars["encoding"]["color"]["legend"]
    assert legend["labelLimit"] == 0
    names = list(funnel_profiles.segments)
    drawn = _drawn(legend["labelExpr"], names)
    assert drawn == {n: n for n in names} and "High MonthlyCharges, high TotalCharges" in legend["labelExpr"]
    data = next(iter(spec["datasets"].values()))
    share = [d for d in data if d["kpi"].startswith("Share of customers")]
    assert share and all(d["overall"] is None for d in share)  # all customers = 100% by definition: no line
    assert rule["transform"] == [{"filter": "isValid(datum.overall)"}]
    mrr = [d for d in data if d["kpi"] == funnel_profiles.label("mrr_mean")]
    assert mrr[0]["overall"] == pytest.approx(funnel_profiles.overall["mrr_mean"])  # other KPIs keep their line


def test_the_segment_sizes_bars_write_every_name_whole():
    names = ["Low MonthlyCharges, high tenure", "Low tenure, low TotalCharges", "High MonthlyCharges, low tenure",
             "High MonthlyCharges, high TotalCharges"]
    sizes = pd.DataFrame({"segment": names, "customers": [71, 56, 72, 101], "share": [0.24, 0.19, 0.24, 0.33]})
    spec = segment_sizes_chart(sizes, names, row_height=35).to_dict()
    y = spec["encoding"]["y"]
    assert y["sort"] == names and y["axis"]["labelOverlap"] is False and y["axis"]["labelLimit"] == 0
    drawn = _drawn(y["axis"]["labelExpr"], names)
    assert drawn == {n: n for n in names} and len(set(drawn.values())) == 4
    # The longest name needs three lines of about 16 characters in the narrow column; each row has room for them.
    assert spec["height"]["step"] >= 3 * 13


def test_the_customer_map_legend_writes_long_names_whole(rfm_like):
    segmentation, frame = rfm_like
    long_names = {s: f"{s} with a long description of who they are" for s in RFM}
    renamed = Segmentation(method="rfm", labels=segmentation.labels.map(long_names),
                           segments=tuple(long_names.values()), variables=("mrr", "logins"))
    shown = customer_map(pca_map(frame, renamed.labels, variables=["mrr", "logins"]), frame,
                         segments=renamed.segments).to_dict()
    legend = shown["encoding"]["color"]["legend"]
    assert legend["labelLimit"] == 0
    assert _drawn(legend["labelExpr"], renamed.segments) == {n: n for n in renamed.segments}
