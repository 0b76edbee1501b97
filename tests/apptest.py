"""Helpers for AppTest: run the real app.py, optionally on small seeded data."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def app(timeout: float = 120) -> AppTest:
    return AppTest.from_file(APP, default_timeout=timeout)


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]
