"""A customers-only export unlike the sample walks through every page without a traceback.

German CRM-style file: title line, semicolons, cp1252, decimal commas, dd.mm.yyyy dates,
six-digit ids with leading zeros, column names the tool has never seen, and no structure
in the numbers (so the scorecard must not call the segments distinct).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.apptest import app, texts


@pytest.fixture(scope="module")
def export() -> bytes:
    rng = np.random.default_rng(1)
    n = 400
    frame = pd.DataFrame({
        "Account Number": [f"{i:06d}" for i in range(n)],
        "Account Name": [f"Firma {i}" for i in range(n)],
        "Branche": rng.choice(["Handel", "Industrie", "IT"], n),
        "Created": pd.date_range("2023-01-01", periods=n, freq="2D").strftime("%d.%m.%Y"),
        "Cancelled": ["" if rng.random() < 0.7 else "15.06.2025" for _ in range(n)],
        "Monthly Revenue": [f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
                            for v in rng.lognormal(5, 1, n)],
        "Users": rng.integers(1, 50, n),
        "Sessions last month": rng.poisson(20, n),
        "Tier": rng.choice(["Basic", "Plus", "Premium"], n),
    })
    return ("Export CRM 2025\n" + frame.to_csv(sep=";", index=False)).encode("cp1252")


def test_every_page_works_on_an_unseen_customers_only_export(export):
    at = app()
    at.run()
    next(u for u in at.file_uploader if u.label.startswith("Customers")).set_value(("crm.csv", export, "text/csv"))
    at.run()
    assert not at.exception and not at.error
    roles = at.session_state["dataset"].roles["customers"]
    assert roles.get("customer_id") == "Account Number" and roles.get("churn_date") == "Cancelled"
    assert roles.get("mrr") == "Monthly Revenue" and roles.get("signup_date") == "Created"
    assert at.session_state["dataset"].tables["customers"].frame["Account Number"].iloc[0] == "000000"

    at.switch_page("views/segment.py").run()
    assert not at.exception and not at.error
    seg = at.session_state["segmentation"]
    assert "Account Number" not in seg.variables and all(v in seg.variables for v in ("Monthly Revenue", "Users"))
    # Random numbers have no segments to find: the scorecard says so instead of flattering.
    assert at.session_state["validation"].verdicts["distinct"] == "fail"

    at.segmented_control(key="method").set_value("RFM").run()
    assert not at.exception
    assert any("needs purchases" in i for i in texts(at.info))

    at.segmented_control(key="method").set_value("Rules").run()
    assert not at.exception and not at.error
    assert at.session_state["segmentation"].method == "rules"

    for page in ("profiles", "cohorts", "track"):
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, page
        assert not at.error, (page, texts(at.error))


@pytest.mark.parametrize("name, data, message", [
    ("tiny.csv", b"id,mrr,logins\n001,10,1\n002,20,2\n003,30,5\n", "Only 3 customers"),
    ("flat.csv", ("id,mrr,logins\n" + "".join(f"{i:03d},10,{i % 7}\n" for i in range(50))).encode(),
     "fewer than two columns that vary"),
])
def test_too_few_customers_or_no_variance_get_a_message_not_a_traceback(name, data, message):
    at = app()
    at.run()
    next(u for u in at.file_uploader if u.label.startswith("Customers")).set_value((name, data, "text/csv"))
    at.run()
    at.switch_page("views/segment.py").run()
    assert not at.exception
    assert any(message in m for m in texts(at.error) + texts(at.info))
