"""Drawing a record's cases: each case has its own Generator, seeded by (seed, identity, index),
so a case depends only on them, never on the chunk, the worker or the rest of the selection."""

from __future__ import annotations

import zlib

import numpy as np


def case_rng(seed: int, identity_id: str, index: int = 0) -> np.random.Generator:
    """The Generator of one case (independent of the rest of the selection and of the chunk)."""
    return np.random.default_rng([int(seed), zlib.crc32(identity_id.encode()), int(index)])


def draw_case(rec, index: int, seed: int) -> tuple:
    """Argument tuple number ``index`` of ``rec``, deterministic for ``seed``; raises
    UserOutputError when the sampler drew None, complex numbers or objects (an engine would
    read them as 0, or keep the real part)."""
    from adcheck.judging.user_outputs import refuse_unreal_inputs
    args = tuple(rec.sample(case_rng(seed, rec.id, index)))
    refuse_unreal_inputs(args, rec.arg_names, f"the sampler (inputs) of {rec.id}")
    return args


def draw_cases(rec, examples: int, seed: int) -> list[tuple]:
    """The first ``examples`` argument tuples of ``rec`` (for tests and tools; the run draws
    each case in the worker that judges it)."""
    return [draw_case(rec, i, seed) for i in range(examples)]


def examples_for(engine, examples: int, full: bool = False) -> int:
    """How many of the drawn cases an engine runs: an expensive witness (sympy, a library
    that compiles per shape, the differences) declares ``max_examples``, its share of a
    verification run; ``full`` (``adcheck run --full``) gives every engine every case. The
    engine's record counts what it ran."""
    cap = None if full else getattr(engine, "max_examples", None)
    return examples if cap is None else min(examples, cap)
