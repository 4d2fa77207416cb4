"""The identity record and its registry.

An identity is a frozen, cited record: what must hold, not how to check it. The judge
(``adcheck``) reads records; the catalogue modules and users' plugins create them with
``define``, which rejects duplicate ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adcheck.engines.kinds import RECORD_KINDS, SMOOTHNESS

IDENTITIES: dict[str, Identity] = {}


@dataclass(frozen=True)
class Identity:
    """One claim of Appendix B (or a user's own), with everything needed to check it.

    Attributes:
        id: public name, e.g. ``"B1.gram-gradient"``; tests and reports use it verbatim.
        section: ``"B.1"``, ``"B.2"``, ``"B.3"`` or a plugin's label.
        title: one line for humans.
        citation: where the claim comes from.
        kind: one of ``RECORD_KINDS`` (the kinds table, ``adcheck.engines.kinds``).
        f: the function, ``f(xp, *args)`` (for ``residual``: ``f(derive, xp, *args)``).
        closed_form: ``g(xp, *args)``, the claimed derivative in numerator layout, evaluated by
            the exact oracle as the reference; ``None`` when the engines' consensus is judged.
        wrt: index of the argument differentiated.
        arg_names: names of the arguments, for reports and reruns.
        inputs: ``inputs(draw_or_rng) -> tuple`` builds one valid argument tuple; see
            ``strategy`` for the hypothesis form.
        strategy: a hypothesis strategy of argument tuples (constructed, never filtered).
        statement: a sympy object (Eq or expression) stating the identity, for MathML.
        smoothness: the order k of continuity the claim needs (C^k); by default the
            kind's (``SMOOTHNESS``: 2 for a Hessian, Laplacian or residual, else 1).
        analytic: whether ``f`` is analytic in the differentiated argument (complex step).
        layout: the layout convention, in words.
        prove: ``prove() -> ProofStatus`` (``.status``, ``.detail``), computed by the suite, not
            typed in; left None, it is filled with ``identities.proofs.status`` of the record
            (sympy, cached in ``identities/proofs.json``).
        claim: for ``cost`` records, a callable judged by the harness.
        v: for ``hvp`` records, a function of the arguments giving the direction.
        tags: free labels (e.g. ``"network"``, ``"pde"``).
        extra: free data; the catalogue uses ``blocks(args) -> [(label, start, stop)]`` (flat
            slices of the derivative naming network layers, e.g. ``"W_2"``), ``reference``
            (published values) and ``proof`` (a sympy matrix-expression form for proofs).
        inputs: the one definition of the domain: ``inputs(d) -> tuple`` over the drawing
            interface of ``identities.strategies`` (a hypothesis draw or a numpy Generator);
            ``strategy`` is derived from it when not given, and ``sample(rng)`` uses it.
        engines: engine names the record applies to; empty means every engine offering the
            kind (cost/property claims name the engines their counts come from).
        terms: for ``residual`` records, ``terms(derive, xp, *args) -> list`` of the summands
            of the residual (``f`` is their sum): magnitudes for a rounding allowance.
    """

    id: str
    section: str
    title: str
    citation: str
    kind: str
    f: Callable
    closed_form: Callable | None = None
    wrt: int = 0
    arg_names: tuple[str, ...] = ()
    strategy: Any = None
    statement: Any = None
    smoothness: int | None = None
    analytic: bool = True
    layout: str = "numerator layout: d(Ax)/dx = A; gradients shaped like their argument"
    prove: Callable | None = None
    claim: Callable | None = None
    v: Callable | None = None
    tags: tuple[str, ...] = field(default=())
    extra: dict = field(default_factory=dict, hash=False, compare=False)
    inputs: Callable | None = None
    engines: tuple[str, ...] = ()
    terms: Callable | None = None

    def __post_init__(self):
        if not isinstance(self.id, str) or not self.id:
            # ids are public names: selected by glob, written into commands and reports
            raise TypeError(f"an identity's id is a non-empty string such as 'U.my-gradient'; "
                            f"got {type(self.id).__name__} {self.id!r}")
        _check_metadata(self)
        if self.smoothness is None:
            order = self.extra.get("order") if self.kind == "derivative" else None
            object.__setattr__(self, "smoothness", order or SMOOTHNESS.get(self.kind, 1))
        if self.strategy is None and self.inputs is not None:
            object.__setattr__(self, "strategy", self.search_strategy())
            object.__setattr__(self, "_derived_strategy", True)
        if self.prove is None:
            object.__setattr__(self, "prove", _default_prover(self))

    def search_strategy(self):
        """The hypothesis strategy of argument tuples: ``strategy``, or derived from ``inputs``
        (a record travels to a worker without a derived one, which would make the worker
        import hypothesis to unpickle it although it draws its cases with numpy)."""
        if self.strategy is not None or self.inputs is None:
            return self.strategy
        from .strategies import as_strategy  # hypothesis only when a strategy is needed
        return as_strategy(self.inputs)

    def __getstate__(self):
        state = dict(self.__dict__)
        if state.get("_derived_strategy"):  # rebuilt by ``search_strategy`` where needed
            state["strategy"] = None
        return state

    def proof(self):
        """The proof status (``identities.proofs.ProofStatus``), computed by sympy, cached."""
        return self.prove()

    def sample(self, rng) -> tuple:
        """One argument tuple drawn deterministically from ``rng`` (a numpy Generator)."""
        if self.inputs is None:
            raise ValueError(f"identity {self.id!r} defines no inputs to sample")
        from .draw import RngDraw

        return tuple(self.inputs(RngDraw(rng)))


def _default_prover(rec: Identity) -> Callable:
    """A zero-argument prover of ``rec`` (a closure: its repr does not recurse into rec)."""
    def prove():
        from .proofs import status

        return status(rec)
    prove.default = True  # the suite's own prover: ``proofs.known`` may answer for it
    return prove


def _check_metadata(rec) -> None:
    """The fields that reach results.json, the report and rerun commands have the types those
    files promise (a section of 7 or a citation of ['a', 1] was run, then its results.json was
    refused by ``report`` and ``merge``)."""
    def bad(name, want, got):
        return TypeError(f"identity {rec.id!r}: {name} must be {want}; got "
                         f"{type(got).__name__} {got!r} (write it as text, e.g. {name}="
                         f"{str(got)!r})" if want == "a string" else
                         f"identity {rec.id!r}: {name} must be {want}; got "
                         f"{type(got).__name__} {got!r}")
    for name in ("section", "title", "citation", "kind", "layout"):
        value = getattr(rec, name)
        if not isinstance(value, str):
            raise bad(name, "a string", value)
    if isinstance(rec.wrt, bool) or not isinstance(rec.wrt, int) or rec.wrt < 0:
        raise bad("wrt", "the index of an argument (an int >= 0)", rec.wrt)
    for name in ("arg_names", "tags", "engines"):
        value = getattr(rec, name)
        if isinstance(value, str) or not isinstance(value, (tuple, list)) \
                or not all(isinstance(v, str) for v in value):
            raise bad(name, "a tuple of strings", value)


def define(identity: Identity | None = None, /, **fields_) -> Identity:
    """Register an identity (built here from keyword fields if not given); returns it.

    Raises ValueError on a duplicate id or an unknown kind, naming the way out.
    """
    rec = identity if identity is not None else Identity(**fields_)
    if rec.kind not in RECORD_KINDS:
        raise ValueError(f"identity {rec.id!r}: kind {rec.kind!r} is not one of {RECORD_KINDS}")
    if rec.id in IDENTITIES:
        raise ValueError(
            f"identity {rec.id!r} is already defined; choose another id (ids are public names)"
        )
    IDENTITIES[rec.id] = rec
    return rec


def get(identity_id: str) -> Identity:
    """The record called ``identity_id``; an unknown id gets the list of known ones."""
    try:
        return IDENTITIES[identity_id]
    except KeyError:
        raise KeyError(
            f"no identity {identity_id!r}; known: {', '.join(sorted(IDENTITIES))} "
            f"(`adcheck list` shows them)"
        ) from None
