"""Text columns to numbers and dates, decided per column from all of its values.

Private helper of `segmentation.io`. Inputs are clean: Arrow string arrays whose values are
trimmed and whose empty cells are null. A column becomes a number or date column only when
every non-empty value fits one format, so a stray word keeps the whole column as text (and a
note says which row to fix) instead of silently turning into missing values.

The patterns are written once and run twice: by Python's `re` on a small sample (to skip
columns that are obviously text) and by Arrow's RE2 on the whole column (vectorised). They
therefore use only syntax both engines share: no look-arounds, no back-references, and
`[0-9]` rather than `\\d` (which means any Unicode digit to Python); case-insensitive parts
use the scoped `(?i:...)` both understand.

After conversion, numbers may still be dates (Excel serials, Unix times, judged by the column's
name and range) and a text column of labelled scores ("9 - Promoter") may be numbers.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Analysis", "DateParts", "analyse", "convert", "date_parts", "decide_decimal", "excel_serial_dates",
           "is_id_like", "leading_numbers", "looks_like_value", "names_a_date", "names_a_time", "names_an_identifier",
           "unix_time_dates", "DATE_ORDERS", "EXCEL_SERIAL", "MONTHS", "UNIX_SECONDS", "UNIX_MILLISECONDS",
           "UNIX_MICROSECONDS"]

# How the day, month and year of a date are ordered: day first, month first, year first.
DATE_ORDERS = ("dmy", "mdy", "ymd")
EXCEL_SERIAL = "Excel serial number"

# Cells that mean "no value" in number and date columns; a text column keeps them as written.
NULL_TOKENS = ("na", "n/a", "n.a.", "nan", "null", "none", "-", "--", "—", "–", "?", "#n/a", "#na", "#div/0!",
               "#value!", "#ref!", "#name?", "#num!", "#null!")

_CODES = "USD|EUR|GBP|CHF|CAD|AUD|JPY|SEK|NOK|DKK|PLN|CZK|INR|BRL|ZAR|NZD|SGD|HKD|MXN"
_SYMBOLS = "[$€£¥₹]"
# Real characters, not escapes: RE2 does not know Python's \\u escapes.
_GROUP = "[ \u00a0\u202f'’]"  # thousands separators other than . and , (French, Swiss)
_NUM_CHARS = "[0-9.,'’ \u00a0\u202f]"
_NOT_DIGITS_DOT = "[, \u00a0\u202f'’]"
_NOT_DIGITS_COMMA = "[. \u00a0\u202f'’]"
_EXP = "(?:[eE][-+]?[0-9]+)?"

NUMBER = (
    rf"^(?P<open>\(?)\s*(?P<sign>[-+−]?)\s*(?P<currency>{_SYMBOLS}|(?:{_CODES}) ?)?\s*(?P<sign2>[-+−]?)\s*"
    rf"(?P<num>{_NUM_CHARS}*[0-9]{_EXP})"
    rf"\s*(?P<suffix>%|{_SYMBOLS}|(?:{_CODES}))?\s*(?P<close>\)?)$"
)
# Decimal point, optional comma or space groups: 1234.5, 1,234.50, 1 234.5
DOT_DECIMAL = (
    rf"^(?:[0-9]+(?:\.[0-9]*)?{_EXP}|\.[0-9]+{_EXP}"
    rf"|[0-9]{{1,3}}(?:,[0-9]{{3}})+(?:\.[0-9]+)?|[0-9]{{1,3}}(?:{_GROUP}[0-9]{{3}})+(?:\.[0-9]+)?)$"
)
# Decimal comma, optional dot or space groups: 99,90, 1.234,56, 1 234,56, 1.234 (thousands only)
COMMA_DECIMAL = (
    rf"^(?:[0-9]+|(?:[0-9]+|[0-9]{{1,3}}(?:\.[0-9]{{3}})+|[0-9]{{1,3}}(?:{_GROUP}[0-9]{{3}})+)?,[0-9]+"
    rf"|[0-9]{{1,3}}(?:\.[0-9]{{3}})+|[0-9]{{1,3}}(?:{_GROUP}[0-9]{{3}})+)$"
)
INTEGER = r"^[-+]?[0-9]+$"
PLAIN = r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$"  # what a plain cast reads, without exponents or groups
DOT_GROUPS = r"^[-+]?[0-9]{1,3}(?:\.[0-9]{3})+$"  # 1.234: a decimal point, or dot-grouped thousands
LEADING_ZERO = r"^[-+]?0[0-9]"

_TIME = (
    r"(?:[T ](?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:[.,](?P<F>[0-9]{1,9}))?)?"
    r"(?: ?(?P<ampm>[AaPp][Mm]))?)?"
)
# A zone: Z, an offset (+01:00, -0500) or a name that means UTC (Recurly writes "2024-03-01 12:34:56 UTC").
_TZ = r"\s*(?P<tz>Z|[-+][0-9]{2}:?[0-9]{2}|UTC|GMT)?"
_UTC_NAMES = ("Z", "UTC", "GMT")

# Month names as exports write them: English, German, French, Dutch and Spanish, full and abbreviated,
# without accents too ("fevrier"). Lower case; a trailing "." is allowed by the patterns ("Sept.", "févr.").
_MONTH_WORDS = (
    "january jan januar jänner janvier janv januari enero ene",
    "february feb februar février fevrier févr fevr februari febrero",
    "march mar märz maerz mär mrz mars maart mrt marzo",
    "april apr avril avr abril abr",
    "may mai mei mayo",
    "june jun juni juin junio",
    "july jul juli juillet juil julio",
    "august aug août aout augustus agosto ago",
    "september sep sept septembre septiembre",
    "october oct oktober okt octobre octubre",
    "november nov novembre noviembre",
    "december dec dezember dez décembre decembre déc dic diciembre",
)
MONTHS: dict[str, int] = {name: number for number, names in enumerate(_MONTH_WORDS, start=1) for name in names.split()}
_MONTH = "(?i:" + "|".join(sorted(MONTHS, key=lambda m: (-len(m), m))) + r")\.?"
_WEEKDAY = r"(?:(?i:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?i:day|sday|nesday|rsday|urday)?\.?,? )?"
# A time after a written-out date may follow a comma ("March 1, 2024, 10:22 AM").
_NAMED_TIME = "(?:,?" + _TIME[3:]
# family -> (pattern, separator between the date parts)
DATE_FAMILIES: dict[str, tuple[str, str]] = {
    "iso": (rf"^(?P<y>[0-9]{{4}})-(?P<a>[0-9]{{1,2}})-(?P<b>[0-9]{{1,2}}){_TIME}{_TZ}$", "-"),
    "ymd/": (rf"^(?P<y>[0-9]{{4}})/(?P<a>[0-9]{{1,2}})/(?P<b>[0-9]{{1,2}}){_TIME}$", "/"),
    "dmy/": (rf"^(?P<a>[0-9]{{1,2}})/(?P<b>[0-9]{{1,2}})/(?P<y>[0-9]{{4}}){_TIME}$", "/"),
    "dmy.": (rf"^(?P<a>[0-9]{{1,2}})\.(?P<b>[0-9]{{1,2}})\.(?P<y>[0-9]{{4}}){_TIME}$", "."),
    "dmy-": (rf"^(?P<a>[0-9]{{1,2}})-(?P<b>[0-9]{{1,2}})-(?P<y>[0-9]{{4}}){_TIME}$", "-"),
    # 01-Mar-2024 10:22 (Chargebee), 1 March 2024, 1. März 2024, 1er mars 2024, Fri, 01 Mar 2024 10:22:00 GMT
    "d mon y": (rf"^{_WEEKDAY}(?P<b>[0-9]{{1,2}})(?:\.|er)?[ /-](?P<mon>{_MONTH})[ /-](?P<y>[0-9]{{4}})"
                rf"{_NAMED_TIME}{_TZ}$", " "),
    # Mar 1 2024, March 1, 2024, Mar 01, 2024 10:22 AM
    "mon d y": (rf"^{_WEEKDAY}(?P<mon>{_MONTH})[ -](?P<b>[0-9]{{1,2}})(?:st|nd|rd|th)?,?[ -](?P<y>[0-9]{{4}})"
                rf"{_NAMED_TIME}{_TZ}$", " "),
}
_NAMED = ("d mon y", "mon d y")
_PY_DATES = {family: re.compile(pattern) for family, (pattern, _) in DATE_FAMILIES.items()}
_PY_NUMBER = re.compile(NUMBER)
_PY_INTEGER = re.compile(INTEGER)
_PY_PLAIN = re.compile(PLAIN)
_PY_DOT_GROUPS = re.compile(DOT_GROUPS)
_TOKENS = pa.array(sorted({form for token in NULL_TOKENS for form in (token, token.upper(), token.title())}))
_TOKEN_SET = frozenset(NULL_TOKENS)
_ID_WORDS = re.compile(r"(^|[^a-z])(id|ids|no|nr|num|number|code|zip|zipcode|postcode|postal|key|sku|ref)([^a-z]|$)")

_SAMPLE = 200
_MOSTLY = 0.9  # share of values that fit a format before a column is reported as "almost" numbers/dates


@dataclass(frozen=True)
class Analysis:
    """What a column holds; `convert` acts on it. kind: text, leading_zeros, integer, number, date."""

    kind: str
    tokens: int = 0  # cells such as "n/a" read as missing
    # number
    dot_ok: bool = False
    comma_ok: bool = False
    percent: bool = False
    currency: bool = False
    # date
    family: str = ""
    # a column that almost fits: the first value that does not, its position, and what it almost is
    stray: tuple[int, str, str] | None = None
    extra: dict = field(default_factory=dict)


def looks_like_value(text: str) -> bool:
    """True for a cell that reads as a number or a date (a header cell should not)."""
    text = text.strip()
    return bool(_PY_NUMBER.match(text)) or any(p.match(text) for p in _PY_DATES.values())


def is_id_like(name: str) -> bool:
    """A column name that says "identifier": such integer columns never become floats."""
    if name.endswith(("Id", "ID")):
        return True
    return bool(_ID_WORDS.search(name.lower()))


_PLURAL = {"a number": "numbers", "a date": "dates"}
_IDENTIFIER_WORDS = frozenset({"id", "ids", "no", "nr", "num", "number", "code", "invoice", "order", "sku", "zip",
                               "zipcode", "postcode", "postal", "phone", "key", "ref", "reference", "uuid"})


def names_an_identifier(name: str) -> bool:
    """A column whose name ends in an identifier word ("InvoiceNo", "StockCode", "Postal code", "Order"),
    so that a code with letters among its numbers is normal, not a typo to report."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name)).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", words) if w]
    return bool(words) and (words[-1] in _IDENTIFIER_WORDS or words[0] == "id")


def analyse(values: pa.Array) -> Analysis:
    """Decide what a clean string column holds, looking at every value.

    A sample of the first values picks the one candidate worth checking; only that candidate
    is then checked against the whole column (one vectorised pass or two), so text columns
    cost almost nothing.
    """
    if len(values) == values.null_count:
        return Analysis("text")
    sample = [v for v in _sample(values) if v.lower() not in _TOKEN_SET]
    if not sample:
        return Analysis("text")
    integer = all(_PY_INTEGER.match(v) for v in sample)
    # Whole numbers are numbers and never dates (every date pattern has separators): skip those patterns.
    family = None if integer else next(
        (f for f, regex in _PY_DATES.items() if 2 * sum(1 for v in sample if regex.match(v)) >= len(sample)), None)
    number = integer or 2 * sum(1 for v in sample if _PY_NUMBER.match(v)) >= len(sample)
    if not (integer or family or number):
        return Analysis("text")

    # The usual clean columns settle in one cast over the values as they are.
    if integer and (ints := _cast(values, pa.int64())) is not None:
        return _integers(values, ints, tokens=0)
    if family == "iso" and (stamps := _strict_iso(values)) is not None:
        return Analysis("date", family=family, extra={"stamps": stamps})
    plain = all(_PY_PLAIN.match(v) for v in sample)
    # Not for digit-only columns: one that fails the integer cast is too long or zero-padded, an id either way.
    if plain and not integer and (floats := _cast(values, pa.float64())) is not None:
        return _plain_number(values, sample, floats, tokens=0)

    # Otherwise: markers such as "n/a" become empty, and every value is checked against the candidate.
    tokens_mask = _token_mask(values)
    tokens = pc.sum(tokens_mask).as_py() or 0
    real = pc.if_else(tokens_mask, pa.scalar(None, pa.string()), values) if tokens else values
    n_real = len(real) - real.null_count
    if n_real == 0:
        return Analysis("text")
    if integer and _all_match(real, INTEGER, n_real):
        ints = _cast(pc.replace_substring_regex(real, r"^\+", ""), pa.int64())
        if ints is None:  # longer than a 64-bit integer holds: an id, kept exactly as written
            return Analysis("text")
        return _integers(real, ints, tokens=tokens)
    if family == "iso" and (stamps := _strict_iso(real)) is not None:
        return Analysis("date", tokens=tokens, family=family, extra={"stamps": stamps})
    if family:
        return _analyse_date(real, family, n_real, tokens)
    if plain and _all_match(real, PLAIN, n_real):
        return _plain_number(real, sample, pc.cast(real, pa.float64()), tokens=tokens)
    return _analyse_number(real, n_real, tokens)


def _integers(real: pa.Array, ints: pa.Array, *, tokens: int) -> Analysis:
    maybe = pc.or_(pc.starts_with(real, "0"), pc.or_(pc.starts_with(real, "-0"), pc.starts_with(real, "+0")))
    zeros = pc.filter(real, pc.fill_null(maybe, False))  # usually tiny: the pattern then runs on a few values
    if len(zeros) and pc.any(pc.match_substring_regex(zeros, LEADING_ZERO)).as_py():
        return Analysis("leading_zeros")
    return Analysis("integer", tokens=tokens, extra={"ints": ints})


def _plain_number(real: pa.Array, sample: list[str], floats: pa.Array, *, tokens: int) -> Analysis:
    grouped = all(_PY_DOT_GROUPS.match(v) for v in sample) and _all_match(real, DOT_GROUPS, len(real) - real.null_count)
    return Analysis("number", tokens=tokens, dot_ok=True, comma_ok=grouped, extra={"plain": True, "floats": floats})


def decide_decimal(analyses: list[Analysis], *, semicolons: bool) -> str:
    """The file's decimal mark: from columns that settle it, else "," for semicolon files, else "."."""
    dot = sum(1 for a in analyses if a.kind == "number" and a.dot_ok and not a.comma_ok)
    comma = sum(1 for a in analyses if a.kind == "number" and a.comma_ok and not a.dot_ok)
    if dot != comma:
        return "." if dot > comma else ","
    return "," if semicolons else "."


@dataclass(frozen=True)
class Converted:
    """A converted column. For dates: the format and order used; `ambiguous` when both day-first and
    month-first fit every value; `date_note` the sentence (also in `notes`) on a judgement about the dates."""

    series: pd.Series
    date_format: str | None = None
    notes: tuple[str, ...] = ()
    order: str | None = None
    ambiguous: bool = False
    date_note: str | None = None


def convert(values: pa.Array, analysis: Analysis, *, column: str, decimal: str, row_numbers: np.ndarray,
            id_like: bool, date_order: str | None = None, parts: DateParts | None = None,
            file_order: tuple[str, str, str] | None = None) -> Converted:
    """Turn a clean string column into a Series as `analysis` says; notes tell the user what was assumed.

    Dates written with the year last take their order from `date_order` ("dmy"/"mdy") when the values
    allow it, else from the values, else from `file_order` (order, column, example: another column of
    the file that settles it), else from how plausible each reading is, else from the decimal mark.
    `parts` is `date_parts(values, analysis)` when the caller has it already.
    """
    notes = []
    # An identifier column is text by nature ('C536379' among invoice numbers is a cancellation, not a typo):
    # telling the user to "fix" it would be noise.
    if analysis.stray is not None and not (analysis.stray[2] == "a number" and names_an_identifier(column)):
        position, value, what = analysis.stray
        notes.append(f"Column '{column}' is kept as text because row {row_numbers[position]} holds '{value}', "
                     f"which is not {what}; fix that cell to use the column as {_PLURAL[what]}.")
    kind = analysis.kind
    if kind == "leading_zeros":
        example = pc.drop_null(pc.filter(values, pc.match_substring_regex(values, LEADING_ZERO)))[0].as_py()
        notes.append(f"Column '{column}' is kept as text because values such as '{example}' have leading zeros.")
    if kind in ("text", "leading_zeros"):
        return Converted(_text_series(values), notes=tuple(notes))

    real = values
    if analysis.tokens:
        real = pc.if_else(_token_mask(values), pa.scalar(None, pa.string()), values)
        notes.append(_tokens_note(column, analysis.tokens))
    if kind == "integer":
        return Converted(_integer_series(analysis.extra["ints"], id_like=id_like), notes=tuple(notes))
    if kind == "number":
        return _convert_number(real, analysis, column=column, decimal=decimal, id_like=id_like, notes=notes)
    return _convert_date(values, real, analysis, column=column, decimal=decimal, row_numbers=row_numbers,
                         notes=notes, requested=date_order, parts=parts, file_order=file_order)


# -- analysis helpers (assume clean input) ---------------------------------------------------------------------

def _field(parts: pa.StructArray, name: str) -> pa.Array:
    """A regex group; null where the value did not match (`StructArray.field` would give "" there)."""
    return pc.struct_field(parts, name)


def _sample(real: pa.Array) -> list[str]:
    head = pc.drop_null(real.slice(0, 20 * _SAMPLE))
    if len(head) < _SAMPLE:
        head = pc.drop_null(real)
    return head.slice(0, _SAMPLE).to_pylist()


def _token_mask(values: pa.Array) -> pa.Array:
    return pc.fill_null(pc.is_in(values, value_set=_TOKENS), False)


def _cast(values: pa.Array, kind: pa.DataType) -> pa.Array | None:
    """Arrow's strict cast, or None when any value does not read as `kind` (or overflows it)."""
    try:
        return pc.cast(values, kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _all_match(real: pa.Array, pattern: str, n_real: int) -> bool:
    return (pc.sum(pc.match_substring_regex(real, pattern)).as_py() or 0) == n_real


def _first_miss(real: pa.Array, ok: pa.Array) -> tuple[int, str]:
    miss = pc.and_(real.is_valid(), pc.invert(pc.fill_null(ok, False)))
    position = pc.index(miss, True).as_py()
    return position, real[position].as_py()


def _analyse_date(real: pa.Array, family: str, n_real: int, tokens: int) -> Analysis:
    matched = pc.fill_null(pc.match_substring_regex(real, DATE_FAMILIES[family][0]), False)
    hits = pc.sum(matched).as_py() or 0
    if hits < n_real:
        if hits >= _MOSTLY * n_real:
            position, value = _first_miss(real, matched)
            return Analysis("text", stray=(position, value, "a date"))
        return Analysis("text")
    return Analysis("date", tokens=tokens, family=family)


def _number_parts(real: pa.Array) -> tuple[pa.StructArray, pa.Array, pa.Array, pa.Array]:
    parts = pc.extract_regex(real, NUMBER)
    balanced = pc.equal(pc.equal(_field(parts, "open"), "("), pc.equal(_field(parts, "close"), ")"))
    one_sign = pc.or_(pc.equal(_field(parts, "sign"), ""), pc.equal(_field(parts, "sign2"), ""))
    shaped = pc.fill_null(pc.and_(balanced, one_sign), False)
    num = _field(parts, "num")
    dot = pc.and_(shaped, pc.fill_null(pc.match_substring_regex(num, DOT_DECIMAL), False))
    comma = pc.and_(shaped, pc.fill_null(pc.match_substring_regex(num, COMMA_DECIMAL), False))
    return parts, num, dot, comma


def _analyse_number(real: pa.Array, n_real: int, tokens: int) -> Analysis:
    parts, _, dot, comma = _number_parts(real)
    dot_hits = pc.sum(dot).as_py() or 0
    comma_hits = pc.sum(comma).as_py() or 0
    if max(dot_hits, comma_hits) < n_real:
        either = pc.or_(dot, comma)
        if (pc.sum(either).as_py() or 0) >= _MOSTLY * n_real:
            position, value = _first_miss(real, either)
            return Analysis("text", stray=(position, value, "a number"))
        return Analysis("text")
    return Analysis("number", tokens=tokens, dot_ok=dot_hits == n_real, comma_ok=comma_hits == n_real,
                    percent=pc.any(pc.equal(_field(parts, "suffix"), "%")).as_py() or False,
                    currency=bool(pc.any(pc.not_equal(_field(parts, "currency"), "")).as_py()
                                  or pc.any(pc.and_(pc.not_equal(_field(parts, "suffix"), ""),
                                                    pc.not_equal(_field(parts, "suffix"), "%"))).as_py()))


# -- conversion helpers --------------------------------------------------------------------------------------

def _text_series(values: pa.Array) -> pd.Series:
    # Sharing one str object per distinct value is 8x faster for categories, 5x slower for ids.
    head = values.slice(0, 1000)
    repetitive = pc.count_distinct(head).as_py() * 2 < len(head)
    series = values.to_pandas(deduplicate_objects=repetitive)
    if values.null_count:
        series = series.where(series.notna(), np.nan)  # pandas' own marker for a missing text cell
    return series


def _integer_series(parsed: pa.Array, *, id_like: bool) -> pd.Series:
    if parsed.null_count == 0:
        return pd.Series(parsed.to_numpy(zero_copy_only=False), dtype="int64")
    if id_like:  # an id with gaps stays an integer: 17 must never print as 17.0
        values = pc.fill_null(parsed, 0).to_numpy(zero_copy_only=False)
        mask = parsed.is_null().to_numpy(zero_copy_only=False)
        return pd.Series(pd.arrays.IntegerArray(values.astype("int64"), mask))
    return pd.Series(parsed.to_numpy(zero_copy_only=False), dtype="float64")


def _convert_number(real: pa.Array, analysis: Analysis, *, column: str, decimal: str, id_like: bool,
                    notes: list[str]) -> Converted:
    use_comma = analysis.comma_ok and (decimal == "," or not analysis.dot_ok)
    if analysis.extra.get("plain") and not use_comma:  # 1234.5 as it is: one cast, no pattern work
        numbers = analysis.extra["floats"]
        fractional = pc.any(pc.match_substring(real, ".")).as_py()
        if analysis.comma_ok:
            _two_readings(notes, column, real, numbers, use_comma=False)
        return _numbers(numbers, fractional=fractional, id_like=id_like, notes=notes)
    parts, num, _, _ = _number_parts(real)
    if use_comma:
        digits = pc.replace_substring(pc.replace_substring_regex(num, _NOT_DIGITS_COMMA, ""), ",", ".")
    else:
        digits = pc.replace_substring_regex(num, _NOT_DIGITS_DOT, "")
    signs = pc.binary_join_element_wise(_field(parts, "sign"), _field(parts, "sign2"), "")
    negative = pc.or_(pc.equal(_field(parts, "open"), "("), pc.match_substring_regex(signs, "[-−]"))
    magnitude = pc.cast(digits, pa.float64())
    numbers = pc.if_else(pc.fill_null(negative, False), pc.negate(magnitude), magnitude)
    if analysis.dot_ok and analysis.comma_ok:
        _two_readings(notes, column, num, numbers, use_comma=use_comma)
    if analysis.percent:
        notes.append(f"Column '{column}': percent signs removed, values stay in percent (12% is read as 12).")
    if analysis.currency:
        notes.append(f"Column '{column}': currency symbols removed.")
    fractional = pc.any(pc.match_substring_regex(digits, r"[.eE]")).as_py()
    return _numbers(numbers, fractional=fractional, id_like=id_like, notes=notes)


def _two_readings(notes: list[str], column: str, written: pa.Array, numbers: pa.Array, *, use_comma: bool) -> None:
    separated = pc.fill_null(pc.match_substring_regex(written, "[.,]"), False)
    if pc.any(separated).as_py():
        position = pc.index(separated, True).as_py()
        notes.append(f"Column '{column}': numbers such as '{written[position].as_py()}' could be read two ways; "
                     f"read as {numbers[position].as_py():g} because the file uses decimal "
                     f"{'commas' if use_comma else 'points'}.")


def _numbers(numbers: pa.Array, *, fractional: bool, id_like: bool, notes: list[str]) -> Converted:
    """Whole numbers written without a decimal part become integers; the rest floats."""
    values = numbers.to_numpy(zero_copy_only=False)
    finite = values[~np.isnan(values)]
    if not fractional and (finite.size == 0 or np.abs(finite).max() < 2 ** 53):
        as_int = pc.cast(numbers, pa.int64(), safe=False)
        return Converted(_integer_series(as_int, id_like=id_like), notes=tuple(notes))
    return Converted(pd.Series(values, dtype="float64"), notes=tuple(notes))


def _ints(array: pa.Array, default: int = 0) -> np.ndarray:
    filled = pc.if_else(pc.equal(array, ""), str(default), array)
    return pc.cast(filled, pa.int64()).to_numpy(zero_copy_only=False)


_YEAR_LAST = ("dmy/", "dmy.", "dmy-")
_STYLE = {"dmy": "dd{0}mm{0}yyyy", "mdy": "mm{0}dd{0}yyyy"}
_SIDE = {"dmy": "day-first", "mdy": "month-first"}
# A reading is more plausible when it spreads the dates over at least this many months and at least
# twice as many as the other reading: monthly invoices on the 1st, not a dozen days of one January.
_PLAUSIBLE_MONTHS = 3


@dataclass(frozen=True)
class DateParts:
    """A date column written with the year last, zero-padded ("1/5/2024" -> "01/05/2024"), and its
    first, second and year parts as floats (NaN where empty). Computed once per column: the file-wide
    order looks at it before any column is converted."""

    padded: pa.Array
    first: np.ndarray
    second: np.ndarray
    year: np.ndarray

    @property
    def settled(self) -> str | None:
        """"dmy" or "mdy" when a part above 12 settles the order; None when both fit or neither does."""
        high_first, high_second = _max(self.first) > 12, _max(self.second) > 12
        if high_first == high_second:
            return None
        return "dmy" if high_first else "mdy"

    def example(self, order: str) -> str:
        """A value that can only be read in `order` (the first whose day part is above 12)."""
        day = self.first if order == "dmy" else self.second
        position = int(np.argmax(np.nan_to_num(day) > 12))
        return self.padded[position].as_py()


def date_parts(values: pa.Array, analysis: Analysis) -> DateParts | None:
    """The parts of a date column written with the year last (dd/mm/yyyy or mm/dd/yyyy); None for others."""
    if analysis.kind != "date" or analysis.family not in _YEAR_LAST:
        return None
    real = pc.if_else(_token_mask(values), pa.scalar(None, pa.string()), values) if analysis.tokens else values
    padded = _zero_padded(real, year_first=False)

    def part(start: int, stop: int) -> np.ndarray:
        return pc.cast(pc.utf8_slice_codeunits(padded, start, stop), pa.int64()).to_numpy(
            zero_copy_only=False).astype("float64")

    return DateParts(padded=padded, first=part(0, 2), second=part(3, 5), year=part(6, 10))


def _zero_padded(real: pa.Array, *, year_first: bool) -> pa.Array:
    """1/5/2024 3:45 -> 01/05/2024 03:45: day, month and hour padded; a fraction of a second (.5) left alone.

    (In the rewrites, \\10 is group 1 followed by a zero.)"""
    if year_first:
        padded = pc.replace_substring_regex(real, r"^([0-9]{4}/)([0-9])\b", r"\10\2")
        padded = pc.replace_substring_regex(padded, r"^([0-9]{4}/[0-9]{2}/)([0-9])\b", r"\10\2")
    else:
        padded = pc.replace_substring_regex(real, r"^([0-9])\b", r"0\1")
        padded = pc.replace_substring_regex(padded, r"^([0-9]{2}[/.-])([0-9])\b", r"\10\2")
    return pc.replace_substring_regex(padded, r"([ T])([0-9]):", r"\10\2:")


def _max(values: np.ndarray) -> float:
    present = values[~np.isnan(values)]
    return float(present.max()) if present.size else 0.0


@dataclass(frozen=True)
class _Order:
    order: str | None  # None: the column mixes both orders
    ambiguous: bool = False
    note: str | None = None


def _choose_order(parts: DateParts, *, family: str, column: str, decimal: str, requested: str | None,
                  file_order: tuple[str, str, str] | None) -> _Order:
    """Day-first or month-first: a part above 12 decides; else the order asked for, another column of
    the file, the more plausible reading, and last the file's decimal mark."""
    sep = DATE_FAMILIES[family][1]

    def style(order: str) -> str:
        return _STYLE[order].format(sep)

    year_last = ""
    if requested == "ymd":  # the year is last here: the order asked for cannot apply
        year_last = f"Dates in '{column}' are written with the year last, so the date order ymd was not applied; "
        requested = None
    settled = parts.settled
    if settled is None and _max(parts.first) > 12:
        return _Order(None, note=f"Column '{column}' is kept as text because it mixes day-first and month-first "
                                 f"dates (both parts go above 12); use one date format in the file.")
    if settled is not None:
        example = parts.example(settled)
        if requested is not None and requested != settled:
            return _Order(settled, note=f"Dates in '{column}' were to be read as {style(requested)}, but "
                                        f"'{example}' can only be {style(settled)}; read as {style(settled)}.")
        if year_last:
            return _Order(settled, note=f"{year_last}read as {style(settled)} because '{example}' can only be "
                                        f"{_SIDE[settled]}.")
        return _Order(settled)

    ambiguous = f"Dates in '{column}' could be day-first or month-first (no part goes above 12); read as "
    if year_last:
        ambiguous = f"{year_last}they could be day-first or month-first (no part goes above 12) and are read as "
    if requested is not None:
        return _Order(requested, True, f"{ambiguous}{style(requested)} as asked.")
    if file_order is not None:
        order, other, example = file_order
        return _Order(order, True, f"{ambiguous}{style(order)} like '{other}', where '{example}' can only be "
                                   f"{_SIDE[order]}.")
    if sep == ".":  # nobody writes mm.dd.yyyy
        return _Order("dmy", note=f"{year_last}read as {style('dmy')}." if year_last else None)
    plausible = _plausible(parts)
    if plausible is not None:
        order, reason = plausible
        return _Order(order, True, f"{ambiguous}{style(order)} because {reason}.")
    order = "dmy" if decimal == "," else "mdy"  # decimal commas go with dd/mm
    why = "the file uses decimal commas" if decimal == "," else "the file uses decimal points"
    return _Order(order, True, f"{ambiguous}{style(order)} because {why}.")


def _plausible(parts: DateParts) -> tuple[str, str] | None:
    """The reading that spreads the dates over clearly more months, and why; None when neither does."""
    present = ~np.isnan(parts.first)
    first, second, year = parts.first[present], parts.second[present], parts.year[present]
    months = {"dmy": np.unique(year * 100 + second).size, "mdy": np.unique(year * 100 + first).size}
    order, other = ("dmy", "mdy") if months["dmy"] > months["mdy"] else ("mdy", "dmy")
    if months[order] < _PLAUSIBLE_MONTHS or months[order] < 2 * months[other]:
        return None
    days = np.unique(first if order == "dmy" else second)
    always = f", always on day {int(days[0]):02d}," if days.size == 1 else ""
    fewer = "1 month" if months[other] == 1 else f"{months[other]} months"
    return order, (f"{_SIDE[order]} they fall in {months[order]} different months{always} but {_SIDE[other]} "
                   f"in only {fewer}")


def _date_format(family: str, day_first: bool) -> str:
    sep = DATE_FAMILIES[family][1]
    if family in ("iso", "ymd/"):
        return f"yyyy{sep}mm{sep}dd"
    return f"dd{sep}mm{sep}yyyy" if day_first else f"mm{sep}dd{sep}yyyy"


_NS_RANGE = (pd.Timestamp.min.value // 1000 + 1, pd.Timestamp.max.value // 1000 - 1)  # microseconds
_YEARS = (1678, 2261)  # whole years inside datetime64[ns]


def _convert_date(values: pa.Array, real: pa.Array, analysis: Analysis, *, column: str, decimal: str,
                  row_numbers: np.ndarray, notes: list[str], requested: str | None, parts: DateParts | None,
                  file_order: tuple[str, str, str] | None) -> Converted:
    """Zero-padded dates take a fast route (rewrite to ISO, one strict cast); the rest go part by part."""
    family, sep = analysis.family, DATE_FAMILIES[analysis.family][1]
    if family in _NAMED:  # the month is a word: the order is never in doubt, and no cast reads it
        fmt = _named_format(real, family)
        done = _convert_date_by_parts(values, real, family, family == "d mon y", fmt, column=column,
                                      row_numbers=row_numbers, notes=list(notes))
        if done.date_format is None:
            return done
        return Converted(done.series, date_format=done.date_format, notes=done.notes,
                         order="dmy" if family == "d mon y" else "mdy")
    if "stamps" in analysis.extra:
        longest = pc.max(pc.utf8_length(real)).as_py() or 0
        fmt = _date_format(family, True) + ("" if longest <= 10 else " hh:mm:ss" if longest >= 19 else " hh:mm")
        return Converted(analysis.extra["stamps"], date_format=fmt, notes=tuple(notes), order="ymd")
    day_first = True
    chosen = _Order("ymd")
    iso = real
    if family == "ymd/":
        iso = pc.replace_substring_regex(_zero_padded(real, year_first=True), r"^([0-9]{4})/([0-9]{2})/([0-9]{2})",
                                         r"\1-\2-\3")
    elif family != "iso":
        parts = parts if parts is not None else date_parts(values, analysis)
        chosen = _choose_order(parts, family=family, column=column, decimal=decimal, requested=requested,
                               file_order=file_order)
        if chosen.order is None:
            return Converted(_text_series(values), notes=tuple(notes + [chosen.note]))
        day_first = chosen.order == "dmy"
        swap = r"\3-\2-\1" if day_first else r"\3-\1-\2"
        two, four, between = "([0-9]{2})", "([0-9]{4})", re.escape(sep)
        iso = pc.replace_substring_regex(parts.padded, f"^{two}{between}{two}{between}{four}", swap)
    dated = {"order": chosen.order, "ambiguous": chosen.ambiguous, "date_note": chosen.note}
    chosen_notes = [chosen.note] if chosen.note else []
    fmt = _date_format(family, day_first)
    stamps = _strict_iso(iso)
    if stamps is None:
        done = _convert_date_by_parts(values, real, family, day_first, fmt, column=column, row_numbers=row_numbers,
                                      notes=list(notes))
        if done.date_format is None:  # kept as text (a bad row): how dates would have been read is moot
            return done
        return Converted(done.series, date_format=done.date_format, notes=tuple(chosen_notes) + done.notes, **dated)
    longest = pc.max(pc.utf8_length(iso)).as_py() or 0
    if longest > 10:
        fmt += " hh:mm:ss" if longest >= 19 else " hh:mm"
    return Converted(stamps, date_format=fmt, notes=tuple(notes + chosen_notes), **dated)


def _strict_iso(iso: pa.Array) -> pd.Series | None:
    """Arrow's ISO-8601 cast refuses impossible dates (2024-02-30); None when any value is not plain ISO."""
    try:
        micros = pc.cast(iso, pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    low, high = pc.min_max(pc.cast(micros, pa.int64())).values()
    if low.as_py() is not None and (low.as_py() < _NS_RANGE[0] or high.as_py() > _NS_RANGE[1]):
        return None
    return pd.Series(pc.cast(micros, pa.timestamp("ns")).to_pandas()).astype("datetime64[ns]")


def _convert_date_by_parts(values: pa.Array, real: pa.Array, family: str, day_first: bool, fmt: str, *, column: str,
                           row_numbers: np.ndarray, notes: list[str]) -> Converted:
    """Dates with times in 12-hour clock, time zones or impossible values: part by part, naming a bad row."""
    parts = pc.extract_regex(real, DATE_FAMILIES[family][0])
    year = _ints(_field(parts, "y")).astype("float64")
    first = None if family in _NAMED else _ints(_field(parts, "a"))
    second = _ints(_field(parts, "b"))
    missing = ~real.is_valid().to_numpy(zero_copy_only=False)
    year[missing] = np.nan
    if family in _NAMED:
        day, month = second, _month_numbers(_field(parts, "mon"))
    elif family in ("iso", "ymd/"):
        month, day = first, second
    else:
        day, month = (first, second) if day_first else (second, first)

    hour, minute, second_ = _ints(_field(parts, "H")), _ints(_field(parts, "M")), _ints(_field(parts, "S"))
    ampm = pc.utf8_lower(_field(parts, "ampm")).to_numpy(zero_copy_only=False)
    hour = np.where(ampm == "pm", hour % 12 + 12, np.where(ampm == "am", hour % 12, hour))
    frame = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour, "minute": minute,
                          "second": second_})
    in_range = (year >= _YEARS[0]) & (year <= _YEARS[1])  # datetime64[ns] spans 1677-2262
    frame.loc[~in_range, "year"] = np.nan
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # pandas warns on overflow while it coerces impossible dates to NaT
        stamps = pd.to_datetime(frame, errors="coerce")
        fraction = pc.utf8_rpad(_field(parts, "F"), width=9, padding="0")
        stamps = stamps + pd.to_timedelta(_ints(pc.utf8_slice_codeunits(fraction, 0, 9)), unit="ns")

    bad = stamps.isna().to_numpy() & ~missing
    # A real date in a year datetime64[ns] cannot hold (9999-12-31, "no end"; 0001-01-01, "unknown"): missing.
    outside = bad & ~in_range & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    bad &= ~outside
    if bad.any():
        position = int(np.argmax(bad))
        notes.append(f"Column '{column}' is kept as text because row {row_numbers[position]} holds "
                     f"'{real[position].as_py()}', which is not a real date ({fmt}); fix that cell to use the column "
                     f"as dates.")
        return Converted(_text_series(values), notes=tuple(notes))
    if outside.any():
        position = int(np.argmax(outside))
        notes.append(outside_dates_note(column, int(outside.sum()), f"{real[position].as_py()}",
                                        int(row_numbers[position]), span=f"the years {_YEARS[0]} to {_YEARS[1]}"))
    if "(?P<tz>" in DATE_FAMILIES[family][0]:
        tz = _field(parts, "tz")
        zoned = pc.fill_null(pc.not_equal(tz, ""), False)
        if pc.any(zoned).as_py():
            stamps = stamps - pd.to_timedelta(_offset_minutes(tz), unit="m")
            utc = pc.or_(pc.is_in(tz, value_set=pa.array(_UTC_NAMES)), pc.match_substring_regex(tz, r"^[-+]00:?00$"))
            if pc.all(pc.or_(pc.invert(zoned), pc.fill_null(utc, False))).as_py():
                notes.append(f"Times in '{column}' are marked as UTC; they are read as UTC.")
            else:
                notes.append(f"Times in '{column}' carry time zones; they are converted to UTC.")
    if family not in _NAMED and pc.any(pc.not_equal(_field(parts, "H"), "")).as_py():
        fmt += " hh:mm:ss" if pc.any(pc.not_equal(_field(parts, "S"), "")).as_py() else " hh:mm"
    return Converted(stamps.astype("datetime64[ns]"), date_format=fmt, notes=tuple(notes))


_MONTH_NAMES = pa.array(list(MONTHS))
_MONTH_NUMBERS = np.array(list(MONTHS.values()) + [0], dtype="int64")  # 0 (no such month) for a missing value


def outside_dates_note(column: str, count: int, example: str, row: int, *, span: str) -> str:
    """The note on dates beyond what datetime64[ns] holds, read as missing: they are markers, not dates."""
    values = "1 date" if count == 1 else f"{count:,} dates"
    return (f"Column '{column}' holds {values} outside what can be stored ({span}), such as {example} in row "
            f"{row}, often written to mean \"no end\" or \"unknown\"; {'it is' if count == 1 else 'they are'} read "
            f"as missing.")


def _month_numbers(names: pa.Array) -> np.ndarray:
    """Month words ("Mar", "März", "sept.") -> 1..12, 0 where there is none."""
    keys = pc.replace_substring(pc.utf8_lower(names), ".", "")
    found = pc.fill_null(pc.index_in(keys, value_set=_MONTH_NAMES), len(MONTHS))
    return _MONTH_NUMBERS[found.to_numpy(zero_copy_only=False)]


def _named_format(real: pa.Array, family: str) -> str:
    """How a column of written-out dates looks: "dd-mmm-yyyy hh:mm", "mmmm d, yyyy" (separators from its first
    value; full month names and times when any value has them)."""
    parts = pc.extract_regex(real, DATE_FAMILIES[family][0])
    longest = pc.max(pc.utf8_length(pc.replace_substring(_field(parts, "mon"), ".", ""))).as_py() or 3
    first = pc.drop_null(real)[0].as_py()
    match = _PY_DATES[family].match(first)
    pieces = {"b": "dd" if len(match.group("b")) == 2 else "d", "mon": "mmmm" if longest > 4 else "mmm",
              "y": "yyyy"}
    order = sorted(pieces, key=match.start)
    text, position = "", match.start(order[0])  # a weekday in front ("Fri, ") is not part of the format
    for group in order:
        between = first[position:match.start(group)]
        text += (re.sub(r"^(?:er|st|nd|rd|th)", "", between) if position == match.end("b") else between) + pieces[group]
        position = match.end(group)
    if pc.any(pc.not_equal(_field(parts, "H"), "")).as_py():
        text += " hh:mm:ss" if pc.any(pc.not_equal(_field(parts, "S"), "")).as_py() else " hh:mm"
    return text


def _offset_minutes(tz: pa.Array) -> np.ndarray:
    digits = pc.replace_substring_regex(tz, r"[^0-9]", "")
    hours = _ints(pc.utf8_slice_codeunits(digits, 0, 2))
    minutes = _ints(pc.utf8_slice_codeunits(digits, 2, 4))
    sign = np.where(pc.starts_with(tz, "-").to_numpy(zero_copy_only=False), -1, 1)
    return sign * (hours * 60 + minutes)


# -- Excel serial numbers ------------------------------------------------------------------------------------

_SERIAL_ORIGIN = pd.Timestamp("1899-12-30")  # Excel's day 0 (it counts 1900 as a leap year)
_SERIAL_RANGE = (20_000, 80_000)  # 1954-10-03 .. 2119-01-11
_DATE_WORDS = frozenset({"date", "dated"})
_LAST_DATE_WORDS = frozenset({"day", "at", "since", "created", "start", "started", "end", "ended"})
# Words that make a column a count or an amount whatever else its name says ("Days since signup",
# "MRR at start", "Revenue per day").
_NOT_DATE_WORDS = frozenset({"days", "count", "number", "num", "no", "nr", "id", "ids", "amount", "revenue", "mrr",
                             "arr", "value", "price", "fee", "fees", "spend", "total", "sum", "cost", "balance",
                             "per", "seats", "users", "qty", "quantity", "code", "key"})


def names_a_date(name: str) -> bool:
    """A column name that clearly says "date" ("Start Date", "created_at", "Customer since", "Trial end").

    Conservative on purpose: it decides whether numbers are taken for Excel serial dates."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name)).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", words) if w]
    if not words or _NOT_DATE_WORDS.intersection(words):
        return False
    return bool(_DATE_WORDS.intersection(words)) or words[-1] in _LAST_DATE_WORDS


def excel_serial_dates(series: pd.Series, *, column: str) -> Converted | None:
    """Whole numbers such as 45058 in a column whose name says date: Excel's day serials, as dates.

    None (leave the column alone) unless the name says date and every value is a whole number of days
    between 1954 and 2119.
    """
    if not names_a_date(column) or is_id_like(column):
        return None
    values, present = _whole_numbers(series)
    if present is None:
        return None
    if present.min() < _SERIAL_RANGE[0] or present.max() > _SERIAL_RANGE[1]:
        return None
    stamps = pd.Series(_SERIAL_ORIGIN + pd.to_timedelta(values, unit="D")).astype("datetime64[ns]")
    example = int(present[0])
    note = (f"Column '{column}' holds numbers such as {example} where dates belong; they are read as Excel serial "
            f"dates ({example} is {_SERIAL_ORIGIN + pd.Timedelta(days=example):%Y-%m-%d}).")
    return Converted(stamps, date_format=EXCEL_SERIAL, notes=(note,), date_note=note)


def _whole_numbers(series: pd.Series) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(all values as floats, the filled ones) when the filled values of a numeric column are whole numbers,
    else (None, None): serial days and Unix times are never fractions."""
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None, None
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    present = values[~np.isnan(values)]
    if not present.size or not np.all(present == np.round(present)):
        return None, None
    return values, present


# -- Unix time -----------------------------------------------------------------------------------------------

UNIX_SECONDS = "Unix time in seconds"
UNIX_MILLISECONDS = "Unix time in milliseconds"
UNIX_MICROSECONDS = "Unix time in microseconds"
_EPOCH_RANGE = (946_684_800, 4_102_444_800)  # 2000-01-01 .. 2100-01-01 in seconds
_EPOCH_UNITS = ((1, "s", UNIX_SECONDS, "seconds"), (1_000, "ms", UNIX_MILLISECONDS, "milliseconds"),
                (1_000_000, "us", UNIX_MICROSECONDS, "microseconds"))
_TIME_WORDS = frozenset({"time", "timestamp", "ts", "datetime", "epoch", "created", "updated", "modified", "at"})


def names_a_time(name: str) -> bool:
    """A column name that says "point in time" ("time", "timestamp", "ts", "created", "updated_at", "event_time")
    or "date"; never a count or an amount ("Time spent" ends in "spent", "Days since" holds "days")."""
    if names_a_date(name):
        return True
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name)).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", words) if w]
    if not words or _NOT_DATE_WORDS.intersection(words):
        return False
    return words[-1] in _TIME_WORDS or "timestamp" in words


def unix_time_dates(series: pd.Series, *, column: str) -> Converted | None:
    """Whole numbers such as 1709251200 in a column named like a time (Mixpanel's `time`): Unix time, as
    dates in UTC. Seconds, milliseconds or microseconds, whichever puts every value between 2000 and 2100;
    None (leave the column alone) otherwise, or when the name does not say time or says identifier."""
    if not names_a_time(column) or names_an_identifier(column):
        return None
    values, present = _whole_numbers(series)
    if present is None:
        return None
    low, high = present.min(), present.max()
    for scale, unit, fmt, words in _EPOCH_UNITS:
        if _EPOCH_RANGE[0] * scale <= low and high < _EPOCH_RANGE[1] * scale:
            whole = np.where(np.isnan(values), 0, values).astype("int64")
            stamps = pd.Series(pd.to_datetime(whole, unit=unit)).astype("datetime64[ns]")
            stamps[np.isnan(values)] = pd.NaT
            example = int(present[0])
            note = (f"Column '{column}' holds numbers such as {example} where dates belong; they are read as Unix "
                    f"time in {words} ({example} is {pd.Timestamp(example, unit=unit):%Y-%m-%d %H:%M:%S} UTC).")
            return Converted(stamps, date_format=fmt, notes=(note,), date_note=note)
    return None


# -- numbers with a label: "9 - Promoter" ------------------------------------------------------------------

# A score of up to three digits, then " - ", " – " or ": " and a word; or the bare score.
LEADING_NUMBER = r"^(?P<n>[0-9]{1,3}(?:\.[0-9]+)?)(?: ?[-–—:] (?P<label>[A-Za-zÀ-ÿ].*))?$"
_PY_LEADING = re.compile(LEADING_NUMBER)
_SCORE_WORDS = frozenset({"nps", "score", "rating", "csat", "ces", "satisfaction", "likely", "likelihood",
                          "recommend", "sentiment", "rate", "grade", "stars"})
_MAX_LABELS = 50


def leading_numbers(values: pa.Array, *, column: str) -> Converted | None:
    """A text column whose every value is a score with a label ("9 - Promoter", "0: Detractor"): the scores.

    Conservative, so that codes keep their names: never for a column named like an identifier; every value
    must be such a score (or a bare number, or empty); each score must always carry the same label; and the
    labels must group the scores (fewer labels than scores, as Promoter/Passive/Detractor do 0-10) unless
    the column's name says score ("NPS", "Rating"). None otherwise."""
    if names_an_identifier(column) or is_id_like(column) or len(values) == values.null_count:
        return None
    sample = [v for v in _sample(values) if v.lower() not in _TOKEN_SET]
    if not sample or not all(_PY_LEADING.match(v) for v in sample) or not any(" " in v for v in sample):
        return None
    tokens_mask = _token_mask(values)
    real = pc.if_else(tokens_mask, pa.scalar(None, pa.string()), values)
    parts = pc.extract_regex(real, LEADING_NUMBER)
    if parts.null_count != real.null_count:  # a value that is not a score
        return None
    numbers, labels = _field(parts, "n"), _field(parts, "label")
    labelled = pc.fill_null(pc.not_equal(labels, ""), False)
    pairs = pc.unique(pc.binary_join_element_wise(pc.filter(numbers, labelled), pc.filter(labels, labelled),
                                                  "\x00")).to_pylist()
    if not pairs or len(pairs) > _MAX_LABELS:
        return None
    scale = dict(pair.split("\x00", 1) for pair in pairs)
    if len(scale) != len(pairs):  # one score with two labels: a code or an address, not a scale
        return None
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(column)).lower()
    says_score = bool(_SCORE_WORDS.intersection(w for w in re.split(r"[^a-z0-9]+", words) if w))
    if len(set(scale.values())) >= len(scale) and not says_score:
        return None
    example = pc.filter(real, labelled)[0].as_py()
    floats = pc.cast(numbers, pa.float64())
    notes = [f"Column '{column}' is read as the leading numbers of its values (e.g. '{example}' -> "
             f"{_PY_LEADING.match(example).group('n')})."]
    tokens = pc.sum(tokens_mask).as_py() or 0
    if tokens:
        notes.append(_tokens_note(column, tokens))
    return _numbers(floats, fractional=bool(pc.any(pc.match_substring(numbers, ".")).as_py()), id_like=False,
                    notes=notes)


def _tokens_note(column: str, tokens: int) -> str:
    cells = "1 cell such as" if tokens == 1 else f"{tokens} cells such as"
    return f"Column '{column}': {cells} 'n/a' or '-' {'is' if tokens == 1 else 'are'} read as empty."
