"""The published audits (docs/audit): every flagged float64 row's reproducer, run against the
installed library, errs by more than the threshold too (it may differ from the batch's value
in the last bits: one point takes other code paths), and mpmath, with none of adcheck's
derivative rules (``adcheck.audit.confirm``), confirms that it errs by more than the threshold.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import mpmath
import pytest

from adcheck.audit import confirm
from adcheck.audit.ops import OPS

AUDITS = Path(__file__).resolve().parents[2] / "docs" / "audit"

RUN_ALL = """
import contextlib, io, json, sys
out = []
for line in json.load(sys.stdin):
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            exec(line, {})
        out.append(buf.getvalue().strip())
    except Exception as e:
        out.append(f"raised {type(e).__name__}: {e}")
print(json.dumps(out))
"""


def flagged_rows(path: Path, dtype="float64") -> list:
    data = json.loads(path.read_text())
    return data, [r for r in data["rows"] if r.get("flagged") and r["dtype"] == dtype
                  and r.get("worst_beyond")]


def run_reproducers(lines) -> list:
    res = subprocess.run([sys.executable, "-c", RUN_ALL], input=json.dumps(lines),
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def confirm_rows(rows, printed, threshold):
    for row, got in zip(rows, printed):
        at = row["worst_beyond"]
        where = f"{row['op']} order {row['order']} at {at['input']} ({at['mode']})"
        # the line runs one point where the audit ran a batch: jax and torch may take other
        # code paths (vector units, fused operations), so the value need not be the same
        # bits; what must reproduce is an error above the threshold
        with mpmath.workdps(confirm.DPS):
            true = confirm.derivative(OPS[row["op"]], at)
            oracle = mpmath.mpf(at["exact"])
            lib_err = abs(mpmath.mpf(float(got)) - oracle)
            # mpmath's value is close enough to the oracle's to judge the library's error
            assert abs(true - oracle) <= lib_err / 100, (where, true, oracle)
        assert confirm.ulps_of(float(got), true, row["dtype"]) > threshold * 0.99, where


def worst_row_of_each_op(rows) -> list:
    """One row an operation: its largest error (beyond the condition number) of the flagged."""
    worst = {}
    for r in rows:
        if r["op"] not in worst or r["max_excess"] > worst[r["op"]]["max_excess"]:
            worst[r["op"]] = r
    return list(worst.values())


def published(target):
    path = AUDITS / f"audit-{target}.json"
    assert path.exists(), f"{path} is published with the project"
    if importlib.util.find_spec(target) is None:
        pytest.skip(f"{target} is not installed (make extras)")
    data, rows = flagged_rows(path)
    if data["versions"][target] != version(target):
        pytest.skip(f"the audit is of {target} {data['versions'][target]}, "
                    f"{version(target)} is installed: rerun `adcheck audit {target}`")
    assert rows, "the published audit flags rows"
    return data, rows


@pytest.mark.parametrize("target", ["torch", "jax"])
def test_every_flagged_operation_reproduces_and_mpmath_confirms_it(target):
    """Each flagged operation, at its worst row (the fast suite: one line an operation)."""
    data, rows = published(target)
    rows = worst_row_of_each_op(rows)
    printed = run_reproducers([r["repro"] for r in rows])
    confirm_rows(rows, printed, data["parameters"]["threshold"])


@pytest.mark.slow
@pytest.mark.parametrize("target", ["torch", "jax"])
def test_every_flagged_row_reproduces_and_mpmath_confirms_it(target):
    """Every flagged row (op x order x mode): `make test-all`."""
    data, rows = published(target)
    printed = run_reproducers([r["repro"] for r in rows])
    confirm_rows(rows, printed, data["parameters"]["threshold"])
