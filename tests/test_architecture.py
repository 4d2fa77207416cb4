"""The shape of the package: one import root, arrows one way, no import loops, packaging."""

import ast
import importlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MOUNTS = {"adcheck": "adcheck", "engines": "adcheck.engines", "identities": "adcheck.identities"}


def _modules() -> dict[str, Path]:
    """Every module of the distribution, by its import name."""
    out = {}
    for folder, name in MOUNTS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).with_suffix("").parts
            if rel[-1] == "__init__":
                rel = rel[:-1]
            out[".".join([name, *rel])] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The modules ``name`` imports anywhere in its body (lazy imports count as arrows too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
            found.update(subs or [target])
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def _is_package_init(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def test_no_import_loops_between_modules():
    """A package's __init__ re-exports its modules; loops through an __init__ are not loops
    between modules, so each __init__ is left out of the graph."""
    graph = {v: {w for w in ws if not _is_package_init(w)}
             for v, ws in GRAPH.items() if not _is_package_init(v)}
    assert _cycles(graph) == []


def _layer(name: str) -> str:
    for prefix in ("adcheck.engines", "adcheck.identities"):
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return "adcheck"


def test_arrows_point_one_way():
    """engines import nothing else of adcheck; identities import only engines."""
    allowed = {"adcheck.engines": {"adcheck.engines"},
               "adcheck.identities": {"adcheck.engines", "adcheck.identities"},
               "adcheck": {"adcheck.engines", "adcheck.identities", "adcheck"}}
    bad = [(v, w) for v, ws in GRAPH.items() for w in ws
           if _layer(w) not in allowed[_layer(v)] and w != "adcheck"]
    assert bad == []


# adcheck's packages, lowest first: a module imports its own package and lower layers only.
# Running produces results and the report renders them, so nothing in running imports the
# report; the CLI and the entry points sit on top of everything.
PACKAGE_LAYERS = (
    ("adcheck.engines",),
    ("adcheck.identities",),
    ("adcheck.judging",),
    ("adcheck.api", "adcheck.frameworks"),
    ("adcheck.running",),
    ("adcheck.report", "adcheck.audit"),
    ("adcheck.cli", "adcheck.pytest_plugin", "adcheck.torch", "adcheck.jax"),
    ("adcheck.__main__",),
)
RANK = {package: rank for rank, layer in enumerate(PACKAGE_LAYERS) for package in layer}


def _package(name: str) -> str:
    """The entry of PACKAGE_LAYERS that module ``name`` belongs to."""
    for package in RANK:
        if name == package or name.startswith(package + "."):
            return package
    raise AssertionError(f"{name} is in no layer of PACKAGE_LAYERS: add its package there")


def upward_arrows(graph) -> list[tuple[str, str]]:
    """(importer, imported) of every import of a module of another package at the same layer
    or above (the package root ``adcheck``, which only re-exports lazily, is left out)."""
    return sorted((v, w) for v, ws in graph.items() if v != "adcheck" for w in ws
                  if w != "adcheck" and _package(w) != _package(v)
                  and RANK[_package(w)] >= RANK[_package(v)])


def test_packages_import_only_lower_layers():
    assert upward_arrows(GRAPH) == []


def test_an_import_of_the_report_from_running_is_an_arrow_up(tmp_path):
    """The rule catches what it is for: results.py once rendered the page itself."""
    path = tmp_path / "results.py"
    path.write_text("def render_report(results, out_dir):\n"
                    "    from adcheck.report import render\n"
                    "    return render(results, out_dir)\n")
    graph = {"adcheck.running.results": _imports("adcheck.running.results", path)}
    assert upward_arrows(graph) == [("adcheck.running.results", "adcheck.report.render")]


def test_user_modules_named_engines_or_identities_break_nothing(tmp_path):
    (tmp_path / "engines.py").write_text("raise RuntimeError('the user engines.py was imported')\n")
    (tmp_path / "identities.py").write_text("raise RuntimeError('the user identities.py')\n")
    code = ("import adcheck, adcheck.engines, adcheck.identities; "
            "print(len(adcheck.engines.ENGINES))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0


def test_pyproject_lists_every_package_folder():
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())
                   ["tool"]["setuptools"]["packages"])
    on_disk = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    assert declared == on_disk


@pytest.mark.parametrize("layer", ["adcheck.engines", "adcheck.identities"])
def test_lower_layers_import_without_the_judging_code(layer):
    code = (f"import sys, {layer}; "
            "loaded = [m for m in sys.modules if m.startswith('adcheck.') and "
            "not m.startswith(('adcheck.engines', 'adcheck.identities'))]; print(loaded)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# Where the documentation names adcheck's modules: the README and every page under docs/.
DOC_PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
# `adcheck.x.y` anywhere in a page (in code, in prose, called or not); not a schema id such as
# adcheck.results/1 nor part of a file name such as audit-adcheck.html.
DOTTED = r"(?<![\w/.-])(adcheck(?:\.[A-Za-z_]\w*)+)(?![\w/])"


def _resolves(name: str) -> bool:
    """Whether ``name`` is a module, or a name in one, as Python imports it."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False
        return True
    return False


def test_every_dotted_name_the_readme_and_docs_name_exists():
    """`adcheck.x.y` (or `adcheck.x.y(...)`) in the README or in docs/ is importable: a module,
    or a name in one; a page that names a module from before a move fails here. Entry point
    groups (adcheck.plugins) are names of another kind."""
    named = {(page.relative_to(ROOT).as_posix(), name) for page in DOC_PAGES
             for name in re.findall(DOTTED, page.read_text(encoding="utf-8"))}
    missing = sorted((page, name) for page, name in named
                     if name != "adcheck.plugins" and not _resolves(name))
    assert {page for page, _ in named} >= {"README.md"} and missing == []


def test_a_page_naming_a_module_from_before_the_split_is_caught():
    text = "the allowance (``adcheck.errmodel``), see `adcheck.running.results.stable`; " \
           "schema adcheck.results/1, audit-adcheck.html"
    names = re.findall(DOTTED, text)
    assert names == ["adcheck.errmodel", "adcheck.running.results.stable"]
    assert [_resolves(n) for n in names] == [False, True]
