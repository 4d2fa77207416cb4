"""Shared pytest configuration: hypothesis profiles.

Profile selection: $HYPOTHESIS_PROFILE if set, else ``ci`` when $CI is non-empty,
else ``dev``.
"""

import os

from hypothesis import HealthCheck, settings

# Hypothesis itself auto-loads its built-in "ci" profile whenever $CI exists (even empty),
# and a bare settings(...) inherits from the active profile, so parent explicitly on
# the library defaults to keep "dev" really dev.
_base = settings.get_profile("default")

settings.register_profile("dev", _base, max_examples=50)
settings.register_profile(
    "ci",
    _base,
    derandomize=True,
    deadline=None,
    max_examples=50,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)

_profile = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(_profile)
