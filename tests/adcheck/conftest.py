"""Fixtures of the judge's tests.

``in_process``: ``adcheck run`` (``runner.run``, ``main(["run", ...])``, the selftest) runs its
tasks in the test's own process instead of starting loky workers. A worker process costs about
a second of CPU to start (it imports the catalogue); most tests are about what is judged, not
where. The tests about processes (dying, hanging, several workers, Dask) keep real workers:
``test_supervisor``, ``test_executors`` and the process tests of ``test_runner`` and ``test_cli``.
"""

from __future__ import annotations

import pytest
from adcheck_helpers import in_process as run_in_process


@pytest.fixture
def in_process(monkeypatch):
    """Every run of the test executes in this process; yields the executors it made."""
    return run_in_process(monkeypatch)


@pytest.fixture
def no_shrink():
    """Failures are not shrunk: for tests about a verdict, not about its smallest input (a
    failing record's shrink searches for up to its budget, ``adcheck.judging.shrink``)."""
    from adcheck.judging.shrink import disabled
    with disabled():
        yield
