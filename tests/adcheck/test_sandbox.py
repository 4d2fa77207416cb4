"""User code the parent once ran itself (plugin imports, proofs): first in a worker process of
its own, where exiting or hanging ends only that process."""

from __future__ import annotations

import json
import time

import pytest
from adcheck_helpers import quadratic

from adcheck.cli.main import ExitCode, main
from adcheck.running import sandbox

PLUGIN = """\
import os
import time

from adcheck.identities import define


def _proof_exits():
    os._exit(0)


def _proof_sleeps():
    time.sleep(600)


for name, hook in (("exits", _proof_exits), ("sleeps", _proof_sleeps)):
    define(id=f"U.proof-{name}", section="U", title=name, citation="test", kind="gradient",
           f=lambda xp, x: xp.sum(x * x), closed_form=lambda xp, x: 2.0 * x, arg_names=("x",),
           inputs=lambda d: (d.reals((3,)),), prove=hook)
"""


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    (tmp_path / "exits_at_import.py").write_text("import os\nos._exit(0)\n")
    (tmp_path / "hostile_proofs.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    import sys

    from adcheck.identities import IDENTITIES
    for i in ("U.proof-exits", "U.proof-sleeps"):
        IDENTITIES.pop(i, None)
    sys.modules.pop("hostile_proofs", None)


def test_a_plugin_ending_its_process_at_import_is_a_usage_error(plugins, tmp_path, capsys):
    # once: the parent imported it, and os._exit(0) ended the run with exit 0 and no outputs
    rc = main(["run", "-p", "exits_at_import", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == ExitCode.USAGE_ERROR, err
    assert "plugin 'exits_at_import' ended its process" in err and "status 0" in err


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_proofs_that_exit_or_hang_are_errors_of_their_identities(plugins, tmp_path, capsys):
    # once: os._exit(0) in a prove= hook ended the run with exit 0 and no outputs, and a sleep
    # in one ignored --timeout (a 120 s sleep made a --timeout 2 run take 149 s)
    t0 = time.monotonic()
    rc = main(["run", "-p", "hostile_proofs", "-i", "U.proof-*", "-e", "reverse", "--examples",
               "1", "--no-studies", "--timeout", "2", "--out", str(tmp_path / "out")])
    took = time.monotonic() - t0
    assert rc == ExitCode.CHECKS_FAILED, capsys.readouterr().err
    assert took < 45, took
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    by = {r["identity"]: r for r in res["records"]}
    assert by["U.proof-exits"]["outcome"] == "error"
    assert "its proof ended its process" in by["U.proof-exits"]["message"]
    assert by["U.proof-sleeps"]["outcome"] == "error"
    assert "no result within the 2 s per-case limit" in by["U.proof-sleeps"]["message"]
    assert res["summary"]["verdict"] == "fail"
    proofs = {e["id"]: e["proof"] for e in res["identities"]}
    assert proofs["U.proof-exits"]["detail"].startswith("the proof did not finish")


def test_which_proofs_need_the_records_own_code():
    plain = quadratic("T.sandbox-plain")  # no symbolic form: numeric, no code of its to run
    assert not sandbox.needs_its_code(plain)
    proved = quadratic("T.sandbox-proved", extra={"proof": {"cases": lambda: [(("sym", (2,)),)]}})
    assert sandbox.needs_its_code(proved)  # sympy would call its f (no cache holds it)
    assert sandbox.needs_its_code(quadratic("T.sandbox-hook", prove=lambda: ("general", "")))
    from adcheck.api.check import _record
    user = _record(lambda xp, x: xp.sum(x), "gradient", 0, 1, None, None, (1.0,))
    assert not sandbox.needs_its_code(user)  # check()'s own statement: adcheck's code
