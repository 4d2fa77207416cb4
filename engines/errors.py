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
