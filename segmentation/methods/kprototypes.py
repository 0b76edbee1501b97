"""K-prototypes: K-means for customers described by numbers and categories together (Huang, 1998).

One-hot encoding eleven industries gives K-means eleven extra dimensions, and the industry then
outweighs the money and usage columns in every distance. K-prototypes measures numbers as K-means
does (squared distance on the scaled values) and categories by matching: a customer whose level
differs from the prototype's pays `gamma` once per variable, whatever the number of levels, and a
prototype's category is the most common level of its customers (a mode, not a blend).

In the one-hot design matrix that is K-means with two changes: the one-hot columns are weighted by
sqrt(gamma / 2) (two different levels are then `gamma` apart), and each prototype's categorical
part snaps to its mode after every update. So the sweep, the scores, the names and `assign` are
the K-means ones, run in that weighted space. gamma = 0.5: numbers are scaled to unit spread, and
Huang suggests a gamma between a third and two thirds of it.

`fit_clusters` and `sweep_clusters` pick the method for the chosen variables, the same for the
Segment page and the `kmeans` command: K-means on numbers alone, k-prototypes with a category.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import kmeans_plusplus
from threadpoolctl import threadpool_limits

from ..result import Segmentation
from ..variables import Design, apply_state, centroid_state, customer_ids, prepare
from . import kmeans
from .registry import Method, register_method

__all__ = ["fit_kprototypes", "sweep_kprototypes", "fit_clusters", "sweep_clusters", "GAMMA"]

# The price of a category mismatch, in units of a scaled number's squared distance.
GAMMA = 0.5
_MAX_ITER = 100


def fit_kprototypes(
    frame: pd.DataFrame,
    variables: Sequence[str],
    *,
    k: int | None = None,
    random_state: int = 0,
    transforms: str | Mapping[str, str] = "auto",
    categories: Mapping[str, str] | None = None,
    id_column: str | None = None,
    n_init: int = kmeans.N_INIT,
    gamma: float = GAMMA,
) -> Segmentation:
    """K-prototypes segments of `frame` (one row per customer) on 2-4 `variables`, some categorical.

    k=None uses the sweep's suggestion (2-8). Labels are indexed by customer id, as K-means's are.
    """
    ids = customer_ids(frame, id_column)
    design = prepare(frame, variables, transforms=transforms, categories=categories, id_column=id_column)
    weights = _weights(design, gamma)
    X = design.matrix
    Xw = X * weights
    notes = list(design.notes) + [_why(design)]
    sweep = None
    if k is None:
        sweep = _sweep(design, Xw, kmeans.DEFAULT_KS, random_state=random_state, sample_size=3000, gamma=gamma)
        k = sweep.suggested_k
        notes.append(f"Suggested k: {sweep.reason}")
    kmeans._check_enough_customers(X)
    k = kmeans._checked_k(k, X)

    order = kmeans._canonical_order(X)
    prototypes = _fit(Xw[order], k, _blocks(design), weights, random_state, n_init)
    cluster, distance = kmeans._nearest(Xw, prototypes)
    # Names come from what each segment holds (mean scaled numbers, each level's share), as K-means's do.
    means = np.vstack([X[cluster == j].mean(axis=0) if (cluster == j).any() else prototypes[j] / weights
                       for j in range(k)])
    ranked = np.lexsort(means.round(6).T[::-1])
    means, prototypes = means[ranked].round(12), prototypes[ranked].round(12)
    cluster, distance = kmeans._nearest(Xw, prototypes)
    names = kmeans._names(means, design)
    labels = pd.Series(np.asarray(names, dtype=object)[cluster], index=ids, name="segment")

    params = {
        "variables": list(design.variables),
        "k": int(k),
        "random_state": int(random_state),
        "transforms": {s["name"]: ("log1p" if s.get("log1p") else "none")
                       for s in design.state["variables"] if s["kind"] == "numeric"},
        "categories": dict(design.categories),
        "id_column": id_column,
        "n_init": int(n_init),
        "gamma": float(gamma),
    }
    state = centroid_state(design, means, names)
    state["prototypes"] = prototypes.tolist()
    state["weights"] = weights.tolist()
    if sweep is not None:
        state["sweep"] = sweep.table.to_dict(orient="list")
    return Segmentation(method="kprototypes", labels=labels, segments=tuple(names), variables=design.variables,
                        params=params, state=state, scores=pd.DataFrame({"distance": distance}, index=ids),
                        notes=tuple(notes))


def sweep_kprototypes(
    frame: pd.DataFrame,
    variables: Sequence[str],
    *,
    ks: Sequence[int] = kmeans.DEFAULT_KS,
    random_state: int = 0,
    sample_size: int = 3000,
    transforms: str | Mapping[str, str] = "auto",
    id_column: str | None = None,
    gamma: float = GAMMA,
) -> kmeans.KSweep:
    """`kmeans.sweep_k` for k-prototypes: the same scores, in the weighted space where they measure its cost."""
    design = prepare(frame, variables, transforms=transforms, id_column=id_column)
    return _sweep(design, design.matrix * _weights(design, gamma), ks, random_state=random_state,
                  sample_size=sample_size, gamma=gamma)


def fit_clusters(frame: pd.DataFrame, variables: Sequence[str], **options: Any) -> Segmentation:
    """K-means when every chosen variable is a number, k-prototypes when one is a category (the result's
    notes say which ran and why). The Segment page and the `kmeans` command both call this."""
    if _has_category(frame, variables, options):
        return fit_kprototypes(frame, variables, **options)
    return kmeans.fit_kmeans(frame, variables, **options)


def sweep_clusters(frame: pd.DataFrame, variables: Sequence[str], **options: Any) -> kmeans.KSweep:
    """The k sweep of the method `fit_clusters` would run."""
    if _has_category(frame, variables, options):
        return sweep_kprototypes(frame, variables, **options)
    return kmeans.sweep_k(frame, variables, **options)


# -- registration ------------------------------------------------------------------------------
def _assign(segmentation: Segmentation, frame: pd.DataFrame) -> pd.Series:
    state = segmentation.state
    Xw = apply_state(state["design"], frame) * np.asarray(state["weights"], dtype=float)
    cluster, _ = kmeans._nearest(Xw, np.asarray(state["prototypes"], dtype=float))
    return pd.Series(np.asarray(state["names"], dtype=object)[cluster], index=frame.index, name="segment")


def _refit(frame: pd.DataFrame, params: Mapping[str, Any]) -> Segmentation:
    return fit_kprototypes(frame, params["variables"], k=params.get("k"),
                           random_state=int(params.get("random_state", 0)),
                           transforms=params.get("transforms", "auto"), categories=params.get("categories"),
                           id_column=params.get("id_column"), n_init=int(params.get("n_init", kmeans.N_INIT)),
                           gamma=float(params.get("gamma", GAMMA)))


# Clusters have no rule of their own: validation's decision tree writes one per segment.
register_method(Method("kprototypes", label="K-prototypes", assign=_assign, refit=_refit))


# -- private helpers ---------------------------------------------------------------------------
def _has_category(frame: pd.DataFrame, variables: Sequence[str], options: Mapping[str, Any]) -> bool:
    design = prepare(frame, variables, transforms=options.get("transforms", "auto"),
                     id_column=options.get("id_column"))
    return bool(design.categorical)


def _why(design: Design) -> str:
    named = ", ".join(repr(v) for v in design.categorical)
    return (f"K-prototypes ran, not K-means, because {named} {'is' if len(design.categorical) == 1 else 'are'} "
            "categorical: numbers are compared by distance and categories by matching levels, so a variable with "
            "many levels does not outweigh the numbers as its one-hot columns would in K-means.")


def _blocks(design: Design) -> list[slice]:
    """The design-matrix columns of each categorical variable (one-hot, one column per level)."""
    blocks, start = [], 0
    for spec in design.state["variables"]:
        width = 1 if spec["kind"] == "numeric" else len(spec["levels"])
        if spec["kind"] == "categorical":
            blocks.append(slice(start, start + width))
        start += width
    return blocks


def _weights(design: Design, gamma: float) -> np.ndarray:
    """1 for number columns, sqrt(gamma / 2) for one-hot columns: two different levels are gamma apart."""
    weights = np.ones(len(design.columns))
    for block in _blocks(design):
        weights[block] = np.sqrt(gamma / 2.0)
    return weights


def _snap(centres: np.ndarray, blocks: list[slice], weights: np.ndarray) -> np.ndarray:
    """Each prototype's categories become its most common level (one-hot, weighted)."""
    out = centres.copy()
    for block in blocks:
        part = out[:, block]
        mode = np.zeros_like(part)
        mode[np.arange(len(part)), part.argmax(axis=1)] = 1.0
        out[:, block] = mode * weights[block]
    return out


def _fit(Xw: np.ndarray, k: int, blocks: list[slice], weights: np.ndarray, random_state: int,
         n_init: int) -> np.ndarray:
    """The prototypes (weighted space) of the best of `n_init` Lloyd runs, each seeded by k-means++."""
    rng = np.random.RandomState(random_state)
    best, best_cost = None, np.inf
    with threadpool_limits(limits=1):
        for _ in range(max(int(n_init), 1)):
            centres, _ = kmeans_plusplus(Xw, k, random_state=rng)
            centres = _snap(centres, blocks, weights)
            for _ in range(_MAX_ITER):
                cluster, distance = kmeans._nearest(Xw, centres)
                counts = np.bincount(cluster, minlength=k)
                sums = np.column_stack([np.bincount(cluster, weights=column, minlength=k) for column in Xw.T])
                updated = sums / np.maximum(counts, 1)[:, None]
                # An empty prototype restarts at the customer worst served.
                updated[counts == 0] = Xw[distance.argmax()]
                updated = _snap(updated, blocks, weights)
                if np.allclose(updated, centres):
                    break
                centres = updated
            cost = float((kmeans._nearest(Xw, centres)[1] ** 2).sum())
            if cost < best_cost:
                best, best_cost = centres, cost
    return best


def _sweep(design: Design, Xw: np.ndarray, ks: Sequence[int], *, random_state: int, sample_size: int,
           gamma: float) -> kmeans.KSweep:
    blocks, weights = _blocks(design), _weights(design, gamma)
    return kmeans._sweep(Xw, ks, random_state=random_state, sample_size=sample_size,
                         fit_centres=lambda rows, k, seed: _fit(rows, k, blocks, weights, seed, kmeans.N_INIT))
