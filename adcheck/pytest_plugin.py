"""pytest plugin for adcheck (entry point ``pytest11``: ``adcheck``).

- ``adcheck_engine``: a test taking this argument runs once per engine (``--adcheck-engines``
  or ``@pytest.mark.adcheck_engines("reverse", ...)`` choose them; default: adcheck's own AD
  and finite-difference engines). Test ids carry the engine name: ``test_x[reverse]``.
- ``adcheck_check``: ``check`` that also records its report for the session report; use
  ``adcheck.assert_check(adcheck_check(f, args, ...))`` to fail with the full explanation.
- ``--adcheck-report DIR``: write results.json, junit.xml and index.html for the checks made
  through ``adcheck_check`` and the drop-in checks (``adcheck.torch``, ``adcheck.jax``) during
  the session; under pytest-xdist (``pytest -n N``) each worker
  sends its records to the controller, which writes the one report of the whole session.
"""

from __future__ import annotations

import json

import pytest

_WORKER_KEY = "adcheck_session_results"
_CATEGORIES = ("ad", "finite-difference")
_REPORTS: list[tuple[str, object]] = []


def pytest_addoption(parser):
    group = parser.getgroup("adcheck")
    group.addoption("--adcheck-report", metavar="DIR", default=None,
                    help="write the adcheck report (results.json, junit.xml, index.html) of "
                         "this session's adcheck_check calls to DIR")
    group.addoption("--adcheck-engines", metavar="NAMES", default=None,
                    help="comma-separated engines for tests taking `adcheck_engine`")


def pytest_configure(config):
    config.addinivalue_line("markers", "adcheck_engines(*names): engines for adcheck_engine")


def _default_engines() -> list[str]:
    from adcheck import engines
    return [n for n, e in engines.ENGINES.items() if e.category in _CATEGORIES]


def pytest_generate_tests(metafunc):
    if "adcheck_engine" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("adcheck_engines")
    option = metafunc.config.getoption("--adcheck-engines")
    if marker and marker.args:
        names = list(marker.args)
    elif option:
        names = [n.strip() for n in option.split(",") if n.strip()]
    else:
        names = _default_engines()
    from adcheck import engines
    metafunc.parametrize("adcheck_engine", [engines.get(n) for n in names], ids=names)


@pytest.fixture
def adcheck_check(request):
    """``check(f, args, ...)`` whose report joins the session report (--adcheck-report)."""
    from adcheck.api.check import check

    def run(f, args, **kw):
        report = check(f, args, **kw)
        _REPORTS.append((request.node.nodeid, report, {"f": f, "wrt": kw.get("wrt", 0)}))
        return report
    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Record every drop-in check (``adcheck.torch``, ``adcheck.jax``) the test makes."""
    from adcheck.frameworks import check as framework_check
    from adcheck.frameworks.session import DropInReport

    def hear(caller, problem, verdict):
        _REPORTS.append((item.nodeid, DropInReport(caller, problem, verdict)))
    framework_check.LISTENERS.append(hear)
    try:
        yield
    finally:
        framework_check.LISTENERS.remove(hear)


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    out = config.getoption("--adcheck-report", default=None)
    if not out:
        return
    from adcheck.report.session import build_session_results, write_session_report
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller writes the report
        config.workeroutput[_WORKER_KEY] = json.dumps(build_session_results(_REPORTS))
        return
    parts = getattr(config, "_adcheck_parts", [])
    config._adcheck_report_path = write_session_report(_REPORTS, out, parts)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist: a worker finished; keep its records for the one session report."""
    config = node.config
    if not config.getoption("--adcheck-report", default=None):
        return
    data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if data:
        config.__dict__.setdefault("_adcheck_parts", []).append(json.loads(data))
    else:
        config.__dict__.setdefault("_adcheck_lost", []).append(
            f"{getattr(node.gateway, 'id', '?')}: {error or 'sent no records'}")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    path = getattr(config, "_adcheck_report_path", None)
    if path:
        terminalreporter.write_line(f"adcheck report: {path}")
    for lost in getattr(config, "_adcheck_lost", []):
        terminalreporter.write_line(f"adcheck report: worker {lost}; the checks it ran are "
                                    "missing from the report", red=True)
