"""Choose the inputs a snippet's model is called on, and label their steps.

From the article's example (tokens and embeddings), the fence options (``tokens``,
``ids``, ``inputs=NAME``) and the model's input shapes: embeddings where they
fit, token ids for inputs that an Embedding reads, and otherwise deterministic
generated values. Duck-typed on the model; NumPy is handed in by the worker.
"""

from __future__ import annotations

import re
from typing import Any

from ..messages import JobSpec
from .describe import subscript

# The "shape" of a model input of strings (Input(dtype="string")): one per sample.
STRINGS: tuple[int | None, ...] = (-1,)
# Steps without words are labelled x₁ … x_T (y₁ … for a second input, ...).
STEP_LETTERS = "xyzuvw"
GENERATED_LABEL_RE = re.compile(f"[{STEP_LETTERS}][₀₁₂₃₄₅₆₇₈₉]+")


class InputsError(ValueError):
    """The options ask for inputs the snippet or the model cannot give."""


def example_inputs(
    spec: JobSpec, model: Any, namespace: dict[str, Any], np: Any, used: Any = None
) -> tuple[list[Any], list[list[str]], str]:
    """The inputs the model is called on (one array per model input, a batch
    each), the labels of their steps and where they came from. In order: the
    fence's ``inputs=NAME``, the fence's own example, the data the code
    called the model on (``used``), the article's ``Rnn_example``, generated."""
    options = spec.options
    if options.get("inputs"):
        name = options["inputs"]
        if name not in namespace:
            raise InputsError(f"inputs={name}: the snippet defines no variable {name!r}")
        given, given_labels = _batch_inputs(namespace[name], f"inputs={name}", spec, model, np)
        return given, given_labels, "snippet"
    if used is not None and not spec.fence_inputs:
        given, given_labels = _batch_inputs(used, "the data", spec, model, np)
        return given, given_labels, "snippet data"
    given_ids, embeddings = spec.token_ids, spec.embeddings
    arrays: list[Any] = []
    labels: list[list[str]] = []
    origins: set[str] = set()
    shapes = model_input_shapes(model)
    # Made-up steps of an input of unknown length match another input's known
    # length: a layer that merges inputs step by step (Add) needs them equal.
    known = next((shape[0] for shape in shapes if shape[0]), None)
    for number, shape in enumerate(shapes):
        if shape == STRINGS:
            arrays.append(_sentence(spec, number, np))
            origins.add("article")
            labels.append([])  # the steps are the tokenizer's: labelled once traced
            continue
        # The example's words are data (one per embedding); tokens= only
        # labels, never sets how many steps the made-up inputs have (inputs a
        # layer merges step by step must stay as long as each other).
        words = spec.tokens if number == 0 else []
        ids = given_ids[number] if number < len(given_ids) else []
        # A later input of unknown length, given no words or ids of its own, is as
        # long as the first: inputs that a layer merges step by step (Add) must be.
        steps = shape[0] or (int(arrays[0].shape[1]) if arrays and not words and not ids else None)
        if len(shape) == 1:  # token ids, looked up by an Embedding
            array, origin = _token_ids(steps, ids, words, model, np)
        else:
            # The article's example belongs to the first input; its width is everyone's default.
            own = embeddings if number == 0 else []
            width = len(embeddings[0]) if embeddings else 2
            array, origin = _vectors((steps, *shape[1:]), own, width, words, [spec.seed, number], np, known)
        if origin != "article":
            array = _unlike_earlier(array, arrays, _vocabulary(model), np)
        arrays.append(array)
        origins.add(origin)
        labels.append(_labels(_label_choices(spec, number), array.shape[1], number))
    origin = "generated" if "generated" in origins else ("token ids" if "token ids" in origins else "article")
    return arrays, labels, origin


def _sentence(spec: JobSpec, number: int, np: Any) -> Any:
    """The article's example as the one string a model of strings reads."""
    words = spec.tokens if number == 0 else []
    if not words:
        raise InputsError(
            "the model reads strings: call it on your texts in the code (model.predict(texts)), "
            "or name them with inputs=NAME"
        )
    return np.asarray([" ".join(words)], dtype=object)


def _unlike_earlier(array: Any, earlier: list[Any], vocabulary: int, np: Any) -> Any:
    """Generated inputs never repeat an earlier input's values: tracing tells
    which input a layer reads by its values when Keras hands on a copy, and
    an encoder and a decoder both given ids 1, 2, 3 would be confused."""

    def repeats(candidate: Any) -> bool:
        return any(
            np.shape(candidate) == np.shape(other) and np.array_equal(candidate, other) for other in earlier
        )

    if not np.issubdtype(array.dtype, np.integer):
        while repeats(array):
            array = (array + 0.1).round(1)
        return array
    # Token ids: rolled one step, else each id the next one (within the vocabulary).
    for _ in range(1, array.shape[1]):
        if not repeats(array):
            break
        array = np.roll(array, 1, axis=1)
    for _ in range(max(vocabulary - 2, 0)):
        if not repeats(array):
            break
        array = array % (vocabulary - 1) + 1
    return array


def _token_ids(steps: int | None, ids: list[int], words: list[str], model, np) -> tuple[Any, str]:
    """The ids given, or 1, 2, 3, ... (0 is the padding ``mask_zero`` skips)."""
    steps = steps or len(ids) or len(words) or 3
    if len(ids) == steps:
        return np.asarray([ids], dtype="int32"), "article"
    vocabulary = max(_vocabulary(model) - 1, 1)
    return np.asarray([[1 + t % vocabulary for t in range(steps)]], dtype="int32"), "token ids"


def _vectors(
    shape, embeddings, width: int, words: list[str], seed: list[int], np, known: int | None = None
) -> tuple[Any, str]:
    """The example's embeddings if they fit ``shape``, else values in [-1, 1]
    with one decimal, the same for the same seed."""
    if embeddings and all(
        want is None or want == have
        for want, have in zip(shape, (len(embeddings), len(embeddings[0])), strict=True)
    ):
        return np.asarray([embeddings], dtype="float32"), "article"
    steps = shape[0] or len(words) or known or len(embeddings) or 3
    features = shape[1] or width
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, size=(1, steps, features)).round(1).astype("float32"), "generated"


def _label_choices(spec: JobSpec, number: int) -> list[list[str]]:
    """What may label input ``number``'s steps, best first: the fence's
    ``tokens=``, then the example's words (which belong to the first input)."""
    choices = [spec.labels[number]] if number < len(spec.labels) else []
    return choices + ([spec.tokens] if number == 0 and spec.tokens else [])


def _labels(choices: list[list[str]], steps: int, number: int) -> list[str]:
    """The first choice that has a label for each step, else x₁ … x_T."""
    fitting = next((words for words in choices if len(words) == steps), None)
    return list(fitting) if fitting is not None else step_labels(steps, number)


def step_labels(steps: int, number: int) -> list[str]:
    """x₁ … x_T for input ``number`` (y₁ … for the second)."""
    letter = STEP_LETTERS[number % len(STEP_LETTERS)]
    return [f"{letter}{subscript(t + 1)}" for t in range(steps)]


def ignored_labels(spec: JobSpec, inputs: list[Any]) -> list[str]:
    """Why the fence's ``tokens=`` labels none of the steps of an input
    drawn, for a warning at the fence: they must fit the data, not change it."""
    reasons = []
    for number, words in enumerate(spec.labels):
        which = "the model's input" if len(inputs) == 1 else f"input {number + 1}"
        if number >= len(inputs):
            reasons.append(f"tokens= gives labels for {len(spec.labels)} inputs; the model has {len(inputs)}")
            break
        if inputs[number].ndim < 2:  # strings: their steps are the tokenizer's
            continue
        steps = int(inputs[number].shape[1])
        if len(words) != steps:
            kept = " ".join(_labels(_label_choices(spec, number)[1:], steps, number))
            reasons.append(
                f"tokens= ignored: it gives {len(words)} labels for the {steps} steps of {which}"
                f" (the steps stay {kept})"
            )
    return reasons


def are_words(labels: list[str]) -> bool:
    """Whether step labels are an example's words, not generated x₁ … x_T."""
    return not all(GENERATED_LABEL_RE.fullmatch(label) for label in labels)


def _batch_inputs(
    value: Any, what: str, spec: JobSpec, model: Any, np: Any
) -> tuple[list[Any], list[list[str]]]:
    """The snippet's own array(s), a whole batch of them, with their step labels."""
    try:
        arrays = [np.asarray(v) for v in value] if isinstance(value, (list, tuple)) else [np.asarray(value)]
    except (TypeError, ValueError) as error:
        raise InputsError(f"{what} is not an array: {error}") from None
    shapes = model_input_shapes(model)
    arrays = [_strings(a, np) if shape == STRINGS else a for a, shape in zip(arrays, shapes, strict=False)]
    if len(arrays) != len(shapes) or any(
        shape != STRINGS
        and (
            a.ndim != len(shape) + 1
            or any(want not in (None, got) for want, got in zip(shape, a.shape[1:], strict=True))
        )
        for a, shape in zip(arrays, shapes, strict=False)
    ):
        given = ", ".join(str(a.shape) for a in arrays)
        raise InputsError(
            f"{what} has shape {given}; the model takes {len(shapes)} input(s) "
            "of (batch, steps, features), or (batch, steps) token ids"
        )
    labels = [
        [] if shape == STRINGS else _labels(_label_choices(spec, k), a.shape[1], k)
        for k, (a, shape) in enumerate(zip(arrays, shapes, strict=True))
    ]
    return arrays, labels


def _strings(array: Any, np: Any) -> Any:
    """A batch of strings as a model of strings is called on: one per sample."""
    if array.dtype.kind not in "OSU" or array.ndim > 2 or (array.ndim == 2 and array.shape[1] != 1):
        raise InputsError(
            f"the model reads strings, one per sample; the data is {array.dtype} of {array.shape}"
        )
    return array.reshape(-1).astype(object)


def _vocabulary(model) -> int:
    sizes = [int(layer.input_dim) for layer in model.layers if type(layer).__name__ == "Embedding"]
    return min(sizes) if sizes else 1000


def _reads_strings(tensor: Any) -> bool:
    return str(getattr(tensor, "dtype", "")) == "string"


def _steps_shape(shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
    if len(shape) == 3 and shape[2] == 1:
        return shape[:2]  # Keras adds the last axis to steps × features data
    return shape if len(shape) in (1, 2) else (None, None)


def model_input_shapes(model) -> list[tuple[int | None, ...]]:
    """Per model input: (steps,) for token ids, (steps, features) for vectors
    (also for an input of steps × features × 1, which Keras reads them into),
    :data:`STRINGS` for strings a lookup layer turns into ids."""
    try:
        shapes = [STRINGS if _reads_strings(t) else tuple(t.shape[1:]) for t in model.inputs]
    except (AttributeError, ValueError, TypeError):
        shapes = []
    if shapes:
        return [shape if shape == STRINGS else _steps_shape(shape) for shape in shapes]
    first = next((layer for layer in model.layers if type(layer).__name__ != "InputLayer"), None)
    return [(None,)] if type(first).__name__ == "Embedding" else [(None, None)]
