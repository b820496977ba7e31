"""Digest of everything the plugin makes, to prove a change leaves output
byte-identical: builds the demo site and a site of every layer variant of
tests/test_layer_variants.py (one article each, a ``rnn-figure`` fence) with
an empty cache, and prints one line per output file: its SHA-256 and path.

    python tools/output_digest.py OUT_DIR > before.txt   # on the old commit
    python tools/output_digest.py OUT_DIR > after.txt    # on the new one
    diff before.txt after.txt
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_layer_variants import VARIANTS  # noqa: E402

ARTICLE = """Title: Variant {number}
Date: 2024-01-{day:02d}

```python rnn-figure name=variant-{number}
import keras
from keras import Input, Sequential
from keras.layers import (GRU, LSTM, Bidirectional, Dense, Embedding, Masking,
                          SimpleRNN, TimeDistributed)
{code}
```
"""


def build(content: Path, output: Path, settings: Path, cache: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pelican",
            str(content),
            "-o",
            str(output),
            "-s",
            str(settings),
            "-e",
            f'CACHE_PATH="{cache}"',
            "-q",
        ],
        check=True,
        stdout=sys.stderr,  # Pelican's console lines are not part of the digest
    )


def digest(folder: Path) -> list[str]:
    return [
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(folder)}"
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]


def main(out: Path) -> None:
    build(ROOT / "content", out / "demo", ROOT / "pelicanconf.py", out / "demo-cache")
    variants = out / "variants-content"
    variants.mkdir(parents=True, exist_ok=True)
    for number, code in enumerate(VARIANTS, 1):
        text = ARTICLE.format(number=number, day=number % 28 + 1, code=code)
        (variants / f"variant-{number}.md").write_text(text, encoding="utf-8")
    build(variants, out / "variants", ROOT / "pelicanconf.py", out / "variants-cache")
    for line in digest(out / "demo") + digest(out / "variants"):
        print(line)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
