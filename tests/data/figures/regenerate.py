"""Trace some of test_layer_variants.VARIANTS again into variant-NN.json (needs
TensorFlow): run ``python tests/data/figures/regenerate.py`` after the
figure data's format changes. Each is made as the worker makes a job's
(``helpers.make_entry``, the tests' tracer); its figure.json is kept."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))

from helpers import make_entry  # noqa: E402
from test_layer_variants import VARIANTS  # noqa: E402

# One of each family: plain, every flag, Bidirectional (merged and not),
# backwards stacks, Embedding, a Dense first, and the cases tests found.
CHOSEN = (0, 7, 15, 23, 24, 28, 33, 43, 54, 58, 61, 64, 65, 66, 67)

for number in CHOSEN:
    with tempfile.TemporaryDirectory() as folder:
        png = make_entry(VARIANTS[number], Path(folder) / "entry")
        data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
    record = {"code": VARIANTS[number], "data": data}
    (HERE / f"variant-{number:02d}.json").write_text(
        json.dumps(record, separators=(",", ":")), encoding="utf-8"
    )
