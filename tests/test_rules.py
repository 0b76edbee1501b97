"""Rule-based segments: the parser, its error messages, first-match-wins and recipes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import DataError
from segmentation.result import Segmentation
from segmentation.methods.rules import (
    AllOf,
    AnyOf,
    Compare,
    Member,
    Missing,
    Not,
    Otherwise,
    fit_rules,
    format_rules,
    parse_rules,
    rule_columns,
)

PERSONAS = """\
# trial personas
Accidental sign-up: logins_30d == 0 and mrr == 0
Enterprise buyer: plan == "Enterprise" or seats >= 50
Self-serve: mrr > 0
Tire-kicker: otherwise
"""


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["001", "002", "003", "004", "005", "006"],
            "logins_30d": [0, 3, 40, 0, 12, 2],
            "mrr": [0.0, 0.0, 900.0, 0.0, 49.0, np.nan],
            "plan": ["Free", "Free", "Enterprise", "Enterprise", "Pro", None],
            "seats": [1, 1, 80, 60, 5, 2],
            "signup_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01",
                                           "2024-06-01"]),
        }
    )


def test_parses_lines_into_conditions_with_line_numbers():
    rules = parse_rules(PERSONAS)
    assert [r.name for r in rules] == ["Accidental sign-up", "Enterprise buyer", "Self-serve", "Tire-kicker"]
    assert [r.line for r in rules] == [2, 3, 4, 5]
    assert rules[0].condition == AllOf((Compare("logins_30d", "==", 0), Compare("mrr", "==", 0)))
    assert rules[1].condition == AnyOf((Compare("plan", "==", "Enterprise"), Compare("seats", ">=", 50)))
    assert rules[3].condition == Otherwise()
    assert rule_columns(rules) == ("logins_30d", "mrr", "plan", "seats")


def test_and_binds_tighter_than_or_and_brackets_group():
    (loose,) = parse_rules("A: a == 1 or b == 2 and c == 3")
    assert loose.condition == AnyOf((Compare("a", "==", 1), AllOf((Compare("b", "==", 2), Compare("c", "==", 3)))))
    (grouped,) = parse_rules("A: (a == 1 or b == 2) and not c in [3, 4]")
    assert grouped.condition == AllOf(
        (AnyOf((Compare("a", "==", 1), Compare("b", "==", 2))), Not(Member("c", (3, 4))))
    )


def test_lists_missing_quotes_backticks_and_single_equals():
    (rule,) = parse_rules("X: plan not in ['Free', “Trial”] AND `Monthly MRR` = 2.5 and nps is not missing")
    assert rule.condition == AllOf(
        (Member("plan", ("Free", "Trial"), negate=True), Compare("Monthly MRR", "==", 2.5), Missing("nps", True))
    )
    assert rule.text == 'X: plan not in ["Free", "Trial"] and `Monthly MRR` == 2.5 and nps is not missing'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("\nSelf-serve mrr > 0", "Rule line 2: write 'Segment name: condition'"),
        ("A: mrr >", "Rule line 1 ('A'): expected a value"),
        ("A: mrr > 0\nB: plan == Enterprise", 'Rule line 2 (\'B\'): put text values in quotes: plan == "Enterprise"'),
        ("A: (mrr > 0 or seats > 2", "Rule line 1 ('A'): expected a closing ')'"),
        ("A: mrr > 0 and", "Rule line 1 ('A'): expected a column name"),
        ("A: mrr % 2", "Rule line 1 ('A'): unexpected character '%'"),
        ("A: plan in ['Free'", "Rule line 1 ('A'): expected ',' or a closing ']'"),
        ("A: mrr > 0 seats > 1", "Rule line 1 ('A'): expected 'and', 'or' or the end of the line"),
        ("A: otherwise\n# note\nB: mrr > 0", "Rule line 3 ('B') is never reached: line 1 says 'otherwise'"),
        (": mrr > 0", "Rule line 1: give the segment a name"),
        ("A:", "Rule line 1 ('A'): the condition after ':' is empty"),
        ("# only a comment", "No rules given"),
    ],
)
def test_mistakes_name_the_line_and_what_is_wrong(text, message):
    with pytest.raises(DataError) as error:
        parse_rules(text)
    assert message in str(error.value)


def test_first_matching_rule_wins_and_missing_matches_nothing(customers):
    seg = fit_rules(customers, PERSONAS)
    assert seg.method == "rules"
    # 004 is an Enterprise account with no MRR and no logins: the first rule takes it.
    # 006 has no MRR value: "mrr > 0" cannot match a missing value, so it is a tire-kicker.
    assert seg.labels.to_dict() == {
        "001": "Accidental sign-up",
        "002": "Tire-kicker",
        "003": "Enterprise buyer",
        "004": "Accidental sign-up",
        "005": "Self-serve",
        "006": "Tire-kicker",
    }
    assert seg.segments == ("Accidental sign-up", "Enterprise buyer", "Self-serve", "Tire-kicker")
    assert seg.variables == ("logins_30d", "mrr", "plan", "seats")


def test_not_equal_and_is_missing_treat_blanks_as_unknown(customers):
    seg = fit_rules(customers, "No plan: plan is missing\nNot free: plan != 'Free'")
    assert seg.labels["006"] == "No plan"
    assert seg.labels.tolist() == ["Other", "Other", "Not free", "Not free", "Not free", "No plan"]
    assert seg.segments == ("No plan", "Not free", "Other")


def test_default_segment_is_shown_only_when_used(customers):
    everyone = fit_rules(customers, "Small: seats < 10\nBig: seats >= 10", default="Rest")
    assert everyone.segments == ("Small", "Big")
    some = fit_rules(customers, "Big: seats >= 10", default="Rest")
    assert some.segments == ("Big", "Rest")
    assert any("4 customers matched no rule and went to 'Rest'" in note for note in some.notes)


def test_dates_compare_with_quoted_dates(customers):
    seg = fit_rules(customers, "Early: signup_date < '2024-03-01'\nLate: otherwise")
    assert seg.labels.tolist() == ["Early", "Early", "Late", "Late", "Late", "Late"]
    with pytest.raises(DataError, match="signup_date holds dates"):
        fit_rules(customers, "Early: signup_date < 'soon'")


def test_unknown_columns_and_wrong_types_name_the_rule_line(customers):
    with pytest.raises(DataError, match=r"Rule line 2 \('B'\) uses the column 'sets', which the data lacks. "
                                        r"Did you mean 'seats'\?"):
        fit_rules(customers, "A: mrr > 0\nB: sets > 10")
    with pytest.raises(DataError, match=r"Rule line 1 \('A'\): plan holds text; use == or in \[...\]"):
        fit_rules(customers, "A: plan > 'Free'")
    with pytest.raises(DataError, match=r"Rule line 1 \('A'\): mrr holds numbers"):
        fit_rules(customers, "A: mrr == 'high'")


def test_notes_point_out_rules_that_match_nobody_and_unknown_values(customers):
    seg = fit_rules(customers, "Whales: mrr > 100000\nPaying: plan == 'pro'")
    assert "Rule line 1 ('Whales') matches no customer that an earlier rule left." in seg.notes
    assert "Rule line 2: plan never equals 'pro' (did you mean 'Pro'?)." in seg.notes


def test_text_and_recipe_round_trips(customers):
    rules = parse_rules(PERSONAS)
    again = parse_rules(format_rules(rules))
    assert [(r.name, r.condition) for r in again] == [(r.name, r.condition) for r in rules]
    seg = fit_rules(customers, rules)
    recipe = Segmentation.from_recipe(json.loads(seg.to_json()))
    shuffled = customers.iloc[::-1].reset_index(drop=True)
    assert recipe.assign(shuffled).tolist() == seg.labels.iloc[::-1].tolist()
    assert seg.refit(customers).labels.equals(seg.labels)


def test_the_sample_rule_set_finds_the_planted_personas():
    sample = pytest.importorskip("segmentation.sample")
    from sklearn.metrics import adjusted_rand_score

    text = (Path(__file__).resolve().parent.parent / "sample_data" / "persona_rules.txt").read_text(encoding="utf-8")
    data = sample.generate(2000, random_state=42)
    seg = fit_rules(data.customers, text)
    assert seg.segments == ("Sales-assisted enterprise", "Accidental sign-up", "Self-serve", "Tire-kicker")
    assert adjusted_rand_score(data.personas.reindex(seg.labels.index), seg.labels) >= 0.7


def test_rules_name_non_ascii_columns_without_backticks():
    import pandas as pd

    from segmentation.methods.rules import fit_rules, parse_rules

    frame = pd.DataFrame({"Größe": [1, 3, 5], "région": ["Nord", "Sud", "Nord"]},
                         index=pd.Index(["a", "b", "c"], name="customer_id"))
    seg = fit_rules(frame, parse_rules('Big north: Größe > 2 and région == "Nord"\nRest: otherwise'))
    assert seg.labels.tolist() == ["Rest", "Rest", "Big north"]


def test_written_rules_follow_renamed_segments():
    import pandas as pd

    from segmentation.methods.rules import fit_rules, parse_rules, written_rules

    frame = pd.DataFrame({"mrr": [0, 50, 900]}, index=pd.Index(["a", "b", "c"], name="customer_id"))
    seg = fit_rules(frame, parse_rules("Big: mrr >= 500\nPaying: mrr > 0\nFree: otherwise"))
    assert written_rules(seg.renamed({"Big": "Whales"})) == {"Whales": "mrr >= 500", "Paying": "mrr > 0",
                                                             "Free": "otherwise"}


def test_the_example_rules_split_customers_even_when_most_share_the_lowest_value():
    from segmentation.methods.rules import fit_rules
    from ui.scorecard import sample_rules_text

    frame = pd.DataFrame({"mrr": [29.0] * 41 + [49.0] * 12 + [99.0] * 11},
                         index=pd.Index([f"c{i}" for i in range(64)], name="customer_id"))
    text = sample_rules_text(frame, value_column="mrr")
    assert "mrr > 29" in text
    sizes = fit_rules(frame, text).sizes
    assert sizes.min() > 0 and sizes.sum() == 64
