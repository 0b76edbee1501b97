"""The app as a person sees it: real server, real browser (headless Chromium).

One server for the module; each test opens a fresh page (a new session) and walks one path a
user takes. Screenshots land in test-output/<test name>/ to look at after a run.
"""

from __future__ import annotations

import openpyxl
import pytest

from tests.browser import axes_labels, browser_page, chart_texts, go_to, running_app, settle, upload
from tests.real_exports import online_retail_csv, online_retail_frame, telco_churn_csv

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def url():
    with running_app() as address:
        yield address


def _settle(page) -> None:
    settle(page)


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def test_open_app_load_sample_and_see_preview(url, output_dir):
    with browser_page() as page:
        page.goto(url)
        page.get_by_role("heading", name="Data", exact=True).first.wait_for()
        page.get_by_role("button", name="Use the sample data").click()
        page.get_by_text("Loaded: Sample data").wait_for()
        # The preview grid of the customers table is on screen.
        page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible")
        page.get_by_text("Customers: customers.csv").wait_for()
        _settle(page)
        page.screenshot(path=str(output_dir / "data_page.png"), full_page=True)
        _no_exception(page)


def test_sample_to_kmeans_shows_the_five_verdicts(url, output_dir):
    with browser_page() as page:
        page.goto(url)
        page.get_by_text("Loaded: Sample data").wait_for()
        page.get_by_role("link", name="Segment").first.click()
        page.get_by_role("heading", name="Scorecard").wait_for()
        _settle(page)
        for criterion in ("Distinct", "Measurable", "Substantial", "Accessible", "Actionable"):
            page.get_by_role("heading", name=criterion).wait_for()
        verdicts = page.get_by_text("PASS", exact=True).count() + page.get_by_text("WARN", exact=True).count() \
            + page.get_by_text("FAIL", exact=True).count()
        assert verdicts == 5
        page.screenshot(path=str(output_dir / "segment_page.png"), full_page=True)
        _no_exception(page)


def test_download_the_workbook_and_open_it(url, output_dir):
    with browser_page() as page:
        page.goto(f"{url}/segment")
        page.get_by_role("heading", name="Scorecard").wait_for()
        _settle(page)
        page.get_by_role("link", name="Profiles").first.click()
        button = page.get_by_role("button", name="Workbook (XLSX)")
        button.wait_for()
        _settle(page)
        page.screenshot(path=str(output_dir / "profiles_page.png"), full_page=True)
        with page.expect_download(timeout=120_000) as download_info:
            button.click()
        target = output_dir / "segments.xlsx"
        download_info.value.save_as(target)
        book = openpyxl.load_workbook(target, read_only=True)
        assert {"Assignments", "Profiles", "Validation", "Action plan"} <= set(book.sheetnames)
        rows = list(book["Assignments"].iter_rows(values_only=True))
        assert len(rows) == 5001
        assert rows[1][0] == "00001"  # ids exactly as in the file, leading zeros kept
        _no_exception(page)


def test_cohort_heatmap_renders(url, output_dir):
    with browser_page() as page:
        page.goto(f"{url}/cohorts")
        page.get_by_role("tab", name="Retention heatmap").wait_for()
        _settle(page)
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.wait_for(state="visible")
        # Vega draws the heatmap's cells into a canvas or SVG inside the chart element.
        chart.locator("canvas, svg").first.wait_for(state="visible")
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 200
        page.screenshot(path=str(output_dir / "cohorts_page.png"), full_page=True)
        _no_exception(page)


def test_upload_an_export_through_the_browser(url, output_dir, tmp_path):
    export = tmp_path / "crm_export.csv"
    export.write_bytes("customer_id;mrr;logins\n00017;1.234,50;3\n00018;99,90;12\n".encode("cp1252"))
    with browser_page() as page:
        page.goto(url)
        page.get_by_text("Loaded: Sample data").wait_for()
        page.locator('input[type="file"]').first.set_input_files(str(export))
        page.get_by_text("Loaded: crm_export.csv").wait_for()
        _settle(page)
        # The id kept its leading zeros: the preview grid holds "00017" (the grid draws on a canvas, so its cells
        # are in the page but hidden; a caption may name the value too, which is why "visible" is not asked).
        page.locator('[role="gridcell"]').filter(has_text="00017").first.wait_for(state="attached")
        page.screenshot(path=str(output_dir / "uploaded.png"), full_page=True)
        _no_exception(page)


# -- what a person reads in the charts ---------------------------------------------------------------
def _chart(where):
    """The first chart drawn in `where` (a page or a tab), once Vega has drawn its labels."""
    chart = where.locator('[data-testid="stVegaLiteChart"]').filter(visible=True).first
    chart.locator("g.role-axis-label text, g.role-legend-label text").first.wait_for(state="attached")
    return chart


def _tab(page, name: str):
    page.get_by_role("tab", name=name, exact=True).click()
    _settle(page)
    return page.get_by_role("tabpanel").filter(visible=True).first


def _column_axis(chart, last: str) -> list[str]:
    """The labels of the migration heatmap's column axis: the axis that names `last` ("(gone)")."""
    return next(labels for labels in axes_labels(chart) if last in labels)


# The K-means default on the sample, named only by what each segment's customers all share.
SAMPLE_SEGMENTS = ["Low logins 30d", "Mostly high MRR", "Very high features adopted"]


def test_sample_funnel_names_every_stage_and_the_migration_every_column(url, output_dir):
    with browser_page() as page:
        page.goto(url)
        page.get_by_text("Loaded: Sample data").wait_for()
        go_to(page, "Segment")
        page.get_by_role("heading", name="Scorecard").wait_for()
        go_to(page, "Profiles")
        funnel = _chart(_tab(page, "Trial funnel"))
        stages = ["Started trial", "Converted to paid", "Still active"]
        # Each segment's panel names all three stages: the middle one is no longer hidden.
        assert chart_texts(funnel, "axis-label").count("Converted to paid") == len(SAMPLE_SEGMENTS)
        assert chart_texts(funnel, "legend-label") == stages  # a legend, each stage once
        page.screenshot(path=str(output_dir / "funnel.png"), full_page=True)

        go_to(page, "Track")
        page.get_by_role("button", name="Try it with the sample's next month").click()
        page.get_by_role("heading", name="Who moved").wait_for()
        _settle(page)
        heatmap = _chart(page)
        assert _column_axis(heatmap, "(gone)") == [*SAMPLE_SEGMENTS, "(gone)"]  # every column named, whole
        legend = chart_texts(heatmap, "legend-label")
        assert legend and all(text.isdigit() for text in legend) and len(set(legend)) == len(legend)
        page.screenshot(path=str(output_dir / "track.png"), full_page=True)
        _no_exception(page)


def test_telco_export_long_names_read_whole_and_nobody_moved_reads_so(url, output_dir, tmp_path):
    export = tmp_path / "Telco-Customer-Churn.csv"
    export.write_bytes(telco_churn_csv())
    with browser_page() as page:
        page.goto(url)
        page.get_by_text("Loaded: Sample data").wait_for()
        upload(page, "Customers", export)
        page.get_by_text("Loaded: Telco-Customer-Churn.csv").wait_for()
        _settle(page)
        go_to(page, "Segment")
        page.get_by_role("heading", name="Scorecard").wait_for()
        _settle(page)
        names = chart_texts(_chart(page), "axis-label")
        segments = [n for n in names if not n.replace(",", "").isdigit()]
        # "High MonthlyCharges, low tenure" and "High MonthlyCharges, high TotalCharges" were both
        # "High MonthlyCha…": each bar now has its whole name, and no two read the same.
        assert len(segments) == 4 and len(set(segments)) == 4 and not any(n.endswith("…") for n in segments)
        assert sum(n.startswith("High MonthlyCharges,") for n in segments) == 2
        page.screenshot(path=str(output_dir / "segment.png"), full_page=True)

        go_to(page, "Profiles")
        kpis = _chart(_tab(page, "KPIs"))
        assert chart_texts(kpis, "legend-label") == segments  # the bars' legend: the same names, whole, once each

        go_to(page, "Track")
        page.locator('[data-testid="stFileUploader"]').filter(has_text="Newer export").first \
            .locator('input[type="file"]').set_input_files(str(export))
        page.get_by_role("heading", name="Who moved").wait_for()
        _settle(page)
        heatmap = _chart(page)
        assert _column_axis(heatmap, "(gone)") == [*segments, "(gone)"]
        # Nobody moved: no colour scale, so no legend reading "0.000000".
        assert chart_texts(heatmap, "legend-label") == []
        assert "0.000000" not in heatmap.inner_html()
        page.screenshot(path=str(output_dir / "track_nobody_moved.png"), full_page=True)
        _no_exception(page)


def test_retail_quarters_are_each_named_once(url, output_dir, tmp_path):
    # Half a year of the export: three quarters, which the gradient once labelled month by month
    # ("2010-Q4, 2010-Q4, 2010-Q4, 2011-Q1, ...").
    lines = online_retail_frame()
    export = tmp_path / "Online Retail.csv"
    export.write_bytes(online_retail_csv(lines[lines["InvoiceDate"] < "2011-06-01"]))
    with browser_page() as page:
        page.goto(url)
        page.get_by_text("Loaded: Sample data").wait_for()
        upload(page, "Transactions", export)
        page.get_by_text("Loaded: Online Retail.csv").wait_for()
        _settle(page)
        go_to(page, "Cohorts")
        page.get_by_role("radio", name="Quarter", exact=True).click()
        _settle(page)
        cake = _chart(_tab(page, "Layer cake"))
        legend = chart_texts(cake, "legend-label")
        assert len(legend) >= 3 and len(set(legend)) == len(legend)  # "2011-Q1" once, not once a month
        assert all(len(set(labels)) == len(labels) for labels in axes_labels(cake))
        ltv = _chart(_tab(page, "LTV curves"))
        periods = axes_labels(ltv)
        assert any(labels and all(text.isdigit() for text in labels) for labels in periods)  # whole quarters
        page.screenshot(path=str(output_dir / "quarters.png"), full_page=True)
        _no_exception(page)
