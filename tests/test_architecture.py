"""Import rules of the layout (DESIGN.md), checked by parsing the source with ``ast``.

- No module under ``board/`` other than ``board/ui/`` imports streamlit: the domain
  and services stay usable from the command line, tests and benchmarks.
- Pages (``pages/``) stay thin: they never talk to SQLAlchemy or pydicom directly.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOARD = ROOT / "board"
PAGES = ROOT / "pages"
UI = BOARD / "ui"
PAGE_FORBIDDEN = ("sqlalchemy", "pydicom")


def imported_modules(source: str, filename: str = "<source>") -> set[str]:
    """Every absolute module name a piece of Python source imports.

    Covers ``import a.b``, ``from a.b import c`` (anywhere: top level, functions,
    ``TYPE_CHECKING`` blocks) and ``importlib.import_module("a")`` /
    ``__import__("a")`` with a literal name. Relative imports are skipped: they
    cannot reach a third-party package.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.add(node.module)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else None
            )
            first = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                found.add(first.value)
    return found


def imports_package(source: str, package: str, filename: str = "<source>") -> bool:
    """Whether ``source`` imports ``package`` or one of its submodules."""
    return any(
        name == package or name.startswith(package + ".")
        for name in imported_modules(source, filename)
    )


def _python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _offenders(files: list[Path], package: str) -> list[str]:
    return [
        str(path.relative_to(ROOT))
        for path in files
        if imports_package(path.read_text(encoding="utf-8"), package, str(path))
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import streamlit as st", True),
        ("import streamlit.components.v1", True),
        ("from streamlit import session_state", True),
        ("from streamlit.testing.v1 import AppTest", True),
        ("def f():\n    import streamlit\n", True),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import streamlit\n", True),
        ("import importlib\nimportlib.import_module('streamlit')", True),
        ("__import__('streamlit')", True),
        ("import streamlit_extras", False),
        ("import mystreamlit", False),
        ("from . import streamlit", False),
        ("x = 'import streamlit'  # import streamlit", False),
    ],
)
def test_import_detector(source: str, expected: bool) -> None:
    assert imports_package(source, "streamlit") is expected


def test_board_outside_ui_never_imports_streamlit() -> None:
    files = [p for p in _python_files(BOARD) if UI not in p.parents]
    assert len(files) > 20, "the board package was not found where expected"
    offenders = _offenders(files, "streamlit")
    assert offenders == [], f"only board/ui may import streamlit; found in: {offenders}"


def test_board_ui_is_where_streamlit_lives() -> None:
    # Guards the exemption above: if board/ui moved, the rule would silently cover less.
    assert _offenders(_python_files(UI), "streamlit"), "board/ui no longer imports streamlit"


@pytest.mark.parametrize("package", PAGE_FORBIDDEN)
def test_pages_do_not_import_database_or_dicom_libraries(package: str) -> None:
    files = _python_files(PAGES)
    assert files, "no pages found"
    offenders = _offenders(files, package)
    assert offenders == [], f"pages must go through board services, not {package}: {offenders}"


UI_MODULES = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts)
    for path in UI.rglob("*.py")
    if path.name != "__init__.py"
)


def test_every_ui_module_imports_first_in_a_fresh_interpreter() -> None:
    """Pages import UI modules in any order: none may depend on a cycle being entered
    from the "right" side (a page that happens to import it first would fail)."""
    import subprocess
    import sys

    script = (
        "import importlib, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('board')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError as error:\n"
        "        failed.append(f'{name}: {error}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *UI_MODULES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------
# Layers (ARCHITECTURE.md): every import of a board module, wherever it is made (top
# level, inside a function, under TYPE_CHECKING), goes to the same package or to a
# lower layer. Vocabulary modules are the base every layer may use.
# ---------------------------------------------------------------------------

#: Modules that name things (enums, levels, roles, the actor, the permission matrix,
#: the catalogue of plan components) and import nothing but other vocabulary.
VOCABULARY_MODULES = frozenset(
    {
        "board.errors",
        "board.auth",
        "board.auth.roles",
        "board.auth.actor",
        "board.auth.permissions",
        "board.cases.levels",
        "board.plans.catalogue",
        "board.wording",
    }
)

#: board's packages and top-level modules, lowest first. A module may import its own
#: package, vocabulary, and anything in a lower layer; never a higher or equal one.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("board.settings", "board.db", "board.logs", "board.processes", "board.heap"),
    ("board.scoring", "board.installation", "board.localtime"),
    ("board.audit",),
    ("board.accounts",),
    ("board.assessments", "board.imaging", "board.pathology"),
    ("board.cases",),
    ("board.meetings",),
    ("board.followup", "board.reports"),
    ("board.plans",),
    ("board.worklist", "board.outreach"),
    ("board.analytics",),
    ("board.demo", "board.web", "board.backup"),
    ("board.cli", "board.ui"),
    ("board.__main__", "board"),
)

#: Imports of board modules made inside functions, each with its reason. Anything
#: else is imported at the top of its module.
LATE_IMPORTS: dict[tuple[str, str], str] = {
    ("board.ui.downloads", "board.reports.fhir"): "fhir.resources loads on the click",
    ("board.cli", "board.reports.fhir"): "fhir.resources loads only for export-fhir",
}
MAX_LATE_IMPORTS = 5


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


BOARD_MODULES: dict[str, Path] = {
    _module_name(p): p for p in _python_files(BOARD) if "migrations" not in p.parts
}


def _resolve(name: str) -> str | None:
    """The board module an imported name lives in (``board.a.b.C`` -> ``board.a.b``)."""
    while name:
        if name in BOARD_MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def board_imports(module: str, source: str) -> list[tuple[str, bool]]:
    """Every board module ``module`` imports, with whether the import is in a function.

    Relative imports are resolved; ``from board.a import b`` counts ``board.a.b`` when
    ``b`` is a module.
    """
    is_package = BOARD_MODULES.get(module, Path("x.py")).name == "__init__.py"
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = module.split(".") if is_package else module.split(".")[:-1]
                    package = package[: len(package) - (child.level - 1)]
                    base = ".".join([*package, *([child.module] if child.module else [])])
                names = [base, *(f"{base}.{alias.name}" for alias in child.names)]
            for name in names:
                target = _resolve(name) if name.startswith("board") else None
                if target and target != module:
                    found.append((target, in_function))
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


GRAPH: dict[str, list[tuple[str, bool]]] = {
    module: board_imports(module, path.read_text(encoding="utf-8"))
    for module, path in BOARD_MODULES.items()
}


def _is_vocabulary(module: str) -> bool:
    return module in VOCABULARY_MODULES or module.endswith(".enums")


def _layer(module: str) -> tuple[int, str]:
    """(layer index, unit) of a non-vocabulary module; the unit is its package."""
    for index, units in enumerate(LAYERS):
        for unit in sorted(units, key=len, reverse=True):
            if module == unit or module.startswith(unit + "."):
                return index, unit
    raise AssertionError(f"{module} is in no layer: add its package to LAYERS")


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_import_finder_counts_imports_inside_functions() -> None:
    source = (
        "from board.cases import service\n"
        "def f():\n    from board.plans.lifecycle import finalize_plan\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import board.reports.service\n"
    )
    found = dict(board_imports("board.meetings.x", source))
    assert found.get("board.cases.service") is False
    assert found.get("board.reports.service") is False
    assert _resolve("board.cases.service.get_case") == "board.cases.service"
    assert _resolve("board.cases") == "board.cases"


def test_every_board_module_is_in_a_layer() -> None:
    assert len(BOARD_MODULES) > 50
    for module in BOARD_MODULES:
        if not _is_vocabulary(module):
            _layer(module)


def test_no_import_cycle_between_files() -> None:
    edges = {m: {t for t, _ in imports} for m, imports in GRAPH.items()}
    assert _cycles(edges) == []


def test_no_import_cycle_between_packages() -> None:
    """board's subpackages and top-level modules; imports of vocabulary do not count."""

    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    edges: dict[str, set[str]] = {}
    for module, imports in GRAPH.items():
        for target, _ in imports:
            if package(target) != package(module) and not _is_vocabulary(target):
                edges.setdefault(package(module), set()).add(package(target))
    assert _cycles(edges) == []


def test_vocabulary_imports_only_vocabulary() -> None:
    offenders = [
        f"{module} -> {target}"
        for module, imports in GRAPH.items()
        if _is_vocabulary(module)
        for target, _ in imports
        if not _is_vocabulary(target)
    ]
    assert offenders == [], "vocabulary modules form the base layer: " + ", ".join(offenders)


def test_imports_go_down_the_layers() -> None:
    offenders = []
    for module, imports in GRAPH.items():
        if _is_vocabulary(module):
            continue
        level, unit = _layer(module)
        for target, _ in imports:
            if _is_vocabulary(target):
                continue
            target_level, target_unit = _layer(target)
            if target_unit != unit and target_level >= level:
                offenders.append(f"{module} -> {target}")
    assert offenders == [], "imports against the layer order: " + ", ".join(sorted(offenders))


def test_reports_do_not_depend_on_meetings() -> None:
    offenders = [
        f"{module} -> {target}"
        for module, imports in GRAPH.items()
        if module.startswith("board.reports")
        for target, _ in imports
        if target.startswith("board.meetings") and not _is_vocabulary(target)
    ]
    assert offenders == []


def test_imports_inside_functions_are_few_and_explained() -> None:
    late = sorted({(m, t) for m, imports in GRAPH.items() for t, inner in imports if inner})
    unexplained = [pair for pair in late if pair not in LATE_IMPORTS]
    assert unexplained == [], "import these at the top of the module (or explain): " + str(
        unexplained
    )
    assert len(late) <= MAX_LATE_IMPORTS


def test_importing_the_accounts_module_hashes_no_password() -> None:
    """Every process imports it (the app, each command, each interpreter of the tests):
    the dummy hash for unknown usernames is made on first use, not at import."""
    import subprocess
    import sys

    script = (
        "import argon2\n"
        "calls = []\n"
        "real = argon2.PasswordHasher.hash\n"
        "def counting(self, *args, **kwargs):\n"
        "    calls.append(1)\n"
        "    return real(self, *args, **kwargs)\n"
        "argon2.PasswordHasher.hash = counting\n"
        "import board.accounts.users\n"
        "print(len(calls))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
