"""Cleaning each kind of table for what it means: payments net of refunds, failed and unbilled charges,
converted currencies, amount = quantity x unit price for order lines, MRR = ARR / 12, customers taken
from an orders export, and the data-quality summary of a table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError
from .names import (
    _ROLE_NAMES,
    _RETURN_TYPE_NAMES,
    _RETURN_WORDS,
    _ANNUAL_NAMES,
    _CONVERTED_NAMES,
    _CONVERTED_REFUND_NAMES,
    _CURRENCY_NAMES,
    _FAILED_STATUSES,
    _LOST_STAGES,
    _NOT_AMOUNT_WORDS,
    _NOT_MONEY_WORDS,
    _PAID_WORDS,
    _QUANTITY_NAMES,
    _REFUND_NAMES,
    _REFUNDED_STATUSES,
    _STAGE_NAMES,
    _STATUS_NAMES,
    _UNBILLED_STATUSES,
    _UNIT_PRICE_NAMES,
    _WON_STAGES,
    NET_AMOUNT,
    _annual,
    _id_named,
    _normalise,
    _words,
)
from .roles import RoleMap, _find_column, _level, _match_score, _name_forms, infer_roles

__all__ = [
    "NET_AMOUNT",
    "with_derived_amount",
    "clean_transactions",
    "Returns",
    "find_returns",
    "returns_note",
    "return_columns",
    "invoice_column",
    "with_derived_mrr",
    "currency_warning",
    "notes_for_amount",
    "customers_from_transactions",
    "MOSTLY_CONSTANT",
    "QualitySummary",
    "quality_summary",
]


def _amount_from_lines(frame: pd.DataFrame, roles: RoleMap) -> tuple[pd.DataFrame, str | None]:
    """Quantity x unit price as a new "amount" column when no column is the amount (UCI's Online Retail)."""
    if roles.get("amount") is not None:
        return frame, None
    levels = {str(c): _level(frame[c], str(c)) for c in frame.columns}
    quantity = _find_column(frame, _QUANTITY_NAMES, levels)
    price = _find_column(frame, _UNIT_PRICE_NAMES, levels)
    if quantity is None or price is None or quantity == price:
        return frame, None
    name = next((n for n in ("amount", "amount_derived") if n not in frame.columns), None)
    if name is None:
        return frame, None
    # Rounded to remove float noise (6 x 2.55 = 15.299999999999999), keeping any sub-cent prices.
    values = (pd.to_numeric(frame[quantity]).astype("float64") * pd.to_numeric(frame[price]).astype("float64")).round(6)
    out = frame.assign(**{name: values.to_numpy()})
    return out, f"Added '{name}' = {quantity} x {price}, because the file has no amount column."


def with_derived_amount(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """A transactions table whose amount column is the revenue each row brought, and what was done, in words.

    `clean_transactions` with its notes joined into one sentence (None when nothing was done):
    quantity x unit price when there is no amount column (UCI's Online Retail: "amount", or
    "amount_derived" when "amount" is taken; negative quantities, returns, give negative amounts),
    failed payments left out, one currency, refunds taken off. The input is never changed. The count of
    returns is not among the notes: that is said where the table was read, and this may run again on it.
    """
    out, notes, _ = _clean(frame)
    return out, " ".join(notes) or None


def clean_transactions(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """A transactions table ready to sum: an amount column, no failed payments, one currency, refunds off.

    In this order, each step with a sentence in the notes (and none when it had nothing to do):

    1. No amount column but quantities and unit prices: "amount" = quantity x unit price.
    2. A deals export whose stage column ("Deal Stage") has won deals: only those are kept.
    3. Rows whose status (Status, Financial Status, ...) says failed, declined, void or
       uncollectible are left out: the money never came; so are drafts, cancelled invoices and
       orders, and lost deals: they were never billed. Pending payments count.
    4. A currency column with more than one currency: a converted or settled amount column
       ("Converted Amount", "amount_usd", "Net", "settled", Paddle's "Earnings") is used instead
       of the raw amount, unless every other currency column of the file ("Balance Currency")
       holds several currencies too; without one, the note warns that amounts in N currencies
       are added as they are (`notes_for_amount` redoes that warning for a hand-mapped amount).
    5. Refunds come off: a refund column ("Amount Refunded") is subtracted (its share of the
       raw amount, when the converted amount is used), and a row whose status is "refunded"
       counts 0, once, whether or not a refund column says so too.

    When step 4 or 5 changed a value, the result has a new column "amount (net)" next to the
    amount, which `infer_roles` takes for the amount; the file's own columns keep their values.

    6. Returns and cancellations stay in the table (their money is part of revenue) and are
       counted in one note (`find_returns`): every aggregation sets them apart from purchases.

    Applied to its own result it changes nothing more (the count of returns is said again). Row
    order is kept; the index is 0..n-1. The input is never changed.
    """
    out, notes, roles = _clean(frame)
    if roles is None:
        return out, notes
    # Said, not changed: which rows every aggregation will set apart (`find_returns`), with the roles found here.
    amount = NET_AMOUNT if NET_AMOUNT in out.columns else roles.get("amount")
    found = find_returns(out, amount=amount, order_id=roles.get("order_id"), customer_id=roles.get("customer_id"))
    return out, notes + ((found.note,) if found.count else ())


def _clean(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...], RoleMap | None]:
    """`clean_transactions` without the count of returns: (table, notes, the roles it was read with)."""
    if not isinstance(frame, pd.DataFrame):
        raise DataError("The transactions table must be a table (a pandas DataFrame).")
    if frame.shape[1] == 0:
        return frame, (), None
    roles = infer_roles(frame, kind="transactions")
    out, note = _amount_from_lines(frame, roles)
    notes = [note] if note else []
    if note:
        roles = infer_roles(out, kind="transactions")
    amount = roles.get("amount")
    if amount is None:
        return out, tuple(notes), roles
    levels = {c.name: c.level for c in roles.columns}
    out, note = _won_deals(out, levels)
    notes += [note] if note else []
    status = _named_column(out, _STATUS_NAMES, levels, ("categorical", "text"))
    if status is not None:
        codes = _status_codes(out[status])
        dropped = np.zeros(len(out), dtype=bool)
        for words, why in ((_FAILED_STATUSES, "a failed, declined, void or uncollectible payment brings no revenue."),
                           (_UNBILLED_STATUSES, "a draft, a cancellation or a lost deal brings no revenue.")):
            rows = codes.isin(words).to_numpy()
            if rows.any():
                shown = sorted(set(out.loc[rows, status].astype(str).str.strip()))
                notes.append(f"Left out {int(rows.sum()):,} of {len(out):,} rows whose {status!r} is "
                             f"{_listing(shown, 'or')}: {why}")
                dropped |= rows
        if dropped.any():
            out = out.loc[~dropped].reset_index(drop=True)
    if _normalise(amount) == _normalise(NET_AMOUNT) or NET_AMOUNT in out.columns:
        return out, tuple(notes), roles  # already net: cleaned before, or the file says so itself

    base, note = _currency_base(out, amount, levels)
    notes += [note] if note else []

    values = pd.to_numeric(out[base], errors="coerce").astype("float64")
    full = (_status_codes(out[status]).isin(_REFUNDED_STATUSES).to_numpy() if status is not None
            else np.zeros(len(out), dtype=bool)) & values.notna().to_numpy() & values.ne(0).to_numpy()
    if full.any():
        # Money handed back is no purchase either: it must not count as an order or a recent visit.
        shown = sorted(set(out.loc[full, status].astype(str).str.strip()))
        notes.append(f"Left out {int(full.sum()):,} payment(s) refunded in full ({status!r} is "
                     f"{_listing(shown, 'or')}): neither revenue nor a purchase.")
        out = out.loc[~full].reset_index(drop=True)
        values = values.loc[~full].reset_index(drop=True)
    refund, refund_column = _refunds(out, levels, amount=amount, base=base, values=values)
    partly = (refund > 0).to_numpy()
    if base == amount and not partly.any():
        return out, tuple(notes), roles
    net = values - refund
    net = net.mask((values >= 0) & (net < 0), 0.0).round(6)  # a refund never takes back more than was paid
    if partly.any():
        notes.append(f"Took refunds off {int(partly.sum()):,} payment(s): less the amount in {refund_column!r}.")
    position = list(out.columns).index(amount) + 1
    out = out.copy()
    out.insert(position, NET_AMOUNT, net.to_numpy())
    source = repr(base) + (" less refunds" if partly.any() else "")
    notes.append(f"Revenue is the new column {NET_AMOUNT!r} = {source}; {amount!r} keeps the file's values.")
    return out, tuple(notes), roles


# -- returns and cancellations ---------------------------------------------------------------------
# UCI's Online Retail marks a cancelled invoice with a "C" before its number (C536379) among plain numbers.
_CANCELLED_INVOICE = r"^[Cc][0-9]+$"
_PLAIN_INVOICE = r"^[0-9]+(?:\.0+)?$"  # 536365, or 536365.0 from a spreadsheet's number cell
_PLAIN_SHARE = 0.9  # of the other invoice numbers: a column of "C1001", "C1002" ids is an id scheme, not cancellations
# Where an invoice number is looked for when no order column is mapped; a bare "id" names rows, not invoices.
_INVOICE_NAMES = tuple(name for name in _ROLE_NAMES["order_id"] if name != "id")


@dataclass(frozen=True)
class Returns:
    """The rows of a transactions table that are returns or cancellations, and what marked them.

    rows     True where a row is money handed back, not a purchase (one entry per row, in order).
    reasons  (what marked the rows, how many rows it marked), e.g. ("with a negative 'Quantity'", 12).
    """

    rows: np.ndarray
    reasons: tuple[tuple[str, int], ...] = ()

    @property
    def count(self) -> int:
        return int(self.rows.sum())

    @property
    def purchases(self) -> np.ndarray:
        return ~self.rows

    @property
    def note(self) -> str | None:
        """The sentence that says what was set apart, with counts; None when nothing was."""
        return returns_note(self.count, len(self.rows), self.reasons) if self.count else None

    def net(self, amounts: pd.Series | np.ndarray) -> np.ndarray:
        """The amounts with every return counted against revenue, as -|amount|: a credit note written as a
        positive number is still money handed back. Missing amounts stay missing."""
        values = pd.to_numeric(pd.Series(np.asarray(amounts)), errors="coerce").to_numpy(dtype="float64")
        return np.where(self.rows, -np.abs(values), values)


def returns_note(count: int, rows: int, reasons: Sequence[tuple[str, int]]) -> str:
    """How every door says what was set apart: "12 of 300 rows are returns or cancellations (...): ..."."""
    listed = "; ".join(f"{n:,} {what}" for what, n in reasons)
    return (f"{count:,} of {rows:,} rows are returns or cancellations" + (f" ({listed})" if listed else "")
            + ": set apart from orders, active days, first purchases and cohorts; revenue is net of them.")


def find_returns(frame: pd.DataFrame, *, amount: str | None = None, order_id: str | None = None,
                 customer_id: str | None = None) -> Returns:
    """Which rows of a transactions table are returns or cancellations (DESIGN, "Transactions: what counts").

    A row is one when any of these says so:

    - its invoice number is a cancellation: "C" and digits (C536379) in a column of plain invoice
      numbers: `order_id`, else the column named like an invoice or order number;
    - its quantity is negative (a column named like a quantity);
    - its type or status is a refund, a return, a credit note, a chargeback or a reversal ("Type",
      "Transaction Type", "Document Type", "Status", ...);
    - its `amount` is negative.

    Such a row is never an order, an active day, a first purchase or a cohort's activity, and its
    money counts against revenue (`Returns.net`). `customer_id` is never read as one of these
    columns. The input is never changed.
    """
    n = len(frame)
    rows = np.zeros(n, dtype=bool)
    reasons: list[tuple[str, int]] = []
    if n == 0:
        return Returns(rows)
    taken = {c for c in (amount, customer_id) if c is not None}
    invoice = order_id if order_id in frame.columns else (
        None if order_id is not None else _column_named(frame, _INVOICE_NAMES, exclude=taken))
    if invoice is not None:
        cancelled = _cancelled_invoices(frame[invoice])
        if cancelled.any():
            reasons.append((f"with an invoice number starting with C in {invoice!r}", int(cancelled.sum())))
            rows |= cancelled
    quantity = _column_named(frame, _QUANTITY_NAMES, exclude=taken | {invoice})
    if quantity is not None:
        negative = _negative(frame[quantity])
        if negative.any():
            reasons.append((f"with a negative {quantity!r}", int(negative.sum())))
            rows |= negative
    for column in _columns_named(frame, _RETURN_TYPE_NAMES, exclude=taken | {invoice, quantity}):
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        marked = _status_codes(values).isin(_RETURN_WORDS).to_numpy()
        if marked.any():
            shown = sorted(set(values[marked].astype(str).str.strip()))
            reasons.append((f"whose {column!r} is {_listing(shown, 'or')}", int(marked.sum())))
            rows |= marked
    if amount is not None and amount in frame.columns:
        negative = _negative(frame[amount])
        # Said only when it marks rows nothing else did: -27.50 from a quantity of -1 is the same return.
        if (negative & ~rows).any():
            reasons.append((f"with a negative {amount!r}", int(negative.sum())))
        rows |= negative
    return Returns(rows, tuple(reasons))


def return_columns(columns: Sequence[str], *, exclude: Sequence[str | None] = ()) -> tuple[str, ...]:
    """Of these column names, those `find_returns` reads besides the amount and the invoice number: a
    quantity and any type or status column. Reading only other columns, a query cannot tell returns."""
    frame = pd.DataFrame(columns=list(columns))
    skip = {c for c in exclude if c is not None}
    quantity = _column_named(frame, _QUANTITY_NAMES, exclude=skip)
    return tuple(([quantity] if quantity else []) + _columns_named(frame, _RETURN_TYPE_NAMES, exclude=skip))


def invoice_column(columns: Sequence[str], *, exclude: Sequence[str | None] = ()) -> str | None:
    """The column `find_returns` reads invoice numbers from when no order column is given."""
    return _column_named(pd.DataFrame(columns=list(columns)), _INVOICE_NAMES,
                         exclude={c for c in exclude if c is not None})


def _name_score(column: object, names: tuple[str, ...]) -> int:
    return max(_match_score(_normalise(str(column)), names), _match_score(_normalise(str(column), units=True), names))


def _columns_named(frame: pd.DataFrame, names: tuple[str, ...], *, exclude: set) -> list:
    return [c for c in frame.columns if c not in exclude and _name_score(c, names)]


def _column_named(frame: pd.DataFrame, names: tuple[str, ...], *, exclude: set) -> object | None:
    """The column whose name fits `names` best (exact names first), by name only: no values are read."""
    best, best_score = None, 0
    for column in frame.columns:
        if column in exclude:
            continue
        score = _name_score(column, names)
        if score > best_score:
            best, best_score = column, score
    return best


def _negative(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return np.zeros(len(values), dtype=bool)
    numbers = values if pd.api.types.is_numeric_dtype(values) else pd.to_numeric(values, errors="coerce")
    return pd.Series(numbers < 0).to_numpy(dtype=bool, na_value=False)


def _cancelled_invoices(values: pd.Series) -> np.ndarray:
    """Invoice numbers "C" + digits, when the column's other numbers are (nearly all) plain digits."""
    none = np.zeros(len(values), dtype=bool)
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return none
    import pyarrow as pa
    import pyarrow.compute as pc

    objects = values.to_numpy(dtype=object)
    try:  # Arrow's regular expressions run over millions of invoice numbers in a fraction of a second
        texts = pa.array(objects, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers and text mixed, as a workbook column holds them
        texts = pa.array([None if pd.isna(v) else str(v) for v in objects], type=pa.string())
    cancelled = pc.match_substring_regex(texts, _CANCELLED_INVOICE).fill_null(False).to_numpy(zero_copy_only=False)
    if not cancelled.any():
        return none
    plain = int(pc.sum(pc.match_substring_regex(texts, _PLAIN_INVOICE).fill_null(False).cast(pa.int64())).as_py()
                or 0)
    others = len(texts) - texts.null_count - int(cancelled.sum())
    if plain == 0 or plain < _PLAIN_SHARE * others or cancelled.sum() >= plain:
        return none
    return cancelled


def _won_deals(frame: pd.DataFrame, levels: Mapping[str, str]) -> tuple[pd.DataFrame, str | None]:
    """Only the won rows of a deals export, when a stage column ("Deal Stage") says some deal was won."""
    best, best_score, won = None, 0, None
    for column in map(str, frame.columns):
        if levels.get(column) not in ("categorical", "text"):
            continue
        score = max(_match_score(form, _STAGE_NAMES) for form in _name_forms(column))
        if score <= best_score:
            continue
        rows = _status_codes(frame[column]).isin(_WON_STAGES).to_numpy()
        if rows.any():
            best, best_score, won = column, score, rows
    if best is None or won.all():
        return frame, None
    codes = _status_codes(frame[best])
    lost = int(codes.isin(_LOST_STAGES).sum())
    other = len(frame) - int(won.sum()) - lost
    shown = sorted(set(frame.loc[won, best].astype(str).str.strip()))
    left = [f"{lost:,} lost"] * bool(lost) + [f"{other:,} still open or in no stage"] * bool(other)
    note = (f"Counted only the {int(won.sum()):,} won deals of {len(frame):,} rows ({best!r} is "
            f"{_listing(shown, 'or')}); the {' and '.join(left)} bring no revenue.")
    return frame.loc[won].reset_index(drop=True), note


_MIXED_WARNING = "Warning: amounts in "  # how the currency warning starts: the Data page recomputes it


def _currencies(frame: pd.DataFrame, amount: str, levels: Mapping[str, str]) -> tuple[str | None, list[str]]:
    """The currency column and the currencies `amount` is in, when that is more than one (else None, [])."""
    currency = _named_column(frame, _CURRENCY_NAMES, levels, ("categorical", "text", "id"))
    if currency is None or _converted_named(amount):
        return None, []
    codes = frame[currency].dropna().astype(str).str.strip().str.lower()
    currencies = list(dict.fromkeys(codes[codes != ""]))
    return (currency, currencies) if len(currencies) > 1 else (None, [])


def _mixed(amount: str, currency: str, currencies: list[str], advice: str) -> str:
    listed = ", ".join(currencies[:8]) + (", ..." if len(currencies) > 8 else "")
    return (f"{_MIXED_WARNING}{amount!r} are in {len(currencies)} currencies ({listed}) in column {currency!r} and "
            f"are added as they are, so revenue mixes currencies. {advice}")


def _currency_base(frame: pd.DataFrame, amount: str, levels: Mapping[str, str]) -> tuple[str, str | None]:
    """The column revenue is read from (`amount`, or one holding it in one currency) and a note, or None."""
    currency, currencies = _currencies(frame, amount, levels)
    if currency is None:
        return amount, None
    converted = _converted_column(frame, levels, exclude={amount, NET_AMOUNT}, currency=currency)
    if converted is None:
        return amount, _mixed(amount, currency, currencies, "Convert them to one currency, or load one file per "
                                                           "currency.")
    listed = ", ".join(currencies[:8]) + (", ..." if len(currencies) > 8 else "")
    return converted, (f"Amounts in {amount!r} are in {len(currencies)} currencies ({listed}) in column "
                       f"{currency!r}, so revenue uses {converted!r}, which holds them in one currency.")


def currency_warning(frame: pd.DataFrame, amount: str | None) -> str | None:
    """The warning that revenue read from `amount` adds up several currencies, or None when it does not.

    For the amount a user maps by hand: the warning `clean_transactions` wrote is about the
    column it chose. "amount (net)" is judged by the column it was made from (the one before it).
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("The transactions table must be a table (a pandas DataFrame).")
    columns = list(map(str, frame.columns))
    if amount is None or amount not in columns:
        return None
    levels = {c.name: c.level for c in infer_roles(frame, kind="transactions").columns}
    if amount == NET_AMOUNT:
        position = columns.index(NET_AMOUNT)
        if position == 0:
            return None
        base, note = _currency_base(frame, columns[position - 1], levels)
        return note if base == columns[position - 1] else None
    currency, currencies = _currencies(frame, amount, levels)
    if currency is None:
        return None
    # Revenue is the sum of the mapped column as it is: say which column would hold one currency.
    better = NET_AMOUNT if NET_AMOUNT in columns and currency_warning(frame, NET_AMOUNT) is None else (
        _converted_column(frame, levels, exclude={amount, NET_AMOUNT}, currency=currency))
    advice = (f"Map {better!r}, which holds one currency, as the amount instead." if better is not None
              else "Convert them to one currency, or load one file per currency.")
    return _mixed(amount, currency, currencies, advice)


def notes_for_amount(notes: Sequence[str], frame: pd.DataFrame, amount: str | None) -> tuple[str, ...]:
    """A transactions table's notes with the currency warning about the amount now mapped, not the one guessed.

    `notes` are the table's notes from loading (`clean_transactions`); `amount` is the column the
    amount role points at now. Without a mapped amount, no currency warning is given.
    """
    kept = tuple(note for note in notes if not str(note).startswith(_MIXED_WARNING))
    warning = currency_warning(frame, amount)
    return kept + ((warning,) if warning else ())


def _listing(values: Sequence[str], conjunction: str) -> str:
    quoted = [repr(v) for v in values[:6]] + (["..."] if len(values) > 6 else [])
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


def _status_codes(series: pd.Series) -> pd.Series:
    """Status words as comparable codes: "Payment Failed" -> "payment_failed", "Échoué" -> "echoue"."""
    codes = {value: _normalise(value, units=True) for value in series.dropna().unique()}
    return series.map(codes)


def _named_column(frame: pd.DataFrame, names: tuple[str, ...], levels: Mapping[str, str],
                  allowed: tuple[str, ...]) -> str | None:
    """The column of an allowed level whose name fits `names` best (exact names first), or None."""
    best, best_score = None, 0
    for column in frame.columns:
        column = str(column)
        level = levels[column] if column in levels else _level(frame[column], column)
        if level not in allowed:
            continue
        score = max(_match_score(_normalise(column), names), _match_score(_normalise(column, units=True), names))
        if score > best_score:
            best, best_score = column, score
    return best


def _converted_named(column: str) -> bool:
    return bool(_match_score(_normalise(column, units=True), _CONVERTED_NAMES)
                or _match_score(_normalise(column), _CONVERTED_NAMES))


def _converted_column(frame: pd.DataFrame, levels: Mapping[str, str], *, exclude: set[str],
                      currency: str | None = None) -> str | None:
    """A numeric amount in one currency ("Converted Amount", "amount_usd", "Net", Paddle's "Earnings"): never a
    fee or a refund, and not when the file's other currency columns ("Balance Currency") all hold several."""
    if currency is not None and not _one_other_currency(frame, currency):
        return None
    best, best_score = None, 0
    for column in frame.columns:
        column = str(column)
        norm = _normalise(column, units=True)
        named = norm in _CONVERTED_NAMES or _normalise(column) in _CONVERTED_NAMES  # "balance_earnings" is money
        if (column in exclude or levels.get(column) != "numeric" or _id_named(norm)
                or (_words(norm) & _NOT_AMOUNT_WORDS and not named)):
            continue
        score = max(_match_score(norm, _CONVERTED_NAMES), _match_score(_normalise(column), _CONVERTED_NAMES))
        if score > best_score:
            best, best_score = column, score
    return best


def _one_other_currency(frame: pd.DataFrame, currency: str) -> bool:
    """No currency column besides `currency`, or one that holds a single currency (the converted amount's)."""
    others = [str(c) for c in frame.columns if str(c) != currency
              and _words(_normalise(str(c), units=True)) & {"currency", "curr", "ccy", "wahrung", "devise", "moneda",
                                                             "divisa"}]
    if not others:
        return True
    return any(frame[c].dropna().astype(str).str.strip().str.lower().replace("", np.nan).nunique() <= 1
               for c in others)


def _refunds(frame: pd.DataFrame, levels: Mapping[str, str], *, amount: str, base: str,
             values: pd.Series) -> tuple[pd.Series, str | None]:
    """The refund of each row in the currency of `base` (0 where none), and the column it came from."""
    def numeric(names: tuple[str, ...]) -> str | None:
        column = _named_column(frame, names, levels, ("numeric",))
        return None if column in (amount, base) else column

    def number(column: str) -> pd.Series:
        return pd.to_numeric(frame[column], errors="coerce").astype("float64").fillna(0.0).abs()

    zero = pd.Series(0.0, index=frame.index)
    if base != amount:
        converted = numeric(_CONVERTED_REFUND_NAMES)
        if converted is not None:
            return number(converted), converted
    column = numeric(_REFUND_NAMES)
    if column is None:
        return zero, None
    refund = number(column)
    if base == amount:
        return refund, column
    # The refund is in the payment's own currency: take the same share off the converted amount.
    raw = pd.to_numeric(frame[amount], errors="coerce").astype("float64").abs()
    share = (refund / raw.where(raw > 0)).clip(0.0, 1.0).fillna(0.0)
    return values.abs().fillna(0.0) * share, column


def with_derived_mrr(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """A customers table with a monthly revenue column: as given, else a yearly one divided by 12.

    An annual column (ARR, ACV, a yearly fee; never a company's "Annual Revenue", which is what
    it earns, not what it pays) is not MRR. When no column fits the MRR role but one holds an
    annual amount, the result has a new column "mrr (from <column>)" = annual / 12 right after
    it, which `infer_roles` takes for the MRR, and a sentence saying so; otherwise the frame
    comes back unchanged with None. The input is never changed.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("The customers table must be a table (a pandas DataFrame).")
    if frame.shape[1] == 0:
        return frame, None
    roles = infer_roles(frame, kind="customers")
    if roles.get("mrr") is not None:
        return frame, None
    levels = {c.name: c.level for c in roles.columns}
    taken = set(roles.roles.values())
    best, best_score = None, 0
    for column in map(str, frame.columns):
        norm = _normalise(column)
        words = _words(norm)
        if (levels[column] != "numeric" or column in taken or _id_named(norm) or not _annual(norm)
                or words & _NOT_MONEY_WORDS):
            continue
        score = _match_score(norm, _ANNUAL_NAMES)
        if not score and not words & _PAID_WORDS:
            continue  # "Annual Revenue": the size of the customer's business, not what it pays
        if max(score, 1) > best_score:
            best, best_score = column, max(score, 1)
    name = f"mrr (from {best})" if best is not None else None
    if name is None or name in frame.columns:
        return frame, None
    values = (pd.to_numeric(frame[best], errors="coerce").astype("float64") / 12).round(6)
    out = frame.copy()
    out.insert(list(map(str, frame.columns)).index(best) + 1, name, values.to_numpy())
    return out, f"Added {name!r} = {best} / 12, because the file has annual amounts but no monthly one."


# A text column that changes within this share of the customers who have several rows still describes the
# customer (Online Retail's Country: 8 of 4,372 customers have two): each keeps its most frequent value.
MOSTLY_CONSTANT = 0.05


def customers_from_transactions(frame: pd.DataFrame, *, customer_id: str) -> pd.DataFrame:
    """One row per customer of a transactions (or events) table, for exports that have no customers file.

    The first column, named like `customer_id`, holds each distinct id once as text (17850.0 from a
    column with blanks reads "17850"), in order of first appearance; rows without an id are left
    out. Every other text column that holds one value per customer, and not one value for all
    (Country, Customer Email), comes along, so it can describe or split the segments; numbers and
    dates describe purchases and stay with them. A column that holds one value for nearly every
    customer (at most `MOSTLY_CONSTANT` of those with several rows have two or more: a move abroad)
    comes along too, each customer with its most frequent value (the first seen on a tie);
    `attrs["mostly_constant"]` says, per such column, how many customers had more than one. A column
    that changes for more customers (an invoice number, a product) describes purchases and stays.
    The input is never changed.
    """
    from .features import ids_as_text  # features builds on the roles found here, not the other way round

    if not isinstance(frame, pd.DataFrame):
        raise DataError("The transactions table must be a table (a pandas DataFrame).")
    if customer_id not in frame.columns:
        raise DataError(f"There is no column {customer_id!r}; columns are: {', '.join(map(str, frame.columns))}.")
    ids = ids_as_text(frame[customer_id], column=customer_id, table="transactions")
    keep = ids.notna().to_numpy()
    if not keep.any():
        raise DataError(f"Column {customer_id!r} holds no customer id; map the column that names the customer.")
    # Only words can describe a customer: numbers and dates of a purchase stay with the purchases.
    described = [c for c in frame.columns if c != customer_id and not pd.api.types.is_numeric_dtype(frame[c])
                 and not pd.api.types.is_datetime64_any_dtype(frame[c])]
    rows = frame.loc[keep, described].assign(__id__=ids[keep].to_numpy(dtype=object))
    grouped = rows.groupby("__id__", sort=False)
    per_customer = grouped.nunique(dropna=True)
    overall = rows[described].nunique(dropna=True)
    # One value per customer, and not the same for everyone (a currency or a shop's only channel says nothing).
    carried = [c for c in described if per_customer[c].max() <= 1 and overall[c] > 1]
    mixed: dict[str, int] = {}
    for c in described:
        if c in carried or overall[c] <= 1:
            continue
        changed = int((per_customer[c] > 1).sum())
        if changed > MOSTLY_CONSTANT * len(per_customer):
            continue  # changes for many customers (an invoice number, a product): it describes purchases
        # Judged on customers who could show a change: those with the column filled on two rows or more.
        several = int((grouped[c].count() > 1).sum())
        if several and changed <= MOSTLY_CONSTANT * several:
            mixed[c] = changed
    out = grouped[carried].first() if carried else pd.DataFrame(index=per_customer.index)
    for c in mixed:
        # Only the few customers whose value changes need counting; the others have their one value.
        values = grouped[c].first().astype(object)
        movers = rows["__id__"].isin(per_customer.index[per_customer[c] > 1]).to_numpy()
        values.update(_most_frequent(rows.loc[movers, ["__id__", c]], c))
        out[c] = values.reindex(per_customer.index).to_numpy(dtype=object)
    out = out[[c for c in described if c in out.columns]]  # the file's column order
    out.insert(0, customer_id, out.index.to_numpy(dtype=object))
    out = out.reset_index(drop=True)
    out.attrs["rows_without_id"] = int((~keep).sum())  # said by every door: those rows count for nobody
    out.attrs["mostly_constant"] = mixed
    return out


def _most_frequent(rows: pd.DataFrame, column: str) -> pd.Series:
    """Per customer (`__id__`), the value of `column` on most of its rows; the first seen on a tie."""
    values = rows.dropna(subset=[column]).reset_index(drop=True)
    values["__order__"] = values.index
    counts = values.groupby(["__id__", column], sort=False).agg(n=("__order__", "size"), first=("__order__", "min"))
    counts = counts.reset_index().sort_values(["__id__", "n", "first"], ascending=[True, False, True], kind="stable")
    return counts.drop_duplicates("__id__").set_index("__id__")[column]


@dataclass(frozen=True)
class QualitySummary:
    """Data-quality facts a user should see before segmenting."""

    rows: int
    columns: pd.DataFrame  # column, level, missing_share, distinct, constant
    duplicate_ids: pd.DataFrame  # id, rows (spreadsheet-style row numbers)
    notes: tuple[str, ...]


def quality_summary(frame: pd.DataFrame, roles: RoleMap, *, header_row: int = 0,
                    name: str = "the file") -> QualitySummary:
    """Missing share, constant columns and duplicate customer ids, with rows as a spreadsheet shows them."""
    n = len(frame)
    rows = []
    for info in roles.columns:
        series = frame[info.name]
        distinct = int(series.nunique(dropna=True))
        rows.append({
            "column": info.name,
            "level": info.level,
            "category": info.category or "",
            "role": info.role or "",
            "missing_share": float(series.isna().mean()) if n else 0.0,
            "distinct": distinct,
            "constant": distinct <= 1,
        })
    columns = pd.DataFrame(rows)
    notes = []
    id_col = roles.get("customer_id")
    duplicates = pd.DataFrame(columns=["id", "rows"])
    if id_col is not None and roles.kind == "customers":
        ids = frame[id_col]
        dup_mask = ids.duplicated(keep=False) & ids.notna()
        if dup_mask.any():
            # Row numbers as the user sees them: header line + 1-based data rows.
            first_data_row = header_row + 2
            positions = pd.Series(range(n), index=frame.index)[dup_mask.to_numpy()] + first_data_row
            grouped = pd.DataFrame({"id": ids[dup_mask].astype(str).to_numpy(), "row": positions.to_numpy()})
            duplicates = (grouped.groupby("id", sort=True)["row"]
                          .apply(lambda r: ", ".join(map(str, r))).reset_index(name="rows"))
            example = duplicates.iloc[0]
            notes.append(
                f"{len(duplicates)} customer id(s) in column {id_col!r} of {name} appear more than once "
                f"(e.g. {example['id']!r} on rows {example['rows']}); keep one row per customer."
            )
        if ids.isna().any():
            row = int(ids.isna().to_numpy().argmax()) + header_row + 2
            notes.append(f"{int(ids.isna().sum())} row(s) of {name} have no customer id in column {id_col!r} "
                         f"(first on row {row}); they will be left out.")
    constant = columns.loc[columns["constant"], "column"].tolist() if n else []
    if constant:
        notes.append(f"Column(s) {', '.join(map(repr, constant))} hold a single value and cannot separate segments.")
    return QualitySummary(rows=n, columns=columns, duplicate_ids=duplicates, notes=tuple(notes))
