"""The coverage table: every supported name listed once, docs/coverage.md up to date."""

from __future__ import annotations

import pathlib
import re

from engines.coverage import COLUMNS, NOT_PROVIDED, markdown
from engines.namespace import SUPPORTED

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "coverage.md"


def _doc_names() -> list:
    return re.findall(r"^\| `([^`]+)` \|", DOC.read_text(), flags=re.M)


def test_the_generated_table_lists_every_supported_name_once():
    names = _doc_names()
    assert sorted(names) == sorted(SUPPORTED), (
        "docs/coverage.md is stale: run `python -m engines.coverage > docs/coverage.md`")


def test_markdown_has_one_column_per_engine_and_the_reasons():
    row = {"name": "x", "signature": "(a | b)", "maps_to": "p", **{c: True for c in COLUMNS}}
    text = markdown([row])
    assert "(a \\| b)" in text  # a pipe inside a signature does not break the row
    assert all(c in text for c in COLUMNS) and all(k in text for k in NOT_PROVIDED)


def test_cli_lists_the_names_with_signature_and_engines(capsys):
    import json

    from adcheck.cli import main
    assert main(["engines", "--names", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(SUPPORTED)
    assert rows["linalg.cholesky"]["signature"] == "(x, upper=False)"
    assert rows["linalg.cholesky"]["ad"] is True and rows["all"]["ad"] is None
