"""Watch what an article's code does with its Keras models: the data it calls
them on (``model.predict(x)``, ``model(x)``, ``model.evaluate(x, y)``,
``model.fit(x, y)``) and how long it trains them.

Only calls made from the article's own lines count (the snippet, the blocks
above it, the helpers they define), not Keras calling itself. The figure of a
model is then drawn on the data the code used, and says when its weights were
trained.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

WATCHED = ("predict", "evaluate", "fit", "__call__")


@dataclass
class ModelUse:
    """One call of a model from the article's code."""

    model_id: int
    method: str  # "predict", "evaluate", "fit" or "call"
    x: Any  # what it was called on
    line: int  # the article line of the call
    block: int  # the article line of the block that made it


@dataclass
class Training:
    epochs: int = 0
    fits: int = 0
    lines: list[int] = field(default_factory=list)


@dataclass
class ModelUses:
    uses: list[ModelUse] = field(default_factory=list)
    training: dict[int, Training] = field(default_factory=dict)
    block: int = 0  # the block running now

    def data_for(self, model: Any, block: int) -> ModelUse | None:
        """The call whose data the figure of ``block`` shows: the block's own
        prediction (or call, or evaluation) first, then its training data,
        then the same from the blocks above."""
        mine = [use for use in self.uses if use.model_id == id(model)]
        for own in (True, False):
            for methods in (("predict", "call", "evaluate"), ("fit",)):
                found = [use for use in mine if (use.block == block) is own and use.method in methods]
                if found:
                    return found[0]
        return None


@contextmanager
def watching(model_class: type, filename: str, record: ModelUses) -> Iterator[ModelUses]:
    """Record in ``record``, while blocks run, the calls the article's code
    makes on any ``model_class`` (``keras.Model``) instance."""
    originals = {name: model_class.__dict__.get(name) for name in WATCHED}
    for name in WATCHED:
        setattr(model_class, name, _watched(getattr(model_class, name), name, filename, record))
    try:
        yield record
    finally:
        for name, original in originals.items():
            if original is None:
                delattr(model_class, name)
            else:
                setattr(model_class, name, original)


def _watched(original: Callable[..., Any], name: str, filename: str, record: ModelUses) -> Callable[..., Any]:
    signature = inspect.signature(original)
    method = "call" if name == "__call__" else name

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        caller = sys._getframe(1)
        if caller.f_code.co_filename != filename:
            return original(self, *args, **kwargs)
        try:
            bound = signature.bind_partial(self, *args, **kwargs).arguments
        except TypeError:
            bound = {}
        x = bound.get("x", bound.get("inputs", args[0] if args else None))
        record.uses.append(ModelUse(id(self), method, x, caller.f_lineno, record.block))
        result = original(self, *args, **kwargs)
        if name == "fit":
            training = record.training.setdefault(id(self), Training())
            ran = getattr(result, "epoch", None)
            epochs = bound.get("epochs", 1) - bound.get("initial_epoch", 0)
            training.epochs += len(ran) if isinstance(ran, list) else int(epochs)
            training.fits += 1
            training.lines.append(caller.f_lineno)
        return result

    wrapper.__wrapped__ = original  # type: ignore[attr-defined]
    return wrapper
