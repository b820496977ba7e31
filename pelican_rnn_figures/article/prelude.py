"""The names a blog snippet may use without importing them.

Part of what an article's code means: the worker runs it before each
snippet, and the site hashes it into every snippet's cache key.
"""

PRELUDE = """\
import numpy as np
import tensorflow as tf
import keras
from keras import layers, ops
from keras.models import Sequential, Model
from keras.layers import *
"""
