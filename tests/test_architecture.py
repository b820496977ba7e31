"""The folders are the architecture: what runs inside Pelican never imports
the worker side or a heavy library, and the worker never imports Pelican's
side. Read with ``ast`` (imports inside functions too), so a lazy import
cannot hide; import-linter checks the same contracts in ``make test``."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

PACKAGE = Path(__file__).resolve().parent.parent / "pelican_rnn_figures"
HEAVY = {"numpy", "tensorflow", "keras", "matplotlib", "scipy", "h5py"}  # (Pelican itself imports PIL)
PELICAN = {"pelican", "markdown", "jinja2", "pygments"}


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, as absolute dotted names."""
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(relative.parts[:-1])  # the package a relative import starts from
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.add(base)
            # "from . import x" imports the module x.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def modules_under(*names: str) -> list[Path]:
    paths = []
    for name in names:
        path = PACKAGE / name
        paths += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return paths


def top(name: str) -> str:
    return name.split(".")[0]


def ours(name: str, part: str) -> bool:
    return name == f"pelican_rnn_figures.{part}" or name.startswith(f"pelican_rnn_figures.{part}.")


@pytest.mark.parametrize(
    "path", modules_under("site", "article", "common", "messages.py", "__init__.py"), ids=str
)
def test_the_pelican_side_imports_nothing_heavy_nor_the_worker(path):
    imported = imports_of(path)
    assert not {name for name in imported if ours(name, "worker")}, path
    assert not {top(name) for name in imported} & HEAVY, path


@pytest.mark.parametrize("path", modules_under("article", "common", "messages.py"), ids=str)
def test_shared_modules_depend_on_neither_side(path):
    imported = imports_of(path)
    assert not {name for name in imported if ours(name, "site") or ours(name, "worker")}, path
    assert not {top(name) for name in imported} & (HEAVY | {"pelican"}), path


@pytest.mark.parametrize("path", modules_under("common", "messages.py"), ids=str)
def test_messages_and_common_helpers_are_stdlib_only(path):
    imported = {top(name) for name in imports_of(path) if not ours(name, "common")}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


MAX_FUNCTION_LINES = 60  # ruff's C901 (max-complexity 12) checks the other half


def test_every_function_fits_on_a_screen():
    too_long = [
        f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in modules_under("")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not too_long


@pytest.mark.parametrize("path", modules_under("worker"), ids=str)
def test_the_worker_never_imports_pelican_or_the_site(path):
    imported = imports_of(path)
    assert not {name for name in imported if ours(name, "site")}, path
    assert not {top(name) for name in imported} & PELICAN, path


def test_only_the_renderer_imports_matplotlib():
    users = {
        path.relative_to(PACKAGE).as_posix()
        for path in modules_under("worker")
        if "matplotlib" in {top(name) for name in imports_of(path)}
    }
    assert users == {"worker/drawing/render.py"}


def test_the_checks_see_imports_inside_functions():
    # The site imports the runner lazily; the reader above must still see it.
    assert "pelican_rnn_figures.site.runner" in imports_of(PACKAGE / "site" / "figures.py")


def test_loading_the_plugin_imports_nothing_heavy():
    code = (
        "import sys, pelican_rnn_figures\n"
        "pelican_rnn_figures.register()\n"
        "import pelican_rnn_figures.site.figures, pelican_rnn_figures.site.runner\n"
        f"heavy = sorted(set({sorted(HEAVY)!r}) & set(sys.modules))\n"
        "worker = sorted(m for m in sys.modules if m.startswith('pelican_rnn_figures.worker'))\n"
        "print(heavy, worker)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[] []"


def test_python_dash_m_starts_a_worker_that_says_ready():
    result = subprocess.run(
        [sys.executable, "-m", "pelican_rnn_figures.worker"],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PACKAGE.parent,
    )
    assert result.returncode == 0, result.stderr
    assert '"event": "ready"' in result.stdout and '"protocol"' in result.stdout


def test_the_readme_tree_lists_every_module():
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    tree = readme[readme.index("pelican_rnn_figures/\n├──") :]
    tree = tree[: tree.index("```")]
    listed = set(re.findall(r"(\w+\.py)", tree))
    modules = {path.name for path in PACKAGE.rglob("*.py") if path.name != "__init__.py"} | {"__init__.py"}
    assert listed == modules
