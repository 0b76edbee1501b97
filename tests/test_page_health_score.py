"""The Health score and Drivers tabs driven through the real app, and the Track page's health score change."""

from __future__ import annotations

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from segmentation.dataset import Dataset
from segmentation.io import load_table
from segmentation.roles import infer_roles
from ui import state
from ui.health_view import HEALTH


def _planted(n: int = 600, seed: int = 1, shuffle: bool = False) -> pd.DataFrame:
    """Customers whose churn follows their logins (few logins, much churn); seats and region say nothing."""
    rng = np.random.default_rng(seed)
    logins = rng.poisson(12, n)
    churn = rng.random(n) < np.where(logins < 9, 0.6, 0.05)
    if shuffle:
        churn = rng.permutation(churn)
    return pd.DataFrame({"customer_id": [f"C{i:04d}" for i in range(n)], "logins_30d": logins,
                         "seats": rng.integers(1, 30, n), "region": rng.choice(["North", "South", "East"], n),
                         "churned": np.where(churn, "yes", "no")})


def _dataset(frame: pd.DataFrame) -> Dataset:
    table = load_table(frame.to_csv(index=False).encode("utf-8"), name="customers.csv")
    return Dataset({"customers": table}, {"customers": infer_roles(table.frame, kind="customers")},
                   source="test data")


def _open(root, data: Dataset | None, tab: str = "Health score") -> AppTest:
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    at.session_state["_sample_offered"] = True
    if data is not None:
        at.session_state[state.DATASET] = data
    at.session_state["health_tab"] = tab  # only the open tab of the page runs
    at.switch_page("views/health.py")
    return at.run()


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_the_health_tab_scores_a_planted_driver_and_lists_the_accounts_at_risk(root):
    at = _open(root, _dataset(_planted()))
    assert not at.exception, at.exception
    assert not at.error, _texts(at.error)
    score = at.session_state[HEALTH]
    assert score.signal and score.auc >= 0.75
    assert score.points.iloc[0]["variable"] == "logins_30d"  # the planted driver weighs most
    assert "AUC" in _texts(at.metric) or any("AUC" in str(m.label) for m in at.metric)
    assert any("tells who will churn" in str(s.value) for s in at.success)
    downloads = at.get("download_button")
    assert {d.proto.label for d in downloads} >= {"At-risk list (CSV)", "At-risk list (XLSX)"}
    assert at.tabs[1].get("vega_lite_chart")  # the calibration chart
    at_risk = score.at_risk()
    assert len(at_risk) and at_risk["reasons"].str.contains("logins_30d").all()


def test_cutoffs_and_edited_points_change_the_statuses_on_screen(root):
    at = _open(root, _dataset(_planted()))
    before = at.session_state[HEALTH].status_counts()
    at.number_input(key="health_at_risk").set_value(0.0).run()
    at.number_input(key="health_watch").set_value(0.0).run()
    assert not at.exception and not at.error, _texts(at.error)
    after = at.session_state[HEALTH]
    assert after.cutoffs == (0.0, 0.0)
    assert set(after.status_counts().index) - {"left"} == {"healthy"} != set(before.index) - {"left"}
    assert not after.at_risk().shape[0]


def test_the_cutoffs_start_from_the_data_and_a_hand_edit_wins_over_a_refit(root):
    at = _open(root, _dataset(_planted()))
    score = at.session_state[HEALTH]
    assert score.cutoffs_from == "data"
    assert (at.number_input(key="health_at_risk").value, at.number_input(key="health_watch").value) == score.cutoffs
    assert any(str(c.value).startswith(":material/tune: Cut-offs from the data") for c in at.caption)
    at.number_input(key="health_at_risk").set_value(score.cutoffs[0] + 1).run()
    assert not at.error, _texts(at.error)
    assert at.session_state[HEALTH].cutoffs_from == "hand"
    # The data's watch cut-off (here the same as at risk: no band is on watch) follows a raised at-risk one.
    assert at.number_input(key="health_watch").value >= score.cutoffs[0] + 1
    assert any("Cut-offs set by hand" in str(c.value) for c in at.caption)
    # Another set of variables: a new fit with its own data cut-offs, but the hand-set one stays.
    at.multiselect(key=f"health_vars_{at.session_state[state.DATASET].version}_False").set_value(["seats"]).run()
    assert not at.exception, at.exception
    assert at.number_input(key="health_at_risk").value == score.cutoffs[0] + 1
    assert at.session_state[HEALTH].cutoffs[0] == score.cutoffs[0] + 1


def test_shuffled_churn_says_no_signal_and_nobody_is_at_risk(root):
    at = _open(root, _dataset(_planted(shuffle=True)))
    assert not at.exception, at.exception
    score = at.session_state[HEALTH]
    assert not score.signal
    assert any("No signal: this score does not predict churn" in str(w.value) for w in at.warning)
    assert set(score.scores["status"]) == {"unscored"}
    assert "Nobody is labelled at risk" in _texts(at.caption)


def test_without_a_churn_outcome_the_tab_says_what_to_map(root):
    frame = _planted().drop(columns=["churned"])
    at = _open(root, _dataset(frame))
    assert not at.exception, at.exception
    assert "fitted against churn" in _texts(at.info)


def test_the_drivers_tab_names_the_planted_driver_first(root):
    at = _open(root, _dataset(_planted()), "Drivers")
    assert not at.exception and not at.error, _texts(at.error)
    text = _texts(at.markdown)
    assert "1. Customers with logins_30d" in text and "churn" in text


def test_the_drivers_tab_says_nothing_flattering_on_shuffled_churn(root):
    at = _open(root, _dataset(_planted(shuffle=True)), "Drivers")
    assert not at.exception, at.exception
    assert any("No variable separates the churn rate clearly" in str(w.value) for w in at.warning)
    assert "1. Customers with" not in _texts(at.markdown)


def test_track_shows_each_accounts_health_change_against_the_health_tab(root):
    at = AppTest.from_file(str(root / "app.py"), default_timeout=180)
    at.run()  # the first visit opens on the bundled sample
    assert at.session_state[state.DATASET] is not None
    at.session_state["health_tab"] = "Health score"
    at.switch_page("views/health.py").run()
    assert not at.exception and not at.error, _texts(at.error)
    assert at.session_state[HEALTH] is not None
    at.switch_page("views/segment.py").run()
    at.switch_page("views/track.py").run()
    at.button(key="track_sample_next").click().run()
    assert not at.exception, at.exception
    expander = [e for e in at.expander if "Health score change" in str(e.label)]
    assert expander, [e.label for e in at.expander]
    assert "accounts in both exports" in _texts(expander[0].caption)
    change = expander[0].dataframe[0].value
    assert list(change.columns) == ["customer_id", "previous", "current", "change"]
    assert change["change"].notna().sum() > 100


def test_the_time_honest_toggle_fits_on_the_activity_before_a_date(root):
    customers = pd.DataFrame({"customer_id": [f"A{i:03d}" for i in range(300)], "plan": ["Basic", "Pro"] * 150})
    rng = np.random.default_rng(2)
    rows = []
    for i in range(300):
        keen, stops = i % 2 == 0, rng.random() < (0.1 if i % 2 == 0 else 0.7)
        for month in pd.date_range("2024-01-05", "2024-12-05", freq="MS"):
            if month >= pd.Timestamp("2024-07-01") and stops:
                break
            for _ in range(3 if keen else 1):
                day = month + pd.Timedelta(days=int(rng.integers(25)))
                rows.append({"customer_id": f"A{i:03d}", "invoice_date": day, "amount": 50.0})
    tables = {kind: load_table(frame.to_csv(index=False).encode(), name=f"{kind}.csv")
              for kind, frame in (("customers", customers), ("transactions", pd.DataFrame(rows)))}
    data = Dataset.from_tables(tables)
    at = _open(root, data)
    assert "fitted against churn" in _texts(at.info)  # no churn column: only the time-honest mode can fit
    at.toggle(key="health_as_of_on").set_value(True).run()
    at.date_input(key="health_as_of").set_value(pd.Timestamp("2024-07-01").date()).run()
    assert not at.exception and not at.error, _texts(at.error)
    score = at.session_state[HEALTH]
    assert any("Time-honest" in note and "2024-07-01" in note for note in score.notes)
    assert "Time-honest" in _texts(at.caption)
