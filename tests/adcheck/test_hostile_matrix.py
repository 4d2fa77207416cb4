"""Hostile user code x every place user code runs in a run x the executors.

Behaviours (``hostile.BEHAVIOURS``): sys.exit(0), os._exit(0), raise, hang past --timeout, and
return NaN, complex numbers or None. Places: the sampler, f, the closed form and a cost claim
(in the run's workers); the plugin import, in the sandbox (`-p`, before the run) and in the
workers (a plugin that misbehaves only there); a ``prove=`` hook (in the sandbox). Executors:
local loky workers and a Dask LocalCluster.

For every cell: the identity is never a pass unless judged (the gate over its records is not
"pass"; a hostile plugin import is a usage error, exit 2, before anything runs), the run's
outputs are written (a record per identity and engine; results.json for the CLI), and the run
ends within TIMEOUT_S per hanging cell plus GRACE_S: worker starts, a restart after each death,
the supervisor's polls and the Dask cluster's start.

The fast part (``make test``) is one run of 22 cells of the case places on local workers (each
place with every behaviour that ends no process, plus one exit and one hang), plugins that hang,
exit or hold the interpreter only in the workers (as runner.run and as the CLI, a usage error),
one that ends its process at import, and a run of two prove hooks. The whole product, on both
executors, is ``slow`` (``make test-all``).
"""

from __future__ import annotations

import dataclasses
import json
import time

import pytest
from adcheck_helpers import quadratic, temporary
from hostile import BEHAVIOURS, Hostile

from adcheck.cli.main import ExitCode, main
from adcheck.identities import Identity
from adcheck.running import runner
from adcheck.running.results import summarize

TIMEOUT_S = 2.0
GRACE_S = 30.0
CASE_PLACES = ("sampler", "f", "closed-form", "claim")
IMPORT_BEHAVIOURS = ("sys-exit", "os-exit", "raises", "hangs")  # an import returns nothing
# An import that holds the interpreter (one long call into C): no other thread of its process
# runs, so only the worker's own process-level limits could end it, and in the workers only
# the supervisor can. Only the workers' import is tried: in the sandbox the parent ends it.
WORKER_IMPORT_BEHAVIOURS = IMPORT_BEHAVIOURS + ("holds-gil",)
EXECUTORS = ("local", pytest.param("dask", marks=pytest.mark.slow))

# What each behaviour's error says (os-exit: loky's or Dask's words for a dead worker).
SAYS = {"sys-exit": "SystemExit(0)", "raises": "RuntimeError: raised by the",
        "hangs": f"{TIMEOUT_S:g} s per-case limit", "complex": "complex",
        "none": "None", "os-exit": ("exited with status 0", "Dask worker died")}

SAYS_IN = {("claim", "none"): "the claim has nothing to check",  # None: no facts, as documented
           ("claim", "nan"): "the claim returned nan, not facts"}

PLUGIN = {"sys-exit": "import sys\nsys.exit(0)\n", "os-exit": "import os\nos._exit(0)\n",
          "raises": "raise RuntimeError('raised by the plugin')\n",
          "hangs": "import time\ntime.sleep(600)\n",
          "holds-gil": "import ctypes\nctypes.PyDLL(None).sleep(600)\n"}  # no CPU, no GIL given

# A plugin doing ``how`` at import only in a run's workers (not in the parent, not in adcheck's
# import sandbox), as a plugin would that needs something only the parent has.
ONLY_IN_WORKERS = """\
import sys
from adcheck.identities import define
if "adcheck.running.worker" in sys.modules and "adcheck.running.sandbox" not in sys.modules:
{body}
define(id="U.{name}", section="U", title="t", citation="user", kind="gradient",
       f=lambda xp, x: xp.sum(x * x), closed_form=lambda xp, x: 2 * x,
       inputs=lambda d: (d.reals((2,)),), arg_names=("x",))
"""


def _identity(where, how) -> Identity:
    base = quadratic(f"M.{where}.{how}")
    code = Hostile(how, where)
    if where == "sampler":
        return dataclasses.replace(base, inputs=code, strategy=None)
    if where == "f":
        return dataclasses.replace(base, f=code)
    if where == "closed-form":
        return dataclasses.replace(base, closed_form=code)
    return Identity(id=base.id, section="T", title="hostile claim", citation="test",
                    kind="cost", f=base.f, claim=code, engines=("reverse",))


def _executor(kind):
    if kind == "dask":
        pytest.importorskip("distributed", reason="the Dask executor needs distributed")
    return kind


def _case_run(kind, cells):
    """One run of ``cells`` [(place, behaviour)] and a well-behaved identity: (records by
    identity, seconds)."""
    recs = [_identity(w, h) for w, h in cells] + [quadratic("M.fine")]
    t0 = time.monotonic()
    with temporary(identities=recs):
        records, _ = runner.run([r.id for r in recs], ["reverse", "central"], 1, 0,
                                timeout=TIMEOUT_S, jobs=2, executor=_executor(kind),
                                shrink_budget=None)
    took = time.monotonic() - t0
    by: dict = {}
    for r in records:
        by.setdefault(r["identity"], []).append(r)
    return by, took


def _assert_cell(by, where, how):
    rid = f"M.{where}.{how}"
    recs = by.get(rid)
    assert recs, f"{rid}: no record written"
    assert summarize(recs)["verdict"] != "pass", [r["message"] for r in recs]
    assert not any(r["outcome"] == "pass" for r in recs), [r["message"] for r in recs]
    text = " ".join(r["message"] for r in recs)
    assert "Traceback" not in text
    says = SAYS_IN.get((where, how), SAYS.get(how))
    if says:
        assert any(s in text for s in ((says,) if isinstance(says, str) else says)), text


def _bound(cells) -> float:
    return TIMEOUT_S * sum(how == "hangs" for _, how in cells) + GRACE_S


FAST_CELLS = [(w, h) for w in CASE_PLACES for h in ("sys-exit", "raises", "nan", "complex",
                                                     "none")] \
    + [("sampler", "os-exit"), ("f", "hangs")]
ALL_CELLS = [(w, h) for w in CASE_PLACES for h in BEHAVIOURS]


@pytest.fixture(scope="module")
def fast_run():
    return _case_run("local", FAST_CELLS)


@pytest.mark.parametrize("where, how", FAST_CELLS, ids=[f"{w}-{h}" for w, h in FAST_CELLS])
def test_hostile_code_in_a_case_is_never_a_pass(fast_run, where, how):
    by, _ = fast_run
    _assert_cell(by, where, how)


def test_the_run_goes_on_and_ends_in_time(fast_run):
    by, took = fast_run
    assert {r["outcome"] for r in by["M.fine"]} == {"pass"}
    assert took < _bound(FAST_CELLS), took


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["local", "dask"])
def test_every_behaviour_in_every_case_place(kind):
    by, took = _case_run(kind, ALL_CELLS)
    for where, how in ALL_CELLS:
        _assert_cell(by, where, how)
    assert {r["outcome"] for r in by["M.fine"]} == {"pass"}
    assert took < _bound(ALL_CELLS), took


# ----------------------------------------------------------------------------- plugin imports

@pytest.fixture
def plugins(tmp_path, monkeypatch):
    for how, body in PLUGIN.items():
        (tmp_path / f"hostile_plugin_{how.replace('-', '_')}.py").write_text(body)
        name = f"only_in_workers_{how.replace('-', '_')}"
        (tmp_path / f"{name}.py").write_text(ONLY_IN_WORKERS.format(
            body="".join(f"    {line}\n" for line in body.splitlines()), name=name))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    import sys

    from adcheck.identities import IDENTITIES
    for how in PLUGIN:
        name = f"only_in_workers_{how.replace('-', '_')}"
        IDENTITIES.pop(f"U.{name}", None)
        sys.modules.pop(name, None)


def _plugin(how, where="hostile_plugin"):
    return f"{where}_{how.replace('-', '_')}"


def _import_cells(fast, behaviours=IMPORT_BEHAVIOURS):
    cells = [(k, h) for k in ("local", "dask") for h in behaviours]
    return [pytest.param(k, h, marks=() if (k, h) in fast else pytest.mark.slow,
                         id=f"{k}-{h}") for k, h in cells]


# What the record of a case says when the workers' import did ``how``.
LOADING_SAYS = {"sys-exit": "called sys.exit(0)", "raises": "RuntimeError: raised by the plugin",
                "hangs": f"within the {TIMEOUT_S:g} s per-case limit",
                "os-exit": ("exited with status 0", "Dask worker died"),
                "holds-gil": "held the interpreter"}


@pytest.mark.usefixtures("plugins")
@pytest.mark.parametrize("kind, how", _import_cells(
    {("local", "hangs"), ("local", "os-exit"), ("local", "holds-gil")},
    WORKER_IMPORT_BEHAVIOURS))
def test_a_plugin_misbehaving_only_in_the_workers_errs_every_case_in_time(kind, how):
    # once: a plugin that hung in the workers' import ran the supervisor's 60 s start-up grace,
    # twice, per task (128 s under --timeout 2), and one that raised or exited ended each
    # worker at its start, every case blamed on its own code ("the case's user code ended its
    # process"); then one that exited still was, and one holding the interpreter still ran
    # 2 x 60 s and was said to give "no result within the 2 s per-case limit"
    rec = quadratic("M.worker-plugin")
    t0 = time.monotonic()
    with temporary(identities=[rec]):
        records, _ = runner.run([rec.id], ["reverse"], 2, 0, timeout=TIMEOUT_S, jobs=1,
                                executor=_executor(kind), plugins=[_plugin(how)],
                                shrink_budget=None)
    took = time.monotonic() - t0
    (r,) = records
    assert r["outcome"] == "error" and r["counts"]["error"] == 2, r["message"]
    assert "could not load the run's code" in r["message"], r["message"]
    assert _plugin(how) in r["message"], r["message"]
    assert "the case's user code" not in r["message"], r["message"]
    says = LOADING_SAYS[how]
    assert any(s in r["message"] for s in ((says,) if isinstance(says, str) else says)), \
        r["message"]
    assert took < TIMEOUT_S * (how in ("hangs", "holds-gil")) + GRACE_S, took


@pytest.mark.usefixtures("plugins")
@pytest.mark.parametrize("how, says", [("os-exit", "exited with status 0"),
                                       ("holds-gil", "held the interpreter")])
def test_a_plugin_the_workers_cannot_load_is_a_usage_error_naming_it(how, says, tmp_path,
                                                                      capsys):
    # once: `run -p p -i 'U.*' -i B1.quadratic-gradient` with a plugin ending the workers at
    # import exited 1, every case of both identities (the catalogue's too) blamed on its own
    # code ("the case's user code ended its process"); one holding the interpreter there took
    # 130.9 s under --timeout 2 and said "no result within the 2 s per-case limit"
    name = _plugin(how, "only_in_workers")
    t0 = time.monotonic()
    rc = main(["run", "-p", name, "-i", "U.*", "-i", "B1.quadratic-gradient", "-e", "reverse",
               "--examples", "2", "--jobs", "1", "--timeout", f"{TIMEOUT_S:g}",
               "--no-studies", "--out", str(tmp_path / "out")])
    took = time.monotonic() - t0
    err = capsys.readouterr().err
    assert rc == ExitCode.USAGE_ERROR, err
    assert f"plugin {name!r}" in err and says in err, err
    assert "the case's user code" not in err and "B1.quadratic-gradient" not in err, err
    assert not (tmp_path / "out" / "results.json").exists()
    assert took < TIMEOUT_S * (how == "holds-gil") + GRACE_S, took


@pytest.mark.usefixtures("plugins")
@pytest.mark.parametrize("kind, how", _import_cells({("local", "os-exit")}))
def test_a_plugin_misbehaving_at_import_is_a_usage_error_in_time(kind, how, tmp_path, capsys):
    t0 = time.monotonic()
    rc = main(["run", "-p", _plugin(how), "--executor", _executor(kind), "--timeout",
               f"{TIMEOUT_S:g}", "-i", "B1.jacobian-linear", "--examples", "1",
               "--no-studies", "--out", str(tmp_path / "out")])
    took = time.monotonic() - t0
    err = capsys.readouterr().err
    assert rc == ExitCode.USAGE_ERROR, err  # refused before the run: nothing to write
    assert _plugin(how) in err
    assert took < TIMEOUT_S * (how == "hangs") + GRACE_S, took


# ----------------------------------------------------------------------------- prove= hooks

@pytest.mark.parametrize("kind, hows", [
    ("local", ("hangs", "none")),
    pytest.param("local", BEHAVIOURS, marks=pytest.mark.slow, id="local-all"),
    pytest.param("dask", BEHAVIOURS, marks=pytest.mark.slow, id="dask-all")])
def test_prove_hooks_are_errors_or_numeric_never_junk(kind, hows, tmp_path, capsys):
    # once: a hook returning None, NaN or 1j wrote the proof status "None", "nan" or "1j"
    recs = [dataclasses.replace(quadratic(f"M.prove.{h}"), prove=Hostile(h, "prove"))
            for h in hows]
    t0 = time.monotonic()
    with temporary(identities=recs):
        rc = main(["run", "--executor", _executor(kind), "--timeout", f"{TIMEOUT_S:g}",
                   "-i", "M.prove.*", "-e", "reverse", "--examples", "1", "--no-studies",
                   "--no-shrink", "--out", str(tmp_path / "out")])
    took = time.monotonic() - t0
    capsys.readouterr()
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    by = {r["identity"]: r for r in res["records"]}
    proofs = {e["id"]: e["proof"] for e in res["identities"]}
    for h in hows:
        rid = f"M.prove.{h}"
        assert proofs[rid]["status"] in ("general", "fixed-size", "numeric"), proofs[rid]
        if h in ("sys-exit", "os-exit", "hangs"):  # never finished: an error of the identity
            assert by[rid]["outcome"] == "error" and "its proof" in by[rid]["message"]
        else:  # it did not prove anything: numeric, and the numerical checks stand
            assert proofs[rid]["status"] == "numeric" and proofs[rid]["detail"], proofs[rid]
    assert rc != ExitCode.OK or not any(h in ("sys-exit", "os-exit", "hangs") for h in hows)
    assert took < TIMEOUT_S * sum(h == "hangs" for h in hows) + GRACE_S, took
