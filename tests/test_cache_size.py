"""A cache that stays small: each full build's record, the prune command, the
size limit, dead builds' staging folders, and a cache that cannot be written."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from figure_checks import check_figure
from helpers import HEADER, build_in_process, failures, make_site, tally

from pelican_rnn_figures.site import prune

GOOD = "model = Sequential([Input((3, 2)), SimpleRNN(2)])\n"
BROKEN = "model = Sequential([Input((3, 2)), SimpleRNN(2)])\nraise KeyError('no such unit')\n"


def post(slug: str, code: str) -> str:
    return HEADER.format(title=slug, slug=slug) + f"\n```python\n{code}```\n\n![](/images/{slug}.png)\n"


def folder(root: Path) -> Path:
    return root / "cache" / "rnn_figures"


def entries(root: Path) -> set[str]:
    """The keys of the cache's figure entries."""
    return {path.name for path in folder(root).glob("[0-9a-f][0-9a-f]/*") if not path.name.startswith(".")}


def kept_errors(root: Path) -> set[str]:
    return {path.name for path in folder(root).glob("errors/*/*.json")}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A site of one figure and one failing snippet, built once (its cache warm)."""
    root = make_site(tmp_path_factory.mktemp("site"), {"good.md": post("good", GOOD)})
    (root / "content" / "broken.md").write_text(post("broken", BROKEN), encoding="utf-8")
    result = build_in_process(root)
    assert "1 generated" in tally(result) and len(failures(result)) == 1
    assert len(entries(root)) == 1 and len(kept_errors(root)) == 1
    return root


@pytest.fixture
def site(built, tmp_path) -> Path:
    """A copy of the built site to change."""
    shutil.copytree(built, tmp_path / "site")
    return tmp_path / "site"


def test_each_full_build_records_what_it_used(site):
    record = prune.read_record(str(folder(site)))
    assert record is not None
    assert (
        entries(site) <= record.entries
        and {name[: -len(".json")] for name in kept_errors(site)} <= record.errors
    )


def test_prune_removes_an_edited_snippets_old_entry_and_keeps_the_build_warm(site):
    old = entries(site)
    (site / "content" / "good.md").write_text(post("good", GOOD.replace("(2)", "(3)")), encoding="utf-8")
    assert "1 generated" in tally(build_in_process(site))
    assert len(entries(site)) == 2  # under the size limit nothing is pruned by itself
    # The copy's failure is kept anew (its key has the article's path); the built site's is unused.
    assert len(kept_errors(site)) == 2
    # A warm build: what it uses was made before it started (newer entries would be kept anyway).
    assert tally(build_in_process(site)).startswith("RNN figures: 0 generated, 1 from cache, 1 failed")
    used = {
        name
        for name in kept_errors(site)
        if name[: -len(".json")] in prune.read_record(str(folder(site))).errors
    }
    dry = subprocess.run(
        [sys.executable, "-m", "pelican_rnn_figures", "prune", "--dry-run", "--settings", "pelicanconf.py"],
        cwd=site,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "would remove 1 unused entry, 1 unused kept error(s), 0 staging" in dry.stdout
    assert len(entries(site)) == 2 and len(kept_errors(site)) == 2
    pruned = prune.prune(str(folder(site)))
    assert (pruned.entries, pruned.errors, pruned.staging) == (1, 1, 0) and pruned.freed > 1000
    assert entries(site).isdisjoint(old) and len(entries(site)) == 1 and kept_errors(site) == used
    again = build_in_process(site)
    assert tally(again).startswith("RNN figures: 0 generated, 1 from cache, 1 failed")
    assert not any("running" in message for message in again.ours(logging.DEBUG))


def test_the_size_limit_prunes_after_a_full_build(site):
    old = entries(site)
    (site / "content" / "good.md").write_text(post("good", GOOD.replace("(2)", "(4)")), encoding="utf-8")
    (site / "content" / "broken.md").unlink()
    result = build_in_process(site, RNN_FIGURES_CACHE_LIMIT_MB=0.001)
    [note] = [message for message in result.ours(logging.INFO) if "RNN_FIGURES_CACHE_LIMIT_MB" in message]
    assert "removed 1 unused entry, 1 unused kept error(s)" in note
    assert len(entries(site)) == 1 and entries(site).isdisjoint(old) and not kept_errors(site)
    check_figure(result.output / "images" / "good.png")


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


@pytest.mark.fast
def test_staging_folders_of_dead_builds_are_swept_and_live_ones_kept(tmp_path):
    dead, alive = _dead_pid(), os.getpid()
    key = "ab" + "0" * 62
    names = {
        f"ab/.rnn-partial-{{}}-{key}": "dir",  # a worker's entry being written
        f"ab/{key}.tmp-{{}}": "dir",  # an older version's
        f"errors/ab/.rnn-partial-{{}}-{key}.json": "file",
        ".rnn-partial-{}-block-names.json": "file",
    }
    for name, kind in names.items():
        for pid in (dead, alive):
            path = tmp_path / name.format(pid)
            path.parent.mkdir(parents=True, exist_ok=True)
            if kind == "dir":
                path.mkdir()
                (path / "figure.png").write_bytes(b"x" * 100)
            else:
                path.write_text("{}")
    (tmp_path / "ab" / key).mkdir()  # an entry: no build is recorded, so it stays
    pruned = prune.prune(str(tmp_path))
    assert pruned.staging == 4 and pruned.entries == 0 and not pruned.recorded
    assert pruned.freed == 2 * 100 + 2 * 2
    for name in names:
        assert not (tmp_path / name.format(dead)).exists()
        assert (tmp_path / name.format(alive)).exists()
    assert (tmp_path / "ab" / key).is_dir()


def test_a_cache_that_cannot_be_written_costs_only_what_it_could_not_keep(site):
    cache = folder(site)
    shutil.rmtree(cache / "errors")
    (cache / "errors").write_text("not a folder")  # (tests run as root: chmod would not stop writes)
    os.unlink(cache / prune.MANIFEST)
    (cache / prune.MANIFEST).mkdir()
    result = build_in_process(site)
    warnings = result.ours(logging.WARNING)
    assert any(
        "broken.md:" in message and "could not be kept in the figure cache" in message for message in warnings
    )
    assert any("could not keep the build's record" in message for message in warnings)
    assert not result.ours(logging.CRITICAL) and not any(
        "the site is built" in m for m in result.ours(logging.ERROR)
    )
    assert tally(result).startswith("RNN figures: 0 generated, 1 from cache, 1 failed")
    check_figure(result.output / "images" / "good.png")
    assert "no such unit" in result.page("broken.html").select_one(".rnn-figure-error").get_text()


@pytest.mark.fast
def test_a_build_measures_the_cache_only_when_its_estimate_passes_the_limit(tmp_path, monkeypatch):
    measured = []
    monkeypatch.setattr(prune, "size_of", lambda path: measured.append(path) or 3 * prune.MEGABYTE)
    folder = str(tmp_path)
    prune.after_full_build(folder, ["a" * 64], [], 1.0, limit_mb=10)  # no size recorded yet: measured
    assert len(measured) == 1 and prune.read_record(folder).size == 3 * prune.MEGABYTE
    prune.after_full_build(folder, ["a" * 64], [], 2.0, limit_mb=10, added=prune.MEGABYTE)
    assert len(measured) == 1 and prune.read_record(folder).size == 4 * prune.MEGABYTE
    prune.after_full_build(folder, ["a" * 64], [], 3.0, limit_mb=3.5, added=0)  # over: measured again
    assert len(measured) == 2


def test_a_cache_where_no_entry_can_be_written_still_gives_every_figure(tmp_path):
    root = make_site(tmp_path, {"good.md": post("good", GOOD)})
    (root / "cache").mkdir(exist_ok=True)
    folder(root).write_text("not a folder")  # no entry can be made under it
    result = build_in_process(root)
    warnings = result.ours(logging.WARNING)
    assert any("cannot be written" in message and "not kept" in message for message in warnings), warnings
    assert not failures(result) and tally(result).startswith(
        "RNN figures: 1 generated, 0 from cache, 0 failed"
    )
    check_figure(result.output / "images" / "good.png")
    assert folder(root).read_text() == "not a folder"
