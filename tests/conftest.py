"""Shared fixtures: a small deterministic dataset and paths."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUTPUT = ROOT / "test-output"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def output_dir(request) -> Path:
    """A folder per test under test-output/ for screenshots and files a person may want to look at."""
    folder = OUTPUT / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
