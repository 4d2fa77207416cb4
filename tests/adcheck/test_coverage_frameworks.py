"""docs/framework-coverage.md is what ``adcheck.frameworks.coverage`` measures now (it traces
~200 sample calls: ~11 s of CPU, so marked slow)."""

import importlib.util
import pathlib

import pytest

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "framework-coverage.md"


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("torch") is None
                    or importlib.util.find_spec("jax") is None, reason="needs torch and jax")
def test_the_coverage_note_is_up_to_date():
    from adcheck.frameworks import coverage
    text = coverage.markdown({"torch": coverage.rows("torch"), "jax": coverage.rows("jax")})
    assert DOC.read_text() == text, ("docs/framework-coverage.md is stale: run `python -m "
                                     "adcheck.frameworks.coverage > docs/framework-coverage.md`")
