"""Sites nobody here wrote, built for real with feeds on: nothing a snippet
does breaks the site, and every figure keeps its promises.

Hypothesis (fixed seed: a failure reproduces) writes articles of generated
models (tests/test_generated_models.py's strategy), each fence maybe given a
``tokens=`` of any length, ConvLSTM layers the figures refuse, and blocks
that print and raise arbitrary text (control characters, terminal codes,
lone surrogates). Each site is one Pelican build (in this process, its log records
collected) with Atom and RSS feeds on. It must end without an exception,
every page and feed written and clean; every
failure is a message at a line of its own fence and never a bug of ours
(unless Keras itself cannot call the model); every figure drawn agrees with
NumPy by cell, its colour key reaching every value (check_figure), and its
steps are labelled by ``tokens=`` where it fits, else the build warns at the
fence.
"""

from __future__ import annotations

import json
import logging
import os
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

import pytest
from figure_checks import check_figure
from helpers import HEADER, build_in_process
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_clean_pages import CONTROL
from test_generated_models import keras_runs, models

SITES = int(os.environ.get("RNN_FIGURES_SITES", "8"))
TERMINAL = ["\x1b[1m", "\x1b[0m", "\x1b[31m", "\r", "\x08", "\x00", "\x1b]0;title\x07"]
CONV = (
    "model = keras.Sequential([keras.Input((4, 4, 1)), layers.ConvLSTM1D(3, 2, padding='same')])",
    "model = keras.Sequential([keras.Input((3, 4, 4, 1)), layers.ConvLSTM2D(2, 2, return_sequences=True)])",
)


@dataclass
class Fence:
    name: str
    code: str
    tokens: list[str] | None = None  # the fence's tokens=, if any
    model: bool = True  # draws a model (else: prints and raises)

    def text(self) -> str:
        option = f' tokens="{" ".join(self.tokens)}"' if self.tokens is not None else ""
        return f"```python rnn-figure name={self.name}{option}\n{self.code}\n```\n"


@st.composite
def odd_text(draw) -> str:
    """Text as an exception or a print may carry it."""
    parts = draw(st.lists(st.one_of(st.sampled_from(TERMINAL), st.text(st.characters(codec=None)))))
    return "".join(parts)[:300]


@st.composite
def fences(draw, name: str) -> Fence:
    kind = draw(st.sampled_from(["model", "model", "conv", "odd"]))
    if kind == "odd":
        code = f"print({draw(odd_text())!r})"
        if draw(st.booleans()):
            code += f"\nraise ValueError({draw(odd_text())!r})"
        return Fence(name, code, model=False)
    code = draw(models()) if kind == "model" else draw(st.sampled_from(CONV))
    words = draw(
        st.none() | st.lists(st.sampled_from(["the", "cat", "sat", "<pad>", "on", "it"]), max_size=6)
    )
    return Fence(name, code, [w for w in words] if words else None)


@st.composite
def sites(draw) -> dict[str, list[Fence]]:
    articles = {}
    for a in range(draw(st.integers(2, 4))):
        articles[f"a{a}"] = [draw(fences(f"a{a}-f{f}")) for f in range(draw(st.integers(1, 3)))]
    return articles


def article(slug: str, fences: list[Fence]) -> str:
    return HEADER.format(title=slug, slug=slug) + "\nSome text.\n\n" + "\n".join(f.text() for f in fences)


def fence_lines(text: str) -> dict[str, tuple[int, int]]:
    """Each fence's name: its first and last article lines."""
    spans, lines = {}, text.splitlines()
    for number, line in enumerate(lines, 1):
        match = re.search(r"name=(\S+)", line)
        if match:
            end = next(n for n in range(number + 1, len(lines) + 1) if lines[n - 1] == "```")
            spans[match.group(1)] = (number, end)
    return spans


FEEDS = {
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
    "FEED_ALL_RSS": "feeds/all.rss.xml",
    "CATEGORY_FEED_ATOM": "feeds/{slug}.atom.xml",
    "CATEGORY_FEED_RSS": "feeds/{slug}.rss.xml",
}


def check_site(result, articles: dict[str, list[Fence]]) -> None:
    messages = result.ours(logging.ERROR) + result.ours(logging.WARNING)
    assert not [m for m in messages if CONTROL.search(m) or "\x1b" in m]
    feeds = sorted((result.output / "feeds").glob("*.xml"))
    assert len(feeds) == 4
    for path in [*feeds, *result.output.rglob("*.svg")]:
        ElementTree.parse(path)
    for path in [*result.output.rglob("*.html"), *feeds]:
        assert not CONTROL.search(path.read_text(encoding="utf-8")), path
    records = [m for m in messages if re.match(r"\S+/a\d\.md:\d+: ", m)]
    for slug, fences in articles.items():
        assert (result.output / f"{slug}.html").is_file()
        spans = fence_lines(article(slug, fences))
        for fence in fences:
            first, last = spans[fence.name]
            lines = range(first, last + 1)
            # Its own lines, or a block above it that failed (then it did not run).
            said = [r for r in records if about(r, f"{result.root}/content/{slug}.md", lines)]
            check_fence(result, fence, said)


def about(record: str, path: str, lines: range) -> bool:
    """Whether a log record is about the fence at ``lines``: at a line of
    its own, or the failure of a block above that it needs."""
    if not record.startswith(f"{path}:"):
        return False
    needed = re.search(r"which the snippet at line (\d+) uses", record)
    if needed:
        return int(needed.group(1)) in lines
    return any(record.startswith(f"{path}:{n}: ") for n in lines)


def check_fence(result, fence: Fence, said: list[str]) -> None:
    png = result.output / "images" / "rnn-figures" / f"{fence.name}.png"
    failed = [r for r in said if "figure failed" in r]
    if not fence.model:
        return  # its failure (if it raised) is at its line; the page stayed clean
    if any("which the snippet at line" in r for r in failed):
        assert len(failed) == 1 and not png.exists(), failed  # a block above failed: it did not run
        return
    if "ConvLSTM" in fence.code:
        [refusal] = failed
        assert "ConvLSTM" in refusal and "PluginBug" not in refusal, refusal
        return
    if failed:
        if "PluginBug" in failed[0]:
            assert not keras_runs(fence.code), (fence.code, failed)
        assert not png.exists()
        return
    data = check_figure(png)  # NumPy by cell, the key reaching every value
    steps = len(data["tokens"])
    ignored = [r for r in said if "tokens= " in r]
    if fence.tokens is None:
        assert not ignored, said
    elif len(fence.tokens) == steps:
        assert data["tokens"] == fence.tokens and not ignored, (fence, said)
    else:
        assert data["tokens"] != fence.tokens and len(ignored) == 1, (fence, said, data["tokens"])
    assert json.loads(png.with_suffix(".json").read_text())["tokens"] == data["tokens"]


@settings(
    max_examples=SITES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # a site takes seconds to build: no shrinking
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@given(sites())
def test_generated_sites_build_clean_and_true(tmp_path_factory, articles):
    root = tmp_path_factory.mktemp("site")
    texts = {f"{slug}.md": article(slug, fences) for slug, fences in articles.items()}
    check_site(build_in_process(root, texts, **FEEDS), articles)


pytestmark = pytest.mark.filterwarnings("ignore")
