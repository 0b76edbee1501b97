"""Helpers for AppTest: run the real app.py, optionally on small seeded data."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def app(timeout: float = 120) -> AppTest:
    return AppTest.from_file(APP, default_timeout=timeout)


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def sample_upload(n_customers: int = 300, random_state: int = 3) -> tuple[dict, dict]:
    """(tables, roles) of a small generated sample, read as uploads are (customers and transactions)."""
    from segmentation.io import load_table
    from segmentation.sample import generate
    from segmentation.roles import infer_roles

    data = generate(n_customers=n_customers, random_state=random_state)
    tables = {
        kind: load_table(frame.to_csv(index=False).encode("utf-8"), name=f"{kind}.csv")
        for kind, frame in (("customers", data.customers), ("transactions", data.transactions))
    }
    return tables, {kind: infer_roles(table.frame, kind=kind) for kind, table in tables.items()}
