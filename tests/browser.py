"""Start the real app with `streamlit run` and drive it in Debian's headless Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium keeps trying to reach Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(timeout: float = 90.0, *, store: str | os.PathLike | None = None):
    """Yield the URL of a fresh `streamlit run app.py` on a free loopback port. Its workspace store is
    `store`, else a file of its own: a workspace saved on this machine must not reopen in a test."""
    port = free_port()
    scratch = tempfile.TemporaryDirectory(prefix="segmentation-store-")
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "SEGMENTATION_STORE": str(store or os.path.join(scratch.name, "workspaces.duckdb"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{proc.stdout.read() if proc.stdout else ''}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        scratch.cleanup()


@contextlib.contextmanager
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


# -- driving the pages --------------------------------------------------------------------------------
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


def settle(page, quiet_ms: int = 700, timeout: float = 180.0) -> None:
    """Wait until Streamlit has finished the current run (and no other has started for `quiet_ms`)."""
    page.evaluate("() => { window.__idleSince = undefined; }")
    page.wait_for_function(_IDLE, arg=quiet_ms, polling=100, timeout=timeout * 1000)


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]').first.inner_text()


def go_to(page, title: str) -> None:
    """Open a page through the sidebar, as a person does: the session (and its uploads) is kept."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).first.wait_for()
    settle(page)


def upload(page, label: str, path) -> None:
    """Put a file in the Data page's uploader whose label starts with `label` (e.g. "Customers")."""
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label).first
    uploader.locator('input[type="file"]').set_input_files(str(path))


_SHOWN_TEXTS = """texts => texts
    .filter(t => t.getAttribute('opacity') !== '0' && getComputedStyle(t).opacity !== '0')
    .map(t => t.querySelector('tspan') ? [...t.querySelectorAll('tspan')].map(s => s.textContent).join(' ')
                                       : t.textContent)"""


def chart_texts(chart, role: str) -> list[str]:
    """The texts Vega drew for one role of a chart (SVG): "axis-label", "legend-label", "axis-title",
    "column-header" ... in drawing order, as the reader sees them: a label hidden for touching its neighbour
    (drawn with opacity 0) is left out, a truncated one ends in an ellipsis, one on several lines (a <tspan>
    per line) has its lines joined by a space."""
    return chart.locator(f"g.role-{role} text").evaluate_all(_SHOWN_TEXTS)


def axes_labels(chart) -> list[list[str]]:
    """The labels shown on each axis of a chart, one list per axis."""
    axes = chart.locator("g.role-axis")
    return [chart_texts(axes.nth(i), "axis-label") for i in range(axes.count())]


def full_page_screenshot(page, path) -> None:
    """The whole page: Streamlit scrolls its main block (not the document), so Playwright's full_page stops at
    the window; the window is made as tall as the content for the shot, then put back."""
    size = page.viewport_size
    height = size["height"]
    for _ in range(5):  # charts laid out to the taller window may change the height once more
        needed = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 0")
        if needed <= height:
            break
        height = min(needed, 30_000)
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(600)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
