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


def fuzz_shard_sets(shards, count: int, seed: int, tmp_path):
    """Feed ``count`` mutated shard sets to what ``merge`` runs (``load_results`` on each
    file, then ``merge``); returns the invalid sets it merged and the kinds it saw."""
    import random

    import fuzz_results as fz

    from adcheck.running.catalogue import UsageError
    from adcheck.running.merge import merge
    from adcheck.running.validate import load_results, problems
    rng = random.Random(seed)
    merged_invalid, kinds = [], set()
    for n in range(count):
        kind, parts = fz.shard_set(shards, rng, n)
        kinds.add(kind)
        paths = []
        for k, part in enumerate(parts):
            paths.append(tmp_path / f"shard{k}.json")
            paths[-1].write_text(fz.text(part))
        try:
            res = merge([(str(p), load_results(str(p), "shard")) for p in paths], ["merge"])
        except UsageError:
            continue
        if kind != "any":
            merged_invalid.append((n, kind))
        assert problems(res) == [], (n, kind)  # what merge writes, report reads
    return merged_invalid, kinds


# `make test` merges the first 200 shard sets of the sequence, `make test-all` 600.
@pytest.mark.parametrize("count", [200, pytest.param(600, marks=pytest.mark.slow)])
def test_fuzzed_shard_sets_are_refused_or_merge(runs, tmp_path, count):
    import fuzz_results as fz
    from test_validate import with_studies
    shards = [_load(runs / s / "results.json") for s in ("s1", "s2")]
    shards[0] = with_studies(shards[0])  # the lead shard carries the studies
    merged_invalid, kinds = fuzz_shard_sets(shards, count, 7, tmp_path)
    assert merged_invalid == []
    assert kinds >= set(fz.SHARD_EDITS) | set(fz.INVALID) | {"any", "missing", "twice"}


def test_merge_refuses_shards_of_different_code(runs, tmp_path, capsys):
    s1 = str(runs / "s1" / "results.json")
    other = _load(runs / "s2" / "results.json")
    assert other["run"]["code"]["adcheck"]  # a digest of adcheck's own source
    other["run"]["code"]["my_plugin"] = "0" * 32  # a plugin only one shard was run with
    (tmp_path / "other.json").write_text(json.dumps(other))
    assert main(["merge", s1, str(tmp_path / "other.json"), "--out", str(tmp_path / "m")]) \
        == ExitCode.USAGE_ERROR
    assert "made by different code (my_plugin differ)" in capsys.readouterr().err
    other = _load(runs / "s2" / "results.json")
    other["run"]["versions"]["numpy"] = "1.26.4"
    (tmp_path / "other.json").write_text(json.dumps(other))
    assert main(["merge", s1, str(tmp_path / "other.json"), "--out", str(tmp_path / "m")]) \
        == ExitCode.USAGE_ERROR
    assert "different versions of numpy" in capsys.readouterr().err


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
