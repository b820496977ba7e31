"""Frozen figures (issue 21): a site built with TensorFlow keeps its figures
in RNN_FIGURES_FROZEN_PATH; its content and that folder alone (no cache),
built in a fresh virtual environment with only Pelican, Markdown, Pygments and
the plugin (``--no-deps``), give the same bytes; an edited snippet is a
warning at its line that ``--fatal warnings`` turns into a failed build; and
the README's GitHub Actions recipe, run command by command, builds every
figure.

The fresh environment is made once, by the recipe's own install commands
(the plugin from a copy of this repository, the three packages pinned by
``PIP_CONSTRAINT`` to this environment's versions, pip's cache used).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import HEADER, REPO, make_site, run_pelican

from pelican_rnn_figures.site.frozen import CHANGED

FROZEN = "frozen-figures"
EXTRA = f'RNN_FIGURES_FROZEN_PATH = "{FROZEN}"\nRNN_FIGURES_DPI = 50\nRNN_FIGURES_WORKERS = 1\n'
PUBLISHCONF = 'import os, sys\nsys.path.append(os.curdir)\nfrom pelicanconf import *\nSITEURL = "https://example.org"\nRELATIVE_URLS = False\nFEED_ALL_ATOM = "feeds/all.atom.xml"\nDELETE_OUTPUT_DIRECTORY = True\n'

CLEAN = """
An LSTM.

```python rnn-figure caption="An LSTM over three steps"
model = Sequential([Input((3, 2)), LSTM(2)])
```

A GRU that says what it prints.

```python rnn-figure
model = Sequential([Input((3, 2)), GRU(2)])
print(model.predict(np.ones((1, 3, 2)), verbose=0).shape)  # (1, 2)
```
"""
WARNED = """
A promise that is wrong.

```python rnn-figure
model = Sequential([Input((3, 2)), SimpleRNN(3)])
print(model.predict(np.ones((1, 3, 2)), verbose=0).shape)  # (1, 4)
```
"""
FAILING = """
A mistake.

```python rnn-figure
model = Sequential([Input((3, 2)), SimpleRNN(2)])
print(undefined_name)
```
"""
ARTICLE = HEADER.format(title="Frozen", slug="frozen") + CLEAN + WARNED + FAILING
FIGURES = [f"output/images/rnn-figures/frozen-{n}" for n in (1, 2, 3)]


def _site_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def writer(tmp_path_factory) -> Path:
    """The writer's site, built with TensorFlow: its output and frozen folder."""
    root = make_site(tmp_path_factory.mktemp("writer"), {"frozen.md": ARTICLE}, EXTRA)
    (root / "publishconf.py").write_text(PUBLISHCONF, encoding="utf-8")
    result = run_pelican(root)
    assert result.returncode == 0, result.log
    assert "NameError" in result.log and "(1, 4)" in result.log, result.log
    return root


def _recipe() -> tuple[list[str], list[str]]:
    """The install and build commands of the README's workflow."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Publish from anywhere") :]
    workflow = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert workflow is not None
    commands, lines = [], workflow.group(1).splitlines()
    for number, line in enumerate(lines):
        if (run := re.match(r"^(\s*)run: (.*)$", line)) is None:
            continue
        if run.group(2) != "|":
            commands.append(run.group(2))
            continue
        indent = len(run.group(1))
        for body in lines[number + 1 :]:
            if len(body) - len(body.lstrip()) <= indent:
                break
            commands.append(body.strip())
    install = [command for command in commands if "pip install" in command]
    build = [command for command in commands if command.startswith("pelican ")]
    assert install and len(build) == 1, commands
    return install, build


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory) -> Path:
    """A fresh virtual environment made by the recipe's install commands: its bin folder."""
    import time

    started = time.monotonic()
    place = tmp_path_factory.mktemp("fresh")
    source = place / "plugin"  # a copy, so pip builds nothing inside the repository
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "pelican_rnn_figures", source / "pelican_rnn_figures")
    frozen_versions = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    )
    pins = [
        line for line in frozen_versions.stdout.splitlines() if "==" in line and "rnn" not in line.lower()
    ]
    (place / "constraints.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "venv", str(place / "venv")], check=True)
    bin_dir = place / "venv" / "bin"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PIP_CONSTRAINT": str(place / "constraints.txt"),
    }
    env.pop("PYTHONPATH", None)
    install, _ = _recipe()
    for command in install:
        command = command.replace("--no-deps pelican-rnn-figures", f"--no-deps {source}")
        completed = subprocess.run(command, shell=True, cwd=place, env=env, capture_output=True, text=True)
        assert completed.returncode == 0, completed.stdout + completed.stderr
    probe = subprocess.run(
        [
            bin_dir / "python",
            "-c",
            "import importlib.util as u, pelican_rnn_figures as p;"
            "print([n for n in ('tensorflow', 'keras', 'numpy', 'matplotlib') if u.find_spec(n)], p.__file__)",
        ],
        cwd=place,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    missing, plugin_file = probe.stdout.strip().rsplit(" ", 1)
    assert missing == "[]" and plugin_file.startswith(str(place / "venv")), probe.stdout
    print(f"fresh environment made in {time.monotonic() - started:.1f} s")
    return bin_dir


def _reader_copy(writer: Path, dest: Path, article: str | None = None) -> Path:
    """What the writer commits: content, settings and the frozen folder; no cache, no output."""
    shutil.copytree(writer / "content", dest / "content")
    shutil.copytree(writer / FROZEN, dest / FROZEN)
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy(writer / name, dest / name)
    if article is not None:
        (dest / "content" / "frozen.md").write_text(article, encoding="utf-8")
    return dest


def _pelican_in(bin_dir: Path, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "COLUMNS": "400"}
    env.pop("PYTHONPATH", None)
    command = [str(bin_dir / "pelican"), "content", "-s", "pelicanconf.py", "-o", "output", *args]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=600)


def test_the_frozen_folder_holds_what_the_articles_use(writer):
    manifest = json.loads((writer / FROZEN / "frozen" / "manifest.json").read_text(encoding="utf-8"))
    records = list(manifest["figures"].values())
    assert len(records) == 4
    assert sum("error" in record for record in records) == 1
    files = sorted(
        p.relative_to(writer / FROZEN).as_posix() for p in (writer / FROZEN).rglob("*") if p.is_file()
    )
    stems = [f"frozen/images/rnn-figures/frozen-{n}" for n in (1, 2, 3)]
    assert files == sorted(
        [
            "block-names.json",
            "frozen/manifest.json",
            *(s + e for s in stems for e in (".json", ".png", ".svg", ".portrait.svg")),
        ]
    )


def test_a_rebuild_rewrites_nothing_and_unused_figures_go(writer, tmp_path):
    before = {p: p.stat().st_mtime_ns for p in (writer / FROZEN).rglob("*")}
    rebuilt = run_pelican(writer)  # (the same bytes in output/)
    assert rebuilt.returncode == 0 and "running" not in rebuilt.log, rebuilt.log
    assert {p: p.stat().st_mtime_ns for p in (writer / FROZEN).rglob("*")} == before
    # A copy, its article cut to the first two snippets (whose keys stay): nothing runs.
    site = tmp_path / "site"
    shutil.copytree(writer, site)
    (site / "content" / "frozen.md").write_text(HEADER.format(title="Frozen", slug="frozen") + CLEAN)
    result = run_pelican(site)
    assert result.returncode == 0 and "running" not in result.log, result.log  # nothing ran
    manifest = json.loads((site / FROZEN / "frozen" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["figures"]) == 2
    assert not list((site / FROZEN).rglob("frozen-3.*"))
    # An article gone (as if frozen-old.md were deleted): its folder goes with it.
    shutil.copytree(writer / FROZEN / "frozen", site / FROZEN / "frozen-old")
    assert run_pelican(site).returncode == 0
    assert not (site / FROZEN / "frozen-old").exists()
    assert (site / FROZEN / "frozen" / "manifest.json").exists()


def test_without_tensorflow_the_frozen_site_is_the_same_bytes(writer, fresh_env, tmp_path):
    reader = _reader_copy(writer, tmp_path / "reader")
    result = _pelican_in(fresh_env, reader)
    assert result.returncode == 0, result.stdout + result.stderr
    log = result.stdout + result.stderr
    assert "NotExecuted" not in log and "NameError" in log and "(1, 4)" in log, log
    mine, theirs = _site_files(reader / "output"), _site_files(writer / "output")
    assert sorted(mine) == sorted(theirs)
    different = [name for name in mine if mine[name] != theirs[name]]
    assert not different
    assert sum(name.endswith(".png") for name in mine) == 3
    # What each block needs came from the frozen folder: nothing was analysed again.
    assert not list((reader / "cache").rglob("block-names.json"))


def test_an_edited_snippet_is_a_warning_at_its_line_and_fatal(writer, fresh_env, tmp_path):
    # Two lines of prose above everything (every block moves) and the last snippet edited.
    header = HEADER.format(title="Frozen", slug="frozen")
    edited = (
        header + "\nNew prose.\nMore of it.\n" + CLEAN + WARNED + FAILING.replace("undefined_name", "'fixed'")
    )
    reader = _reader_copy(writer, tmp_path / "reader", edited)
    result = _pelican_in(fresh_env, reader)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    last_fence = [n for n, line in enumerate(edited.splitlines(), 1) if line.startswith("```python")][-1]
    changed = f"frozen.md:{last_fence}: RNN figure failed: NotExecuted: {CHANGED}"
    assert changed in re.sub(r"\s+", " ", log), log
    promise = next(n for n, line in enumerate(edited.splitlines(), 1) if "# (1, 4)" in line)
    assert f"frozen.md:{promise}:" in log, log  # the frozen warning, at the line of now
    assert log.count("NotExecuted") == 1, log
    for stem in FIGURES:
        for extension in (".png", ".svg", ".json"):
            assert (reader / (stem + extension)).stat().st_size > 0
    data = json.loads((reader / (FIGURES[1] + ".json")).read_text(encoding="utf-8"))
    predict = next(n for n, line in enumerate(edited.splitlines(), 1) if "(1, 2)" in line)
    assert data["data_from"]["line"] == predict


def test_a_changed_snippet_alone_fails_a_fatal_build(writer, fresh_env, tmp_path):
    # The recipe's build of the same article unchanged passes (test below).
    edited = HEADER.format(title="Frozen", slug="frozen") + CLEAN.replace("GRU(2)", "GRU(3)")
    reader = _reader_copy(writer, tmp_path / "reader", edited)
    fatal = _pelican_in(fresh_env, reader, "--fatal", "warnings")
    log = re.sub(r"\s+", " ", fatal.stdout + fatal.stderr)
    assert fatal.returncode != 0 and f"NotExecuted: {CHANGED}" in log, log
    assert "a bug of pelican_rnn_figures" not in log, log  # the writer's --fatal, not our bug


def test_the_readme_recipe_builds_every_figure(writer, fresh_env, tmp_path):
    clean = HEADER.format(title="Frozen", slug="frozen") + CLEAN
    site = _reader_copy(writer, tmp_path / "site", clean)
    _, [build] = _recipe()
    env = {**os.environ, "PATH": f"{fresh_env}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    completed = subprocess.run(
        build, shell=True, cwd=site, env=env, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for stem in FIGURES[:2]:
        for extension in (".png", ".svg", ".json"):
            assert (site / (stem + extension)).stat().st_size > 0
    page = (site / "output" / "frozen.html").read_text(encoding="utf-8")
    assert page.count("<figure") == 2 and "rnn-figure-error" not in page
