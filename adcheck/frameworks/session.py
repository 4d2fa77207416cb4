"""A drop-in check (``adcheck.torch``, ``adcheck.jax``) as a record of the pytest session.

``check.LISTENERS`` hears every verdict the judge gives; the pytest plugin listens while a
test runs and keeps a ``DropInReport`` for it, which the session report reads the way it reads
an ``adcheck_check`` report: one identity per test, one record per check route.
"""

from __future__ import annotations

from adcheck.judging.cases import Accumulator, CaseVerdict


def _no_statement():
    return {"status": "numeric", "detail": "a drop-in framework check: no symbolic statement"}


class DropInReport:
    """What the session report needs of a check: ``verdict``, ``message``, ``engines``,
    ``identity`` and ``records``."""

    case = None

    def __init__(self, caller: str, problem, verdict):
        from adcheck.identities import Identity
        self.verdict, self.message = verdict.verdict, verdict.message
        worst = (verdict.failures[0]["worst"] if verdict.failures else None)
        diag = verdict.failures[0]["diagnosis"] if verdict.failures else None
        self.engines = {caller: CaseVerdict(
            verdict.verdict, worst, note="" if verdict.verdict == "pass" else verdict.message,
            diagnosis=diag, engine=caller, family="framework",
            verified_to=verdict.verified_to)}
        kind = "jacobian" if problem.order == 1 else "hessian"
        self.identity = Identity(
            id=f"check:{caller}", section="user", title=f"{caller} ({problem.label})",
            citation="", kind=kind, f=lambda xp, *xs: None, wrt=0, smoothness=problem.order,
            prove=_no_statement, extra={"order": problem.order},
            arg_names=tuple(problem.names))

    def records(self, identity_id=None, rerun=None) -> list[dict]:
        from dataclasses import replace
        rec = self.identity if identity_id is None else replace(
            self.identity, id=identity_id, title=identity_id)
        out = []
        for name, v in self.engines.items():
            acc = Accumulator(rec, name, 0, 1, command=rerun)
            acc.add(0, (), v)
            out.append(acc.record())
        return out


__all__ = ["DropInReport"]
