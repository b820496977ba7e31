"""Pelican glue: the signal receivers that ``register()`` connects.

Kept light on purpose: loading the plugin imports neither NumPy, matplotlib
nor TensorFlow; they are loaded by the worker process, and only when a figure
is missing from the cache.
"""

from __future__ import annotations

import logging

from pelican import signals

from ..article.examples import EMBEDDING_FIGURE_KEY, WORDS_FIGURE_KEY
from ..messages import PLEASE_REPORT
from . import pelican_internals as internals
from .markdown_ext import ERRORS_KEY, METADATA_KEY
from .page_layer import TEXT_LAYERS_KEY, enhance, enhance_file
from .settings import apply_defaults, cache_folder, frozen_folder

logger = logging.getLogger(__name__)

EXTENSION = "pelican_rnn_figures.site.markdown_ext"
ENHANCED_KEY = "RNN_FIGURES_PAGE_DONE"  # set in a page's context once its figures are shown
FIGURE_KEYS = (METADATA_KEY, ERRORS_KEY, EMBEDDING_FIGURE_KEY, WORDS_FIGURE_KEY)


def initialized(pelican) -> None:
    internals.widen_console_for_logs()
    apply_defaults(pelican.settings)
    markdown = pelican.settings.setdefault("MARKDOWN", {})
    extensions = markdown.setdefault("extensions", [])
    if EXTENSION not in extensions:
        extensions.append(EXTENSION)
    configs = markdown.setdefault("extension_configs", {})
    config = configs.setdefault(EXTENSION, {})
    config["content_path"] = str(pelican.settings["PATH"])
    config["cache_path"] = cache_folder(pelican.settings)
    config["frozen_path"] = frozen_folder(pelican.settings) or ""


def all_generators_finalized(generators) -> None:
    from .figures import announce, make_figures
    from .planning import plan_article

    if not generators:
        return
    settings = generators[0].settings
    plans, complete = [], True  # complete: every article planned, a full build
    for content in internals.generated_contents(generators):
        if any(key in content.metadata for key in FIGURE_KEYS):
            # An exception here would abort Pelican's whole build: a bug of
            # ours must cost the figures, never the site.
            try:
                plans.append((content, plan_article(content, settings)))
            except Exception as error:
                if internals.is_fatal_log_stop(error):
                    raise
                complete = False
                logger.exception(
                    "%s: its RNN figures could not be planned (%s)", content.source_path, PLEASE_REPORT
                )
    if not plans:
        return
    try:
        tally = make_figures(plans, settings, complete)
    except Exception as error:
        if internals.is_fatal_log_stop(error):
            raise  # --fatal: a warning of ours stopped the build, as the writer asked
        logger.exception("RNN figures failed (%s); the site is built without them", PLEASE_REPORT)
        return
    internals.share_with_pages(generators, TEXT_LAYERS_KEY, tally.text_layers)
    announce(f"RNN figures: {tally.generated} generated, {tally.cached} from cache, {tally.failed} failed")


def _own_page(context: dict) -> bool:
    """The page of an article itself, not a list of articles: it alone
    carries the figures' text layers (see :mod:`.page_layer`)."""
    return "article" in context or "page" in context


def page_rendered(page: str, context: dict) -> str:
    """Pages (not feeds) show each figure as :mod:`.page_layer` says, changed
    as Pelican renders them (our writer), so each is written once."""
    text_layers = context.get(TEXT_LAYERS_KEY)
    if not text_layers or not str(context.get("output_file", "")).endswith(".html"):
        return page
    context[ENHANCED_KEY] = True
    try:
        return enhance(page, text_layers, with_text=_own_page(context))
    except Exception:  # the page as rendered is still a page with its figures
        logger.exception("%s: the figures' text layer could not be added", context.get("output_file"))
        return page


def get_writer(pelican) -> type:
    return internals.writer_transforming_pages(page_rendered)


def content_written(path: str, context: dict | None = None) -> None:
    """The same for a page another plugin's writer wrote: rewritten in place."""
    context = context or {}
    text_layers = context.get(TEXT_LAYERS_KEY)
    if not text_layers or context.get(ENHANCED_KEY) or not path.endswith(".html"):
        return
    try:
        enhance_file(path, text_layers, with_text=_own_page(context))
    except Exception:  # the page as written is still a page with its figures
        logger.exception("%s: the figures' text layer could not be added", path)


def register() -> None:
    signals.initialized.connect(initialized)
    signals.all_generators_finalized.connect(all_generators_finalized)
    signals.get_writer.connect(get_writer)
    signals.content_written.connect(content_written)
