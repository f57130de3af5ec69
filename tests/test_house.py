"""The shape of the house (docs/architecture.md): imports flow one way, modules stay small, the public face is
explicit. Read from the source with ast, so the check needs nothing imported and sees every import, including
those inside functions (only ``if TYPE_CHECKING:`` blocks are left out: they never run)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import allysim

PACKAGE = Path(allysim.__file__).resolve().parent
MOST_LINES = 700


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(node) for block in ast.walk(tree)
               if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
               for node in ast.walk(block)}
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # `from . import engine` imports a module; `from .x import f` imports x
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_no_inner_module_imports_the_package_face():
    edges = graph()
    assert sorted(name for name, targets in edges.items() if "allysim" in targets) == []


ROOT = Path(__file__).resolve().parents[1]


def drawing() -> ModuleType:
    """docs/make_architecture.py, which reads the house's table in docs/architecture.md (and draws it)."""
    spec = importlib.util.spec_from_file_location("make_architecture", ROOT / "docs" / "make_architecture.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def layers(text: str) -> list[tuple[str, list[str]]]:
    """The house's table: (layer, its dotted module names) from the bottom up, read as the picture reads it."""
    draw = drawing()
    return [(name, draw.modules_of(tokens)) for name, tokens, _job in draw.layers(text)]


def test_the_table_reader_reads_packages_modules_and_skips_remarks():
    text = ("| layer | modules | job |\n| --- | --- | --- |\n"
            "| low | `a.py` (`Thing`: a remark), `pkg/`: `x`, `y`; `b.py` | job |\n| top | `__init__.py` | face |")
    assert layers(text) == [("low", ["allysim.a", "allysim.pkg", "allysim.pkg.x", "allysim.pkg.y", "allysim.b"]),
                            ("top", ["allysim"])]


def test_every_module_is_in_one_layer_of_the_documented_house_and_imports_only_below():
    rows = layers((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    listed = [m for _, names in rows for m in names]
    known = modules()
    assert sorted(m for m in set(listed) if listed.count(m) > 1) == []  # each module in one row
    assert sorted(set(listed) - set(known)) == []  # the table names no module that is gone
    assert sorted(set(known) - set(listed)) == []  # every module has its row
    layer = {m: i for i, (_, names) in enumerate(rows) for m in names}
    upward = sorted(f"{a} ({rows[layer[a]][0]}) -> {b} ({rows[layer[b]][0]})"
                    for a, targets in graph().items() for b in targets if layer[b] > layer[a])
    assert upward == []


def test_no_module_is_much_over_700_lines():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    assert {name: n for name, n in sizes.items() if n > MOST_LINES} == {}


def test_the_public_face_lists_every_name_and_each_resolves():
    lazy = set(allysim._LAZY)
    eager = {"__version__", "AllysimError", "ScenarioError", "SimulationError", "UsageError", "OutputError",
             "RegisterError"}
    assert set(allysim.__all__) == lazy | eager
    for name in allysim.__all__:
        assert getattr(allysim, name) is not None
    # the names type checkers see (plain imports under TYPE_CHECKING) are the same as those loaded on first use
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    typed = {alias.name: node.module for block in ast.walk(tree)
             if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
             for node in ast.walk(block) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert typed == allysim._LAZY


def test_importing_the_package_loads_no_numerics():
    code = ("import sys, allysim, allysim.cli; "
            "print(','.join(m for m in ('numpy', 'scipy', 'simpy', 'pydantic', 'matplotlib') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_names_defined(tree: ast.AST) -> set[str]:
    """The underscore names a module defines: functions, classes, module or class assignments, ``self._x = ...``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            found.add(node.id if isinstance(node, ast.Name) else node.attr)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
    return {n for n in found if _private(n)}


def private_reads_across_modules() -> list[str]:
    """Each place a module imports another allysim module's underscore name, or reads ``x._name`` (``x`` not
    ``self`` or ``cls``) where ``_name`` is defined by another allysim module and not by itself."""
    known = modules()
    trees = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in known.items()}
    defined = {name: private_names_defined(tree) for name, tree in trees.items()}
    elsewhere = {n for names in defined.values() for n in names}
    wrong = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("allysim")):
                wrong += [f"{name}:{node.lineno}: imports {a.name}" for a in node.names if _private(a.name)]
            elif (isinstance(node, ast.Attribute) and _private(node.attr) and node.attr in elsewhere
                  and node.attr not in defined[name]
                  and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                wrong.append(f"{name}:{node.lineno}: reads {ast.unparse(node)}")
    return sorted(wrong)


def test_the_private_name_finder_sees_imports_and_attribute_reads(tmp_path, monkeypatch):
    (tmp_path / "allysim").mkdir()
    (tmp_path / "allysim" / "__init__.py").write_text("")
    (tmp_path / "allysim" / "a.py").write_text("class A:\n    def __init__(self):\n        self._x = 1\n"
                                               "def _f():\n    return 2\n")
    (tmp_path / "allysim" / "b.py").write_text("from .a import _f, A\nprint(A()._x, _f())\n")
    (tmp_path / "allysim" / "c.py").write_text("import os\nos._exit\nclass C:\n    _y = 1\n    def g(self, o):\n"
                                               "        return o._y, self._y\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "allysim")
    assert private_reads_across_modules() == ["allysim.b:1: imports _f", "allysim.b:2: reads A()._x"]


def test_no_module_reads_another_modules_private_names():
    """Engine, life, membership and the rest share what they share under public names (allysim.compiled)."""
    assert private_reads_across_modules() == []


def test_the_pictures_read_the_folder_and_never_the_simulation_or_a_fit():
    """Charts, deck and brief draw what an output folder holds: they import neither the simulation, nor the studies,
    nor the calibration's fitting (its curves are in calibration.json), nor the summaries of runs (folder.py hands
    those over), nor the verdicts (the studies' JSON records them)."""
    computing = ("allysim.engine", "allysim.life", "allysim.membership", "allysim.runner", "allysim.sharing",
                 "allysim.pathtables", "allysim.studies", "allysim.sweeps", "allysim.portfolios", "allysim.sensitivities",
                 "allysim.information", "allysim.calibration", "allysim.history", "allysim.analysis",
                 "allysim.verdicts")
    wrong = sorted(f"{a} -> {b}" for a, targets in graph().items()
                   if a.startswith(("allysim.plotting", "allysim.deck")) for b in targets if b in computing)
    assert wrong == []


def test_the_pictures_take_no_summary_of_numbers_from_stats():
    """From stats.py the charts and the deck take only the shape of a survival curve and the widening of an
    interval by a second error: never a function that summarises runs (the NPV chart once computed its P10, P50,
    P90 and mean when summary.json held one as null; now it leaves that mark out)."""
    allowed = {"CURVE_POINTS", "SurvivalCurve", "widened_interval"}
    taken = set()
    for name, path in modules().items():
        if not name.startswith(("allysim.plotting", "allysim.deck")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "stats":
                taken |= {f"{name}: {a.name}" for a in node.names if a.name not in allowed}
    assert sorted(taken) == []
