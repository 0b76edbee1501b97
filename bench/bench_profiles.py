"""Profiles, exports and the customer map against what an analyst would otherwise write.

Contenders, on the same synthetic customer table (ids as zero-padded text, some company names
that a spreadsheet would run as formulas):

- profiles: `profile(...)` (sizes, shares, KPIs incl. LTV, medians, means, lift, names) vs a
  hand-written pandas `groupby().agg()` of the same sizes, means, medians and churn rate;
- assignments CSV: `assignments_csv` (formulas neutralised) vs `DataFrame.to_csv`;
- workbook: `workbook` (formatted XLSX, formulas neutralised, ids as text) vs `DataFrame.to_excel`
  of the same assignments, and how many live formula cells each file holds;
- map: `pca_map` (K-means' transforms + PCA) vs StandardScaler + PCA on a prepared matrix;
- `--umap`: UMAP's first fit (numba compiling) and a warm 10k fit, on a thread of the app vs in our
  worker process, and how long the app's own thread is held up meanwhile.

    python bench/bench_profiles.py                # 100k customers, 1M for the map (about a minute)
    python bench/bench_profiles.py --customers 1000000 --umap
"""

from __future__ import annotations

import argparse
import io
import platform
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sklearn.decomposition  # noqa: E402,F401  (imported before timing: both contenders use it)

from segmentation import projection  # noqa: E402
from segmentation.actions import suggest_plan  # noqa: E402
from segmentation.export import assignments_csv, workbook  # noqa: E402
from segmentation.profiles import profile  # noqa: E402
from segmentation.projection import pca_map  # noqa: E402
from segmentation.result import Segmentation  # noqa: E402
from ui import umap_worker  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "profiles.md"
SEGMENTS = ("Champions", "Loyal", "At Risk", "Hibernating", "New")


def generate(n: int, *, random_state: int = 0) -> tuple[pd.DataFrame, Segmentation]:
    rng = np.random.default_rng(random_state)
    ids = pd.Index(np.char.zfill(np.arange(1, n + 1).astype(str), 7).astype(object), name="customer_id")
    segment = rng.choice(SEGMENTS, n, p=[0.1, 0.25, 0.2, 0.3, 0.15])
    names = np.array(["Acme GmbH", "Globex", "=HYPERLINK(\"http://x\",\"y\")", "+1 Consulting", "Initech"],
                     dtype=object)
    frame = pd.DataFrame({
        "company": names[rng.integers(0, len(names), n)],
        "plan": rng.choice(["Free", "Starter", "Pro", "Enterprise"], n),
        "mrr": np.round(rng.lognormal(4, 1.2, n), 2),
        "logins_30d": rng.poisson(20, n),
        "features_adopted": rng.integers(0, 12, n),
        "tenure_days": rng.integers(1, 1500, n),
        "churned": rng.uniform(size=n) < 0.12,
        "nps": rng.integers(0, 11, n),
    }, index=ids)
    labels = pd.Series(segment, index=ids)
    seg = Segmentation("bench", labels, SEGMENTS, ("mrr", "logins_30d", "features_adopted"))
    return frame, seg


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def pandas_profile(frame: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """What an analyst writes by hand: one groupby with the usual aggregates (MRR as current MRR:
    a churned account brings in nothing, as the profiles count it)."""
    data = frame.assign(segment=labels, mrr=frame["mrr"].where(~frame["churned"], 0.0))
    return data.groupby("segment").agg(
        customers=("mrr", "size"), mrr_mean=("mrr", "mean"), mrr_median=("mrr", "median"),
        logins_median=("logins_30d", "median"), features_median=("features_adopted", "median"),
        churn_rate=("churned", "mean"), tenure_median=("tenure_days", "median"), nps_mean=("nps", "mean"),
    )


def formula_cells(xlsx: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return sum(z.read(name).count(b"<f>") + z.read(name).count(b"<f ") for name in z.namelist()
                   if name.startswith("xl/worksheets/"))


def pauses_while(running) -> tuple[float, float]:
    """(99th percentile, longest) extra delay in ms of 5 ms sleeps on this thread while `running()`:
    how long the app's own thread waits for the GIL, which is what a user feels as a frozen page."""
    delays, last = [], time.perf_counter()
    while running():
        time.sleep(0.005)
        now = time.perf_counter()
        delays.append(now - last - 0.005)
        last = now
    values = np.array(delays or [0.0]) * 1000
    return float(np.percentile(values, 99)), float(values.max())


def umap_section(frame: pd.DataFrame, seg: Segmentation) -> list[str]:
    idle = pauses_while(lambda end=time.perf_counter() + 5: time.perf_counter() < end)

    # Compile on a thread of this process (what a page would do without a worker).
    start = time.perf_counter()
    thread = threading.Thread(target=umap_worker._warm)
    thread.start()
    on_thread = pauses_while(thread.is_alive)
    thread_cold = time.perf_counter() - start
    warm_thread, _ = best_of(lambda: projection.umap_map(frame, seg.labels, variables=list(seg.variables),
                                                         sample_size=10_000), 1)

    maps = umap_worker.BackgroundMaps(processes=True)
    try:
        start = time.perf_counter()
        warm = maps.warm()
        in_process = pauses_while(lambda: not warm.done())
        process_cold = time.perf_counter() - start
        start = time.perf_counter()
        _, future = maps.submit(frame, seg.labels, variables=list(seg.variables), sample_size=10_000)
        future.result(timeout=600)
        warm_process = time.perf_counter() - start
    finally:
        maps.shutdown()
    return [
        "",
        "UMAP (umap-learn; `--umap`): the first fit compiles numba code, later fits are warm. Meanwhile the app's "
        "own thread sleeps 5 ms at a time and records how much longer each sleep took (waiting for the GIL is "
        "what a user feels as a frozen page).",
        "",
        "| UMAP runs | first fit (compile) s | warm 10k map s | app thread delay p99 / max, ms |",
        "|---|---:|---:|---:|",
        f"| nothing running (idle) | | | {idle[0]:.1f} / {idle[1]:.0f} |",
        f"| on a thread of the app | {thread_cold:.1f} | {warm_thread:.1f} | {on_thread[0]:.1f} / {on_thread[1]:.0f} |",
        f"| in our worker process | {process_cold:.1f} | {warm_process:.1f} | "
        f"{in_process[0]:.1f} / {in_process[1]:.0f} |",
        "",
        "The warm map in the worker includes preparing the data and sending the 10k sample to it.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--map-customers", type=int, default=1_000_000)
    parser.add_argument("--umap", action="store_true", help="also time UMAP (compiles numba twice: 1-2 minutes)")
    parser.add_argument("--repeat", type=int, default=3)
    args, _ = parser.parse_known_args(argv)  # run_all.py passes other scripts' flags too

    frame, seg = generate(args.customers)
    kpis = dict(mrr="mrr", churned="churned", tenure="tenure_days", nps="nps")
    ours_profile, profiles = best_of(lambda: profile(frame, seg, **kpis), args.repeat)
    theirs_profile, theirs = best_of(lambda: pandas_profile(frame, seg.labels), args.repeat)
    check = theirs.reindex(list(SEGMENTS))
    assert np.allclose(check["mrr_mean"], profiles.summary["mrr_mean"])
    assert np.allclose(check["churn_rate"], profiles.summary["churn_rate"])

    columns = ["company", "plan", "mrr", "logins_30d", "features_adopted"]
    assignments = frame[columns].assign(segment=seg.labels).reset_index()
    ours_csv, _ = best_of(lambda: assignments_csv(frame, seg, columns=columns), args.repeat)
    theirs_csv, _ = best_of(lambda: assignments.to_csv(index=False).encode(), args.repeat)

    plan = suggest_plan(profiles)
    ours_xlsx, ours_book = best_of(lambda: workbook(frame, seg, columns=columns, profiles=profiles,
                                                    action_plan=plan), 1)

    def pandas_xlsx() -> bytes:
        buffer = io.BytesIO()
        assignments.to_excel(buffer, index=False, engine="openpyxl")
        return buffer.getvalue()

    theirs_xlsx, theirs_book = best_of(pandas_xlsx, 1)

    big, big_seg = generate(args.map_customers, random_state=1)
    variables = list(big_seg.variables)
    ours_pca, _ = best_of(lambda: pca_map(big, big_seg.labels, variables=variables), 1)

    def sklearn_pca():
        from sklearn.decomposition import PCA
        from sklearn.preprocessing import StandardScaler

        matrix = StandardScaler().fit_transform(np.log1p(big[variables].to_numpy(dtype=float)))
        return PCA(n_components=2, random_state=0).fit_transform(matrix)

    theirs_pca, _ = best_of(sklearn_pca, 1)

    n, m = f"{args.customers:,}", f"{args.map_customers:,}"
    lines = [
        "# Profiles, exports and the customer map",
        "",
        f"`python bench/bench_profiles.py{' --umap' if args.umap else ''}`: {n} customers ({m} for the map), "
        f"5 segments; best of {args.repeat} runs (1 for XLSX and the map); {platform.machine()}, "
        f"pandas {pd.__version__}.",
        "",
        "Ours does more than each alternative: profiles add LTV, NPS, lift, top levels and names; exports "
        "neutralise formula text, write ids as text and format the workbook; the map applies the same "
        "transforms as K-means (log for skewed columns, scaling, one-hot categories). The profile figures "
        "are checked equal to the pandas ones before timing counts.",
        "",
        "| task | ours s | alternative | alternative s | ours vs it |",
        "|---|---:|---|---:|---:|",
        f"| profiles | {ours_profile:.2f} | pandas groupby().agg() | {theirs_profile:.2f} | "
        f"{ours_profile / theirs_profile:.2f}x the time |",
        f"| assignments CSV | {ours_csv:.2f} | DataFrame.to_csv | {theirs_csv:.2f} | "
        f"{ours_csv / theirs_csv:.2f}x the time |",
        f"| workbook XLSX | {ours_xlsx:.2f} | DataFrame.to_excel (assignments only) | {theirs_xlsx:.2f} | "
        f"{ours_xlsx / theirs_xlsx:.2f}x the time |",
        f"| PCA map ({m}) | {ours_pca:.2f} | StandardScaler + PCA | {theirs_pca:.2f} | "
        f"{ours_pca / theirs_pca:.2f}x the time |",
        "",
        f"Live formula cells in the workbook: ours {formula_cells(ours_book):,}, "
        f"DataFrame.to_excel {formula_cells(theirs_book):,} (every company name starting with `=` runs when "
        "the file is opened).",
    ]
    if args.umap:
        lines += umap_section(frame, seg)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
