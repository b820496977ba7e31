"""pelican_rnn_figures: Pelican plugin that draws the RNNs of a post's Keras snippets.

``PLUGINS = ["pelican_rnn_figures"]`` in ``pelicanconf.py`` is all it takes.
"""

__version__ = "0.1.0"


def register() -> None:
    from .site.plugin import register as connect

    connect()
