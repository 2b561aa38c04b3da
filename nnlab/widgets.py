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

from .activations import ACTIVATIONS, leaky_slopes, z_limits
from .plots import figure_to_png, plot_activation, plot_initialization_statistics, plot_softmax


class ActivationExplorer(widgets.VBox):
    """An activation function and its derivative over a chosen range, with saturation marked."""

    def __init__(self, yours=None, initial="sigmoid"):
        self.yours = dict(yours or {})
        unknown = {key.removesuffix("_derivative") for key in self.yours} - set(ACTIVATIONS)
        if unknown:
            raise ValueError(f"yours= has unknown activation names {sorted(unknown)}; use {sorted(ACTIVATIONS)}")
        self.function = widgets.Dropdown(options=list(ACTIVATIONS), value=initial, description="function")
        low, high = z_limits()
        self.z_range = widgets.FloatRangeSlider(
            value=(-6.0, 6.0), min=low, max=high, step=0.5, description="z range", continuous_update=False,
            readout_format=".1f", layout=widgets.Layout(width="440px"),
        )
        self.alpha = widgets.SelectionSlider(  # the slopes whose curve is stored
            options=[(f"{a:g}", a) for a in leaky_slopes()],
            value=0.1,
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
                widgets.HBox([self.function, self.z_range]),
                widgets.HBox([self.alpha, self.show_derivative, self.mark_saturation, self.compare]),
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
    """Three score sliders and the probabilities ``softmax`` gives them; a shift slider shows invariance.

    ``softmax`` is a function of a 1-D array of scores, written in the lecture (this package has none).
    """

    def __init__(self, softmax, scores=(0.3, 2.9, 4.0)):
        self.softmax = softmax
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
        plot_softmax(values, self.softmax(values), ax=self.figure.add_subplot())
        self.image.value = figure_to_png(self.figure)


def make_softmax_explorer(softmax, scores=(0.3, 2.9, 4.0)):
    """Build the softmax explorer around ``softmax``: move scores, or add a constant to all and see nothing change."""
    return SoftmaxExplorer(softmax, scores=scores)


INIT_SCHEMES = ("zeros", "constant", "random", "Xavier", "He")


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
        std = {"random": scale, "Xavier": np.sqrt(1.0 / width), "He": np.sqrt(2.0 / width)}.get(scheme, 0.0)
        W = np.full((width, width), scale) if scheme == "constant" else rng.standard_normal((width, width)) * std
        Z = W @ A
        layers.append((W, Z, A))
        A = g(Z)
    dA = rng.standard_normal(A.shape)  # stands in for the gradient that the cost sends back
    slopes, gradients = [], []
    for W, Z, A_prev in reversed(layers):
        slope = g_prime(Z)
        dZ = dA * slope
        slopes.append(float(slope.mean()))
        gradients.append(float(np.mean(np.abs(dZ @ A_prev.T)) / examples))
        dA = W.T @ dZ
    activations = [A_prev for _, _, A_prev in layers[1:]] + [A]
    return {"activations": activations, "slopes": slopes[::-1], "gradients": gradients[::-1]}


class InitializationExplorer(widgets.VBox):
    """Activation histograms and gradient sizes, layer by layer, of a deep network under an initialisation."""

    def __init__(self, activations, activation="tanh", scheme="random", scale=0.01, depth=6, width=100):
        if scheme not in INIT_SCHEMES:
            raise ValueError(f"unknown scheme {scheme!r}; use one of {list(INIT_SCHEMES)}")
        if activation not in activations:
            raise ValueError(f"activation {activation!r} is not one of the activations given: {sorted(activations)}")
        self.activations = dict(activations)
        self.width = width
        self.activation = widgets.Dropdown(
            options=list(self.activations), value=activation, description="activation"
        )
        self.scheme = widgets.Dropdown(options=list(INIT_SCHEMES), value=scheme, description="scheme")
        self.scale = widgets.FloatLogSlider(
            value=scale, base=10, min=-3, max=1, step=0.25, description="scale", readout_format=".3g",
            continuous_update=False,
        )
        self.depth = widgets.IntSlider(value=depth, min=2, max=8, description="layers", continuous_update=False)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="900px"))
        self.figure = Figure(figsize=(10, 5.6))
        self.statistics = {}
        controls = [self.activation, self.scheme, self.scale, self.depth]
        for control in controls:
            control.observe(self._redraw, names="value")
        super().__init__([widgets.HBox(controls[:2]), widgets.HBox(controls[2:]), self.image])
        self._redraw()

    def _redraw(self, change=None):
        scheme = self.scheme.value
        self.scale.disabled = scheme not in ("random", "constant")
        self.statistics = _deep_network_statistics(
            *self.activations[self.activation.value], scheme, self.scale.value, self.depth.value, self.width
        )
        self.figure.clear()
        plot_initialization_statistics(
            self.statistics,
            self.figure,
            activation=self.activation.value,
            title=f"{self.activation.value} network, {self.width} units per layer, {scheme} weights"
            + (f" (scale {self.scale.value:.3g})" if scheme in ("random", "constant") else ""),
        )
        self.image.value = figure_to_png(self.figure)


def make_initialization_explorer(activations, activation="tanh", scheme="random", scale=0.01, depth=6):
    """Build the initialisation explorer: pick an activation, a weight scheme, a scale and a depth.

    ``activations`` maps names to pairs ``(g, g_prime)`` of element-wise functions, written in the lecture.

    The top row shows the histogram of every layer's activations for random inputs; the bottom row,
    layer by layer, their spread, the mean slope of the activation and the mean size of dW.
    """
    return InitializationExplorer(activations, activation=activation, scheme=scheme, scale=scale, depth=depth)


class SelfCheck(widgets.VBox):
    """One ungraded question: choices, a Check button, and feedback that says right or wrong and explains.

    ``correct`` is the index of the right option (one choice, radio buttons) or a set of indices
    (several choices, check boxes). The feedback is an ``HTMLMath`` widget, so text may hold LaTeX.
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
        self.question = widgets.HTMLMath(value=f"<b>{question}</b>")
        layout = widgets.Layout(width="auto")
        if self.multiple:
            self.boxes = [
                widgets.Checkbox(value=False, description=text, indent=False, layout=layout) for text in self.options
            ]
            self.choices = widgets.VBox(self.boxes)
            controls = self.boxes
        else:
            self.choices = widgets.RadioButtons(
                options=[(o, k) for k, o in enumerate(self.options)], value=None, layout=layout
            )
            controls = [self.choices]
        self.check = widgets.Button(description="Check", button_style="primary", icon="check")
        self.feedback = widgets.HTMLMath(value="")
        self.check.on_click(self._check)
        for control in controls:
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
        right = "; ".join(self.options[k] for k in sorted(self.correct))
        verdict = (
            '<span style="color:green"><b>✔ Right.</b></span>'
            if self.is_correct
            else f'<span style="color:#b00"><b>✘ Not quite.</b></span> The answer is: <i>{right}</i>.'
        )
        self.feedback.value = f"{verdict}<br>{self.explanation}"


def make_self_check(question, options, correct, explanation):
    """Build a self-check question with a Check button that reveals whether the choice is right and why.

    ``correct`` is the index of the right option, or a set of indices when several options are right
    (then the options are check boxes). Changing the choice hides the feedback until Check is pressed again.
    """
    return SelfCheck(question, options, correct, explanation)


class ShapeExplorer(widgets.VBox):
    """Type layer sizes and a number of examples m; see the network and the shape of every array it uses.

    The table lists, layer by layer, the shapes in the forward pass (W, b and its broadcast, Z, A) and
    the backward pass (dZ, dA, dW, db); the line above it works through one layer's products. Input
    that is not a list of positive whole numbers shows a message instead of an error.
    """

    def __init__(self, layer_sizes="4, 5, 3, 1", m=10):
        from .plots import plot_network

        self._plot_network = plot_network
        self.sizes = widgets.Text(
            value=str(layer_sizes).strip("[]()"),
            description="layer sizes",
            placeholder="e.g. 4, 5, 3, 1",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.m = widgets.BoundedIntText(
            value=m, min=1, max=1_000_000, description="examples m", style={"description_width": "initial"}
        )
        self.layer = widgets.IntSlider(
            value=1,
            min=1,
            max=1,
            description="explain layer l",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.message = widgets.HTML()
        self.table = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="760px"))
        self.figure = Figure(figsize=(8, 3.8))
        self.layer_sizes = None  # the sizes currently shown, or None while the input is not valid
        for control in (self.sizes, self.m, self.layer):
            control.observe(self._redraw, names="value")
        super().__init__([widgets.HBox([self.sizes, self.m, self.layer]), self.message, self.image, self.table])
        self._redraw()

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

    def _redraw(self, change=None):
        from html import escape

        sizes, problem = self._parse(self.sizes.value)
        self.figure.clear()
        if problem:
            self.layer_sizes = None
            self.message.value = f"<p style='color:#b00020'><b>{escape(problem)}</b></p>"
            self.table.value = ""
            ax = self.figure.add_subplot()
            ax.set_axis_off()
            ax.text(0.5, 0.5, "no network to draw", ha="center", va="center", color="grey")
            self.image.value = figure_to_png(self.figure)
            return
        self.layer_sizes = sizes
        num_layers = len(sizes) - 1
        with self.layer.hold_trait_notifications():
            self.layer.max = num_layers
        chosen = min(self.layer.value, num_layers)
        m = self.m.value
        self.message.value = self._explain_layer(sizes, chosen, m)
        self.table.value = self._shape_table(sizes, m, chosen)
        self._plot_network(sizes, ax=self.figure.add_subplot(), highlight=chosen)
        self.image.value = figure_to_png(self.figure)

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
        head = [
            "layer l",
            "n<sup>[l]</sup>",
            "W<sup>[l]</sup>, dW<sup>[l]</sup>",
            "b<sup>[l]</sup>, db<sup>[l]</sup>",
            "b<sup>[l]</sup> broadcast to",
            "Z<sup>[l]</sup>, dZ<sup>[l]</sup>",
            "A<sup>[l]</sup>, dA<sup>[l]</sup>",
            "parameters",
        ]
        cell = "style='border:1px solid #bbb;padding:2px 8px;text-align:center'"
        rows = ["<tr>" + "".join(f"<th {cell}>{h}</th>" for h in head) + "</tr>"]
        dash = "–"
        total = 0
        for k, n in enumerate(sizes):
            if k == 0:
                values = ["0 (input)", n, dash, dash, dash, dash, f"({n}, {m}) = X", dash]
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


def make_shape_explorer(layer_sizes="4, 5, 3, 1", m=10):
    """Build the shape explorer: type layer sizes such as ``4, 5, 3, 1`` and a number of examples m."""
    return ShapeExplorer(layer_sizes=layer_sizes, m=m)


# --- MNIST (05): browse test digits and their probabilities; a gallery of the network's mistakes ---
# The builders take the (10, m) probabilities as input: the forward pass is the student's `predict`, never done here.


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


class DigitBrowser(widgets.VBox):
    """A test digit chosen with a slider, beside the bar chart of the 10 probabilities the network gave it."""

    def __init__(self, images, labels, probabilities, index=0):
        self.images, self.labels, self.probabilities = _check_mnist_inputs(images, labels, probabilities)
        self.predictions = self.probabilities.argmax(axis=0)
        self.index = widgets.IntSlider(
            value=index, min=0, max=len(self.labels) - 1, description="test image", continuous_update=False
        )
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="720px"))
        self.figure = Figure(figsize=(8, 3.2))
        self.index.observe(self._redraw, names="value")
        super().__init__([widgets.HBox([self.index, self.status]), self.image])
        self._redraw()

    def _redraw(self, change=None):
        from .plots import plot_digit, plot_probabilities

        i = self.index.value
        label, predicted = int(self.labels[i]), int(self.predictions[i])
        self.figure.clear()
        ax_digit, ax_bars = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2.2]})
        plot_digit(self.images[i], ax=ax_digit, title=f"test image {i}: true label {label}")
        plot_probabilities(self.probabilities[:, i], ax=ax_bars, label=label)
        self.figure.tight_layout()
        verdict = "right" if label == predicted else "<b style='color:#d62728'>wrong</b>"
        self.status.value = f"predicted {predicted} with {self.probabilities[predicted, i]:.1%}: {verdict}"
        self.image.value = figure_to_png(self.figure)


def make_digit_browser(images, labels, probabilities, index=0):
    """Build the digit browser from images (m, 784), labels (m,) and probabilities (10, m) from your predict."""
    return DigitBrowser(images, labels, probabilities, index=index)


class MistakeGallery(widgets.VBox):
    """The network's mistakes, most confident first, filtered by true and by predicted digit."""

    def __init__(self, images, labels, probabilities, columns=6, rows=3):
        self.images, self.labels, self.probabilities = _check_mnist_inputs(images, labels, probabilities)
        self.predictions = self.probabilities.argmax(axis=0)
        self.confidence = self.probabilities.max(axis=0)
        self.columns, self.rows = columns, rows
        choices = [("any", -1)] + [(str(d), d) for d in range(10)]
        self.true_digit = widgets.Dropdown(options=choices, value=-1, description="true digit")
        self.predicted_digit = widgets.Dropdown(options=choices, value=-1, description="predicted as")
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="760px"))
        self.figure = Figure(figsize=(1.45 * columns, 1.9 * rows))
        for control in (self.true_digit, self.predicted_digit):
            control.observe(self._redraw, names="value")
        super().__init__([widgets.HBox([self.true_digit, self.predicted_digit]), self.status, self.image])
        self._redraw()

    def shown_indices(self):
        """Indices of the matching mistakes, most confident first (all of them, not only those drawn)."""
        wrong = self.predictions != self.labels
        if self.true_digit.value >= 0:
            wrong &= self.labels == self.true_digit.value
        if self.predicted_digit.value >= 0:
            wrong &= self.predictions == self.predicted_digit.value
        indices = np.flatnonzero(wrong)
        return indices[np.argsort(-self.confidence[indices], kind="stable")]

    def _redraw(self, change=None):
        from .plots import plot_digit_grid

        indices = self.shown_indices()
        drawn = indices[: self.columns * self.rows]
        self.figure.clear()
        plot_digit_grid(
            self.images[drawn],
            [
                f"#{i}: {self.labels[i]} → {self.predictions[i]}\n({self.confidence[i]:.0%})"
                for i in drawn
            ],
            figure=self.figure,
            columns=self.columns,
        )
        if len(drawn) == 0:
            self.figure.text(0.5, 0.5, "no mistakes of this kind", ha="center", va="center")
        else:
            self.figure.tight_layout()
        self.status.value = (
            f"{len(indices)} mistakes match (true → predicted, confidence); showing the {len(drawn)} most confident"
        )
        self.image.value = figure_to_png(self.figure)


def make_mistake_gallery(images, labels, probabilities, columns=6, rows=3):
    """Build the gallery of mistakes from images (m, 784), labels (m,) and probabilities (10, m)."""
    return MistakeGallery(images, labels, probabilities, columns=columns, rows=rows)


# --- L-layer network (04): the training explorer ---

LEARNING_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


def _recorded_iterations(num_iterations, record_every):
    """The iterations at which a model records its cost: 0, k, 2k, ... and the last one."""
    recorded = list(range(0, num_iterations, record_every))
    if recorded[-1] != num_iterations - 1:
        recorded.append(num_iterations - 1)
    return recorded


class TrainingExplorer(widgets.VBox):
    """Train a model with a chosen learning rate, number of iterations and hidden units; plot its cost.

    The model (for instance your ``L_layer_model``) is passed in and does all the work;
    this widget only calls it, catches its warnings and errors, and draws the costs
    it returns. Each change re-trains from the same initial parameters (same seed).
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
        rates = sorted(set(LEARNING_RATES) | {float(learning_rate)})
        self.learning_rate = widgets.SelectionSlider(
            options=[(f"{r:g}", r) for r in rates], value=float(learning_rate), description="learning rate α",
            continuous_update=False, style={"description_width": "initial"},
        )
        step = self.record_every
        self.iterations = widgets.IntSlider(
            value=int(num_iterations), min=step, max=max(int(max_iterations), int(num_iterations)), step=step,
            description="iterations", continuous_update=False,
        )
        self.hidden_units = widgets.IntSlider(
            value=self.layer_dims[1] if len(self.layer_dims) > 2 else 1, min=1,
            max=max(32, self.layer_dims[1]) if len(self.layer_dims) > 2 else 1,
            description="units n[1]", continuous_update=False, disabled=len(self.layer_dims) <= 2,
        )
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="900px"))
        self.two_d = self.X.shape[0] == 2 and predict is not None
        self.figure = Figure(figsize=(10, 4) if self.two_d else (7, 4))
        self.previous = None  # (label, iterations, costs) of the run before, drawn for comparison
        self.current = None
        for control in (self.learning_rate, self.iterations, self.hidden_units):
            control.observe(self._retrain, names="value")
        super().__init__([widgets.HBox([self.learning_rate, self.iterations, self.hidden_units]), self.status,
                          self.image])
        self._retrain()

    def current_layer_dims(self):
        """layer_dims with n[1] set by the hidden-units slider."""
        dims = list(self.layer_dims)
        if len(dims) > 2:
            dims[1] = self.hidden_units.value
        return dims

    def _train(self):
        import warnings

        rate, n = self.learning_rate.value, self.iterations.value
        dims = self.current_layer_dims()
        label = f"α = {rate:g}, {n} iterations, layers {'-'.join(map(str, dims))}"
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
                return label, None, None, None, f"{type(error).__name__}: {error}"
        iterations = _recorded_iterations(n, self.record_every)
        if len(iterations) != len(costs):
            iterations = np.linspace(0, n - 1, len(costs))
        return label, (iterations, costs), parameters, accuracy, None

    def _retrain(self, change=None):
        label, curve, parameters, accuracy, error = self._train()
        self.figure.clear()
        ax = self.figure.add_subplot(1, 2 if self.two_d else 1, 1)
        curves = [] if self.current is None else [("before: " + self.current[0], *self.current[1:])]
        if curve is not None:
            curves.append(("now: " + label, *curve))
        self.previous = self.current
        if curve is not None:
            self.current = (label, *curve)
        if curves:
            from .plots import plot_cost_curves

            plot_cost_curves(curves, ax=ax)
            if len(curves) == 2:  # the run before in grey, for comparison
                before_lines = [ln for ln in ax.get_lines() if ln.get_label().startswith("before")]
                for line in before_lines:
                    line.set(color="grey", alpha=0.6, ls="--")
                ax.legend(fontsize="small")
        if error is not None:
            message = f"the model raised {error}"
        elif not np.all(np.isfinite(curve[1])):
            message = "diverged: the cost became inf or nan (learning rate too large)"
        else:
            message = f"final cost {curve[1][-1]:.4g}" + (
                f", training accuracy {100 * accuracy:.1f} %" if accuracy is not None else ""
            )
        self.status.value = f"<b>{label}</b>: {message}"
        ax.set_title(message if len(message) < 70 else message[:67] + "...", fontsize="medium")
        if self.two_d and parameters is not None and error is None and np.all(np.isfinite(curve[1])):
            from .plots import plot_decision_boundary

            boundary_ax = self.figure.add_subplot(1, 2, 2)
            with np.errstate(all="ignore"):
                plot_decision_boundary(lambda points: self.predict(points, parameters), self.X, self.Y, ax=boundary_ax,
                                       title="what the trained network predicts", resolution=120)
        self.image.value = figure_to_png(self.figure)


def make_training_explorer(model, X, Y, layer_dims, predict=None, learning_rate=0.1, num_iterations=300, seed=1,
                           record_every=100):
    """Build the training explorer around ``model``, a function like ``L_layer_model``.

    ``model(X, Y, layer_dims, learning_rate=..., num_iterations=..., seed=...)`` must return
    ``(parameters, costs)`` with the cost recorded every ``record_every`` iterations and at the
    last one. ``predict(X, parameters)``, if given, returns probabilities of shape (1, m): the
    widget then reports the training accuracy and, for 2-D inputs, draws the decision boundary.
    """
    return TrainingExplorer(model, X, Y, layer_dims, predict=predict, learning_rate=learning_rate,
                            num_iterations=num_iterations, seed=seed, record_every=record_every)
