"""The app as a person sees it: real server, real browser (headless Chromium)."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, running_app

pytestmark = pytest.mark.browser


def test_open_app_load_sample_and_see_preview(output_dir):
    with running_app() as url, browser_page() as page:
        page.goto(url)
        page.get_by_role("heading", name="Data", exact=True).first.wait_for()
        page.get_by_role("button", name="Use the sample data").click()
        page.get_by_text("Loaded: Sample data").wait_for()
        # The preview grid of the customers table is on screen.
        page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible")
        page.get_by_text("Customers: customers.csv").wait_for()
        page.screenshot(path=str(output_dir / "data_page.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
