"""Blame by families: one witness per family, a majority of them to blame anybody."""

from adcheck.judging.cases import CaseVerdict
from adcheck.judging.consensus import blame


def _v(engine, family, outcome):
    return CaseVerdict(outcome, engine=engine, family=family)


def test_a_minority_family_is_blamed():
    vs = {"reverse": _v("reverse", "ad", "pass"), "central": _v("central", "central", "pass"),
          "t": _v("t", "lib", "fail")}
    assert blame(vs) == ["t"] and vs["t"].outlier == "t"


def test_two_engines_of_one_family_are_one_witness():
    vs = {"a": _v("a", "lib", "fail"), "b": _v("b", "lib", "fail"),
          "richardson": _v("richardson", "richardson", "pass")}
    assert blame(vs) == []  # one family against one: no majority, nobody blamed


def test_two_families_that_disagree_blame_nobody():
    vs = {"x": _v("x", "ad", "pass"), "y": _v("y", "lib", "fail")}
    assert blame(vs) == [] and vs["y"].outlier is None


def test_a_failing_member_of_a_passing_family_is_still_blamed():
    vs = {"reverse": _v("reverse", "ad", "pass"), "mutant": _v("mutant", "ad", "fail"),
          "central": _v("central", "central", "pass")}
    assert blame(vs) == ["mutant"]
