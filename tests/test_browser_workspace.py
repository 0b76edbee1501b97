"""A saved workspace in a real browser: segment, rename, save, reload the address, find the same segments."""

from __future__ import annotations

import re

import pytest

from tests.browser import axes_labels, browser_page, go_to, running_app, settle

pytestmark = pytest.mark.browser


def _segment_names(page) -> list[str]:
    """Every axis label of the Profiles page's charts: the KPI bars name each segment."""
    page.get_by_role("heading", name="Customer map", exact=True).wait_for()
    settle(page)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    return sorted({label for i in range(charts.count()) for axis in axes_labels(charts.nth(i)) for label in axis})


def test_save_then_reload_the_address_shows_the_same_segments_and_names(tmp_path, output_dir):
    with running_app(store=tmp_path / "workspaces.duckdb") as url, browser_page() as page:
        page.goto(url)
        page.get_by_text("Loaded: Sample data").wait_for()
        go_to(page, "Segment")
        settle(page)
        page.locator("[data-testid=\"stButtonGroup\"]").get_by_text("RFM", exact=True).click()
        page.get_by_text("Score thresholds").wait_for()
        settle(page)
        go_to(page, "Profiles")
        page.get_by_text("Rename segments").click()
        page.get_by_role("button", name="Use the suggested names").click()
        settle(page)
        before = _segment_names(page)
        assert "Champions" not in before  # the suggested names replaced the RFM cells' names

        page.get_by_label("Name", exact=True).and_(page.get_by_role("textbox")).fill("Browser workspace")
        page.get_by_label("Name", exact=True).and_(page.get_by_role("textbox")).press("Enter")
        settle(page)
        page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_text("Saved Browser workspace (version").wait_for()
        page.wait_for_url(re.compile(r"workspace="))
        address = page.url

        page.goto(address)  # a reload: a new session, the address names the workspace
        page.get_by_text("your saved workspace Browser workspace was reopened").wait_for()
        assert _segment_names(page) == before
        page.screenshot(path=str(output_dir / "reopened.png"), full_page=True)
        go_to(page, "Segment")
        page.get_by_text("Score thresholds").wait_for()  # RFM, as saved
        assert page.locator('[data-testid="stException"]').count() == 0
        go_to(page, "Profiles")
        assert _segment_names(page) == before  # refitted on the Segment page, the names kept
        assert page.locator('[data-testid="stException"]').count() == 0
