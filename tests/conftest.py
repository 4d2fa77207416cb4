"""Shared pytest configuration: hypothesis profiles, and how xdist splits the suite.

Profile selection: $HYPOTHESIS_PROFILE if set, else ``ci`` when $CI is non-empty,
else ``dev``.
"""

import os

import pytest
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


# Under xdist, `make test` runs `--dist loadscope`, refined: a module of at most SPREAD_ABOVE
# tests is one unit of work, sent whole to one worker, so that a module-scoped fixture (one
# expensive run that several tests assert on) is built once; a bigger module (hundreds of
# cheap, independent cases) is spread test by test. (xdist_group and --dist loadgroup would say
# this per module, but xdist 3.8 cannot rename the node ids of pytest 9, so loadgroup groups
# nothing.) Units go out largest first (--loadscope-reorder, the default).
SPREAD_ABOVE = 40


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesOrTests(LoadScopeScheduling):
        sizes: dict | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.sizes is None:
                self.sizes = {}
                for n in self.collection:
                    m = n.split("::", 1)[0]
                    self.sizes[m] = self.sizes.get(m, 0) + 1
            module = nodeid.split("::", 1)[0]
            return module if self.sizes.get(module, 0) <= SPREAD_ABOVE else nodeid

    return ModulesOrTests(config, log)
