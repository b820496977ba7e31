"""Trace some of test_layer_variants.VARIANTS again into variant-NN.json (needs
TensorFlow): run ``python tests/data/figures/regenerate.py`` after the
figure data's format changes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))

from test_layer_variants import VARIANTS  # noqa: E402

from pelican_rnn_figures.messages import JobSpec  # noqa: E402
from pelican_rnn_figures.worker.model_figure import run_snippet  # noqa: E402

# One of each family: plain, every flag, Bidirectional (merged and not),
# backwards stacks, Embedding, a Dense first, and the cases tests found.
CHOSEN = (0, 7, 15, 23, 24, 28, 33, 43, 54, 58, 61, 64, 65, 66, 67)

for number in CHOSEN:
    spec = JobSpec(
        code=VARIANTS[number],
        seed=1,
        embeddings=[[0.5, 0.4], [0.0, 0.0], [0.7, 0.5], [0.1, 0.2]],
        token_ids=[[3, 4, 0, 0]],
    )
    data, _, _ = run_snippet(spec, "variant.md", 1)
    record = {"code": VARIANTS[number], "data": data}
    (HERE / f"variant-{number:02d}.json").write_text(
        json.dumps(record, separators=(",", ":")), encoding="utf-8"
    )
