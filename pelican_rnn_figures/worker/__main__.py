"""``python -m pelican_rnn_figures.worker``: start a worker (see :mod:`.serve`)."""

from .serve import main

main()
