"""RNN_FIGURES_PYTHON: its workers import from its environment and this plugin
only, and the cache keys carry the versions of what they import (every
TensorFlow distribution), read without running them on a warm build.

The second environment is a real virtual environment of its own whose
site-packages lists, after its own folder, a copy of Pelican's made of links
to every entry but Pelican's (so it has TensorFlow without a download, and no
Pelican), and holds metadata of its own: keras 9.9.9 and tensorflow-cpu 2.99.0.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from figure_checks import check_figure
from helpers import HEADER, REPO, make_site, run_pelican

from pelican_rnn_figures.site import cache as figure_cache
from pelican_rnn_figures.site import worker_python

PELICAN_SITE_PACKAGES = sysconfig.get_paths()["purelib"]
MARKER = "only_in_pelicans_environment"  # a module Pelican's process can import, a worker must not

PROBE = f"""\
import importlib.util
import sys
from importlib import metadata

print("prefix:", sys.prefix)
print("keras metadata:", metadata.version("keras"))
print("path:", "|".join(sys.path))
print("pelican:", importlib.util.find_spec("pelican") is not None)
print("marker:", importlib.util.find_spec("{MARKER}") is not None)
"""
ARTICLE = (
    HEADER.format(title="Worker", slug="worker")
    + "Rnn_example: a=[0.1, 0.2] b=[0.3, 0.4] c=[0.5, 0.6]\n\nWhere the snippets run.\n\n"
    + f"```python\n{PROBE}```\n\n"
    + "```python\nmodel = Sequential([Input((3, 2)), SimpleRNN(2)])\n```\n\n![](/images/worker.png)\n"
)


def _dist_info(folder: Path, name: str, version: str) -> None:
    info = folder / f"{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def _site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(
        subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    )


@pytest.fixture
def second_venv(tmp_path) -> tuple[Path, Path]:
    """Another virtual environment (its python, its site-packages): TensorFlow
    and the rest through links into Pelican's site-packages, listed after its
    own folder; Pelican and this plugin not among them; its own keras 9.9.9 and
    tensorflow-cpu 2.99.0 metadata first."""
    root = tmp_path / "second"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    own = _site_packages(python)
    shared = root / "pelicans-packages-but-pelican"
    shared.mkdir()
    for entry in os.listdir(PELICAN_SITE_PACKAGES):
        if not entry.startswith(("pelican", "__editable__", "__pycache__")):
            (shared / entry).symlink_to(os.path.join(PELICAN_SITE_PACKAGES, entry))
    (own / "pelicans-packages.pth").write_text(f"{shared}\n")
    _dist_info(own, "keras", "9.9.9")
    _dist_info(own, "tensorflow_cpu", "2.99.0")
    return python, own


@pytest.fixture
def pelican_environment(tmp_path) -> Path:
    """A folder as a wheel install leaves site-packages: this plugin (a copy)
    beside a module of Pelican's environment alone; Pelican's PYTHONPATH."""
    folder = tmp_path / "pelican-site-packages"
    shutil.copytree(
        REPO / "pelican_rnn_figures",
        folder / "pelican_rnn_figures",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (folder / f"{MARKER}.py").write_text("")
    return folder


def _probe(build) -> dict[str, str]:
    """What the probe block printed, in the page, line by line."""
    [output] = [
        pre.get_text()
        for pre in build.page("worker.html").select("pre.rnn-figure-output")
        if "prefix:" in pre.get_text()
    ]
    return dict(line.split(": ", 1) for line in output.splitlines())


def _entries(root: Path) -> set[str]:
    return {path.parent.name for path in (root / "cache" / "rnn_figures").glob("??/*/result.json")}


def test_the_worker_is_that_python_with_its_own_packages_and_the_plugin_only(
    tmp_path, second_venv, pelican_environment
):
    python, own = second_venv
    root = make_site(tmp_path / "site", {"worker.md": ARTICLE})
    env = {"PYTHONPATH": str(pelican_environment)}
    where = "import pelican_rnn_figures as p; print(p.__file__)"
    imported = subprocess.run(
        [sys.executable, "-c", where], cwd=root, env={**os.environ, **env}, text=True, capture_output=True
    )
    assert imported.stdout.startswith(str(pelican_environment)), imported  # the plugin is the copy's

    default = run_pelican(root, env=env)
    assert default.returncode == 0 and "1 generated, 0 from cache, 0 failed" in default.log, default.log
    probe = _probe(default)
    assert probe["prefix"] == sys.prefix and probe["pelican"] == "True"  # Pelican's own interpreter
    made_by_default = _entries(root)

    setting = f"RNN_FIGURES_PYTHON={json.dumps(str(python))}"
    other = run_pelican(root, "-e", setting, env=env)
    # Nothing from the default worker's entries: the keys carry the other versions.
    assert other.returncode == 0 and "1 generated, 0 from cache, 0 failed" in other.log, other.log
    check_figure(other.output / "images" / "worker.png")
    probe = _probe(other)
    assert probe["prefix"] == str(python.parent.parent)  # that interpreter ran the snippets
    assert probe["keras metadata"] == "9.9.9"  # and saw its own metadata
    path = probe["path"].split("|")
    assert str(own) in path
    # Its environment and the plugin, nothing of Pelican's: not the folder the
    # plugin is installed in, not Pelican's PYTHONPATH nor its site-packages.
    assert probe["marker"] == "False" and probe["pelican"] == "False"
    assert str(pelican_environment) not in path and PELICAN_SITE_PACKAGES not in path
    assert len(_entries(root)) == 2 * len(made_by_default) == 4

    [memo_file] = (root / "cache" / "rnn_figures" / "interpreters").glob("*.json")
    memo = json.loads(memo_file.read_text())
    assert memo["prefix"] == str(python.parent.parent) and str(own) in memo["path"]
    versions = figure_cache.versions_in(memo["path"])
    assert versions["keras"] == ["keras==9.9.9"]
    assert "tensorflow_cpu==2.99.0" in versions["tensorflow"] and any(
        version.startswith("tensorflow==") for version in versions["tensorflow"]
    )
    asked = memo_file.stat().st_mtime_ns

    # Fully warm: no worker, and the interpreter is not asked again.
    warm = run_pelican(root, "-D", "-e", setting, env=env)
    assert warm.returncode == 0 and "0 generated, 1 from cache, 0 failed" in warm.log, warm.log
    assert "RNN figures: running" not in warm.log and "Started figure worker" not in warm.log
    assert "where it imports from" not in warm.log
    assert memo_file.stat().st_mtime_ns == asked
    assert _probe(warm)["prefix"] == str(python.parent.parent)


def test_its_versions_are_read_on_every_build_and_its_path_asked_again_when_that_changes(
    tmp_path, second_venv, monkeypatch
):
    python, own = second_venv
    folder = tmp_path / "cache"
    asked = []
    real_ask = worker_python._ask
    monkeypatch.setattr(
        worker_python, "_ask", lambda executable: asked.append(executable) or real_ask(executable)
    )
    first = figure_cache.worker_versions(str(python), folder)
    assert first["keras"] == ["keras==9.9.9"] and asked == [str(python)]
    assert first != figure_cache.package_versions()
    assert figure_cache.worker_versions(str(python), folder) == first and len(asked) == 1

    # Another keras installed: a new key, without asking.
    shutil.rmtree(own / "keras-9.9.9.dist-info")
    _dist_info(own, "keras", "9.9.10")
    assert figure_cache.worker_versions(str(python), folder)["keras"] == ["keras==9.9.10"]
    assert len(asked) == 1
    # A .pth file that adds a folder: its path is asked again.
    extra = tmp_path / "extra"
    extra.mkdir()
    _dist_info(extra, "tensorflow_macos", "2.99.1")
    (own / "extra.pth").write_text(f"{extra}\n")
    again = figure_cache.worker_versions(str(python), folder)
    assert len(asked) == 2 and "tensorflow_macos==2.99.1" in again["tensorflow"]


@pytest.mark.fast
def test_every_tensorflow_distribution_is_in_the_key(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    builds = {
        "tensorflow_cpu": "2.16.1",
        "tensorflow_gpu": "2.12.0",
        "tensorflow_macos": "2.16.2",
        "tensorflow_intel": "2.16.1",
        "tensorflow_aarch64": "2.16.1",
        "tensorflow_rocm": "2.16.1",
        "tensorflow_cpu_aws": "2.16.1",
        "tensorflow_metal": "1.1.0",
        "intel_tensorflow": "2.14.0",
        "tf_nightly": "2.18.0.dev20240801",
        "tf_nightly_cpu": "2.18.0.dev20240801",
    }
    for name, version in builds.items():
        _dist_info(first, name, version)
    for name, version in [
        ("tensorflow_estimator", "2.15.0"),
        ("tensorflow_io_gcs_filesystem", "0.37.1"),
        ("tensorboard", "2.16.2"),
        ("keras_nightly", "3.5.0.dev2024080103"),
        ("tf_keras", "2.16.0"),
        ("keras", "3.4.1"),
    ]:
        _dist_info(first, name, version)
    (second / "tensorflow-2.15.0-py3.11.egg-info").mkdir()  # as setuptools names it
    _dist_info(second, "keras", "3.0.0")  # after the first folder's: importlib.metadata reads that one
    versions = figure_cache.versions_in([str(first), str(second)])
    expected = sorted([*(f"{name}=={version}" for name, version in builds.items()), "tensorflow==2.15.0"])
    assert versions["tensorflow"] == expected
    assert versions["keras"] == ["keras==3.4.1", "keras_nightly==3.5.0.dev2024080103"]
    assert versions["numpy"] == versions["matplotlib"] == []

    # Which build it is is in the key, not only its version.
    spec = {"code": "model = Sequential([Input((3, 2)), SimpleRNN(2)])\n"}
    keys = set()
    for name in ("tensorflow", "tensorflow_cpu", "tensorflow_macos"):
        (one := tmp_path / name).mkdir()
        _dist_info(one, name, "2.16.1")
        keys.add(figure_cache.job_key("rnn", spec, "prelude", figure_cache.versions_in([str(one)])))
    assert len(keys) == 3


@pytest.mark.fast
def test_a_worker_gets_the_plugin_and_not_pelicans_import_path(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", PELICAN_SITE_PACKAGES)
    other = worker_python.worker_environment("/some/other/python")["PYTHONPATH"]
    assert other == worker_python.plugin_path()
    assert os.listdir(other) == ["pelican_rnn_figures"]
    linked = Path(other, "pelican_rnn_figures").resolve()
    assert linked == Path(figure_cache.__file__).resolve().parents[1]
    # This interpreter, the default, is Pelican's environment: it keeps its PYTHONPATH.
    this = worker_python.worker_environment(sys.executable)["PYTHONPATH"]
    assert this.split(os.pathsep) == [worker_python.plugin_path(), PELICAN_SITE_PACKAGES]


@pytest.mark.fast
def test_an_interpreter_that_cannot_be_asked_shares_no_key(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        versions = figure_cache.worker_versions(str(tmp_path / "no-python"), tmp_path / "cache")
    assert "RNN_FIGURES_PYTHON" in caplog.text and "no-python" in caplog.text
    assert versions != figure_cache.package_versions()
    assert not (tmp_path / "cache").exists()  # nothing remembered: asked again next time
