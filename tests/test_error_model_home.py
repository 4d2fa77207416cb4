"""The error model has one home: the allowance is composed, the miss probability computed and
the kinds tabled in one module each, and everyone else calls them (issue 24)."""

import ast
from pathlib import Path

import pytest

from adcheck.engines import kinds
from adcheck.judging import errmodel as em

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("adcheck", "engines", "identities", "benchmarks", "tests")
HERE = Path(__file__).resolve().relative_to(ROOT)
ERRMODEL = Path("adcheck/judging/errmodel.py")
KINDS_HOME = Path("engines/kinds.py")
PROBE_MATH = ("miss_probability", "detectable", "dot_rounding")


def _trees():
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT), ast.parse(path.read_text(encoding="utf-8"))


TREES = list(_trees())


def _named(node, name: str) -> bool:
    return (isinstance(node, ast.Name) and node.id == name) or \
        (isinstance(node, ast.Attribute) and node.attr == name)


def route_products(tree) -> list[int]:
    """Lines where ROUTE_FACTOR enters arithmetic: the allowance being composed."""
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.BinOp)
            and (_named(n.left, "ROUTE_FACTOR") or _named(n.right, "ROUTE_FACTOR"))]


def kind_tables(tree) -> list[int]:
    """Lines of a kinds table: ``KINDS`` / ``RECORD_KINDS`` assigned, or a dict literal that
    maps derivative kinds to integers (an order table; a tolerance per kind is no table of
    kinds)."""
    out = []
    for n in ast.walk(tree):
        if isinstance(n, (ast.Assign, ast.AnnAssign)):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            if any(_named(t, "KINDS") or _named(t, "RECORD_KINDS") for t in targets):
                out.append(n.lineno)
        elif isinstance(n, ast.Dict):
            keys = [k.value for k in n.keys if isinstance(k, ast.Constant)]
            orders = all(isinstance(v, ast.Constant) and type(v.value) is int for v in n.values)
            if sum(k in kinds.KIND_TABLE for k in keys) >= 2 and orders:
                out.append(n.lineno)
    return out


def test_the_allowance_formula_is_composed_in_the_error_model_only():
    found = {str(p): lines for p, t in TREES if p != ERRMODEL and p.parts[0] != "tests"
             for lines in [route_products(t)] if lines}  # tests may restate the formula
    assert found == {}, "compose the allowance with errmodel.rounding_allowance and its kin"


def test_the_probe_arithmetic_is_defined_in_the_error_model_only():
    found = sorted((str(p), n.name) for p, t in TREES if p != ERRMODEL for n in t.body
                   if isinstance(n, ast.FunctionDef) and n.name.lstrip("_") in PROBE_MATH)
    assert found == []


def test_one_kinds_table():
    found = {str(p): lines for p, t in TREES if p not in (KINDS_HOME, HERE)
             for lines in [kind_tables(t)] if lines}
    assert found == {}, "read the kinds and their orders from adcheck.engines.kinds"


@pytest.mark.parametrize("source, products, tables", [
    ("allow = em.ROUTE_FACTOR * u * e + u * abs(r)\n", 1, 0),
    ("x = term / (ROUTE_FACTOR * U)\n", 1, 0),
    ("text = f'{em.ROUTE_FACTOR:g} u E'\n", 0, 0),
    ('KINDS = ("gradient", "hessian")\n', 0, 1),
    ('ORDER = {"gradient": 1, "hessian": 2}\n', 0, 1),
    ('ENGINES = {"gradient": ("reverse",), "hessian": ("forward",)}\n', 0, 0),
    ('ACCURACY = {"gradient": 1e-8, "hessian": 1e-6}\n', 0, 0),
])
def test_the_guards_catch_what_they_are_for(source, products, tables):
    tree = ast.parse(source)
    assert (len(route_products(tree)), len(kind_tables(tree))) == (products, tables)


def test_every_user_reads_the_same_table():
    from adcheck.api import check as api_check
    from adcheck.engines import base, exact_engine
    from adcheck.identities import record
    assert api_check.KINDS is base.KINDS is exact_engine.KINDS is em.KINDS is kinds.KINDS
    assert record.RECORD_KINDS is em.RECORD_KINDS is kinds.RECORD_KINDS
    assert em.ORDER is kinds.ORDER
    assert set(kinds.KINDS) < set(kinds.RECORD_KINDS) == set(kinds.KIND_TABLE)


def test_the_orders_and_smoothness_the_callers_had():
    """The values each former table gave, kept: the error model judged a cost claim at order 0
    (no derivative) while the catalogue asks C^1 of it (it counts a gradient's passes)."""
    assert kinds.ORDER == {"gradient": 1, "jacobian": 1, "hessian": 2, "hvp": 2, "laplacian": 2,
                           "derivative": 1, "jvp": 1, "vjp": 1, "residual": 2, "cost": 0,
                           "property": 1}
    assert {k: v for k, v in kinds.SMOOTHNESS.items() if v != kinds.ORDER[k]} == {"cost": 1}
    assert set(kinds.KINDS) == {"jacobian", "gradient", "hessian", "hvp", "jvp", "vjp",
                                "laplacian", "derivative"}
