"""SaaS customer segmentation: load exports, segment customers, prove the segments.

The library behind the Streamlit app and the companion notebooks. It never imports
Streamlit. Start with `load_table`, `infer_roles` and `customer_table`, then a method
(`rfm.fit_rfm`, `kmeans.fit_kmeans`, `rules.fit_rules`), then `validation.evaluate`.
"""

from .errors import DataError
from .features import customer_table
from .io import Table, load_table
from .result import Segmentation
from .schema import RoleMap, infer_roles

__all__ = ["DataError", "Segmentation", "Table", "load_table", "RoleMap", "infer_roles", "customer_table"]
__version__ = "0.1.0"
