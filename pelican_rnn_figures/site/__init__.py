"""What runs inside Pelican: light (stdlib, pelican, markdown only).

A snippet's way through it: :mod:`.markdown_ext` finds the fenced snippets
(with :mod:`..article`), :mod:`.planning` turns an article into planned
figures, :mod:`.figures` looks them up in :mod:`.cache` and has
:mod:`.runner` run the missing ones in worker processes, then
:mod:`.page_html` and :mod:`.page_layer` place them in the pages. Never
imports :mod:`..worker` or numpy, TensorFlow, Keras, matplotlib
(``tests/test_architecture.py`` and the import-linter contracts check it).
"""
