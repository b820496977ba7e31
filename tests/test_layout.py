"""Layouts checked as data, without matplotlib or TensorFlow.

``data/figures/variant-*.json`` are figure data traced from
``test_layer_variants.VARIANTS`` (``data/figures/regenerate.py`` makes them
again); each is laid out as values and as a schematic, and the scene checked
by :func:`layout_checks.check_layout`. The traced variants themselves are
checked the same way in ``test_layer_variants.py`` and
``test_legible_figures.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from cell_checks import check_cells, scene_regions, scene_texts
from figure_checks import check_data
from layout_checks import check_layout

from pelican_rnn_figures.worker.drawing.glyphs import text_width
from pelican_rnn_figures.worker.drawing.scene import (
    LayerCell,
    Scene,
    Text,
    ValueCell,
    ValueScale,
    format_value,
)
from pelican_rnn_figures.worker.drawing.small_figures import layout_embeddings, layout_words
from pelican_rnn_figures.worker.drawing.unrolled import LayoutError, layout_unrolled

pytestmark = pytest.mark.fast

FIGURES = sorted((Path(__file__).parent / "data" / "figures").glob("variant-*.json"))


def _data(path: Path, **options) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    data["figure_options"] = options
    return data


@pytest.mark.parametrize("path", FIGURES, ids=lambda path: path.stem)
@pytest.mark.parametrize("values", [True, False], ids=["values", "schematic"])
def test_stored_figures_lay_out_cleanly(path, values):
    scene = layout_unrolled(_data(path, values=values))
    check_layout(scene)
    cells = [shape for shape in scene.shapes if isinstance(shape, ValueCell)]
    assert cells and all(cell.coloured is values for cell in cells)


@pytest.mark.parametrize("path", FIGURES, ids=lambda path: path.stem)
@pytest.mark.parametrize("values", [True, False], ids=["values", "schematic"])
def test_stored_figures_show_each_value_in_its_cell(path, values):
    """Each value cell of the scene is where its tooltip says (layer, step,
    unit), and the text drawn in it is that value of the JSON (which agrees
    with NumPy) as the README's format prints it; the colour key and the
    scale reach them all (cell_checks.py)."""
    data = _data(path, values=values)
    check_data(data)
    scene = layout_unrolled(data)
    check_cells(data, scene_texts(scene), scene_regions(scene), path.stem, peak=scene.scale.peak)


def test_two_inputs_with_the_same_tokens_keep_their_values_apart():
    """Found by the tour's encoder–decoder ("I am groot | je suis groot"):
    both inputs' x₃ “groot” are strips of their own."""
    data = _data(FIGURES[-2])  # a GRU's h handed to a SimpleRNN decoder
    first, second = data["sequences"]
    second["tokens"] = first["tokens"][: len(second["tokens"])]
    scene = layout_unrolled(data)
    check_cells(data, scene_texts(scene), scene_regions(scene), "same tokens")


def _swapped(scene: Scene, first: str, second: str) -> Scene:
    """The scene with the texts ``first`` and ``second`` of two value cells swapped."""
    texts = [shape for shape in scene.shapes if isinstance(shape, Text) and not shape.on_page]
    a = next(text for text in texts if text.text == first)
    b = next(text for text in texts if text.text == second)
    swapped = {id(a): replace(a, text=second), id(b): replace(b, text=first)}
    return replace(scene, shapes=[swapped.get(id(shape), shape) for shape in scene.shapes])


def test_the_cell_checks_catch_a_value_in_another_cell():
    """The checks read a value at its cell: swapping two values of the figure,
    both still in the SVG, is caught; so is a state drawn a step away."""
    data = _data(FIGURES[0])  # SimpleRNN(3) over 3 steps
    scene = layout_unrolled(data)
    h1, h2 = data["layers"][0]["states"][:2]
    first, second = format_value(h1[0]), format_value(h2[0])
    assert first != second
    wrong = _swapped(scene, first, second)
    with pytest.raises(AssertionError, match="shows"):
        check_cells(data, scene_texts(wrong), scene_regions(wrong), "swapped")
    # h₁ with its values moved two steps right, past the last cell: still
    # itself, in a gap where no state is.
    h1_cells = [region for region in scene.regions if region.tip.startswith("h₁ of")]
    h2_left = next(region.left for region in scene.regions if region.tip.startswith("h₂ of"))
    shift = 2 * (h2_left - h1_cells[0].left)

    def in_h1(shape) -> bool:
        return any(
            cell.left <= shape.x <= cell.left + cell.width
            and cell.bottom <= shape.y <= cell.bottom + cell.height
            for cell in h1_cells
        )

    moved = replace(
        scene,
        shapes=[
            replace(shape, x=shape.x + shift) if isinstance(shape, Text) and in_h1(shape) else shape
            for shape in scene.shapes
        ],
        regions=[
            replace(region, left=region.left + shift) if region in h1_cells else region
            for region in scene.regions
        ],
    )
    with pytest.raises(AssertionError, match="h₁ of simple_rnn drawn outside its gap"):
        check_cells(data, scene_texts(moved), scene_regions(moved), "moved")


def test_small_figures_lay_out_cleanly():
    check_layout(layout_embeddings({"tokens": ["I", "am", "groot"], "inputs": [[0.5, -0.2]] * 3}))
    words = {"words": ["the", "cat", "sat", "down"], "highlighted": [1], "label": "noun"}
    check_layout(layout_words(words))


def test_the_checks_catch_a_broken_layout():
    scene = Scene(2.0, 1.0)
    scene.box(0.6, 0.5, "LSTM")
    scene.box(1.0, 0.5, "GRU")  # on top of the first cell
    with pytest.raises(AssertionError, match="overlaps"):
        check_layout(scene)
    scene = Scene(1.0, 1.0)
    scene.text(0.5, 0.98, "a title at the very top")
    with pytest.raises(AssertionError, match="off the canvas"):
        check_layout(scene)
    scene = Scene(3.0, 1.0)
    scene.shapes.append(LayerCell(1.0, 0.2, 1.0, 0.6))
    scene.text(1.5, 0.5, "Bidirectional(SimpleRNN)", size=10.0, weight="bold")  # wider than the cell
    with pytest.raises(AssertionError, match="does not fit"):
        check_layout(scene)
    scene = Scene(3.0, 1.0)
    scene.box(1.5, 0.5, "BatchNormalization")  # a box's title is made to fit: smaller, or cut short
    check_layout(scene)
    scene.shapes.append(Text(1.5, 0.1, "0.37", 5.0, "#000"))  # 6.9 px
    with pytest.raises(AssertionError, match="below 10.4 px"):
        check_layout(scene)


def test_labels_side_by_side_keep_a_space():
    scene = Scene(3.0, 1.0)
    scene.text(0.1, 0.5, "cell colour = value:", ha="left")
    scene.text(0.1 + text_width("cell colour = value:", 9.0) + 0.01, 0.5, "−0.048", ha="left")
    with pytest.raises(AssertionError, match="touch"):
        check_layout(scene)


@pytest.mark.parametrize("peak", [0.9, 0.048, 0.00123, 12345.0])
def test_the_colour_key_never_touches_its_ends(peak):
    scene = Scene(5.0, 0.5, ValueScale(peak))
    scene.colour_key(0.1, 0.25)
    check_layout(scene)


def test_layers_option_selects_rows_and_names_unknown_layers():
    data = _data(FIGURES[0])
    name = data["layers"][0]["name"]
    titles = {text.text for text in layout_unrolled({**data, "figure_options": {"layers": [name]}}).texts()}
    assert "SimpleRNN(3)" in titles
    with pytest.raises(LayoutError, match="names no layer"):
        layout_unrolled({**data, "figure_options": {"layers": ["nope"]}})


def test_one_step_per_column_and_states_between_cells():
    data = _data(FIGURES[0])  # SimpleRNN(3) over 4 steps
    scene = layout_unrolled(data)
    cells = sorted(shape.left for shape in scene.boxes() if type(shape).__name__ == "LayerCell")
    assert len(cells) == len(data["inputs"])
    pitches = {round(b - a, 6) for a, b in zip(cells, cells[1:], strict=False)}
    assert len(pitches) == 1  # evenly spaced
    labels = [text for text in scene.texts() if text.text.startswith("h") and text.text[1:2] in "₀₁₂₃₄"]
    assert {"h₀ = 0", "h₁", "h₂", "h₃"} <= {text.text for text in labels}


def test_glyph_widths_match_matplotlib():
    """The layout's text measure agrees with matplotlib's within 3 %."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    measure = TextToPath()
    for text in ("SimpleRNN(4)", "layer 1 · 28 params", "return_sequences=True", "h₂ from lstm", "−0.05"):
        for weight in ("normal", "bold"):
            ours = Text(0, 0, text, 10.0, "#000", weight).extent
            width, _, _ = measure.get_text_width_height_descent(
                text, FontProperties(family="DejaVu Sans", weight=weight, size=10.0), ismath=False
            )
            assert abs((ours[2] - ours[0]) * 72 - width) <= 0.03 * width, (text, weight)


def test_laying_out_needs_no_matplotlib():
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from pelican_rnn_figures.worker.drawing.unrolled import layout_unrolled\n"
        f"for path in {[str(path) for path in FIGURES]!r}:\n"
        "    data = json.loads(Path(path).read_text())['data']\n"
        "    data['figure_options'] = {}\n"
        "    layout_unrolled(data)\n"
        "print(sorted({'matplotlib', 'numpy', 'tensorflow', 'keras'} & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
