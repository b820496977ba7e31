"""Faults and bad input: each is reported at its article line, nothing else is lost.

Builds run in this process (as `make devserver` rebuilds) so that the log
records themselves can be counted, as Pelican's LoggedTestCase does.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import venv

import pytest
from figure_checks import check_figure
from helpers import build_in_process, failures, line_of, make_site, run_pelican

GOOD = "model = Sequential([Input((3, 2)), SimpleRNN(2)])\n"


def post(slug: str, code: str, meta: str = "", image: str | None = None) -> str:
    image = image if image is not None else f"/images/{slug}.png"
    return (
        f"Title: {slug}\nDate: 2024-01-01\nSlug: {slug}\n{meta}\n"
        f"Some text.\n\n```python\n{code}```\n\n![]({image})\n"
    )


def figure_entries(root) -> list:
    """The cache's figure entries (its errors/ folder aside)."""
    return [entry for entry in (root / "cache" / "rnn_figures").glob("*/*") if entry.parent.name != "errors"]


def test_raising_snippet_one_error_at_its_line_and_again_on_rebuild(tmp_path):
    broken = post("broken", GOOD + "x = 1\nraise KeyError('no such <unit>')\n")
    result = build_in_process(tmp_path, {"broken.md": broken, "good.md": post("good", GOOD)})
    [error] = failures(result)
    path = str(tmp_path / "content" / "broken.md")
    assert error.startswith(f"{path}:{line_of(broken, 'raise KeyError')}: RNN figure failed: KeyError")
    assert f'File "{path}", line {line_of(broken, "raise KeyError")}' in error
    assert "<string>" not in error
    box = result.page("broken.html").select_one(".rnn-figure-error")
    assert "no such <unit>" in box.get_text() and box.find("unit") is None
    check_figure(result.output / "images" / "good.png")
    # The same code fails the same way: the next build (a devserver rebuild)
    # reports it again from the cache, without running it.
    assert len(figure_entries(tmp_path)) == 1
    assert len(list((tmp_path / "cache" / "rnn_figures" / "errors").glob("*/*.json"))) == 1
    again = build_in_process(tmp_path)
    assert failures(again) == [error]
    assert not any("running" in message for message in again.ours(logging.DEBUG))


def test_syntax_error_names_its_line(tmp_path):
    text = post("syntax", "model = Sequential()\nmodel.add(SimpleRNN(4, input_shape=(3, 2))\n")
    result = build_in_process(tmp_path, {"syntax.md": text})
    [error] = failures(result)
    assert "SyntaxError" in error
    assert (
        f"syntax.md:{line_of(text, 'model.add')}:" in error
        or f"syntax.md:{line_of(text, 'model.add') + 1}:" in error
    )


def test_fatal_errors_fail_the_build(tmp_path):
    make_site(tmp_path, {"broken.md": post("broken", "raise ValueError('x')\nSimpleRNN(2)\n")})
    strict = run_pelican(tmp_path, "--fatal", "errors")
    assert strict.returncode != 0
    relaxed = run_pelican(tmp_path)
    assert relaxed.returncode == 0 and (tmp_path / "output" / "broken.html").exists()


def test_timeout_stops_the_snippet_and_the_next_one_runs(tmp_path):
    hang = post("hang", "SimpleRNN(2)\nwhile True:\n    pass\n")
    result = build_in_process(
        tmp_path, {"hang.md": hang, "good.md": post("good", GOOD)}, RNN_FIGURES_TIMEOUT=8
    )
    [error] = failures(result)
    # Where it hung: the worker dumps its stack just before its time runs out.
    looping = (line_of(hang, "while True"), line_of(hang, "    pass"))
    assert any(f"hang.md:{line}: RNN figure failed: Timeout" in error for line in looping), error
    assert "8 seconds" in error and "while running line" in error
    box = result.page("hang.html").select_one(".rnn-figure-error").get_text()
    assert "| while True:" in box or "| pass" in box
    check_figure(result.output / "images" / "good.png")


def test_a_snippet_that_needs_the_network_fails_at_once_at_its_line(tmp_path):
    code = GOOD + "path = keras.utils.get_file('imdb.npz', 'https://example.com/imdb.npz')\n"
    text = post("download", code)
    result = build_in_process(tmp_path, {"download.md": text}, RNN_FIGURES_TIMEOUT=60)
    [error] = failures(result)
    assert f"download.md:{line_of(text, 'get_file')}:" in error
    assert "no network while the site builds" in error and "Timeout" not in error


def test_article_may_lower_the_timeout_but_not_raise_it(tmp_path):
    slow = "import time\ntime.sleep(6)\n" + GOOD
    result = build_in_process(
        tmp_path,
        {
            "lower.md": post("lower", slow, "Rnn_timeout: 2"),
            "raise.md": post("raise", slow, "Rnn_timeout: 999"),
        },
        RNN_FIGURES_TIMEOUT=4,
    )
    errors = failures(result)
    assert len(errors) == 2
    assert any("lower.md" in e and "2 seconds" in e for e in errors)
    assert any("raise.md" in e and "4 seconds" in e for e in errors)


@pytest.mark.parametrize(
    "code, cause",
    [
        ("import os\nos._exit(3)\n", "exit status 3"),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "killed by signal SIGKILL"),
    ],
)
def test_dying_worker_is_reported_and_replaced(tmp_path, code, cause):
    dies = post("dies", GOOD + code)
    result = build_in_process(
        tmp_path, {"a-dies.md": dies, "b-good.md": post("good", GOOD)}, RNN_FIGURES_WORKERS=1
    )
    [error] = failures(result)
    assert "a-dies.md" in error and "WorkerDied" in error and cause in error
    check_figure(result.output / "images" / "good.png")


def test_memory_limit(tmp_path):
    hog = post("hog", GOOD + "blocks = [np.ones(64 * 1024 * 1024 // 8) for _ in range(200)]\n")
    result = build_in_process(tmp_path, {"hog.md": hog}, RNN_FIGURES_MEMORY_LIMIT=1500)
    [error] = failures(result)
    assert "OutOfMemory" in error and "1500 MB" in error


def test_sys_exit_is_an_error_and_huge_output_is_capped(tmp_path):
    result = build_in_process(
        tmp_path,
        {
            "exits.md": post("exits", GOOD + "import sys\nsys.exit(0)\n"),
            "chatty.md": post("chatty", GOOD + "for i in range(200000):\n    print('x' * 100)\n"),
        },
    )
    [error] = failures(result)
    assert "exits.md" in error and "SystemExit" in error
    [entry] = figure_entries(tmp_path)
    printed = json.loads((entry / "result.json").read_text())["printed"]
    assert 20_000 <= len(printed) < 21_000


def test_side_effects_stay_in_a_scratch_directory(tmp_path):
    code = GOOD + "open('side-effect.txt', 'w').write('x')\nimport os\nos.makedirs('made', exist_ok=True)\n"
    before = set(os.listdir(os.getcwd()))
    build_in_process(tmp_path, {"writes.md": post("writes", code)})
    assert not list(tmp_path.rglob("side-effect.txt"))
    assert set(os.listdir(os.getcwd())) == before


def test_execute_never_uses_only_the_cache(tmp_path):
    articles = {"a.md": post("a", GOOD)}
    never = build_in_process(tmp_path, articles, RNN_FIGURES_EXECUTE="never", no_worker=True)
    [warning] = [m for m in never.ours(logging.WARNING) if "NotExecuted" in m]
    assert "a.md:" in warning
    assert never.page("a.html").select_one(".rnn-figure-error") is not None
    assert not (tmp_path / "output" / "images" / "a.png").exists()
    auto = build_in_process(tmp_path)
    check_figure(auto.output / "images" / "a.png")
    cached = build_in_process(tmp_path, RNN_FIGURES_EXECUTE="never", no_worker=True)
    assert not cached.ours(logging.WARNING) and not failures(cached)
    assert any("0 generated, 1 from cache" in m for m in cached.ours(logging.DEBUG))
    forced = build_in_process(tmp_path, RNN_FIGURES_EXECUTE="force")
    assert any("1 generated, 0 from cache" in m for m in forced.ours(logging.DEBUG))


@pytest.mark.parametrize(
    "image",
    ["../../escape.png", "{static}/../../escape.png", "/images/" + "x" * 300 + ".png", "/images/a.gif"],
)
def test_figure_paths_outside_the_output_are_refused(tmp_path, image):
    text = post("paths", GOOD, image=image)
    result = build_in_process(tmp_path, {"paths.md": text})
    [error] = failures(result)
    assert f"paths.md:{line_of(text, '![')}: RNN figure failed: ArticleError" in error
    written = {p.name for p in tmp_path.rglob("*.png")}
    assert written == set()


def test_odd_characters_in_a_figure_path_stay_inside_the_output(tmp_path):
    text = post("odd", GOOD, image='</images/odd name\'s "fig" & co.png>')
    result = build_in_process(tmp_path, {"odd.md": text})
    assert not failures(result)
    [written] = result.output.rglob("*.png")
    assert written.name == 'odd name\'s "fig" & co.png'
    outside = [p for p in tmp_path.rglob("*.png") if not p.is_relative_to(result.output)]
    assert all(p.is_relative_to(tmp_path / "cache") for p in outside)
    img = result.page("odd.html").find("img", alt=lambda alt: alt and "SimpleRNN" in alt)
    assert img is not None and (result.output / img["src"].lstrip("/")).exists()


def test_two_snippets_claiming_one_path_is_an_error(tmp_path):
    result = build_in_process(
        tmp_path,
        {
            "one.md": post("one", GOOD, image="/images/same.png"),
            "two.md": post("two", GOOD.replace("SimpleRNN(2)", "SimpleRNN(3)"), image="/images/same.png"),
        },
    )
    [error] = failures(result)
    assert "DuplicateFigure" in error and "same.png" in error


def test_script_in_tokens_and_captions_stays_text(tmp_path):
    meta = "Rnn_example: <script>alert(1)</script>=[1, 2] b=[3, 4] c=[5, 6]"
    text = (
        post("xss", GOOD.replace("(3, 2)", "(3, 2)"), meta)
        + '\n```python rnn-figure caption="<script>alert(2)</script>"\n'
        + GOOD
        + "```\n"
    )
    result = build_in_process(tmp_path, {"xss.md": text})
    assert not failures(result)
    page = result.page("xss.html")
    assert not [tag for tag in page.find_all("script") if "alert" in tag.get_text()]
    assert "<script>alert(2)</script>" in page.select_one("figure.rnn-figure figcaption").get_text()
    svg = (result.output / "images" / "xss.svg").read_text()
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


@pytest.mark.parametrize("damage", ["truncate", "empty", "garbage", "old-format"])
def test_broken_cache_entry_is_a_miss_with_one_warning(tmp_path, damage):
    articles = {"a.md": post("a", GOOD)}
    build_in_process(tmp_path, articles)
    [entry] = figure_entries(tmp_path)
    result_file = entry / "result.json"
    if damage == "truncate":
        (entry / "figure.png").write_bytes((entry / "figure.png").read_bytes()[:100])
    elif damage == "empty":
        (entry / "figure.svg").write_bytes(b"")
    elif damage == "garbage":
        result_file.write_bytes(os.urandom(64))
    else:
        result_file.write_text(json.dumps({"format": 0, "alt": "x"}))
    again = build_in_process(tmp_path)
    warnings = [m for m in again.ours(logging.WARNING) if "figure cache entry" in m]
    assert len(warnings) == 1
    assert any("1 generated" in m for m in again.ours(logging.DEBUG))
    check_figure(again.output / "images" / "a.png")
    third = build_in_process(tmp_path)
    assert not third.ours(logging.WARNING)


def test_two_builds_sharing_one_cache_at_once(tmp_path):
    text = post("shared", GOOD)
    roots = [tmp_path / "one", tmp_path / "two"]
    for root in roots:
        make_site(root, {"shared.md": text}, extra=f"CACHE_PATH = {str(tmp_path / 'cache')!r}\n")
    command = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output"]
    processes = [
        subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for root in roots
    ]
    for process in processes:
        out, _ = process.communicate(timeout=600)
        assert process.returncode == 0, out
    one, two = (json.loads((root / "output/images/shared.json").read_text()) for root in roots)
    assert one == two


def test_killed_build_leaves_nothing_partial(tmp_path):
    articles = {
        f"p{i}.md": post(f"p{i}", GOOD.replace("SimpleRNN(2)", f"SimpleRNN({i + 2})")) for i in range(4)
    }
    make_site(tmp_path, articles)
    command = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output"]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    cache = tmp_path / "cache" / "rnn_figures"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(cache.glob("*/*/result.json"))) < 1:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    result = run_pelican(tmp_path)
    assert result.returncode == 0 and "ERROR" not in result.log, result.log
    for i in range(4):
        check_figure(tmp_path / "output" / "images" / f"p{i}.png")
    assert not [p for p in (tmp_path / "output").rglob("*") if p.name.startswith(".rnn-figure-partial")]


def test_missing_tensorflow_is_one_clear_error(tmp_path):
    bare = tmp_path / "bare-venv"
    venv.EnvBuilder(with_pip=False).create(bare)
    articles = {f"p{i}.md": post(f"p{i}", GOOD) for i in range(3)}
    articles["plain.md"] = "Title: plain\nDate: 2024-01-01\n\nNo figures here.\n"
    result = build_in_process(tmp_path, articles, RNN_FIGURES_PYTHON=str(bare / "bin" / "python"))
    [error] = failures(result)
    assert "MissingDependency" in error and "pip install tensorflow" in error
    assert (result.output / "plain.html").exists()
    assert all(result.page(f"p{i}.html").select_one(".rnn-figure-error") for i in range(3))


def test_a_bug_of_ours_costs_the_figures_not_the_site(tmp_path, monkeypatch):
    from pelican_rnn_figures.site import figures

    def broken(*args, **kwargs):
        raise RuntimeError("plugin bug")

    monkeypatch.setattr(figures, "make_figures", broken)
    result = build_in_process(tmp_path, {"a.md": post("a", GOOD)})
    [error] = [m for m in result.ours(logging.ERROR)]
    assert "RNN figures failed" in error
    assert (result.output / "a.html").exists()


def test_models_we_cannot_trace_faithfully_are_refused(tmp_path):
    # Stacked cells are drawn as the layers they equal, but not read backwards (yet).
    custom = post(
        "custom",
        "model = Sequential([Input((3, 2)), RNN([SimpleRNNCell(2), SimpleRNNCell(2)], go_backwards=True)])\n",
    )
    both = post(
        "both",
        "inputs = keras.Input((3, 2))\n"
        "state = keras.Input((1,))\n"
        "outputs = Bidirectional(SimpleRNN(1))(inputs, initial_state=[state, state])\n"
        "model = keras.Model([inputs, state], outputs)\n",
    )
    result = build_in_process(tmp_path, {"custom.md": custom, "both.md": both})
    errors = sorted(failures(result))
    assert len(errors) == 2, errors
    assert "TraceError" in errors[0] and "initial_state cannot be drawn" in errors[0]
    assert "TraceError" in errors[1] and "its cells are stacked" in errors[1]
    assert not list((result.output / "images").glob("*.png"))


# RNN_FIGURES_PYTHON may be any program that runs the worker: this one runs
# it with a bug planted in our tracing (stepping a GRU raises), as a bug of
# ours would raise, in the worker itself, away from the article's code.
BUGGY_WORKER = """#!{python}
import runpy

from pelican_rnn_figures.worker import tracing

real_step_layer = tracing.step_layer


def step_layer(layer, *args, **kwargs):
    if type(layer).__name__ == "GRU":
        raise IndexError("a bug planted by the test")
    return real_step_layer(layer, *args, **kwargs)


tracing.step_layer = step_layer
runpy.run_module("pelican_rnn_figures.worker", run_name="__main__", alter_sys=True)
"""


def test_a_bug_of_ours_in_tracing_is_ours_and_never_kept(tmp_path):
    buggy = tmp_path / "buggy-python"
    buggy.write_text(BUGGY_WORKER.format(python=sys.executable), encoding="utf-8")
    buggy.chmod(0o755)
    root = tmp_path / "site"
    gru = post("gru", "model = Sequential([Input((3, 2)), GRU(2)])\nmodel.summary()\n")
    articles = {"gru.md": gru, "good.md": post("good", GOOD)}
    result = build_in_process(root, articles, RNN_FIGURES_PYTHON=str(buggy))
    [error] = failures(result)
    # Named at the snippet that met it, but said to be ours, with the whole traceback.
    assert error.startswith(f"{root / 'content' / 'gru.md'}:"), error
    assert "RNN figure failed: PluginBug: " in error
    assert "a bug of pelican_rnn_figures: please report it" in error
    assert "IndexError: a bug planted by the test" in error
    assert "Traceback (most recent call last)" in error and "pelican_rnn_figures/worker/tracing.py" in error
    page = result.page("gru.html")
    box = page.select_one(".rnn-figure-error").get_text()
    assert "PluginBug" in box and "please report it" in box
    [output] = page.select("pre.rnn-figure-output")  # the block ran: its output is shown
    assert "Total params" in output.get_text()
    check_figure(result.output / "images" / "good.png")  # the other figures are made
    # Never kept: the next build tries again (and meets the bug again) ...
    assert not list((root / "cache" / "rnn_figures" / "errors").glob("*/*.json"))
    again = build_in_process(root, RNN_FIGURES_PYTHON=str(buggy))
    assert any("running 1 snippet(s)" in message for message in again.ours(logging.DEBUG))
    [error_again] = failures(again)
    assert "PluginBug" in error_again
    assert "Total params" in again.page("gru.html").select_one("pre.rnn-figure-output").get_text()
    # ... and once the bug is fixed, the figure is made.
    fixed = build_in_process(root)
    assert not failures(fixed)
    check_figure(fixed.output / "images" / "gru.png")


def test_the_article_own_layer_raising_while_we_trace_is_the_writers(tmp_path):
    code = (
        "class Fussy(layers.Layer):\n"
        "    def call(self, x):\n"
        "        if tf.executing_eagerly():  # not while Keras builds the model: when it is traced\n"
        "            raise ValueError('Fussy takes no real numbers')\n"
        "        return x\n"
        "\n"
        "model = Sequential([Input((3, 2)), Fussy(), SimpleRNN(2)])\n"
    )
    text = post("fussy", code)
    result = build_in_process(tmp_path, {"fussy.md": text})
    [error] = failures(result)
    line = line_of(text, "raise ValueError")
    assert error.startswith(f"{tmp_path / 'content' / 'fussy.md'}:{line}: RNN figure failed: ValueError: ")
    assert "Fussy takes no real numbers" in error and "PluginBug" not in error
    assert len(list((tmp_path / "cache" / "rnn_figures" / "errors").glob("*/*.json"))) == 1


@pytest.mark.fast
def test_a_line_that_is_not_a_job_is_answered_and_the_worker_goes_on():
    import io

    from pelican_rnn_figures.worker.serve import serve

    replies = io.StringIO()
    serve(io.StringIO('{not json\n[1, 2]\n{"id": 7}\n"text"\n'), replies)
    answers = [json.loads(line) for line in replies.getvalue().splitlines()]
    assert answers[0]["event"] == "ready"
    finished = answers[1:]
    assert [answer["event"] for answer in finished] == ["finished"] * 4
    assert [answer["id"] for answer in finished] == [-1, -1, 7, -1]
    assert all("not a job" in answer["error"]["message"] for answer in finished)
