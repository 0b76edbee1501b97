"""Every method answers one protocol (`result.Method`); nothing else branches on a method's name."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.mixture import GaussianMixture

from segmentation.methods.kmeans import fit_kmeans
from segmentation.methods.kprototypes import fit_kprototypes
from segmentation.methods.registry import Method, find_method, get_method, method_names, register_method
from segmentation.methods.rfm import fit_rfm
from segmentation.methods.rules import fit_rules
from segmentation.methods.sklearn_adapter import fit_sklearn
from segmentation.result import Segmentation
from segmentation.validation import evaluate

ROOT = Path(__file__).resolve().parent.parent


def _customers(n: int = 300, seed: int = 3) -> pd.DataFrame:
    """A small customer table indexed by text ids: usage, money and RFM inputs."""
    rng = np.random.default_rng(seed)
    big = rng.random(n) < 0.4
    table = pd.DataFrame({
        "mrr": np.where(big, rng.normal(600, 60, n), rng.normal(80, 15, n)).round(2),
        "logins_30d": np.where(big, rng.poisson(25, n), rng.poisson(4, n)),
        "recency_days": rng.integers(1, 365, n).astype(float),
        "frequency": rng.integers(1, 15, n),
        "monetary": rng.lognormal(6, 1, n).round(2),
        "churned": rng.random(n) < np.where(big, 0.1, 0.4),
        "plan": np.where(big, rng.choice(["Pro", "Enterprise"], n), rng.choice(["Free", "Starter", "Pro"], n)),
    }, index=pd.Index([f"C{i:04d}" for i in range(n)], name="customer_id"))
    table.loc[table.index[:6], "recency_days"] = np.nan  # a few who never bought (RFM's own segment)
    return table


FITS = {
    "rfm": lambda t: fit_rfm(t),
    "kmeans": lambda t: fit_kmeans(t, ["mrr", "logins_30d"], k=3),
    "kprototypes": lambda t: fit_kprototypes(t, ["mrr", "logins_30d", "plan"], k=3),
    "rules": lambda t: fit_rules(t, "Big: mrr > 300\nActive: logins_30d >= 10\n"),
    "sklearn": lambda t: fit_sklearn(t, ["mrr", "logins_30d"], GaussianMixture(n_components=2, random_state=0)),
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return _customers()


def test_every_built_in_method_is_covered_here():
    built_in = {name for name in method_names() if get_method(name).assign.__module__.startswith("segmentation.")}
    assert built_in == set(FITS)


@pytest.mark.parametrize("name", sorted(FITS))
def test_a_built_in_method_answers_the_protocol(name, table):
    seg = FITS[name](table)
    method = seg.method_info
    assert isinstance(method, Method) and method.name == seg.method == name
    assert isinstance(method.label, str) and method.label and method.label != ""

    # assign reproduces the fitted labels, through the Segmentation and through the method itself
    pd.testing.assert_series_equal(seg.assign(table), seg.labels.reindex(table.index), check_names=False,
                                   check_index_type=False)
    direct = method.assign(seg, table)
    assert (direct.to_numpy(dtype=object) == seg.labels.reindex(table.index).to_numpy(dtype=object)).all()

    # refit: the same method on the same data, with the same parameters
    again = method.refit(table, dict(seg.params))
    assert isinstance(again, Segmentation) and again.method == name
    assert set(again.segments) == set(seg.segments)
    assert seg.refit(table.sample(frac=0.8, random_state=1)).method == name

    # segment_rules: every segment's rule in words (or the method's words for one without), or None
    rules = method.segment_rules(seg)
    if rules is None:
        assert method.filters_from is None  # exact filters need rules
    else:
        assert isinstance(rules, dict) and all(isinstance(v, str) and v for v in rules.values())
        assert set(rules) <= set(seg.segments)
        assert all(s in rules or method.no_rule for s in seg.segments)
    # A recipe brings back the same answers.
    assert Segmentation.from_recipe(seg.to_json()).method_info is method


def test_method_specific_answers_match_what_the_pages_showed(table):
    rfm, rules, kmeans = (FITS[n](table) for n in ("rfm", "rules", "kmeans"))
    assert rfm.method_info.filters_from == "RFM grid and score thresholds" and rfm.method_info.rule_based
    assert rfm.method_info.no_purchases == "No purchases"
    assert rules.method_info.no_rule == "none of the rules above" and rules.method_info.rule_based
    assert rules.method_info.filters_from is None  # ordered rules: a tree measures accessibility
    assert rules.method_info.segment_rules(rules) == {"Big": "mrr > 300", "Active": "logins_30d >= 10"}
    assert kmeans.method_info.segment_rules(kmeans) is None and not kmeans.method_info.rule_based


# -- an analyst's own method -------------------------------------------------------------------------------
def _split_assign(seg, frame):
    cut = seg.state["cut"]
    return pd.Series(np.where(frame["mrr"] > cut, "High", "Low"), index=frame.index, dtype=object)


def _split_refit(frame, params):
    return _fit_split(frame, **params)


def _fit_split(frame, *, name="test-protocol-split"):
    cut = float(frame["mrr"].median())
    seg = Segmentation(method=name, labels=pd.Series(dtype=object), segments=("Low", "High"), variables=("mrr",),
                       params={"name": name}, state={"cut": cut})
    return Segmentation(method=name, labels=seg.assign(frame), segments=seg.segments, variables=seg.variables,
                        params=seg.params, state=seg.state)


def _split_words(seg):
    return {"High": f"mrr above {seg.state['cut']:g}", "Low": f"mrr {seg.state['cut']:g} or less"}


register_method(Method(
    "test-protocol-split", label="Median split", assign=_split_assign, refit=_split_refit, describe=_split_words,
    filters_from="the median of MRR", filters_why="One cut on MRR finds every customer's segment.",
    rule_based=True,
))
# The older registration form still works; it answers as a clustering (no rules of its own).
register_method("test-protocol-cluster", assign=_split_assign, refit=_split_refit)


def test_a_custom_method_flows_through_validation_by_its_answers(table):
    seg = _fit_split(table)
    assert seg.method_info.label == "Median split"
    validation = evaluate(table, seg, outcome="churned", n_bootstrap=2)
    accessible = validation["accessible"]
    assert accessible.verdict == "pass" and accessible.why == "One cut on MRR finds every customer's segment."
    assert accessible.figures["rule_source"] == "the median of MRR"
    assert dict(validation.segment_rules) == _split_words(seg)
    assert validation["measurable"].figures["refits"] == 2  # refitted through the method's refit


def test_a_custom_method_without_rules_gets_the_trees_rules(table):
    seg = _fit_split(table, name="test-protocol-cluster")
    method = seg.method_info
    assert method.label == "test-protocol-cluster" and method.segment_rules(seg) is None
    validation = evaluate(table, seg, n_bootstrap=0)
    assert "rule_source" not in validation["accessible"].figures
    assert set(validation.segment_rules) == {"Low", "High"}
    assert "Rules of at most" in validation["accessible"].why


def test_rule_based_methods_word_a_weak_silhouette_as_thresholds():
    rng = np.random.default_rng(0)
    blob = pd.DataFrame({"mrr": rng.normal(100, 10, 800)}, index=pd.Index([f"c{i}" for i in range(800)],
                                                                           name="customer_id"))
    cut_by_rule = evaluate(blob, _fit_split(blob), n_bootstrap=0)["distinct"]
    clustered = evaluate(blob, _fit_split(blob, name="test-protocol-cluster"), n_bootstrap=0)["distinct"]
    assert cut_by_rule.verdict == clustered.verdict == "fail"
    assert "differ by construction" in cut_by_rule.why
    assert "cuts of one continuous cloud" in clustered.why


def test_an_unknown_method_is_still_validated_on_its_labels(table):
    seg = _fit_split(table)
    stranger = Segmentation(method="from-elsewhere", labels=seg.labels, segments=seg.segments,
                            variables=seg.variables, params={}, state={})
    assert find_method("from-elsewhere") is None
    validation = evaluate(table, stranger, n_bootstrap=2)
    assert validation["measurable"].figures["refits"] == 0  # stability skipped, the rest judged


def test_register_method_refuses_a_method_without_assign():
    with pytest.raises(TypeError):
        register_method("test-protocol-broken")
    with pytest.raises(TypeError):
        Method("test-protocol-broken", assign=None)


# -- nothing outside a method's own module branches on its name -----------------------------------------------
_NAMES = "|".join(sorted(FITS))
# segmentation.method == "rfm", method != "rules", method in ("rfm", "rules"), ...
_BRANCH = re.compile(rf"""\bmethod\s*(?:==|!=)\s*["']({_NAMES})["']"""
                     rf"""|\bmethod\s+(?:not\s+)?in\s*[(\[{{]\s*["']({_NAMES})["']""")


def test_no_page_helper_or_library_module_branches_on_a_method_name():
    found = []
    for folder in ("segmentation", "ui", "views"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                match = _BRANCH.search(line)
                # A method's own module may check that it was given its own results (rfm.thresholds_text).
                if match and (match.group(1) or match.group(2)) != path.stem:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "ask the method (segmentation.result.Method) instead:\n" + "\n".join(found)
