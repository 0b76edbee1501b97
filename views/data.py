"""Data: the sample or your exports, how they were read, their quality, and which column is what."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from segmentation.dataset import Dataset
from segmentation.errors import DataError
from segmentation.features import ids_as_text
from segmentation.cleaning import notes_for_amount, quality_summary
from segmentation.outcomes import OUTCOME_KINDS
from segmentation.roles import CATEGORIES, ROLES_BY_KIND, role_label
from ui import state
from ui.connect import connect_panel
from ui.loading import customer_id_pending, load_sample, load_upload


DATE_ORDERS = {"Detected": None, "Day first (dd/mm)": "dmy", "Month first (mm/dd)": "mdy"}

st.title("Data")
st.caption("Start from the bundled sample or upload your own exports: CSV, TSV, XLSX or Parquet. "
           "Everything stays on this machine.")

# -- inputs --------------------------------------------------------------------------------------
left, right = st.columns([3, 1])
with left:
    uploads = {
        "customers": st.file_uploader("Customers (one row per account)", type=["csv", "tsv", "txt", "xlsx", "parquet"],
                                      key="upload_customers"),
        "transactions": st.file_uploader("Transactions, orders or invoices (optional; enough on their own)",
                                         type=["csv", "tsv", "txt", "xlsx", "parquet"], key="upload_transactions"),
        "events": st.file_uploader("Events or daily activity (optional)",
                                   type=["csv", "tsv", "txt", "xlsx", "parquet"], key="upload_events"),
    }
    connect_panel()  # a database, a warehouse or a folder of files instead of uploads (ui/connect.py)
files = {kind: f for kind, f in uploads.items() if f is not None}
# What is in the upload boxes (bytes, sheet, date order): it is read again only when this changes.
key = hashlib.sha256(b"".join(hashlib.sha256(f.getvalue()).digest() for f in files.values())
                     + repr(sorted((k, st.session_state.get(f"sheet_{k}"), st.session_state.get(f"date_order_{k}"))
                                   for k in files)).encode()).hexdigest() if files else None
with right:
    if st.button("Use the sample data", icon=":material/dataset:", width="stretch"):
        state.set_data(load_sample())
        # The files still in the boxes count as read, so the sample stays until the user changes them.
        st.session_state["_uploaded_key"] = key
        st.rerun()  # so the sidebar, drawn before this page, shows the new data

if files:
    parsed, failed = {}, False
    for kind, upload in files.items():
        sheet = st.session_state.get(f"sheet_{kind}")
        date_order = DATE_ORDERS.get(st.session_state.get(f"date_order_{kind}"))
        try:
            parsed[kind] = load_upload(upload.getvalue(), upload.name, sheet, date_order)
        except DataError as exc:
            st.error(f"{exc} Your previously loaded data is kept.", icon=":material/error:")
            failed = True
    if not failed and key != st.session_state.get("_uploaded_key"):
        try:
            # The library's one way in: cleaned per kind, roles guessed, subscriptions rolled up, and the
            # customers taken from an orders or events export that came alone.
            loaded = Dataset.from_tables(parsed)
        except DataError as exc:
            st.error(f"{exc} Your previously loaded data is kept.", icon=":material/error:")
        else:
            state.set_data(loaded)
            st.session_state["_uploaded_key"] = key
            st.toast(f"Loaded {loaded.source}", icon=":material/check:")
            st.rerun()  # so the sidebar, drawn before this page, shows the new data

if not state.tables():
    st.info("Upload a customers file (or an orders or invoices export alone), or use the sample data, to begin.")
    st.stop()

# -- what was read ---------------------------------------------------------------------------------
data = state.dataset()
# Widgets follow the data's version: after a correction they show the roles as they now are.
version = data.version
st.subheader(f"Loaded: {data.source}")
# Orders or events whose customer id the user has yet to pick: no customers until then.
pending = customer_id_pending(where=f"({role_label('customer_id')}, below)")
pending_kind = data.pending
for kind, table in data.tables.items():
    role_map = data.roles[kind]
    with st.expander(f"{kind.capitalize()}: {table.name}", expanded=kind in ("customers", pending_kind)):
        cols = st.columns(5)
        cols[0].metric("Rows", f"{len(table.frame):,}")
        cols[1].metric("Columns", table.frame.shape[1])
        cols[2].metric("Encoding", table.encoding or "n/a")
        cols[3].metric("Delimiter", {"\t": "tab", None: "n/a"}.get(table.delimiter, table.delimiter))
        cols[4].metric("Header row", table.header_row + 1)
        if len(table.sheets) > 1:
            st.selectbox("Sheet", table.sheets, index=list(table.sheets).index(table.sheet),
                         key=f"sheet_{kind}", help="The workbook has several sheets; pick the one to read.")
        if table.ambiguous_dates or table.date_order:
            # Both readings fit every value: the user knows which their system writes.
            st.segmented_control(
                f"Date order ({', '.join(table.ambiguous_dates) or 'as chosen'})", list(DATE_ORDERS),
                default=next((k for k, v in DATE_ORDERS.items() if v == table.date_order), "Detected"),
                key=f"date_order_{kind}", help="Every date in these columns could be read day-first or month-first; "
                                               "the note below says which was chosen and why.")
        # The currency warning follows the column mapped as the amount now, not the one guessed at load.
        notes = notes_for_amount(table.notes, table.frame, role_map.get("amount")) if kind == "transactions" \
            else table.notes
        for note in notes:
            if note.startswith("Warning:"):  # e.g. amounts in several currencies added as they are
                st.warning(note.removeprefix("Warning:").strip(), icon=":material/warning:")
            else:
                st.caption(f":material/info: {note}")

        preview = table.frame.head(200)
        for role in ("customer_id", "order_id"):
            column = role_map.get(role)
            if column in preview.columns and pd.api.types.is_float_dtype(preview[column]):
                try:  # ids read as floats (a column with blanks) show as written: 17850, not 17850.0
                    preview = preview.assign(**{column: ids_as_text(preview[column], column=column, table=kind)})
                except DataError:
                    pass  # not whole numbers: show them as they are; the role check says what is wrong
        dates = {c: st.column_config.DateColumn(c, format="YYYY-MM-DD")
                 for c in preview.columns if pd.api.types.is_datetime64_any_dtype(preview[c])}
        st.dataframe(preview, hide_index=True, height=260, column_config=dates)

        # Filled in after the role boxes below, so that it says what is missing after the user's pick.
        unmapped_slot = st.empty()
        quality = quality_summary(table.frame, role_map, header_row=table.header_row, name=table.name)
        for note in quality.notes:
            st.warning(note, icon=":material/warning:")
        st.markdown("**Data quality and column roles**")
        roles_left, roles_right = st.columns([1, 2])
        with roles_left:
            options = [None] + [c.name for c in role_map.columns]
            for role in ROLES_BY_KIND[kind]:
                current = role_map.get(role)
                chosen = st.selectbox(
                    role_label(role), options, index=options.index(current),
                    format_func=lambda c: "— none —" if c is None else c, key=f"role_{kind}_{role}_{version}",
                )
                if chosen != current:
                    # A column keeps one role, and naming the id of the orders the customers come from takes
                    # them again: the Dataset does both.
                    try:
                        state.update(data.with_role(kind, role, chosen))
                    except DataError as exc:
                        st.error(str(exc), icon=":material/error:")
                    else:
                        st.rerun()
                if role == "outcome" and current is not None:
                    # What the outcome measures names it everywhere ("response rate"); only churn feeds LTV.
                    kinds = list(OUTCOME_KINDS)
                    picked = st.selectbox("Outcome kind", kinds, index=kinds.index(role_map.outcome_kind),
                                          key=f"outcome_kind_{kind}_{version}",
                                          help="What the outcome column measures: churn (it feeds churn rate and "
                                               "LTV), a conversion, a campaign response, or another yes/no.")
                    if picked != role_map.outcome_kind:
                        state.update(data.with_outcome_kind(picked))
                        st.rerun()
        missing = data.missing_roles(kind)
        unmapped = [role_label(role, in_sentence=True) for role in missing]
        if kind == pending_kind:
            others = [role_label(role, in_sentence=True) for role in missing if role != "customer_id"]
            unmapped_slot.warning(pending + (f" Say which column holds the {' and the '.join(others)} too."
                                             if others else ""), icon=":material/warning:")
        elif unmapped:
            unmapped_slot.warning(f"Say which column of {table.name} holds the {' and the '.join(unmapped)} "
                                  f"(below); until then the {kind} cannot be used.", icon=":material/warning:")
        with roles_right:
            edited = st.data_editor(
                quality.columns.assign(missing_share=lambda d: d["missing_share"] * 100,
                                       role=lambda d: d["role"].map(role_label)),
                hide_index=True, key=f"columns_{kind}_{version}", disabled=["column", "level", "role", "missing_share",
                                                                             "distinct", "constant"],
                column_config={
                    "category": st.column_config.SelectboxColumn("category", options=list(CATEGORIES)),
                    "missing_share": st.column_config.ProgressColumn("missing", format="%.0f%%", min_value=0,
                                                                     max_value=100),
                },
            )
            corrected = data
            for row in edited.itertuples():
                category = row.category if isinstance(row.category, str) and row.category else None
                if category != role_map.column(row.column).category:
                    corrected = corrected.with_category(kind, row.column, category)
            if corrected is not data:
                state.update(corrected)
                st.rerun()

st.page_link("views/segment.py", label="Next: choose variables and segment", icon=":material/arrow_forward:")
