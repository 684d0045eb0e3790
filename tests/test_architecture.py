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
