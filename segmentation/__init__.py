"""SaaS customer segmentation: load exports, segment customers, prove the segments.

The library behind the Streamlit app and the companion notebooks. It never imports
Streamlit. Start with `load_table`, `infer_roles` and `customer_table`, then a method
(`rfm`, `kmeans`, `rules`), then `validation.evaluate`.
"""

from .errors import DataError
from .result import Segmentation

__all__ = ["DataError", "Segmentation"]
__version__ = "0.1.0"
