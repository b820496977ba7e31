"""State lanes of the unrolled figure: a layer's state carried from cell to cell.

Rightwards from the initial state (zeros, or a state handed over by another
layer) for layers reading forwards; leftwards from zeros after the last step
for layers reading backwards. Each state between two cells is a row of value
cells labelled h₁, c₂, …; drawn with :mod:`.drawing`'s primitives.
"""

from __future__ import annotations

from dataclasses import dataclass

from .describe import subscript
from .drawing import BOX_W, CELL_H, MUTED, Canvas, strip_width


@dataclass
class Lanes:
    """States carried along a row of cells, right or left."""

    canvas: Canvas
    xs: list[float]
    columns: list[int | None]
    gap: float
    layer_name: str

    def right(
        self, y, states, name, final=False, label_above=None, initial=None, source: str | None = None
    ) -> None:
        """The state carried right: the initial state before step 1 (zeros, or
        the ``initial`` state handed over by ``source``), then after every step
        (after the last one too if ``final``: h_T is already an output)."""
        canvas, xs, columns, gap = self.canvas, self.xs, self.columns, self.gap
        half = strip_width(len(states[0])) / 2
        above = name == "c" if label_above is None else label_above
        label_y = y + CELL_H / 2 + 0.1 if above else y - CELL_H / 2 - 0.1
        x0 = xs[0] - BOX_W / 2 - gap / 2
        if initial is None:
            canvas.strip(x0, y, [0.0] * len(states[0]), zero=True, meaning=self._meaning(f"{name}₀"))
            canvas.text(x0, label_y, f"{name}₀ = 0", color=MUTED)
        else:
            canvas.strip(x0, y, initial, meaning=self._meaning(f"{name}₀"))
            canvas.text(x0, label_y, f"{name}₀ from {source}" if source else f"{name}₀", color=MUTED)
        canvas.arrow((x0 + half + 0.02, y), (xs[0] - BOX_W / 2, y))
        for c in range(len(xs) - 1):
            t = columns[c]
            if t is None:  # out of the "…" column
                canvas.arrow((xs[c] + 0.15, y), (xs[c + 1] - BOX_W / 2, y))
                continue
            if columns[c + 1] is None:  # into it: the state after the last shown step
                mid = xs[c] + BOX_W / 2 + gap / 2
                canvas.arrow((xs[c] + BOX_W / 2, y), (mid - half - 0.02, y))
                self._state(mid, y, label_y, states[t], name, t + 1)
                canvas.arrow((mid + half + 0.02, y), (xs[c + 1] - 0.15, y))
                continue
            mid = (xs[c] + xs[c + 1]) / 2
            canvas.arrow((xs[c] + BOX_W / 2, y), (mid - half - 0.02, y))
            self._state(mid, y, label_y, states[t], name, t + 1)
            canvas.arrow((mid + half + 0.02, y), (xs[c + 1] - BOX_W / 2, y))
        if final:
            end = xs[-1] + BOX_W / 2 + gap / 2
            canvas.arrow((xs[-1] + BOX_W / 2, y), (end - half - 0.02, y))
            self._state(end, y, label_y, states[-1], name, len(states))

    def left(self, y, states, name, label_above=False) -> None:
        """A state carried right to left (a layer reading backwards): zeros after
        the last step, then the state after reading x_T … x_t at each step t
        (the ``states`` are aligned with the tokens), leaving step 1 on the left."""
        canvas, xs, columns, gap = self.canvas, self.xs, self.columns, self.gap
        half = strip_width(len(states[0])) / 2
        label_y = y + CELL_H / 2 + 0.1 if label_above else y - CELL_H / 2 - 0.1
        end = xs[-1] + BOX_W / 2 + gap / 2
        canvas.strip(end, y, [0.0] * len(states[0]), zero=True, meaning=self._meaning(f"{name} before the last step"))
        canvas.text(end, label_y, f"{name} = 0", color=MUTED)
        canvas.arrow((end - half - 0.02, y), (xs[-1] + BOX_W / 2, y))
        for c in range(len(xs) - 2, -1, -1):
            t_left, t_right = columns[c], columns[c + 1]
            if t_right is None:  # out of the "…" column: the state step t_left reads
                mid = xs[c] + BOX_W / 2 + gap / 2
                canvas.arrow((xs[c + 1] - 0.15, y), (mid + half + 0.02, y))
                self._state(mid, y, label_y, states[t_left + 1], name, t_left + 2)
                canvas.arrow((mid - half - 0.02, y), (xs[c] + BOX_W / 2, y))
                continue
            if t_left is None:  # into it
                canvas.arrow((xs[c + 1] - BOX_W / 2, y), (xs[c] + 0.15, y))
                continue
            mid = (xs[c] + xs[c + 1]) / 2
            canvas.arrow((xs[c + 1] - BOX_W / 2, y), (mid + half + 0.02, y))
            self._state(mid, y, label_y, states[t_right], name, t_right + 1)
            canvas.arrow((mid - half - 0.02, y), (xs[c] + BOX_W / 2, y))
        # The state after reading everything leaves step 1 to the left.
        x0 = xs[0] - BOX_W / 2 - gap / 2
        canvas.arrow((xs[0] - BOX_W / 2, y), (x0 + half + 0.02, y))
        self._state(x0, y, label_y, states[columns[0]], name, columns[0] + 1)

    def _meaning(self, state: str) -> str:
        return f"{state} of {self.layer_name}"

    def _state(self, x, y, label_y, values, name, step) -> None:
        self.canvas.strip(x, y, values, meaning=self._meaning(f"{name}{subscript(step)}"))
        self.canvas.text(x, label_y, f"{name}{subscript(step)}", color=MUTED)
