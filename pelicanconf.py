AUTHOR = "Amit Chaudhary"
SITENAME = "Illustrated RNNs"
SITEURL = ""

PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"

# The demo article is a draft; Pelican writes it under drafts/.
PLUGINS = ["pelican_rnn_figures"]

# Settings of the plugin (every one is optional; see the README).
RNN_FIGURES_SEED = 42

FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

DEFAULT_PAGINATION = 10
RELATIVE_URLS = True

# A favicon of four value cells, so browsers find /favicon.ico. (No "images"
# folder: every image of the demo is generated, and a missing static path
# makes `pelican -r` warn that it cannot watch it.)
STATIC_PATHS = ["extra/favicon.ico"]
EXTRA_PATH_METADATA = {"extra/favicon.ico": {"path": "favicon.ico"}}
