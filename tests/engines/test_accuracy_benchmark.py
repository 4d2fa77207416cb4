"""The accuracy benchmark's table: the issue's goals hold, and the comparison can fail."""

import numpy as np
import pytest

from benchmarks import accuracy


@pytest.fixture(scope="module")
def table():
    pytest.importorskip("numdifftools")
    return accuracy.accuracy_table()


def test_richardson_beats_numdifftools_with_half_the_evaluations(table):
    for row in table.values():
        (err, evals, _), (peer_err, peer_evals, _) = row["richardson"], row["numdifftools"]
        assert err <= peer_err and evals <= peer_evals / 2


def test_complex_step_within_four_ulps_on_first_derivatives(table):
    for name in ("(a) grad xᵀQx", "(c) tanh'(0.7)"):
        assert table[name]["complex-step"][2] <= accuracy.GOAL_ULPS


def test_the_exact_values_are_the_closed_forms():
    """Meta-test: a closed form off by a factor (1 + 1e-12) is visibly off in the table's
    measure, so the table could show a failure."""
    from adcheck.engines.exact import norm_rel_error, to_float

    kind, f, x, rest, exact = accuracy.cases()["(b) BS gamma"]
    assert f"{float(to_float(exact)):.15g}" == "0.0187620173458469"
    assert norm_rel_error(np.asarray(to_float(exact)) * (1 + 1e-12), exact) > 5e-13
