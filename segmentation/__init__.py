"""SaaS customer segmentation: load exports, segment customers, prove the segments.

The library behind the Streamlit app, the command line and the companion notebooks. It never
imports Streamlit. Start with `Dataset.read` (the one way in: tables, their roles, the customer
table), then a method (`methods.rfm.fit_rfm`, `methods.kmeans.fit_kmeans`, `methods.rules.fit_rules`),
then `validation.evaluate`.
"""

from .errors import DataError
from .features import customer_table
from .io import Table, load_table
from .result import Segmentation
from .roles import RoleMap, infer_roles

__all__ = ["DataError", "Segmentation", "Table", "load_table", "RoleMap", "infer_roles", "customer_table"]
__version__ = "0.1.0"
