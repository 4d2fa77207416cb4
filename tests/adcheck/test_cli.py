import json
import sys

from adcheck_helpers import quadratic, temporary

from adcheck.cli import ExitCode, main


def test_exit_codes_are_documented_in_help(capsys):
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    for code in ExitCode:
        assert f"  {int(code)}  " in out


def test_list_and_engines_json(capsys):
    assert main(["list", "--json"]) == ExitCode.OK
    ids = [r["id"] for r in json.loads(capsys.readouterr().out)]
    assert "B1.gram-gradient" in ids
    assert main(["engines", "--json"]) == ExitCode.OK
    names = [r["name"] for r in json.loads(capsys.readouterr().out)]
    assert "reverse" in names


def test_run_writes_the_report_and_passes(tmp_path, capsys):
    rc = main(["run", "-i", "B1.gram-gradient", "-e", "reverse", "-e", "forward",
               "--examples", "2", "--out", str(tmp_path)])
    assert rc == ExitCode.OK
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["run"]["seed"] == 0 and len(res["records"]) == 2
    assert (tmp_path / "junit.xml").exists()


def test_failing_check_exits_1_and_fail_under(tmp_path, capsys):
    rec = quadratic("T.cli-wrong", closed_form=lambda xp, x, q: 2.0 * (q @ x))
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-e", "reverse", "--examples", "2",
                   "--out", str(tmp_path)])
    assert rc == ExitCode.CHECKS_FAILED
    assert "Rerun: adcheck run -i T.cli-wrong" in capsys.readouterr().out
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-e", "reverse", "-e", "forward", "--examples", "1",
                   "--fail-under", "0", "--out", str(tmp_path)])
    assert rc == ExitCode.OK  # 0% pass rate is not below 0%
    rec = quadratic("T.cli-ok")
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-e", "reverse", "--examples", "1", "--fail-under",
                   "100", "--out", str(tmp_path)])
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
    rc = main(["run", "-p", "broken_plugin", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == ExitCode.USAGE_ERROR
    assert "plugin 'broken_plugin' failed to import" in err and "Traceback" not in err


def test_plugin_identity_runs(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_ids.py").write_text(
        "from identities import define\n"
        "define(id='U.axb', section='user', title='d(a^T X b)/dX = a b^T', citation='user',\n"
        "       kind='gradient', wrt=1, arg_names=('a', 'X', 'b'),\n"
        "       f=lambda xp, a, X, b: a @ (X @ b),\n"
        "       closed_form=lambda xp, a, X, b: xp.outer(a, b),\n"
        "       inputs=lambda d: (d.reals((3,)), d.reals((3, 2)), d.reals((2,))))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        rc = main(["run", "-p", "my_ids", "-i", "U.*", "-e", "reverse", "--examples", "2",
                   "--out", str(tmp_path / "out")])
        assert rc == ExitCode.OK
        res = json.loads((tmp_path / "out" / "results.json").read_text())
        assert res["records"][0]["rerun"].endswith("-p my_ids")
    finally:
        from identities import IDENTITIES
        IDENTITIES.pop("U.axb", None)
        sys.modules.pop("my_ids", None)


def test_report_subcommand_rerenders(tmp_path, capsys):
    assert main(["run", "-i", "B1.jacobian-linear", "-e", "reverse", "--examples", "1",
                 "--out", str(tmp_path)]) == ExitCode.OK
    assert main(["report", str(tmp_path / "results.json"), "--out", str(tmp_path / "r")]) \
        in (ExitCode.OK, ExitCode.INTERNAL_ERROR)
    assert main(["report", str(tmp_path / "missing.json")]) == ExitCode.USAGE_ERROR


def test_same_seed_gives_the_same_results_json_apart_from_timing(tmp_path, capsys):
    texts = []
    for out in ("a", "b"):
        argv = ["run", "-i", "B1.gram-gradient", "-i", "B1.quadratic-hessian", "-e", "reverse",
                "-e", "central", "--examples", "3", "--seed", "7", "--jobs", "2",
                "--out", str(tmp_path / out)]
        assert main(argv) == ExitCode.OK
        res = json.loads((tmp_path / out / "results.json").read_text())
        res.pop("timing")
        res["run"]["argv"] = res["run"]["command"] = None  # the --out folders differ
        texts.append(json.dumps(res, sort_keys=True))
    assert texts[0] == texts[1]
