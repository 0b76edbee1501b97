"""The Lead fit tab: upload leads, score them against the customers who converted or stayed, download the list."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from segmentation.errors import DataError
from segmentation.export import neutralise_frame
from segmentation.leads import lead_fit
from segmentation.outcomes import outcome_choices, outcome_label
from ui import state
from ui.loading import load_upload
from ui.memo import memo

__all__ = ["render", "LEAD_FIT"]

LEAD_FIT = "lead_fit"  # the last LeadFit shown, for tests and the workbook
_LAST_UPLOAD = "_leads_last_upload"  # (file name, bytes) of the last leads file uploaded


@dataclass(frozen=True)
class _Upload:
    """The last upload, read like the uploader's file."""

    name: str
    data: bytes

    def getvalue(self) -> bytes:
        return self.data
FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet"]


def _outcomes(dataset) -> dict[str, str]:
    """Outcome choices as `lead_fit` takes them (the customer table's flag) -> how they read on screen."""
    frame = dataset.customer_table().frame
    roles = dataset.roles["customers"]
    choices = outcome_choices(frame, roles)
    # Converted first: "resembles the customers who converted" is what a leads list is for.
    ordered = sorted(choices, key=lambda c: c != "converted")
    return {column: outcome_label(column, choices[column], roles) for column in ordered}


def render(dataset, segmentation) -> None:
    st.caption("Score prospects or new trials by how closely they resemble the customers who converted (or stayed), "
               "using only the columns both files share: industry, size, country, channel...")
    try:
        outcomes = _outcomes(dataset)
    except DataError as exc:
        st.info(str(exc))
        return
    if not outcomes:
        st.info("Lead fit needs an outcome among the customers: map a converted-to-paid, churn or other outcome "
                "column on the Data page.")
        return
    outcome = st.selectbox("Outcome that makes a good customer", list(outcomes), format_func=outcomes.get,
                           key="leads_outcome")
    # The uploader is empty again after another tab of the page was open (only the open tab is drawn, and an upload
    # cannot be put back): the last file is kept aside and scored until the user removes it or uploads another.
    returning = "leads_file" not in st.session_state
    upload = st.file_uploader("Leads or trial sign-ups (CSV, TSV, XLSX or Parquet)", type=FILE_TYPES,
                              key="leads_file")
    if upload is not None:
        st.session_state[_LAST_UPLOAD] = (upload.name, upload.getvalue())
    elif returning and _LAST_UPLOAD in st.session_state:
        name, data = st.session_state[_LAST_UPLOAD]
        upload = _Upload(name, data)
        st.caption(f"Scoring **{name}**, uploaded earlier; upload another file to replace it.")
    else:
        st.session_state.pop(_LAST_UPLOAD, None)
    if upload is None:
        st.info("Upload a leads export to score it; it needs some of the customers' columns (e.g. industry, "
                "employees, country, channel).")
        return
    data = upload.getvalue()
    fingerprint = segmentation.fingerprint if segmentation is not None else None
    try:
        table = load_upload(data, upload.name)
        result = memo("lead_fit", (dataset.version, hashlib.sha256(data).hexdigest(), upload.name, outcome,
                                   fingerprint),
                      lambda: lead_fit(dataset, table, outcome, segmentation=segmentation))
    except DataError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    state.put(LEAD_FIT, result)
    columns = st.columns(3)
    columns[0].metric("Out-of-sample AUC", f"{result.auc:.2f}",
                      help="0.5 is a coin toss, 1.0 tells good customers from the rest perfectly.")
    columns[1].metric("95% interval", f"{result.auc_low:.2f} to {result.auc_high:.2f}")
    columns[2].metric("Base rate", f"{result.base_rate:.0%}", help=f"Share of customers who {result.good}.")
    (st.success if result.signal else st.warning)(result.sentence)
    for note in result.notes:
        st.caption(note)
    shown = result.scores.reset_index()
    if result.id_column is None:
        shown = shown.rename(columns={"row": "Row"})
    if result.signal:
        shown = shown.sort_values("fit", ascending=False, kind="stable")
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "fit": st.column_config.ProgressColumn("Fit", min_value=0, max_value=100, format="%d"),
        "segment_confidence": st.column_config.NumberColumn("Confidence", format="percent"),
        "likely_segment": "Likely segment", "tier": "Tier", "reasons": st.column_config.TextColumn("Why",
                                                                                                  width="large")})
    download = neutralise_frame(shown)  # ids and reasons quote the upload's text: inert in a spreadsheet
    name = upload.name.rsplit(".", 1)[0]
    st.download_button("Download the scored leads (CSV)", download.to_csv(index=False).encode("utf-8"),
                       file_name=f"{name}_fit.csv", mime="text/csv", key="leads_download")
