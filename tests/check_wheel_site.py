"""After `make wheel-check`: the demo site was built by the plugin installed
from its wheel (not from this checkout), with every figure in place.

Usage: python tests/check_wheel_site.py WHEEL_DIR (with the wheel's venv)."""

from __future__ import annotations

import sys
from pathlib import Path

import pelican_rnn_figures
from pelican_rnn_figures.worker.drawing import render  # the wheel has every subpackage

folder = Path(sys.argv[1]).resolve()
installed = Path(pelican_rnn_figures.__file__).resolve()
assert installed.is_relative_to(folder / "venv"), f"the plugin came from {installed}, not the wheel"
assert Path(render.__file__).resolve().is_relative_to(folder / "venv")
assert (installed.parent / "py.typed").exists(), "py.typed is missing from the wheel"

output = folder / "output"
pages = sorted(output.rglob("*.html"))
articles = [page for page in pages if "rnn-figure" in page.read_text(encoding="utf-8")]
assert len(articles) >= 2, f"no article with figures among {[p.name for p in pages]}"
for page in articles:
    assert "rnn-figure-error" not in page.read_text(encoding="utf-8"), f"an error box in {page.name}"
figures = sorted(output.rglob("*.png"))
assert len(figures) >= 20, f"only {len(figures)} figures"
for png in figures:
    for suffix in (".svg", ".json"):
        assert png.with_suffix(suffix).stat().st_size > 0, png.with_suffix(suffix)
print(f"wheel check: {len(figures)} figures in {len(articles)} articles, plugin from {installed.parent}")
