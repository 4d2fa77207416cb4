"""``adcheck audit``: the accuracy of every derivative a library offers, in ulps.

For each operation that adcheck maps (``ops``), at float64 and float32, the library computes
first derivatives (gradient, JVP, VJP) and second derivatives (grad of grad, jvp of grad) at
inputs spread over the operation's domain (``draws``); adcheck's exact oracle computes the same
at 50 digits (``oracle``); the errors are measured in ulps (``measure``) next to the
derivative's condition number, the worst inputs searched for as the libm accuracy tables do,
and the rows written as JSON and HTML (``report``) with a one-line reproducer for each flagged
row (``repro``). ``run_audit`` runs it; ``adcheck audit torch|jax|adcheck`` is its command.
"""

from .ops import OPS, AuditOp


def run_audit(*args, **kwargs):
    from .run import run_audit as run
    return run(*args, **kwargs)


__all__ = ["OPS", "AuditOp", "run_audit"]
