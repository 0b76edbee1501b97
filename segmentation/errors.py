"""The one exception type that reaches users.

Every public function that touches user data raises `DataError` with one sentence
that names the file, the column and, where it helps, the row, and says what to do.
The app shows the message as is; the command line prints it as ``error: ...``.
"""

from __future__ import annotations

__all__ = ["DataError"]


class DataError(ValueError):
    """Bad input described in words a user can act on."""
