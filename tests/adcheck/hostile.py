"""Closed forms that exit, abort, crash, raise KeyboardInterrupt, allocate 1e10 elements or hang,
for test_supervisor. Each worker of its run imports this module (the functions are pickled by
reference), so it imports no more than they need: a worker killed and restarted a dozen times
in one run then starts without pytest."""

import ctypes
import os
import sys
import time

import numpy as np


def _exit0(xp, x, q):
    sys.exit(0)


def _exit_msg(xp, x, q):
    sys.exit("bye from user code")


def _os_exit(xp, x, q):
    os._exit(0)


def _abort(xp, x, q):
    os.abort()


def _segfault(xp, x, q):
    ctypes.string_at(0)


def _interrupt(xp, x, q):
    raise KeyboardInterrupt


def _huge(xp, x, q):
    return np.ones(int(1e10)) @ x


def _hang(xp, x, q):
    time.sleep(600)


def holds_the_interpreter(xp, x, q):
    """A catastrophic regular expression: one call into C that never lets another thread of
    its process run (not the worker's watchdog either)."""
    import re
    re.match(r"(a*)*b", "a" * 40)
    return (q + q.T) @ x


HOSTILE = {"sys-exit-0": (_exit0, "SystemExit(0)"),
           "sys-exit-msg": (_exit_msg, "bye from user code"),
           "os-exit": (_os_exit, "exited with status 0"),
           "abort": (_abort, "SIGABRT"),
           "segfault": (_segfault, "SIGSEGV"),
           "keyboard-interrupt": (_interrupt, "KeyboardInterrupt"),
           "allocates-1e10": (_huge, "MemoryError"),
           "hangs": (_hang, "3 s per-case limit")}


# ------------------------------------------------------------------ the matrix: how x where

BEHAVIOURS = ("sys-exit", "os-exit", "raises", "hangs", "nan", "complex", "none")
RETURNS = {"nan": float("nan"), "complex": 1j, "none": None}


class Hostile:
    """User code that behaves as ``how`` (one of BEHAVIOURS) in the place ``where``: "sampler"
    (``inputs(d)``), "f" and "closed-form" (``(xp, x, q)``, of the quadratic identity), "claim"
    (``claim(engine)``), "prove" (``prove()``). A class, not closures: its instances pickle by
    reference to it, as a plugin's functions do."""

    def __init__(self, how, where):
        self.how, self.where = how, where
        self.__name__ = f"{where}_{how}".replace("-", "_")

    def __call__(self, *args):
        if self.how == "sys-exit":
            sys.exit(0)
        if self.how == "os-exit":
            os._exit(0)
        if self.how == "raises":
            raise RuntimeError(f"raised by the {self.where}")
        if self.how == "hangs":
            time.sleep(600)
        return self._returns(RETURNS[self.how], args)

    def _returns(self, value, args):
        if self.where == "sampler":  # the value as the differentiated argument
            return (None if value is None else np.full(3, value), np.eye(3))
        if self.where in ("claim", "prove"):
            return value
        xp, x, q = args
        if self.where == "f":  # the quadratic, spoilt
            return None if value is None else x @ (q @ x) + value * xp.sum(x)
        return None if value is None else (q + q.T) @ x + value * x  # the closed form
