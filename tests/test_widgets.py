"""The widgets and plots, tested as ipywidgets tests its own: build, set a control's value, check what changed."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from nnlab.activations import ACTIVATIONS, get_activation, saturation_mask
from nnlab.widgets import make_activation_explorer, make_softmax_explorer

matplotlib.use("Agg")


def line_data(figure, label):
    """The y-data of the line labelled ``label`` in the figure's only axes."""
    (ax,) = figure.axes
    for line in ax.get_lines():
        if line.get_label() == label:
            return np.asarray(line.get_ydata())
    raise AssertionError(f"no line labelled {label!r}; labels: {[ln.get_label() for ln in ax.get_lines()]}")


def test_explorer_redraws_when_the_function_changes():
    explorer = make_activation_explorer()
    png_before = explorer.image.value
    assert bytes(png_before[:4]) == b"\x89PNG"
    assert line_data(explorer.figure, "sigmoid(z)").max() < 1.0
    explorer.function.value = "relu"
    assert explorer.image.value != png_before
    relu_values = line_data(explorer.figure, "relu(z)")
    assert relu_values.min() == 0.0 and relu_values.max() == pytest.approx(6.0)


def test_leaky_slope_slider_changes_the_curve_and_is_only_active_for_leaky_relu():
    explorer = make_activation_explorer(initial="leaky_relu")
    assert not explorer.alpha.disabled
    explorer.alpha.value = 0.1
    left_end = line_data(explorer.figure, "leaky_relu(z)")[0]
    explorer.alpha.value = 0.3
    assert line_data(explorer.figure, "leaky_relu(z)")[0] == pytest.approx(3 * left_end)
    explorer.function.value = "tanh"
    assert explorer.alpha.disabled


def test_range_and_derivative_controls():
    explorer = make_activation_explorer(initial="tanh")
    explorer.z_range.value = (-2.0, 3.0)
    assert explorer.figure.axes[0].get_xlim() == (-2.0, 3.0)
    explorer.show_derivative.value = False
    labels = [line.get_label() for line in explorer.figure.axes[0].get_lines()]
    assert "tanh'(z)" not in labels and "tanh(z)" in labels


def test_saturation_is_marked_on_sigmoid_tails_and_not_on_identity():
    explorer = make_activation_explorer(initial="sigmoid")
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

    explorer = make_activation_explorer(yours={"sigmoid": my_sigmoid, "sigmoid_derivative": my_sigmoid_derivative})
    np.testing.assert_allclose(line_data(explorer.figure, "your sigmoid"), line_data(explorer.figure, "sigmoid(z)"))
    legend = [t.get_text() for t in explorer.figure.axes[0].get_legend().get_texts()]
    assert any("your sigmoid'" in text and "NotImplementedError" in text for text in legend), legend
    explorer.compare.value = False
    assert "your sigmoid" not in [ln.get_label() for ln in explorer.figure.axes[0].get_lines()]


def test_unknown_names_are_rejected_clearly():
    with pytest.raises(ValueError, match="unknown activation names \\['sigmod'\\]"):
        make_activation_explorer(yours={"sigmod": np.tanh})
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        get_activation("swish")


def test_softmax_explorer_is_shift_invariant_but_responds_to_scores():
    explorer = make_softmax_explorer()
    heights = [bar.get_height() for bar in explorer.figure.axes[0].patches]
    assert sum(heights) == pytest.approx(1.0)
    explorer.shift.value = 1000.0  # without the max trick exp(1004) would overflow
    assert [bar.get_height() for bar in explorer.figure.axes[0].patches] == pytest.approx(heights)
    explorer.scores[0].value = 9.0
    assert explorer.figure.axes[0].patches[0].get_height() > 0.9


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_reference_derivatives_agree_with_finite_differences(name):
    """The reference curves are checked against a second method, not against themselves."""
    activation = ACTIVATIONS[name]
    z = np.linspace(-5, 5, 101)
    z = z[np.abs(z) > 1e-3]  # the kink at 0 has no derivative
    h = 1e-6
    numerical = (activation.function(z + h, 0.05) - activation.function(z - h, 0.05)) / (2 * h)
    np.testing.assert_allclose(activation.derivative(z, 0.05), numerical, atol=1e-5)


def test_saturation_mask_threshold():
    mask = saturation_mask(np.array([1.0, 0.5, 0.04, 0.0]))
    assert mask.tolist() == [False, False, True, True]
