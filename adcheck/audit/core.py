"""One audit task: one operation at one dtype, every requested order, measured and searched.

``audit_op`` draws the points (``draws``), has the library compute every quantity
(``quantities``), has the oracle compute the same at 50 digits (``oracle``), measures the errors
in ulps (``measure``), searches around the worst points, and returns one row per order. Nothing
in it raises for a property of the operation: a library without the operation, a mode without a
rule, an operation the oracle cannot evaluate, a spelling that denotes another function, each
becomes the row's ``status`` or ``unsupported`` note.
"""

from __future__ import annotations

import math
import time
import warnings

import mpmath
import numpy as np

from . import draws, measure, oracle
from . import quantities as Q
from .ops import MAPPING_TOL, AuditOp

TARGETS = ("torch", "jax", "adcheck")
SEARCH_ROUNDS, SEARCH_WIDTH = 2, 5
THRESHOLD = 16.0
"""Default ulps beyond conditioning above which a row is flagged and gets a reproducer."""


def _params(n):
    return [f"x{i}" for i in range(n)]


def namespace_program(op: AuditOp):
    """``F(xp, *args)``: the namespace spelling as a function."""
    ps = _params(op.arity)
    return eval(f"lambda xp, {', '.join(ps)}: {op.ns.format(*ps)}", {})  # noqa: S307


def library(target: str):
    """(the names a spelling may use, the function computing a quantity) for ``target``."""
    if target == "torch":
        import torch
        import torch.nn.functional  # noqa: F401
        return {"torch": torch}, Q.torch_quantity
    if target == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.nn  # noqa: F401
        import jax.numpy  # noqa: F401
        import jax.scipy.linalg  # noqa: F401
        import jax.scipy.special  # noqa: F401
        return {"jax": jax}, Q.jax_quantity
    return {}, _own_quantity


def _own_quantity(F, args, spec, w, u, v):
    from adcheck.engines.core import primal
    from adcheck.engines.namespace import ad
    fn = Q.own_function(F, spec, w, u, v)
    return np.asarray(primal(fn(ad, *[np.asarray(a, dtype=np.float64) for a in args])),
                      dtype=np.float64).reshape(-1)


def library_function(op: AuditOp, target: str, env: dict):
    """The library's spelling as a function of its arrays (adcheck: the namespace program)."""
    if target == "adcheck":
        return namespace_program(op)
    ps = _params(op.arity)
    return eval(f"lambda {', '.join(ps)}: {op.spelling(target).format(*ps)}",  # noqa: S307
                {**env, **op.env})


def _library_value(fn, target, args) -> np.ndarray:
    if target == "adcheck":
        from adcheck.engines.namespace import ad
        return np.asarray(fn(ad, *args), dtype=np.float64).reshape(-1)
    if target == "torch":
        import torch
        return fn(*[torch.as_tensor(a) for a in args]).detach().numpy().astype(
            np.float64).reshape(-1)
    import jax.numpy as jnp
    return np.asarray(fn(*[jnp.asarray(a) for a in args]), dtype=np.float64).reshape(-1)


# ------------------------------------------------------------------------------ the points

def _elementwise_points(op, dtype, samples, rng) -> list:
    cols = []
    for dom in op.domains:
        x = draws.spread(rng, dom, 2 * samples + 16, dtype)
        cols.append(x)
    if op.arity == 1:
        x = cols[0]
        x = x[~np.isin(x, np.array(op.kinks, dtype=dtype))][:samples]
        s = draws.special(op.domains[0], dtype)
        s = s[~np.isin(s, np.array(op.kinks, dtype=dtype))]
        return [np.concatenate([s, x])]
    n = min(len(c) for c in cols)
    cols = [c[:min(n, samples)] for c in cols]
    specials = [draws.special(d, dtype) for d in op.domains]
    pairs = [(a, b) for a in specials[0] for b in specials[1]]
    if len(pairs) > 300:
        pairs = [pairs[i] for i in rng.choice(len(pairs), 300, replace=False)]
    return [np.concatenate([np.array([p[k] for p in pairs], dtype=dtype), cols[k]])
            for k in range(2)]


def _mapping(op, target, fn, F, rng) -> str | None:
    """Why the library's spelling is not the namespace's function (None when it is)."""
    if op.elementwise:
        pts = [np.asarray([p for p in draws.spread(rng, d, 400, np.float64)
                           if 0.1 <= abs(p) <= 8][:32]) for d in op.domains]
        n = min(len(p) for p in pts)
        args = [p[:n] for p in pts]
    else:
        args = draws.array_batch(rng, op.domains, op.shapes, 8, np.float64)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        lib = _library_value(fn, target, args)
    ref = oracle.value(F, args)
    with mpmath.workdps(30):
        rel = [float(abs(mpmath.mpf(float(c)) - e) / max(abs(e), mpmath.mpf(1e-300)))
               for c, e in zip(lib, ref)]
    med = float(np.median(rel)) if rel else math.inf
    if not med <= MAPPING_TOL:
        return (f"the {target} spelling {op.spelling(target)!r} differs from the namespace "
                f"spelling {op.ns!r} by a median relative {med:.2e} at float64 "
                f"(> {MAPPING_TOL:g}): not the same function, not audited")
    return None


# --------------------------------------------------------------------------- the measuring

class _Batch:
    """The points measured so far for one (operation, dtype), and their errors per order."""

    def __init__(self, op, target, dtype, orders, fn, F, quantity, rng):
        self.op, self.target, self.dtype, self.orders = op, target, dtype, orders
        self.fn, self.F, self.quantity, self.rng = fn, F, quantity, rng
        self.args: list = []
        self.dirs: list = []  # per batch: the random directions (array operations)
        self.err = {o: [] for o in orders}       # per point
        self.excess = {o: [] for o in orders}
        self.where: dict = {o: [] for o in orders}  # (spec label, component, computed, exact, κ)
        self.digits = {o: [] for o in orders}
        self.uncertain = {o: 0 for o in orders}
        self.unsupported: dict = {}
        self.exact_s = self.library_s = 0.0

    def add(self, args: list) -> None:
        if not len(args[0]):
            return
        n = len(args[0])
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out_shape = self._out_shape(args)
        dirs = None if self.op.elementwise else Q.random_directions(self.rng, args, out_shape)
        shapes = [a.shape for a in args]
        for order in self.orders:
            err = np.zeros(n)
            exc = np.zeros(n)
            where = [None] * n
            dig = np.full(n, float(oracle.LOW))
            exact_cache: dict = {}
            for spec in Q.specs(self.op, order):
                w, u, v = Q.directions(self.op, args, out_shape, spec, dirs)
                t0 = time.perf_counter()
                try:
                    with warnings.catch_warnings(), np.errstate(all="ignore"):
                        warnings.simplefilter("ignore")
                        got = np.asarray(self.quantity(self.fn if self.target != "adcheck"
                                                       else self.F, args, spec, w, u, v),
                                         dtype=np.float64)
                except Exception as e:  # noqa: BLE001  the library cannot take this mode
                    # (no forward rule, a custom function functorch refuses): said per mode
                    self.unsupported[spec.label] = f"{type(e).__name__}: " + \
                        (str(e).splitlines() or [""])[0][:200]
                    continue
                self.library_s += time.perf_counter() - t0
                t0 = time.perf_counter()
                ex = self._exact(spec, args, w, u, v, exact_cache)
                lay = Q.layout(self.op, spec, shapes, out_shape)
                e_ulps = measure.ulps(got, ex["value"], self.dtype)
                self.got_now = got
                ex = self._certify(spec, args, w, u, v, lay, n, ex, e_ulps)
                self.exact_s += time.perf_counter() - t0
                ok = ex["digits"] >= oracle.MIN_DIGITS
                kappa = ex["kappa"]
                with np.errstate(invalid="ignore"):
                    e_exc = np.where(np.isinf(e_ulps), np.inf,
                                     e_ulps / np.fmax(1.0, np.nan_to_num(kappa, nan=1.0)))
                e_ulps = np.where(ok, e_ulps, -1.0)
                e_exc = np.where(ok, e_exc, -1.0)
                p_err = measure.per_point(e_ulps, lay, n)
                p_exc = measure.per_point(e_exc, lay, n)
                p_dig = measure.per_point(ex["digits"], lay, n, reduce=np.min)
                self._locate(where, lay, n, spec, e_exc, got, ex, p_exc, exc)
                err = np.maximum(err, p_err)
                exc = np.maximum(exc, p_exc)
                dig = np.minimum(dig, p_dig)
            bad = dig < oracle.MIN_DIGITS
            self.uncertain[order] += int(bad.sum())
            self.err[order].append(np.where(bad, np.nan, err))
            self.excess[order].append(np.where(bad, np.nan, exc))
            self.where[order] += where
            self.digits[order].append(dig)
        self.args.append(args)
        self.dirs.append(dirs)

    def _certify(self, spec, args, w, u, v, lay, n, ex, e_ulps) -> dict:
        """Certified digits at the points erring by more than half an ulp or where the exact
        value is zero (at the others the library agrees with the 50-digit value to within
        rounding, which an oracle wrong by more than that could not produce but by
        coincidence; a zero may be a cancellation the library shares), and condition numbers where
        they can change the largest error beyond conditioning.

        Since err/max(1, κ) ≤ err, the condition numbers are computed for the points in
        decreasing order of error, in growing chunks, until the largest ratio found is at
        least the error of every point left (branch and bound: the maximum is exact, and a
        point left without κ counts as no error beyond conditioning)."""
        p_err = measure.per_point(e_ulps, lay, n)
        zero = np.array([v == 0 for v in ex["value"]], dtype=bool)
        has_zero = measure.per_point(zero.astype(float), lay, n) > 0
        need = np.nonzero(~(p_err <= 0.5) | has_zero)[0]
        out = {"value": ex["value"], "digits": np.full(len(e_ulps), float(oracle.LOW)),
               "kappa": np.full(len(e_ulps), np.inf)}
        small = measure.components(lay, n, np.nonzero(p_err <= 0.5)[0])
        out["kappa"][small] = 0.0
        if not len(need):
            return out
        w = np.asarray(w)

        def sub(pts, condition):
            return oracle.exact(self.F, [a[pts] for a in args], spec,
                                w[pts] if w.ndim else w, [d[pts] for d in u],
                                [d[pts] for d in v], condition=condition,
                                elementwise=self.op.elementwise,
                                known=out["value"][measure.components(lay, n, pts)])
        digs = sub(need, condition=False)["digits"]
        out["digits"][measure.components(lay, n, need)] = digs
        for high, low in oracle.ESCALATE:  # more digits where a rule cancels; a value
            # that is exactly zero at both precisions may be a cancellation too (expm1' =
            # ans + 1 at x = -150 is -1 + 1 at 50 digits, and so is jax's rule in floats): it
            # is recomputed, and accepted as zero after the last precision
            digits_now = out["digits"].copy()
            digits_now[np.array([v == 0 for v in out["value"]], dtype=bool)] = 0.0
            short = need[measure.per_point(digits_now, lay, n, reduce=np.min)[need]
                         < oracle.MIN_DIGITS]
            if not len(short):
                break
            comps = measure.components(lay, n, short)
            got = oracle.exact(self.F, [a[short] for a in args], spec,
                               w[short] if w.ndim else w, [d[short] for d in u],
                               [d[short] for d in v], condition=False,
                               elementwise=self.op.elementwise, digits_at=(high, low))
            out["value"] = out["value"].copy()
            out["value"][comps] = got["value"]
            out["digits"][comps] = got["digits"]
            e_ulps[comps] = measure.ulps(self.got_now[comps], got["value"], self.dtype)
            p_err = measure.per_point(e_ulps, lay, n)
        order = need[np.argsort(-np.nan_to_num(p_err[need], posinf=1e308))]
        best, at, size = 0.0, 0, 8
        while at < len(order):
            if not np.isinf(p_err[order[at]]) and p_err[order[at]] <= max(best, 1.0):
                break
            pts = np.sort(order[at:at + size])
            comps = measure.components(lay, n, pts)
            kap = sub(pts, condition=True)["kappa"]
            out["kappa"][comps] = kap
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = e_ulps[comps] / np.fmax(1.0, kap)
            ok = out["digits"][comps] >= oracle.MIN_DIGITS
            finite = ok & np.isfinite(ratio)
            if finite.any():
                best = max(best, float(ratio[finite].max()))
            at += size
            size *= 2
        return out

    def _out_shape(self, args):
        """The output's shape, from the namespace program (whatever the target)."""
        from adcheck.engines.namespace import ad
        return np.shape(self.F(ad, *[np.asarray(a, dtype=np.float64) for a in args]))

    def _exact(self, spec, args, w, u, v, cache):
        """The oracle's quantity; an elementwise operation's modes share their partials."""
        op = self.op
        if not op.elementwise:
            return oracle.exact(self.F, args, spec, w, u, v, certify=False)
        n = len(args[0])
        if spec.order == 1:
            if "grad" not in cache:
                ones = np.ones(n)
                cache["grad"] = oracle.exact(self.F, args, Q.Spec("grad"), ones,
                                             [ones] * op.arity, [ones] * op.arity,
                                             certify=False)
            g = cache["grad"]
            if spec.mode == "grad":
                return g
            sl = slice(spec.along * n, (spec.along + 1) * n)
            return {k: g[k][sl] for k in g}
        key = ("fwd-rev", spec.along)
        if spec.mode == "fwd-rev":
            if key not in cache:
                cache[key] = oracle.exact(self.F, args, spec, w, u, v, certify=False)
            return cache[key]
        parts = []  # rev-rev along i: piece j is ∂j∂i f, piece i of fwd-rev along j
        for j in range(op.arity):
            kj = ("fwd-rev", j)
            if kj not in cache:
                onehot = [np.full(n, 1.0 if k == j else 0.0) for k in range(op.arity)]
                cache[kj] = oracle.exact(self.F, args, Q.Spec("fwd-rev", j), np.ones(n),
                                         onehot, onehot, certify=False)
            parts.append(cache[kj])
        i = spec.along
        sl = slice(i * n, (i + 1) * n)
        return {k: np.concatenate([p[k][sl] for p in parts]) for k in parts[0]}

    def _locate(self, where, lay, n, spec, e_exc, got, ex, p_exc, exc_so_far):
        """Remember, per point, the component with the largest error beyond conditioning."""
        at, cols = 0, []
        for shp in lay:
            size = int(np.prod(shp, dtype=np.int64))
            cols.append(np.arange(at, at + size).reshape(n, -1))
            at += size
        idx = np.concatenate(cols, axis=1)
        piece = np.concatenate([np.full(c.shape, j) for j, c in enumerate(cols)], axis=1)
        pick = np.argmax(e_exc[idx], axis=1)
        best = idx[np.arange(n), pick]
        for p in np.nonzero((p_exc > exc_so_far) | np.array([w is None for w in where]))[0]:
            c = int(best[p])
            where[p] = (spec.label, c, float(got[c]), mpmath.nstr(ex["value"][c], 30),
                        float(ex["kappa"][c]), float(e_exc[c]), int(piece[p, pick[p]]),
                        int(c - cols[int(piece[p, pick[p]])][p, 0]))

    # ------------------------------------------------------------------ reading the results
    def stacked(self, order):
        return np.concatenate(self.err[order]), np.concatenate(self.excess[order])

    def point(self, k):
        """Point ``k`` (over all batches): its argument values."""
        return self.locate(k)[0]

    def locate(self, k):
        """Point ``k``'s argument values and its batch's directions at it (or None)."""
        for args, dirs in zip(self.args, self.dirs):
            n = len(args[0])
            if k < n:
                d = None if dirs is None else {"w": dirs.w[k], "u": [x[k] for x in dirs.u],
                                                "v": [x[k] for x in dirs.v]}
                return [a[k] for a in args], d
            k -= n
        raise IndexError(k)


def _search(batch: _Batch, order: int) -> None:
    """Add the neighbours of the worst points found so far (the local search)."""
    _, exc = batch.stacked(order)
    ranked = [int(k) for k in np.argsort(-np.nan_to_num(exc, nan=-1.0))]
    picked, seen = [], set()
    for k in ranked:
        pt = batch.point(k)
        key = tuple(np.asarray(p).tobytes() for p in pt)
        if key not in seen:
            seen.add(key)
            picked.append(pt)
        if len(picked) == SEARCH_WIDTH:
            break
    op = batch.op
    if op.elementwise:
        new = [[] for _ in range(op.arity)]
        for pt in picked:
            for k in range(op.arity):
                near = draws.neighbours(float(pt[k]), op.domains[k], batch.dtype)
                near = near[~np.isin(near, np.array(op.kinks, dtype=batch.dtype))]
                for j in range(op.arity):
                    new[j].append(near if j == k else
                                  np.full(len(near), pt[j], dtype=batch.dtype))
        batch.add([np.concatenate(c) for c in new])
    else:
        for pt in picked:
            args = [np.asarray(p)[None] for p in pt]
            batch.add(draws.array_neighbours(batch.rng, args, 0, batch.dtype, count=12))


def _edges(batch: _Batch, quantity_grad) -> None:
    """Bisect to the turn from finite to non-finite of the library's first derivative."""
    op = batch.op
    if not op.elementwise or op.arity != 1:
        return
    xs = np.sort(np.concatenate([a[0] for a in batch.args]))

    def bad(x):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                g = quantity_grad(np.array([x], dtype=batch.dtype))
            except Exception:  # noqa: BLE001  a library failing at a point is a bad point
                return True
        return not np.all(np.isfinite(g))
    found = []
    for sign in (1, -1):
        side = xs[(xs * sign) > 0] * sign
        side = np.sort(side)
        flags = [bad(float(x * sign)) for x in side]
        for i in range(len(side) - 1):
            if flags[i] != flags[i + 1] and len(found) < 8:
                g, b = (side[i], side[i + 1]) if not flags[i] else (side[i + 1], side[i])
                lo, hi = draws.bisect_edge(float(g * sign), float(b * sign),
                                           bad, batch.dtype)
                found += [lo, hi]
    if found:
        pts = np.array(found, dtype=batch.dtype)
        pts = pts[draws.inside(op.domains[0], pts.astype(np.float64))]
        batch.add([pts])


# ------------------------------------------------------------------------------ the task

def audit_op(target: str, op: AuditOp, dtype: str, orders=(1, 2), samples: int = 1000,
             seed: int = 0, threshold: float = THRESHOLD) -> list[dict]:
    """The rows of one operation at one dtype (one per order)."""
    orders = tuple(o for o in orders if o <= op.order)
    base = {"target": target, "op": op.name, "dtype": dtype, "kind":
            "elementwise" if op.elementwise else "array", "spelling": op.spelling(target),
            "domain": ", ".join(op.domains)}
    if not orders:
        return []
    rows = [dict(base, order=o) for o in orders]
    if op.spelling(target) is None:
        return [dict(r, status="not offered", note=f"{target} has no such operation")
                for r in rows]
    if target == "adcheck" and dtype != "float64":
        return [dict(r, status="not offered", note="adcheck's engines compute in float64")
                for r in rows]
    rng = np.random.default_rng([seed, sum(map(ord, op.name)), len(dtype)])
    env, quantity = library(target)
    F = namespace_program(op)
    try:
        fn = library_function(op, target, env)
        wrong = _mapping(op, target, fn, F, rng)
    except Exception as e:  # noqa: BLE001  the oracle or the library cannot evaluate it
        msg = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
        return [dict(r, status="no oracle", note=f"the value could not be compared: {msg}")
                for r in rows]
    if wrong:
        return [dict(r, status="mapping mismatch", note=wrong) for r in rows]
    t0 = time.perf_counter()
    batch = _Batch(op, target, dtype, orders, fn, F, quantity, rng)
    if op.elementwise:
        batch.add(_elementwise_points(op, dtype, samples, rng))

        def grad(x):
            one = np.ones(1, dtype=dtype)
            return quantity(fn if target != "adcheck" else F, [x], Q.Spec("grad"), one,
                            [one], [one])
        _edges(batch, grad)
    else:
        batch.add(draws.array_batch(rng, op.domains, op.shapes, samples, dtype))
    for order in orders:
        for _ in range(SEARCH_ROUNDS):
            _search(batch, order)
    seconds = time.perf_counter() - t0
    return [_row(dict(r), batch, r["order"], threshold, seconds) for r in rows]


def _row(row, batch: _Batch, order: int, threshold: float, seconds: float) -> dict:
    """The statistics of one order. Points where the library's result is not finite while
    the exact value is (or finite where the exact value lies past the float range) are
    counted apart (``nonfinite``, with the first such input); the ulps statistics are over
    the others, where both results are numbers of the dtype."""
    err, exc = batch.stacked(order)
    counted = ~np.isnan(err)
    row.update(points=int(counted.sum()), uncertain=batch.uncertain[order],
               unsupported={k: v for k, v in batch.unsupported.items()
                            if Q.Spec(k.split()[0]).order == order},
               seconds=round(seconds, 2), exact_seconds=round(batch.exact_s, 2))
    if not counted.any():
        row.update(status="no oracle", note="no point certified by the oracle")
        return row
    inf = counted & np.isinf(err)
    row.update(status="measured", nonfinite=int(inf.sum()),
               nonfinite_at=_at(batch, order, int(np.nonzero(inf)[0][0])) if inf.any() else None)
    finite = counted & ~inf
    digs = np.concatenate(batch.digits[order])[counted]
    row["oracle_digits"] = round(float(digs.min()), 1)
    if not finite.any():
        row.update(max_ulps=None, max_excess=None, worst=None, worst_beyond=None,
                   flagged=True, **measure.summary(err[finite]))
        return row
    idx = np.nonzero(finite)[0]
    worst, worst_x = int(idx[np.argmax(err[finite])]), int(idx[np.argmax(exc[finite])])
    row.update(max_ulps=float(err[worst]), max_excess=float(exc[worst_x]),
               worst=_at(batch, order, worst), worst_beyond=_at(batch, order, worst_x),
               flagged=bool(exc[worst_x] > threshold), **measure.summary(err[finite]))
    return row


def _num(v) -> float | str:
    return "inf" if math.isinf(v) else float(v)


def _at(batch, order, k) -> dict:
    label, comp, got, exact, kappa, exc, piece, within = batch.where[order][k]
    pt, dirs = batch.locate(k)
    out = {}
    if dirs is not None:  # the directions the quantity was taken along, for the reproducer
        w = np.ones_like(dirs["w"]) if label == "grad" else dirs["w"]
        out["directions"] = {"w": np.asarray(w, dtype=np.float64).tolist(),
                             "u": [np.asarray(x, dtype=np.float64).tolist() for x in dirs["u"]],
                             "v": [np.asarray(x, dtype=np.float64).tolist() for x in dirs["v"]]}
    return out | {"input": [np.asarray(p, dtype=np.float64).tolist() for p in pt], "mode": label,
            "piece": piece, "index": within, "computed": repr(got), "exact": exact,
            "kappa": _num(kappa), "ulps_beyond": _num(exc)}
