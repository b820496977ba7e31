"""Each article with snippets can be downloaded as a Jupyter notebook (SLUG.ipynb).

A small real site is built with TensorFlow; its notebook is read and
validated with nbformat, then run with nbclient in a fresh kernel: every
block's stdout must be what the page shows under that block.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from helpers import BuiltSite, build_in_process, failures

from pelican_rnn_figures.site import notebook_file
from pelican_rnn_figures.site.notebook_file import NotebookBlock

ARTICLE = """\
Title: Notebook download
Date: 2024-01-01
Slug: nb-download
Rnn_seed: 7

The data: twelve numbers in four steps.

```python
x = np.linspace(-1, 1, 12, dtype="float32").reshape(1, 4, 3)
```

A block that only a reader with the data set could run:

```python
# rnn-figures: skip
raise SystemExit("not at build time")
```

A model, and its first weights:

```python rnn-figure
model = keras.Sequential([keras.Input((4, 3)), layers.SimpleRNN(2)])
print(model.layers[0].get_weights()[0].round(3))
```

Its prediction:

```python
print(model.predict(x, verbose=0).round(4))
```

The end.
"""
WARM = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True}


def _page_outputs(site: BuiltSite, page: str) -> list[str]:
    return [pre.get_text() for pre in site.page(page).select("pre.rnn-figure-output")]


def _stdout(cell) -> str:
    return "".join(
        o["text"] for o in cell["outputs"] if o["output_type"] == "stream" and o["name"] == "stdout"
    )


def _notebook_of(site: BuiltSite, page: str) -> Path:
    links = site.page(page).select("p.rnn-notebook-link a")
    assert [a.get_text() for a in links] == ["Download this post as a Jupyter notebook"]
    href = links[0]["href"]  # root-relative, or relative to the page (RELATIVE_URLS)
    folder = site.output if href.startswith("/") else (site.output / page).parent
    return Path(os.path.normpath(folder / href.lstrip("/")))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> BuiltSite:
    root = tmp_path_factory.mktemp("notebook")
    result = build_in_process(root, {"nb.md": ARTICLE}, **WARM)
    assert not failures(result), failures(result)
    assert not result.ours(logging.ERROR), result.ours(logging.ERROR)
    return result


def test_the_page_links_a_valid_notebook_of_its_blocks(site: BuiltSite) -> None:
    nbformat = pytest.importorskip("nbformat")
    path = _notebook_of(site, "nb-download.html")
    assert path == site.output / "nb-download.ipynb"
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert "from keras.layers import *" in code[0].source  # the prelude, spelled out
    assert [cell.source.splitlines()[0] for cell in code[1:]] == [
        "keras.utils.set_random_seed(7)  # as the post's build does before each block"
    ] * 3
    assert "SystemExit" not in "".join(cell.source for cell in code)  # the skipped block stays out
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "[Notebook download](nb-download.html)" in markdown
    assert "A model, and its first weights:" in markdown and "The end." in markdown
    assert "Rnn_seed" not in markdown  # the metadata header is no prose
    # The outputs the build recorded are those the page shows.
    assert [_stdout(cell).strip() for cell in code if cell.outputs] == _page_outputs(site, "nb-download.html")


def test_the_notebook_runs_and_prints_what_the_page_shows(site: BuiltSite) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(site.output / "nb-download.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    printed = [_stdout(cell).strip() for cell in notebook.cells if cell.cell_type == "code"]
    shown = _page_outputs(site, "nb-download.html")
    assert len(shown) == 2 and "[[" in shown[1]
    assert [text for text in printed if text] == shown  # the same numbers


def test_a_warm_build_keeps_the_link_and_the_same_bytes(site: BuiltSite) -> None:
    before = (site.output / "nb-download.ipynb").read_bytes()
    again = build_in_process(site.root, **WARM)
    assert "0 generated" in next(m for m in again.ours(logging.DEBUG) if "from cache" in m)
    assert _notebook_of(again, "nb-download.html").read_bytes() == before


def test_the_setting_turns_notebooks_off(site: BuiltSite) -> None:
    off = build_in_process(site.root, OUTPUT_PATH=str(site.root / "output-off"), RNN_FIGURES_NOTEBOOKS=False)
    assert (off.root / "output-off" / "nb-download.html").exists()
    assert not list((off.root / "output-off").rglob("*.ipynb"))
    page = (off.root / "output-off" / "nb-download.html").read_text(encoding="utf-8")
    assert "rnn-notebook-link" not in page and "Jupyter" not in page


def test_the_demo_site_has_a_notebook_per_article(demo_build) -> None:
    nbformat = pytest.importorskip("nbformat")
    notebooks = sorted(demo_build.output.rglob("*.ipynb"))
    slugs = [
        "attention-reverses-digits",
        "illustrated-lstm-keras",
        "keras-recurrent-layers-tour",
        "rnn-running-sum",
        "words-decide-the-sentiment",
    ]
    assert sorted(path.stem for path in notebooks) == slugs
    for path in notebooks:
        page = path.with_suffix(".html").relative_to(demo_build.output)
        assert _notebook_of(demo_build, str(page)) == path
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        assert sum(cell.cell_type == "code" for cell in notebook.cells) >= 2


@pytest.mark.fast
def test_notebook_bytes_are_stable_and_valid() -> None:
    nbformat = pytest.importorskip("nbformat")
    article = ["Title: T", "", "Intro.", "", "```python", "x = 1", "```", "", "After."]
    blocks = [NotebookBlock(6, "x = 1\n", 3)]
    cells = notebook_file.notebook_cells("T", "https://example.com/t.html", article, blocks, {6: "1\n"}, "")
    text = notebook_file.notebook_text(cells)
    assert text == notebook_file.notebook_text(
        notebook_file.notebook_cells("T", "https://example.com/t.html", article, blocks, {6: "1\n"}, "")
    )
    nbformat.validate(nbformat.reads(text, as_version=4))
    data = json.loads(text)
    assert [cell["id"] for cell in data["cells"]] == ["cell-1", "cell-2", "cell-3", "cell-4", "cell-5"]
    assert [cell["cell_type"] for cell in data["cells"]] == [
        "markdown",
        "code",
        "markdown",
        "code",
        "markdown",
    ]
    assert data["cells"][3]["outputs"] == [{"name": "stdout", "output_type": "stream", "text": ["1\n"]}]
    assert "".join(data["cells"][2]["source"]) == "Intro."
