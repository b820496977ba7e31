"""The figure data of the model a block made or used: found, built, traced.

Once its block has run in the session (:class:`~.notebook.Notebook`), a
figure's model is the one the block bound (else the session's ``model``),
drawn on the data the code called it on, and saying how it was trained.
"""

from __future__ import annotations

from typing import Any

from ..messages import ErrorKind, FigureWarning, JobSpec
from .author_errors import SnippetError, whose
from .example_inputs import InputsError, are_words, example_inputs, ignored_labels, step_labels
from .model_uses import ModelUse, ModelUses
from .notebook import BlockRun, Notebook
from .refusals import undrawable
from .vocabularies import class_words, step_words


def _find_model(namespace: dict[str, Any], keras: Any) -> Any:
    models = [v for k, v in namespace.items() if isinstance(v, keras.Model) and not k.startswith("_")]
    if not models:
        return None
    named = namespace.get("model")
    return named if isinstance(named, keras.Model) else models[-1]


def _model_to_build(model: Any, keras: Any) -> Any:
    """What to build for the figure of a model the code never built: a copy,
    so that the blocks after this one see the model as the code left it
    (building it on our example would fix its shapes and make its weights).
    A model that does not clone (a subclassed model without a config) is
    returned itself: it is built on the figure's inputs, the blocks after it
    see it built, and its figure, drawn with its own weights, is not marked
    ``unbuilt``."""
    try:
        return keras.models.clone_model(model)
    except Exception:  # noqa: BLE001 - any failure to clone: the model itself is built
        return model


def _refuse_undrawable(model: Any) -> None:
    """A writer's refusal (a TraceError at the fence) for a model the figures
    cannot unroll: a ConvLSTM, an image per step, ... (:mod:`.refusals`)."""
    reason = undrawable(model)
    if reason:
        raise SnippetError.of(ErrorKind.TRACE, reason)


def model_figure_data(
    spec: JobSpec, run: BlockRun, notebook: Notebook
) -> tuple[dict[str, Any], list[FigureWarning]]:
    """The traced figure data of the model ``run``'s block made (or the
    session's), and warnings about the data it is drawn on."""
    import keras
    import numpy as np

    from .tracing import TraceError, trace_model

    namespace = notebook.namespace
    # The block's own model first: the blocks above may have made others.
    model = _find_model(run.own, keras) or _find_model(namespace, keras)
    if model is None:
        raise SnippetError.of(
            ErrorKind.NO_MODEL, "the snippet builds no Keras model (assign one, e.g. model = Sequential())"
        )
    try:
        # Refused before any input is made up for it: Keras would fail on inputs of the wrong shape.
        _refuse_undrawable(model)
        drawn = model
        if not model.built:
            drawn = _model_to_build(model, keras)
            inputs, _, _ = example_inputs(spec, drawn, namespace, np)
            drawn(inputs if len(inputs) > 1 else inputs[0])
            _refuse_undrawable(drawn)  # its shapes are known now
        data, notes = _trace(spec, model, drawn, namespace, notebook.uses, run.block.line, trace_model, np)
        if drawn is not model:
            data["unbuilt"] = True  # the weights are a copy's: the key and the caption say so
        return data, notes
    except SnippetError:
        raise
    except InputsError as error:
        raise SnippetError.of(ErrorKind.OPTION, str(error)) from None
    except TraceError as error:
        raise SnippetError.of(ErrorKind.TRACE, str(error)) from None
    except BaseException as error:  # noqa: BLE001 - a custom layer of the post, or a bug of ours
        doing = "building and tracing the model"
        raise SnippetError(whose(error, doing, notebook.filename, namespace, notebook.code_lines)) from None


def _trace(
    spec: JobSpec,
    model: Any,
    drawn: Any,
    namespace: dict[str, Any],
    uses: ModelUses,
    first_line: int,
    trace_model: Any,
    np: Any,
) -> tuple[dict[str, Any], list[FigureWarning]]:
    """The figure data of ``model`` (``drawn``: it, or its copy built for the
    figure): on the data the code called it on, when it did, and saying how
    it was trained."""
    fence_line = first_line - 1
    used = uses.data_for(model, first_line)
    notes: list[FigureWarning] = []
    try:
        # Asked after building on purpose: building may have fixed the model's input shape.
        inputs, labels, origin = example_inputs(spec, drawn, namespace, np, used.x if used else None)
    except InputsError as error:
        if used is None or spec.options.get("inputs"):
            raise
        inputs, labels, origin = example_inputs(spec, drawn, namespace, np)
        message = f"the figure shows {origin} inputs, not the data of line {used.line}: {error}"
        notes.append(FigureWarning(fence_line, message, about="figure data"))
    notes += [
        FigureWarning(fence_line, reason, about="figure labels") for reason in ignored_labels(spec, inputs)
    ]
    replaced = _replaced_data(spec, used, namespace)
    if replaced:
        data_line = used.line if used else 0
        message = (
            f"the figure shows the inputs {replaced} gives, not the data the code calls the model on at "
            f"line {data_line}; leave {replaced} out to draw the code's data"
        )
        notes.append(FigureWarning(fence_line, message, about="figure data"))
    batch = int(inputs[0].shape[0])
    if origin == "snippet data":
        inputs = [array[:1] for array in inputs]  # the figure shows the first sample
    data = trace_model(drawn, inputs, labels)
    _label_token_ids(data, namespace, model)
    data["inputs_origin"] = origin
    data["seed"] = spec.seed
    if replaced:
        data["inputs_from"] = replaced
    if origin == "snippet data" and used is not None:
        data["batch_size"] = batch
        data["data_from"] = {"call": used.method, "line": used.line}
    training = uses.training.get(id(model))
    if training is not None:
        data["training"] = {"epochs": training.epochs, "fits": training.fits, "lines": training.lines}
    return data, notes


def _label_token_ids(data: dict[str, Any], namespace: dict[str, Any], model: Any) -> None:
    """Steps of token ids without words of their own labelled with the words
    of the vocabulary the code has (:mod:`.vocabularies`; a model of strings:
    its tokenizer's), else x₁ … x_T; ``labels_from`` says where from."""
    sequences = data.get("sequences") or [data]
    sources: list[str | None] = []
    for number, sequence in enumerate(sequences):
        ids, tokens = sequence.get("token_ids"), sequence["tokens"]
        found = None
        if ids is not None and (len(tokens) != len(ids) or not are_words(tokens)):
            found = step_words(ids, namespace, model)
        if found is not None:
            sequence["tokens"] = found[0]
        elif len(tokens) != len(sequence["inputs"]):  # a model of strings, no vocabulary found
            sequence["tokens"] = step_labels(len(sequence["inputs"]), number)
        sources.append(found[1] if found else None)
    data["tokens"] = sequences[0]["tokens"]
    if any(sources):
        data["labels_from"] = sources
    if sources and sources[0]:
        _label_classes(data, sources[0], namespace, model)


def _label_classes(data: dict[str, Any], source: str, namespace: dict[str, Any], model: Any) -> None:
    """A softmax head over as many classes as the steps' vocabulary has words
    (a character model's next character) has ``class_labels``: its words."""
    for layer in data["layers"]:
        if layer["kind"] != "other" or layer.get("activation") != "softmax":
            continue
        shape = layer["output_shape"]
        width = shape[-1] if isinstance(shape, list) and shape and isinstance(shape[-1], int) else 0
        words = class_words(width, source, namespace, model) if width else None
        if words is not None:
            layer["class_labels"] = words
            layer["class_labels_from"] = source


def _replaced_data(spec: JobSpec, used: ModelUse | None, namespace: dict[str, Any]) -> str:
    """The fence option (``ids=``, ``example=``, ``inputs=NAME``) whose inputs
    the figure shows instead of the data the code called the model on, or ""."""
    if used is None:
        return ""
    name = spec.options.get("inputs")
    if name:
        return "" if namespace.get(name) is used.x else f"inputs={name}"
    if spec.fence_inputs:
        return "ids=" if spec.token_ids else "example="
    return ""
