"""Heavy libraries load on first use: importing adcheck and its engines pulls in none of them."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

from adcheck.engines.lazy import Deferred, lazy

HEAVY = ("sympy", "scipy.special", "scipy.linalg", "hypothesis", "matplotlib", "torch", "jax")


def test_importing_adcheck_and_its_engines_loads_no_heavy_library():
    code = ("import sys, adcheck, adcheck.engines; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_deferred_name_resolves_on_its_first_call_and_then_calls_the_function():
    erf = Deferred("scipy.special.erf")
    assert erf._fn is None
    x = np.array([0.1, -0.5])
    from scipy import special
    np.testing.assert_array_equal(erf(x), special.erf(x))
    assert erf._fn is special.erf


def test_a_lazy_module_hands_out_one_deferred_per_name():
    sympy = lazy("sympy")
    assert sympy.exp is sympy.exp
    assert sympy.exp.path == "sympy.exp"
    with pytest.raises(AttributeError):
        sympy.__wrapped__  # noqa: B018  protocols probing dunders get a plain AttributeError


def test_a_deferred_pickles_by_name():
    back = pickle.loads(pickle.dumps(Deferred("math.sqrt")))
    assert back.path == "math.sqrt" and back(4.0) == 2.0


def test_a_missing_name_fails_on_the_call_naming_it():
    with pytest.raises(AttributeError, match="no_such_function"):
        Deferred("math.no_such_function")(1.0)


def test_a_worker_installs_a_run_of_a_users_identity_without_heavy_libraries(tmp_path):
    """A record with inputs travels without its hypothesis strategy (rebuilt where a failure
    is shrunk), and drawing networks needs no sympy: the worker imports neither."""
    import cloudpickle

    from adcheck.identities import Identity
    from adcheck.identities.strategies import build_network
    rec = Identity(id="T.lazy", section="T", title="t", citation="c", kind="gradient",
                   f=lambda xp, x: xp.sum(x * x), closed_form=lambda xp, x: 2 * x,
                   inputs=lambda d: (build_network(d, depth=(1, 2))[0][0].ravel(),))
    assert rec.strategy is not None
    blob = cloudpickle.dumps({"rec": rec})
    (tmp_path / "blob").write_bytes(blob)
    code = ("import sys, pickle, numpy as np; "
            f"r = pickle.loads(open({str(tmp_path / 'blob')!r}, 'rb').read())['rec']; "
            "r.sample(np.random.default_rng(0)); "
            f"print([m for m in {HEAVY!r} if m in sys.modules]); "
            "print(r.search_strategy() is not None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True"]
