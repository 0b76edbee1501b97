"""The customer map: every customer as a point in 2-D, coloured by segment.

`pca_map` is the instant first picture (a linear projection; 1M rows in well under a
second). `umap_map` is the refined one: UMAP keeps neighbourhoods, so segments that are
really separate show as separate islands, but it costs seconds on a 10k sample and its
first fit in a fresh process compiles numba code for 30-50 s. `umap_map` runs in the
caller's process and blocks until the map is done; the app runs it in a background worker
instead (`ui.umap_worker`). umap is imported lazily, inside the fit.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = [
    "Projection",
    "pca_map",
    "umap_map",
    "design_matrix",
    "stratified_sample",
    "umap_key",
]


@dataclass(frozen=True)
class Projection:
    """Map coordinates per customer.

    coords              DataFrame indexed by customer id (text): x, y, segment.
    method              "pca" or "umap".
    explained_variance  PCA: share of the variance each axis keeps; UMAP: empty.
    n_customers         customers before sampling (coords may hold fewer).
    variables           the variables (or design columns) the map was computed from.
    notes               plain sentences for the user.
    """

    coords: pd.DataFrame
    method: str
    explained_variance: tuple[float, ...] = ()
    n_customers: int = 0
    variables: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def sampled(self) -> bool:
        return len(self.coords) < self.n_customers

    @property
    def axis_titles(self) -> tuple[str, str]:
        if self.method == "pca" and len(self.explained_variance) == 2:
            return tuple(f"PC{i + 1} ({share:.0%} of variance)" for i, share in enumerate(self.explained_variance))
        name = self.method.upper()
        return f"{name} 1", f"{name} 2"


def design_matrix(frame: pd.DataFrame, variables: Sequence[str] | None = None) -> pd.DataFrame:
    """Numbers to project: `frame[variables]` transformed as K-means would (log1p for skewed
    money/counts, scaled, one-hot categories, median for missing), or `frame` itself when it is
    already all numeric and no variables are named."""
    if variables is None:
        numeric = frame.select_dtypes(include="number")
        if numeric.shape[1] != frame.shape[1] or frame.shape[1] == 0:
            raise DataError("Name the variables to map; the table holds non-numeric columns.")
        values = numeric.to_numpy(dtype=float)
        if np.isnan(values).any():
            raise DataError("The design matrix has missing values; fill them or name the variables to map.")
        return numeric.astype(float)
    from .variables import prepare

    design = prepare(frame, list(variables), strict=False)
    return pd.DataFrame(design.matrix, index=frame.index, columns=list(design.columns))


def stratified_sample(labels: pd.Series, size: int, *, random_state: int = 0, min_per_segment: int = 20) -> pd.Index:
    """At most `size` ids, each segment in proportion to its size but with at least
    `min_per_segment` (or all it has) so small segments stay visible; ids keep their order."""
    if size < 1:
        raise DataError(f"sample size={size} should be at least 1.")
    if len(labels) <= size:
        return labels.index
    sizes = labels.value_counts(sort=False)
    quota = np.maximum(np.floor(sizes * size / len(labels)), np.minimum(sizes, min_per_segment)).astype(int)
    excess = int(quota.sum()) - size
    while excess > 0:  # the floor for small segments can overshoot; take it from the largest quotas
        largest = quota.idxmax()
        cut = min(excess, int(quota[largest]) - 1)
        if cut <= 0:
            break
        quota[largest] -= cut
        excess -= cut
    rng = np.random.default_rng(random_state)
    codes = labels.to_numpy()
    chosen: list[np.ndarray] = []
    for segment, take in quota.items():
        where = np.flatnonzero(codes == segment)
        chosen.append(rng.choice(where, size=min(int(take), len(where)), replace=False))
    picked = np.sort(np.concatenate(chosen))[:size]
    return labels.index[picked]


def pca_map(
    data: pd.DataFrame,
    labels: pd.Series,
    *,
    variables: Sequence[str] | None = None,
    random_state: int = 0,
) -> Projection:
    """Principal components 1 and 2 of the customers' variables (or of a design matrix)."""
    from sklearn.decomposition import PCA

    matrix, labels, columns = _inputs(data, labels, variables)
    n_components = min(2, matrix.shape[1])
    pca = PCA(n_components=n_components, random_state=random_state)
    xy = pca.fit_transform(matrix.to_numpy())
    if n_components == 1:
        xy = np.column_stack([xy[:, 0], np.zeros(len(xy))])
    explained = tuple(float(v) for v in pca.explained_variance_ratio_) + (0.0,) * (2 - n_components)
    notes = [f"The map keeps {sum(explained):.0%} of the variation in the variables."]
    return Projection(_coords(xy, labels), "pca", explained, len(labels), columns, tuple(notes))


def umap_map(
    data: pd.DataFrame,
    labels: pd.Series,
    *,
    variables: Sequence[str] | None = None,
    sample_size: int = 10_000,
    random_state: int = 0,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
) -> Projection:
    """UMAP of a stratified sample of at most `sample_size` customers (blocks while it runs)."""
    matrix, labels, columns = _inputs(data, labels, variables)
    keep = stratified_sample(labels, sample_size, random_state=random_state)
    return _fit_umap(matrix.loc[keep], labels.loc[keep], columns, len(labels), random_state,
                     n_neighbors=n_neighbors, min_dist=min_dist)


def _fit_umap(matrix: pd.DataFrame, labels: pd.Series, columns: Sequence[str], n_customers: int,
              random_state: int, *, n_neighbors: int = 15, min_dist: float = 0.1) -> Projection:
    """The UMAP fit of an already sampled matrix (what the app's background worker runs)."""
    if len(matrix) < 4:
        raise DataError(f"UMAP needs at least 4 customers; the map has {len(matrix)}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # umap warns that a seed disables parallelism: intended
        import umap

        reducer = umap.UMAP(n_neighbors=max(2, min(n_neighbors, len(matrix) - 1)), min_dist=min_dist,
                            random_state=random_state, n_components=2)
        xy = reducer.fit_transform(matrix.to_numpy(dtype=np.float32))
    notes = []
    if len(labels) < n_customers:
        notes.append(f"UMAP map of a sample of {len(labels):,} of {n_customers:,} customers, "
                     "every segment in proportion.")
    return Projection(_coords(np.asarray(xy, dtype=float), labels), "umap", (), n_customers, tuple(columns),
                      tuple(notes))


def umap_key(matrix: pd.DataFrame, labels: pd.Series, *, sample_size: int, random_state: int) -> str:
    """A hash of the design matrix, the ids, the labels and the options."""
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(matrix, index=True).to_numpy().tobytes())
    digest.update(pd.util.hash_pandas_object(labels, index=True).to_numpy().tobytes())
    digest.update(repr((tuple(map(str, matrix.columns)), sample_size, random_state)).encode())
    return digest.hexdigest()


# -- internals ---------------------------------------------------------------------------------------
def _inputs(data: pd.DataFrame, labels: pd.Series,
            variables: Sequence[str] | None) -> tuple[pd.DataFrame, pd.Series, tuple[str, ...]]:
    from .profiles import align

    rows, labels = align(data, labels)
    if len(labels) < 2:
        raise DataError("The map needs at least 2 customers.")
    matrix = design_matrix(rows, variables)
    if matrix.shape[1] == 0:
        raise DataError("The map needs at least one usable variable.")
    return matrix, labels, tuple(variables) if variables is not None else tuple(map(str, matrix.columns))


def _coords(xy: np.ndarray, labels: pd.Series) -> pd.DataFrame:
    coords = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "segment": labels.to_numpy()},
                          index=pd.Index(labels.index, name="customer_id"))
    return coords
