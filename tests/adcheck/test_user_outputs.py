"""What user code returns in a run must be real numbers: an identity whose f, closed form or
sampler gives complex numbers, None or objects is an error of its cases, naming the identity,
the function and what it returned, and the run fails (never a pass, never a traceback)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from adcheck_helpers import quadratic, temporary

import adcheck
from adcheck.cli.main import ExitCode, main
from adcheck.identities import Identity
from adcheck.judging.user_outputs import UserOutputError, refuse_unreal
from adcheck.running import runner


def _cf_complex(xp, x, q):
    return (q + q.T) @ x + 1e-3j


def _cf_zero_imaginary(xp, x, q):  # the exact oracle kept its real part: a pass
    return (q + q.T) @ x + 0j


def _cf_none(xp, x, q):
    return None


def _cf_objects(xp, x, q):
    return np.array(["0"] * len(x), dtype=object)


def _f_complex(xp, x, q):  # every engine kept the real part: a pass
    return x @ (q @ x) + 1j * xp.sum(x)


def _f_none(xp, x, q):  # read as 0: a pass of a zero closed form
    return None


def _user(id_, f, closed_form=None, inputs=None):
    base = quadratic(id_)
    return Identity(id=id_, section="T", title="t", citation="test", kind="gradient", f=f,
                    closed_form=closed_form, arg_names=("x", "Q"),
                    inputs=inputs or base.inputs)


CASES = {  # identity -> what its error note says
    "T.out-cf-complex": "the closed form of T.out-cf-complex returned complex values",
    "T.out-cf-zero-imaginary": "the closed form of T.out-cf-zero-imaginary returned complex",
    "T.out-cf-none": "the closed form of T.out-cf-none returned None",
    "T.out-cf-objects": "the closed form of T.out-cf-objects returned an array of objects",
    "T.out-f-complex": "f of T.out-f-complex returned complex values",
    "T.out-f-complex-consensus": "f of T.out-f-complex-consensus returned complex values",
    "T.out-f-none": "f of T.out-f-none returned None",
    "T.out-sampler-complex": "the sampler (inputs) of T.out-sampler-complex drew complex",
    "T.out-sampler-none": "the sampler (inputs) of T.out-sampler-none drew None as argument 'x'",
}


def _records():
    right = quadratic().closed_form
    return [
        quadratic("T.out-cf-complex", closed_form=_cf_complex),
        quadratic("T.out-cf-zero-imaginary", closed_form=_cf_zero_imaginary),
        quadratic("T.out-cf-none", closed_form=_cf_none),
        quadratic("T.out-cf-objects", closed_form=_cf_objects),
        _user("T.out-f-complex", _f_complex, right),
        _user("T.out-f-complex-consensus", _f_complex),
        _user("T.out-f-none", _f_none, lambda xp, x, q: 0.0 * x),
        _user("T.out-sampler-complex", quadratic().f, right,
              lambda d: (np.ones(3) * (1 + 1j), np.eye(3))),
        _user("T.out-sampler-none", quadratic().f, right, lambda d: (None, np.eye(3))),
        quadratic("T.out-fine"),
    ]


@pytest.fixture(scope="module")
def run_records():
    recs = _records()
    with pytest.MonkeyPatch.context() as mp, temporary(identities=recs):
        from adcheck_helpers import in_process
        in_process(mp)
        records, _ = runner.run([r.id for r in recs], ["reverse", "central"], 2, 0,
                                shrink_budget=None)
    return {(r["identity"], r["engine"]): r for r in records}


@pytest.mark.parametrize("identity", list(CASES))
def test_a_value_that_is_not_real_numbers_is_an_error_naming_the_function(run_records,
                                                                          identity):
    for engine in ("reverse", "central"):
        r = run_records[(identity, engine)]
        assert r["outcome"] == "error" and r["counts"]["error"] == 2, r["message"]
        assert CASES[identity] in r["message"] and identity in r["message"], r["message"]
        assert "Traceback" not in r["message"]


def test_real_code_beside_them_passes(run_records):
    assert {run_records[("T.out-fine", e)]["outcome"] for e in ("reverse", "central")} \
        == {"pass"}


@pytest.mark.usefixtures("in_process", "no_shrink")
@pytest.mark.parametrize("closed_form", [_cf_complex, _cf_none], ids=["complex", "none"])
def test_the_cli_fails_and_writes_its_outputs(closed_form, tmp_path, capsys):
    rec = quadratic("T.out-cli", closed_form=closed_form)
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-e", "reverse", "--examples", "2", "--no-studies",
                   "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == ExitCode.CHECKS_FAILED, err
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    (r,) = res["records"]
    assert r["outcome"] == "error" and "the closed form of T.out-cli returned" in r["message"]
    assert res["summary"]["verdict"] == "fail"


def test_check_refuses_a_closed_form_that_is_not_real():
    # check() refused a complex f already; a complex closed form passed on its real part
    x = np.array([0.3, -1.2, 2.0])
    with pytest.raises(TypeError, match="closed form of check:.* returned complex"):
        adcheck.check(lambda xp, x: xp.sum(x * x), (x,), expected=lambda xp, x: 2 * x + 0j)


@pytest.mark.parametrize("value", [
    1.0, 3, np.float64(2.0), np.arange(3), np.ones(2, bool), np.array([1.0, 2], dtype=object),
    (np.ones(2), {"a": 1.0}),
], ids=["float", "int", "np-float", "ints", "bools", "objects-all-numbers", "tree"])
def test_real_numbers_are_accepted(value):
    refuse_unreal(value, "f")


@pytest.mark.parametrize("value, what", [
    (None, "None"), (1j, "complex"), (np.ones(2) + 0j, "complex128"),
    (np.array([1.0, None], dtype=object), "objects holding NoneType"),
    (np.array([1.0, 2j], dtype=object), "complex"), (np.array(["a"]), "dtype <U1"),
    ((np.ones(2), [None]), "None"),
], ids=["none", "complex", "complex-array", "none-inside", "complex-object", "strings",
        "leaf-of-a-tree"])
def test_what_is_not_real_numbers_is_named(value, what):
    with pytest.raises(UserOutputError, match="f returned") as err:
        refuse_unreal(value, "f")
    assert what in str(err.value)
