"""State lanes of the unrolled figure: a layer's state carried from cell to cell.

Rightwards from the initial state (zeros, a state handed over by another
layer, or the state a stateful layer carries over from its last call) for layers reading forwards; leftwards from zeros after the last step
for layers reading backwards. The lane is an arrow from cell to cell; the
state it carries is a row of value cells labelled h₁, c₂, … that floats over
the arrow (an upper lane's above the cells, a lower lane's below them), as in
hand-drawn RNN figures: so a time step is one state wide, not a state and a
cell. Laid out on a :class:`.scene.Scene`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..describe import subscript
from .scene import BOX_W, CELL_H, MUTED, Scene, strip_width
from .wording import initial_label

STUB = 0.36  # the lane's arrow into the first cell (or out of the last)
FLOAT_GAP = 0.07  # between a cell's edge and the states floating over the lane
LABEL_ROOM = 0.24  # a floating state's label (h₂) beyond it
FLOAT_ROOM = FLOAT_GAP + CELL_H + LABEL_ROOM  # what floating states add above or below a row of cells


@dataclass
class Lanes:
    """States carried along a row of cells, right or left.

    ``pitch`` is the distance between two cells; ``top`` and ``bottom`` the
    edges of the cells, past which the states float. Each lane notes where it
    drew its first and last state (``ends[name]``), for the arrows that hand
    a final state over to another layer's initial state."""

    scene: Scene
    xs: list[float]
    columns: list[int | None]
    pitch: float
    layer_name: str
    top: float
    bottom: float
    ends: dict[str, dict[str, tuple[float, float, float]]] = field(default_factory=dict)

    def _float_y(self, above: bool) -> tuple[float, float]:
        """Middle of the floating states, and of their labels."""
        if above:
            y = self.top + FLOAT_GAP + CELL_H / 2
            return y, y + CELL_H / 2 + LABEL_ROOM / 2
        y = self.bottom - FLOAT_GAP - CELL_H / 2
        return y, y - CELL_H / 2 - LABEL_ROOM / 2

    def right(
        self,
        y: float,
        states: list[list[float]],
        name: str,
        final: bool = False,
        above: bool = True,
        initial: list[float] | None = None,
        source: str | None = None,
        carried: bool = False,
    ) -> None:
        """The state carried right: the initial state before step 1 (zeros, or
        the ``initial`` state handed over by ``source``, or ``carried`` over
        from the layer's last call: a stateful layer's), then after every step
        (after the last one too if ``final``: h_T is already an output)."""
        scene, xs, columns, pitch = self.scene, self.xs, self.columns, self.pitch
        float_y, label_y = self._float_y(above)
        x0 = xs[0] - pitch / 2
        if initial is None:
            scene.strip(x0, float_y, [0.0] * len(states[0]), zero=True, meaning=self._meaning(f"{name}₀"))
            scene.text(x0, label_y, f"{name}₀ = 0", color=MUTED)
        else:
            scene.strip(x0, float_y, initial, meaning=self._meaning(f"{name}₀"))
            scene.text(x0, label_y, initial_label(name, source, carried), color=MUTED)
        self._note(name, "initial", x0, float_y, len(states[0]))
        scene.arrow((xs[0] - BOX_W / 2 - STUB, y), (xs[0] - BOX_W / 2, y))
        for c in range(len(xs) - 1):
            t = columns[c]
            if t is None:  # out of the "…" column
                scene.arrow((xs[c] + 0.15, y), (xs[c + 1] - BOX_W / 2, y))
                continue
            if columns[c + 1] is None:  # into it: the state after the last shown step
                scene.arrow((xs[c] + BOX_W / 2, y), (xs[c + 1] - 0.15, y))
                self._state(xs[c] + pitch / 2, float_y, label_y, states[t], name, t + 1)
                continue
            scene.arrow((xs[c] + BOX_W / 2, y), (xs[c + 1] - BOX_W / 2, y))
            self._state((xs[c] + xs[c + 1]) / 2, float_y, label_y, states[t], name, t + 1)
        if final:
            end = xs[-1] + pitch / 2
            scene.arrow((xs[-1] + BOX_W / 2, y), (xs[-1] + BOX_W / 2 + STUB, y))
            self._state(end, float_y, label_y, states[-1], name, len(states))
            self._note(name, "final", end, float_y, len(states[0]))

    def left(
        self,
        y: float,
        states: list[list[float]],
        name: str,
        above: bool = False,
        initial: list[float] | None = None,
        source: str | None = None,
        carried: bool = False,
    ) -> None:
        """A state carried right to left (a layer reading backwards): after the
        last step its initial state (zeros, or ``initial`` as in :meth:`right`),
        then the state after reading x_T … x_t at each step t (the ``states``
        are aligned with the tokens), leaving step 1 on the left."""
        scene, xs, columns, pitch = self.scene, self.xs, self.columns, self.pitch
        float_y, label_y = self._float_y(above)
        end = xs[-1] + pitch / 2
        meaning = self._meaning(f"{name} before the last step")
        if initial is None:
            scene.strip(end, float_y, [0.0] * len(states[0]), zero=True, meaning=meaning)
            scene.text(end, label_y, f"{name} = 0", color=MUTED)
        else:
            width = scene.strip(end, float_y, initial, meaning=meaning)
            # Its label, wider than "h = 0", ends with the state: the canvas ends there.
            scene.text(
                end + width / 2, label_y, initial_label(name, source, carried), color=MUTED, ha="right"
            )
        scene.arrow((xs[-1] + BOX_W / 2 + STUB, y), (xs[-1] + BOX_W / 2, y))
        for c in range(len(xs) - 2, -1, -1):
            t_left, t_right = columns[c], columns[c + 1]
            if t_right is None:  # out of the "…" column: the state step t_left reads
                assert t_left is not None  # a "…" stands between two shown steps
                scene.arrow((xs[c + 1] - 0.15, y), (xs[c] + BOX_W / 2, y))
                self._state(xs[c] + pitch / 2, float_y, label_y, states[t_left + 1], name, t_left + 2)
                continue
            if t_left is None:  # into it: the state the first step after it leaves
                scene.arrow((xs[c + 1] - BOX_W / 2, y), (xs[c] + 0.15, y))
                self._state(xs[c + 1] - pitch / 2, float_y, label_y, states[t_right], name, t_right + 1)
                continue
            scene.arrow((xs[c + 1] - BOX_W / 2, y), (xs[c] + BOX_W / 2, y))
            self._state((xs[c] + xs[c + 1]) / 2, float_y, label_y, states[t_right], name, t_right + 1)
        # The state after reading everything leaves step 1 to the left.
        x0 = xs[0] - pitch / 2
        scene.arrow((xs[0] - BOX_W / 2, y), (xs[0] - BOX_W / 2 - STUB, y))
        first = columns[0]
        assert first is not None  # the first step is always shown
        self._state(x0, float_y, label_y, states[first], name, first + 1)

    def _meaning(self, state: str) -> str:
        return f"{state} of {self.layer_name}"

    def _note(self, name: str, end: str, x: float, y: float, units: int) -> None:
        self.ends.setdefault(name, {})[end] = (x, y, strip_width(units) / 2)

    def _state(self, x: float, y: float, label_y: float, values: list[float], name: str, step: int) -> None:
        self.scene.strip(x, y, values, meaning=self._meaning(f"{name}{subscript(step)}"))
        self.scene.text(x, label_y, f"{name}{subscript(step)}", color=MUTED)
