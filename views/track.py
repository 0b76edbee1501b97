"""Track: re-apply saved segments to a newer export and see who moved where."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import streamlit as st

from segmentation.charts.profiles import migration_heatmap
from segmentation.errors import DataError
from segmentation.export import assignments_csv, load_recipe, neutralise_frame
from segmentation.sample import NEXT_MONTH_FILES, NEXT_MONTH_FOLDER
from segmentation.dataset import read_newer_export
from segmentation.tracking import migration, no_purchases_label, same_segments
from ui import state
from ui.health_view import render_score_change
from ui.loading import SAMPLE_DIR, customer_id_pending, load_upload
from ui.memo import memo
from ui.workspace import history_section, record_scoring


FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet"]
SESSION, RECIPE, BEFORE_FILE, NOTHING = "This session's segments", "A recipe file", "A 'before' file", "Nothing"
# The last export that scored, so a failed upload shows its error next to it instead of a blank page.
LAST_RESULT = "_track_last_result"
# On the bundled sample, its next month (same customers, a month later) can stand in for the newer export.
NEXT_MONTH = [SAMPLE_DIR / NEXT_MONTH_FOLDER / name for name in NEXT_MONTH_FILES]  # customers, transactions
USE_NEXT_MONTH = "_track_sample_next_month"


def _stop():
    """Stop the page once the history is drawn: it needs no upload."""
    history_section()
    st.stop()


class _Bundled:
    """A file shipped with the app, shaped like an upload (name, getvalue) so it takes the same path."""

    def __init__(self, path):
        self.name = f"{path.parent.name}/{path.name}"
        self.data = path.read_bytes()

    def getvalue(self) -> bytes:
        return self.data


st.title("Track")
st.caption("Score a newer export with saved segments, without refitting, and see which customers moved. "
           "Everything stays on this machine.")
current = state.get(state.SEGMENTATION)
pending = customer_id_pending()
if pending:
    st.info(f"{pending} A saved recipe can still score a newer export here.", icon=":material/info:")

# -- inputs -------------------------------------------------------------------------------------------
left, right = st.columns(2)
with left:
    sources = ([SESSION] if current is not None else []) + [RECIPE]
    source = st.radio("Segments to apply", sources, key="track_source", horizontal=True)
    recipe_file = st.file_uploader("Segment recipe (JSON)", type=["json"], key="track_recipe") \
        if source == RECIPE else None
with right:
    newer = st.file_uploader("Newer export: customers, or transactions for an RFM recipe", type=FILE_TYPES,
                             key="track_newer")
    purchases = st.file_uploader("Transactions of the same period (optional)", type=FILE_TYPES,
                                 key="track_transactions",
                                 help="Needed when the segments use recency, frequency, monetary or tenure and "
                                      "the newer export is a customers table.")
    # Only while the bundled sample is loaded: its next month matches the session's customers.
    on_sample = state.on_sample() and all(path.is_file() for path in NEXT_MONTH)
    if newer is not None or purchases is not None or not on_sample:
        st.session_state.pop(USE_NEXT_MONTH, None)  # an upload (or other data) takes over
    elif not st.session_state.get(USE_NEXT_MONTH):
        if st.button("Try it with the sample's next month", key="track_sample_next", icon=":material/calendar_month:",
                     help="Scores sample_data/next_month/: the same customers a month later (customers and "
                          "invoices, no events), so you can see who moved without preparing files."):
            st.session_state[USE_NEXT_MONTH] = True
    if st.session_state.get(USE_NEXT_MONTH):
        newer, purchases = (_Bundled(path) for path in NEXT_MONTH)
        st.caption(f":material/calendar_month: Scoring the sample's next month: {newer.name} with "
                   f"{purchases.name}, the same customers a month later plus new sign-ups. Upload a file to "
                   f"score your own instead.")

if source == RECIPE and recipe_file is None:
    st.info("Upload a recipe saved from the Profiles page (or by `python -m segmentation kmeans ... --recipe`).")
    if current is None:
        st.page_link("views/segment.py", label="Or segment your customers first", icon=":material/donut_small:")
    _stop()
if newer is None:
    st.info("Upload the newer export to score." + (" Or try the sample's next month: the button above scores the "
                                                    "same customers a month later." if on_sample else ""))
    _stop()


def _digest(*uploads) -> str:
    return hashlib.sha256(b"".join(hashlib.sha256(u.getvalue()).digest() for u in uploads if u)).hexdigest()


def _named(file_name: str, step):
    """Run `step`; a DataError it raises names `file_name`, so the user knows which upload to fix."""
    try:
        return step()
    except DataError as exc:
        message = str(exc)
        raise DataError(message if file_name in message else f"{file_name}: {message}") from None


data = state.dataset()
# The loaded data's version stands for the roles confirmed on the Data page and where the customers came from.
data_key = data.version if data is not None else None
scored_files = f"{newer.name}" + (f" with {purchases.name}" if purchases else "")


def _table(upload):
    return _named(upload.name, lambda: load_upload(upload.getvalue(), upload.name))


def _read_export(upload, purchases_upload=None):
    """The export read as the Data page reads an upload (`Dataset.read_newer_export`), its notes shown."""
    table = _table(upload)
    extra = _table(purchases_upload) if purchases_upload is not None else None
    reader = data.read_newer_export if data is not None else read_newer_export
    export = _named(upload.name, lambda: memo(
        "track_read", (_digest(upload, purchases_upload), data_key),
        lambda: reader(table, transactions=extra)))
    for note in export.notes:
        st.caption(f":material/info: {upload.name}: {note}")
    return export


try:
    if recipe_file is not None:
        segmentation, _ = _named(recipe_file.name, lambda: memo("track_recipe", _digest(recipe_file),
                                                                lambda: load_recipe(recipe_file.getvalue())))
    else:
        segmentation = current
    export = _read_export(newer, purchases)
    labels, prepared = _named(scored_files, lambda: memo(
        "track_apply", (_digest(newer, purchases), data_key, segmentation.fingerprint),
        lambda: export.score(segmentation)))
    result = {"segmentation": segmentation, "labels": labels, "prepared": prepared, "purchases": purchases,
              "export": export,
              "files": scored_files + (f", segments from {recipe_file.name}" if recipe_file else "")}
    st.session_state[LAST_RESULT] = result
    kept = record_scoring(segmentation, labels, prepared, export, files=scored_files)
    if kept:
        st.toast(kept, icon=":material/history:")
except DataError as exc:
    st.error(str(exc), icon=":material/error:")
    result = st.session_state.get(LAST_RESULT)
    if result is None:
        _stop()
    st.caption(f":material/history: Still showing the last result that worked, from {result['files']}.")

segmentation, labels, prepared = result["segmentation"], result["labels"], result["prepared"]
for note in prepared.notes:
    st.caption(f":material/info: {note}")

# -- compare ------------------------------------------------------------------------------------------
# Labels of two different segmentations say nothing about who moved: offer the session's
# labels as the baseline only when the applied segments are the session's own.
session_baseline = current is not None and (segmentation is current or same_segments(segmentation, current))
options = ([SESSION] if session_baseline else []) + [BEFORE_FILE, NOTHING]
against = st.radio("Compare with", options, key="track_against", horizontal=True)
if current is not None and not session_baseline:
    st.caption(":material/info: The recipe is not this session's segmentation (other method, variables, "
               "segments or fit), so its labels cannot be compared with this session's; compare with the older "
               "export scored with the same recipe.")
before = None
if against == SESSION:
    before = current.labels
elif against == BEFORE_FILE:
    older = st.file_uploader("Before: the older export, scored with the same segments", type=FILE_TYPES,
                             key="track_older")
    if older is not None:
        try:
            # The older export's own monthly MRR (a rollup) beats the newer period's purchases.
            older_export = _read_export(older)
            older_purchases = result["purchases"] if older_export.kind != "subscriptions" else None
            if older_purchases is not None:
                older_export = _read_export(older, older_purchases)
            before, _ = _named(older.name, lambda: memo(
                "track_apply_before", (_digest(older, older_purchases), data_key, segmentation.fingerprint),
                lambda: older_export.score(segmentation)))
        except DataError as exc:
            st.error(str(exc), icon=":material/error:")

scored = replace(segmentation, labels=labels, scores=None)
sizes = scored.sizes.rename("customers").rename_axis("segment").reset_index()
st.subheader(f"{len(labels):,} customers scored")
st.dataframe(sizes, hide_index=True)
render_score_change(result.get("export"), (_digest(newer, purchases), data_key))
st.download_button("New assignments (CSV)",
                   lambda: assignments_csv(prepared.frame, scored, id_name=prepared.id_name),
                   file_name="segments_new.csv", mime="text/csv", on_click="ignore", icon=":material/download:")

if before is not None:
    before_key = current.fingerprint if against == SESSION else _digest(older)
    moves = memo("track_migration", (before_key, _digest(newer, purchases), data_key, segmentation.fingerprint),
                 lambda: migration(before, labels, segments=segmentation.segments, after_source=prepared.source,
                                   no_purchases=no_purchases_label(segmentation)))
    st.subheader("Who moved")
    st.markdown("\n".join(f"- {line}" for line in moves.summary))
    for note in moves.notes:
        st.caption(f":material/info: {note}")
    st.caption("Coloured cells are customers who moved; the grey diagonal is those who stayed.")
    st.altair_chart(migration_heatmap(moves), width="stretch")
    st.dataframe(moves.matrix, width="stretch")
    left, right = st.columns(2)
    left.download_button("Migration matrix (CSV)",
                         lambda: neutralise_frame(moves.matrix.reset_index()).to_csv(index=False).encode("utf-8-sig"),
                         file_name="migration_matrix.csv", mime="text/csv", on_click="ignore",
                         icon=":material/download:")
    right.download_button("Customers who moved (CSV)",
                          lambda: neutralise_frame(moves.moved).to_csv(index=False).encode("utf-8-sig"),
                          file_name="moved_customers.csv", mime="text/csv", on_click="ignore",
                          icon=":material/download:")
    with st.expander(f"The {len(moves.moved):,} customers who moved, joined or left"):
        st.dataframe(moves.moved, hide_index=True, width="stretch")

history_section()
