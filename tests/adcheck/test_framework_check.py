"""The framework-neutral parts of the drop-in checks: imports, exact AD, the judge's rules."""

import subprocess
import sys

import numpy as np

from adcheck.frameworks import check as fc

BLOCK = """
import sys
sys.path.insert(0, sys.argv[1])  # a torch and a jax that fail to import, as when absent
import adcheck.torch, adcheck.jax
for call in (lambda: adcheck.torch.gradcheck(None, ()),
             lambda: adcheck.jax.check_grads(None, (), 1)):
    try:
        call()
    except ImportError as e:
        print(e)
"""


def test_entry_points_import_without_their_library_and_fail_clearly_when_called(tmp_path):
    for lib in ("torch", "jax"):
        (tmp_path / lib).mkdir()
        (tmp_path / lib / "__init__.py").write_text(f"raise ImportError('no {lib} here')\n")
    out = subprocess.run([sys.executable, "-c", BLOCK, str(tmp_path)], capture_output=True,
                         text=True, check=True).stdout
    assert "adcheck.torch needs PyTorch: pip install" in out
    assert "adcheck.jax needs JAX: pip install" in out


def _problem(claim_factor):
    def F(xp, x):
        return xp.reshape(xp.sum(xp.tanh(x) * x), (-1,))
    x = np.array([0.3, -1.2, 2.0])
    true = np.tanh(x) + x / np.cosh(x) ** 2
    return fc.Problem(["x"], [x], "float64", 1, lambda ct: [claim_factor * ct[0] * true],
                      lambda xs: np.array([np.sum(np.tanh(xs[0]) * xs[0])]), F)


def test_judge_passes_a_right_claim_and_fails_a_wrong_one_with_a_diagnosis():
    assert fc.judge(_problem(1.0), "t").verdict == "pass"
    v = fc.judge(_problem(2.0), "t")
    assert v.verdict == "fail" and "factor 2" in v.message and "input 0 (x" in v.message


def test_without_a_program_the_reference_is_richardson_and_the_verdict_says_why():
    p = _problem(1.0)
    p.program, p.untranslated = None, "no translation for: special_i0"
    v = fc.judge(p, "t")
    assert v.verdict == "pass" and "fallback route" in v.reference and "special_i0" in v.reference
    p2 = _problem(1.01)
    p2.program = None
    assert fc.judge(p2, "t").verdict == "fail"


def test_probing_states_its_miss_probability_and_catches_a_wrong_claim():
    v = fc.judge(_problem(1.0), "t", probe_above=0)
    assert v.verdict == "pass" and 0 <= v.miss_probability <= 1
    assert "escapes every probe with probability" in v.message
    assert fc.judge(_problem(1.01), "t", probe_above=0).verdict == "fail"


def test_ceiling_keeps_the_same_share_of_the_digits_per_dtype():
    assert fc.ceiling(1, fc.UNIT_ROUNDOFF["float64"]) == 1e-6
    c32 = fc.ceiling(1, fc.UNIT_ROUNDOFF["float32"])
    assert 1e-3 < c32 < 1e-2
