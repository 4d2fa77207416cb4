"""An identity's statement as text and MathML, and its proof status, for results.json."""

from __future__ import annotations

from .mathml import statement_mathml


def statement_text(rec) -> str:
    """The sympy statement as plain text (the title when there is none)."""
    return str(rec.statement) if rec.statement is not None else rec.title


def mathml(rec) -> str:
    """Presentation MathML of the statement in Leibniz notation; "" when there is none."""
    if rec.statement is None:
        return ""
    try:
        return statement_mathml(rec.statement)
    except Exception:  # noqa: BLE001  a statement sympy cannot print is shown as text
        return ""


def proof_status(rec) -> dict:
    """{"status": general|fixed-size|numeric, "detail": ...}, computed by the record's prover."""
    if rec.prove is None:
        return {"status": "numeric", "detail": "no symbolic proof is attached to this record"}
    try:
        st = rec.prove()
    except Exception as exc:  # noqa: BLE001
        return {"status": "numeric", "detail": f"the proof raised {type(exc).__name__}: {exc}"}
    if isinstance(st, dict):
        status, detail = st.get("status", "numeric"), st.get("detail", "")
    else:
        status = getattr(st, "status", None) or (st[0] if isinstance(st, tuple) else st)
        detail = getattr(st, "detail", None) or (st[1] if isinstance(st, tuple) and len(st) > 1
                                                 else "")
    if status not in PROOF_STATUSES:  # None, NaN, 1j: once written as the status "None"
        return {"status": "numeric", "detail": f"the proof returned {_short(st)}, not a status "
                f"({', '.join(PROOF_STATUSES)}): a prove hook returns a ProofStatus, "
                "(status, detail) or {'status': ..., 'detail': ...}"}
    return {"status": status, "detail": str(detail)}


PROOF_STATUSES = ("general", "fixed-size", "numeric")


def _short(x) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."
