"""Bring your own clusterer: any scikit-learn clustering estimator as a `Segmentation`.

`fit_sklearn(frame, variables, GaussianMixture(n_components=4))` prepares the variables as
K-means does (`variables.prepare`: log1p for skewed money and counts, scaling, one-hot
categories), fits a copy of the estimator, and returns a `Segmentation` with method
"sklearn" that the rest of the library treats like any other: `evaluate` validates it,
`profile` describes it, `to_json` saves it as a recipe and `assign` scores next month's
customers.

A recipe holds plain data, never a pickled estimator. Clusterers that can score new rows
(`predict`: GaussianMixture, KMeans, MeanShift, ...) keep their fitted attributes as plain
numbers, so `assign` gives exactly the labels the estimator would. The others
(AgglomerativeClustering, DBSCAN, HDBSCAN) cannot score anyone new, so new customers go to
the nearest cluster centre in the prepared space; the notes say how often that rule agrees
with the estimator on the customers it was fitted on. Refitting (used by `evaluate` for
stability) rebuilds the estimator from its class name and parameters, so only scikit-learn
estimators with plain-data parameters are accepted. Importing this module registers the method.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..errors import DataError
from ..result import Segmentation
from .registry import Method, register_method
from ..variables import apply_state, centroid_state, customer_ids, prepare

__all__ = ["fit_sklearn", "METHOD", "UNCLUSTERED"]

METHOD = "sklearn"
# The segment of customers a density clusterer (DBSCAN, HDBSCAN) leaves out as noise (label -1).
UNCLUSTERED = "Unclustered"


def fit_sklearn(
    frame: pd.DataFrame,
    variables: Sequence[str],
    estimator: Any,
    *,
    random_state: int | None = None,
    transforms: str | Mapping[str, str] = "auto",
    categories: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> Segmentation:
    """Segments of `frame` (one row per customer) from a scikit-learn clustering `estimator`.

    estimator     an unfitted scikit-learn clusterer, e.g. `GaussianMixture(n_components=4)` or
                  `AgglomerativeClustering(n_clusters=4)`; it is copied, never fitted in place.
    random_state  seed given to estimators that take one (default: the estimator's own seed
                  when it is a whole number, else 0).
    transforms, categories, id_column: as for `kmeans.fit_kmeans`.

    Segments are ordered by their centre on the first variable (then the next ones) and
    named from their profile ("High MRR, low logins 30d"), so names never depend on the
    estimator's arbitrary cluster numbers.
    """
    template = _checked_estimator(estimator)
    own = template.get_params(deep=False)
    if random_state is None:
        seed = own.get("random_state")
        random_state = int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else 0
    elif not isinstance(random_state, (int, np.integer)) or isinstance(random_state, bool):
        raise DataError(f"random_state={random_state!r} should be a whole number, e.g. 0.")
    params_of_estimator = {k: v for k, v in own.items() if k != "random_state"}
    _check_plain(params_of_estimator, type(template).__name__)

    ids = customer_ids(frame, id_column)
    design = prepare(frame, variables, transforms=transforms, categories=categories, id_column=id_column)
    X = design.matrix
    model = _build(_class_path(template), params_of_estimator, int(random_state))
    raw = _fit_labels(model, X)

    clusters = sorted(c for c in np.unique(raw) if c >= 0)
    if len(clusters) < 2:
        raise DataError(
            f"{type(template).__name__} put every customer in one cluster; change its settings "
            "(e.g. more clusters or a smaller distance) or choose other variables."
        )
    centres = np.vstack([X[raw == c].mean(axis=0) for c in clusters])
    order = np.lexsort(centres.round(6).T[::-1])
    centres = centres[order].round(12)
    position = np.full(int(max(clusters)) + 1, -1)
    position[np.asarray(clusters)[order]] = np.arange(len(clusters))
    cluster = np.where(raw >= 0, position[np.clip(raw, 0, None)], -1)

    names = _names(frame, ids, cluster, design.variables, len(clusters))
    segment = np.where(cluster >= 0, np.asarray(names, dtype=object)[np.clip(cluster, 0, None)], UNCLUSTERED)
    labels = pd.Series(segment.astype(object), index=ids, name="segment")
    notes = list(design.notes)
    # Raw cluster number -> segment name, for assigning with the estimator's own predict.
    cluster_names = {str(c): names[int(position[c])] for c in clusters}
    fitted = _fitted_state(model, X, raw)
    if fitted is None:
        agree = float((_nearest(X, centres) == cluster)[cluster >= 0].mean())
        notes.append(
            f"{type(template).__name__} cannot score new customers itself, so assign() puts them in the segment "
            f"with the nearest centre; that rule agrees with its labels for {agree:.0%} of these customers."
        )
    segments = list(names)
    noise = int((cluster < 0).sum())
    if noise:
        segments.append(UNCLUSTERED)
        notes.append(
            f"{noise:,} customer(s) fit no cluster ({type(template).__name__} calls them noise) and form the "
            f"segment {UNCLUSTERED!r}; new customers always go to the nearest cluster."
        )
    distance = np.sqrt(((X - centres[np.clip(cluster, 0, None)]) ** 2).sum(axis=1))
    params = {
        "variables": list(design.variables),
        "estimator": _class_path(template),
        "estimator_params": params_of_estimator,
        "random_state": int(random_state),
        "transforms": {s["name"]: ("log1p" if s["log1p"] else "none")
                       for s in design.state["variables"] if s["kind"] == "numeric"},
        "categories": dict(design.categories),
        "id_column": id_column,
    }
    state = centroid_state(design, centres, names)
    if fitted is not None:
        state["fitted"] = fitted
        state["cluster_names"] = cluster_names
    return Segmentation(
        method=METHOD,
        labels=labels,
        segments=tuple(segments),
        variables=design.variables,
        params=params,
        state=state,
        scores=pd.DataFrame({"distance": np.where(cluster >= 0, distance, np.nan)}, index=ids),
        notes=tuple(notes),
    )


# -- registration ------------------------------------------------------------------------------
def _assign(segmentation: Segmentation, frame: pd.DataFrame) -> pd.Series:
    state = segmentation.state
    X = apply_state(state["design"], frame)
    if state.get("fitted"):
        params = segmentation.params
        model = _restored(str(params["estimator"]), dict(params.get("estimator_params", {})),
                          int(params.get("random_state", 0)), state["fitted"])
        with threadpool_limits(limits=1):
            raw = np.asarray(model.predict(X), dtype=int)
        lookup = dict(state["cluster_names"])
        # A cluster that kept no customer at fit time has no name; its nearest named centre stands in.
        fallback = np.asarray(state["names"], dtype=object)[_nearest(X, np.asarray(state["centroids"], dtype=float))]
        named = [lookup.get(str(r)) for r in raw]
        values = np.asarray([n if n is not None else f for n, f in zip(named, fallback)], dtype=object)
        return pd.Series(values, index=frame.index, name="segment")
    names = np.asarray(state["names"], dtype=object)
    return pd.Series(names[_nearest(X, np.asarray(state["centroids"], dtype=float))], index=frame.index,
                     name="segment")


def _refit(frame: pd.DataFrame, params: Mapping[str, Any]) -> Segmentation:
    estimator = _build(str(params["estimator"]), dict(params.get("estimator_params", {})),
                       int(params.get("random_state", 0)))
    return fit_sklearn(
        frame,
        params["variables"],
        estimator,
        random_state=int(params.get("random_state", 0)),
        transforms=params.get("transforms", "auto"),
        categories=params.get("categories"),
        id_column=params.get("id_column"),
    )


# Clusters have no rule of their own: validation's decision tree writes one per segment.
register_method(Method(METHOD, label="scikit-learn clusterer", assign=_assign, refit=_refit))


# -- private helpers (they assume checked input) ---------------------------------------------
def _checked_estimator(estimator: Any) -> Any:
    if isinstance(estimator, type):
        raise DataError(f"Pass an estimator object, e.g. {estimator.__name__}(), not the class itself.")
    if not hasattr(estimator, "get_params") or not (hasattr(estimator, "fit_predict") or hasattr(estimator, "fit")):
        raise DataError(
            f"{type(estimator).__name__} is not a scikit-learn clusterer; pass e.g. GaussianMixture(n_components=4)."
        )
    if not _class_path(estimator).startswith("sklearn."):
        # A refit rebuilds the estimator by name, so the name must point into scikit-learn.
        raise DataError(
            f"{type(estimator).__name__} does not come from scikit-learn; only scikit-learn clusterers can be "
            "saved and refitted by name."
        )
    from sklearn.base import clone

    return clone(estimator)


def _class_path(estimator: Any) -> str:
    kind = type(estimator)
    module = kind.__module__
    # sklearn.mixture._gaussian_mixture -> sklearn.mixture: the public home of the class.
    public = ".".join(part for part in module.split(".") if not part.startswith("_"))
    try:
        if getattr(importlib.import_module(public), kind.__name__, None) is kind:
            module = public
    except ImportError:
        pass
    return f"{module}.{kind.__name__}"


def _check_plain(params: Mapping[str, Any], name: str) -> None:
    for key, value in params.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise DataError(
                f"{name}'s parameter {key}={value!r} is not plain data (a number, text, list or None), so the "
                "segments could not be saved or refitted; set it to a plain value."
            ) from None


def _build(path: str, params: Mapping[str, Any], random_state: int) -> Any:
    module, _, name = path.rpartition(".")
    if not module.startswith("sklearn."):
        raise DataError(f"The estimator {path!r} is not a scikit-learn class; only those can be refitted.")
    try:
        kind = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise DataError(f"The estimator {path!r} is not in this scikit-learn version; upgrade or refit.") from None
    from sklearn.base import BaseEstimator

    # A recipe is user input: only ever construct a scikit-learn estimator class from it (their constructors
    # just store parameters), never call any other function it names.
    if not (isinstance(kind, type) and issubclass(kind, BaseEstimator) and hasattr(kind, "fit")):
        raise DataError(f"The recipe names {path!r}, which is not a scikit-learn clusterer; it was not run.")
    try:
        model = kind(**params)
    except (TypeError, ValueError) as exc:
        raise DataError(f"The recipe's parameters do not fit {name}: {exc}") from None
    if "random_state" in model.get_params(deep=False):
        model.set_params(random_state=random_state)
    return model


def _nearest(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    squared = (X**2).sum(1)[:, None] - 2 * X @ centres.T + (centres**2).sum(1)[None, :]
    return squared.argmin(axis=1)


def _fitted_state(model: Any, X: np.ndarray, raw: np.ndarray) -> dict[str, Any] | None:
    """The fitted attributes as plain data, when the estimator can predict and, rebuilt from
    them, predicts exactly its own labels; None otherwise (then the nearest centre assigns)."""
    if not hasattr(model, "predict"):
        return None
    fitted: dict[str, Any] = {}
    for key, value in vars(model).items():
        if not key.endswith("_") or key.startswith("_") or key == "labels_":
            continue
        if isinstance(value, np.ndarray) and value.ndim and len(value) == len(X) and len(X) > 1:
            continue  # one value per customer (training labels, distances): not needed to predict
        plain = value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value
        try:
            json.dumps(plain, allow_nan=False)
        except (TypeError, ValueError):
            return None
        fitted[key] = plain
    params = {k: v for k, v in model.get_params(deep=False).items() if k != "random_state"}
    seed = model.get_params(deep=False).get("random_state", 0)
    try:
        again = _restored(_class_path(model), params, int(seed or 0), fitted)
        with threadpool_limits(limits=1):
            same = np.array_equal(np.asarray(again.predict(X), dtype=int), raw)
    except Exception:  # an estimator whose predict needs more than its plain attributes
        return None
    return fitted if same else None


def _restored(path: str, params: Mapping[str, Any], random_state: int, fitted: Mapping[str, Any]) -> Any:
    model = _build(path, params, random_state)
    for key, value in fitted.items():
        setattr(model, key, np.asarray(value) if isinstance(value, list) else value)
    return model


def _fit_labels(model: Any, X: np.ndarray) -> np.ndarray:
    """Cluster numbers per row of X (-1 = noise), fitted on rows in a canonical order so the
    result never depends on the file's row order."""
    order = np.lexsort(X.round(9).T[::-1]) if X.shape[1] else np.arange(len(X))
    # One thread: OpenMP's waiting threads slow fits down when another process holds a core.
    with threadpool_limits(limits=1):
        if hasattr(model, "fit_predict"):
            ordered = model.fit_predict(X[order])
        else:
            ordered = model.fit(X[order]).labels_
    labels = np.empty(len(X), dtype=int)
    labels[order] = np.asarray(ordered, dtype=int)
    return labels


def _names(frame: pd.DataFrame, ids: pd.Index, cluster: np.ndarray, variables: Sequence[str], k: int) -> list[str]:
    """Names from each cluster's profile (the same words the Profiles page uses), unique."""
    from ..profiles import profile

    provisional = [f"Segment {i + 1}" for i in range(k)]
    inside = cluster >= 0
    labels = pd.Series(np.asarray(provisional, dtype=object)[cluster[inside]], index=ids[inside])
    data = frame.set_axis(ids) if not frame.index.equals(ids) else frame
    found = profile(data, labels, variables=list(variables)).names
    names = [str(found.get(p) or p) for p in provisional]
    if len(set(names)) != len(names) or UNCLUSTERED in names:
        names = provisional
    return names
