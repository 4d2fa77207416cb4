"""results.json against its published schema: real files pass, mutated files are refused with
the path of the bad field (exit 2), and no mutation ends in a traceback."""

import copy
import json
import random

import pytest
from adcheck_helpers import in_process

from adcheck.cli.main import ExitCode, main
from adcheck.running import results as R
from adcheck.running.validate import SCHEMA_FILE, problems, schema


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
    assert "$.records[1].worst" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


JUNK = [None, True, -1, 0, 1e30, float("nan"), "", "x" * 50, [], {}, [1, "a"], {"k": None}]


def _paths(obj, here=()):
    yield here
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*here, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3]):
            yield from _paths(v, (*here, i))


def mutate(data, rng):
    """One random edit: a value replaced by junk, a key deleted, or a key added."""
    out = copy.deepcopy(data)
    path = rng.choice([p for p in _paths(out) if p])
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    action = rng.random()
    if action < 0.7 or isinstance(parent, list):
        parent[last] = copy.deepcopy(rng.choice(JUNK))
    elif action < 0.85:
        del parent[last]
    else:
        parent[f"{last}-extra"] = rng.choice(JUNK)
    return out


# Breadth: `make test` renders the first 30 mutations, `make test-all` all 120 (same sequence).
@pytest.mark.parametrize("count", [30, pytest.param(120, marks=pytest.mark.slow)])
def test_fuzzed_results_files_never_end_in_a_traceback(real, tmp_path, capsys, count):
    rng = random.Random(14)
    codes = []
    for n in range(count):
        path = tmp_path / f"fuzz{n}.json"
        path.write_text(json.dumps(mutate(real, rng)))
        rc = main(["report", str(path), "--out", str(tmp_path / f"r{n}")])
        err = capsys.readouterr().err
        assert rc in (ExitCode.OK, ExitCode.CHECKS_FAILED, ExitCode.USAGE_ERROR), (n, err)
        assert "Traceback" not in err, (n, err)
        codes.append(rc)
    assert codes.count(ExitCode.USAGE_ERROR) > count // 2  # most mutations break the schema
