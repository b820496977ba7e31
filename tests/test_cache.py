"""The figure cache: hits, misses, and what invalidates an entry (no timing)."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import fields, replace
from pathlib import Path

import pytest
from figure_checks import check_figure
from helpers import build_in_process, tally

from pelican_rnn_figures.article.prelude import PRELUDE
from pelican_rnn_figures.messages import JobSpec, NeededBlock, WordsSpec
from pelican_rnn_figures.site import cache as figure_cache

CODE = "model = Sequential([Input((3, 2)), SimpleRNN(2)])\n"
EXAMPLE = "Rnn_example: a=[0.1, 0.2] b=[0.3, 0.4] c=[0.5, 0.6]\n"


def article(code: str = CODE, meta: str = EXAMPLE, prose: str = "Some prose.") -> str:
    return f"Title: A\nDate: 2024-01-01\nSlug: a\n{meta}\n{prose}\n\n```python\n{code}```\n\n![](/images/a.png)\n"


def test_key_covers_every_input(monkeypatch):
    spec = {"code": CODE, "tokens": ["a"], "embeddings": [[1.0]], "seed": 1, "dpi": 200}
    base = figure_cache.job_key("rnn", spec, "prelude")
    changed = [
        figure_cache.job_key("rnn", {**spec, "code": CODE + "\n"}, "prelude"),
        figure_cache.job_key("rnn", {**spec, "tokens": ["b"]}, "prelude"),
        figure_cache.job_key("rnn", {**spec, "embeddings": [[2.0]]}, "prelude"),
        figure_cache.job_key("rnn", {**spec, "seed": 2}, "prelude"),
        figure_cache.job_key("rnn", {**spec, "dpi": 100}, "prelude"),
        figure_cache.job_key("rnn", spec, "other prelude"),
        figure_cache.job_key("embedding", spec, "prelude"),
    ]
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    changed.append(figure_cache.job_key("rnn", spec, "prelude"))
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS")
    versions = dict(figure_cache.package_versions())
    monkeypatch.setattr(figure_cache, "package_versions", lambda: {**versions, "keras": "0.0"})
    changed.append(figure_cache.job_key("rnn", spec, "prelude"))
    assert len({base, *changed}) == len(changed) + 1
    monkeypatch.undo()
    assert figure_cache.job_key("rnn", dict(spec), "prelude") == base


# For every field of what a figure is made from, a value other than BASE's.
CHANGED = {
    "code": CODE.replace("SimpleRNN(2)", "SimpleRNN(3)"),
    "tokens": ["b"],
    "embeddings": [[2.0]],
    "seed": 2,
    "dpi": 100,
    "labels": [["c", "d"]],
    "token_ids": [[3, 4]],
    "options": {"values": False},
    "words": WordsSpec(["the", "cat"], [1], "noun"),
    "needed": [NeededBlock("import numpy as np\n")],
    "fence_inputs": True,
}
BASE = JobSpec(code=CODE, tokens=["a"], embeddings=[[1.0]], seed=1, dpi=200)


def _key(spec: JobSpec) -> str:
    """The key the site looks a figure up by (site/figures.py)."""
    return figure_cache.job_key("rnn", spec.key_json(), PRELUDE)


@pytest.mark.fast
def test_every_field_of_a_job_spec_is_in_its_key():
    """A field the key leaves out would give a changed figure an old entry; a
    field the worker does not get back would draw another figure."""
    assert set(CHANGED) == {f.name for f in fields(JobSpec)}, "a new JobSpec field needs a value in CHANGED"
    specs = [BASE] + [replace(BASE, **{name: value}) for name, value in CHANGED.items()]
    specs += [  # and the fields of the specs within
        replace(BASE, words=WordsSpec(["the", "dog"], [1], "noun")),
        replace(BASE, words=WordsSpec(["the", "cat"], [0], "noun")),
        replace(BASE, words=WordsSpec(["the", "cat"], [1], "verb")),
        replace(BASE, needed=[NeededBlock("import numpy as np\n", needs=[0])]),
        replace(BASE, needed=[NeededBlock("import numpy as np\n", seed=7)]),
        replace(BASE, needed=[NeededBlock("import math\n")]),
    ]
    # Where a needed block is is not: a figure whose blocks moved keeps its entry.
    moved = replace(BASE, needed=[NeededBlock("import numpy as np\n", line=12)])
    assert _key(moved) == _key(replace(BASE, needed=CHANGED["needed"]))
    keys = [_key(spec) for spec in specs]
    assert len(set(keys)) == len(specs), [
        spec for spec, key in zip(specs, keys, strict=True) if keys.count(key) > 1
    ]
    for spec in [*specs, moved]:
        assert JobSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec


def test_versions_are_read_without_importing():
    import sys
    from importlib import metadata

    versions = figure_cache.package_versions()
    for name in ("keras", "tensorflow", "matplotlib", "numpy"):
        assert versions[name] == [f"{name}=={metadata.version(name)}"]
    assert "tensorflow" not in sys.modules and "matplotlib" not in sys.modules


@pytest.mark.parametrize(
    "change, reruns",
    [
        (lambda: article(prose="Other prose, same snippet."), False),
        (lambda: article(code=CODE.replace("SimpleRNN(2)", "SimpleRNN(3)")), True),
        (lambda: article(meta=EXAMPLE.replace("0.1", "0.9")), True),
        (lambda: article(meta=EXAMPLE + "Rnn_seed: 5\n"), True),
        (lambda: article(prose="One.\n\nTwo.\n\nThree."), False),  # moved down: same figure
    ],
)
def test_what_reruns_a_snippet(tmp_path, change, reruns):
    first = build_in_process(tmp_path, {"a.md": article()})
    assert tally(first).startswith("RNN figures: 1 generated")
    second = build_in_process(tmp_path, {"a.md": change()})
    expected = "1 generated, 0 from cache" if reruns else "0 generated, 1 from cache"
    assert expected in tally(second)
    check_figure(second.output / "images" / "a.png")


def test_pelican_reader_cache_and_deleted_output(tmp_path):
    settings = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True, "DELETE_OUTPUT_DIRECTORY": True}
    build_in_process(tmp_path, {"a.md": article()}, **settings)
    second = build_in_process(tmp_path, **settings)
    # The Markdown was not read again (Pelican's cache), yet the figure is back
    # in the freshly deleted output, with its alt text.
    assert "0 generated, 1 from cache" in tally(second)
    img = second.page("a.html").find("img", src="/images/a.png")
    assert "SimpleRNN" in img["alt"]
    check_figure(second.output / "images" / "a.png")
    third = build_in_process(tmp_path, {"a.md": article(code=CODE.replace("(2)", "(3)"))}, **settings)
    assert "1 generated" in tally(third)
    assert check_figure(third.output / "images" / "a.png")["layers"][0]["units"] == 3


def test_stale_figures_do_not_survive_publish(tmp_path):
    build_in_process(tmp_path, {"a.md": article()})
    (tmp_path / "content" / "a.md").write_text(article().replace("/images/a.png", "/images/renamed.png"))
    published = build_in_process(tmp_path, DELETE_OUTPUT_DIRECTORY=True)
    assert (published.output / "images" / "renamed.png").exists()
    assert not (published.output / "images" / "a.png").exists()


def test_warm_build_starts_no_worker(tmp_path):
    build_in_process(tmp_path, {"a.md": article()})
    warm = build_in_process(tmp_path, no_worker=True)
    assert "0 generated, 1 from cache, 0 failed" in tally(warm)
    assert not any("running" in m for m in warm.ours(logging.DEBUG))


def _worker_closure() -> set[str]:
    """The package's modules the worker imports, transitively, from its entry point."""
    from test_architecture import PACKAGE, imports_of

    visited: set[str] = set()
    files: set[str] = set()
    todo = ["pelican_rnn_figures.worker.__main__"]
    while todo:
        name = todo.pop()
        path = PACKAGE.parent / (name.replace(".", "/") + ".py")
        if not path.exists():
            path = PACKAGE.parent / name.replace(".", "/") / "__init__.py"
        if name in visited or not path.exists():  # a name imported from a module is no module
            continue
        visited.add(name)
        files.add(path.relative_to(PACKAGE).as_posix())
        todo += [m for m in imports_of(path) if m.startswith("pelican_rnn_figures")]
    return files


def test_the_fingerprint_covers_everything_the_worker_runs():
    closure = _worker_closure()
    assert "worker/drawing/render.py" in closure and "messages.py" in closure
    covered = [
        name
        for name in closure
        # __init__ holds the version (in the key on its own) and register().
        if name == "__init__.py"
        or any(name == part or name.startswith(part + "/") for part in figure_cache.FIGURE_CODE)
    ]
    assert sorted(covered) == sorted(closure)
    assert not [name for name in closure if name.startswith("site/")]


def test_editing_the_pelican_side_keeps_figures_and_the_worker_side_makes_new_ones(tmp_path):
    package = Path(figure_cache.__file__).parents[1]
    copy = tmp_path / "package"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = figure_cache.fingerprint_of(copy)
    assert before == figure_cache.fingerprint_of(package)
    for glue in ("plugin.py", "planning.py", "page_layer.py", "figures.py"):
        with open(copy / "site" / glue, "a", encoding="utf-8") as file:
            file.write("\n# an edited log message\n")
    assert figure_cache.fingerprint_of(copy) == before
    fingerprints = {before}
    for shaping in ("worker/drawing/scene.py", "worker/tracing.py", "messages.py", "article/expectations.py"):
        with open(copy / shaping, "a", encoding="utf-8") as file:
            file.write("\n# a change that may shape figures\n")
        fingerprints.add(figure_cache.fingerprint_of(copy))
    assert len(fingerprints) == 5
