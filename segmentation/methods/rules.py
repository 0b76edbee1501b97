"""Segments as ordered if-then rules over columns, written as text.

```
Accidental sign-up: logins_30d == 0 and mrr == 0
Enterprise buyer: plan == "Enterprise" or seats >= 50
Self-serve: mrr > 0
Tire-kicker: otherwise
```

Each line is ``Segment name: condition``; the first rule a customer matches wins.
Conditions compare a column with a value (``== != > >= < <=``, ``in [..]``, ``not in
[..]``), test ``is missing`` / ``is not missing``, and combine with ``and``, ``or``,
``not`` and parentheses. Text values go in quotes; column names with spaces go in
backticks (`` `Monthly MRR` > 100 ``). A missing value matches only ``is missing``.
Lines starting with ``#`` are comments. The text is parsed by a small parser (never
``eval``); mistakes are reported with the line number.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import pandas as pd

from ..errors import DataError
from ..result import Segmentation
from .registry import Method, register_method
from ..variables import customer_ids

__all__ = [
    "written_rules",
    "Rule",
    "Compare",
    "Member",
    "Missing",
    "AllOf",
    "AnyOf",
    "Not",
    "Otherwise",
    "parse_rules",
    "format_rules",
    "fit_rules",
    "rule_columns",
]


# -- the rule model ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Compare:
    column: str
    op: str  # == != > >= < <=
    value: Union[float, int, str, bool]


@dataclass(frozen=True)
class Member:
    column: str
    values: tuple
    negate: bool = False


@dataclass(frozen=True)
class Missing:
    column: str
    negate: bool = False


@dataclass(frozen=True)
class AllOf:
    parts: tuple


@dataclass(frozen=True)
class AnyOf:
    parts: tuple


@dataclass(frozen=True)
class Not:
    part: Any


@dataclass(frozen=True)
class Otherwise:
    pass


Condition = Union[Compare, Member, Missing, AllOf, AnyOf, Not, Otherwise]


@dataclass(frozen=True)
class Rule:
    """One line: customers matching `condition` (and no earlier rule) belong to `name`."""

    name: str
    condition: Condition
    line: int = 0

    @property
    def text(self) -> str:
        return f"{self.name}: {_render(self.condition)}"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_columns(self.condition)))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "line": self.line, "when": _to_data(self.condition), "text": self.text}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        return cls(name=str(data["name"]), condition=_from_data(data["when"]), line=int(data.get("line", 0)))


# -- parsing --------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<string>"[^"]*"|'[^']*'|“[^”]*”|‘[^’]*’)
  | (?P<backtick>`[^`]+`)
  | (?P<op>==|!=|>=|<=|<>|=|>|<)
  | (?P<word>[^\W\d]\w*(?:\.\w+)*)
  | (?P<punct>[\[\](),])
    """,
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "missing", "otherwise", "true", "false"}


@dataclass(frozen=True)
class _Token:
    kind: str  # number string column word op punct end
    text: str
    value: Any = None


def parse_rules(text: str) -> tuple[Rule, ...]:
    """Rules from text, one ``Name: condition`` per line; DataError names the line and the mistake."""
    if not isinstance(text, str):
        raise DataError("Rules should be text, one 'Segment name: condition' per line.")
    rules: list[Rule] = []
    otherwise_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if ":" not in line:
            raise DataError(
                f"Rule line {number}: write 'Segment name: condition', e.g. 'Self-serve: mrr > 0'; "
                f"found {line!r}."
            )
        name, _, body = line.partition(":")
        name = name.strip()
        if not name:
            raise DataError(f"Rule line {number}: give the segment a name before the ':'.")
        if otherwise_line:
            raise DataError(
                f"Rule line {number} ({name!r}) is never reached: line {otherwise_line} says 'otherwise', "
                "which catches everyone left; move 'otherwise' to the last line."
            )
        condition = _Parser(body, number, name).parse()
        if isinstance(condition, Otherwise):
            otherwise_line = number
        rules.append(Rule(name=name, condition=condition, line=number))
    if not rules:
        raise DataError("No rules given: write one 'Segment name: condition' per line, e.g. 'Self-serve: mrr > 0'.")
    return tuple(rules)


def format_rules(rules: Sequence[Rule]) -> str:
    """Rules back as text (what `parse_rules` reads)."""
    return "\n".join(rule.text for rule in rules)


class _Parser:
    """Recursive descent: or_expr := and_expr ('or' and_expr)*; and_expr := not_expr ('and' not_expr)*."""

    def __init__(self, text: str, line: int, name: str) -> None:
        self.line = line
        self.name = name
        self.tokens = self._tokenize(text)
        self.at = 0

    def fail(self, message: str) -> DataError:
        return DataError(f"Rule line {self.line} ({self.name!r}): {message}")

    def _tokenize(self, text: str) -> list[_Token]:
        tokens: list[_Token] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match:
                raise self.fail(f"unexpected character {text[pos]!r} at position {pos + 1} of the condition.")
            kind = match.lastgroup
            chunk = match.group()
            pos = match.end()
            if kind == "space":
                continue
            if kind == "number":
                number = float(chunk)
                tokens.append(_Token("number", chunk, int(number) if number.is_integer() and "." not in chunk
                                     and "e" not in chunk.lower() else number))
            elif kind == "string":
                tokens.append(_Token("string", chunk, chunk[1:-1]))
            elif kind == "backtick":
                tokens.append(_Token("column", chunk, chunk[1:-1]))
            elif kind == "word":
                lowered = chunk.lower()
                keyword = lowered in _KEYWORDS
                tokens.append(_Token("word", chunk, lowered) if keyword else _Token("column", chunk, chunk))
            elif kind == "op":
                tokens.append(_Token("op", chunk, {"=": "==", "<>": "!="}.get(chunk, chunk)))
            else:
                tokens.append(_Token("punct", chunk, chunk))
        tokens.append(_Token("end", "end of line"))
        return tokens

    # token helpers
    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def is_word(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.value == word

    def expect_punct(self, char: str, what: str) -> None:
        token = self.take()
        if token.kind != "punct" or token.value != char:
            raise self.fail(f"expected {what}, found {_shown(token)}.")

    # grammar
    def parse(self) -> Condition:
        if self.peek().kind == "end":
            raise self.fail("the condition after ':' is empty; write e.g. 'mrr > 0' or 'otherwise'.")
        if self.is_word("otherwise"):
            self.take()
            if self.peek().kind != "end":
                raise self.fail("'otherwise' stands alone; remove what follows it.")
            return Otherwise()
        condition = self.or_expr()
        if self.peek().kind != "end":
            raise self.fail(f"expected 'and', 'or' or the end of the line, found {_shown(self.peek())}.")
        return condition

    def or_expr(self) -> Condition:
        parts = [self.and_expr()]
        while self.is_word("or"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def and_expr(self) -> Condition:
        parts = [self.not_expr()]
        while self.is_word("and"):
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def not_expr(self) -> Condition:
        if self.is_word("not"):
            self.take()
            return Not(self.not_expr())
        return self.atom()

    def atom(self) -> Condition:
        token = self.peek()
        if token.kind == "punct" and token.value == "(":
            self.take()
            inner = self.or_expr()
            self.expect_punct(")", "a closing ')'")
            return inner
        if token.kind != "column":
            raise self.fail(f"expected a column name (e.g. mrr > 0), found {_shown(token)}.")
        column = self.take().value
        if self.is_word("is"):
            self.take()
            negate = False
            if self.is_word("not"):
                self.take()
                negate = True
            if not self.is_word("missing"):
                raise self.fail(f"after '{column} is' write 'missing' or 'not missing', found {_shown(self.peek())}.")
            self.take()
            return Missing(column, negate)
        negate = False
        if self.is_word("not"):
            self.take()
            negate = True
            if not self.is_word("in"):
                raise self.fail(f"after '{column} not' write 'in [...]', found {_shown(self.peek())}.")
        if self.is_word("in"):
            self.take()
            return Member(column, self.value_list(column), negate)
        op = self.take()
        if op.kind != "op":
            raise self.fail(
                f"expected a comparison after {column!r} (== != > >= < <=, in [..], is missing), found {_shown(op)}."
            )
        return Compare(column, op.value, self.value(column))

    def value(self, column: str) -> Any:
        token = self.take()
        if token.kind in ("number", "string"):
            return token.value
        if token.kind == "word" and token.value in ("true", "false"):
            return token.value == "true"
        if token.kind == "column":
            raise self.fail(f'put text values in quotes: {column} == "{token.value}".')
        raise self.fail(f"expected a value (a number or text in quotes), found {_shown(token)}.")

    def value_list(self, column: str) -> tuple:
        self.expect_punct("[", f"'[' to start the list of values after '{column} in'")
        values = [self.value(column)]
        while self.peek().kind == "punct" and self.peek().value == ",":
            self.take()
            values.append(self.value(column))
        self.expect_punct("]", "',' or a closing ']'")
        return tuple(values)


def _shown(token: _Token) -> str:
    return "the end of the line" if token.kind == "end" else repr(token.text)


# -- fitting and assigning ------------------------------------------------------------------------
def fit_rules(
    frame: pd.DataFrame,
    rules: str | Sequence[Rule],
    *,
    default: str = "Other",
    id_column: str | None = None,
) -> Segmentation:
    """Segments from ordered rules: each customer gets the first rule it matches, else `default`.

    `rules` is text (see the module doc) or parsed `Rule`s. An ``otherwise`` line names the
    default segment. Labels are indexed by customer id (see `variables.customer_ids`).
    """
    parsed = parse_rules(rules) if isinstance(rules, str) else tuple(rules)
    if not parsed:
        raise DataError("No rules given: write one 'Segment name: condition' per line.")
    if not str(default).strip():
        raise DataError("Give the default segment (customers no rule matches) a name, e.g. 'Other'.")
    ids = customer_ids(frame, id_column)
    _check_columns(parsed, frame)
    labels, fallback, matched = _label(parsed, frame, default)
    explicit = any(isinstance(r.condition, Otherwise) for r in parsed)
    segments = list(dict.fromkeys(r.name for r in parsed))
    # The implicit default is shown only when someone lands in it; an 'otherwise' line always is.
    if fallback not in segments and (labels == fallback).any():
        segments.append(fallback)
    notes = _notes(parsed, frame, matched, labels, fallback, explicit)
    rule_data = [r.to_dict() for r in parsed]
    variables = tuple(dict.fromkeys(c for r in parsed for c in r.columns))
    return Segmentation(
        method="rules",
        labels=pd.Series(labels, index=ids, name="segment"),
        segments=tuple(segments),
        variables=variables,
        params={"rules": rule_data, "default": str(default), "id_column": id_column},
        state={"rules": rule_data, "default": fallback, "text": format_rules(parsed),
               "missing_tested": sorted({c for r in parsed for c in _missing_tested(r.condition)})},
        notes=tuple(notes),
    )


def rule_columns(rules: str | Sequence[Rule]) -> tuple[str, ...]:
    """The columns the rules read, in order of first use."""
    parsed = parse_rules(rules) if isinstance(rules, str) else tuple(rules)
    return tuple(dict.fromkeys(c for r in parsed for c in r.columns))


def _assign(segmentation: Segmentation, frame: pd.DataFrame) -> pd.Series:
    rules = tuple(Rule.from_dict(r) for r in segmentation.state["rules"])
    _check_columns(rules, frame)
    labels, _, _ = _label(rules, frame, segmentation.state.get("default", "Other"))
    return pd.Series(labels, index=frame.index, name="segment")


def _refit(frame: pd.DataFrame, params: Mapping[str, Any]) -> Segmentation:
    rules = tuple(Rule.from_dict(r) for r in params["rules"])
    return fit_rules(frame, rules, default=params.get("default", "Other"), id_column=params.get("id_column"))


# -- private helpers --------------------------------------------------------------------------------
def _label(rules: Sequence[Rule], frame: pd.DataFrame, default: str) -> tuple[np.ndarray, str, list[int]]:
    fallback = next((r.name for r in rules if isinstance(r.condition, Otherwise)), str(default))
    labels = np.full(len(frame), fallback, dtype=object)
    taken = np.zeros(len(frame), dtype=bool)
    matched: list[int] = []
    for rule in rules:
        if isinstance(rule.condition, Otherwise):
            matched.append(int((~taken).sum()))
            break
        hit = _mask(rule.condition, frame, rule) & ~taken
        labels[hit] = rule.name
        taken |= hit
        matched.append(int(hit.sum()))
    return labels, fallback, matched


def _check_columns(rules: Sequence[Rule], frame: pd.DataFrame) -> None:
    for rule in rules:
        for column in rule.columns:
            if column not in frame.columns:
                close = difflib.get_close_matches(column, [str(c) for c in frame.columns], n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise DataError(
                    f"Rule line {rule.line} ({rule.name!r}) uses the column {column!r}, which the data lacks.{hint}"
                )


def _mask(condition: Condition, frame: pd.DataFrame, rule: Rule) -> np.ndarray:
    if isinstance(condition, Otherwise):
        return np.ones(len(frame), dtype=bool)
    if isinstance(condition, AllOf):
        out = np.ones(len(frame), dtype=bool)
        for part in condition.parts:
            out &= _mask(part, frame, rule)
        return out
    if isinstance(condition, AnyOf):
        out = np.zeros(len(frame), dtype=bool)
        for part in condition.parts:
            out |= _mask(part, frame, rule)
        return out
    if isinstance(condition, Not):
        return ~_mask(condition.part, frame, rule)
    series = frame[condition.column]
    missing = _missing(series)
    if isinstance(condition, Missing):
        return ~missing if condition.negate else missing
    if isinstance(condition, Member):
        values, kind = _values(series, condition.values, condition.column, rule, "in")
        hit = np.isin(values, np.asarray(kind, dtype=values.dtype)) if len(values) else np.zeros(0, bool)
        hit = ~hit if condition.negate else hit
        return hit & ~missing
    values, (target,) = _values(series, (condition.value,), condition.column, rule, condition.op)
    with np.errstate(invalid="ignore"):
        hit = {
            "==": lambda: values == target,
            "!=": lambda: values != target,
            ">": lambda: values > target,
            ">=": lambda: values >= target,
            "<": lambda: values < target,
            "<=": lambda: values <= target,
        }[condition.op]()
    # A missing value is unknown, so it matches no comparison (not even !=); use 'is missing'.
    return np.asarray(hit, dtype=bool) & ~missing


def _values(series: pd.Series, targets: tuple, column: str, rule: Rule, op: str) -> tuple[np.ndarray, list]:
    """The column and the rule's values in one comparable type, or a DataError saying why not."""
    where = f"Rule line {rule.line} ({rule.name!r})"
    ordered = op in (">", ">=", "<", "<=")
    if pd.api.types.is_bool_dtype(series):
        out = []
        for t in targets:
            if isinstance(t, bool) or t in (0, 1):
                out.append(bool(t))
            elif isinstance(t, str) and t.strip().lower() in ("yes", "no", "true", "false"):
                out.append(t.strip().lower() in ("yes", "true"))
            else:
                raise DataError(f"{where}: {column} is yes/no; compare it with true or false, not {t!r}.")
        return series.fillna(False).to_numpy(dtype=bool), out
    if pd.api.types.is_numeric_dtype(series):
        out = []
        for t in targets:
            if isinstance(t, bool) or not isinstance(t, (int, float)):
                raise DataError(f"{where}: {column} holds numbers; compare it with a number (e.g. {column} > 0), "
                                f"not {t!r}.")
            out.append(float(t))
        return series.to_numpy(dtype=float, na_value=np.nan), out
    if pd.api.types.is_datetime64_any_dtype(series):
        tz = series.dt.tz
        out = []
        for t in targets:
            try:
                stamp = pd.Timestamp(t) if isinstance(t, str) else pd.NaT
            except ValueError:
                stamp = pd.NaT
            if pd.isna(stamp):
                raise DataError(f'{where}: {column} holds dates; compare it with a date in quotes, e.g. "2024-01-31".')
            if tz is not None:
                # Compare in UTC; a date written without a zone means the column's own zone.
                stamp = (stamp.tz_localize(tz) if stamp.tz is None else stamp).tz_convert(None)
            elif stamp.tz is not None:
                stamp = stamp.tz_convert(None)
            out.append(np.datetime64(stamp.to_datetime64(), "ns"))
        values = series.dt.tz_convert(None) if tz is not None else series
        return values.to_numpy(dtype="datetime64[ns]"), out
    if ordered:
        raise DataError(f"{where}: {column} holds text; use == or in [...] with it, not {op}.")
    text = series.astype(object).where(series.notna(), "").map(lambda v: str(v).strip()).to_numpy(dtype=object)
    return text, [_as_text(t) for t in targets]


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _missing(series: pd.Series) -> np.ndarray:
    missing = series.isna().to_numpy()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        missing = missing | series.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
    return missing


def _notes(rules, frame, matched, labels, fallback, explicit) -> list[str]:
    notes = []
    for rule, count in zip(rules, matched):
        if count == 0 and not isinstance(rule.condition, Otherwise):
            notes.append(f"Rule line {rule.line} ({rule.name!r}) matches no customer that an earlier rule left.")
        for column, value in _text_values(rule.condition):
            series = frame[column]
            if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
                continue
            present = set(series.dropna().astype(str).str.strip())
            if value not in present:
                close = [p for p in present if p.lower() == value.lower()]
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                notes.append(f"Rule line {rule.line}: {column} never equals {value!r}{hint}.")
    left = int((labels == fallback).sum())
    if not explicit and left:
        notes.append(f"{left:,} customer{'s' if left != 1 else ''} matched no rule and went to {fallback!r}.")
    return notes


def _text_values(condition: Condition):
    if isinstance(condition, (AllOf, AnyOf)):
        for part in condition.parts:
            yield from _text_values(part)
    elif isinstance(condition, Not):
        yield from _text_values(condition.part)
    elif isinstance(condition, Compare) and isinstance(condition.value, str) and condition.op in ("==", "!="):
        yield condition.column, condition.value
    elif isinstance(condition, Member):
        yield from ((condition.column, v) for v in condition.values if isinstance(v, str))


def _missing_tested(condition: Condition) -> list[str]:
    """Columns whose blanks a rule tests with `is missing` (their missingness is the signal)."""
    if isinstance(condition, (AllOf, AnyOf)):
        return [c for part in condition.parts for c in _missing_tested(part)]
    if isinstance(condition, Not):
        return _missing_tested(condition.part)
    return [condition.column] if isinstance(condition, Missing) else []


def _columns(condition: Condition) -> list[str]:
    if isinstance(condition, (AllOf, AnyOf)):
        return [c for part in condition.parts for c in _columns(part)]
    if isinstance(condition, Not):
        return _columns(condition.part)
    if isinstance(condition, Otherwise):
        return []
    return [condition.column]


def _to_data(condition: Condition) -> dict[str, Any]:
    if isinstance(condition, Compare):
        return {"op": condition.op, "column": condition.column, "value": condition.value}
    if isinstance(condition, Member):
        return {"op": "not in" if condition.negate else "in", "column": condition.column,
                "values": list(condition.values)}
    if isinstance(condition, Missing):
        return {"op": "is not missing" if condition.negate else "is missing", "column": condition.column}
    if isinstance(condition, AllOf):
        return {"op": "and", "parts": [_to_data(p) for p in condition.parts]}
    if isinstance(condition, AnyOf):
        return {"op": "or", "parts": [_to_data(p) for p in condition.parts]}
    if isinstance(condition, Not):
        return {"op": "not", "part": _to_data(condition.part)}
    return {"op": "otherwise"}


def _from_data(data: Mapping[str, Any]) -> Condition:
    op = data.get("op")
    try:
        if op in ("==", "!=", ">", ">=", "<", "<="):
            return Compare(str(data["column"]), op, data["value"])
        if op in ("in", "not in"):
            return Member(str(data["column"]), tuple(data["values"]), op == "not in")
        if op in ("is missing", "is not missing"):
            return Missing(str(data["column"]), op == "is not missing")
        if op == "and":
            return AllOf(tuple(_from_data(p) for p in data["parts"]))
        if op == "or":
            return AnyOf(tuple(_from_data(p) for p in data["parts"]))
        if op == "not":
            return Not(_from_data(data["part"]))
        if op == "otherwise":
            return Otherwise()
    except (KeyError, TypeError):
        pass
    raise DataError(f"A saved rule is damaged ({data!r}); save the rules again from the app.")


def _render(condition: Condition, parent: str = "") -> str:
    if isinstance(condition, Otherwise):
        return "otherwise"
    if isinstance(condition, Compare):
        return f"{_column_text(condition.column)} {condition.op} {_literal(condition.value)}"
    if isinstance(condition, Member):
        values = ", ".join(_literal(v) for v in condition.values)
        return f"{_column_text(condition.column)} {'not in' if condition.negate else 'in'} [{values}]"
    if isinstance(condition, Missing):
        return f"{_column_text(condition.column)} is {'not missing' if condition.negate else 'missing'}"
    if isinstance(condition, Not):
        return f"not {_render(condition.part, 'not')}"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    kind = "and" if isinstance(condition, AllOf) else "or"
    text = joiner.join(_render(p, kind) for p in condition.parts)
    # 'and' binds tighter than 'or'; brackets are needed when a looser operator sits inside a tighter one.
    return f"({text})" if parent in ("and", "not") and kind == "or" or parent == "not" else text


def _column_text(column: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", column) and column.lower() not in _KEYWORDS:
        return column
    return f"`{column}`"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return f"'{value}'" if '"' in str(value) else f'"{value}"'


def written_rules(segmentation: Segmentation) -> dict[str, str]:
    """Segment name (as shown) -> the condition the user wrote, for a rules segmentation."""
    shown = dict(segmentation.state.get("display_names", {}))
    return {shown.get(r["name"], r["name"]): _render(Rule.from_dict(r).condition)
            for r in segmentation.state.get("rules", ())}


# -- registration (at the end: it names functions defined above) ----------------------------------
register_method(Method(
    "rules",
    label="Rules",
    assign=_assign,
    refit=_refit,
    # The user's own rules, not a decision tree's approximation of them. They only work in order (the first
    # that matches wins), so none is a filter on its own: validation still measures a tree (no filters_from).
    describe=written_rules,
    no_rule="none of the rules above",
    rule_based=True,
))
