"""`Segmentation`: the one immutable result every method returns, and `Method`: what a method answers.

A method (rfm, kmeans, rules, or an analyst's own) fits on a customer table and
returns a `Segmentation` holding the labels, the names, what was used and the fitted
state needed to score new customers. Each method registers one `Method` record: how to
assign and refit, how its segments read in words, and the few sentences that differ by
method. Pages, validation, exports and tracking ask that record (`Segmentation.method_info`,
`find_method`) instead of testing the method's name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType
from typing import Any

import pandas as pd

from .errors import DataError

__all__ = ["Segmentation", "Method", "register_method", "get_method", "find_method", "method_names",
           "RECIPE_FORMAT", "RECIPE_VERSION"]

RECIPE_FORMAT = "saas-segmentation-recipe"
RECIPE_VERSION = 1

# assign(segmentation, frame) -> Series of segment names indexed like frame
Assigner = Callable[["Segmentation", pd.DataFrame], pd.Series]
# refit(frame, params) -> Segmentation fitted on frame with the same parameters
Refitter = Callable[[pd.DataFrame, Mapping[str, Any]], "Segmentation"]
# describe(segmentation) -> {segment as shown: its rule in plain words}
Describer = Callable[["Segmentation"], Mapping[str, str]]


@dataclass(frozen=True)
class Method:
    """What every segmentation method answers, so that nothing else branches on its name.

    name            the `Segmentation.method` it answers for ("rfm", "kmeans", "rules", "sklearn", ...).
    label           its name for people ("RFM", "K-means"); the name when not given.
    assign          assign(segmentation, frame) -> segment names for the rows of a customer table.
    refit           refit(frame, params) -> the same method fitted on `frame` with `params`
                    (the method's uniform fit; None: it cannot be refitted).
    describe        describe(segmentation) -> {segment: its rule in plain words} when the method has
                    its own exact rule (RFM grid and thresholds, the user's rules); None for
                    clustering, whose rules validation's decision tree writes. See `segment_rules`.
    no_rule         the rule column's words for a segment `describe` does not name (rules: the default).
    filters_from    set when each rule from `describe` on its own finds exactly its segment's customers
                    (a CRM filter): where the rules come from ("RFM grid and score thresholds");
                    validation then takes them instead of a decision tree's. None when there are no
                    rules, or when they only work in order (rules: the first that matches wins).
    filters_why     validation's sentence on accessibility when `filters_from` is set.
    rule_based      the segments are cut by thresholds or rules (they differ by construction), not
                    found as groups in the data; validation words a low silhouette accordingly.
    no_purchases    the method's own name for its segment of customers without purchases, when it
                    has one (RFM: "No purchases"; a fitted segmentation's state may rename it).
    from_transactions  builds the method's customer table from purchases its own way (RFM: `rfm_inputs`),
                    called as (transactions, customer_id=, date=, amount=, order_id=, as_of=); None: the
                    common customer table serves.
    """

    name: str
    assign: Assigner
    refit: Refitter | None = None
    label: str = ""
    describe: Describer | None = None
    no_rule: str = ""
    filters_from: str | None = None
    filters_why: str = ""
    rule_based: bool = False
    no_purchases: str | None = None
    from_transactions: Callable[..., pd.DataFrame] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError("A method needs a name, e.g. Method('my-method', assign=...).")
        if not callable(self.assign):
            raise TypeError(f"The method {self.name!r} needs an assign(segmentation, frame) function.")
        if not self.label:
            object.__setattr__(self, "label", self.name)

    def segment_rules(self, segmentation: Segmentation) -> dict[str, str] | None:
        """Each segment (as shown) and its exact rule in plain words, or None when the method has no
        rule of its own (then validation's decision tree gives an approximate one)."""
        if self.describe is None:
            return None
        return {str(k): str(v) for k, v in self.describe(segmentation).items()}


_METHODS: dict[str, Method] = {}


def register_method(method: Method | str, assign: Assigner | None = None, refit: Refitter | None = None,
                    **answers: Any) -> Method:
    """Register a method's answers, e.g. `register_method(Method("mine", assign=..., refit=...))`.

    The older form `register_method(name, assign, refit)` still works (further `Method` fields
    may be given as keywords). Results of a registered method can be assigned, refitted and
    validated by name, e.g. from a recipe.
    """
    if not isinstance(method, Method):
        if assign is None:
            raise TypeError(f"register_method({method!r}, ...) needs an assign function.")
        method = Method(str(method), assign=assign, refit=refit, **answers)
    elif assign is not None or refit is not None or answers:
        raise TypeError("Give register_method either a Method or a name with its functions, not both.")
    _METHODS[method.name] = method
    return method


def find_method(name: str) -> Method | None:
    """The registered `Method` called `name` (built-ins are registered on first use), else None."""
    if name not in _METHODS:
        # Importing the package registers the built-in methods.
        from . import methods  # noqa: F401
    return _METHODS.get(name)


def get_method(name: str) -> Method:
    """The registered `Method` called `name`; a DataError names the known ones when there is none."""
    method = find_method(name)
    if method is None:
        raise DataError(f"Unknown segmentation method {name!r}; known: {', '.join(method_names())}.")
    return method


def method_names() -> tuple[str, ...]:
    return tuple(sorted(_METHODS))


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
