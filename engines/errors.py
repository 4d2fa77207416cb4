"""Errors raised by the engines, each naming the problem and the way out."""


class AdcheckEngineError(Exception):
    """Base class of every error an engine raises on purpose."""


class UnsupportedOperation(AdcheckEngineError, AttributeError):
    """A function used a name that the namespace does not provide."""

    def __init__(self, name: str, engine: str, why: str = ""):
        self.name, self.engine = name, engine
        super().__init__(
            f"'{name}' is not supported by the {engine!r} namespace: {why}" if why else
            f"'{name}' is not supported by the {engine!r} namespace. Write the function with the "
            f"names listed by engines.namespace.SUPPORTED, or add a primitive with "
            f"adcheck.define_primitive (elementwise) or engines.core.defprim."
        )


class NotAnalytic(AdcheckEngineError):
    """Complex step was asked to differentiate a function that is not analytic."""

    def __init__(self, name: str, why: str = "which is not analytic"):
        self.name = name
        super().__init__(
            f"complex step needs an analytic function, but it uses '{name}', {why}; use the "
            f"'central' or 'richardson' engine instead."
        )


class InputError(AdcheckEngineError, ValueError):
    """Inputs an engine cannot work with (wrong dtype, shape, NaN, ...)."""


class NearlyDegenerate(AdcheckEngineError):
    """A derivative asked at a point where it is (nearly) undefined: an eigenvalue gap near 0.

    The verdict there is inconclusive, not a failure: the derivative's conditioning is 1/gap.
    """

    def __init__(self, what: str, gap: float, threshold: float):
        self.what, self.gap, self.threshold = what, gap, threshold
        super().__init__(
            f"{what}: the smallest relative eigenvalue gap is {gap:.3g} (< {threshold:g}); the "
            f"eigenvector derivative scales like 1/gap, so no verdict is given at this point. "
            f"Use inputs with distinct eigenvalues, or differentiate a spectral function that "
            f"does not need the eigenvectors (trace, logdet)."
        )


class UnknownName(UnsupportedOperation):
    """A name no namespace provides (a typo, or a function adcheck does not have yet).

    Unlike a name one engine lacks (which makes that engine not applicable), this is an
    error in the function itself: ``check`` raises it instead of reporting a verdict.
    """

    def __init__(self, name: str, engine: str, suggestions=()):
        super().__init__(name, engine)
        self._what = (name, engine)
        # A namespace probed with ``hasattr`` raises this for every name it lacks; the "did you
        # mean" search over every supported name runs only when someone reads the message.
        self._suggest = suggestions
        self.args = ()

    @property
    def suggestions(self) -> tuple:
        """Up to three supported names that look like the unknown one."""
        if callable(self._suggest):
            self._suggest = self._suggest()
        return tuple(self._suggest)

    def __reduce__(self):
        return type(self), (*self._what, self.suggestions)

    def __str__(self) -> str:
        near = (f" Closest supported names: {', '.join(self.suggestions)}."
                if self.suggestions else "")
        name, engine = self._what
        return (f"not supported: {name} ('{name}' is not a name of adcheck's array namespace, "
                f"engine {engine!r}).{near} `adcheck engines --names` lists every supported "
                f"name with its signature; engines.primitives.defprim adds a primitive.")


class UnsupportedSpelling(UnknownName):
    """A supported name called in a form adcheck does not have: a keyword, an argument count
    or a directive of numpy's that the namespace's version lacks.

    Like an unknown name, it is the function's to change (or adcheck's to extend), never a
    verdict: ``check`` raises it instead of letting every engine "err" into a failure.
    """

    def __init__(self, name: str, engine: str, detail: str, signature: str = ""):
        super().__init__(name, engine)
        self.detail, self.signature = detail, signature

    def __reduce__(self):
        return type(self), (*self._what, self.detail, self.signature)

    def __str__(self) -> str:
        name, engine = self._what
        takes = f"; adcheck's {name} takes {name}{self.signature}" if self.signature else ""
        return (f"not supported: {name} in this form ({self.detail}){takes} (engine "
                f"{engine!r}). `adcheck engines --names` lists every supported name with its "
                f"signature.")


class TracedValueError(TypeError):
    """An array operation that a traced value refuses, with the way out in the message."""


class TracedAttributeError(TracedValueError, AttributeError):
    """A refused attribute: also an AttributeError, so ``hasattr`` probes see it as absent."""


def refuse(op: str, instead: str, error: type = TracedValueError):
    """Raise ``error`` for ``op``, saying what to write instead."""
    raise error(f"{op} is not supported on a value being differentiated: {instead}")
