"""Validation scorecard and k sweep at 10k and 100k customers vs the textbook full-silhouette way.

Contenders, on the same customer table (4 planted segments in skewed mrr, logins and features,
a churn flag):
- ours: `validation.evaluate` (all five criteria: sampled silhouette against a cached
  no-structure reference, effect sizes, 5 refits for stability, a decision tree, chi-square)
  and `kmeans.sweep_k` (k = 2..8: fits on at most 20k rows, one distance matrix of a 3,000-row
  sample shared by every k);
- naive: what tutorials do: `silhouette_score(X, labels)` on every customer (the quadratic part
  alone, for the scorecard) and, for the sweep, `KMeans(n_init=10)` on all rows plus full
  silhouette, Calinski-Harabasz and Davies-Bouldin for each k.

The script also reports how far the sampled silhouette is from the full one.

    python bench/bench_validation.py          # 10k and 100k; naive at 100k extrapolated (n^2) from 30k
    python bench/bench_validation.py --full   # also run the naive full silhouette at 100k (minutes)
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from segmentation.methods.kmeans import fit_kmeans, sweep_k  # noqa: E402
from segmentation.validation import _reference_silhouettes, evaluate  # noqa: E402
from segmentation.variables import apply_state  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "validation.md"
DATA = ROOT / "bench" / "data"
VARIABLES = ["mrr", "logins_30d", "features_adopted"]


def generate(n: int, *, random_state: int = 0) -> pd.DataFrame:
    """Customers from 4 planted personas; money and counts skewed as in real exports."""
    rng = np.random.default_rng(random_state)
    persona = rng.choice(4, size=n, p=[0.2, 0.3, 0.4, 0.1])
    mrr = np.where(persona == 0, 0.0, rng.lognormal(np.array([0, 3.0, 4.5, 8.0])[persona], 0.5))
    logins = rng.poisson(np.array([0.3, 3, 25, 300])[persona])
    features = rng.binomial(20, np.array([0.02, 0.1, 0.3, 0.6])[persona])
    churned = rng.uniform(size=n) < np.array([0.0, 0.3, 0.15, 0.05])[persona]
    return pd.DataFrame({
        "customer_id": np.char.zfill(np.arange(1, n + 1).astype(str), 7).astype(object),
        "mrr": mrr.round(2),
        "logins_30d": logins,
        "features_adopted": features,
        "churned": np.where(churned, "yes", "no"),
    })


def load(n: int) -> pd.DataFrame:
    path = DATA / f"validation_{n}.parquet"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        generate(n).to_parquet(path, index=False)
    return pd.read_parquet(path)


def best_of(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def naive_sweep(X: np.ndarray) -> None:
    for k in range(2, 9):
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(X)
        silhouette_score(X, labels)
        calinski_harabasz_score(X, labels)
        davies_bouldin_score(X, labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run the naive full silhouette and sweep at 100k too")
    parser.add_argument("--repeats", type=int, default=5, help="runs of ours; the best counts")
    args = parser.parse_args()

    rows = []
    sweep_rows = []
    for n in (10_000, 100_000):
        frame = load(n)
        seg = fit_kmeans(frame, VARIABLES, k=4, random_state=0)
        X = apply_state(seg.state["design"], frame)
        labels = pd.factorize(seg.labels.to_numpy())[0]

        _reference_silhouettes.cache_clear()
        start = time.perf_counter()
        validation = evaluate(frame, seg, outcome="churned", revenue="mrr", random_state=0)
        cold = time.perf_counter() - start
        warm, validation = best_of(
            lambda: evaluate(frame, seg, outcome="churned", revenue="mrr", random_state=0), args.repeats)
        sampled = validation["distinct"].figures["silhouette"]
        print(f"n={n:,}: evaluate {warm:.2f}s (first call {cold:.2f}s) {validation.verdicts}", flush=True)

        if n <= 30_000 or args.full:
            naive, full = best_of(lambda: silhouette_score(X, labels), 1)
            how = "measured"
        else:
            sub = load(30_000)
            sub_seg = fit_kmeans(sub, VARIABLES, k=4, random_state=0)
            Xs = apply_state(sub_seg.state["design"], sub)
            t30, _ = best_of(lambda: silhouette_score(Xs, pd.factorize(sub_seg.labels.to_numpy())[0]), 1)
            naive, full = t30 * (n / 30_000) ** 2, float("nan")
            how = f"extrapolated (n^2) from {t30:.1f}s at 30k"
        print(f"  naive full silhouette {naive:.1f}s ({how})", flush=True)
        rows.append((n, warm, cold, naive, how, sampled, full))

        sweep_s, sweep = best_of(lambda: sweep_k(frame, VARIABLES, random_state=0), args.repeats)
        if n <= 10_000 or args.full:
            naive_s, _ = best_of(lambda: naive_sweep(X), 1)
            sweep_how = "measured"
        else:
            naive_s, sweep_how = float("nan"), "not run (use --full; minutes)"
        print(f"  sweep_k {sweep_s:.2f}s (suggests k={sweep.suggested_k}); naive sweep {naive_s:.1f}s", flush=True)
        sweep_rows.append((n, sweep_s, sweep.suggested_k, naive_s, sweep_how))

    lines = [
        "# Validation benchmark",
        "",
        f"`python bench/bench_validation.py{' --full' if args.full else ''}`: synthetic customers with 4 planted "
        "personas (skewed mrr, logins_30d, features_adopted; a churn flag), K-means k = 4 on the three; "
        f"best of {args.repeats} runs for ours; {platform.machine()}, Python {platform.python_version()}, "
        f"scikit-learn {sklearn.__version__}, pandas {pd.__version__}.",
        "",
        "Ours computes the whole scorecard (five criteria, 5 stability refits, tree rules, chi-square); the "
        "naive column is only the full `silhouette_score` a tutorial would call, so the ratio flatters the "
        "naive way. 'First call' includes building the no-structure reference, which is cached afterwards. "
        "Ours runs scikit-learn single-threaded on purpose (OpenMP's waiting threads slow k-means down badly "
        "when another process holds one of the 2 cores); the naive calls use scikit-learn's defaults, as a "
        "user would, on the same shared 2-core machine.",
        "",
        "| customers | ours: evaluate (s) | first call (s) | naive: full silhouette alone (s) | ours vs naive "
        "| sampled silhouette | full silhouette |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, warm, cold, naive, how, sampled, full in rows:
        full_text = f"{full:.3f}" if np.isfinite(full) else "—"
        note = "" if how == "measured" else f" ({how})"
        lines.append(f"| {n:,} | {warm:.2f} | {cold:.2f} | {naive:.1f}{note} | {warm / naive:.3f}x the time "
                     f"| {sampled:.3f} | {full_text} |")
    lines += [
        "",
        "K sweep (k = 2..8, silhouette, Calinski-Harabasz, Davies-Bouldin, inertia), ours `sweep_k` vs "
        "`KMeans(n_init=10)` on all rows with full metrics for each k:",
        "",
        "| customers | ours: sweep_k (s) | suggested k | naive sweep (s) | ours vs naive |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n, sweep_s, k, naive_s, how in sweep_rows:
        if np.isfinite(naive_s):
            lines.append(f"| {n:,} | {sweep_s:.2f} | {k} | {naive_s:.1f} | {sweep_s / naive_s:.3f}x the time |")
        else:
            lines.append(f"| {n:,} | {sweep_s:.2f} | {k} | {how} | — |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
