"""`Segmentation`: the one immutable result every method returns.

A method (rfm, kmeans, rules, or an analyst's own) fits on a customer table and
returns a `Segmentation` holding the labels, the names, what was used and the fitted
state needed to score new customers. Each method registers one `Method` record: how to
assign and refit, how its segments read in words, and the few sentences that differ by
method (`methods.registry`). Pages, validation, exports and tracking ask that record
(`Segmentation.method_info`, `find_method`) instead of testing the method's name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType
from typing import Any

import pandas as pd

from .errors import DataError
from .methods.registry import Method, get_method

__all__ = ["Segmentation", "RECIPE_FORMAT", "RECIPE_VERSION"]

RECIPE_FORMAT = "saas-segmentation-recipe"
RECIPE_VERSION = 1

def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Segmentation:
    """Labels plus everything needed to explain and re-apply them.

    labels     Series indexed by customer id (text, as in the file), values = segment name.
    segments   segment names in display order (every label is one of them).
    variables  the customer-table columns the method used.
    params     the parameters as given (JSON-able): k, random_state, transforms, grid, ...
    state      the fitted state (JSON-able): scaler and centroids, score thresholds, rules.
    scores     optional per-customer numbers behind the labels (r/f/m scores, distances).
    notes      plain sentences for the user (warnings such as "M barely varies").
    """

    method: str
    labels: pd.Series
    segments: tuple[str, ...]
    variables: tuple[str, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)
    scores: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))
        object.__setattr__(self, "state", _frozen(self.state))
        object.__setattr__(self, "segments", tuple(self.segments))
        object.__setattr__(self, "variables", tuple(self.variables))
        object.__setattr__(self, "notes", tuple(self.notes))
        labels = self.labels.copy()
        labels.name = "segment"
        object.__setattr__(self, "labels", labels)

    # -- scoring -----------------------------------------------------------------------
    def assign(self, frame: pd.DataFrame) -> pd.Series:
        """Segment names for the customers in `frame` (a customer table), without refitting."""
        missing = [v for v in self.variables if v not in frame.columns]
        if missing:
            raise DataError(
                f"The data lacks the column(s) {', '.join(map(repr, missing))} that these segments "
                "were built on; map or add them and try again."
            )
        assign = self.method_info.assign
        try:
            out = assign(self, frame)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            if isinstance(exc, DataError):
                raise
            # Fitted state from an edited or damaged recipe; say so instead of failing deep inside.
            raise DataError(f"The saved {self.method} segments could not be applied ({type(exc).__name__}: "
                            f"{exc}); save the recipe again from the app.") from None
        shown = self.state.get("display_names")
        if shown:
            out = out.map(lambda name: shown.get(name, name))
        out.name = "segment"
        return out

    def refit(self, frame: pd.DataFrame) -> Segmentation:
        """The same method with the same parameters fitted on `frame` (used for stability)."""
        refit = self.method_info.refit
        if refit is None:
            raise DataError(f"The {self.method!r} method cannot be refitted.")
        return refit(frame, dict(self.params))

    @property
    def method_info(self) -> Method:
        """The registered `Method` that made these segments (DataError when it is unknown)."""
        return get_method(self.method)

    # -- convenience -------------------------------------------------------------------
    @cached_property
    def fingerprint(self) -> str:
        """A digest of what the result is (method, fitted state, names, every label): a cache key that two
        different results never share, unlike `id()`, which Python reuses once an object is gone."""
        digest = hashlib.sha256(json.dumps(self.to_recipe(), sort_keys=True, default=str).encode())
        digest.update(pd.util.hash_pandas_object(self.labels.astype(str), index=True).to_numpy().tobytes())
        return digest.hexdigest()

    @property
    def sizes(self) -> pd.Series:
        """Customers per segment, in display order (segments with none count 0)."""
        return self.labels.value_counts().reindex(list(self.segments), fill_value=0)

    def renamed(self, names: Mapping[str, str]) -> Segmentation:
        """A copy with segments renamed (names not in `names` stay); state keeps a name map."""
        mapping = {s: names.get(s, s) for s in self.segments}
        if len(set(mapping.values())) != len(mapping):
            raise DataError("Two segments would share one name; give each segment its own name.")
        state = dict(self.state)
        previous = dict(state.get("display_names", {}))
        # Keep the map from the method's own names to the shown names so assign() stays exact.
        base = {orig: mapping.get(shown, shown) for orig, shown in previous.items()} if previous else mapping
        state["display_names"] = base
        return replace(
            self,
            labels=self.labels.map(mapping),
            segments=tuple(mapping[s] for s in self.segments),
            state=state,
        )

    # -- recipes -----------------------------------------------------------------------
    def to_recipe(self, **extra: Any) -> dict[str, Any]:
        """A JSON-able dict that `from_recipe` turns back into an assignable Segmentation."""
        recipe = {
            "format": RECIPE_FORMAT,
            "version": RECIPE_VERSION,
            "method": self.method,
            "segments": list(self.segments),
            "variables": list(self.variables),
            "params": _jsonable(dict(self.params)),
            "state": _jsonable(dict(self.state)),
            "notes": list(self.notes),
        }
        recipe.update(_jsonable(extra))
        return recipe

    def to_json(self, **extra: Any) -> str:
        return json.dumps(self.to_recipe(**extra), indent=2, ensure_ascii=False)

    @classmethod
    def from_recipe(cls, recipe: Mapping[str, Any] | str) -> Segmentation:
        """Rebuild from `to_recipe()` output (or its JSON text); labels start empty."""
        if isinstance(recipe, str):
            try:
                recipe = json.loads(recipe)
            except json.JSONDecodeError as exc:
                raise DataError(f"The recipe is not valid JSON (line {exc.lineno}): {exc.msg}.") from None
        if not isinstance(recipe, Mapping) or recipe.get("format") != RECIPE_FORMAT:
            raise DataError("This file is not a segment recipe saved by this tool.")
        version = recipe.get("version", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise DataError(f"The recipe's version {version!r} is not a whole number; save it again from the app.")
        if version > RECIPE_VERSION:
            raise DataError("This recipe was saved by a newer version of the tool; upgrade to use it.")
        for key in ("method", "segments", "variables", "state"):
            if key not in recipe:
                raise DataError(f"The recipe lacks its {key!r} entry; save it again from the app.")
        # A recipe is a file users pass around and may edit: check its shape before anything trusts it.
        for key in ("segments", "variables"):
            if not isinstance(recipe[key], list) or not all(isinstance(v, str) for v in recipe[key]):
                raise DataError(f"The recipe's {key!r} entry should be a list of names; save it again from the app.")
        for key in ("state", "params"):
            if not isinstance(recipe.get(key, {}), Mapping):
                raise DataError(f"The recipe's {key!r} entry should be an object; save it again from the app.")
        return cls(
            method=str(recipe["method"]),
            labels=pd.Series([], dtype=object, index=pd.Index([], dtype=object)),
            segments=tuple(recipe["segments"]),
            variables=tuple(recipe["variables"]),
            params=recipe.get("params", {}),
            state=recipe["state"],
            notes=tuple(recipe.get("notes", ())),
        )


def _jsonable(value: Any) -> Any:
    """Plain JSON types from numpy/pandas scalars, tuples and mapping proxies."""
    import numpy as np

    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    return value
