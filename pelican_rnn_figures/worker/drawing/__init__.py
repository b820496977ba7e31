"""Figures as data, then pixels.

:mod:`.scene` holds the shapes a figure is made of (texts, arrows, layer
cells, value cells) and the sizes they are laid out with; :mod:`.unrolled` (with
:mod:`.model_rows`, :mod:`.layer_records`, :mod:`.wording`, :mod:`.geometry`,
:mod:`.placement` and :mod:`.lanes`) and :mod:`.small_figures` lay a figure
out as a :class:`.scene.Scene` without matplotlib, so a layout can be tested
on its own; :mod:`.render` is the only module that imports matplotlib and
turns a scene into PNG and SVG.
"""
