"""The widgets and plots, tested as ipywidgets tests its own: build, set a control's value, check what changed."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from nnlab.activations import ACTIVATIONS, get_activation, leaky_slopes, reference_curve, saturation_mask
from nnlab.widgets import ActivationExplorer, SoftmaxExplorer

matplotlib.use("Agg")


def visible_axes(figure):
    """The axes a person sees: a widget hides the ones it made once and does not need now."""
    return [ax for ax in figure.axes if ax.get_visible()]


def histograms(figure):
    """The initialisation explorer's histograms shown now, one per layer (they share the figure's first axes)."""
    from matplotlib.patches import StepPatch

    return [p for p in figure.axes[0].patches if isinstance(p, StepPatch) and p.get_visible()]


def line_data(figure, label):
    """The y-data of the line labelled ``label`` in the figure's only axes."""
    (ax,) = figure.axes
    for line in ax.get_lines():
        if line.get_label() == label:
            return np.asarray(line.get_ydata())
    raise AssertionError(f"no line labelled {label!r}; labels: {[ln.get_label() for ln in ax.get_lines()]}")


def png_size(png):
    """(width, height) of a PNG, read from its header."""
    assert bytes(png[:8]) == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


class Echo:
    """A PlotWidget made for the tests: two sliders, and a draw that records what it was given."""

    @staticmethod
    def make(**draw_hook):
        import ipywidgets

        from nnlab.widgets import PlotWidget

        class EchoWidget(PlotWidget):
            def __init__(self):
                self.calls = []
                controls = {"a": ipywidgets.IntSlider(value=1, max=10), "b": ipywidgets.IntSlider(value=2, max=10)}
                super().__init__(controls, [["a", "b"]], (4, 2))

            def draw(self, figure, a, b):
                self.calls.append((a, b))
                draw_hook.get("then", lambda widget, a, b: None)(self, a, b)
                ax = figure.axes[0] if figure.axes else figure.add_subplot()
                ax.set_title(f"a = {a}, b = {b}")

        return EchoWidget()


def test_plot_widget_redraws_once_per_change_with_every_value_and_renders_at_twice_the_css_size():
    from nnlab.widgets import DPI, PIXEL_RATIO

    widget = Echo.make()
    assert widget.calls == [(1, 2)] and widget.a is widget.controls["a"]
    first = widget.image.value
    widget.b.value = 5
    assert widget.calls == [(1, 2), (1, 5)] and widget.image.value != first
    assert widget.figure.axes[0].get_title() == "a = 1, b = 5"
    # Crisp: the PNG has PIXEL_RATIO (2) device pixels per CSS pixel of the Image, whose CSS width is the figure's
    # size at the static plots' dpi, so text is as large as theirs.
    assert PIXEL_RATIO >= 2 and DPI == matplotlib.rcParamsDefault["figure.dpi"]
    assert widget.image.layout.width == f"{4 * DPI}px"
    assert png_size(widget.image.value) == (4 * DPI * PIXEL_RATIO, 2 * DPI * PIXEL_RATIO)


def test_plot_widgets_keep_their_margins():
    """The layout is set once, by margins given to the base (no tight_layout per redraw): they must hold."""
    images, labels, probabilities = _mnist_like()
    from nnlab.widgets import DigitBrowser

    browser = DigitBrowser(images, labels, probabilities)
    browser.index.value = 4
    assert browser.figure.axes[1].get_position().y0 == pytest.approx(0.2)
    explorer = ActivationExplorer()
    explorer.function.value = "tanh"
    assert explorer.figure.axes[0].get_position().x0 == pytest.approx(0.08)


def test_plot_widget_draws_again_when_draw_itself_changes_a_control():
    """A draw that moves a control (a slider's maximum) is followed by one with the new values: no stale picture."""

    def clamp(widget, a, b):
        widget.b.max = a  # lowering the maximum lowers the value too

    widget = Echo.make(then=clamp)
    assert widget.b.value == 1 and widget.calls == [(1, 2), (1, 1)]
    assert widget.figure.axes[0].get_title() == "a = 1, b = 1"


def test_explorer_redraws_when_the_function_changes():
    explorer = ActivationExplorer()
    png_before = explorer.image.value
    assert bytes(png_before[:4]) == b"\x89PNG"
    assert line_data(explorer.figure, "sigmoid(z)").max() < 1.0
    explorer.function.value = "relu"
    assert explorer.image.value != png_before
    relu_values = line_data(explorer.figure, "relu(z)")
    assert relu_values.min() == 0.0 and relu_values.max() == pytest.approx(6.0, abs=0.02)  # the grid ends near 6
    explorer.function.value = "tanh"  # the axes are reused: their limits must follow the new curves only
    assert explorer.figure.axes[0].get_ylim()[1] < 1.5
    assert len(line_data(explorer.figure, "tanh(z)")) == len(relu_values)


def test_leaky_slope_slider_changes_the_curve_and_is_only_active_for_leaky_relu():
    explorer = ActivationExplorer(initial="leaky_relu")
    assert not explorer.alpha.disabled
    explorer.alpha.value = 0.1
    left_end = line_data(explorer.figure, "leaky_relu(z)")[0]
    explorer.alpha.value = 0.3
    assert line_data(explorer.figure, "leaky_relu(z)")[0] == pytest.approx(3 * left_end, rel=1e-3)
    explorer.function.value = "tanh"
    assert explorer.alpha.disabled


def test_range_and_derivative_controls():
    explorer = ActivationExplorer(initial="tanh")
    explorer.z_range.value = (-2.0, 3.0)
    assert explorer.figure.axes[0].get_xlim() == (-2.0, 3.0)
    explorer.show_derivative.value = False
    labels = [line.get_label() for line in explorer.figure.axes[0].get_lines()]
    assert "tanh'(z)" not in labels and "tanh(z)" in labels


def test_saturation_is_marked_on_sigmoid_tails_and_not_on_identity():
    explorer = ActivationExplorer(initial="sigmoid")
    explorer.z_range.value = (-10.0, 10.0)
    spans = [p for p in explorer.figure.axes[0].patches if p.get_label() != "_nolegend_"]
    assert len(explorer.figure.axes[0].patches) == 2, "both flat tails of sigmoid should be shaded"
    assert spans
    explorer.function.value = "identity"
    assert len(explorer.figure.axes[0].patches) == 0


def test_students_functions_are_drawn_beside_the_reference():
    def my_sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    def my_sigmoid_derivative(z):
        raise NotImplementedError()

    explorer = ActivationExplorer(yours={"sigmoid": my_sigmoid, "sigmoid_derivative": my_sigmoid_derivative})
    np.testing.assert_allclose(line_data(explorer.figure, "your sigmoid"), line_data(explorer.figure, "sigmoid(z)"),
                               rtol=1e-3)  # the reference is stored at picture precision
    legend = [t.get_text() for t in explorer.figure.axes[0].get_legend().get_texts()]
    # an untouched stub: say what to finish, not the exception
    assert "your sigmoid': finish `my_sigmoid_derivative` above to see your curve here" in legend, legend
    explorer.compare.value = False
    assert "your sigmoid" not in [ln.get_label() for ln in explorer.figure.axes[0].get_lines()]


def test_unknown_names_are_rejected_clearly():
    with pytest.raises(ValueError, match="unknown activation names \\['sigmod'\\]"):
        ActivationExplorer(yours={"sigmod": np.tanh})
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        get_activation("swish")


def _softmax_1d(z):
    exp_z = np.exp(z - z.max())
    return exp_z / exp_z.sum()


def test_softmax_explorer_is_shift_invariant_but_responds_to_scores():
    explorer = SoftmaxExplorer(_softmax_1d)
    heights = [bar.get_height() for bar in explorer.figure.axes[0].patches]
    assert sum(heights) == pytest.approx(1.0)
    explorer.shift.value = 1000.0  # without the max trick exp(1004) would overflow
    assert [bar.get_height() for bar in explorer.figure.axes[0].patches] == pytest.approx(heights)
    explorer.scores[0].value = 9.0
    assert explorer.figure.axes[0].patches[0].get_height() > 0.9


def _source_solutions(repo_root):
    """Assignment 01's functions as the instructor's source notebook defines them."""
    import nbformat

    from tools.submissions import strip_solution_markers

    namespace = {"np": np}
    notebook = nbformat.read(repo_root / "source" / "01_activations" / "01_activations.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            exec(strip_solution_markers(cell.source), namespace)
    return namespace


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_stored_curves_are_the_solutions_at_picture_precision_only(name, repo_root):
    """The curves draw the right functions, yet cannot stand in for them in a test that wants 6 digits."""
    solutions = _source_solutions(repo_root)
    function = solutions["step_function" if name == "step" else name]
    derivative = solutions.get(f"{name}_derivative")
    for alpha in leaky_slopes() if name == "leaky_relu" else [0.01]:
        z, values, slopes = reference_curve(name, (-12.0, 12.0), alpha)
        extra = {"alpha": alpha} if name == "leaky_relu" else {}
        np.testing.assert_allclose(values, function(z, **extra), rtol=2e-3, atol=2e-3)
        if derivative is not None:
            np.testing.assert_allclose(slopes, derivative(z, **extra), rtol=2e-3, atol=2e-3)
    if name == "step":
        return  # a step function's samples interpolate to the step itself away from the jump
    # The stored numbers, interpolated at fresh points, miss the values a test expects (rtol 1e-6).
    z_test = np.random.default_rng(7).uniform(-10.0, 10.0, 200)
    guessed = np.interp(z_test, z, values)
    assert not np.allclose(guessed, function(z_test, **extra), rtol=1e-6, atol=1e-8), f"{name} is recoverable"


def test_no_activation_can_be_computed_with_the_package():
    import nnlab.activations

    callables = [name for name, value in vars(nnlab.activations).items() if callable(value)]
    graded = {"step", "step_function", "sigmoid", "tanh", "relu", "leaky_relu", "identity"}
    assert not graded & {name.strip("_").lower() for name in callables}, callables
    for activation in ACTIVATIONS.values():
        assert not any(callable(value) for value in vars(activation).values()), activation


def test_curves_outside_the_stored_range_or_slopes_are_refused_clearly():
    with pytest.raises(ValueError, match="z_range must lie within"):
        reference_curve("tanh", (-20.0, 1.0))
    with pytest.raises(ValueError, match="stored for alpha in"):
        reference_curve("leaky_relu", alpha=0.123)


def test_saturation_mask_threshold():
    mask = saturation_mask(np.array([1.0, 0.5, 0.04, 0.0]))
    assert mask.tolist() == [False, False, True, True]


# --- 06_quizzes: the self-check questions and the Quiz 2 network --------------------------------------------------


def test_self_check_reveals_right_or_wrong_and_the_explanation():
    from nnlab.widgets import SelfCheck

    check = SelfCheck("Binary output?", ["tanh", "sigmoid", "ReLU"], 1, "Its values lie in (0, 1).")
    assert check.feedback.value == "" and check.is_correct is None
    check.check.click()  # nothing chosen yet
    assert "Choose an answer first" in check.feedback.value and check.is_correct is None
    check.choices.value = 0
    assert check.feedback.value == ""  # changing the choice hides the old feedback
    check.check.click()
    assert check.is_correct is False
    assert "Not quite" in check.feedback.value and "sigmoid" in check.feedback.value
    assert "Its values lie in (0, 1)." in check.feedback.value
    check.choices.value = 1
    check.check.click()
    assert check.is_correct is True
    assert "Right" in check.feedback.value and "Its values lie in (0, 1)." in check.feedback.value


def test_self_check_with_several_right_options_uses_check_boxes():
    from nnlab.widgets import SelfCheck

    check = SelfCheck("Which are learned?", ["W", "alpha", "b"], {0, 2}, "W and b are learned.")
    assert len(check.boxes) == 3
    check.boxes[0].value = True
    check.check.click()
    assert check.is_correct is False and "W; b" in check.feedback.value
    check.boxes[2].value = True
    check.check.click()
    assert check.is_correct is True and check.selected() == {0, 2}


def test_self_check_feedback_has_one_period_after_an_answer_that_is_a_sentence():
    from nnlab.widgets import SelfCheck

    check = SelfCheck("Why?", ["Because it is faster.", "Because each layer builds on the one before it."], 1, "Depth.")
    check.choices.value = 0
    check.check.click()
    assert "The answer is: <i>Because each layer builds on the one before it.</i><br>" in check.feedback.value
    assert ".." not in check.feedback.value
    check = SelfCheck("Which?", ["tanh", "sigmoid"], 1, "Its values lie in (0, 1).")
    check.choices.value = 0
    check.check.click()
    assert "The answer is: <i>sigmoid</i>.<br>" in check.feedback.value


def test_self_check_rejects_a_wrong_answer_index():
    from nnlab.widgets import SelfCheck

    with pytest.raises(ValueError, match="must index the 2 options"):
        SelfCheck("?", ["a", "b"], 2, "")
    with pytest.raises(ValueError, match="at least two options"):
        SelfCheck("?", ["a"], 0, "")


def test_plot_network_labels_every_layer_with_its_size():
    from matplotlib.figure import Figure

    from nnlab.plots import plot_network

    ax = plot_network([4, 4, 3, 1], ax=Figure().add_subplot())
    texts = " ".join(t.get_text() for t in ax.texts)
    for layer, size in enumerate([4, 4, 3, 1]):
        assert f"$n^{{[{layer}]}} = {size}$" in texts, texts


@pytest.mark.parametrize("sizes", [[784, 128, 64, 32, 16, 8, 4, 1], [784] + [100] * 11 + [10]])
def test_plot_network_labels_of_deep_networks_do_not_run_together(sizes):
    import itertools

    from nnlab.widgets import ShapeExplorer

    explorer = ShapeExplorer(", ".join(map(str, sizes)))  # the explorer's own figure size and margins
    figure = explorer.figure
    renderer = figure.canvas.get_renderer()
    ax = figure.axes[0]
    for prefix in ("$W", "layer"):  # the W, b labels above the columns, the layer labels below them
        boxes = sorted((t.get_window_extent(renderer) for t in ax.texts if t.get_text().startswith(prefix)),
                       key=lambda box: box.x0)
        assert len(boxes) == len(sizes) - (prefix == "$W")
        gaps = [right.x0 - left.x1 for left, right in itertools.pairwise(boxes)]
        assert min(gaps) > 0, f"{prefix} labels overlap: gaps {gaps}"


def test_shape_explorer_table_follows_the_layer_sizes_and_m():
    from nnlab.widgets import ShapeExplorer

    explorer = ShapeExplorer("4, 5, 3, 1", m=10)
    png_before, table_before = explorer.image.value, explorer.table.value
    assert bytes(png_before[:4]) == b"\x89PNG"
    assert "(5, 4)" in table_before and "(5, 10)" in table_before and "(1, 3)" in table_before
    assert explorer.layer.max == 3
    explorer.sizes.value = "2, 3, 2, 2"  # the book's network
    assert explorer.layer_sizes == [2, 3, 2, 2]
    assert explorer.table.value != table_before and explorer.image.value != png_before
    assert "(3, 2)" in explorer.table.value and "(5, 4)" not in explorer.table.value
    assert "<b>23</b>" in explorer.table.value, "(6 + 3) + (6 + 2) + (4 + 2) = 23 parameters"


def test_shape_explorer_shows_broadcasting_and_explains_the_chosen_layer():
    from nnlab.widgets import ShapeExplorer

    explorer = ShapeExplorer("4, 5, 3, 1", m=10)
    explorer.m.value = 7
    assert "(3, 7)" in explorer.table.value and "(3, 10)" not in explorer.table.value
    explorer.layer.value = 2
    text = explorer.message.value
    assert "(3, 5) · (5, 7) = (3, 7)" in text and "broadcast" in text and "(3, 1)" in text
    png = explorer.image.value
    explorer.layer.value = 3
    assert explorer.image.value != png, "the highlighted layer should change the diagram"
    explorer.sizes.value = "4, 2"
    assert explorer.layer.max == 1 and explorer.layer.value == 1
    assert "<b>Layer 1</b>" in explorer.message.value and "(2, 4) · (4, 7)" in explorer.message.value


@pytest.mark.parametrize("typed", ["4, x", "4", "", "4, 0, 1", "3.5, 2"])
def test_shape_explorer_explains_bad_input_instead_of_failing(typed):
    from nnlab.widgets import ShapeExplorer

    explorer = ShapeExplorer()
    explorer.sizes.value = typed
    assert explorer.layer_sizes is None
    assert explorer.table.value == ""
    assert any(word in explorer.message.value for word in ("Could not read", "at least", "1 or more"))
    explorer.sizes.value = "3 5 2"  # spaces work as well as commas
    assert explorer.layer_sizes == [3, 5, 2] and "(5, 3)" in explorer.table.value


# --- the initialisation explorer (02_initialization) --------------------------------------------------------


def _sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


EXPLORER_ACTIVATIONS = {  # what lecture 02 passes in: the package itself computes no activation
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    "relu": (lambda z: np.maximum(0.0, z), lambda z: (z > 0).astype(float)),
}


def _initialization_explorer(**settings):
    from nnlab.widgets import InitializationExplorer

    return InitializationExplorer(EXPLORER_ACTIVATIONS, **settings)


def test_initialization_explorer_shows_collapse_then_saturation_as_the_scale_grows():
    explorer = _initialization_explorer(activation="tanh", scheme="random", scale=0.01, depth=5)
    png_before = explorer.image.value
    assert bytes(png_before[:4]) == b"\x89PNG"
    assert len(histograms(explorer.figure)) == 5, "one histogram per layer"
    summary = visible_axes(explorer.figure)[1]
    assert [line.get_label() for line in summary.get_lines()] == [
        "spread of activations (std)", "mean slope g\u2032(z)", "mean |dW| (gradient size)"]
    spread = summary.get_lines()[0]  # drawn from the same statistics as the histograms
    np.testing.assert_allclose(spread.get_ydata(), [a.std() for a in explorer.statistics["activations"]])
    assert list(spread.get_xdata()) == [1, 2, 3, 4, 5]
    last = explorer.statistics["activations"][-1]
    assert last.shape == (100, 500) and last.std() < 1e-4, "scale 0.01 should collapse the activations towards 0"
    assert explorer.statistics["gradients"][0] < 1e-5, "and make the gradients tiny"
    explorer.scale.value = 1.0
    assert explorer.image.value != png_before
    last = explorer.statistics["activations"][-1]
    assert np.mean(np.abs(last) > 0.9) > 0.5, "scale 1 should saturate most tanh units at +-1"
    assert max(explorer.statistics["slopes"]) < 0.2, "saturated tanh units have a slope near 0"


def test_initialization_explorer_schemes_and_controls():
    explorer = _initialization_explorer(activation="relu", scheme="He", depth=6)
    assert explorer.scale.disabled, "He fixes its own scale: the slider is off"
    spreads = [a.std() for a in explorer.statistics["activations"]]
    assert 0.5 < spreads[-1] / spreads[0] < 2.0, f"He keeps the ReLU spread steady, got {spreads}"
    explorer.scheme.value = "random"
    assert not explorer.scale.disabled
    assert explorer.statistics["activations"][-1].std() < 1e-6, "ReLU with scale 0.01 vanishes"
    explorer.scheme.value = "zeros"
    assert all(np.all(a == 0) for a in explorer.statistics["activations"])
    assert all(g == 0 for g in explorer.statistics["gradients"])
    explorer.activation.value = "sigmoid"
    explorer.scheme.value = "constant"
    explorer.scale.value = 0.1
    for a in explorer.statistics["activations"]:  # every unit of a layer identical: the symmetry problem
        np.testing.assert_allclose(a, np.broadcast_to(a[:1], a.shape))
    explorer.depth.value = 3
    assert len(explorer.statistics["activations"]) == 3 and len(histograms(explorer.figure)) == 3
    explorer.activation.value = "tanh"
    explorer.scheme.value = "LeCun"
    slopes = explorer.statistics["slopes"]
    assert min(slopes) > 0.5 and min(explorer.statistics["gradients"]) > 1e-3, "LeCun's scale keeps tanh healthy"


def test_initialization_explorer_title_and_picture_come_from_the_same_values():
    explorer = _initialization_explorer(activation="tanh", scheme="random", scale=0.01, depth=4)
    for scale in (0.0316, 0.1, 1.0):
        explorer.scale.value = scale
        title = explorer.figure.texts[0].get_text()  # the suptitle
        assert f"(scale {explorer.scale.value:#.3g})" in title  # as the slider's readout (format .3g) shows it
        spread = histograms(explorer.figure)  # the histograms drawn are those of the statistics computed now
        assert len(spread) == 4
        assert title.startswith("tanh network") and explorer.statistics["activations"][0].std() > 0
    explorer.scheme.value = "He"
    assert "scale" not in explorer.figure.texts[0].get_text() and "He weights" in explorer.figure.texts[0].get_text()


def test_initialization_explorer_rejects_unknown_schemes():
    with pytest.raises(ValueError, match="unknown scheme 'xavier'"):
        _initialization_explorer(scheme="xavier")


# --- 05_mnist: the digit browser and the gallery of mistakes (fed with made-up images and probabilities) ---


def _mnist_like(m=30, seed=0):
    """m random 784-pixel images, labels 0..9 and (10, m) probabilities predicting label+1 for every third image."""
    rng = np.random.default_rng(seed)
    images = rng.random((m, 784)).astype(np.float32)
    labels = np.arange(m) % 10
    predicted = np.where(np.arange(m) % 3 == 0, (labels + 1) % 10, labels)
    probabilities = np.full((10, m), 0.02)
    probabilities[predicted, np.arange(m)] = 0.82 - 0.01 * np.arange(m)  # earlier images are more confident
    probabilities /= probabilities.sum(axis=0, keepdims=True)
    return images, labels, probabilities


def test_digit_browser_follows_the_slider():
    from nnlab.widgets import DigitBrowser

    images, labels, probabilities = _mnist_like()
    browser = DigitBrowser(images, labels, probabilities, index=1)
    assert browser.index.max == 29
    png_before = browser.image.value
    assert bytes(png_before[:4]) == b"\x89PNG"
    ax_digit, ax_bars = browser.figure.axes
    assert "true label 1" in ax_digit.get_title()
    heights = [bar.get_height() for bar in ax_bars.patches]
    np.testing.assert_allclose(heights, probabilities[:, 1])
    assert "right" in browser.status.value
    browser.index.value = 3  # every third image is a mistake: label 3, predicted 4
    assert browser.image.value != png_before
    ax_digit, ax_bars = browser.figure.axes
    assert "true label 3" in ax_digit.get_title()
    np.testing.assert_allclose([bar.get_height() for bar in ax_bars.patches], probabilities[:, 3])
    assert "predicted 4" in browser.status.value and "wrong" in browser.status.value
    np.testing.assert_array_equal(ax_digit.get_images()[0].get_array(), images[3].reshape(28, 28))


def test_digit_browser_rejects_probabilities_in_rows():
    from nnlab.widgets import DigitBrowser

    images, labels, probabilities = _mnist_like()
    with pytest.raises(ValueError, match=r"shape \(10, 30\)"):
        DigitBrowser(images, labels, probabilities.T)


def test_mistake_gallery_filters_by_true_and_predicted_digit():
    import io

    import PIL.Image

    from nnlab.widgets import MistakeGallery

    images, labels, probabilities = _mnist_like()
    gallery = MistakeGallery(images, labels, probabilities, columns=4, rows=2)
    mistakes = list(gallery.shown_indices())
    assert mistakes == [0, 3, 6, 9, 12, 15, 18, 21, 24, 27], "every mistake, most confident first"
    assert gallery.drawn.tolist() == mistakes[:8], "only columns * rows digits are drawn"
    assert sum(bool(title.get_text()) for title in gallery.titles) == 8
    assert "10 mistakes match" in gallery.status.value
    png_all = gallery.image.value
    gallery.true_digit.value = 3
    assert list(gallery.shown_indices()) == [3] and gallery.drawn.tolist() == [3]
    assert "#3: 3 → 4" in gallery.titles[0].get_text() and not gallery.titles[1].get_text()
    width, height = gallery.CELL
    tile = gallery.mosaic[12 : 12 + 28, 3 : 3 + 28]  # the first tile, under its title
    np.testing.assert_allclose(tile, images[3].reshape(28, 28) / max(1, images[3].max()))
    assert not gallery.mosaic[height:, :].any() and not gallery.mosaic[:, width:].any(), "the other tiles are blank"
    shown = np.asarray(PIL.Image.open(io.BytesIO(gallery.image.value)))  # each mosaic pixel a ZOOM x ZOOM square
    assert shown.shape[:2] == (2 * height * gallery.ZOOM, 4 * width * gallery.ZOOM)
    assert shown[(12 + 5) * gallery.ZOOM + 3, (3 + 14) * gallery.ZOOM + 3, 0] == round(255 * (1 - tile[5, 14]))
    assert gallery.image.value != png_all
    gallery.true_digit.value = -1
    gallery.predicted_digit.value = 1
    assert list(gallery.shown_indices()) == [0]
    gallery.true_digit.value = 5  # a 5 predicted as 1: none
    assert list(gallery.shown_indices()) == [] and not any(title.get_text() for title in gallery.titles)
    assert "0 mistakes match" in gallery.status.value and "No mistakes of this kind" in gallery.status.value
    assert gallery.image.layout.display == "none", "a message in plain text, not an empty picture"
    gallery.true_digit.value = 0  # a 0 predicted as 1: the picture is back
    assert gallery.image.layout.display != "none" and gallery.drawn.tolist() == [0]


def test_mnist_widgets_text_is_readable():
    """The "predicted as" label is shown in full, and every title is at least 10 CSS pixels high."""
    from nnlab.widgets import DPI, DigitBrowser, MistakeGallery

    images, labels, probabilities = _mnist_like()
    gallery = MistakeGallery(images, labels, probabilities)
    assert gallery.predicted_digit.style.description_width == "initial"
    assert gallery.true_digit.style.description_width == "initial"
    sizes = [title.get_fontsize() for title in gallery.titles]
    browser = DigitBrowser(images, labels, probabilities)
    sizes += [ax.title.get_fontsize() for ax in browser.figure.axes]
    assert min(sizes) * DPI / 72 >= 10, sizes


def test_mnist_plots_draw_what_they_are_given():
    from matplotlib.figure import Figure

    from nnlab.plots import plot_batch_timings, plot_confusion_matrix, plot_digit_grid

    figure = Figure()
    matrix = np.array([[5, 1], [2, 7]])
    ax = plot_confusion_matrix(matrix, ax=figure.add_subplot())
    texts = sorted(text.get_text() for text in ax.texts)
    assert texts == ["1", "2", "5", "7"]
    assert ax.get_xlabel() == "predicted digit" and ax.get_ylabel() == "true digit"
    shown = ax.get_images()[0].get_array()
    assert shown[0, 0] == 0 and shown[1, 0] == 2, "colour only off the diagonal; row = true class"
    ax = plot_batch_timings([1, 10, 100], [2e-5, 5e-6, 1e-6], one_by_one=3e-5, ax=Figure().add_subplot())
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [20.0, 5.0, 1.0])
    axes = plot_digit_grid(np.zeros((7, 784)), [str(k) for k in range(7)], figure=Figure(), columns=3)
    assert len(axes) == 7 and axes[6].get_title() == "6"


# --- 04: the training explorer ---


def fake_model(calls):
    """A stand-in for L_layer_model: records its arguments; the cost decays faster for larger learning rates."""

    def model(X, Y, layer_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False, seed=None):
        calls.append({"layer_dims": list(layer_dims), "learning_rate": learning_rate, "num_iterations": num_iterations,
                      "seed": seed})
        recorded = [i for i in range(num_iterations) if i % 100 == 0 or i == num_iterations - 1]
        if learning_rate > 50:  # "diverges": overflows on purpose, the widget must keep the warning quiet
            costs = [0.7] + [float(np.exp(np.float64(1000.0)))] * (len(recorded) - 1)
        else:
            costs = [0.7 / (1 + learning_rate * i) for i in recorded]
        return {"W1": np.full((layer_dims[1], layer_dims[0]), learning_rate)}, costs

    return model


def cost_line(figure, prefix):
    ax = figure.axes[0]
    for line in ax.get_lines():
        if line.get_label().startswith(prefix):
            return line
    raise AssertionError(f"no line starting with {prefix!r}: {[ln.get_label() for ln in ax.get_lines()]}")


def test_training_explorer_trains_with_the_chosen_hyperparameters():
    from nnlab.widgets import TrainingExplorer

    calls = []
    X, Y = np.zeros((5, 8)), np.ones((1, 8))
    explorer = TrainingExplorer(fake_model(calls), X, Y, [5, 4, 1], learning_rate=0.1, num_iterations=300)
    assert bytes(explorer.image.value[:4]) == b"\x89PNG"
    assert calls == [{"layer_dims": [5, 4, 1], "learning_rate": 0.1, "num_iterations": 300, "seed": 1}]
    line = cost_line(explorer.figure, "now")
    np.testing.assert_allclose(line.get_xdata(), [0, 100, 200, 299])
    np.testing.assert_allclose(line.get_ydata(), [0.7 / (1 + 0.1 * i) for i in [0, 100, 200, 299]])
    assert "final cost" in explorer.status.value

    png_before = explorer.image.value
    explorer.learning_rate.value = 1.0
    assert calls[-1]["learning_rate"] == 1.0 and explorer.image.value != png_before
    assert cost_line(explorer.figure, "now").get_ydata()[-1] == pytest.approx(0.7 / 300)
    before = cost_line(explorer.figure, "before")  # the previous run, drawn for comparison
    assert before.get_ydata()[-1] == pytest.approx(0.7 / (1 + 0.1 * 299)) and before.get_linestyle() == "--"

    explorer.hidden_units.value = 2
    assert calls[-1]["layer_dims"] == [5, 2, 1]
    explorer.iterations.value = 500
    assert calls[-1]["num_iterations"] == 500
    assert len(cost_line(explorer.figure, "now").get_xdata()) == 6


def test_training_explorer_trains_each_setting_once_and_its_texts_match_its_curve():
    from nnlab.widgets import TrainingExplorer

    calls = []
    explorer = TrainingExplorer(fake_model(calls), np.zeros((5, 8)), np.ones((1, 8)), [5, 4, 1], learning_rate=0.1)
    explorer.learning_rate.value = 1.0
    explorer.learning_rate.value = 0.1  # seen before: drawn again without training
    assert [call["learning_rate"] for call in calls] == [0.1, 1.0]
    now = cost_line(explorer.figure, "now")
    assert now.get_label() == "now: α = 0.1, 300 iterations, layers 5-4-1"
    assert "α = 0.1, 300 iterations" in explorer.status.value
    assert f"final cost {now.get_ydata()[-1]:.4g}" in explorer.status.value
    assert explorer.figure.axes[0].get_title() in explorer.status.value
    assert cost_line(explorer.figure, "before").get_label() == "before: α = 1, 300 iterations, layers 5-4-1"


def test_training_explorer_reports_divergence_and_errors_without_warnings():
    import warnings

    from nnlab.widgets import TrainingExplorer

    calls = []
    X, Y = np.zeros((3, 4)), np.zeros((1, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may reach stderr in a notebook
        explorer = TrainingExplorer(fake_model(calls), X, Y, [3, 2, 1])
        explorer.learning_rate.value = 100.0
    assert "diverged" in explorer.status.value
    assert "diverged" in cost_line(explorer.figure, "now").get_label()

    def broken_model(X, Y, layer_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False, seed=None):
        raise NotImplementedError()

    explorer = TrainingExplorer(broken_model, X, Y, [3, 2, 1])
    assert "NotImplementedError" in explorer.status.value


def test_training_explorer_draws_the_decision_boundary_for_two_features_only():
    from nnlab.widgets import TrainingExplorer

    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 20))
    Y = (X[0:1] > 0).astype(float)

    def predict(points, parameters):
        return 1 / (1 + np.exp(-5 * points[0:1]))

    explorer = TrainingExplorer(fake_model([]), X, Y, [2, 3, 1], predict=predict, record_every=100)
    assert len(explorer.figure.axes) == 2 and "accuracy 100.0 %" in explorer.status.value
    explorer = TrainingExplorer(fake_model([]), np.zeros((4, 20)), Y, [4, 3, 1], predict=lambda P, p: P[:1])
    assert len(explorer.figure.axes) == 1
    with pytest.raises(ValueError, match="X must be"):
        TrainingExplorer(fake_model([]), np.zeros((4, 20)), Y, [5, 3, 1])


def test_cost_curves_label_the_log_axis_between_powers_of_ten_and_keep_the_legend_off_the_curves():
    from matplotlib.figure import Figure

    from nnlab.plots import plot_cost_curves

    iterations = np.arange(0, 500, 10)
    noisy = 3 + 7 * (iterations % 20 > 0)
    curves = [("small", iterations, 0.7 - 0.35 * iterations / 500), ("large", iterations, noisy)]
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = plot_cost_curves(curves, ax=figure.add_subplot())
    figure.canvas.draw()
    low, high = ax.get_ylim()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text() and low <= t.get_position()[1] <= high]
    assert {"0.5", "1", "2", "5", "10"} <= set(labels), labels
    legend, axes_box = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.x0 >= axes_box.x1, "with several curves the legend sits right of the axes"
    single = plot_cost_curves(curves[:1], ax=Figure().add_subplot())
    assert single.get_legend() is not None


def test_cost_curves_stop_at_divergence_and_building_blocks_draw_every_layer():
    from matplotlib.figure import Figure

    from nnlab.plots import plot_building_blocks, plot_cost_curves

    ax = plot_cost_curves([("fine", [0, 1, 2], [0.7, 0.5, 0.3]), ("big", [0, 1, 2], [0.7, np.inf, np.nan])],
                          ax=Figure().add_subplot())
    fine, big = (line for line in ax.get_lines() if not line.get_label().startswith("_"))
    assert len(fine.get_xdata()) == 3 and len(big.get_xdata()) == 1
    assert "diverged by iteration 1" in big.get_label() and ax.get_yscale() == "log"
    texts = [t.get_text() for t in plot_building_blocks(4, ax=Figure().add_subplot()).texts]
    assert sum("forward" in t for t in texts) == 4 and sum("backward" in t for t in texts) == 4


def test_a_students_function_that_fails_shows_its_error_in_the_legend():
    def my_relu(z):
        return z[0]  # a bug: a number, not an array

    explorer = ActivationExplorer(yours={"relu": my_relu}, initial="relu")
    legend = [t.get_text() for t in explorer.figure.axes[0].get_legend().get_texts()]
    assert any(text.startswith("your relu: ValueError: returned shape ()") for text in legend), legend


def test_plots_show_hangul_with_the_shipped_font_and_no_warning():
    """A label with Korean renders every glyph from the shipped NanumSquare (no "missing glyph" warning)."""
    import warnings as warnings_module

    from matplotlib.figure import Figure

    from nnlab.plots import HANGUL_FONT, plot_neuron

    assert HANGUL_FONT in matplotlib.rcParams["font.family"]
    figure = Figure(figsize=(6, 3))
    with warnings_module.catch_warnings():
        warnings_module.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        plot_neuron(3, ax=figure.add_subplot())
        figure.canvas.draw()
    texts = " ".join(t.get_text() for t in figure.axes[0].texts)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in texts), texts  # the figure really shows Hangul
    with pytest.raises(ValueError, match="n_inputs must be between 1 and 4"):
        plot_neuron(7, ax=figure.axes[0])
