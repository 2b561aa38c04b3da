"""Interactive widgets for the lecture notebooks, built by ``make_*`` functions that return them.

Each builder wires controls to a matplotlib figure rendered into an ``Image``
widget, so the widgets need no JupyterLab extension beyond ipywidgets and can be
tested without a browser: set a control's ``value``, then look at ``.figure``
or ``.image.value``.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .activations import ACTIVATIONS
from .plots import figure_to_png, plot_activation, plot_softmax


class ActivationExplorer(widgets.VBox):
    """An activation function and its derivative over a chosen range, with saturation marked."""

    def __init__(self, yours=None, initial="sigmoid"):
        self.yours = dict(yours or {})
        unknown = {key.removesuffix("_derivative") for key in self.yours} - set(ACTIVATIONS)
        if unknown:
            raise ValueError(f"yours= has unknown activation names {sorted(unknown)}; use {sorted(ACTIVATIONS)}")
        self.function = widgets.Dropdown(options=list(ACTIVATIONS), value=initial, description="function")
        self.z_range = widgets.FloatRangeSlider(
            value=(-6.0, 6.0), min=-12.0, max=12.0, step=0.5, description="z range", continuous_update=False
        )
        self.alpha = widgets.FloatSlider(
            value=0.1,
            min=0.0,
            max=0.5,
            step=0.01,
            description="leaky slope α",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.show_derivative = widgets.Checkbox(value=True, description="show derivative")
        self.mark_saturation = widgets.Checkbox(value=True, description="mark saturation")
        self.compare = widgets.Checkbox(
            value=bool(self.yours), description="compare with mine", disabled=not self.yours
        )
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="760px"))
        self.figure = Figure(figsize=(8, 4.2))
        controls = [self.function, self.z_range, self.alpha, self.show_derivative, self.mark_saturation, self.compare]
        for control in controls:
            control.observe(self._redraw, names="value")
        super().__init__(
            [
                widgets.HBox(controls[:3]),
                widgets.HBox(controls[3:]),
                self.image,
            ]
        )
        self._redraw()

    def _redraw(self, change=None):
        name = self.function.value
        self.alpha.disabled = name != "leaky_relu"
        self.figure.clear()
        ax = self.figure.add_subplot()
        use_yours = self.compare.value
        plot_activation(
            name,
            ax=ax,
            z_range=self.z_range.value,
            alpha=self.alpha.value,
            show_derivative=self.show_derivative.value,
            mark_saturation=self.mark_saturation.value,
            yours=self.yours.get(name) if use_yours else None,
            yours_derivative=self.yours.get(f"{name}_derivative") if use_yours else None,
        )
        self.image.value = figure_to_png(self.figure)


def make_activation_explorer(yours=None, initial="sigmoid"):
    """Build the activation explorer.

    ``yours`` maps names such as ``"sigmoid"`` or ``"sigmoid_derivative"`` to your
    own functions, drawn dashed over the reference curves so you can compare.
    """
    return ActivationExplorer(yours=yours, initial=initial)


class SoftmaxExplorer(widgets.VBox):
    """Three score sliders and the softmax probabilities they give; a shift slider shows invariance."""

    def __init__(self, scores=(0.3, 2.9, 4.0)):
        self.scores = [
            widgets.FloatSlider(
                value=s, min=-10.0, max=10.0, step=0.1, description=f"score {i}", continuous_update=False
            )
            for i, s in enumerate(scores)
        ]
        self.shift = widgets.FloatSlider(
            value=0.0, min=-1000.0, max=1000.0, step=10.0, description="add C to all", continuous_update=False
        )
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="560px"))
        self.figure = Figure(figsize=(6, 3.5))
        for control in [*self.scores, self.shift]:
            control.observe(self._redraw, names="value")
        super().__init__([widgets.HBox(self.scores), self.shift, self.image])
        self._redraw()

    def _redraw(self, change=None):
        values = np.array([s.value for s in self.scores]) + self.shift.value
        self.figure.clear()
        plot_softmax(values, ax=self.figure.add_subplot())
        self.image.value = figure_to_png(self.figure)


def make_softmax_explorer(scores=(0.3, 2.9, 4.0)):
    """Build the softmax explorer: move scores, or add a constant to all of them and see nothing change."""
    return SoftmaxExplorer(scores=scores)
