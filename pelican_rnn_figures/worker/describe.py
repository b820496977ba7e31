"""Words for a figure: alt text and short labels, made from its data alone."""

from __future__ import annotations

from typing import Any

from .figure_data import is_bidirectional, is_recurrent, recurrent_class, recurrent_title


def _join(words: list[str]) -> str:
    quoted = [f"“{w}”" for w in words]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def subscript(number: int) -> str:
    """``12`` -> ``₁₂``, for step labels such as x₁₂ and h₃."""
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def units(count: int) -> str:
    """``1`` -> ``1 unit``, ``4`` -> ``4 units``."""
    return f"{count} unit{'' if count == 1 else 's'}"


def format_shape(shape: Any) -> str:
    """``[None, 3, 4]`` -> ``(None, 3, 4)``, as Keras prints shapes."""
    if shape and isinstance(shape[0], list):
        return ", ".join(format_shape(s) for s in shape)
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def layer_title(layer: dict[str, Any]) -> str:
    """``LSTM(4)``, ``RNN(LSTMCell(4))``, ``Bidirectional(GRU(2))``, ``Dense``."""
    if is_bidirectional(layer):
        return f"Bidirectional({recurrent_title(layer['forward'])})"
    if is_recurrent(layer):
        return recurrent_title(layer)
    return layer["class"]


def describe_layer(layer: dict[str, Any]) -> str:
    output = "an output at every step" if layer.get("return_sequences") else "only its last state as output"
    if is_bidirectional(layer):
        what = (
            f"a bidirectional {recurrent_class(layer['forward'])} with {units(layer['units'])} each way, "
            f"merged by {layer['merge_mode'] or 'nothing (two outputs)'}"
        )
    else:
        what = f"{recurrent_class(layer)} with {units(layer['units'])}"
        if layer.get("go_backwards"):
            what += " reading the steps backwards"
    text = (
        f"{what} ({layer['params']} parameters, output shape {format_shape(layer['output_shape'])}), {output}"
    )
    masked = [t + 1 for t, kept in enumerate(layer.get("mask") or []) if not kept]
    if masked:
        steps = ", ".join(str(t) for t in masked)
        text += f"; step{'s' if len(masked) > 1 else ''} {steps} masked, the state carried through unchanged"
    if layer.get("initial_state_from"):
        source = layer["initial_state_from"][0].get("layer", "another input")
        text += f"; it starts from the final states of {source} instead of zeros"
    elif layer.get("initial_state_carried"):
        text += "; it is stateful and starts from the state its last call left instead of zeros"
    return text


def describe_figure(kind: str, data: dict[str, Any]) -> str:
    tokens = data.get("tokens") or []
    if kind == "embedding":
        width = len(data["inputs"][0]) if data.get("inputs") else 0
        return f"Embeddings of {_join(tokens)}: each word as a vector of {width} numbers."
    if kind == "words":
        text = f"The words {_join(data['words'])} in reading order"
        if data.get("label"):
            text += f", labelled {data['label']}"
        return text + "."
    if data.get("figure_options", {}).get("attention"):
        return describe_attention(data) + _notes(data) + "Cells show the values Keras computes."
    recurrent = [layer for layer in data["layers"] if is_recurrent(layer)]
    steps = len(data["inputs"])
    layers = "; then ".join(describe_layer(layer) for layer in recurrent)
    stacked = f"{len(recurrent)} recurrent layers" if len(recurrent) > 1 else "A recurrent layer"
    text = (
        f"{stacked} unrolled over {steps} time step{'s' if steps != 1 else ''} ({_join(tokens)}), each step's "
        f"{len(data['inputs'][0])}-number input feeding one cell: {layers}. "
    )
    for number, sequence in enumerate(data.get("sequences", [])[1:], start=2):
        text += f"Input {number} has {len(sequence['inputs'])} steps ({_join(sequence['tokens'])}). "
    return text + _notes(data) + "Cells show the values Keras computes."


def _notes(data: dict[str, Any]) -> str:
    """What the figure is drawn on: the batch, the code's data, training, provenance."""
    text = ""
    if data.get("batch_size", 1) > 1:
        text += f"The figure shows the first of a batch of {data['batch_size']} samples. "
    if data.get("data_from"):
        text += f"The inputs are the data the code calls the model on at line {data['data_from']['line']}. "
    if data.get("training"):
        text += f"The weights are those after training ({training_note(data['training'])}). "
    if provenance_note(data):
        text += f"Note: {provenance_note(data)}. "
    return text


def describe_attention(data: dict[str, Any]) -> str:
    """An attention figure's alt text: its axes, and where each query step looks most."""
    from .drawing.attention_grid import read_grid  # the grid's own reading of the data

    grid = read_grid(data)
    query, value, weights = grid.query, grid.value, grid.weights[0]
    strongest = []
    for row, word in enumerate(query.labels):
        column = max(range(len(weights[row])), key=weights[row].__getitem__)
        strongest.append(f"“{word}” on “{value.labels[column]}” ({weights[row][column]:.2f})")
    heads = f" (the first of its {grid.heads} heads)" if grid.heads > 1 else ""
    return (
        f"Attention weights of {grid.layer['name']} ({grid.layer['class']}): a grid whose rows are the "
        f"{len(query.labels)} steps of {query.layer} ({_join(query.labels)}) and whose columns are the "
        f"{len(value.labels)} steps of {value.layer} ({_join(value.labels)}); each cell is the weight a "
        f"step of {query.layer} gives a step of {value.layer}, each row summing to 1, and right of each row "
        f"is the {grid.context_name} vector its weights make. The strongest weight of each step{heads}: "
        f"{', '.join(strongest)}. "
    )


def training_note(training: dict[str, Any]) -> str:
    """``weights after fit, 5 epochs``: how the weights drawn were trained."""
    epochs = training["epochs"]
    fits = f"{training['fits']} fits" if training.get("fits", 1) > 1 else "fit"
    return f"weights after {fits}, {epochs} epoch{'s' if epochs != 1 else ''}"


def provenance_note(data: dict[str, Any]) -> str:
    """What the figure shows that the post's code does not compute as is: the
    inputs a fence option gives instead of the code's data, a model the code
    never builds (drawn from a copy built on these inputs)."""
    parts = []
    if data.get("inputs_from"):
        parts.append(f"inputs from {data['inputs_from']}, not the code's data")
    if data.get("unbuilt"):
        parts.append("the code never builds this model: weights of a copy built for the figure")
    return "; ".join(parts)


def describe_caption(kind: str, data: dict[str, Any]) -> str:
    """A one-line caption for figures whose author gave none."""
    if kind != "rnn":
        return describe_figure(kind, data)
    if data.get("figure_options", {}).get("attention"):
        from .drawing.attention_grid import read_grid

        grid = read_grid(data)
        caption = (
            f"Attention weights of {grid.layer['name']} ({grid.layer['class']}): the steps of "
            f"{grid.query.layer} over the steps of {grid.value.layer}"
        )
        return caption + (f"; {training_note(data['training'])}" if data.get("training") else "") + "."
    layers = " → ".join(layer_title(layer) for layer in data["layers"])
    steps = len(data["inputs"])
    caption = f"{layers}, unrolled over {steps} time step{'s' if steps != 1 else ''}"
    for note in (training_note(data["training"]) if data.get("training") else "", provenance_note(data)):
        caption += f"; {note}" if note else ""
    return caption + "."
