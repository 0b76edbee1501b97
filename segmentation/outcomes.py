"""Outcome columns derived from mapped roles: what "actionable" and the profiles measure against.

An outcome has a kind (`OUTCOME_KINDS`): churn, conversion, response (to a campaign) or other. The
kind is read from the outcome column's name and values (`infer_outcome_kind`), the user can change
it, and everything that shows the outcome names it by its kind ("response rate", not "churn rate").
In the customer table a churn outcome becomes the `churned` flag; any other kind becomes `outcome`,
so a campaign response is never called churn, and LTV (which needs churn) never reads it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import pandas as pd

from .errors import DataError
from .names import _CUSTOMER_STATUS_NAMES, _OUTCOME_KIND_WORDS, _ROLE_NAMES, _normalise, _words

__all__ = ["with_outcomes", "OUTCOME_COLUMNS", "OUTCOME_KINDS", "OUTCOME", "as_flag", "flag_words", "flag_problem",
           "outcome_problem", "infer_outcome_kind", "kind_of", "flag_for", "rate_name", "outcome_choices",
           "outcome_label"]

OUTCOME = "outcome"  # the customer-table column of an outcome that is not churn
OUTCOME_COLUMNS = ("churned", "converted", OUTCOME)
OUTCOME_KINDS = ("churn", "conversion", "response", "other")
# The flag each kind is read as (its words in `_WORDS`), and how the flag is named in a sentence.
_KIND_FLAG = {"churn": "churned", "conversion": "converted", "response": "responded", "other": "outcome"}
_FLAG_NAMES = {"churned": "churned", "converted": "converted", "responded": "response", "outcome": "outcome"}
_RATE_NAMES = {"churn": "churn rate", "conversion": "conversion rate", "response": "response rate",
               "other": "outcome rate"}
_YES = frozenset({"yes", "y", "true", "t", "1", "ja", "oui", "si"})
_NO = frozenset({"no", "n", "false", "f", "0", "nein", "non"})
# Words a status column writes, read for what the flag is about. "Paying" has converted but has not churned,
# so the two flags read different words. Words are compared as codes: "Closed Lost" -> "closed_lost".
_WORDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "churned": (
        frozenset({"churned", "churn", "cancelled", "canceled", "inactive", "expired", "lost", "terminated", "closed",
                   "gekundigt", "abgewandert", "inaktiv", "resilie", "inactif", "cancelado", "inactivo", "baja"}),
        # Still a customer: a trial, a subscription about to start, one in dunning or one not renewing yet.
        frozenset({"active", "live", "trialing", "trial", "in_trial", "paying", "current", "past_due", "future",
                   "non_renewing", "aktiv", "actif", "activo", "not_churned"}),
    ),
    "converted": (
        frozenset({"paid", "converted", "paying"}),
        frozenset({"free", "trial", "trialing", "in_trial", "unpaid", "not_converted"}),
    ),
    "responded": (
        frozenset({"responded", "response", "accepted", "replied", "clicked", "redeemed"}),
        frozenset({"no_response", "not_responded", "declined", "ignored", "rejected", "not_accepted"}),
    ),
    "outcome": (frozenset(), frozenset()),  # an outcome of no known kind: yes/no words only
}
# What a flag says, and examples of columns that say it, for the sentence when a column says neither.
_FLAG_WHAT = {"churned": "churned or not", "converted": "converted or not", "responded": "responded or not",
              "outcome": "yes or no"}
_FLAG_EXAMPLES = {"churned": "yes/no, true/false or Active/Cancelled, or map a churn date instead",
                  "converted": "yes/no, true/false or Paid/Free", "responded": "yes/no, true/false or 1/0",
                  "outcome": "yes/no, true/false or 1/0"}
# Below this share of readable filled cells a column is not a flag at all ("Basic" / "Pro" / "Enterprise").
_MIN_READABLE = 0.5


def _code(value: object) -> str:
    """A cell as a comparable word: "Closed Lost" -> "closed_lost", "Gekündigt" -> "gekundigt"."""
    text = unicodedata.normalize("NFKD", str(value).strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s\-]+", "_", text)


def flag_words(of: str = "churned") -> tuple[frozenset[str], frozenset[str]]:
    """The words (as codes) `as_flag` reads as true and as false for the flag `of` ("churned", "converted")."""
    if of not in _WORDS:
        raise DataError(f"Unknown flag {of!r}; flags are: {', '.join(_WORDS)}.")
    true, false = _WORDS[of]
    return _YES | true, _NO | false


def as_flag(series: pd.Series, *, of: str = "churned") -> pd.Series:
    """Yes/no-like values as a nullable boolean (unknown words become missing, not False).

    Besides yes/no and true/false, the words of a status column count, read for the flag `of`:
    for "churned", Cancelled, Canceled, Churned, Inactive, Expired, Lost, Terminated and Closed are
    true, Active, Live, Trialing, Paying and Current false; for "converted", Paid and Paying are
    true, Free and Trial false. Case, accents, spaces and hyphens do not matter.
    """
    true, false = flag_words(of)
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean")
    if pd.api.types.is_numeric_dtype(series):
        return series.map(lambda v: pd.NA if pd.isna(v) else bool(v)).astype("boolean")
    codes = {value: _code(value) for value in series.dropna().unique()}
    text = series.map(codes)
    flag = pd.Series(pd.NA, index=series.index, dtype="boolean")
    flag[text.isin(true).to_numpy()] = True
    flag[text.isin(false).to_numpy()] = False
    return flag


def _filled(series: pd.Series) -> pd.Series:
    values = series.dropna()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        values = values[values.astype(str).str.strip().ne("")]
    return values


def flag_problem(series: pd.Series, *, column: str, of: str = "churned") -> str | None:
    """Why `series` (the user's column `column`) cannot be read as the flag `of`, in one sentence, or None.

    A column is readable when at least half of its filled cells are yes/no words or words of a
    status (see `as_flag`); dates (a churn date: set or not) and filled numbers always are.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        return None  # a date column empty everywhere says nobody churned
    flag_words(of)  # validates `of`
    what, examples, named = _FLAG_WHAT[of], _FLAG_EXAMPLES[of], _FLAG_NAMES[of]
    filled = _filled(series)
    if filled.empty:
        return (f"Column {column!r}, mapped as the {named} flag, is empty; map a column that says {what} "
                f"({examples}) on the Data page.")
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return None
    readable = as_flag(filled, of=of).notna()
    if readable.mean() >= _MIN_READABLE:
        return None
    unread = filled[~readable.to_numpy()].astype(str).str.strip().value_counts()
    shown = ", ".join(repr(v) for v in unread.index[:5]) + (", ..." if len(unread) > 5 else "")
    return (f"Column {column!r}, mapped as the {named} flag, holds {shown}, which do not say {what}; map a column "
            f"with {examples} on the Data page.")


def outcome_problem(frame: pd.DataFrame, roles: Mapping[str, str], outcome: str | None, *,
                    outcome_kind: str | None = None) -> str | None:
    """Why the outcome `outcome` ("churned", "converted" or "outcome", as `with_outcomes` made it) cannot be
    used, naming the user's column it was read from, or None when it can (or is the user's own column).
    outcome_kind: the kind of the mapped outcome (default: `kind_of`)."""
    mapped = roles.get("outcome")
    kind = outcome_kind or kind_of(roles, frame)
    if outcome == "churned":
        source, of = (mapped if kind == "churn" else None), "churned"
    elif outcome == "converted":
        source, of = roles.get("converted"), "converted"
    elif outcome == OUTCOME and kind not in (None, "churn"):
        source, of = mapped, flag_for(kind)
    else:
        return None
    if source is None or source == outcome or source not in frame.columns:
        return None
    return flag_problem(frame[source], column=source, of=of)


def infer_outcome_kind(column: str, values: pd.Series | None = None, *, previous: str | None = None) -> str:
    """What the outcome column `column` measures, one of `OUTCOME_KINDS`.

    Its name first: churn, cancel, exited or status words say churn; converted or paid, conversion;
    response, responded or accepted (a campaign: AcceptedCmp1), response. Then its values, when given:
    Active/Cancelled say churn, Paid/Free conversion, Responded/Declined response. A name and values that
    say nothing keep the `previous` kind (the user moved their outcome to another column), else "other".
    """
    norm = _normalise(str(column))
    words = _words(norm)
    churn_names = {n for n in _ROLE_NAMES["outcome"] if not _words(n) & _OUTCOME_KIND_WORDS["response"]}
    if norm in churn_names or norm in _CUSTOMER_STATUS_NAMES or norm in _ROLE_NAMES["churn_date"]:
        return "churn"
    for kind, kind_words in _OUTCOME_KIND_WORDS.items():
        if words & kind_words:
            return kind
    if values is not None and not pd.api.types.is_numeric_dtype(values) \
            and not pd.api.types.is_datetime64_any_dtype(values):
        codes = {_code(v) for v in values.dropna().unique()[:200]} - _YES - _NO
        hits = {kind: len(codes & (_WORDS[flag][0] | _WORDS[flag][1])) for kind, flag in _KIND_FLAG.items()}
        best = max(hits, key=hits.get)  # ties go to the earlier kind: churn
        if hits[best]:
            return best
    return previous if previous in OUTCOME_KINDS else "other"


def kind_of(roles, frame: pd.DataFrame | None = None) -> str | None:
    """The kind of the mapped outcome: a RoleMap's own (`RoleMap.outcome_kind`), else read from the mapped
    column's name and values in `frame` (`infer_outcome_kind`); None when no outcome is mapped."""
    column = roles.get("outcome")
    if column is None:
        return None
    chosen = getattr(roles, "outcome_kind", None)
    if chosen is not None:
        return chosen
    values = frame[column] if frame is not None and column in frame.columns else None
    return infer_outcome_kind(column, values)


def flag_for(kind: str | None) -> str:
    """The flag (`as_flag`'s `of`) an outcome of `kind` is read as: churn "churned", response "responded"."""
    return _KIND_FLAG.get(kind or "other", "outcome")


def rate_name(kind: str | None) -> str:
    """What the share of customers with the outcome is called: "churn rate", "response rate", "outcome rate"."""
    return _RATE_NAMES.get(kind or "other", _RATE_NAMES["other"])


def outcome_choices(frame: pd.DataFrame, roles, *, outcome_kind: str | None = None) -> dict[str, str]:
    """The customer table's outcome columns with their kinds, in the order they are offered (the first is the
    default everywhere: the Segment page, `kmeans --report`): churned (churn), converted (trial to paid,
    a conversion), then outcome (the mapped outcome of any other kind)."""
    kind = outcome_kind or kind_of(roles, frame)
    choices = {}
    if "churned" in frame.columns:
        choices["churned"] = "churn"
    if "converted" in frame.columns:
        choices["converted"] = "conversion"
    if OUTCOME in frame.columns and roles.get("outcome") is not None and kind != "churn":
        choices[OUTCOME] = kind or "other"
    return choices


def outcome_label(column: str, kind: str | None, roles=None) -> str:
    """An outcome column of the customer table as a person reads it, by its kind and the user's column it
    comes from: "Response rate (Response)", "Churn rate (Status)", "Conversion rate (converted_to_paid)"."""
    source = None
    if roles is not None:
        mapped = roles.get("outcome")
        source = {"churned": mapped if kind_of(roles) == "churn" else roles.get("churn_date"),
                  "converted": roles.get("converted"), OUTCOME: mapped}.get(column)
    name = rate_name(kind)
    return f"{name[:1].upper()}{name[1:]} ({source or column})"


def with_outcomes(frame: pd.DataFrame, roles: Mapping[str, str], *, outcome_kind: str | None = None) -> pd.DataFrame:
    """A copy of `frame` with the `churned`, `converted` and `outcome` flags the roles allow.

    churned: the mapped outcome column when its kind is churn (a yes/no, a status such as
    Active/Cancelled, or a date: set means churned), else "has a churn date".
    outcome: the mapped outcome column of any other kind (a campaign response, a conversion, ...),
    read as yes/no (`as_flag` with the words of its kind); never called `churned`.
    converted: the mapped trial-to-paid column.
    outcome_kind: the kind of the mapped outcome (default: `kind_of`: a RoleMap's own, else read from
    the column). Existing columns of those names are left alone: the user's own data wins. A mapped
    column that does not read as a flag gives a column of missing values; `outcome_problem` says why.
    """
    out = frame.copy()
    outcome, churn_date, converted = roles.get("outcome"), roles.get("churn_date"), roles.get("converted")
    kind = (outcome_kind or kind_of(roles, out)) if outcome in out.columns else None
    if "churned" not in out.columns:
        if kind == "churn":
            out["churned"] = _flag(out[outcome], "churned")
        elif churn_date in out.columns:
            out["churned"] = out[churn_date].notna()
    if kind not in (None, "churn") and OUTCOME not in out.columns:
        out[OUTCOME] = _flag(out[outcome], flag_for(kind))
    if "converted" not in out.columns and converted in out.columns:
        out["converted"] = as_flag(out[converted], of="converted")
    return out


def _flag(source: pd.Series, of: str) -> pd.Series:
    """A date (set = it happened) or a yes/no-like column as a nullable boolean."""
    if pd.api.types.is_datetime64_any_dtype(source):
        return source.notna().astype("boolean")
    return as_flag(source, of=of)
