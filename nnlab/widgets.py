"""Interactive widgets for the lecture notebooks: controls, and a matplotlib figure redrawn when one changes.

Every plotting widget is a `PlotWidget`: it names its controls and draws what their values show in
``draw(figure, **values)``. The figure is shown as a PNG rendered at twice its size on screen (crisp on
2x screens; text as large as in the notebooks' static plots) in an ``Image`` widget, so the widgets
need no JupyterLab extension beyond ipywidgets and are tested without a browser: set a control's
``value``, then look at ``.figure`` or ``.image.value``.

The widgets are given the functions they show (activations, softmax, a model, its predictions):
this package computes no graded result.
"""

from __future__ import annotations

import warnings
from html import escape

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .activations import ACTIVATIONS, leaky_slopes, z_limits
from .plots import (
    InitializationPanels,
    figure_to_png,
    plot_activation,
    plot_cost_curves,
    plot_decision_boundary,
    plot_digit,
    plot_network,
    plot_probabilities,
    plot_softmax,
)

DPI = 100  # CSS pixels per inch: matplotlib's figure.dpi, at which JupyterLab shows the static inline plots
PIXEL_RATIO = 2  # pixels rendered per CSS pixel: crisp on 2x (retina) screens, smooth on 1x ones
# Titles at a fixed height: else matplotlib measures every tick label of an axes to place its title, at each draw.
FAST = {"axes.titley": 1.0, "text.hinting": "no_hinting"}
WIDE = {"description_width": "initial"}  # a control's description shown in full, never cut to "predicted …"


class PlotWidget(widgets.VBox):
    """Controls above a matplotlib figure that is drawn again whenever one of them changes.

    ``controls`` maps names to value widgets: each becomes an attribute and a keyword of `draw`, the one
    method a subclass writes. ``rows`` lays out what goes above the figure: a list of names (and other
    widgets) is one row, a widget is itself; ``below`` goes under the figure. Each redraw reads every value
    once and ``draw`` sets every readout from those values: text and picture never disagree.
    """

    def __init__(self, controls, rows, figsize, margins=None, below=()):
        self.controls = dict(controls)
        for name, control in self.controls.items():
            setattr(self, name, control)
            control.observe(self.redraw, names="value")
        self.figure = Figure(figsize=figsize, dpi=DPI * PIXEL_RATIO)
        self.figure.subplots_adjust(**(margins or {}))  # the layout is fixed once: no tight_layout per redraw
        self.image = widgets.Image(format="png", layout={"width": f"{figsize[0] * DPI:.0f}px", "max_width": "100%"})
        children = [
            widgets.HBox([self.controls.get(item, item) for item in row]) if isinstance(row, list) else row
            for row in rows
        ]
        super().__init__([*children, self.image, *below])
        self._drawing = self._stale = False
        self.redraw()

    def draw(self, figure, **values):
        """Draw ``values`` (one per control, by name) on ``figure`` and set the readouts from them."""
        raise NotImplementedError

    def render(self):
        """The figure as PNG bytes."""
        return figure_to_png(self.figure)

    def redraw(self, change=None):
        """Draw with the controls' values, again if ``draw`` changed one itself (a slider's maximum), then show it."""
        if self._drawing:
            self._stale = True
            return
        self._drawing = self._stale = True
        try:
            with matplotlib.rc_context(FAST):
                while self._stale:
                    self._stale = False
                    self.draw(self.figure, **{name: control.value for name, control in self.controls.items()})
                png = self.render()
        finally:
            self._drawing = False
        self.image.value = png


def _emptied_axes(figure, count=1, **grid):
    """The figure's ``count`` axes in a row, emptied of their data but not of their ticks, made on the first call.

    Making axes, or clearing them (which makes every tick anew), takes longer than all the rest of a redraw.
    """
    if len(figure.axes) != count:
        for ax in figure.axes:
            ax.remove()  # not figure.clear(), which forgets the margins set by subplots_adjust
        figure.subplots(1, count, squeeze=False, gridspec_kw=grid)
    for ax in figure.axes:
        for artist in [*ax.lines, *ax.patches, *ax.texts, *ax.images, *ax.collections, *ax.artists]:
            artist.remove()
        if ax.legend_ is not None:
            ax.legend_.remove()
        ax.relim()  # no data, no data limits: the next plot sets them afresh, as after a clear
        ax.set_autoscale_on(True)
        ax.set_prop_cycle(None)  # the first curve blue again
        ax.set_axis_on()
    return figure.axes


class ActivationExplorer(PlotWidget):
    """An activation function and its derivative over a chosen range, with saturation marked.

    ``yours`` maps names such as ``"sigmoid"`` or ``"sigmoid_derivative"`` to your own functions,
    drawn dashed over the reference curves so you can compare.
    """

    def __init__(self, yours=None, initial="sigmoid"):
        self.yours = dict(yours or {})
        unknown = {key.removesuffix("_derivative") for key in self.yours} - set(ACTIVATIONS)
        if unknown:
            raise ValueError(f"yours= has unknown activation names {sorted(unknown)}; use {sorted(ACTIVATIONS)}")
        low, high = z_limits()
        controls = {
            "function": widgets.Dropdown(options=list(ACTIVATIONS), value=initial, description="function"),
            "z_range": widgets.FloatRangeSlider(
                value=(-6.0, 6.0), min=low, max=high, step=0.5, description="z range", continuous_update=False,
                readout_format=".1f", layout={"width": "440px"},
            ),
            "alpha": widgets.SelectionSlider(  # the slopes whose curve is stored
                options=[(f"{a:g}", a) for a in leaky_slopes()], value=0.1, description="leaky slope β",
                continuous_update=False, style=WIDE,
            ),
            "show_derivative": widgets.Checkbox(value=True, description="show derivative"),
            "mark_saturation": widgets.Checkbox(value=True, description="mark saturation"),
            "compare": widgets.Checkbox(value=bool(self.yours), description="compare with mine",
                                        disabled=not self.yours),
        }
        rows = [["function", "z_range"], ["alpha", "show_derivative", "mark_saturation", "compare"]]
        super().__init__(controls, rows, (8, 4.2), {"left": 0.08, "right": 0.98, "bottom": 0.12, "top": 0.87})

    def draw(self, figure, function, z_range, alpha, show_derivative, mark_saturation, compare):
        self.alpha.disabled = function != "leaky_relu"
        mine = self.yours if compare else {}
        plot_activation(function, ax=_emptied_axes(figure)[0], z_range=z_range, alpha=alpha,
                        show_derivative=show_derivative, mark_saturation=mark_saturation,
                        yours=mine.get(function), yours_derivative=mine.get(f"{function}_derivative"))


class SoftmaxExplorer(PlotWidget):
    """Three score sliders and the probabilities ``softmax`` gives them; adding C to all changes nothing.

    ``softmax`` is a function of a 1-D array of scores, written in the lecture (this package has none).
    """

    def __init__(self, softmax, scores=(0.3, 2.9, 4.0)):
        self.softmax = softmax
        self.scores = [
            widgets.FloatSlider(value=s, min=-10.0, max=10.0, step=0.1, description=f"score {i}",
                                continuous_update=False)
            for i, s in enumerate(scores)
        ]
        shift = widgets.FloatSlider(value=0.0, min=-1000.0, max=1000.0, step=10.0, description="add C to all",
                                    continuous_update=False, style=WIDE)
        controls = {f"score_{i}": slider for i, slider in enumerate(self.scores)} | {"shift": shift}
        super().__init__(controls, [self.scores, ["shift"]], (6, 3.6),
                         {"left": 0.11, "right": 0.98, "bottom": 0.08, "top": 0.9})

    def draw(self, figure, shift, **scores):
        values = np.array(list(scores.values())) + shift
        plot_softmax(values, self.softmax(values), ax=_emptied_axes(figure)[0])


INIT_SCHEMES = ("zeros", "constant", "random", "LeCun", "He")  # LeCun: sqrt(1/n), often called Xavier


def _matmul(a, b):
    """``a @ b``, in blocks of columns small enough (m·n·k under 2**18) that OpenBLAS uses one thread for each.

    On a busy machine OpenBLAS's threads wait to be woken up: one 100 x 100 x 500 product then takes from
    20 to 300 ms instead of 1.
    """
    step = max(1, 2**18 // (a.shape[0] * a.shape[1]))
    return np.hstack([a @ b[:, k : k + step] for k in range(0, b.shape[1], step)])


def _deep_network_statistics(g, g_prime, scheme, scale, depth, width=100, examples=500, seed=0):
    """Push random inputs through ``depth`` layers of ``width`` units (activation ``g``) and one gradient back.

    Returns a dict: ``activations`` (one (width, examples) array per layer), ``slopes`` (mean g'(z)
    per layer) and ``gradients`` (mean |dW| per layer): what the initialisation explorer draws.
    """
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((width, examples))
    layers = []  # (W, Z, A_prev) of each layer
    for _ in range(depth):
        # The weight scale of each scheme (the lecture explains them); fan-in n[l-1] = width here.
        std = {"random": scale, "LeCun": np.sqrt(1.0 / width), "He": np.sqrt(2.0 / width)}.get(scheme, 0.0)
        W = np.full((width, width), scale) if scheme == "constant" else rng.standard_normal((width, width)) * std
        Z = _matmul(W, A)
        layers.append((W, Z, A))
        A = g(Z)
    dA = rng.standard_normal(A.shape)  # stands in for the gradient that the cost sends back
    slopes, gradients = [], []
    for W, Z, A_prev in reversed(layers):
        slope = g_prime(Z)
        dZ = dA * slope
        slopes.append(float(slope.mean()))
        gradients.append(float(np.mean(np.abs(_matmul(dZ, A_prev.T))) / examples))
        dA = _matmul(W.T, dZ)
    activations = [A_prev for _, _, A_prev in layers[1:]] + [A]
    return {"activations": activations, "slopes": slopes[::-1], "gradients": gradients[::-1]}


class InitializationExplorer(PlotWidget):
    """Activation histograms and gradient sizes, layer by layer, of a deep network under an initialisation.

    ``activations`` maps names to pairs ``(g, g_prime)`` of element-wise functions, written in the lecture.
    The top row shows the histogram of every layer's activations for random inputs; the bottom row,
    layer by layer, their spread, the mean slope of the activation and the mean size of dW.
    """

    def __init__(self, activations, activation="tanh", scheme="random", scale=0.01, depth=6, width=100):
        if scheme not in INIT_SCHEMES:
            raise ValueError(f"unknown scheme {scheme!r}; use one of {list(INIT_SCHEMES)}")
        if activation not in activations:
            raise ValueError(f"activation {activation!r} is not one of the activations given: {sorted(activations)}")
        self.activations, self.width, self.statistics = dict(activations), width, {}
        controls = {
            "activation": widgets.Dropdown(options=list(self.activations), value=activation, description="activation"),
            "scheme": widgets.Dropdown(options=list(INIT_SCHEMES), value=scheme, description="scheme"),
            "scale": widgets.FloatLogSlider(value=scale, base=10, min=-3, max=1, step=0.25, description="scale",
                                            readout_format=".3g", continuous_update=False),
            "depth": widgets.IntSlider(value=depth, min=2, max=8, description="layers", continuous_update=False),
        }
        self.panels = None
        super().__init__(controls, [["activation", "scheme"], ["scale", "depth"]], (8, 4.8))

    def draw(self, figure, activation, scheme, scale, depth):
        self.scale.disabled = scheme not in ("random", "constant")
        self.statistics = _deep_network_statistics(*self.activations[activation], scheme, scale, depth, self.width)
        self.panels = self.panels or InitializationPanels(figure)
        scaled = f" (scale {scale:#.3g})" if scheme in ("random", "constant") else ""  # as the slider shows it
        self.panels.show(self.statistics, activation, f"{activation} network, {self.width} units per layer, "
                                                      f"{scheme} weights{scaled}")


class SelfCheck(widgets.VBox):
    """One ungraded question: choices, a Check button, and feedback that says right or wrong and explains.

    ``correct`` is the index of the right option (one choice, radio buttons) or a set of indices
    (several choices, check boxes). The feedback is an ``HTMLMath`` widget, so text may hold LaTeX.
    Changing the choice hides the feedback until Check is pressed again.
    """

    def __init__(self, question, options, correct, explanation):
        self.options = [str(option) for option in options]
        if len(self.options) < 2:
            raise ValueError("a self-check question needs at least two options")
        self.multiple = not isinstance(correct, (int, np.integer))
        self.correct = set(int(k) for k in correct) if self.multiple else {int(correct)}
        if not self.correct or not self.correct <= set(range(len(self.options))):
            last = len(self.options) - 1
            raise ValueError(f"correct={correct!r} must index the {len(self.options)} options (0 to {last})")
        self.explanation = explanation
        self.is_correct = None  # None until Check is pressed, then True or False
        self.question = widgets.HTMLMath(value=f"<b>{question}</b>", layout={"margin": "2px 2px 6px"})
        if self.multiple:
            self.boxes = [widgets.Checkbox(value=False, description=text, indent=False, layout={"width": "auto"})
                          for text in self.options]
            self.choices = widgets.VBox(self.boxes)
        else:
            self.choices = widgets.RadioButtons(options=[(o, k) for k, o in enumerate(self.options)], value=None,
                                                layout={"width": "auto"})
        self.check = widgets.Button(description="Check", button_style="primary", icon="check",
                                    layout={"margin": "8px 2px"})
        self.feedback = widgets.HTMLMath(value="")
        self.check.on_click(self._check)
        for control in self.boxes if self.multiple else [self.choices]:
            control.observe(self._clear, names="value")
        super().__init__([self.question, self.choices, self.check, self.feedback])
        self.add_class("nnlab-self-check")

    def selected(self):
        """The indices of the options chosen now, as a set."""
        if self.multiple:
            return {k for k, box in enumerate(self.boxes) if box.value}
        return set() if self.choices.value is None else {self.choices.value}

    def _clear(self, change=None):
        self.is_correct = None
        self.feedback.value = ""

    def _check(self, button=None):
        chosen = self.selected()
        if not chosen:
            self.is_correct = None
            self.feedback.value = "<i>Choose an answer first, then press Check.</i>"
            return
        self.is_correct = chosen == self.correct
        right = "; ".join(self.options[k].strip() for k in sorted(self.correct))
        end = "" if right.endswith((".", "?", "!")) else "."  # an option that is a sentence has its own period
        verdict = (
            '<span style="color:green"><b>✔ Right.</b></span>'
            if self.is_correct
            else f'<span style="color:#b00"><b>✘ Not quite.</b></span> The answer is: <i>{right}</i>{end}'
        )
        self.feedback.value = f"<div style='line-height:1.5'>{verdict}<br>{self.explanation}</div>"


class ShapeExplorer(PlotWidget):
    """Type layer sizes and a number of examples m; see the network and the shape of every array it uses.

    The table lists, layer by layer, the shapes in the forward pass (W, b and its broadcast, Z, A) and
    the backward pass (dZ, dA, dW, db); the line above it works through one layer's products. Input
    that is not a list of positive whole numbers shows a message instead of an error.
    """

    def __init__(self, layer_sizes="4, 5, 3, 1", m=10):
        controls = {
            "sizes": widgets.Text(value=str(layer_sizes).strip("[]()"), description="layer sizes",
                                  placeholder="e.g. 4, 5, 3, 1", continuous_update=False, style=WIDE),
            "m": widgets.BoundedIntText(value=m, min=1, max=1_000_000, description="examples m", style=WIDE),
            "layer": widgets.IntSlider(value=1, min=1, max=1, description="explain layer l", continuous_update=False,
                                       style=WIDE),
        }
        self.message, self.table = widgets.HTML(), widgets.HTML()
        self.layer_sizes = None  # the sizes currently shown, or None while the input is not valid
        super().__init__(controls, [["sizes", "m", "layer"], self.message], (8, 3.8),
                         {"left": 0.01, "right": 0.99, "bottom": 0.01, "top": 0.9}, below=[self.table])

    @staticmethod
    def _parse(text):
        """The layer sizes typed in ``text``, or a message saying what is wrong with it."""
        parts = [p for p in text.replace(",", " ").replace(";", " ").split() if p]
        if not all(p.isdigit() for p in parts):
            bad = next(p for p in parts if not p.isdigit())
            return None, f"Could not read {bad!r} in the layer sizes: type whole numbers separated by commas."
        sizes = [int(p) for p in parts]
        if len(sizes) < 2:
            return None, "Type at least two layer sizes: n[0] (the inputs) and n[L] (the outputs), e.g. 4, 1."
        if min(sizes) < 1:
            return None, "Every layer needs at least one unit: the sizes must be 1 or more."
        if len(sizes) > 13:
            return None, "At most 12 layers (13 sizes) fit in the picture."
        return sizes, None

    def draw(self, figure, sizes, m, layer):
        self.layer_sizes, problem = self._parse(sizes)
        ax = _emptied_axes(figure)[0]
        if problem:
            self.message.value = f"<p style='color:#b00020'><b>{escape(problem)}</b></p>"
            self.table.value = ""
            ax.set_axis_off()
            ax.text(0.5, 0.5, "no network to draw", ha="center", va="center", color="grey")
            return
        self.layer.max = len(self.layer_sizes) - 1  # may lower the slider's value: then the base draws again
        layer = min(layer, self.layer.max)
        self.message.value = self._explain_layer(self.layer_sizes, layer, m)
        self.table.value = self._shape_table(self.layer_sizes, m, layer)
        plot_network(self.layer_sizes, ax=ax, highlight=layer)

    @staticmethod
    def _explain_layer(sizes, k, m):
        """One layer's forward and backward products, with the shapes written out."""
        n, p = sizes[k], sizes[k - 1]

        def s(name, layer=None):
            return f"{name}<sup>[{k if layer is None else layer}]</sup>"

        return (
            f"<b>Layer {k}</b> with m = {m} examples:<ul style='margin:2px 0;line-height:1.6'>"
            f"<li>forward: {s('Z')} = {s('W')} {s('A', k - 1)} + {s('b')}: "
            f"({n}, {p}) · ({p}, {m}) = ({n}, {m}); then {s('b')}, ({n}, 1), is <i>broadcast</i> "
            f"(added to every column) as ({n}, {m}); {s('Z')} and {s('A')} = g({s('Z')}) are ({n}, {m})</li>"
            f"<li>backward: {s('dW')} = (1/m) {s('dZ')} {s('A', k - 1)}<sup>T</sup>: "
            f"({n}, {m}) · ({m}, {p}) = ({n}, {p}), the shape of {s('W')}</li>"
            f"<li>backward: {s('db')} = (1/m) np.sum({s('dZ')}, axis=1, keepdims=True): ({n}, 1); "
            f"{s('dA', k - 1)} = {s('W')}<sup>T</sup> {s('dZ')}: ({p}, {n}) · ({n}, {m}) = ({p}, {m})</li></ul>"
        )

    @staticmethod
    def _shape_table(sizes, m, chosen):
        """An HTML table: one row per layer, every array's shape in the forward and the backward pass."""
        head = ["layer l", "n<sup>[l]</sup>", "W<sup>[l]</sup>, dW<sup>[l]</sup>", "b<sup>[l]</sup>, db<sup>[l]</sup>",
                "b<sup>[l]</sup> broadcast to", "Z<sup>[l]</sup>, dZ<sup>[l]</sup>",
                "A<sup>[l]</sup>, dA<sup>[l]</sup>", "parameters"]
        cell = "style='border:1px solid #bbb;padding:2px 8px;text-align:center'"
        rows = ["<tr>" + "".join(f"<th {cell}>{h}</th>" for h in head) + "</tr>"]
        total = 0
        for k, n in enumerate(sizes):
            if k == 0:
                values = ["0 (input)", n, "–", "–", "–", "–", f"({n}, {m}) = X", "–"]
            else:
                count = n * sizes[k - 1] + n
                total += count
                shape = f"({n}, {m})"
                values = [k, n, f"({n}, {sizes[k - 1]})", f"({n}, 1)", shape, shape, shape, count]
            shade = " background:#fff3e0;" if k == chosen else ""
            rows.append("<tr>" + "".join(f"<td {cell[:-1]};{shade}'>{v}</td>" for v in values) + "</tr>")
        rows.append(
            f"<tr><td {cell} colspan='7'><b>total number of parameters</b></td><td {cell}><b>{total}</b></td></tr>"
        )
        return "<table style='border-collapse:collapse'>" + "".join(rows) + "</table>"


# --- MNIST (05): browse test digits and their probabilities; a gallery of the network's mistakes ---
# The widgets take the (10, m) probabilities as input: the forward pass is the student's `predict`, never done here.


def _check_mnist_inputs(images, labels, probabilities):
    images = np.asarray(images)
    labels = np.asarray(labels).astype(int).ravel()
    probabilities = np.asarray(probabilities, dtype=float)
    m = len(labels)
    if images.reshape(len(images), -1).shape != (m, 784):
        raise ValueError(f"images should be {m} MNIST images (rows of 784 pixels), got shape {images.shape}")
    if probabilities.shape != (10, m):
        raise ValueError(
            f"probabilities should have shape (10, {m}) (one column per image, as predict returns), "
            f"got {probabilities.shape}"
        )
    return images.reshape(m, 784), labels, probabilities


class DigitBrowser(PlotWidget):
    """A test digit chosen with a slider, beside the bar chart of the 10 probabilities the network gave it.

    Takes images (m, 784), labels (m,) and probabilities (10, m) from your ``predict``.
    """

    def __init__(self, images, labels, probabilities, index=0):
        self.images, self.labels, self.probabilities = _check_mnist_inputs(images, labels, probabilities)
        index = widgets.IntSlider(value=index, min=0, max=len(self.labels) - 1, description="test image",
                                  continuous_update=False)
        self.status = widgets.HTML()
        super().__init__({"index": index}, [["index", self.status]], (8, 3.4),
                         {"left": 0.02, "right": 0.98, "bottom": 0.2, "top": 0.88, "wspace": 0.2})

    def draw(self, figure, index):
        probabilities = self.probabilities[:, index]
        label, predicted = int(self.labels[index]), int(probabilities.argmax())
        ax_digit, ax_bars = _emptied_axes(figure, 2, width_ratios=[1, 2.4])
        plot_digit(self.images[index], ax=ax_digit, title=f"test image {index}\ntrue label {label}")
        plot_probabilities(probabilities, ax=ax_bars, label=label)
        verdict = "right" if label == predicted else "<b style='color:#d62728'>wrong</b>"
        self.status.value = f"predicted {predicted} with {probabilities[predicted]:.1%}: {verdict}"


class MistakeGallery(PlotWidget):
    """The network's mistakes, most confident first, filtered by true and by predicted digit.

    Takes images (m, 784), labels (m,) and probabilities (10, m) from your ``predict``; shows the
    ``columns * rows`` most confident mistakes that match, with a title over each. The digits are one
    mosaic laid pixel for pixel under the rendered titles: many times faster than a grid of axes, or than
    matplotlib's image pipeline.
    """

    CELL = (34, 42)  # one tile, in pixels of the mosaic: the 28 x 28 digit in a frame, and room for its title above
    ZOOM = 7  # pixels rendered per pixel of the mosaic: a digit is 28 * 7 / PIXEL_RATIO = 98 CSS pixels wide

    def __init__(self, images, labels, probabilities, columns=6, rows=3):
        self.images, self.labels, self.probabilities = _check_mnist_inputs(images, labels, probabilities)
        self.predictions = self.probabilities.argmax(axis=0)
        self.confidence = self.probabilities.max(axis=0)
        self.columns, self.rows = columns, rows
        choices = [("any", -1)] + [(str(d), d) for d in range(10)]
        controls = {
            "true_digit": widgets.Dropdown(options=choices, value=-1, description="true digit", style=WIDE),
            "predicted_digit": widgets.Dropdown(options=choices, value=-1, description="predicted as", style=WIDE),
        }
        self.status = widgets.HTML()
        self.drawn = np.array([], dtype=int)  # the indices of the images in the mosaic now
        self.mosaic = np.zeros((rows * self.CELL[1], columns * self.CELL[0]))  # 0 white to 1 black, as drawn now
        self.titles = []  # the figure's texts, made once; a redraw changes them
        inches = self.ZOOM / (DPI * PIXEL_RATIO)  # per pixel of the mosaic
        super().__init__(controls, [list(controls), self.status], (self.mosaic.shape[1] * inches,
                                                                    self.mosaic.shape[0] * inches))

    def render(self):
        """The titles rendered by matplotlib, over the mosaic: each of its pixels a ZOOM x ZOOM square of grey."""
        grey = np.round(255 * (1 - self.mosaic)).astype(np.uint8)  # dark strokes on white
        return figure_to_png(self.figure, under=np.repeat(np.repeat(grey, self.ZOOM, axis=0), self.ZOOM, axis=1))

    def shown_indices(self):
        """Indices of the matching mistakes, most confident first (all of them, not only those drawn)."""
        return self._matching(self.true_digit.value, self.predicted_digit.value)

    def _matching(self, true_digit, predicted_digit):
        wrong = self.predictions != self.labels
        if true_digit >= 0:
            wrong &= self.labels == true_digit
        if predicted_digit >= 0:
            wrong &= self.predictions == predicted_digit
        indices = np.flatnonzero(wrong)
        return indices[np.argsort(-self.confidence[indices], kind="stable")]

    def draw(self, figure, true_digit, predicted_digit):
        (width, height), (rows, columns) = self.CELL, self.mosaic.shape
        if not self.titles:
            self.titles = [figure.text((k % self.columns + 0.5) * width / columns, 1 - ((k // self.columns) * height
                                       + 11.5) / rows, "", ha="center", va="bottom", fontsize="medium")
                           for k in range(self.rows * self.columns)]
        indices = self._matching(true_digit, predicted_digit)
        self.drawn = indices[: len(self.titles)]
        self.mosaic[:] = 0
        for k, title in enumerate(self.titles):
            title.set_text("")
            if k < len(self.drawn):
                i, (row, column) = self.drawn[k], divmod(k, self.columns)
                top, left = row * height + 12, column * width + 3
                self.mosaic[top - 1 : top + 29, left - 1 : left + 29] = 0.2  # a light grey frame
                digit = self.images[i].reshape(28, 28)
                self.mosaic[top : top + 28, left : left + 28] = digit / max(1, digit.max())
                title.set_text(f"#{i}: {self.labels[i]} → {self.predictions[i]}\n({self.confidence[i]:.0%})")
        self.image.layout.display = None if len(self.drawn) else "none"  # a message, not an empty picture
        self.status.value = (
            f"{len(indices)} mistakes match (true → predicted, confidence); "
            f"showing the {len(self.drawn)} most confident"
            if len(self.drawn) else "<b>No mistakes of this kind</b>: 0 mistakes match. Choose other digits."
        )


# --- L-layer network (04): the training explorer ---

LEARNING_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


class TrainingExplorer(PlotWidget):
    """Train a model with a chosen learning rate, number of iterations and hidden units; plot its cost.

    ``model(X, Y, layer_dims, learning_rate=..., num_iterations=..., seed=...)``, for instance your
    ``L_layer_model``, does all the work and returns ``(parameters, costs)``, the cost recorded every
    ``record_every`` iterations and at the last one; this widget only calls it, silences its warnings,
    shows its errors and draws the costs, beside the run before. ``predict(X, parameters)``, if given,
    returns probabilities of shape (1, m): the widget then reports the training accuracy and, for 2-D
    inputs, draws the decision boundary. Every run starts from the same seed, so each setting is
    trained once and remembered.
    """

    def __init__(self, model, X, Y, layer_dims, predict=None, learning_rate=0.1, num_iterations=300, seed=1,
                 record_every=100, max_iterations=2000):
        self.model, self.predict = model, predict
        self.X, self.Y = np.asarray(X), np.asarray(Y)
        self.layer_dims = [int(n) for n in layer_dims]
        self.seed, self.record_every = seed, int(record_every)
        if self.X.shape[0] != self.layer_dims[0] or self.Y.shape != (1, self.X.shape[1]):
            raise ValueError(
                f"X must be (n[0], m) = ({self.layer_dims[0]}, m) and Y (1, m); got X {self.X.shape}, Y {self.Y.shape}"
            )
        deep = len(self.layer_dims) > 2
        controls = {
            "learning_rate": widgets.SelectionSlider(
                options=[(f"{r:g}", r) for r in sorted(set(LEARNING_RATES) | {float(learning_rate)})],
                value=float(learning_rate), description="learning rate α", continuous_update=False, style=WIDE,
            ),
            "iterations": widgets.IntSlider(
                value=int(num_iterations), min=self.record_every, max=max(int(max_iterations), int(num_iterations)),
                step=self.record_every, description="iterations", continuous_update=False,
            ),
            "hidden_units": widgets.IntSlider(
                value=self.layer_dims[1] if deep else 1, min=1, max=max(32, self.layer_dims[1]) if deep else 1,
                description="units n[1]", continuous_update=False, disabled=not deep,
            ),
        }
        self.status = widgets.HTML()
        self.two_d = self.X.shape[0] == 2 and predict is not None
        self.runs = {}  # (rate, iterations, dims) -> what `_train` returned: a setting seen before is not retrained
        self.current = None  # (label, iterations, costs) of the run shown, drawn as "before" at the next change
        super().__init__(controls, [list(controls), self.status], (9, 3.8) if self.two_d else (7.5, 3.8),
                         {"left": 0.08, "right": 0.98, "bottom": 0.13, "top": 0.9, "wspace": 0.25})

    def _train(self, rate, n, dims):
        """Run the model once: ((iterations, costs), parameters, accuracy, error message or None)."""
        # A diverging run overflows; its warnings must not reach stderr (and are the point of the experiment).
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                parameters, costs = self.model(self.X, self.Y, dims, learning_rate=rate, num_iterations=n,
                                               seed=self.seed)
                costs = np.asarray([float(c) for c in costs])
                accuracy = None
                if self.predict is not None and np.all(np.isfinite(costs)):
                    accuracy = float(np.mean((np.asarray(self.predict(self.X, parameters)) > 0.5) == (self.Y > 0.5)))
            except Exception as error:  # show the model's error instead of breaking the widget
                return None, None, None, f"the model raised {type(error).__name__}: {error}"
        iterations = list(range(0, n, self.record_every))
        iterations += [] if iterations[-1] == n - 1 else [n - 1]  # the model also records the last iteration
        if len(iterations) != len(costs):
            iterations = np.linspace(0, n - 1, len(costs))
        if not np.all(np.isfinite(costs)):
            return (iterations, costs), None, None, "diverged: the cost became inf or nan (learning rate too large)"
        return (iterations, costs), parameters, accuracy, None

    def draw(self, figure, learning_rate, iterations, hidden_units):
        dims = list(self.layer_dims)
        if len(dims) > 2:
            dims[1] = hidden_units
        key = (learning_rate, iterations, tuple(dims))
        if key not in self.runs:
            self.runs[key] = self._train(learning_rate, iterations, dims)
        curve, parameters, accuracy, error = self.runs[key]
        label = f"α = {learning_rate:g}, {iterations} iterations, layers {'-'.join(map(str, dims))}"
        message = error or f"final cost {curve[1][-1]:.4g}" + (
            "" if accuracy is None else f", training accuracy {100 * accuracy:.1f} %")
        axes = _emptied_axes(figure, 2 if self.two_d else 1)
        curves = [] if self.current is None else [("before: " + self.current[0], *self.current[1:])]
        if curve is not None:
            curves.append(("now: " + label, *curve))
            self.current = (label, *curve)
        title = message if len(message) < 60 else message[:57] + "..."
        if curves:
            axes[0].set_prop_cycle(color=["grey", "tab:blue"][2 - len(curves):])  # the run before grey, this one blue
            plot_cost_curves(curves, axes[0], title=title, legend=None)
            for line in axes[0].get_lines():  # the run before dashed, for comparison
                if line.get_label().startswith("before"):
                    line.set(alpha=0.6, ls="--")
            axes[0].legend(fontsize="small", loc="upper right")  # costs fall: the upper right is free
        axes[0].set_title(title, fontsize="medium")
        self.status.value = f"<b>{label}</b>: {message}"
        if self.two_d:
            axes[1].set_axis_off()
            if parameters is not None:
                axes[1].set_axis_on()
                with np.errstate(all="ignore"):
                    plot_decision_boundary(lambda points: self.predict(points, parameters), self.X, self.Y,
                                           ax=axes[1], title="what the trained network predicts", resolution=100)
                axes[1].set(xticks=[], yticks=[])  # the picture, not the coordinates, is the point
                axes[1].title.set_fontsize("medium")
