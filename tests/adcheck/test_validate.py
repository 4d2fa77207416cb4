"""results.json against its published schema: real files pass, mutated files are refused with
the path of the bad field (exit 2), and no mutation ends in a traceback."""

import copy
import json
import random

import fuzz_results as fz
import pytest
from adcheck_helpers import in_process

from adcheck.cli.main import ExitCode, main
from adcheck.running import results as R
from adcheck.running.catalogue import UsageError
from adcheck.running.validate import SCHEMA_FILE, load_results, problems, schema


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    out = tmp_path_factory.mktemp("real") / "out"
    with pytest.MonkeyPatch.context() as mp:  # about the file, not the workers
        in_process(mp)
        rc = main(["run", "-i", "B1.quadratic-gradient", "-i", "B2.single-sweep", "-e",
                   "reverse", "-e", "central", "--examples", "2", "--no-studies", "--out",
                   str(out)])
    assert rc == ExitCode.OK
    return json.loads((out / "results.json").read_text())


def test_the_schema_ships_in_the_package_and_is_a_valid_schema():
    import jsonschema
    assert SCHEMA_FILE.is_file() and SCHEMA_FILE.parent.parent.parent.name == "adcheck"
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["properties"]["schema"]["const"] == R.SCHEMA


def test_a_real_results_file_is_valid(real):
    assert problems(real) == []


def test_a_wrong_type_is_refused_with_its_path(real, tmp_path, capsys):
    bad = copy.deepcopy(real)
    bad["records"][1]["worst"] = {**(bad["records"][1]["worst"] or {}), "ratio": "big"}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    assert main(["report", str(path), "--out", str(tmp_path / "r")]) == ExitCode.USAGE_ERROR
    err = capsys.readouterr().err
    # the field itself, not the object around it (a choice of schemas: object or null)
    assert "at $.records[1].worst.ratio: 'big' is not of type" in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "r").exists()


def with_studies(results):
    """``results`` with every study the report draws (synthetic numbers) and a timed cost
    panel, so the fuzz reaches the studies as well as the records."""
    from report_sample_studies import studies
    out = {**copy.deepcopy(results), "studies": studies(0)}
    n = out["studies"]["cost_scaling"]["n"]
    out["timing"]["cost_scaling"] = {"n": n, "f_s": [1e-6] * len(n),
                                     "series": {"reverse": [3e-6] * len(n)}}
    return out


def test_the_fuzz_base_is_valid_and_renders(real, tmp_path):
    base = with_studies(real)
    assert problems(base) == []
    path = tmp_path / "base.json"
    path.write_text(json.dumps(base))
    assert main(["report", str(path), "--out", str(tmp_path / "r")]) == ExitCode.OK


def fuzz_files(base, count: int, seed: int, tmp_path, render: int):
    """Feed ``count`` mutants of ``base`` to the reader of ``report`` (``load_results``) and
    render up to ``render`` of those it accepts with ``adcheck report``; returns what
    happened to each kind, and the invalid files it accepted."""
    rng = random.Random(seed)
    seen, accepted_invalid, rendered = {}, [], 0
    for n in range(count):
        kind, m = fz.mutant(base, rng)
        path = tmp_path / "fuzz.json"
        path.write_text(fz.text(m))
        try:
            load_results(str(path))
        except UsageError:
            seen[kind, "refused"] = seen.get((kind, "refused"), 0) + 1
            continue
        seen[kind, "accepted"] = seen.get((kind, "accepted"), 0) + 1
        if kind != "any":
            accepted_invalid.append((n, kind))
        elif rendered < render:  # a file the reader lets through must render
            rendered += 1
            rc = main(["report", str(path), "--out", str(tmp_path / f"r{n}")])
            assert rc in (ExitCode.OK, ExitCode.CHECKS_FAILED, ExitCode.NO_TESTS_JUDGED), n
    return seen, accepted_invalid


# `make test` reads the first 150 mutants of the sequence and renders 2 it accepts;
# `make test-all` reads 600 (the issue asks for >= 500) and renders 40.
@pytest.mark.parametrize("count, render", [(150, 2), pytest.param(600, 40,
                                                                  marks=pytest.mark.slow)])
def test_fuzzed_results_files_are_refused_or_render(real, tmp_path, capsys, count, render):
    seen, accepted_invalid = fuzz_files(with_studies(real), count, 14, tmp_path, render)
    assert accepted_invalid == []
    assert "Traceback" not in capsys.readouterr().err
    assert sum(seen.values()) == count
    kinds = {k for k, _ in seen}
    assert kinds >= set(fz.INVALID) | {"any"}, kinds  # every kind of damage was tried


def test_an_engine_named_like_mathtext_renders(real, tmp_path, capsys):
    # the name reached matplotlib's mathtext parser in a plot label: a traceback, exit 3
    data = copy.deepcopy(real)
    for r in data["records"]:
        r["engine"] = "fd$x^$" if r["engine"] == "central" else r["engine"]
    data["run"]["engines"] = ["reverse", "fd$x^$"]
    path = tmp_path / "dollar.json"
    path.write_text(json.dumps(data))
    assert main(["report", str(path), "--out", str(tmp_path / "r")]) == ExitCode.OK
    assert "fd$x^$" in (tmp_path / "r" / "index.html").read_text()


def test_infinite_errors_are_read_where_runs_write_them_and_nowhere_else(real):
    data = copy.deepcopy(real)
    data["records"][0]["worst"]["ulps"] = float("inf")  # an error against an exact zero
    assert problems(data) == []
    data["records"][0]["verified_to"] = float("inf")
    assert "infinite number where no run writes one" in problems(data)[0]
