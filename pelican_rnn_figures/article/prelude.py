"""The names a blog snippet may use without importing them.

Part of what an article's code means: the worker runs it before each
snippet, and the site hashes it into every snippet's cache key.
"""

import ast

PRELUDE = """\
import numpy as np
import tensorflow as tf
import keras
from keras import layers, ops
from keras.models import Sequential, Model
from keras.layers import *
"""


def _module_names(prelude: str) -> dict[str, str]:
    """The names the prelude's plain ``import``s bind, and their modules."""
    return {
        alias.asname or alias.name: alias.name
        for node in ast.parse(prelude).body
        if isinstance(node, ast.Import)
        for alias in node.names
    }


#: The prelude's module names: ``{"np": "numpy", "tf": "tensorflow", "keras": "keras"}``.
PRELUDE_MODULES = _module_names(PRELUDE)
