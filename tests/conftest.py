"""Shared fixtures: a small deterministic dataset and paths."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUTPUT = ROOT / "test-output"
# AppTests that open the Profiles page must not start a 30 s UMAP compile in the background.
os.environ.setdefault("SEGMENTATION_WARM_UMAP", "0")
# The app reopens the last saved workspace: tests get a store of their own, never the one in .streamlit/.
os.environ.setdefault("SEGMENTATION_STORE", os.path.join(tempfile.mkdtemp(prefix="segmentation-tests-"),
                                                         "workspaces.duckdb"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def output_dir(request) -> Path:
    """A folder per test under test-output/ for screenshots and files a person may want to look at."""
    folder = OUTPUT / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A real PostgreSQL server (Debian's package) on a free loopback port, for the whole test session."""
    from tests.postgres_server import running_postgres

    with running_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def spark():
    """One tiny local Spark session for the whole test session (local[1], two shuffle partitions, no UI)."""
    from segmentation.sources import SPARK_LOCAL, spark_session

    session = spark_session(SPARK_LOCAL)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
