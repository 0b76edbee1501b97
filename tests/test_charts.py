"""Chart specs a reader relies on: one colour per segment on every page, grey for leftovers,
a migration heatmap whose diagonal does not drown the moves, readable cohort legends."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segmentation.charts import cohorts as cohort_charts
from segmentation.charts.palette import NEUTRAL, PALETTE, segment_colors, segment_scale
from segmentation.charts.profiles import kpi_bars, lift_heatmap, migration_heatmap
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
    cells = {(d["from"], d["to"]): (d["customers"], d["stayed"]) for d in data}
    assert cells[("Champions", "Champions")] == (97, True)
    assert cells[("Champions", "Lost")] == (3, False)
    assert cells[(NEW, "Champions")] == (1, False) and cells[("Lost", GONE)] == (1, False)
    moved, stayed, text = _layers(spec)
    assert moved["transform"] == [{"filter": "!datum.stayed"}]
    assert moved["encoding"]["color"]["field"] == "customers"  # the colour scale spans moves only: 0..3
    assert stayed["transform"] == [{"filter": "datum.stayed"}]
    assert stayed["mark"]["color"] == NEUTRAL and "color" not in stayed["encoding"]
    assert text["encoding"]["text"]["field"] == "customers"  # the diagonal keeps its numbers
    # White text only on dark move cells (more than half the largest move, 3), never on the grey diagonal.
    assert text["encoding"]["color"]["condition"]["test"] == "!datum.stayed && datum.customers > 1.5"


def test_lift_heatmap_lists_variables_down_and_every_segment_across(rfm_like):
    segmentation, frame = rfm_like
    spec = lift_heatmap(profile(frame, segmentation, mrr="mrr")).to_dict()
    x, y = spec["layer"][0]["encoding"]["x"], spec["layer"][0]["encoding"]["y"]
    assert x["field"] == "segment" and x["sort"] == list(RFM)
    assert x["axis"]["labelOverlap"] is False and x["axis"]["labelAngle"] == -35  # no name skipped
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
