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


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through playwright (the browser tests); skips without them."""
    from screenshots import ARGS, chromium_path
    exe = chromium_path()
    if exe is None:
        pytest.skip("chromium not found (`make browser` installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (`make browser` installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS, headless=True)
        yield b
        b.close()
