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


def test_the_reference_is_the_tightest_value_a_majority_supports():
    """A central difference's loose allowance admits every value, so it has the widest
    agreement; judging against it would let an engine off by 1e-10 pass. The 50-digit value,
    which a majority also supports, is the reference instead, and the outlier is blamed."""
    import numpy as np
    from adcheck_helpers import temporary

    from adcheck import check
    from adcheck.engines.base import Engine, Result

    class Slightly(Engine):  # a library whose rule is off by 1e-10 relative
        name, family, max_order = "slightly-off", "slightly-off", 1

        def jvp(self, f, args, wrt, tangent):
            x = np.asarray(args[wrt], dtype=float)
            return Result(np.cos(x) * np.asarray(tangent) * (1 + 1e-10), engine=self.name)

        def vjp(self, f, args, wrt, cotangent):
            x = np.asarray(args[wrt], dtype=float)
            return Result(np.cos(x) * np.asarray(cotangent) * (1 + 1e-10), engine=self.name)

    x = np.array([0.3, 1.1, -0.4])
    with temporary(engines=[Slightly()]):
        rep = check(lambda xp, x: xp.sin(x), (x,), kind="jacobian",
                    engines=["reverse", "central", "exact", "slightly-off"])
    assert rep.engines["slightly-off"].outcome == "fail", rep.message
    assert rep.engines["slightly-off"].outlier == "slightly-off"
    assert all(rep.engines[n].outcome == "pass" for n in ("reverse", "exact")), rep.message
    assert "reference engine exact" in rep.reference


def _linear(xp, x):
    return xp.sum(xp.cumsum(x))


def _x():
    import numpy as np
    return np.arange(1.0, 111.0).reshape(10, 11) / 37


def test_two_agreeing_families_pass_on_a_hessian_that_vanishes():
    """A linear function's Hessian is 0 on every engine: the difference engine's allowance is
    measured against the function's own scale, so two agreeing families decide."""
    from adcheck import check
    rep = check(_linear, (_x(),), kind="hessian",
                engines=["forward-over-reverse", "reverse-over-reverse", "central"])
    assert rep.verdict == "pass", rep.message
    central = rep.engines["central"]
    assert central.outcome == "pass" and central.verified_to <= 1e-4
    assert "function's scale" in central.note


def test_two_families_that_disagree_on_a_vanishing_hessian_are_not_a_pass():
    """The same check with a rule off by an absolute 1 (a hundred times central's allowance at
    the function's scale) is not a pass, and beside the exact engine the rule is blamed."""
    import numpy as np
    from adcheck_helpers import temporary

    from adcheck import check
    from adcheck.engines import registry
    from adcheck.engines.base import Engine, Result

    class Offset(Engine):
        name, family, category, max_order = "offset-rule", "offset-rule", "ad", 2

        def derivative(self, kind, f, args, wrt=0, **kw):
            r = registry.get("forward-over-reverse").derivative(kind, f, args, wrt, **kw)
            return Result(np.asarray(r.value) + 1.0, r.cost, None, self.name)

    with temporary(engines=[Offset()]):
        two = check(_linear, (_x(),), kind="hessian", engines=["offset-rule", "central"])
        three = check(_linear, (_x(),), kind="hessian",
                      engines=["offset-rule", "central", "forward-over-reverse"])
    assert two.verdict != "pass", two.message
    assert three.engines["offset-rule"].outcome == "fail", three.message
    assert three.engines["offset-rule"].outlier == "offset-rule"


def test_families_that_agree_short_of_the_ceiling_say_so_not_no_majority():
    """A linear function's zero Hessian at a small input: central's noise (~5e-7) is within
    its allowance but that allowance is above the ceiling, so central neither confirms nor
    contradicts the AD value. The check is inconclusive for that stated reason, with every
    value shown, never "no majority" between families that agree."""
    import numpy as np

    from adcheck import check
    from adcheck.judging.consensus import UNRESOLVED

    a = np.array([[0.3, -1.2, 0.8, 0.5], [1.1, 0.4, -0.7, 0.9], [-0.2, 0.6, 1.3, -1.0]])
    w = np.array([0.7, -0.4, 1.5])
    x = np.array([0.02813077, 0.0953576, -0.07464488, 0.07198927])
    rep = check(lambda xp, x: xp.dot(w, xp.dot(a, x)), (x,), kind="hessian",
                engines=["forward-over-reverse", "reverse-over-reverse", "central"])
    assert rep.verdict == "inconclusive", rep.message
    assert rep.reference == UNRESOLVED and "no majority" not in rep.message, rep.message
    assert "central cannot confirm it" in rep.message and "value [" in rep.message
