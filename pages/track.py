"""Track: re-apply saved segments to a newer export and see who moved where."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import streamlit as st

from segmentation.charts.profiles import migration_heatmap
from segmentation.errors import DataError
from segmentation.export import assignments_csv, load_recipe, neutralise_frame
from segmentation.tracking import apply_recipe, migration
from ui import state
from ui.loading import load_upload
from ui.memo import memo
from ui.shell import ensure_app_shell

ensure_app_shell()

FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet"]

st.title("Track")
st.caption("Score a newer export with saved segments, without refitting, and see which customers moved. "
           "Everything stays on this machine.")
current = state.get(state.SEGMENTATION)

# -- inputs -------------------------------------------------------------------------------------------
left, right = st.columns(2)
with left:
    sources = (["This session's segments"] if current is not None else []) + ["A recipe file"]
    source = st.radio("Segments to apply", sources, key="track_source", horizontal=True)
    recipe_file = st.file_uploader("Segment recipe (JSON)", type=["json"], key="track_recipe") \
        if source == "A recipe file" else None
with right:
    newer = st.file_uploader("Newer export: customers, or transactions for an RFM recipe", type=FILE_TYPES,
                             key="track_newer")
    purchases = st.file_uploader("Transactions of the same period (optional)", type=FILE_TYPES,
                                 key="track_transactions",
                                 help="Needed when the segments use recency, frequency, monetary or tenure and "
                                      "the newer export is a customers table.")

if source == "A recipe file" and recipe_file is None:
    st.info("Upload a recipe saved from the Profiles page (or by `python -m segmentation kmeans ... --recipe`).")
    if current is None:
        st.page_link("pages/segment.py", label="Or segment your customers first", icon=":material/donut_small:")
    st.stop()
if newer is None:
    st.info("Upload the newer export to score.")
    st.stop()


def _digest(*uploads) -> str:
    return hashlib.sha256(b"".join(hashlib.sha256(u.getvalue()).digest() for u in uploads if u)).hexdigest()


try:
    if recipe_file is not None:
        segmentation, _ = memo("track_recipe", _digest(recipe_file), lambda: load_recipe(recipe_file.getvalue()))
    else:
        segmentation = current
    newer_table = load_upload(newer.getvalue(), newer.name)
    extra = {"transactions": load_upload(purchases.getvalue(), purchases.name).frame} if purchases else {}
    labels, prepared = memo("track_apply", (_digest(newer, purchases), _digest(recipe_file), id(segmentation)),
                            lambda: apply_recipe(segmentation, newer_table.frame, **extra))
except DataError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()
for note in prepared.notes:
    st.caption(f":material/info: {note}")

# -- compare ------------------------------------------------------------------------------------------
options = (["This session's segments"] if current is not None else []) + ["A 'before' file", "Nothing"]
against = st.radio("Compare with", options, key="track_against", horizontal=True)
before = None
if against == "This session's segments":
    before = current.labels
elif against == "A 'before' file":
    older = st.file_uploader("Before: the older export, scored with the same segments", type=FILE_TYPES,
                             key="track_older")
    if older is not None:
        try:
            older_table = load_upload(older.getvalue(), older.name)
            before, _ = memo("track_apply", (_digest(older, purchases), _digest(recipe_file), id(segmentation)),
                             lambda: apply_recipe(segmentation, older_table.frame, **extra))
        except DataError as exc:
            st.error(str(exc), icon=":material/error:")

scored = replace(segmentation, labels=labels, scores=None)
sizes = scored.sizes.rename("customers").rename_axis("segment").reset_index()
st.subheader(f"{len(labels):,} customers scored")
st.dataframe(sizes, hide_index=True)
st.download_button("New assignments (CSV)",
                   lambda: assignments_csv(prepared.frame, scored, id_name=prepared.id_name),
                   file_name="segments_new.csv", mime="text/csv", on_click="ignore", icon=":material/download:")

if before is not None:
    moves = memo("track_migration", (id(before), id(labels)), lambda: migration(before, labels,
                                                                                segments=segmentation.segments))
    st.subheader("Who moved")
    st.markdown("\n".join(f"- {line}" for line in moves.summary))
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
