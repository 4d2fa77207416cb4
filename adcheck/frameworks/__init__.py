"""Users' PyTorch and JAX code: programs translated into ``xp``, a 50-digit reference needing no
closed form, and the checks behind ``adcheck.torch`` and ``adcheck.jax``."""
