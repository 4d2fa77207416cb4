import json
import os
import stat
import sys

import pytest
from adcheck_helpers import quadratic, temporary

from adcheck.cli.main import ExitCode, main
from adcheck.running import results as R


def test_exit_codes_are_documented_in_help(capsys):
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    for code in ExitCode:
        assert f"  {int(code)}  " in out


def test_shrink_options_are_in_help(capsys):
    assert main(["run", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--no-shrink" in out and "--shrink-budget SECONDS" in out and "(default 10)" in out


def test_list_and_engines_json(capsys):
    assert main(["list", "--json"]) == ExitCode.OK
    ids = [r["id"] for r in json.loads(capsys.readouterr().out)]
    assert "B1.gram-gradient" in ids
    assert main(["engines", "--json"]) == ExitCode.OK
    names = [r["name"] for r in json.loads(capsys.readouterr().out)]
    assert "reverse" in names


@pytest.mark.usefixtures("in_process")
def test_run_writes_the_report_and_passes(tmp_path, capsys):
    rc = main(["run", "-i", "B1.gram-gradient", "-e", "reverse", "-e", "forward",
               "--examples", "2", "--no-studies", "--out", str(tmp_path)])
    assert rc == ExitCode.OK
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["run"]["seed"] == 0 and len(res["records"]) == 2
    assert (tmp_path / "junit.xml").exists()


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_failing_check_exits_1_and_fail_under(tmp_path, capsys):
    rec = quadratic("T.cli-wrong", closed_form=lambda xp, x, q: 2.0 * (q @ x))
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-e", "reverse", "--examples", "2", "--no-studies",
                   "--out", str(tmp_path)])
    assert rc == ExitCode.CHECKS_FAILED
    assert "Rerun: adcheck run -i T.cli-wrong" in capsys.readouterr().out
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-e", "reverse", "-e", "forward", "--examples", "1",
                   "--fail-under", "0", "--no-studies", "--out", str(tmp_path)])
    assert rc == ExitCode.OK  # 0% pass rate is not below 0%
    rec = quadratic("T.cli-ok")
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-e", "reverse", "--examples", "1", "--fail-under",
                   "100", "--no-studies", "--out", str(tmp_path)])
    assert rc == ExitCode.OK


def test_usage_errors(capsys, tmp_path):
    assert main(["run", "-i", "B1.no-such-identity"]) == ExitCode.USAGE_ERROR
    assert "no identity named" in capsys.readouterr().err
    assert main(["run", "-e", "no-such-engine"]) == ExitCode.USAGE_ERROR
    assert main(["run", "--examples", "x"]) == ExitCode.USAGE_ERROR
    assert main(["frobnicate"]) == ExitCode.USAGE_ERROR
    assert main(["run", "-i", "Z9.*", "--out", str(tmp_path)]) == ExitCode.NOTHING_SELECTED


def test_plugin_that_fails_to_import_is_a_clear_usage_error(capsys, tmp_path, monkeypatch):
    (tmp_path / "broken_plugin.py").write_text("import no_such_module_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    rc = main(["run", "-p", "broken_plugin", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == ExitCode.USAGE_ERROR
    assert "plugin 'broken_plugin' failed to import" in err and "Traceback" not in err


def test_plugin_identity_runs(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_ids.py").write_text(
        "from adcheck.identities import define\n"
        "define(id='U.axb', section='user', title='d(a^T X b)/dX = a b^T', citation='user',\n"
        "       kind='gradient', wrt=1, arg_names=('a', 'X', 'b'),\n"
        "       f=lambda xp, a, X, b: a @ (X @ b),\n"
        "       closed_form=lambda xp, a, X, b: xp.outer(a, b),\n"
        "       inputs=lambda d: (d.reals((3,)), d.reals((3, 2)), d.reals((2,))))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        rc = main(["run", "-p", "my_ids", "-i", "U.*", "-e", "reverse", "--examples", "2",
                   "--no-studies", "--out", str(tmp_path / "out")])
        assert rc == ExitCode.OK
        res = json.loads((tmp_path / "out" / "results.json").read_text())
        assert res["records"][0]["rerun"].endswith("-p my_ids")
    finally:
        from adcheck.identities import IDENTITIES
        IDENTITIES.pop("U.axb", None)
        sys.modules.pop("my_ids", None)


@pytest.mark.usefixtures("in_process")
def test_report_subcommand_rerenders(tmp_path, capsys):
    assert main(["run", "-i", "B1.jacobian-linear", "-e", "reverse", "--examples", "1",
                 "--no-studies", "--out", str(tmp_path)]) == ExitCode.OK
    assert main(["report", str(tmp_path / "results.json"), "--out", str(tmp_path / "r")]) \
        in (ExitCode.OK, ExitCode.INTERNAL_ERROR)
    assert main(["report", str(tmp_path / "missing.json")]) == ExitCode.USAGE_ERROR


def test_same_seed_gives_the_same_results_json_apart_from_timing(tmp_path, capsys):
    texts = []
    for out in ("a", "b"):
        argv = ["run", "-i", "B1.gram-gradient", "-i", "B1.quadratic-hessian", "-e", "reverse",
                "-e", "central", "--examples", "3", "--seed", "7", "--jobs", "2",
                "--no-studies", "--out", str(tmp_path / out)]
        assert main(argv) == ExitCode.OK
        res = json.loads((tmp_path / out / "results.json").read_text())
        texts.append(json.dumps(R.stable(res), sort_keys=True))  # the --out folders differ
    assert texts[0] == texts[1]


FAST = ["-i", "B1.quadratic-gradient", "-e", "reverse", "--examples", "2"]


def _run(tmp_path, *extra, out="out"):
    rc = main(["run", *FAST, "--out", str(tmp_path / out), *extra])
    path = tmp_path / out / "results.json"
    return rc, (json.loads(path.read_text()) if path.exists() else None)


@pytest.mark.usefixtures("in_process")
def test_run_puts_the_studies_in_results_json_and_the_report(tmp_path, capsys):
    rc, res = _run(tmp_path)
    assert rc == ExitCode.OK
    assert {"fd_sweep", "taylor", "cost_scaling", "bs_residual", "activations"} \
        <= set(res["studies"])
    assert "selftest" not in res["studies"] and "errors" not in res["studies"]
    assert "cost_scaling" not in res["timing"]  # wall times only when asked for
    rc, bare = _run(tmp_path, "--no-studies", out="bare")
    assert rc == ExitCode.OK and bare["studies"] == {}
    svgs = [(tmp_path / o / "index.html").read_text().count("<svg") for o in ("out", "bare")]
    assert svgs[0] > svgs[1]


@pytest.mark.usefixtures("in_process")
def test_selftest_and_timings_flags(tmp_path, capsys, monkeypatch):
    from adcheck.running import studies
    calls = []

    def fake_selftest(examples, seed, epsilon=True, jobs=1):
        calls.append((examples, seed, epsilon, jobs))
        return {"mutations": [{"mutant": "m", "killed": True}], "kill_rate": 1.0}
    monkeypatch.setattr(studies, "selftest_study", fake_selftest)
    rc, res = _run(tmp_path, "--no-studies", "--selftest", "--seed", "3")
    assert rc == ExitCode.OK and calls == [(2, 3, True, 1)]
    assert res["studies"]["selftest"]["kill_rate"] == 1.0
    assert res["timing"]["cost_scaling"]["n"] and "fd_sweep" not in res["studies"]
    assert "kill rate" in (tmp_path / "out" / "index.html").read_text()
    rc, res = _run(tmp_path, "--no-studies", "--timings", out="t")
    assert rc == ExitCode.OK and "selftest" not in res["studies"]
    assert res["timing"]["cost_scaling"]["series"]


@pytest.mark.usefixtures("in_process")
def test_a_failing_study_does_not_lose_the_run(tmp_path, capsys, monkeypatch):
    from adcheck.running import studies

    def broken(seed, **kw):
        raise RuntimeError("study exploded")
    monkeypatch.setattr(studies, "collect", broken)
    rc, res = _run(tmp_path)
    assert rc == ExitCode.OK and len(res["records"]) == 1
    assert any("study exploded" in e for e in res["studies"]["errors"])
    assert "study exploded" in capsys.readouterr().err
    assert "study exploded" in (tmp_path / "out" / "index.html").read_text()


def _shrunk_baseline(tmp_path, res, name="base.json"):
    """A baseline whose worst errors were a million times smaller than now."""
    base = json.loads(json.dumps(res))
    for r in base["records"]:
        r["worst"]["rel_error"] /= 1e6
    path = tmp_path / name
    path.write_text(json.dumps(base))
    return path


@pytest.mark.usefixtures("in_process")
def test_baseline_drift_column_and_fail_on_drift(tmp_path, capsys):
    rc, res = _run(tmp_path, "--no-studies", out="old")
    assert rc == ExitCode.OK and res["records"][0]["worst"]["rel_error"] > 0
    same = str(tmp_path / "old" / "results.json")
    rc, _ = _run(tmp_path, "--no-studies", "--baseline", same, "--fail-on-drift", "10")
    assert rc == ExitCode.OK  # the same seed: no drift
    assert "Drift against the baseline" in (tmp_path / "out" / "index.html").read_text()
    grown = str(_shrunk_baseline(tmp_path, res))
    capsys.readouterr()
    rc, _ = _run(tmp_path, "--no-studies", "--baseline", grown)
    assert rc == ExitCode.OK  # without --fail-on-drift drift is shown, not gated
    rc, _ = _run(tmp_path, "--no-studies", "--baseline", grown, "--fail-on-drift", "10")
    out = capsys.readouterr().out
    assert rc == ExitCode.CHECKS_FAILED
    assert "B1.quadratic-gradient [reverse]: worst relative error grew" in out
    report = ["report", same, "--out", str(tmp_path / "r"), "--baseline", grown]
    assert main(report) == ExitCode.OK
    assert main([*report, "--fail-on-drift", "1e9"]) == ExitCode.OK
    assert main([*report, "--fail-on-drift", "10"]) == ExitCode.CHECKS_FAILED
    assert "grew x1e+06" in capsys.readouterr().out


def test_bad_baseline_and_drift_options_are_usage_errors(tmp_path, capsys):
    (tmp_path / "junk.json").write_text("not json {")
    (tmp_path / "other.json").write_text(json.dumps({"schema": "adcheck.results/0"}))
    cases = [(["--baseline", str(tmp_path / "missing.json")], "no such file"),
             (["--baseline", str(tmp_path / "junk.json")], "is not JSON"),
             (["--baseline", str(tmp_path / "other.json")], "'adcheck.results/0'"),
             (["--fail-on-drift", "10"], "needs --baseline"),
             (["--baseline", str(tmp_path / "other.json"), "--fail-on-drift", "0.5"],
              "factor > 1")]
    for extra, message in cases:
        rc, _ = _run(tmp_path, "--no-studies", *extra)
        assert rc == ExitCode.USAGE_ERROR, extra
        assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # refused before any work


@pytest.mark.usefixtures("in_process")
def test_out_naming_a_file_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "taken").write_text("mine\n")
    for out in ("taken", "taken/sub"):
        rc, _ = _run(tmp_path, "--no-studies", out=out)
        err = capsys.readouterr().err
        assert rc == ExitCode.USAGE_ERROR and "Traceback" not in err
        assert str(tmp_path / "taken") in err and "not a folder" in err
    assert (tmp_path / "taken").read_text() == "mine\n"
    rc, _ = _run(tmp_path, "--no-studies")
    assert main(["report", str(tmp_path / "out" / "results.json"),
                 "--out", str(tmp_path / "taken")]) == ExitCode.USAGE_ERROR


def test_report_on_bad_files_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "junk.json").write_text("\x00\xff not json")
    (tmp_path / "other.json").write_text(json.dumps({"schema": "adcheck.results/2",
                                                     "records": []}))
    (tmp_path / "list.json").write_text("[1, 2]")
    for name, message in (("missing.json", "no such file"), ("junk.json", "is not JSON"),
                          ("other.json", "'adcheck.results/2'"), ("list.json", "schema None"),
                          (".", "not a regular file")):
        assert main(["report", str(tmp_path / name)]) == ExitCode.USAGE_ERROR, name
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (name, err)


@pytest.mark.usefixtures("in_process")
def test_written_files_are_readable_by_all(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        rc, _ = _run(tmp_path, "--no-studies")
    finally:
        os.umask(old)
    assert rc == ExitCode.OK
    for name in ("results.json", "junit.xml", "index.html"):
        assert stat.S_IMODE((tmp_path / "out" / name).stat().st_mode) == 0o644, name


BAD_OPTIONS = [(["--seed", "-1"], "--seed must be"),
               (["--timeout", "0"], "--timeout must be > 0"),
               (["--timeout", "-1"], "--timeout must be > 0"),
               (["--timeout", "nan"], "--timeout must be > 0"),
               (["--timeout", "soon"], "'none'"),
               (["--fail-under", "101"], "between 0 and 100"),
               (["--fail-under", "-1"], "between 0 and 100"),
               (["--examples", "0"], "--examples must be between 1 and 100,000"),
               (["--examples", "1000000000"], "--examples must be between 1 and 100,000"),
               (["--jobs", "0"], "--jobs must be"),
               (["--shrink-budget", "0"], "--shrink-budget must be > 0"),
               (["--shrink-budget", "inf"], "--shrink-budget must be > 0"),
               (["--shrink-budget", "soon"], "--shrink-budget takes seconds"),
               (["--shard", "3/2"], "1 <= K <= N"),
               (["--shard", "half"], "K/N"),
               (["--scheduler", "tcp://localhost:8786"], "--scheduler needs --executor dask")]


def test_bad_options_are_usage_errors_before_anything_runs(tmp_path, capsys):
    for extra, message in BAD_OPTIONS:
        rc = main(["run", *FAST, "--out", str(tmp_path / "out"), *extra])
        err = capsys.readouterr().err
        assert rc == ExitCode.USAGE_ERROR, extra
        assert message in err and "Traceback" not in err, (extra, err)
    assert main(["selftest", "--examples", "0"]) == ExitCode.USAGE_ERROR
    assert "--examples must be" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.usefixtures("in_process")
def test_timeout_none_means_no_limit(tmp_path, capsys):
    rc, res = _run(tmp_path, "--no-studies", "--timeout", "none")
    assert rc == ExitCode.OK and res["run"]["timeout"] is None
    assert "--timeout none" in res["records"][0]["rerun"]


def test_version(capsys):
    from adcheck import __version__
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"adcheck {__version__}"


PLUGIN = """\
import sys
from adcheck.identities import define
define(id={id!r}, section='user', title='t', citation='user', kind='gradient',
       f=lambda xp, x: xp.sum(x * x), closed_form={closed},
       inputs=lambda d: (d.reals((2,)),))
"""


def _plugin(tmp_path, monkeypatch, name, ident, closed="lambda xp, x: 2 * x"):
    (tmp_path / f"{name}.py").write_text(PLUGIN.format(id=ident, closed=closed))
    monkeypatch.syspath_prepend(str(tmp_path))


def _forget(ident, *modules):
    from adcheck.identities import IDENTITIES
    IDENTITIES.pop(ident, None)
    for m in modules:
        sys.modules.pop(m, None)


def test_user_sys_exit_is_an_error_not_a_silent_pass(tmp_path, monkeypatch, capsys):
    _plugin(tmp_path, monkeypatch, "exiting_ids", "U.exits",
            closed="lambda xp, x: sys.exit(0)")
    try:
        rc = main(["run", "-p", "exiting_ids", "-i", "U.exits", "-e", "reverse", "--examples",
                   "1", "--no-studies", "--out", str(tmp_path / "out")])
    finally:
        _forget("U.exits", "exiting_ids")
    assert rc == ExitCode.CHECKS_FAILED
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert res["records"][0]["outcome"] == "error"
    assert "SystemExit(0)" in res["records"][0]["message"]


def test_plugin_exiting_at_import_is_a_usage_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "exit_at_import.py").write_text("import sys\nsys.exit(0)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    rc = main(["run", "-p", "exit_at_import", "--out", str(tmp_path / "out")])
    assert rc == ExitCode.USAGE_ERROR and "called sys.exit(0)" in capsys.readouterr().err


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_rerun_hints_carry_every_plugin_and_are_shell_quoted(tmp_path, monkeypatch, capsys):
    import shlex
    _plugin(tmp_path, monkeypatch, "odd_ids", "U.it's odd", closed="lambda xp, x: 3 * x")
    (tmp_path / "other_ids.py").write_text("")
    try:
        rc = main(["run", "-p", "odd_ids", "-p", "other_ids", "-i", "U.*", "-e", "reverse",
                   "--examples", "1", "--no-studies", "--out", str(tmp_path / "out")])
    finally:
        _forget("U.it's odd", "odd_ids", "other_ids")
    assert rc == ExitCode.CHECKS_FAILED
    rec = json.loads((tmp_path / "out" / "results.json").read_text())["records"][0]
    words = shlex.split(rec["rerun"])
    assert words[:6] == ["adcheck", "run", "-i", "U.it's odd", "-e", "reverse"]
    assert words[-4:] == ["-p", "odd_ids", "-p", "other_ids"]
    assert rec["rerun"] in rec["message"]


@pytest.mark.usefixtures("in_process")
def test_a_run_that_judged_nothing_exits_4(tmp_path, capsys):
    rec = quadratic("T.cli-not-analytic", analytic=False)
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-e", "complex-step", "--examples", "1", "--no-studies",
                   "--out", str(tmp_path / "out")])
    assert rc == ExitCode.NO_TESTS_JUDGED == 4
    assert "NOTHING JUDGED" in capsys.readouterr().err
    assert (tmp_path / "out" / "results.json").exists()  # the record says why


LOCKED = """\
import threading
from adcheck.identities import define


def _make():
    lock = threading.Lock()  # in f's closure: pickled by value with f

    def f(xp, x):
        with lock:
            return xp.sum(x * x)
    return f


define(id='U.locked', section='user', title='t', citation='user', kind='gradient',
       f=_make(), closed_form=lambda xp, x: 2 * x, inputs=lambda d: (d.reals((2,)),))
"""


def test_an_identity_that_cannot_reach_the_workers_is_its_error_and_the_run_goes_on(
        tmp_path, monkeypatch, capsys):
    """f's closure holds a lock: the identity cannot be pickled to the workers. It is an error
    of that identity, saying why and what to do; the other identity is judged (the run gave a
    traceback and no outputs)."""
    (tmp_path / "locked_ids.py").write_text(LOCKED)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        rc = main(["run", "-p", "locked_ids", "-i", "U.locked", "-i", "B1.quadratic-gradient",
                   "-e", "reverse", "--examples", "2", "--jobs", "1", "--no-studies",
                   "--out", str(tmp_path / "out")])
    finally:
        _forget("U.locked", "locked_ids")
    assert rc == ExitCode.CHECKS_FAILED, capsys.readouterr()
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    by = {r["identity"]: r for r in res["records"]}
    assert by["U.locked"]["outcome"] == "error" and by["U.locked"]["counts"]["error"] == 2
    assert "cannot be sent to the run's worker processes" in by["U.locked"]["message"]
    assert "lock" in by["U.locked"]["message"]
    assert by["B1.quadratic-gradient"]["outcome"] == "pass"
