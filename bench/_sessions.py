"""How the app holds up when a team shares one server: 1, 3, 6 and 10 browser sessions at once on the sample.

Starts `streamlit run app.py` on a free loopback port (127.0.0.1 only: nothing is served to the network) and,
for each round, opens that many sessions in Debian's headless Chromium at the same moment; each visits
Data -> Segment -> Profiles -> Cohorts through the sidebar as a person does. A step's time runs from the click
(or opening the URL) until Streamlit has finished the page's script run (the page is "settled"). Meanwhile the
server's memory is sampled: its resident set plus its children's (the UMAP worker). After the last round, every
browser is closed and the idle memory is read again for `--idle` seconds (3 minutes by default).

Bounded: at most 10 sessions, one server, a fixed walk; `python bench/bench_load.py --sessions 1,3,6,10` runs it
and writes bench/results/sessions.md.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402

STEPS = ("Data", "Segment", "Profiles", "Cohorts")
MAX_SESSIONS = 10
_QUIET_MS = 700  # the script must stay finished this long to count as settled (a click's rerun comes later)
_SETTLED = """([since, quiet]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const idle = app !== null && app.getAttribute("data-test-script-state") === "notRunning"
        && app.getAttribute("data-test-connection-state") === "CONNECTED";
    if (!idle) { window.__idleSince = undefined; return false; }
    window.__idleSince = window.__idleSince ?? performance.now();
    return window.__idleSince >= since && performance.now() - window.__idleSince >= quiet;
}"""


# -- memory ---------------------------------------------------------------------------------------------
def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            direct = [int(c) for c in children.read().split()]
    except FileNotFoundError:
        return []
    return direct + [g for c in direct for g in _children(c)]


def tree_rss(pid: int) -> tuple[int, int]:
    """(the server's own resident bytes, its children's: the UMAP worker)."""
    return _rss(pid), sum(_rss(c) for c in _children(pid))


class Sampler:
    """The server's total memory every 0.5 s, in the background; `peak` since the last `reset`."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            own, children = tree_rss(self.pid)
            self.peak = max(self.peak, own + children)

    def reset(self) -> None:
        self.peak = sum(tree_rss(self.pid))

    def stop(self) -> None:
        self._stop.set()


# -- sessions --------------------------------------------------------------------------------------------
async def _settle(page, since: float, timeout: float = 300.0) -> float:
    """Seconds from `since` (the page's performance.now() in ms) until the script run finished."""
    await page.wait_for_function(_SETTLED, arg=[since, _QUIET_MS], polling=50, timeout=timeout * 1000)
    idle = await page.evaluate("() => window.__idleSince")
    return max(0.0, (idle - since) / 1000)


async def _session(context, url: str) -> dict[str, float]:
    page = await context.new_page()
    page.set_default_timeout(300_000)
    times: dict[str, float] = {}
    await page.goto(url)
    await page.get_by_role("heading", name="Data", exact=True).first.wait_for()
    # Opening the URL: performance.now() counts from the navigation, so the settled moment is the step's time.
    times["Data"] = await _settle(page, 0.0)
    for step in STEPS[1:]:
        since = await page.evaluate("() => { window.__idleSince = undefined; return performance.now(); }")
        await page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=step, exact=True).click()
        await page.get_by_role("heading", name=step, exact=True).first.wait_for()
        times[step] = await _settle(page, since)
        if await page.locator('[data-testid="stException"]').count():
            raise RuntimeError(f"{step}: {await page.locator('[data-testid=stException]').first.inner_text()}")
    await page.close()
    return times


async def _prime(url: str) -> None:
    """One visitor opens the app and leaves: the server imports its libraries and reads the sample."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(url)
            await page.get_by_role("heading", name="Data", exact=True).first.wait_for(timeout=300_000)
            await page.wait_for_function(_SETTLED, arg=[0, _QUIET_MS], polling=50, timeout=300_000)
        finally:
            await browser.close()


async def _round(url: str, sessions: int) -> list[dict[str, float]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            contexts = [await browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(sessions)]
            return list(await asyncio.gather(*(_session(context, url) for context in contexts)))
        finally:
            await browser.close()


# -- the server --------------------------------------------------------------------------------------------
def _server_log():
    # The server's own output, kept for when a round stalls: bench/data/sessions-server.log (not committed).
    folder = ROOT / "bench" / "data"
    folder.mkdir(parents=True, exist_ok=True)
    return open(folder / "sessions-server.log", "w", encoding="utf-8")


def _start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    # A store of its own, fresh each run: a workspace someone saved on this machine must not reopen in the rounds.
    store = ROOT / "bench" / "data" / "sessions-store.duckdb"
    store.parent.mkdir(parents=True, exist_ok=True)
    store.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), "SEGMENTATION_STORE": str(store)}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=_server_log(), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("streamlit did not start")


def _mb(size: int) -> str:
    return f"{size / 2 ** 20:,.0f}"


def run(rounds: list[int], idle_seconds: int) -> str:
    if any(n < 1 or n > MAX_SESSIONS for n in rounds):
        raise SystemExit(f"sessions per round: 1 to {MAX_SESSIONS}")
    proc, url = _start_server()
    sampler = Sampler(proc.pid)
    try:
        time.sleep(3)
        fresh = sum(tree_rss(proc.pid))
        # The baseline: a server that has had its first visitor (libraries imported, the sample read, the
        # warm-up done) and has nobody on it. Imported libraries never leave a Python process, so a server that
        # never had a visitor is no baseline to come back to; its figure is reported beside it.
        asyncio.run(_prime(url))
        time.sleep(20)
        baseline = sum(tree_rss(proc.pid))
        print(f"fresh server {_mb(fresh)} MB, after its first visitor left {_mb(baseline)} MB", flush=True)
        results = []
        for sessions in rounds:
            sampler.reset()
            started = time.perf_counter()
            times = asyncio.run(_round(url, sessions))
            wall = time.perf_counter() - started
            own, children = tree_rss(proc.pid)
            results.append((sessions, times, wall, own + children, children, sampler.peak))
            print(f"{sessions} sessions: {wall:.1f} s, server {_mb(own + children)} MB "
                  f"(UMAP worker {_mb(children)} MB), peak {_mb(sampler.peak)} MB", flush=True)
        closed = time.perf_counter()
        idle_trace = []
        while time.perf_counter() - closed < idle_seconds:
            time.sleep(min(30, idle_seconds))
            idle_trace.append((time.perf_counter() - closed, sum(tree_rss(proc.pid))))
        idle = sum(tree_rss(proc.pid))
    finally:
        sampler.stop()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return _report(rounds, results, fresh, baseline, idle, idle_trace, idle_seconds)


def _report(rounds, results, fresh, baseline, idle, idle_trace, idle_seconds) -> str:
    one = {step: statistics.median(t[step] for t in results[0][1]) for step in STEPS} if results else {}
    lines = [
        "# A server a team shares: sessions at once",
        "",
        f"`python bench/bench_load.py --sessions {','.join(map(str, rounds))}` on {platform.machine()}, "
        f"{os.cpu_count()} cores (shared with other work while it ran; load average at the start "
        f"{os.getloadavg()[0]:.1f}), Python {platform.python_version()}: one `streamlit run app.py` on 127.0.0.1, "
        "rounds one after another on the same server; in each, that many headless Chromium sessions open the app "
        "at once and each walks Data -> Segment -> Profiles -> Cohorts on the sample (a first visitor opened the Data "
        "page and left before the rounds, as on a server in use). A step is the seconds from "
        "the click (or opening the URL) until the page's script run has finished. Median and slowest session per "
        "step; memory is the server's resident set plus its UMAP worker's.",
        "",
        "| sessions | " + " | ".join(f"{s} median / max s" for s in STEPS) + " | vs 1 session (median, worst step) "
        "| server MB after (UMAP worker) | peak MB |",
        "|---:|" + "---:|" * len(STEPS) + "---:|---:|---:|",
    ]
    for sessions, times, _wall, total, children, peak in results:
        cells, ratios = [], []
        for step in STEPS:
            values = [t[step] for t in times]
            median = statistics.median(values)
            cells.append(f"{median:.2f} / {max(values):.2f}")
            if one.get(step):
                ratios.append(median / one[step])
        lines.append(f"| {sessions} | " + " | ".join(cells) + f" | {max(ratios):.1f}x | {_mb(total)} ({_mb(children)}) "
                     f"| {_mb(peak)} |")
    lines += [
        "",
        f"Memory: {_mb(baseline)} MB before the rounds (the server after its first visitor, who only opened the "
        f"Data page, had left: libraries imported, sample read and warmed up; a server nobody had visited held "
        f"{_mb(fresh)} MB), {_mb(idle)} MB {idle_seconds / 60:.0f} minutes after the last session closed: "
        f"{(idle - baseline) / 2 ** 20:+,.0f} MB (target: within 150 MB).",
        "Idle trace (s after the last session closed: MB): "
        + ", ".join(f"{s:.0f}: {_mb(m)}" for s, m in idle_trace) + ".",
    ]
    return "\n".join(lines) + "\n"
