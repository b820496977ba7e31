"""``python -m pelican_rnn_figures prune``: the plugin's command line (:mod:`.site.prune`)."""

import sys

from .site.prune import main

sys.exit(main())
