"""The options `io.reading_defaults` sets for every `load_table` inside a block.

Kept apart from `io` (which re-exports `reading_defaults`) so the command line can open the
block without importing the readers, pandas and pyarrow: a command that never loads a file
through `load_table` (rfm on a plain CSV goes straight to DuckDB) should not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .io import Table

__all__ = ["reading_defaults"]


@dataclass(frozen=True)
class _Defaults:
    date_order: str | None = None
    on_load: Callable[[Table], None] | None = None


_DEFAULTS: ContextVar[_Defaults] = ContextVar("segmentation_io_defaults", default=_Defaults())


@contextmanager
def reading_defaults(*, date_order: str | None = None,
                     on_load: Callable[[Table], None] | None = None) -> Iterator[None]:
    """Inside the block, `load_table` calls without a date_order use this one, and `on_load` gets each
    Table loaded. The command line's shared options reach every load this way, including loads made
    by library functions that take a path."""
    token = _DEFAULTS.set(_Defaults(date_order=date_order, on_load=on_load))
    try:
        yield
    finally:
        _DEFAULTS.reset(token)
