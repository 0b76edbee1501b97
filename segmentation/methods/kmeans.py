"""K-means segments on 2-4 transformed variables, with a sweep that suggests k.

`sweep_k` fits k = 2..8 and reports silhouette (sampled), Calinski-Harabasz,
Davies-Bouldin and inertia with a suggested k and the reason in words. `fit_kmeans`
returns a `Segmentation` whose names never depend on scikit-learn's arbitrary cluster
numbers: rows are put in a canonical order before fitting (so the result does not depend
on the file's row order) and clusters are ordered by their centre on the first variable,
then named from their centres ("High mrr, low logins_30d"). A name only claims what the
segment's data supports: a "mid" number is left out unless nothing else describes the segment,
"low" (or "high") only when no member of the segment is high (or low) on it, so no rule for the
segment can say otherwise, and a category level only appears when most of the segment has it,
well above its usual share.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, pairwise_distances
from threadpoolctl import threadpool_limits

from ..errors import DataError
from ..result import Segmentation
from .registry import Method, register_method
from ..variables import Design, apply_state, centroid_state, customer_ids, prepare

__all__ = ["KSweep", "sweep_k", "fit_kmeans", "short_names", "silhouette_on_distances", "DEFAULT_KS", "N_INIT",
           "MIN_SHARE", "MIN_SEGMENT_CUSTOMERS"]

DEFAULT_KS = range(2, 9)
# A few k-means++ starts: enough to avoid a poor local optimum, cheap at 100k customers.
N_INIT = 3
MAX_K = 20
# Fewer customers than this cannot show segments apart from noise.
MIN_CUSTOMERS = 10
# The sweep fits on at most this many customers; scores still use everyone.
FIT_SAMPLE = 20_000
# The suggested k prefers segments of at least this share of customers (the "substantial" criterion).
MIN_SHARE = 0.05
# ... and never suggests segments of fewer customers than this, whatever their share: two accounts
# out of twelve are 17% of the customers but no segment to plan for (validation's `min_customers`).
MIN_SEGMENT_CUSTOMERS = 10
# A category level names a segment only when more than half of the segment has it and its share
# there is at least this much above its share among all customers.
MIN_LIFT = 0.1


@dataclass(frozen=True)
class KSweep:
    """Quality of k-means for each k.

    table        one row per k: k, silhouette (on a sample), calinski_harabasz, davies_bouldin, inertia,
                 smallest_share (the smallest segment's share of customers), smallest_size (its
                 customers), mean_rank.
    suggested_k  the k with the best average rank over silhouette (higher is better),
                 Calinski-Harabasz (higher) and Davies-Bouldin (lower), among the k whose smallest
                 segment holds at least `min_customers` customers and `min_share` of customers; when
                 none does, among those that meet `min_customers`; when none meets that either, the
                 k whose smallest segment is biggest; with fewer than 2 x `min_customers` customers,
                 the fewest segments tried. Rank ties go to the higher silhouette, then the smaller k.
    reason       plain sentences explaining the suggestion, naming better-ranked k that were
                 passed over for a small segment, or saying the customers are too few.
    """

    table: pd.DataFrame = field(repr=False)
    suggested_k: int
    reason: str


def sweep_k(
    frame: pd.DataFrame,
    variables: Sequence[str],
    *,
    ks: Sequence[int] = DEFAULT_KS,
    random_state: int = 0,
    sample_size: int = 3000,
    transforms: str | Mapping[str, str] = "auto",
    id_column: str | None = None,
    min_share: float = MIN_SHARE,
    min_customers: int = MIN_SEGMENT_CUSTOMERS,
) -> KSweep:
    """Fit k-means for each k in `ks` and suggest one.

    min_share      the smallest segment share (0-1) a suggested k should give; 0 ranks every k alike.
    min_customers  the fewest customers a suggested k should leave in any segment; 0 ignores it.
    """
    if not 0 <= min_share < 1:
        raise DataError(
            f"min_share={min_share} should be a share of customers from 0 up to 1 (not included), e.g. 0.05."
        )
    if isinstance(min_customers, bool) or not isinstance(min_customers, (int, np.integer)) or min_customers < 0:
        raise DataError(f"min_customers={min_customers!r} should be a whole number of customers, 0 or more, e.g. 10.")
    design = prepare(frame, variables, transforms=transforms, id_column=id_column)
    return _sweep(design.matrix, ks, random_state=random_state, sample_size=sample_size, min_share=min_share,
                  min_customers=int(min_customers))


def fit_kmeans(
    frame: pd.DataFrame,
    variables: Sequence[str],
    *,
    k: int | None = None,
    random_state: int = 0,
    transforms: str | Mapping[str, str] = "auto",
    categories: Mapping[str, str] | None = None,
    id_column: str | None = None,
    n_init: int = N_INIT,
) -> Segmentation:
    """K-means segments of `frame` (one row per customer) on 2-4 `variables`.

    k=None uses the sweep's suggestion (2-8). Labels are indexed by customer id (the
    `id_column`, else an id-like column or the index; see `variables.customer_ids`).
    """
    ids = customer_ids(frame, id_column)
    design = prepare(frame, variables, transforms=transforms, categories=categories, id_column=id_column)
    X = design.matrix
    notes = list(design.notes)
    sweep = None
    if k is None:
        sweep = _sweep(X, DEFAULT_KS, random_state=random_state, sample_size=3000)
        k = sweep.suggested_k
        notes.append(f"Suggested k: {sweep.reason}")
    _check_enough_customers(X)
    k = _checked_k(k, X)

    order = _canonical_order(X)
    # One thread: OpenMP's waiting threads make k-means 10x slower when another process holds a core.
    with threadpool_limits(limits=1):
        model = KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(X[order])
    # Rounded as saved in the recipe, so a recipe assigns exactly these labels.
    centres = _ordered_centres(model.cluster_centers_).round(12)
    names = _names(centres, design)
    cluster, distance = _nearest(X, centres)
    labels = pd.Series(np.asarray(names, dtype=object)[cluster], index=ids, name="segment")

    params = {
        "variables": list(design.variables),
        "k": int(k),
        "random_state": int(random_state),
        "transforms": {v: ("log1p" if s.get("log1p") else "none") for v, s in _numeric_specs(design).items()},
        "categories": dict(design.categories),
        "id_column": id_column,
        "n_init": int(n_init),
    }
    state = centroid_state(design, centres, names)
    if sweep is not None:
        state["sweep"] = sweep.table.to_dict(orient="list")
    scores = pd.DataFrame({"distance": distance}, index=ids)
    return Segmentation(
        method="kmeans",
        labels=labels,
        segments=tuple(names),
        variables=design.variables,
        params=params,
        state=state,
        scores=scores,
        notes=tuple(notes),
    )


# -- registration ------------------------------------------------------------------------------
def _assign(segmentation: Segmentation, frame: pd.DataFrame) -> pd.Series:
    state = segmentation.state
    X = apply_state(state["design"], frame)
    cluster, _ = _nearest(X, np.asarray(state["centroids"], dtype=float))
    return pd.Series(np.asarray(state["names"], dtype=object)[cluster], index=frame.index, name="segment")


def _refit(frame: pd.DataFrame, params: Mapping[str, Any]) -> Segmentation:
    return fit_kmeans(
        frame,
        params["variables"],
        k=params.get("k"),
        random_state=int(params.get("random_state", 0)),
        transforms=params.get("transforms", "auto"),
        categories=params.get("categories"),
        id_column=params.get("id_column"),
        n_init=int(params.get("n_init", N_INIT)),
    )


def short_names(segmentation: Segmentation) -> dict[str, str]:
    """Each segment (as shown) and the name its centre gave it ("Low MRR, high logins 30d").

    The name already is the short description, in the order the variables were chosen; a renamed
    segment keeps its centre's words here, so the Profiles' short name and the command line agree."""
    names = list(segmentation.state.get("names", ()))
    if len(names) == len(segmentation.segments):  # segments stay in centre order through renames
        return dict(zip(segmentation.segments, map(str, names)))
    own = {shown: name for name, shown in segmentation.state.get("display_names", {}).items()}
    return {segment: own.get(segment, segment) for segment in segmentation.segments}


# Clusters have no rule of their own: validation's decision tree writes one per segment.
register_method(Method("kmeans", label="K-means", assign=_assign, refit=_refit, short_names=short_names))


# -- private helpers (they assume checked input) -----------------------------------------------
def _sweep(
    X: np.ndarray,
    ks: Sequence[int],
    *,
    random_state: int,
    sample_size: int,
    fit_size: int = FIT_SAMPLE,
    min_share: float = MIN_SHARE,
    min_customers: int = MIN_SEGMENT_CUSTOMERS,
    fit_centres: Callable[[np.ndarray, int, int], np.ndarray] | None = None,
) -> KSweep:
    """The sweep over `ks` on the design matrix `X`; `fit_centres(rows, k, random_state)` gives the centres
    of another centroid method (k-prototypes) in the same space, so every method is swept and scored alike."""
    ks = sorted({int(k) for k in ks})
    if not ks:
        raise DataError("Give at least one k to try, e.g. 2 to 8.")
    _check_enough_customers(X)
    distinct = _distinct_rows(X)
    # The scores need fewer segments than customers (Calinski-Harabasz: k <= n - 1).
    usable = [k for k in ks if 2 <= k <= min(MAX_K, distinct, len(X) - 1)]
    if not usable:
        raise DataError(
            f"k must be between 2 and the number of different customers ({distinct}); got {ks[0]}..{ks[-1]}."
        )
    Xs = X[_canonical_order(X)]
    rng = np.random.RandomState(random_state)
    # Choosing k needs the shape of the data, not every row: fit on a sample, score on all.
    fit_rows = Xs if len(Xs) <= fit_size else Xs[np.sort(rng.choice(len(Xs), fit_size, replace=False))]
    sample = np.sort(rng.choice(len(Xs), size=min(sample_size, len(Xs)), replace=False))
    distances = pairwise_distances(Xs[sample].astype(np.float32))
    rows = []
    with threadpool_limits(limits=1):
        for k in usable:
            if fit_centres is None:
                centres = KMeans(n_clusters=k, n_init=N_INIT, random_state=random_state).fit(fit_rows).cluster_centers_
            else:
                centres = fit_centres(fit_rows, k, random_state)
            labels, distance = _nearest(Xs, centres)
            several = len(np.unique(labels)) > 1
            rows.append(
                {
                    "k": k,
                    "silhouette": silhouette_on_distances(distances, labels[sample]),
                    "calinski_harabasz": float(calinski_harabasz_score(Xs, labels)) if several else float("nan"),
                    "davies_bouldin": float(davies_bouldin_score(Xs, labels)) if several else float("nan"),
                    "inertia": float((distance**2).sum()),
                    "smallest_share": float(np.bincount(labels, minlength=k).min() / len(Xs)),
                    "smallest_size": int(np.bincount(labels, minlength=k).min()),
                }
            )
    table = pd.DataFrame(rows)
    ranks = pd.DataFrame(
        {
            "silhouette": table["silhouette"].rank(ascending=False, method="min", na_option="bottom"),
            "calinski_harabasz": table["calinski_harabasz"].rank(ascending=False, method="min", na_option="bottom"),
            "davies_bouldin": table["davies_bouldin"].rank(ascending=True, method="min", na_option="bottom"),
        }
    ).astype(int)
    table["mean_rank"] = ranks.mean(axis=1)
    by_rank = table.assign(neg_sil=-table["silhouette"].fillna(-1)).sort_values(["mean_rank", "neg_sil", "k"])
    ranked = list(by_rank.index)
    too_few = len(Xs) < 2 * min_customers
    # A k whose smallest segment is too small to act on would fail the "substantial" criterion.
    sized = [i for i in ranked if table.loc[i, "smallest_size"] >= min_customers]
    substantial = [i for i in sized if table.loc[i, "smallest_share"] >= min_share - 1e-12]
    if too_few:
        best = int(table["k"].idxmin())
    elif sized:
        best = (substantial or sized)[0]
    else:  # the biggest smallest segment: the k nearest to a plan for every segment
        best = max(ranked, key=lambda i: (table.loc[i, "smallest_size"], -ranked.index(i)))
    k = int(table.loc[best, "k"])
    if too_few:
        reason = (
            f"{len(Xs):,} customers are too few to split into segments of at least {min_customers:,}, so k={k}, the "
            f"fewest segments tried, is suggested (its smallest segment holds {_size(table.loc[best])}); load the "
            "full export, or write rules for a handful of accounts."
        )
    else:
        reason = _reason(table, ranks, ranked, best, sized, substantial, min_share, min_customers)
    if table["silhouette"].max() < 0.25:
        reason += (
            f" No k separates the customers clearly (best silhouette {table['silhouette'].max():.2f}); "
            "the segments may be cuts of a continuum, so check them on the validation scorecard."
        )
    return KSweep(table=table, suggested_k=k, reason=reason)


def _reason(table, ranks, ranked, best, sized, substantial, min_share, min_customers) -> str:
    """Why `best` was suggested, and which better-ranked k were passed over for a small segment."""
    passed_over = ranked[: ranked.index(best)]
    k, r = int(table.loc[best, "k"]), ranks.loc[best]
    among = ""
    if passed_over and substantial:
        among = f" of the k that leave no segment under {_percent(min_share)} of customers"
        among += f" or under {_customers(min_customers)}" if min_customers > 1 else ""
    elif passed_over and sized:
        among = f" of the k that leave no segment under {_customers(min_customers)}"
    reason = (
        f"k={k} ranks best on average across silhouette ({table.loc[best, 'silhouette']:.2f}, rank "
        f"{r['silhouette']} of {len(table)}), Calinski-Harabasz (rank {r['calinski_harabasz']}) and "
        f"Davies-Bouldin (rank {r['davies_bouldin']}){among}."
    )
    if passed_over:
        skipped = [f"k={int(table.loc[i, 'k'])}" for i in passed_over]
        sizes = [_size(table.loc[i]) for i in passed_over]
        if len(passed_over) == 1:
            reason += f" {skipped[0]} ranked higher but its smallest segment holds {sizes[0]}."
        else:
            reason += f" {_and(skipped)} ranked higher but their smallest segments hold {_and(sizes)}."
    if not sized:
        reason += (
            f" Every k leaves a segment under {_customers(min_customers)} (k={k}: {_size(table.loc[best])}), so "
            "check the substantial criterion and merge or drop a segment too small to act on."
        )
    elif not substantial:
        reason += (
            f" Every k leaves a segment under {_percent(min_share)} of customers (k={k}: "
            f"{_percent(table.loc[best, 'smallest_share'])}), so check the substantial criterion and merge or "
            "drop a segment too small to act on."
        )
    return reason


def _customers(count: int) -> str:
    return f"{int(count):,} customer{'' if int(count) == 1 else 's'}"


def _size(row: pd.Series) -> str:
    """The smallest segment of a sweep row in words: "1 customer (8.3%)"."""
    return f"{_customers(row['smallest_size'])} ({_percent(row['smallest_share'])})"


def _percent(share: float) -> str:
    """A share as a percentage rounded down, so a share just under a limit never reads as the limit."""
    return f"{math.floor(share * 1000 + 1e-9) / 10:g}%"


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def silhouette_on_distances(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette from a precomputed distance matrix (as scikit-learn defines it).

    One distance matrix of a sample serves every k in a sweep and every refit, which is what
    makes a sampled silhouette cheap: each k costs one matrix product.
    """
    codes, labels = np.unique(labels, return_inverse=True)
    if len(codes) < 2:
        return float("nan")
    m = len(labels)
    onehot = np.zeros((m, len(codes)), dtype=distances.dtype)
    onehot[np.arange(m), labels] = 1
    sums = (distances @ onehot).astype(float)
    counts = onehot.sum(axis=0).astype(float)
    own = counts[labels]
    a = sums[np.arange(m), labels] / np.maximum(own - 1, 1)
    means = sums / counts[None, :]
    means[np.arange(m), labels] = np.inf
    b = means.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
    # scikit-learn gives 0 to customers alone in their cluster (and to exact duplicates' 0/0).
    s = np.where((own > 1) & np.isfinite(s), s, 0.0)
    return float(s.mean())


def _check_enough_customers(X: np.ndarray) -> None:
    if len(X) < MIN_CUSTOMERS:
        raise DataError(
            f"Only {len(X)} customers: K-means needs at least {MIN_CUSTOMERS} to find segments worth acting on; "
            "load the full export (or write rules for a handful of accounts)."
        )


def _checked_k(k: object, X: np.ndarray) -> int:
    try:
        k_int = int(k)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"k={k!r} should be a whole number of segments, e.g. 4.") from None
    if k_int != k:
        raise DataError(f"k={k!r} should be a whole number of segments, e.g. 4.")
    distinct = _distinct_rows(X)
    if k_int < 2 or k_int > MAX_K:
        raise DataError(f"k={k_int} should be between 2 and {MAX_K}.")
    if k_int > distinct:
        raise DataError(
            f"k={k_int} is more than the {distinct} different customers in the data; choose k <= {distinct}."
        )
    return k_int


def _distinct_rows(X: np.ndarray, enough: int = MAX_K) -> int:
    """Distinct customers (rows), counted exactly only when there are few of them."""
    head = len(np.unique(X[:5000].round(9), axis=0))
    if head >= enough or len(X) <= 5000:
        return head
    return len(np.unique(X.round(9), axis=0))


def _canonical_order(X: np.ndarray) -> np.ndarray:
    """Rows sorted by value so k-means++ seeding never depends on the file's row order."""
    return np.lexsort(X.round(9).T[::-1]) if X.shape[1] else np.arange(len(X))


def _ordered_centres(centres: np.ndarray) -> np.ndarray:
    """Centres sorted by the first design column, then the next ones, so names are deterministic."""
    order = np.lexsort(centres.round(6).T[::-1])
    return centres[order]


def _nearest(X: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    squared = (X**2).sum(1)[:, None] - 2 * X @ centres.T + (centres**2).sum(1)[None, :]
    cluster = squared.argmin(axis=1)
    distance = np.sqrt(np.clip(squared[np.arange(len(X)), cluster], 0, None))
    return cluster, distance


def _numeric_specs(design: Design) -> dict[str, Mapping[str, Any]]:
    return {s["name"]: s for s in design.state["variables"] if s["kind"] == "numeric"}


class _Term(NamedTuple):
    strength: float
    position: int
    words: str
    real: bool  # a claim the segment's data supports: not "mid", not a level held by a minority
    numeric: bool
    variable: str


def _names(centres: np.ndarray, design: Design) -> list[str]:
    """Descriptive, unique names from centres: "High mrr, low logins_30d"."""
    terms = _terms(centres, design)
    real = [[t for t in own if t.real] for own in terms]
    # Start with the two strongest real terms; add more until names are unique.
    names: list[str] = []
    deepest = max(len(r) for r in real)
    for depth in range(2, max(2, deepest) + 1):
        names = [_join(r, depth) if r else _fallback(own) for r, own in zip(real, terms)]
        if len(set(names)) == len(names):
            return names
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    if len(set(unique)) != len(unique):  # pragma: no cover - "(2)" suffixes cannot collide with distinct names
        unique = [f"Segment {i + 1}" for i in range(len(unique))]
    return unique


def _terms(centres: np.ndarray, design: Design) -> list[list[_Term]]:
    """Per centre: one term (strength, variable position, words, ...) for every variable."""
    from ..profiles import label_of  # names read like the rest of the app: "MRR", "features adopted"

    out: list[list[_Term]] = [[] for _ in centres]
    overall = design.matrix.mean(axis=0)
    cluster = _nearest(design.matrix, centres)[0]
    column = 0
    for position, spec in enumerate(design.state["variables"]):
        name = spec["name"]
        if spec["kind"] == "numeric":
            for i, centre in enumerate(centres):
                z = float(centre[column])
                level = _level(z)
                words = f"{level} {label_of(name)}"
                # "low X" is a claim about every member, not the centre: one member at a high X (and a
                # decision-tree rule "X above 0" for the segment) would contradict it. Such a segment is
                # "mostly low X", which names it only when nothing else does.
                members = design.matrix[cluster == i, column]
                mixed = bool(np.any(members >= 0.5) if z <= -0.5 else np.any(members <= -0.5) if z >= 0.5 else False)
                real = level != "mid" and not mixed
                out[i].append(_Term(abs(z), position, f"mostly {words}" if mixed else words, real, True, name))
            column += 1
        else:
            width = len(spec["levels"])
            for i, centre in enumerate(centres):
                shares = centre[column : column + width]
                best = int(np.argmax(shares))
                lift = float(shares[best] - overall[column + best])
                # Only a level that most of the segment has, well above its usual share, names the segment.
                strong = shares[best] > 0.5 and lift >= MIN_LIFT
                strength = 2 * lift if strong else 0.0
                out[i].append(_Term(strength, position, f"{label_of(name)} {spec['levels'][best]}", strong, False,
                                    name))
            column += width
    return out


def _join(terms: list[_Term], depth: int) -> str:
    chosen = sorted(terms, key=lambda t: (-t.strength, t.position))[:depth]
    text = ", ".join(t.words for t in sorted(chosen, key=lambda t: t.position))
    return text[:1].upper() + text[1:]


def _fallback(terms: list[_Term]) -> str:
    """A name for a segment no term describes well: its strongest (mid) number, else "Mixed <variable>"."""
    numeric = [t for t in terms if t.numeric]
    if numeric:
        return _join(numeric, 1)
    from ..profiles import label_of

    return f"Mixed {label_of(terms[0].variable)}"


def _level(z: float) -> str:
    if z <= -1.5:
        return "very low"
    if z <= -0.5:
        return "low"
    if z < 0.5:
        return "mid"
    if z < 1.5:
        return "high"
    return "very high"
