"""`Method`: what every segmentation method answers, and the registry that finds a method by name.

The built-in methods (rfm, kmeans, rules, sklearn_adapter) register themselves when their module is
imported; `find_method` imports them on first use, so a recipe or a bootstrap can reach any method
by the name a `Segmentation` carries.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import DataError

if TYPE_CHECKING:
    from ..result import Segmentation

__all__ = ["Method", "register_method", "find_method", "get_method", "method_names", "BUILTIN"]

BUILTIN = ("rfm", "kmeans", "kprototypes", "rules", "sklearn_adapter")


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
    short_names     short_names(segmentation) -> {segment as shown: a short description made of the terms the
                    method's own names come from} (K-means: its names from the centres; RFM: each cell's
                    R and FM scores), so the Profiles' short name never says otherwise than the name;
                    None (or an empty answer): the Profiles describe each segment from its data.
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
    short_names: Describer | None = None

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
        _load_builtin()
    return _METHODS.get(name)


def get_method(name: str) -> Method:
    """The registered `Method` called `name`; a DataError names the known ones when there is none."""
    method = find_method(name)
    if method is None:
        raise DataError(f"Unknown segmentation method {name!r}; known: {', '.join(method_names())}.")
    return method


def method_names() -> tuple[str, ...]:
    """The names of every registered method, the built-in ones included."""
    _load_builtin()
    return tuple(sorted(_METHODS))


def _load_builtin() -> None:
    """Import the built-in methods, which registers them."""
    for name in BUILTIN:
        importlib.import_module(f"{__package__}.{name}")
