"""Benchmarks of pelican_rnn_figures against plain Pelican, printed as ratios.

    .venv/bin/python benchmarks/run.py            # everything (several minutes)
    .venv/bin/python benchmarks/run.py --quick    # demo site and 10-article scale only

Measures, each in fresh processes, side by side in one run:

* warm/plain: a rebuild with every figure cached, against a plain Pelican
  build of the same site with the plugin disabled (wall time and peak RSS);
* cold/floor: a build with an empty figure cache, against the floor: a bare
  script that imports TensorFlow, runs the same models and saves as many
  figures, plus the plain Pelican build;
* devserver: `pelican -r` running, one snippet edited: seconds from the edit
  to the new figure in output/;
* scale: generated sites of N articles with 3 snippets each.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
REPEATS = 5

SETTINGS = """\
AUTHOR = "Bench"
SITENAME = "Bench"
PATH = "content"
TIMEZONE = "UTC"
PLUGINS = {plugins}
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
RELATIVE_URLS = True
"""

EXPLICIT_MARKER_RE = re.compile(r"^(```\w+) rnn-figure.*$", re.MULTILINE)

FLOOR_SCRIPT = """\
import sys, json
import numpy as np
import keras
import matplotlib
matplotlib.use("Agg")
from matplotlib.figure import Figure
articles, figures = json.loads(sys.argv[1]), int(sys.argv[2])
for blocks in articles:  # each article once, as a notebook runs it: every block once, in order
  keras.backend.clear_session()
  keras.utils.set_random_seed(42)
  namespace = {}
  exec("import numpy as np, keras\\nfrom keras import layers\\nfrom keras.models import *\\nfrom keras.layers import *", namespace)
  for code in blocks:
    exec(code, namespace)
    model = namespace.get("model")
    if model is None:
        continue  # a shape check: running it was all
    try:
        shapes = [tuple(d or 3 for d in tensor.shape[1:]) for tensor in model.inputs]
    except (AttributeError, ValueError):
        ids = type(model.layers[0]).__name__ == "Embedding"
        shapes = [(3,) if ids else (3, 2)]
    model([np.ones((1, *shape), "float32") for shape in shapes] if len(shapes) > 1 else np.ones((1, *shapes[0]), "float32"))
for i in range(figures):
    figure = Figure(figsize=(9, 5))
    axes = figure.add_axes((0, 0, 1, 1))
    for j in range(60):
        axes.text(j / 60, (j % 7) / 7, f"{j / 7:.2f}")
    figure.savefig(f"floor-{i}.png", dpi=200)
    figure.savefig(f"floor-{i}.svg")
"""


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and peak RSS of one process, via wait4 (children not included)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command} failed:\n{stderr[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024


def pelican(site: Path, *extra: str) -> tuple[float, float]:
    return timed([PYTHON, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output", *extra], site)


def make_site(root: Path, plugin: bool, articles: dict[str, str] | None = None) -> Path:
    if root.exists():
        shutil.rmtree(root)
    if articles is None:
        shutil.copytree(REPO / "content", root / "content")
        if not plugin:
            # Without the plugin "```python rnn-figure ..." is no fence at all; the
            # plain site gets the same code blocks, as an author without it would write.
            for article in (root / "content").glob("*.md"):
                text = article.read_text(encoding="utf-8")
                article.write_text(EXPLICIT_MARKER_RE.sub(r"\1", text), encoding="utf-8")
    else:
        (root / "content").mkdir(parents=True)
        for name, text in articles.items():
            (root / "content" / name).write_text(text, encoding="utf-8")
    plugins = '["pelican_rnn_figures"]' if plugin else "[]"
    (root / "pelicanconf.py").write_text(SETTINGS.format(plugins=plugins), encoding="utf-8")
    return root


def median_of(function, repeats: int = REPEATS) -> tuple[float, float]:
    samples = [function() for _ in range(repeats)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def side_by_side(first: Path, second: Path, repeats: int = REPEATS) -> tuple[tuple[float, float], ...]:
    """Medians (time) and maxima (memory) of two builds run alternately, after
    one discarded run of each, so that drift in the machine hits both alike;
    then the median of the pairs' time ratios (second / first)."""
    pelican(first), pelican(second)
    samples: list[list[tuple[float, float]]] = [[], []]
    for _ in range(repeats):
        samples[0].append(pelican(first))
        samples[1].append(pelican(second))
    ratio = statistics.median(b[0] / a[0] for a, b in zip(*samples, strict=True))
    return (
        *((statistics.median(s[0] for s in runs), max(s[1] for s in runs)) for runs in samples),
        (ratio, 0.0),
    )


def generated_articles(count: int) -> dict[str, str]:
    """``count`` articles with 3 distinct snippets each."""
    articles = {}
    for n in range(count):
        units = 2 + n % 5
        body = [
            f"Title: Article {n}\nDate: 2024-01-01\nSlug: article-{n}\n",
            "Rnn_example: I=[0.5, 0.4] am=[0.3, 0.1] groot=[0.7, 0.5]\n\nIntro.\n",
        ]
        for k, layer in enumerate(("SimpleRNN", "LSTM", "GRU")):
            body.append(
                f"\n```python\nmodel = Sequential([Input((3, 2)), {layer}({units + k + n // 5})])\n```\n\n"
                f"![](/images/a{n}-{k}.png)\n"
            )
        articles[f"article-{n}.md"] = "".join(body)
    return articles


def demo_blocks() -> list[list[str]]:
    """Per article, the blocks the plugin runs (snippets and the blocks they
    need), each once, in article order: what a notebook would run."""
    sys.path.insert(0, str(REPO))
    from pelican_rnn_figures.article.snippets import find_snippets

    articles = []
    for article in sorted((REPO / "content").glob("*.md")):
        blocks: dict[int, str] = {}
        for snippet in find_snippets(article.read_text(encoding="utf-8"))[1]:
            blocks.update({block["fence_line"]: block["code"] for block in snippet.needed})
            blocks[snippet.fence_line] = snippet.code
        articles.append([blocks[line] for line in sorted(blocks)])
    return articles


FROZEN_READER = """\
RNN_FIGURES_FROZEN_PATH = "frozen-figures"
RNN_FIGURES_EXECUTE = "never"  # as a machine without TensorFlow
import shutil
shutil.rmtree("cache", ignore_errors=True)  # a fresh checkout on every build: no cache at all
"""


def bench_frozen(work: Path, site: Path, plain: Path) -> tuple[float, float]:
    """The demo site built from its frozen figures alone (RNN_FIGURES_FROZEN_PATH,
    no cache) against plain Pelican: its median seconds and the median ratio."""
    with open(site / "pelicanconf.py", "a", encoding="utf-8") as settings:
        settings.write('RNN_FIGURES_FROZEN_PATH = "frozen-figures"\n')
    pelican(site)  # every figure cached: this build writes the frozen folder
    frozen = work / "frozen"
    shutil.copytree(site / "content", frozen / "content")
    shutil.copytree(site / "frozen-figures", frozen / "frozen-figures")
    (frozen / "pelicanconf.py").write_text(SETTINGS.format(plugins='["pelican_rnn_figures"]') + FROZEN_READER)
    _, (frozen_time, _), (ratio, _) = side_by_side(plain, frozen, 2 * REPEATS)
    return frozen_time, ratio


def bench_demo(work: Path) -> None:
    import json

    plain = make_site(work / "plain", plugin=False)
    site = make_site(work / "plugin", plugin=True)
    cold = []
    for _ in range(3):
        shutil.rmtree(site / "cache", ignore_errors=True)
        cold.append(pelican(site))
    cold_time = statistics.median(c[0] for c in cold)
    (plain_time, plain_rss), (warm_time, warm_rss), (warm_ratio, _) = side_by_side(plain, site, 2 * REPEATS)
    figures = len(list((site / "output" / "images").rglob("*.png")))
    scratch = work / "floor"
    scratch.mkdir(exist_ok=True)
    floor_script = [PYTHON, "-c", FLOOR_SCRIPT, json.dumps(demo_blocks()), str(figures)]
    floor_time, _ = median_of(lambda: timed(floor_script, scratch), 3)
    floor = floor_time + plain_time
    frozen_time, frozen_ratio = bench_frozen(work, site, plain)
    print(f"\n## Demo site (both articles, {figures} figures)\n")
    print("| measure | seconds | ratio | bound |")
    print("|---|---|---|---|")
    print(f"| plain Pelican (plugin disabled) | {plain_time:.2f} | 1.00 | |")
    print(f"| warm rebuild (all figures cached) | {warm_time:.2f} | {warm_ratio:.2f} × plain | ≤ 1.15 |")
    print(f"| frozen build (no cache nor TF) | {frozen_time:.2f} | {frozen_ratio:.2f} × plain | ≤ 1.15 |")
    print(f"| floor: bare TensorFlow script + plain Pelican | {floor:.2f} | 1.00 | |")
    print(f"| cold build (empty figure cache) | {cold_time:.2f} | {cold_time / floor:.2f} × floor | ≤ 1.3 |")
    print(
        f"\nPeak memory (RSS of the Pelican process): plain {plain_rss:.0f} MiB, warm {warm_rss:.0f} MiB, "
        f"ratio {warm_rss / plain_rss:.2f} (bound ≤ 1.3)."
    )


def bench_devserver(work: Path) -> None:
    site = make_site(work / "devserver", plugin=True)
    pelican(site)
    process = subprocess.Popen(
        [PYTHON, "-m", "pelican", "-r", "content", "-s", "pelicanconf.py", "-o", "output"],
        cwd=site,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    article = site / "content" / "illustrated-lstm-keras.md"
    figure = site / "output" / "images" / "rnn-default-keras.json"
    latencies = []
    try:
        time.sleep(3)  # first build by the autoreloader
        original = article.read_text(encoding="utf-8")
        for units in (5, 6, 7):
            before = figure.stat().st_mtime_ns
            text = original.replace(
                "SimpleRNN(4, input_shape=(3, 2)))", f"SimpleRNN({units}, input_shape=(3, 2)))"
            )
            started = time.perf_counter()
            article.write_text(text, encoding="utf-8")
            while figure.stat().st_mtime_ns == before and time.perf_counter() - started < 60:
                time.sleep(0.01)
            latencies.append(time.perf_counter() - started)
            time.sleep(1.5)
    finally:
        process.terminate()
        process.wait(timeout=30)
    print("\n## Live preview (`pelican -r`, one snippet edited)\n")
    print(
        "Seconds from saving the article to the new figure in output/, three edits "
        f"(the first warms the worker): {', '.join(f'{t:.2f}' for t in latencies)}. "
        "Pelican's autoreloader notices a change within about 0.5 s of it."
    )


def bench_scale(work: Path, sizes: list[int]) -> None:
    print("\n## Scale (N articles × 3 snippets)\n")
    print("| articles | snippets | plain s | cold s | warm s | warm/plain | cold s per snippet |")
    print("|---|---|---|---|---|---|---|")
    for size in sizes:
        articles = generated_articles(size)
        plain = make_site(work / f"plain-{size}", plugin=False, articles=articles)
        site = make_site(work / f"site-{size}", plugin=True, articles=articles)
        cold_time, _ = pelican(site)
        (plain_time, _), (warm_time, _), (warm_ratio, _) = side_by_side(plain, site, 2 * REPEATS)
        print(
            f"| {size} | {3 * size} | {plain_time:.2f} | {cold_time:.1f} | {warm_time:.2f} | "
            f"{warm_ratio:.2f} | {cold_time / (3 * size):.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="demo site and 10 articles only")
    parser.add_argument("--sizes", default="10,30,100", help="article counts for the scale table")
    args = parser.parse_args()
    sizes = [10] if args.quick else [int(s) for s in args.sizes.split(",")]
    print(
        textwrap.dedent(f"""\
        # pelican_rnn_figures benchmarks
        {time.strftime("%Y-%m-%d")}, Python {sys.version.split()[0]}, {os.cpu_count()} cores;
        plain and warm builds alternate; times are medians of {2 * REPEATS} pairs,
        ratios the median of the pairs' ratios.""")
    )
    # As an installed plugin is (pip compiles a wheel's modules): bytecode
    # ready, also where PYTHONDONTWRITEBYTECODE is set (these machines set it,
    # and plain Pelican's own modules are compiled in site-packages).
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "pelican_rnn_figures")], check=True)
    with tempfile.TemporaryDirectory(prefix="rnn-figures-bench-") as work:
        bench_demo(Path(work))
        if not args.quick:
            bench_devserver(Path(work))
        bench_scale(Path(work), sizes)


if __name__ == "__main__":
    main()
