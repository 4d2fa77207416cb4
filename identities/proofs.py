"""Proof status of each record, computed by sympy (never typed in).

- ``general``: the record's matrix-expression form (``extra["proof"]["general"]``, sympy
  ``MatrixSymbol`` at symbolic dimension) differentiates to its closed form, and the
  namespace closed form agrees with sympy componentwise at every fixed size below.
- ``fixed-size``: componentwise sympy proof for every case of ``extra["proof"]["cases"]``
  (all sizes up to 4; networks of depth <= 3 and width <= 3): the derivative of ``f`` taken
  entry by entry with ``sympy.diff`` minus the closed form simplifies to 0.
- ``numeric``: no proof applies (cost and property claims, residuals, records without cases,
  or a case sympy could not reduce to 0); only the numerical checks stand.

Results are memoized in memory and on disk, keyed by a fingerprint of the record's source code
and the sympy version, so an edited record is proved again. Two files are read: ``proofs.json``
beside this file (shipped with the package, read-only at run time) and ``proofs.json`` in the
user's cache folder (``$ADCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/adcheck``, else
``~/.cache/adcheck``). New proofs go to the user's cache only, so nothing is ever written into
an installed package; ``write_shipped`` (``make proofs``) refreshes the shipped file.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import sympy

SHIPPED_FILE = Path(__file__).with_name("proofs.json")
_MEMO: dict[str, ProofStatus] = {}


@dataclass(frozen=True)
class ProofStatus:
    """``status`` is "general", "fixed-size" or "numeric"; ``detail`` says what was proved."""

    status: str
    detail: str
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _source(obj) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return repr(obj)


def fingerprint(identity) -> str:
    """A hash of everything the proof depends on: the code of f, closed form, proof forms."""
    spec = identity.extra.get("proof", {})
    parts = [identity.id, identity.kind, str(identity.wrt), sympy.__version__,
             _source(identity.f), _source(identity.closed_form),
             *(_source(v) for v in spec.values() if callable(v)),
             *(_source(m) for m in _helper_modules(identity))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _helper_modules(identity):
    """Modules whose code the record's functions call (networks, activations, pde)."""
    import sys

    mods = {getattr(identity.f, "__module__", None),
            getattr(identity.closed_form, "__module__", None)}
    extra = {f"adcheck.identities.{m}" for m in ("networks", "activations", "pde")}
    return [sys.modules[m] for m in sorted((mods - {None}) | extra) if m in sys.modules]


# ----------------------------------------------------------------------------- building

def _symmetric_symbols(name, n):
    s = sympy.symbols(f"{name}0:{n * (n + 1) // 2}", real=True)
    out, k = np.empty((n, n), dtype=object), 0
    for i in range(n):
        for j in range(i, n):
            out[i, j] = out[j, i] = s[k]
            k += 1
    return out


def _build_args(case):
    """Symbolic arguments of one case: ("sym", shape), ("symmetric", (n, n)) or a constant."""
    from adcheck.engines.symbolic import symbols_like, to_sym

    args = []
    for i, spec in enumerate(case):
        name = f"a{i}_"
        if isinstance(spec, tuple) and spec and spec[0] == "sym":
            args.append(symbols_like(name, spec[1]))
        elif isinstance(spec, tuple) and spec and spec[0] == "symmetric":
            args.append(_symmetric_symbols(name, spec[1][0]))
        else:
            args.append(np.asarray(spec) if np.asarray(spec).dtype.kind in "iu" else to_sym(spec))
    return args


def _derivative(kind, out, x):
    from adcheck.engines.symbolic import hessian_expr, jacobian_expr

    if kind in ("jacobian", "gradient"):
        return jacobian_expr(out, x)
    h = hessian_expr(out, x)
    if kind == "hessian":
        return h
    n = x.size
    return np.asarray(sum(h.reshape(n, n)[i, i] for i in range(n)), dtype=object)


def _opaque(e):
    """Replace each applied function (tanh(z), exp(z), ...) by a fresh symbol, outermost
    first; exp(-a) becomes 1/exp(a). Zero as a rational function of these independent
    symbols implies zero (the converse need not hold: a failure here is not a disproof)."""
    rep, names = {}, {}

    def sym(key):
        return names.setdefault(key, sympy.Symbol(f"_F{len(names)}"))

    for atom in e.atoms(sympy.Function):
        if isinstance(atom, sympy.exp) and atom.args[0].could_extract_minus_sign():
            rep[atom] = 1 / sym(sympy.exp(-atom.args[0]))
        else:
            rep[atom] = sym(atom)
    return e.xreplace(rep)


def _is_zero(e) -> bool:
    """Exact zero test: floats made rational, functions opaque, then rational cancellation."""
    if e == 0:
        return True
    e = e.xreplace({f: sympy.Rational(f) for f in e.atoms(sympy.Float)})  # binary floats: exact
    return sympy.expand(e) == 0 or sympy.cancel(_opaque(e)) == 0


def prove_case(identity, case) -> bool:
    """Componentwise proof of one case: d f (sympy.diff) equals the closed form exactly."""
    from adcheck.engines.symbolic import sym_ns, to_sym

    args = _build_args(case)
    x = args[identity.wrt]
    lhs = _derivative(identity.kind, to_sym(identity.f(sym_ns, *args)), x)
    rhs = to_sym(identity.closed_form(sym_ns, *args))
    if np.shape(lhs) != np.shape(rhs):
        return False
    return all(_is_zero(a - b) for a, b in zip(np.ravel(lhs), np.ravel(rhs)))


def prove_general(identity) -> bool:
    """The matrix-expression form: derivative minus closed form expands to zero."""
    lhs, rhs = identity.extra["proof"]["general"]()
    diff = (lhs - rhs).expand().doit()
    return diff == 0 or isinstance(diff, sympy.ZeroMatrix) or getattr(diff, "is_zero", False)


def _describe(cases) -> str:
    shapes = ["x".join(str(s) for s in spec[1]) if isinstance(spec, tuple) else "arch"
              for spec in cases[0]]
    last = ["x".join(str(s) for s in spec[1]) if isinstance(spec, tuple) else "arch"
            for spec in cases[-1]]
    return f"{len(cases)} cases, argument shapes from ({', '.join(shapes)}) to ({', '.join(last)})"


def _no_symbolic_form(identity) -> bool:
    spec = identity.extra.get("proof")
    return not spec or identity.closed_form is None or identity.kind in ("residual", "cost",
                                                                         "property")


def compute(identity) -> ProofStatus:
    """Run the proofs of one record (slow: sympy)."""
    start = time.perf_counter()
    spec = identity.extra.get("proof")
    if _no_symbolic_form(identity):
        return ProofStatus("numeric", "no symbolic form applies; numerical checks only",
                           round(time.perf_counter() - start, 3))
    cases = spec["cases"]()
    failed = [i for i, case in enumerate(cases) if not prove_case(identity, case)]
    seconds = round(time.perf_counter() - start, 3)
    if failed:
        return ProofStatus("numeric", f"sympy could not reduce {len(failed)} of {len(cases)} "
                                      f"fixed-size cases to 0 (first: case {failed[0]})",
                           seconds)
    fixed = f"componentwise sympy.diff minus closed form is 0: {_describe(cases)}"
    if "general" in spec and prove_general(identity):
        note = spec.get("note", "")
        return ProofStatus("general", "sympy MatrixSymbol derivative at symbolic dimension "
                           f"equals the closed form{'; ' + note if note else ''}; and {fixed}",
                           round(time.perf_counter() - start, 3))
    return ProofStatus("fixed-size", fixed, seconds)


# ------------------------------------------------------------------------------ caching

def user_cache_file() -> Path:
    """The user's proof cache: $ADCHECK_CACHE_DIR, $XDG_CACHE_HOME/adcheck or ~/.cache/adcheck."""
    root = os.environ.get("ADCHECK_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(xdg, "adcheck")
    return Path(root) / "proofs.json"


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _cached(identity_id: str, key: str) -> ProofStatus | None:
    """The shipped entry of this id when its fingerprint matches, else the user's by key."""
    hit = _read(SHIPPED_FILE).get(identity_id)
    if not (hit and hit.get("fingerprint") == key):
        hit = _read(user_cache_file()).get(key)
    if not hit:
        return None
    return ProofStatus(hit["status"], hit["detail"], hit.get("seconds", 0.0))


def _store(key: str, result: ProofStatus) -> None:
    """Add a proof to the user's cache, keyed by fingerprint (an edited copy never collides)."""
    path = user_cache_file()
    cache = _read(path)
    if cache.get(key) == result.as_dict():
        return
    cache[key] = result.as_dict()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)
    except OSError:
        pass  # no writable cache folder: memoized in memory only


def status(identity, *, use_cache: bool = True) -> ProofStatus:
    """The record's proof status, from a cache when its fingerprint still matches."""
    key = fingerprint(identity)
    memo_key = f"{identity.id}:{key}"
    if use_cache and memo_key in _MEMO:
        return _MEMO[memo_key]
    result = _cached(identity.id, key) if use_cache else None
    if result is None:
        result = compute(identity)
        _store(key, result)
    _MEMO[memo_key] = result
    return result


def known(identity) -> ProofStatus | None:
    """The record's proof status when it can be had without running any of its code (``f``,
    the closed form, ``extra["proof"]``): remembered, in a cache, or numeric because no
    symbolic form applies; None when only ``compute`` can say."""
    if _no_symbolic_form(identity):
        return ProofStatus("numeric", "no symbolic form applies; numerical checks only")
    key = fingerprint(identity)
    return _MEMO.get(f"{identity.id}:{key}") or _cached(identity.id, key)


def write_shipped(records) -> Path:
    """Prove ``records`` (the catalogue) and rewrite the shipped ``proofs.json`` with them."""
    entries = {}
    for rec in records:
        entries[rec.id] = {"fingerprint": fingerprint(rec), **status(rec).as_dict()}
    SHIPPED_FILE.write_text(json.dumps(entries, indent=1, sort_keys=True) + "\n")
    return SHIPPED_FILE
