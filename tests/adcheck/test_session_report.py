"""The pytest session's report: the real command, argument names, one message per failure."""

from __future__ import annotations

import numpy as np
import pytest

from adcheck.api.check import check
from adcheck.report import render_html
from adcheck.report.session import arg_names, build_session_results, command_line


def quad(xp, x, q):
    return x @ (q @ x)


X, Q = np.array([1.0, -2.0]), np.array([[2.0, 1.0], [0.0, 3.0]])
NODE = "tests/test_user.py::test_quad"


@pytest.fixture(scope="module")
def failing():
    report = check(quad, (X, Q), expected=2 * Q @ X)  # wrong: Q is not symmetric
    assert report.verdict == "fail"
    argv = ["/venv/lib/python3/site-packages/pytest/__main__.py", "tests/test_user.py",
            "--adcheck-report", "out dir"]
    return report, build_session_results([(NODE, report, {"f": quad, "wrt": 0})], argv)


def test_the_real_command_line():
    assert command_line(["/usr/bin/pytest", "-k", "quad"]) == "pytest -k quad"
    main = "/x/site-packages/pytest/__main__.py"
    assert command_line([main, "tests/a b.py"]) == "pytest 'tests/a b.py'"
    assert command_line(["/x/bin/tox", "-e", "py"]) == "tox -e py"


def test_command_and_argument_names_in_results(failing):
    _, res = failing
    assert res["run"]["command"] == "pytest tests/test_user.py --adcheck-report 'out dir'"
    (ident,) = res["identities"]
    assert ident["arg_names"] == ["x", "q"] and ident["wrt"] == 0
    assert arg_names(lambda xp, *args: 0) == ()


def test_page_names_the_argument_and_says_the_message_once(failing):
    report, res = failing
    page = render_html(res)
    assert "with respect to <i>x</i>" in page and "with respect to <i>0</i>" not in page
    first_line = report.message.splitlines()[0]
    assert page.count(first_line) == 1
    failed = [r for r in res["records"] if r["outcome"] == "fail"]
    assert len(failed) >= 2 and len({r["message"] for r in failed}) == len(failed)
    assert all(r["message"].startswith(r["engine"] + ":") for r in failed)


def test_no_appendix_text_for_user_tests(failing):
    page = render_html(failing[1])
    assert "Appendix" not in page and "Plugin: pytest" not in page
    assert 'id="studies"' not in page and "proof status" not in page
