"""The gate's findings whose fixes had no end-to-end test: a case the oracle could not allocate,
a FIFO handed as an input file, the rerun hint's --timeout, control characters in an id, and
the README's engine on a catalogue section (issue 22: H3, L3, L11, M7, H5)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from adcheck_helpers import quadratic, temporary
from hostile import HOSTILE

from adcheck.cli.main import ExitCode, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_a_closed_form_that_cannot_allocate_leaves_its_identity_unjudged_and_fails(tmp_path,
                                                                                  capsys):
    # once: "inconclusive" beside a PASS, exit 0, the identity never judged
    rec = quadratic("T.gate-allocates", closed_form=HOSTILE["allocates-1e10"][0])
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-i", "B1.quadratic-gradient", "-e", "reverse",
                   "--examples", "2", "--no-studies", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == ExitCode.CHECKS_FAILED, err
    summary = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]
    assert [u["identity"] for u in summary["unjudged"]] == [rec.id]
    assert f"UNJUDGED: identity {rec.id!r} was never judged" in err


def test_a_fifo_as_an_input_file_is_refused_at_once(tmp_path):
    """A named pipe given as results, baseline or shard is refused (exit 2), never read: a
    reader would wait for ever for a writer."""
    fifo = tmp_path / "results.json"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["report", str(fifo), "--out", str(tmp_path / "r")],
                 ["merge", str(fifo), str(fifo), "--out", str(tmp_path / "m")]):
        done = subprocess.run([sys.executable, "-m", "adcheck", *args], capture_output=True,
                              text=True, timeout=60, env=env, cwd=tmp_path)
        assert done.returncode == ExitCode.USAGE_ERROR, (args, done.stderr)
        assert "Traceback" not in done.stderr and str(fifo) in done.stderr, done.stderr


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_every_rerun_hint_carries_the_runs_timeout(tmp_path, capsys):
    rec = quadratic("T.gate-hint", closed_form=lambda xp, x, q: 2.0 * (q @ x))
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-e", "reverse", "--examples", "2", "--timeout", "7",
                   "--no-studies", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert rc == ExitCode.CHECKS_FAILED
    hints = [line for line in out.splitlines() if "adcheck run" in line]
    assert hints and all("--timeout 7" in h for h in hints), out
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert all("--timeout 7" in r["rerun"] for r in res["records"])
    junit = (tmp_path / "out" / "junit.xml").read_text()
    assert "--timeout 7" in junit


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_control_characters_in_an_id_reach_no_output_raw(tmp_path, capsys):
    """An id with an escape sequence and a bell: junit.xml stays well-formed and no output
    (terminal, results.json, junit.xml, report) carries the raw bytes."""
    ident = "T.gate-\x1b[31mred\x07"
    rec = quadratic(ident, closed_form=lambda xp, x, q: 2.0 * (q @ x))
    with temporary(identities=[rec]):
        rc = main(["run", "-i", ident, "-e", "reverse", "--examples", "3", "--no-studies",
                   "--out", str(tmp_path / "out")])
    cap = capsys.readouterr()
    assert rc == ExitCode.CHECKS_FAILED
    files = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()
             if p.suffix in (".json", ".xml", ".html")}
    assert set(files) >= {"results.json", "junit.xml", "index.html"}
    ET.fromstring(files["junit.xml"])  # well-formed
    for where, text in {"stdout": cap.out, "stderr": cap.err, **files}.items():
        assert "\x1b" not in text and "\x07" not in text, where


README_PLUGIN = "from adcheck.engines import registry  # noqa: F401\n{block}\n"


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_the_readme_engine_on_a_catalogue_section_is_no_pass_on_almost_nothing(
        tmp_path, monkeypatch, capsys):
    """The README's example engine (first order only) on every B1 identity: the Hessian
    identities it cannot run, and those whose every case it leaves inconclusive, are never
    judged, so the gate fails and names them (once: PASS, exit 0, 1 case judged)."""
    from adcheck.engines.registry import ENGINES
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Adding an engine", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    (tmp_path / "readme_engine.py").write_text(README_PLUGIN.format(block=block))
    monkeypatch.syspath_prepend(str(tmp_path))
    ENGINES.pop("forward-difference", None)
    try:
        rc = main(["run", "-p", "readme_engine", "-i", "B1.*", "-e", "forward-difference",
                   "--examples", "2", "--no-studies", "--out", str(tmp_path / "out")])
    finally:
        ENGINES.pop("forward-difference", None)
        sys.modules.pop("readme_engine", None)
    err = capsys.readouterr().err
    summary = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]
    assert rc != ExitCode.OK and summary["verdict"] != "pass", err
    unjudged = {u["identity"] for u in summary["unjudged"]}
    assert {"B1.quadratic-hessian", "B1.quadratic-hessian-general"} <= unjudged, summary
    assert "UNJUDGED: identity 'B1.quadratic-hessian' was never judged" in err


def test_the_engine_that_is_the_reference_is_not_counted_as_a_pass():
    """With no closed form and fewer than three families, the exact engine's value is the
    reference: compared with itself it passed at 0 ulps (54 of `make verify`'s passes were such
    columns, issue 22 H5). It is now not judged, and a check by the oracle alone is no pass."""
    import adcheck
    f = lambda xp, x: xp.sum(xp.sin(x) * x)  # noqa: E731
    x = (np.array([0.3, -0.7, 1.1]),)
    rep = adcheck.check(f, x, engines=["reverse", "exact"])
    assert rep.verdict == "pass" and rep.engines["reverse"].outcome == "pass"
    ex = rep.engines["exact"]
    assert ex.outcome == "not-applicable" and ex.reference, rep.message
    assert "reference" in ex.note and "certifies nothing" in ex.note
    alone = adcheck.check(f, x, engines=["exact"])
    assert alone.verdict == "inconclusive" and not alone, alone.message


PROOF_CALLS_F = """\
import os
import numpy as np
from adcheck.identities import define


def _f(xp, x):
    first = x.flat[0] if isinstance(x, np.ndarray) and x.size else x
    if type(first).__module__.startswith("sympy"):  # only when the sympy proof calls it
        os._exit(0)
    return xp.sum(x * x)


define(id="U.proof-calls-f", section="U", title="t", citation="test", kind="gradient",
       f=_f, closed_form=lambda xp, x: 2.0 * x, arg_names=("x",),
       inputs=lambda d: (d.reals((2,)),),
       extra={"proof": {"cases": lambda: [(("sym", (2,)),)]}})
"""


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_a_sympy_proof_whose_f_ends_its_process_is_an_error_of_the_identity(
        tmp_path, monkeypatch, capsys):
    """The identity's sympy proof (``extra["proof"]``) calls its own f: once run in the
    parent, an os._exit(0) there ended the run with exit 0 and no outputs (issue 22, H2). It
    runs in the proof sandbox: an error of that identity, and the run goes on."""
    (tmp_path / "proof_calls_f.py").write_text(PROOF_CALLS_F)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("ADCHECK_CACHE_DIR", str(tmp_path / "cache"))  # no cached proof
    try:
        rc = main(["run", "-p", "proof_calls_f", "-i", "U.proof-calls-f",
                   "-i", "B1.quadratic-gradient", "-e", "reverse", "--examples", "1",
                   "--no-studies", "--timeout", "20", "--out", str(tmp_path / "out")])
    finally:
        from adcheck.identities import IDENTITIES
        IDENTITIES.pop("U.proof-calls-f", None)
        sys.modules.pop("proof_calls_f", None)
    assert rc == ExitCode.CHECKS_FAILED, capsys.readouterr()
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    by = {r["identity"]: r for r in res["records"]}
    assert by["U.proof-calls-f"]["outcome"] == "error"
    assert "its proof ended its process" in by["U.proof-calls-f"]["message"]
    assert by["B1.quadratic-gradient"]["outcome"] == "pass"
