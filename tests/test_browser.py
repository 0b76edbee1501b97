"""The app as a person sees it: real server, real browser (headless Chromium).

One server for the module; each test opens a fresh page (a new session) and walks one path a
user takes. Screenshots land in test-output/<test name>/ to look at after a run.
"""

from __future__ import annotations

import openpyxl
import pytest

from tests.browser import browser_page, running_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def url():
    with running_app() as address:
        yield address


# Streamlit 1.67 marks its root with the script's state: "initial" before the first run, then "running",
# "rerunRequested" and finally "notRunning" (stStatusWidget is only drawn in the toolbar, which headless
# runs hide). A click's rerun reaches the server a moment after the click, so the state must stay
# "notRunning" for a while to count as settled.
_IDLE = """quiet => {
    const app = document.querySelector('[data-testid="stApp"]');
    const idle = app !== null && app.getAttribute("data-test-script-state") === "notRunning"
        && app.getAttribute("data-test-connection-state") === "CONNECTED";
    if (!idle) { window.__idleSince = undefined; return false; }
    window.__idleSince = window.__idleSince ?? performance.now();
    return performance.now() - window.__idleSince >= quiet;
}"""


def _settle(page, quiet_ms: int = 700) -> None:
    """Wait until Streamlit has finished the current run (and no other has started for `quiet_ms`)."""
    page.evaluate("() => { window.__idleSince = undefined; }")
    page.wait_for_function(_IDLE, arg=quiet_ms, polling=100, timeout=120_000)


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
        page.get_by_text("00017").first.wait_for()  # the id kept its leading zeros
        page.screenshot(path=str(output_dir / "uploaded.png"), full_page=True)
        _no_exception(page)
