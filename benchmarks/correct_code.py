"""Correct-code campaign: ``check()`` on functions whose derivatives are right by construction.

Linear and multilinear functions, reductions and shape functions (dot, outer, cumsum,
concatenate, flipud, rot90, sums over axes, mean/std/var, norms, ...), each checked at first
order (kind="gradient") and second order (kind="hessian"), with the default engines and with
a two-family set (adcheck's AD and central), over random inputs. Every ``fail`` is a false
alarm, and every ``inconclusive`` is counted with the reason its engines state; "no majority"
among engines that agree would be a needless one.

``python -m benchmarks correct_code`` runs 10 inputs a function (2,400 checks);
``python -m benchmarks.correct_code N [SEED]`` runs N.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

import numpy as np

DEFAULT_N = 10
ENGINE_SETS = {
    1: {"default": None, "two families": ("reverse", "forward", "central")},
    2: {"default": None,
        "two families": ("forward-over-reverse", "reverse-over-reverse", "central")},
}
KIND_AT_ORDER = {1: "gradient", 2: "hessian"}


def _w(rng, *shape):
    """A fixed random weight: contracting an output with it makes every entry count."""
    return rng.standard_normal(shape)


def _x(rng, *shape):
    """An input: normal entries at a scale drawn log-uniformly in [0.1, 10]."""
    return float(np.exp(rng.uniform(np.log(0.1), np.log(10.0)))) * rng.standard_normal(shape)


def _linear(rng):
    """Linear functions of x, as (name, f, x): their Hessians are exactly zero."""
    a, b = _w(rng, 3, 4), _w(rng, 4, 3)
    w3, w4, w34, w43, w33 = _w(rng, 3), _w(rng, 4), _w(rng, 3, 4), _w(rng, 4, 3), _w(rng, 3, 3)
    x4, x34, x234 = (_x(rng, 4), _x(rng, 3, 4), _x(rng, 2, 3, 4))
    return [
        ("dot", lambda xp, x: xp.dot(w3, xp.dot(a, x)), x4),
        ("dot(matrix)", lambda xp, x: xp.sum(w34 * xp.dot(x, b @ a)), x34),
        ("matmul", lambda xp, x: xp.sum(w33 * (a @ x.T)), x34),
        ("outer", lambda xp, x: xp.sum(w34 * xp.outer(w3, x)), x4),
        ("cumsum", lambda xp, x: xp.dot(w4, xp.cumsum(x)), x4),
        ("cumsum(axis)", lambda xp, x: xp.sum(w34 * xp.cumsum(x, axis=1)), x34),
        ("concatenate", lambda xp, x: xp.sum(_w(np.random.default_rng(1), 8)
                                             * xp.concatenate([x, 2.0 * x])), x4),
        ("flipud", lambda xp, x: xp.sum(w34 * xp.flipud(x)), x34),
        ("rot90", lambda xp, x: xp.sum(w43 * xp.rot90(x)), x34),
        ("sum(axis=(0, 2))", lambda xp, x: xp.dot(w3, xp.sum(x, axis=(0, 2))), x234),
        ("mean(axis=0)", lambda xp, x: xp.dot(w4, xp.mean(x, axis=0)), x34),
        ("trace", lambda xp, x: xp.trace(b @ x), x34),
        ("transpose", lambda xp, x: xp.sum(w43 * xp.transpose(x)), x34),
        ("reshape", lambda xp, x: xp.sum(w43 * xp.reshape(x, (4, 3))), x34),
        ("tile", lambda xp, x: xp.sum(xp.tile(x, 2) * xp.concatenate([w4, w4[::-1]])), x4),
        ("roll", lambda xp, x: xp.dot(w4, xp.roll(x, 1)), x4),
        ("diff", lambda xp, x: xp.dot(w3, xp.diff(x)), x4),
        ("einsum", lambda xp, x: xp.einsum("ij,ij->", w34, x), x34),
        ("tensordot", lambda xp, x: xp.sum(xp.tensordot(x, b, axes=1) * _w(
            np.random.default_rng(2), 2, 3, 3)), x234),
        ("stack", lambda xp, x: xp.sum(xp.stack([x, -x, 3.0 * x]) * _w(
            np.random.default_rng(3), 3, 4)), x4),
        ("pad", lambda xp, x: xp.sum(xp.pad(x, 1) * _w(np.random.default_rng(4), 5, 6)), x34),
        ("tril", lambda xp, x: xp.sum(w34 * xp.tril(x)), x34),
        ("diagonal", lambda xp, x: xp.dot(w3, xp.diagonal(x)), x34),
        ("indexing", lambda xp, x: xp.sum(x[1:, ::2] * w34[:2, :2]), x34),
        ("trapezoid", lambda xp, x: xp.trapezoid(x, dx=0.5), x4),
        ("average(weights)", lambda xp, x: xp.dot(w3, xp.average(x, axis=1, weights=w4 ** 2)),
         x34),
        ("linalg.matrix_transpose", lambda xp, x: xp.sum(w43 * xp.linalg.matrix_transpose(x)),
         x34),
        ("concatenate(axis=1)", lambda xp, x: xp.sum(xp.concatenate(
            [x, xp.flipud(x)], axis=1) * xp.concatenate([w34, -w34], axis=1)), x34),
        ("hstack/vstack", lambda xp, x: xp.sum(xp.vstack([x, x]) @ w43)
         + xp.dot(xp.hstack([w4, w4]), xp.hstack([x[0], x[1]])), x34),
        ("moveaxis/swapaxes", lambda xp, x: xp.sum(xp.moveaxis(x, 0, -1) * xp.swapaxes(
            _w(np.random.default_rng(9), 3, 2, 4), 1, 2)), x234),
        ("expand_dims/squeeze", lambda xp, x: xp.sum(xp.squeeze(xp.expand_dims(x, 1)) * w34),
         x34),
        ("mean(keepdims)", lambda xp, x: xp.sum(xp.mean(x, axis=(0, 1), keepdims=True)
                                                * w4), x234),
        ("inner/vecdot", lambda xp, x: xp.sum(xp.inner(x, w4)) + xp.sum(xp.vecdot(x, w34)),
         x34),
    ]


def _multilinear(rng):
    """Multilinear and quadratic functions: constant, nonzero Hessians."""
    a = _w(rng, 4, 4)
    w3, w4, w34, w16 = _w(rng, 3), _w(rng, 4), _w(rng, 3, 4), _w(rng, 16)
    x3, x4, x34, x33 = _x(rng, 3), _x(rng, 4), _x(rng, 3, 4), _x(rng, 3, 3)
    return [
        ("x·Ax", lambda xp, x: x @ a @ x, x4),
        ("dot(x, x)", lambda xp, x: xp.dot(x, x), x4),
        ("outer(x, x)", lambda xp, x: xp.sum(w16.reshape(4, 4) * xp.outer(x, x)), x4),
        ("kron(x, x)", lambda xp, x: xp.dot(w16, xp.kron(x, x)), x4),
        ("trace(XᵀX)", lambda xp, x: xp.trace(x.T @ x), x34),
        ("X Xᵀ", lambda xp, x: xp.sum(_w(np.random.default_rng(5), 3, 3) * (x @ x.T)), x34),
        ("einsum(ij,kj->ik)", lambda xp, x: xp.sum(xp.einsum("ij,kj->ik", x, x) * _w(
            np.random.default_rng(6), 3, 3)), x34),
        ("prod", lambda xp, x: xp.prod(x), x3),
        ("cross(x, Ax)", lambda xp, x: xp.dot(w3, xp.cross(x, a[:3, :3] @ x)), x3),
        ("det(3x3)", lambda xp, x: xp.linalg.det(x), x33),
        ("cumprod", lambda xp, x: xp.dot(w4, xp.cumprod(x)), x4),
        ("vdot(x, flip x)", lambda xp, x: xp.vdot(x, xp.flip(x)), x34),
        ("sum(x)²", lambda xp, x: xp.sum(x) ** 2, x34),
        ("mean of squares", lambda xp, x: xp.mean(x * x), x34),
        ("w·x²", lambda xp, x: xp.sum(w34 * x ** 2), x34),
        ("w·x³", lambda xp, x: xp.dot(w4, x ** 3), x4),
    ]


def _reductions(rng):
    """Nonlinear reductions, at inputs away from their kinks and singularities."""
    x4, x34 = _x(rng, 4), _x(rng, 3, 4)
    scale = float(np.exp(rng.uniform(np.log(0.3), np.log(3.0))))
    distinct = np.linspace(-1.5, 1.5, 12) + 0.05 * rng.standard_normal(12)
    distinct = scale * rng.permutation(distinct).reshape(3, 4)
    away = scale * rng.uniform(0.3, 1.5, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))
    return [
        ("var", lambda xp, x: xp.var(x), x34),
        ("var(axis, ddof)", lambda xp, x: xp.sum(xp.var(x, axis=0, ddof=1)), x34),
        ("std", lambda xp, x: xp.std(x), x34),
        ("std(axis)", lambda xp, x: xp.sum(xp.std(x, axis=1)), x34),
        ("mean", lambda xp, x: xp.mean(x) * xp.mean(x * x), x34),
        ("linalg.norm", lambda xp, x: xp.linalg.norm(x), x4),
        ("linalg.norm(fro)", lambda xp, x: xp.linalg.norm(x, "fro"), x34),
        ("linalg.norm(axis)", lambda xp, x: xp.sum(xp.linalg.norm(x, axis=1)), x34),
        ("linalg.norm(ord=1)", lambda xp, x: xp.linalg.norm(x.ravel(), 1), away),
        ("linalg.norm(ord=inf)", lambda xp, x: xp.linalg.norm(x.ravel(), np.inf) ** 2,
         distinct),
        ("vector_norm(ord=3)", lambda xp, x: xp.linalg.vector_norm(x, ord=3), x34),
        ("linalg.norm(ord=2)", lambda xp, x: xp.linalg.norm(x, 2), x34),
        ("linalg.norm(nuc)", lambda xp, x: xp.linalg.norm(x, "nuc"), x34),
        ("norm(x)³", lambda xp, x: xp.linalg.norm(x) ** 3, x4),
        ("max", lambda xp, x: xp.max(x * x), distinct),
        ("min(axis)", lambda xp, x: xp.sum(xp.min(x, axis=0) ** 3), distinct),
        ("median", lambda xp, x: xp.median(xp.sin(x)), distinct),
        ("ptp", lambda xp, x: xp.ptp(x) ** 2, distinct),
        ("logsumexp", lambda xp, x: xp.log(xp.sum(xp.exp(x))), x34),
        ("sum(sin(flipud))", lambda xp, x: xp.sum(xp.sin(xp.flipud(x))), x34),
        ("tanh(cumsum)²", lambda xp, x: xp.sum(xp.tanh(xp.cumsum(x)) ** 2), x4),
        ("exp(rot90)·w", lambda xp, x: xp.sum(xp.exp(xp.rot90(x)) * _w(
            np.random.default_rng(7), 4, 3)), x34),
        ("softmax·w", lambda xp, x: xp.dot(
            xp.exp(x) / xp.sum(xp.exp(x)), _w(np.random.default_rng(8), 4)), x4),
        ("std of one value", lambda xp, x: xp.sum(xp.std(x[:, :1], axis=1)) + xp.sum(x ** 2),
         x34),
    ]


def _numpy_spellings(rng):
    """numpy's own spellings of the above, as ported code writes them."""
    w3, w4 = _w(rng, 3), _w(rng, 4)
    x3, x4, x34 = _x(rng, 3), _x(rng, 4), _x(rng, 3, 4)
    return [
        ("mean/std/var of a list", lambda xp, x: xp.mean([x[0] * x[1], x[2]])
         + xp.std([x[0], x[1] * x[2], x[2]]) + xp.var((x[1], x[0] ** 2)), x3),
        ("append", lambda xp, x: xp.sum(xp.append(x, [x[0] * 2.0, 1.0]) ** 2), x4),
        ("linspace(traced ends)", lambda xp, x: xp.sum(xp.linspace(x[0], x[1], 5) ** 2), x3),
        ("gradient", lambda xp, x: xp.dot(w4, xp.gradient(x ** 2, edge_order=2)), x4),
        ("r_ and c_", lambda xp, x: xp.sum(xp.r_[x, 2.0 * x[:2]] ** 2)
         + xp.sum(xp.c_[x, x * x] ** 2), x3),
        ("diagflat", lambda xp, x: xp.sum(xp.diagflat(x, 1) @ xp.diagflat(x ** 2, 1)), x4),
        ("cross(axisa, axisb)", lambda xp, x: xp.sum(xp.cross(
            x.T[:3], x.T[1:], axisa=0, axisb=0) ** 2), x34),
        ("einsum(sublists)", lambda xp, x: xp.einsum(x, [0, 1], x, [2, 1], [0, 2])
         .sum() + xp.dot(w3, xp.einsum(x, [0, 1], [0])), x34),
    ]


def functions(rng) -> list:
    """Every (family, name, f, x) of one draw."""
    return [(fam, name, f, x) for fam, make in (("linear", _linear),
                                                 ("multilinear", _multilinear),
                                                 ("reduction", _reductions),
                                                 ("numpy spelling", _numpy_spellings))
            for name, f, x in make(rng)]


def reason(rep) -> str:
    """The stated reason of an inconclusive check: the consensus's, else the first note of an
    inconclusive engine, to its first parenthesis or clause."""
    if rep.reference == "no majority":
        agree = "engines agree" if _agree(rep) else "engines disagree"
        return f"no majority ({agree})"
    notes = [v.note for v in rep.engines.values() if v.outcome == "inconclusive" and v.note]
    if not notes:
        return f"unstated (reference: {rep.reference})"
    note = notes[0].removeprefix("inconclusive: ")
    if note.startswith("the families agree") and "), but " in note:  # consensus.UNRESOLVED
        return "the families agree, but " + note.split("), but ", 1)[1].split(" (")[0]
    return note.split(" (")[0].split(";")[0][:100]


def _agree(rep) -> bool:
    vals = [np.asarray(v.result, dtype=float) for v in rep.engines.values()
            if v.result is not None]
    return len(vals) > 1 and all(np.allclose(v, vals[0], rtol=1e-6, atol=1e-9) for v in vals)


def campaign(n: int = DEFAULT_N, seed: int = 0, orders=(1, 2), progress=None) -> dict:
    """Run the checks; return counts, inconclusive reasons, the failures' messages and time."""
    from adcheck.api.check import check
    rng = np.random.default_rng(seed)
    counts, why, fails, raised = Counter(), Counter(), [], []
    by_family: dict = {}
    start = time.perf_counter()
    for draw in range(n):
        for fam, name, f, x in functions(rng):
            for order in orders:
                for label, engines in ENGINE_SETS[order].items():
                    what = f"{name} [{KIND_AT_ORDER[order]}, {label}, draw {draw}]"
                    try:
                        rep = check(f, (x,), kind=KIND_AT_ORDER[order], engines=engines)
                    except Exception as exc:  # noqa: BLE001  counted, named, never hidden
                        counts["raised"] += 1
                        by_family.setdefault(fam, Counter())["raised"] += 1
                        raised.append(f"{what}: {type(exc).__name__}: {exc}")
                        continue
                    counts[rep.verdict] += 1
                    by_family.setdefault(fam, Counter())[rep.verdict] += 1
                    if rep.verdict == "fail":
                        fails.append(f"{what}:\n{rep.message}")
                    elif rep.verdict == "inconclusive":
                        why[(reason(rep), f"{name} [{KIND_AT_ORDER[order]}, {label}]")] += 1
        if progress:
            progress(draw + 1, n, counts)
    return {"counts": counts, "why": why, "fails": fails, "raised": raised, "by_family": by_family,
            "seconds": time.perf_counter() - start, "checks": sum(counts.values())}


def report(results: dict) -> int:
    """Print the figures; return the number of false alarms (fails and raised checks)."""
    c, total = results["counts"], results["checks"]
    print(f"{total} checks of correct code in {results['seconds']:.0f} s: "
          f"fail {c['fail']}, inconclusive {c['inconclusive']} "
          f"({100.0 * c['inconclusive'] / max(total, 1):.2f} %), pass {c['pass']}"
          + (f", raised {c['raised']}" if c["raised"] else ""))
    for fam, k in results["by_family"].items():
        shown = [v for v in ("fail", "inconclusive", "pass", "raised") if k[v] or v != "raised"]
        print(f"  {fam:<15} " + ", ".join(f"{v} {k[v]}" for v in shown))
    by_reason = Counter()
    for (why, _), k in results["why"].items():
        by_reason[why] += k
    for why, k in by_reason.most_common():
        where = sorted({case for (w, case) in results["why"] if w == why})
        print(f"  inconclusive {k:>4}: {why} ({', '.join(where[:4])}"
              f"{', ...' if len(where) > 4 else ''})")
    for text in results["fails"][:5] + results["raised"][:5]:
        print("  false alarm: " + text.replace("\n", "\n    "))
    return c["fail"] + c["raised"]


def main(n: int = DEFAULT_N, seed: int = 0) -> None:
    report(campaign(n, seed))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
