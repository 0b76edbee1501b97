"""The Track page driven through the real app: recipe upload, scoring a newer export, migration."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from segmentation.methods import kmeans, rfm
from segmentation.export import recipe_json
from segmentation.features import customer_table
from segmentation.sample import generate
from segmentation.roles import infer_roles
from segmentation.dataset import Dataset
from ui import state, umap_worker


@pytest.fixture(autouse=True)
def no_background_compile(monkeypatch):
    monkeypatch.setenv(umap_worker.WARM_ENV, "0")


@pytest.fixture(scope="module")
def exports():
    customers = generate(n_customers=200, random_state=4).customers
    seg = kmeans.fit_kmeans(customers.set_index("customer_id"), ["mrr", "logins_30d"], k=3, random_state=0)
    newer = customers.copy()
    top = newer["mrr"].max()
    newer.loc[newer.index[:5], ["mrr", "logins_30d"]] = [top, newer["logins_30d"].max()]
    return customers, newer, seg


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _headings(at) -> list[str]:
    """The scoring's headings, without the sidebar's Workspace and the History every Track page ends with."""
    return [s.value for s in at.main.subheader if s.value != "History"]


def _open(root, **session) -> AppTest:
    at = AppTest.from_file(str(root / "app.py"), default_timeout=60)
    at.session_state["_sample_offered"] = True
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page("views/track.py")
    return at.run()


def test_without_a_recipe_the_page_asks_for_one(root):
    at = _open(root)
    assert not at.exception
    assert "Upload a recipe" in at.info[0].value


def test_a_recipe_and_two_exports_give_the_migration(root, exports):
    older, newer, seg = exports
    at = _open(root)
    at.file_uploader(key="track_recipe").set_value(("recipe.json", recipe_json(seg).encode(), "application/json"))
    at.file_uploader(key="track_newer").set_value(("newer.csv", _csv(newer), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert "200 customers scored" in at.subheader[0].value
    at.radio(key="track_against").set_value("A 'before' file").run()
    at.file_uploader(key="track_older").set_value(("older.csv", _csv(older), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    summary = at.markdown[0].value
    assert summary.startswith("- Of 200 customers in both")
    moved = int(summary.split(" and ")[1].split(" moved")[0])
    assert 0 < moved <= 5  # only the five changed accounts can move
    assert [b.label for b in at.download_button] == ["New assignments (CSV)", "Migration matrix (CSV)",
                                                     "Customers who moved (CSV)"]
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["title"] == "Where customers moved"


def test_the_session_segments_are_the_default_recipe_and_baseline(root, exports):
    older, newer, seg = exports
    at = _open(root, **{state.SEGMENTATION: seg})
    assert at.radio(key="track_source").value == "This session's segments"
    at.file_uploader(key="track_newer").set_value(("newer.csv", _csv(newer), "text/csv")).run()
    assert not at.exception, at.exception
    assert at.radio(key="track_against").value == "This session's segments"
    assert at.markdown[0].value.startswith("- Of 200 customers in both")


def test_a_bad_recipe_shows_an_error_not_a_traceback(root, exports):
    _, newer, _ = exports
    at = _open(root)
    at.file_uploader(key="track_recipe").set_value(("recipe.json", b"{not json", "application/json"))
    at.file_uploader(key="track_newer").set_value(("newer.csv", _csv(newer), "text/csv"))
    at.run()
    assert not at.exception
    assert "not valid JSON" in at.error[0].value


def _upload(at: AppTest, key: str, name: str, data: bytes) -> AppTest:
    mime = "application/json" if name.endswith(".json") else "text/csv"
    at.file_uploader(key=key).set_value((name, data, mime))
    return at.run()


def _captions(at: AppTest) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def test_a_recipe_of_other_segments_is_not_compared_with_the_session_segments(root, exports):
    older, newer, seg = exports
    other = kmeans.fit_kmeans(older.set_index("customer_id"), ["mrr", "logins_30d"], k=2, random_state=0)
    at = _open(root, **{state.SEGMENTATION: seg})
    _upload(at, "track_newer", "newer.csv", _csv(newer))
    assert at.radio(key="track_against").value == "This session's segments"
    at.radio(key="track_source").set_value("A recipe file").run()
    _upload(at, "track_recipe", "other.json", recipe_json(other).encode())
    assert not at.exception, at.exception
    against = at.radio(key="track_against")
    assert "This session's segments" not in against.options
    assert against.value == "A 'before' file"
    assert "not this session's segmentation" in _captions(at)
    assert _headings(at) == ["200 customers scored"]  # no migration until a before file


def test_the_session_recipe_file_is_compared_with_the_session_segments(root, exports):
    _, newer, seg = exports
    at = _open(root, **{state.SEGMENTATION: seg})
    at.radio(key="track_source").set_value("A recipe file").run()
    _upload(at, "track_recipe", "recipe.json", recipe_json(seg).encode())
    _upload(at, "track_newer", "newer.csv", _csv(newer))
    assert not at.exception, at.exception
    assert at.radio(key="track_against").value == "This session's segments"
    assert at.markdown[0].value.startswith("- Of 200 customers in both")


def test_the_confirmed_customer_id_is_used_on_the_newer_export(root, exports):
    older, newer, _ = exports
    # The account column has a name no guess recognises; the newer export adds a row number "id".
    accounts = older.rename(columns={"customer_id": "Kunde"})
    seg = kmeans.fit_kmeans(accounts.set_index("Kunde"), ["mrr", "logins_30d"], k=3, random_state=0)
    confirmed = infer_roles(accounts, kind="customers").with_role("customer_id", "Kunde")
    renamed = newer.rename(columns={"customer_id": "Kunde"}).iloc[::-1]
    renamed.insert(0, "id", range(1, len(renamed) + 1))
    at = _open(root, **{state.SEGMENTATION: seg, state.DATASET: Dataset({}, {"customers": confirmed})})
    _upload(at, "track_newer", "newer.csv", _csv(renamed))
    assert not at.exception, at.exception
    assert at.markdown[0].value.startswith("- Of 200 customers in both")  # with "id" none would match


def test_customers_without_purchases_are_not_gone_from_a_transactions_file(root):
    sample = generate(n_customers=200, random_state=4)
    table = customer_table(sample.customers, customer_id="customer_id", transactions=sample.transactions,
                           transaction_roles={"customer_id": "customer_id", "transaction_date": "invoice_date",
                                              "amount": "amount", "order_id": "invoice_id"})
    seg = rfm.fit_rfm(table)
    without = int((seg.labels == rfm.NO_PURCHASES).sum())
    at = _open(root, **{state.SEGMENTATION: seg})
    _upload(at, "track_newer", "transactions.csv", _csv(sample.transactions))
    assert not at.exception, at.exception
    assert at.radio(key="track_against").value == "This session's segments"
    summary = at.markdown[0].value
    bought = 200 - without
    assert summary.startswith(f"- Of {bought} customers in both, {bought} (100%) stayed")
    assert "gone" not in summary
    assert f"{without} customers in No purchases before are left out" in _captions(at)


def test_a_failed_upload_names_the_file_and_keeps_the_last_result(root, exports):
    _, newer, seg = exports
    at = _open(root)
    _upload(at, "track_recipe", "recipe.json", recipe_json(seg).encode())
    _upload(at, "track_newer", "newer.csv", _csv(newer))
    assert _headings(at) == ["200 customers scored"]
    _upload(at, "track_newer", "march.csv", _csv(newer.drop(columns="logins_30d").iloc[:50]))
    assert not at.exception, at.exception
    assert "march.csv" in at.error[0].value and "logins_30d" in at.error[0].value
    assert _headings(at) == ["200 customers scored"]  # still the last result
    assert "last result that worked, from newer.csv, segments from recipe.json" in _captions(at)
    assert [b.label for b in at.download_button] == ["New assignments (CSV)"]
    # A file that is not a table at all is named too, and the result stays.
    _upload(at, "track_newer", "april.csv", b"")
    assert not at.exception, at.exception
    assert "april.csv" in at.error[0].value
    assert _headings(at) == ["200 customers scored"]
    # Fixed: the new file's result replaces the old one.
    _upload(at, "track_newer", "may.csv", _csv(newer.iloc[:50]))
    assert not at.error and _headings(at) == ["50 customers scored"]


def test_the_sample_next_month_shows_who_moved_without_preparing_files(root):
    # A first visit: the app opens on the bundled sample; segment with the K-means default, then Track.
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    at.run()
    assert str(at.session_state[state.DATASET].source).startswith("Sample data")
    at.switch_page("views/segment.py").run()
    assert not at.exception, at.exception
    assert at.session_state[state.SEGMENTATION].method == "kmeans"
    at.switch_page("views/track.py").run()
    assert not at.exception, at.exception
    assert "try the sample's next month" in at.info[0].value
    at.button(key="track_sample_next").click().run()
    assert not at.exception, at.exception
    assert "next_month/customers.csv with next_month/transactions.csv" in _captions(at)
    headings = _headings(at)
    assert headings[1] == "Who moved" and headings[0].endswith("customers scored")
    scored = int(headings[0].split()[0].replace(",", ""))
    first = int(at.session_state[state.DATASET].tables["customers"].frame.shape[0])
    assert scored > first  # the same customers plus next month's sign-ups
    summary = at.markdown[0].value
    both, stayed = (int(x.replace(",", "")) for x in re.match(r"- Of ([\d,]+) customers in both, ([\d,]+) ",
                                                                summary).groups())
    assert both == first
    assert 0.7 < stayed / both < 1  # most stay, some move
    matrix = next(d.value for d in at.dataframe if "(new)" in list(d.value.index))
    assert int(matrix.loc["(new)"].sum()) == scored - first
    assert int(matrix["(gone)"].sum()) == 0  # nobody leaves the export: churned accounts stay in it
    assert json.loads(at.get("vega_lite_chart")[0].proto.spec)["title"] == "Where customers moved"
    # The result stays on reruns (the button is a one-off click); an upload takes over.
    at.run()
    assert _headings(at)[1] == "Who moved"
    _upload(at, "track_newer", "mine.csv", at.session_state[state.DATASET].tables["customers"].frame.to_csv(index=False)
            .encode())
    assert not at.exception, at.exception
    assert "next_month/customers.csv" not in _captions(at)
    assert at.markdown[0].value.startswith(f"- Of {first:,} customers in both, {first:,} (100%) stayed")


def test_the_next_month_button_is_only_offered_on_the_sample(root, exports):
    seg = exports[2]
    at = _open(root, **{state.SEGMENTATION: seg})
    assert not at.exception
    assert not [b for b in at.button if b.key == "track_sample_next"]
    assert "next month" not in at.info[0].value


# -- the newer export read the way the Data page reads an upload -------------------------------------------------

def _session_of(files: dict[str, bytes]) -> dict:
    """The session state the Data page leaves after these uploads (kind -> (name, bytes)): the library's Dataset."""
    from segmentation.dataset import Dataset

    return {state.DATASET: Dataset.read(**files)}


def _events_csv(seed: int = 5, n_customers: int = 40, rows: int = 1200) -> bytes:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "user_id": [f"u{i:05d}" for i in rng.integers(0, n_customers, rows)],
        "event_type": rng.choice(["open", "share", "export"], rows),
        "event_time": [f"{t:%Y-%m-%d %H:%M}" for t in pd.Timestamp("2024-01-01")
                       + pd.to_timedelta(rng.integers(0, 120 * 24, rows), "h")],
    }).to_csv(index=False).encode()


def test_a_session_of_events_alone_scores_a_newer_events_file(root):
    session = _session_of({"events": ("events.csv", _events_csv())})
    assert session[state.DATASET].customers_from == "events"
    table = customer_table(session[state.DATASET].tables["customers"].frame, customer_id="user_id",
                           events=session[state.DATASET].tables["events"].frame,
                           event_roles={"customer_id": "user_id", "event_date": "event_time"})
    seg = kmeans.fit_kmeans(table, ["active_days_30d", "events_90d"], k=2, random_state=0)
    at = _open(root, **session, **{state.SEGMENTATION: seg})
    _upload(at, "track_newer", "events.csv", _events_csv())
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _headings(at) == ["40 customers scored", "Who moved"]
    assert at.markdown[0].value.startswith("- Of 40 customers in both, 40 (100%) stayed")
    assert "the 40 customers are the distinct ids in column 'user_id' of events.csv" in _captions(at)


def test_an_mrr_derived_from_arr_is_derived_on_the_newer_export_too(root):
    rng = np.random.default_rng(8)
    accounts = pd.DataFrame({"account_id": [f"A{i:04d}" for i in range(60)],
                             "arr_usd": rng.lognormal(9, 1, 60).round(0), "seats": rng.integers(1, 50, 60)})
    session = _session_of({"customers": ("accounts.csv", _csv(accounts))})
    frame = session[state.DATASET].tables["customers"].frame
    assert "mrr (from arr_usd)" in frame.columns
    seg = kmeans.fit_kmeans(frame.set_index("account_id"), ["mrr (from arr_usd)", "seats"], k=3, random_state=0)
    at = _open(root, **session, **{state.SEGMENTATION: seg})
    grown = accounts.assign(arr_usd=accounts["arr_usd"].where(accounts.index >= 3, accounts["arr_usd"] * 40))
    _upload(at, "track_newer", "accounts.csv", _csv(grown))
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "60 customers scored" in _headings(at)
    assert "mrr (from arr_usd)' = arr_usd / 12" in _captions(at)
    moved = int(at.markdown[0].value.split(" and ")[1].split(" moved")[0])
    assert 0 < moved <= 3  # only the three accounts that grew can move


def test_a_session_of_transactions_alone_reads_the_newer_file_as_transactions(root):
    rng = np.random.default_rng(2)
    countries = {f"C{i:03d}": rng.choice(["DE", "FR", "UK"]) for i in range(40)}
    ids = rng.choice(list(countries), 400)
    tx = pd.DataFrame({"invoice_id": [f"INV{i:05d}" for i in range(400)], "customer_id": ids,
                       "invoice_date": [f"{d:%Y-%m-%d}" for d in pd.Timestamp("2024-01-01")
                                        + pd.to_timedelta(rng.integers(0, 200, 400), "D")],
                       "amount": rng.integers(10, 500, 400).astype(float),
                       "Country": [countries[i] for i in ids]})
    session = _session_of({"transactions": ("invoices.csv", _csv(tx))})
    assert session[state.DATASET].customers_from == "transactions"
    data = session[state.DATASET]
    customers = data.tables["customers"].frame
    assert list(customers.columns) == ["customer_id", "Country"]  # one country per customer comes along
    table = customer_table(customers, customer_id="customer_id", transactions=data.tables["transactions"].frame,
                           transaction_roles=dict(data.roles["transactions"].roles))
    seg = kmeans.fit_kmeans(table, ["monetary", "Country"], k=3, random_state=0)
    at = _open(root, **session, **{state.SEGMENTATION: seg})
    _upload(at, "track_newer", "invoices.csv", _csv(tx))
    assert not at.exception and not at.error, [e.value for e in at.error]  # read as customers: "lacks 'Country'"
    assert at.markdown[0].value.startswith("- Of 40 customers in both, 40 (100%) stayed")
    # A customers file (one row per customer) with the purchases beside it is read as the customers it is.
    signed = pd.DataFrame({"customer_id": list(countries), "Country": list(countries.values()),
                           "signup_date": "2023-12-01"})
    _upload(at, "track_newer", "accounts.csv", _csv(signed))
    _upload(at, "track_transactions", "invoices.csv", _csv(tx))
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.markdown[0].value.startswith("- Of 40 customers in both, 40 (100%) stayed")
