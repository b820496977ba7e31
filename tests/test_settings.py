"""Settings are checked when Pelican starts: unknown keys and bad values are
reported by name, and the default is used instead."""

from __future__ import annotations

import logging

import pytest
from helpers import HEADER, build

from pelican_rnn_figures.site.settings import DEFAULTS, apply_defaults

pytestmark = pytest.mark.fast  # no TensorFlow: `make test-fast` runs these alone


def test_every_setting_is_defaulted_and_good_values_are_kept():
    settings = {"RNN_FIGURES_TIMEOUT": 2.5, "RNN_FIGURES_DPI": 100, "RNN_FIGURES_EXECUTE": "never"}
    apply_defaults(settings)
    assert set(DEFAULTS) <= set(settings)
    assert settings["RNN_FIGURES_TIMEOUT"] == 2.5
    assert settings["RNN_FIGURES_DPI"] == 100
    assert settings["RNN_FIGURES_EXECUTE"] == "never"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("RNN_FIGURES_EXECUTE", "sometimes"),
        ("RNN_FIGURES_SEED", "42"),
        ("RNN_FIGURES_SEED", -1),
        ("RNN_FIGURES_TIMEOUT", 0),
        ("RNN_FIGURES_TIMEOUT", True),
        ("RNN_FIGURES_MEMORY_LIMIT", "4 GB"),
        ("RNN_FIGURES_WORKERS", 0),
        ("RNN_FIGURES_WORKERS", 1.5),
        ("RNN_FIGURES_OUTPUT_DIR", "../outside"),
        ("RNN_FIGURES_OUTPUT_DIR", "/"),
        ("RNN_FIGURES_DPI", 5000),
        ("RNN_FIGURES_PYTHON", ""),
    ],
)
def test_a_bad_value_is_an_error_naming_the_setting(caplog, key, value):
    settings = {key: value}
    with caplog.at_level(logging.ERROR):
        apply_defaults(settings)
    assert settings[key] == DEFAULTS[key]
    [record] = caplog.records
    assert record.getMessage().startswith(f"{key} = {value!r} is not ")


def test_an_unknown_setting_is_a_warning_with_what_it_may_mean(caplog):
    with caplog.at_level(logging.WARNING):
        apply_defaults({"RNN_FIGURES_TIMOUT": 5, "RNN_FIGURES_COLOURS": "red"})
    messages = [record.getMessage() for record in caplog.records]
    assert "Unknown setting RNN_FIGURES_TIMOUT is ignored; did you mean 'RNN_FIGURES_TIMEOUT'?" in messages
    assert any(m.startswith("Unknown setting RNN_FIGURES_COLOURS is ignored") for m in messages)


def test_a_misspelt_setting_is_reported_in_a_real_build(tmp_path):
    article = HEADER.format(title="Plain", slug="plain") + "\nNo code here.\n"
    result = build(tmp_path, {"plain.md": article}, extra="RNN_FIGURES_WORKER = 2\nRNN_FIGURES_DPI = '200'")
    assert result.returncode == 0, result.log
    assert "Unknown setting RNN_FIGURES_WORKER is ignored; did you mean 'RNN_FIGURES_WORKERS'?" in result.log
    assert "RNN_FIGURES_DPI = '200' is not a whole number from 50 to 600; using 200" in result.log
