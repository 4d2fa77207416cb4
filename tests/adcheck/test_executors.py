"""The executors give the same results: local workers (1 or 2) and a Dask LocalCluster."""

import json

import pytest

from adcheck.cli.main import ExitCode, main
from adcheck.running import results as R
from adcheck.running.executors import _exit_text

RUN = ["run", "-i", "B1.quadratic-gradient", "-i", "B1.gram-gradient", "-i", "B2.single-sweep",
       "-e", "reverse", "-e", "central", "--examples", "3", "--seed", "2", "--no-studies"]


def _stable(out):
    return R.dumps(R.stable(json.loads((out / "results.json").read_text())))


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    """The reference: the run on one local worker (made once for the module)."""
    out = tmp_path_factory.mktemp("one") / "out"
    assert main([*RUN, "--jobs", "1", "--out", str(out)]) == ExitCode.OK
    return out


def test_dask_local_cluster_gives_the_same_results_json_as_one_worker(one_worker, tmp_path,
                                                                        capsys):
    pytest.importorskip("distributed", reason="Dask distributed is the optional [dask] extra")
    assert main([*RUN, "--executor", "dask", "--jobs", "2", "--out", str(tmp_path / "dask")]) \
        == ExitCode.OK
    assert _stable(one_worker) == _stable(tmp_path / "dask")
    assert json.loads((tmp_path / "dask" / "results.json").read_text())["run"]["executor"] \
        == "dask"


def test_worker_count_does_not_change_the_results(one_worker, tmp_path, capsys):
    assert main([*RUN, "--jobs", "2", "--out", str(tmp_path / "two")]) == ExitCode.OK
    assert _stable(one_worker) == _stable(tmp_path / "two")


def test_dead_worker_texts():
    assert _exit_text("The exit codes of the workers are {EXIT(3)}") == \
        "its worker process exited with status 3"
    assert _exit_text("The exit codes of the workers are {SIGSEGV(-11)}") == \
        "its worker process was killed by SIGSEGV"
    assert _exit_text("The exit codes of the workers are {EXIT(86)}") == "timeout"
    assert _exit_text("gone") == "its worker process died"


def _os_exit(xp, x, q):
    import os
    os._exit(0)


def test_dask_worker_killed_by_user_code_is_an_error_and_the_run_goes_on():
    pytest.importorskip("distributed", reason="Dask distributed is the optional [dask] extra")
    from adcheck_helpers import quadratic, temporary

    from adcheck.running import runner
    bad, good = quadratic("T.dask-exits", closed_form=_os_exit), quadratic("T.dask-fine")
    with temporary(identities=[bad, good]):
        recs, _ = runner.run([bad.id, good.id], ["reverse"], 1, 0, timeout=60, jobs=2,
                             executor="dask")
    by = {r["identity"]: r for r in recs}
    assert by[bad.id]["outcome"] == "error" and "worker died" in by[bad.id]["message"]
    assert by[good.id]["outcome"] == "pass"


def _hang(xp, x, q):
    import time
    time.sleep(600)


def test_dask_hang_is_an_error_of_its_case_with_tasks_queued_ahead(monkeypatch):
    """Dask keeps more tasks queued than local workers: a hang among them still ends in its
    own case's timeout, and the tasks queued behind it still pass. The watchdog's note names
    the case it ended: on Dask too (which reports only a dead worker) that case is not rerun
    alone to be found again."""
    pytest.importorskip("distributed", reason="Dask distributed is the optional [dask] extra")
    from adcheck_helpers import quadratic, temporary

    from adcheck.running import runner
    from adcheck.running.executors import DaskExecutor
    submitted = []
    submit = DaskExecutor.submit
    monkeypatch.setattr(DaskExecutor, "submit",
                        lambda self, task: submitted.append(task.key) or submit(self, task))
    bad = quadratic("T.dask-hangs", closed_form=_hang)
    good = [quadratic(f"T.dask-fine-{i}") for i in range(4)]
    with temporary(identities=[bad, *good]):  # 2 cases: a task of several, each case alone
        recs, _ = runner.run([bad.id, *(g.id for g in good)], ["reverse"], 2, 0, timeout=3,
                             jobs=2, executor="dask")
    by = {r["identity"]: r for r in recs}
    assert by[bad.id]["outcome"] == "error" and "3 s per-case limit" in by[bad.id]["message"]
    assert by[bad.id]["counts"]["error"] == 2
    assert all(by[g.id]["outcome"] == "pass" and by[g.id]["counts"]["pass"] == 2 for g in good)
    hangs = [k for k in submitted if k.startswith("T.dask-hangs#")]
    assert hangs == ["T.dask-hangs#0", "T.dask-hangs#0.r"], submitted


def _worker_settings():
    import dask
    return (dask.config.get("distributed.admin.tick.interval"),
            dask.config.get("distributed.scheduler.allowed-failures"))


def test_local_cluster_settings_reach_restarted_workers_and_leave_the_callers_dask_alone():
    pytest.importorskip("distributed", reason="Dask distributed is the optional [dask] extra")
    import dask

    from adcheck.running.executors import QUIET_LOCAL, DaskExecutor
    before = _worker_settings()
    ex = DaskExecutor(b"", 1)
    try:
        assert _worker_settings() == before  # the caller's configuration is untouched
        want = (QUIET_LOCAL["distributed.admin.tick.interval"], 0)
        assert list(ex.client.run(_worker_settings).values()) == [want]
        ex.restart()  # a worker replaced after a death starts with the same settings
        assert list(ex.client.run(_worker_settings).values()) == [want]
        assert ex.cluster.scheduler.allowed_failures == 0
    finally:
        ex.close()
    assert dask.config.get("distributed.admin.tick.interval") == before[0]

