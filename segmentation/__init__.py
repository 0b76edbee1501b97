"""SaaS customer segmentation: load exports, segment customers, prove the segments.

The library behind the Streamlit app, the command line and the companion notebooks. It never
imports Streamlit. Start with `Dataset.read` (the one way in: tables, their roles, the customer
table), then a method (`methods.rfm.fit_rfm`, `methods.kmeans.fit_kmeans`, `methods.rules.fit_rules`),
then `validation.evaluate`.

The names below (and the submodules, as attributes) are imported on first use, so that
`import segmentation` and the command line start without pandas, DuckDB or pyarrow until a
command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["Dataset", "DataError", "Segmentation", "Table", "load_table", "RoleMap", "infer_roles", "customer_table"]
__version__ = "0.1.0"

# Public name -> the submodule that defines it.
_LAZY = {
    "DataError": "errors",
    "customer_table": "features",
    "Table": "io",
    "load_table": "io",
    "Segmentation": "result",
    "RoleMap": "roles",
    "infer_roles": "roles",
    "Dataset": "dataset",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .errors import DataError
    from .features import customer_table
    from .io import Table, load_table
    from .result import Segmentation
    from .dataset import Dataset
    from .roles import RoleMap, infer_roles


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    elif not name.startswith("__"):
        try:  # `segmentation.rfm` after a bare `import segmentation`, as before the names were lazy
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
