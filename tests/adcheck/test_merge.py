"""Shards of a run merge into the whole run; files that are not shards of one run are refused."""

import json

import pytest
from adcheck_helpers import in_process

from adcheck.cli.main import ExitCode, main
from adcheck.running import results as R

RUN = ["run", "-i", "B1.quadratic-gradient", "-i", "B1.gram-gradient", "-i", "B2.single-sweep",
       "-i", "B1.jacobian-linear", "-e", "reverse", "-e", "central", "--examples", "2",
       "--seed", "5", "--no-studies"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("shards")
    with pytest.MonkeyPatch.context() as mp:  # about the results, not the workers
        in_process(mp)
        for name, extra in (("whole", []), ("s1", ["--shard", "1/2"]),
                            ("s2", ["--shard", "2/2"])):
            assert main([*RUN, *extra, "--out", str(d / name)]) == ExitCode.OK
    return d


def _load(path):
    return json.loads(path.read_text())


def test_shards_split_by_whole_identities(runs):
    a, b = (_load(runs / s / "results.json") for s in ("s1", "s2"))
    ids_a = {r["identity"] for r in a["records"]}
    ids_b = {r["identity"] for r in b["records"]}
    assert ids_a and ids_b and not ids_a & ids_b
    assert ids_a | ids_b == set(_load(runs / "whole" / "results.json")["run"]["identities"])


def test_merged_shards_equal_the_whole_run(runs, capsys):
    rc = main(["merge", str(runs / "s2" / "results.json"), str(runs / "s1" / "results.json"),
               "--out", str(runs / "merged")])
    assert rc == ExitCode.OK
    merged, whole = _load(runs / "merged" / "results.json"), _load(runs / "whole" / "results.json")
    assert R.dumps(R.stable(merged)) == R.dumps(R.stable(whole))
    assert (runs / "merged" / "junit.xml").exists() and (runs / "merged" / "index.html").exists()


def test_merge_refuses_incomplete_or_mixed_shards(runs, tmp_path, capsys):
    s1 = str(runs / "s1" / "results.json")
    assert main(["merge", s1, "--out", str(tmp_path / "m")]) == ExitCode.USAGE_ERROR
    assert "shard(s) 2/2 missing" in capsys.readouterr().err
    assert main(["merge", s1, s1, "--out", str(tmp_path / "m")]) == ExitCode.USAGE_ERROR
    assert "both shard 1/2" in capsys.readouterr().err
    whole = str(runs / "whole" / "results.json")
    assert main(["merge", whole, s1, "--out", str(tmp_path / "m")]) == ExitCode.USAGE_ERROR
    assert "is not a shard" in capsys.readouterr().err
    other = _load(runs / "s2" / "results.json")
    other["run"]["seed"] = 6
    (tmp_path / "other.json").write_text(json.dumps(other))
    assert main(["merge", s1, str(tmp_path / "other.json"), "--out", str(tmp_path / "m")]) \
        == ExitCode.USAGE_ERROR
    assert "run.seed differ" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


# Breadth: `make test` merges the first 20 mutations, `make test-all` all 60 (same sequence).
@pytest.mark.parametrize("count", [20, pytest.param(60, marks=pytest.mark.slow)])
def test_fuzzed_shards_never_end_in_a_traceback(runs, tmp_path, capsys, count):
    import random

    from test_validate import mutate
    rng = random.Random(7)
    s1, s2 = str(runs / "s1" / "results.json"), _load(runs / "s2" / "results.json")
    for n in range(count):
        path = tmp_path / f"s2-{n}.json"
        path.write_text(json.dumps(mutate(s2, rng)))
        rc = main(["merge", s1, str(path), "--out", str(tmp_path / f"m{n}")])
        err = capsys.readouterr().err
        assert rc in (ExitCode.OK, ExitCode.CHECKS_FAILED, ExitCode.USAGE_ERROR), (n, err)
        assert "Traceback" not in err, (n, err)


def test_merge_refuses_a_shard_no_run_writes_and_an_out_onto_its_inputs(runs, tmp_path, capsys):
    s1, s2 = (str(runs / s / "results.json") for s in ("s1", "s2"))
    fake = _load(runs / "s2" / "results.json")
    fake["run"]["shard"]["index"] = 3  # "3/2" beside 1/2 and 2/2 was accepted
    (tmp_path / "fake.json").write_text(json.dumps(fake))
    rc = main(["merge", s1, s2, str(tmp_path / "fake.json"), "--out", str(tmp_path / "m")])
    assert rc == ExitCode.USAGE_ERROR and "shard 3/2, which no run writes" in \
        capsys.readouterr().err
    before = (runs / "s1" / "results.json").read_text()
    # the merged run was once written over the shard it was read from
    assert main(["merge", s1, s2, "--out", str(runs / "s1")]) == ExitCode.USAGE_ERROR
    assert "would overwrite the input shard" in capsys.readouterr().err
    assert (runs / "s1" / "results.json").read_text() == before
