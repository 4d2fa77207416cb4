"""Verdict messages: arrays beyond SHOWN_ENTRIES entries are summarized (shape, the worst
component's index, its value and the reference's), never printed whole."""

from __future__ import annotations

import numpy as np

from adcheck.api.check import check
from adcheck.judging.messages import RUN_TIMEOUT_S, SHOWN_ENTRIES, array_text, rerun, text


def test_a_small_array_is_shown_whole_on_one_line():
    shown = array_text(np.arange(6.0).reshape(2, 3) / 4)
    assert shown == "[[0, 0.25, 0.5], [0.75, 1, 1.25]]"
    assert array_text(np.zeros(SHOWN_ENTRIES)).count(", ") == SHOWN_ENTRIES - 1


def test_a_large_array_is_its_shape_and_worst_component_beside_the_reference():
    ref = np.zeros((3, 3, 3))
    value = ref.copy()
    value[1, 2, 0] = -0.5
    value[0, 0, 0] = 0.25
    shown = array_text(value, ref, "central")
    assert shown == ("an array of shape (3, 3, 3) (27 entries, not shown); worst component "
                     "(1, 2, 0): -0.5 vs central 0")
    assert array_text(value).endswith("largest entry at (1, 2, 0): -0.5")


def test_no_majority_summarizes_a_4d_hessian_instead_of_printing_it():
    x = np.random.default_rng(0).standard_normal((2, 3, 2))
    rep = check(lambda xp, x: xp.sum(xp.sin(x)), (x,), kind="hessian",
                engines=["forward-over-reverse"])
    assert rep.verdict == "inconclusive"
    assert len(rep.message.splitlines()) <= 3 and "[[" not in rep.message
    assert "an array of shape (2, 3, 2, 2, 3, 2) (144 entries, not shown)" in rep.message


def test_a_failure_names_the_worst_component_and_both_values():
    x = np.linspace(0.1, 2.4, 24).reshape(2, 3, 4)
    rep = check(lambda xp, x: xp.sum(xp.sin(x)), (x,), engines=["reverse"],
                expected=np.cos(x) * 1.1)
    line = rep.message.splitlines()[1]
    at = tuple(int(i) for i in rep.engines["reverse"].index)
    assert len(at) == 3
    assert f"at {at}: {np.cos(x[at]):.6g} vs reference {1.1 * np.cos(x[at]):.6g}" in line
    assert "[[" not in rep.message


def test_a_shrunk_input_beyond_the_limit_is_named_by_its_size():
    big, small = np.zeros((5, 5)).tolist(), [1.0, 2.0]
    said = text({"shapes": {"a": [5, 5], "b": [2]}, "input": {"a": big, "b": small}})
    assert "a (5, 5), b (2,)" in said and "<25 entries: in results.json>" in said
    assert "[1.0, 2.0]" in said and "0.0, 0.0" not in said


def test_the_rerun_command_is_built_from_the_run_options_and_shell_quoted():
    import shlex
    plain = rerun("B1.x", "reverse", 3, 5)
    assert plain == "adcheck run -i B1.x -e reverse --seed 3 --examples 5"
    every = rerun("U.it's odd", "reverse", 3, 5, ("a b", "c"), full=True, timeout=2.5)
    assert shlex.split(every) == ["adcheck", "run", "-i", "U.it's odd", "-e", "reverse", "--seed",
                                  "3", "--examples", "5", "-p", "a b", "-p", "c", "--full",
                                  "--timeout", "2.5"]
    assert rerun("B1.x", "reverse", 3, 5, timeout=None).endswith(" --timeout none")
    assert rerun("B1.x", "reverse", 3, 5, timeout=RUN_TIMEOUT_S) == plain


def test_the_cli_default_timeout_is_the_one_rerun_commands_leave_out():
    from adcheck.cli.main import RUN_TIMEOUT_S as cli_default
    assert cli_default == RUN_TIMEOUT_S
