"""Exports: the customer list per segment (CSV), one readable workbook (XLSX), and the recipe.

Every text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is written with a leading single quote, in CSV
and XLSX alike, so a company name such as ``=HYPERLINK("http://x", "y")`` stays inert text.
Numbers stay numbers (a negative MRR is not text). Customer ids are written as text exactly
as in the file, leading zeros kept.

The recipe (`recipe_json` / `load_recipe`) is the segmentation's own JSON (variables,
transforms, method, fitted state, names) plus the action plan, so next month's export can
be scored with the same segments (`Segmentation.assign`, or `python -m segmentation assign`).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas._libs import lib

from .errors import DataError
from .result import Segmentation

__all__ = [
    "neutralise",
    "neutralise_frame",
    "neutralise_values",
    "assignments_frame",
    "assignments_csv",
    "workbook",
    "matrices_workbook",
    "validation_frame",
    "recipe_json",
    "load_recipe",
    "FORMULA_PREFIXES",
]

# Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP
# "CSV injection"), plus their full-width forms that some locales also accept.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

_MONEY_WORDS = ("mrr", "arr", "revenue", "monetary", "amount", "arpa", "ltv", "price", "spend", "value")
_PERCENT_WORDS = ("share", "rate", "conversion", "retention", "churn", "%")
_HEADER_FILL = "DCE6F1"
_MAX_WIDTH = 60
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


# -- formula neutralisation -----------------------------------------------------------------------
def neutralise(value: Any) -> Any:
    """`value` with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and column name neutralised; numbers and dates untouched.

    The same as `Series.map(neutralise)` on the object, string and categorical columns (which come out
    as object columns, or numbers when they hold no text), without a Python call per cell: the first
    characters of a text column are compared at once, and only the cells that start a formula are
    looked at and rewritten one by one.
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        values = out.iloc[:, position]
        if values.dtype == object or isinstance(values.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            cells = neutralise_values(values)
            # As Series.map did: a column without text comes out as numbers (or bools) where it can.
            out.isetitem(position, pd.Series(lib.maybe_convert_objects(cells), index=out.index))
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def neutralise_values(values: Any) -> np.ndarray:
    """`neutralise` applied to each of `values` (any 1-d array-like), as a new object array."""
    cells = pd.Series(values).astype(object).to_numpy(copy=True)  # what astype(object) makes of NA, categories
    hits = np.flatnonzero(_formula_mask(cells))
    if len(hits):
        cells[hits] = ["'" + value for value in cells[hits]]
    return cells


def _formula_mask(cells: np.ndarray) -> np.ndarray:
    """True where the cell is text (a str) that starts with one of FORMULA_PREFIXES."""
    if pd.api.types.infer_dtype(cells, skipna=True) == "string":  # text and missing values: the usual case
        # The first characters of every cell at once (numpy's fixed-width text), compared with the prefixes.
        hit = np.zeros(len(cells), dtype=bool)
        for length in sorted({len(p) for p in FORMULA_PREFIXES}):
            heads = cells.astype(f"U{length}")  # a missing value gives "N", "n" or "<" (None, nan, <NA>)
            hit |= np.isin(heads, [p for p in FORMULA_PREFIXES if len(p) == length])
        candidates = np.flatnonzero(hit)  # few: confirmed one by one, so the mask is exactly the definition
        hit[candidates] = [isinstance(v, str) and v.startswith(FORMULA_PREFIXES) for v in cells[candidates]]
        return hit
    # Mixed cells: decide once per distinct value (a number never equals a str, so the codes keep them apart).
    try:
        codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists): one at a time
        return np.fromiter((isinstance(v, str) and v.startswith(FORMULA_PREFIXES) for v in cells),
                           dtype=bool, count=len(cells))
    if not len(distinct):
        return np.zeros(len(cells), dtype=bool)
    flagged = np.fromiter((isinstance(v, str) and v.startswith(FORMULA_PREFIXES) for v in distinct),
                          dtype=bool, count=len(distinct))
    return np.append(flagged, False)[codes]  # code -1 (missing) -> the appended False


# -- assignments ------------------------------------------------------------------------------------
def assignments_frame(
    frame: pd.DataFrame | None,
    segmentation: Segmentation,
    *,
    id_name: str = "customer_id",
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per segmented customer: id (text, as in the file), segment, the method's scores
    and `columns` of `frame` (default: the segmentation's variables)."""
    labels = segmentation.labels
    out = pd.DataFrame({id_name: pd.Index(labels.index).astype(str), "segment": labels.astype(str).to_numpy()})
    scores = segmentation.scores
    if scores is not None and len(scores):
        aligned = _by_text_id(scores, out[id_name])
        for column in aligned.columns:
            if str(column) not in out.columns:
                out[str(column)] = aligned[column].to_numpy()
    if frame is not None:
        chosen = list(segmentation.variables) if columns is None else list(columns)
        missing = [c for c in chosen if c not in frame.columns]
        if columns is not None and missing:
            raise DataError(f"The customer table has no column {missing[0]!r} to export.")
        chosen = [c for c in chosen if c in frame.columns and str(c) not in out.columns]
        if chosen:
            data = _by_text_id(frame[chosen], out[id_name])
            for column in chosen:
                out[str(column)] = data[column].to_numpy()
    return out


def _by_text_id(table: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """`table`'s rows in the order of `ids`, matched on the id as text (labels are keyed by text)."""
    aligned = table.copy()
    aligned.index = aligned.index.astype(str)
    return aligned.reindex(ids)


def assignments_csv(
    frame: pd.DataFrame | None,
    segmentation: Segmentation,
    *,
    id_name: str = "customer_id",
    columns: Sequence[str] | None = None,
    bom: bool = True,
) -> bytes:
    """`assignments_frame` as UTF-8 CSV bytes, formulas neutralised. `bom` (default) adds the
    byte-order mark that makes Excel read accents right; scripts may prefer bom=False."""
    table = neutralise_frame(assignments_frame(frame, segmentation, id_name=id_name, columns=columns))
    text = table.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\r\n")
    return text.encode("utf-8-sig" if bom else "utf-8")


# -- the workbook -------------------------------------------------------------------------------------
def workbook(
    frame: pd.DataFrame | None,
    segmentation: Segmentation,
    *,
    id_name: str = "customer_id",
    columns: Sequence[str] | None = None,
    profiles: Any = None,
    validation: Any = None,
    action_plan: pd.DataFrame | None = None,
    cohorts: Mapping[str, pd.DataFrame] | None = None,
) -> bytes:
    """One XLSX: sheets Assignments, Profiles, Validation, Action plan (those given) and one per
    cohort matrix; bold filled header, frozen header row, column widths, money and percent
    formats, ids as text, formulas neutralised."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    assignments = assignments_frame(frame, segmentation, id_name=id_name, columns=columns)
    _sheet(book, "Assignments", assignments, text_columns={id_name, "segment"})
    if profiles is not None:
        table = profiles.table().reset_index()
        from .profiles import KPI_LABELS

        label = getattr(profiles, "label", lambda k: KPI_LABELS.get(k, k))  # names that follow the data
        extra = [("Definitions", "")] + [(label(k), v) for k, v in profiles.definitions.items()]
        if profiles.notes:
            extra += [("Notes", "")] + [("", note) for note in profiles.notes]
        _sheet(book, "Profiles", table, text_columns={"segment", "short name", "rule"}, footer=extra)
    if validation is not None:
        table, rules = validation_frame(validation)
        footer = [("Segment rules", "")] + list(rules.items()) if rules else None
        _sheet(book, "Validation", table, text_columns=set(table.columns), footer=footer)
    if action_plan is not None:
        from .actions import PLAN_LABELS

        plan = action_plan.rename(columns=PLAN_LABELS)
        _sheet(book, "Action plan", plan, text_columns=set(plan.columns), wrap=True)
    used = {"Assignments", "Profiles", "Validation", "Action plan"}
    for name, matrix in (cohorts or {}).items():
        title = _sheet_title(f"Cohorts {name}", used)
        used.add(title)
        data = _flat(matrix)
        _sheet(book, title, data, text_columns={data.columns[0]},
               percent=any(w in str(name).lower() for w in _PERCENT_WORDS))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def matrices_workbook(matrices: Mapping[str, pd.DataFrame]) -> bytes:
    """One XLSX sheet per matrix (cohorts and the like), formatted and neutralised as `workbook` does."""
    from openpyxl import Workbook

    if not matrices:
        raise DataError("There are no matrices to export yet.")
    book = Workbook(write_only=True)
    used: set[str] = set()
    for name, matrix in matrices.items():
        title = _sheet_title(str(name), used)
        used.add(title)
        data = _flat(matrix)
        _sheet(book, title, data, text_columns={data.columns[0]},
               percent=any(w in str(name).lower() for w in _PERCENT_WORDS))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def validation_frame(validation: Any) -> tuple[pd.DataFrame, dict[str, str]]:
    """Validation criteria as rows (criterion, verdict, why, figures) and the segment rules."""
    if isinstance(validation, pd.DataFrame):
        return validation.copy(), {}
    rows = []
    for criterion in getattr(validation, "criteria", ()) or ():
        figures = getattr(criterion, "figures", {}) or {}
        rows.append({
            "criterion": str(getattr(criterion, "name", "")),
            "verdict": str(getattr(criterion, "verdict", "")),
            "why": str(getattr(criterion, "why", "")),
            "figures": "; ".join(f"{k}: {_figure(v)}" for k, v in figures.items()),
        })
    rules = {str(k): str(v) for k, v in (getattr(validation, "segment_rules", {}) or {}).items()}
    return pd.DataFrame(rows, columns=["criterion", "verdict", "why", "figures"]), rules


# -- recipes ------------------------------------------------------------------------------------------
def recipe_json(
    segmentation: Segmentation,
    *,
    action_plan: pd.DataFrame | None = None,
    profiles_names: Mapping[str, str] | None = None,
) -> str:
    """The segment recipe as JSON text: `Segmentation.to_json()` plus the action plan (one
    record per segment) and the profiles' short names."""
    extra: dict[str, Any] = {}
    if action_plan is not None:
        plan = action_plan.copy()
        plan = plan.astype(object).where(plan.notna(), "")
        extra["action_plan"] = [{str(k): _plain(v) for k, v in row.items()} for row in plan.to_dict("records")]
    if profiles_names:
        extra["profile_names"] = {str(k): str(v) for k, v in profiles_names.items()}
    return segmentation.to_json(**extra)


def load_recipe(text: str | bytes) -> tuple[Segmentation, pd.DataFrame | None]:
    """The Segmentation (ready to `assign`, labels empty) and the action plan saved with it."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError("The recipe is not UTF-8 text; save it again from the app.") from None
    try:
        recipe = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"The recipe is not valid JSON (line {exc.lineno}): {exc.msg}.") from None
    segmentation = Segmentation.from_recipe(recipe)
    plan = None
    records = recipe.get("action_plan") if isinstance(recipe, Mapping) else None
    if records:
        if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
            raise DataError("The recipe's action plan is not a list of rows; save it again from the app.")
        from .actions import align_plan

        plan = align_plan(pd.DataFrame(records), segmentation.segments)
    return segmentation, plan


# -- sheet writing -------------------------------------------------------------------------------------
def _sheet(book: Any, title: str, table: pd.DataFrame, *, text_columns: set[str] = frozenset(),
           percent: bool | None = None, footer: Sequence[tuple[str, str]] | None = None, wrap: bool = False) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    columns = [str(c) for c in table.columns]
    formats = [_number_format(c, table[c], c in text_columns, percent) for c in table.columns]
    widths = [_width(c, table[c]) for c in table.columns]
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width

    bold, fill = Font(bold=True), PatternFill("solid", start_color=_HEADER_FILL, end_color=_HEADER_FILL)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=neutralise(name))
        cell.font, cell.fill = bold, fill
        cell.data_type = "s"
        header.append(cell)
    sheet.append(header)

    wrapping = Alignment(wrap_text=True, vertical="top") if wrap else None
    values = [_cells(table[c], c in text_columns) for c in table.columns]
    for row in zip(*values):
        cells = []
        for value, number_format in zip(row, formats):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
                if number_format == "@":
                    cell.number_format = "@"
            elif number_format and value is not None:
                cell.number_format = number_format
            if wrapping is not None:
                cell.alignment = wrapping
            cells.append(cell)
        sheet.append(cells)
    if footer:
        sheet.append([])
        for key, text in footer:
            first = WriteOnlyCell(sheet, value=neutralise(str(key)))
            first.data_type = "s"
            if not text:
                first.font = bold
            second = WriteOnlyCell(sheet, value=neutralise(str(text)))
            second.data_type = "s"
            sheet.append([first, second])


def _cells(values: pd.Series, as_text: bool) -> list[Any]:
    """Python values for openpyxl: text neutralised, NaN/NaT as empty, numpy scalars plain."""
    if as_text:
        return [None if _missing(v) or v == "" else neutralise(str(v)) for v in values.tolist()]
    if pd.api.types.is_datetime64_any_dtype(values):
        stripped = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
        return [None if pd.isna(v) else v.to_pydatetime() for v in stripped]
    if pd.api.types.is_bool_dtype(values):
        return [None if _missing(v) else bool(v) for v in values.tolist()]
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float).to_numpy()
        whole = _is_int(values)
        return [None if not np.isfinite(v) else (int(v) if whole else float(v)) for v in numbers]
    return [None if _missing(v) else (neutralise(v) if isinstance(v, str) else _plain(v)) for v in values.tolist()]


def _number_format(name: Any, values: pd.Series, as_text: bool, percent: bool | None) -> str | None:
    if as_text:
        return "@"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "yyyy-mm-dd"
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    lowered = str(name).lower()
    if percent if percent is not None else any(w in lowered for w in _PERCENT_WORDS):
        return "0.0%"
    if any(re.search(rf"(^|[^a-z]){w}", lowered) for w in _MONEY_WORDS):
        return "#,##0.00"
    if _is_int(values):
        return "#,##0"
    return "#,##0.00"


def _width(name: Any, values: pd.Series) -> float:
    sample = values.head(200)
    longest = max([len(str(name))] + [len(str(v)) for v in sample.tolist() if not _missing(v)])
    return float(min(max(longest + 2, 8), _MAX_WIDTH))


def _is_int(values: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(values):
        return True
    if not pd.api.types.is_float_dtype(values):
        return False
    finite = values.dropna()
    return bool(len(finite)) and bool(np.all(np.mod(finite.to_numpy(), 1) == 0)) and finite.abs().max() < 2**53


def _flat(matrix: pd.DataFrame) -> pd.DataFrame:
    data = matrix.copy()
    if isinstance(data.columns, pd.MultiIndex):
        data.columns = [" / ".join(map(str, c)) for c in data.columns]
    data.columns = [str(c) for c in data.columns]
    name = " / ".join(str(n) for n in data.index.names if n is not None) or "cohort"
    if isinstance(data.index, pd.MultiIndex):
        data.index = [" / ".join(map(str, i)) for i in data.index]
    data.index = [str(i) for i in data.index]
    return data.rename_axis(name).reset_index()


def _sheet_title(name: str, used: set[str]) -> str:
    base = _SHEET_NAME.sub(" ", name).strip("'")[:31] or "Sheet"
    title, n = base, 1
    while title in used:
        n += 1
        title = f"{base[:28]} {n}"
    return title


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (np.floating,)):
        return f"{float(value):.4g}"
    return str(value)


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value
