"""The figures of lecture 04 and assignment 04: the computation graph of a two-layer network, the idea → code →
experiment loop, and the validation accuracies of a hyperparameter search."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from nnlab.plots import (
    BACKWARD_COLOR,
    CHOSEN_COLOR,
    FUNCTION_COLOR,
    figure_to_png,
    plot_computation_graph,
    plot_experiment_loop,
    plot_search_results,
)

matplotlib.use("Agg")

VALUES = {"x": 1.5, "w1": 0.8, "b1": -0.5, "z1": 0.7, "a1": 0.604, "w2": -1.2, "b2": 0.3, "z2": -0.425,
          "a2": 0.395, "y": 1.0, "loss": 0.928}
GRADIENTS = {"dw1": 0.691, "db1": 0.461, "dz1": 0.461, "da1": 0.726, "dw2": -0.365, "db2": -0.605, "dz2": -0.605,
             "da2": -2.53}


def texts_in(ax, color=None) -> list[str]:
    return [t.get_text() for t in ax.texts if color is None or to_rgba(t.get_color()) == to_rgba(color)]


def test_the_graph_writes_every_forward_value_in_blue_and_every_gradient_in_orange():
    ax = Figure(figsize=(12, 5)).add_subplot()
    assert plot_computation_graph(VALUES, GRADIENTS, ax=ax) is ax
    blue, orange = texts_in(ax, FUNCTION_COLOR), texts_in(ax, BACKWARD_COLOR)
    for value in VALUES.values():
        assert f"= {value:.3g}" in blue, (value, blue)
    for value in GRADIENTS.values():
        assert f"= {value:.3g}" in orange, (value, orange)
    formulas = " ".join(orange)
    for chain_rule in ("dz^{[2]}\\, a^{[1]}", "da^{[1]} = dz^{[2]}\\, w^{[2]}", "a^{[2]}(1 - a^{[2]})"):
        assert chain_rule in formulas, formulas  # each gradient as the gradient that arrives times a local one
    assert bytes(figure_to_png(ax.get_figure())[:4]) == b"\x89PNG"


def test_the_graph_computes_nothing_it_writes_what_it_is_given():
    """Numbers that do not fit together are shown as given: the lecture computes them, not the package."""
    odd = {key: 100.0 + k for k, key in enumerate(VALUES)}
    ax = plot_computation_graph(odd, {"dz1": "(n1, m)"}, ax=Figure().add_subplot())
    blue, orange = texts_in(ax, FUNCTION_COLOR), texts_in(ax, BACKWARD_COLOR)
    assert sorted(blue) == sorted(f"= {value:.3g}" for value in odd.values())
    assert [text for text in orange if text.startswith("= ")] == ["= (n1, m)"]


def test_the_graph_without_numbers_draws_the_formulas_only():
    ax = plot_computation_graph(ax=Figure().add_subplot())
    assert not [text for text in texts_in(ax) if text.startswith("= ")]
    assert any("\\tanh" in text for text in texts_in(ax)) and any("\\sigma" in text for text in texts_in(ax))
    arrows = [t.arrow_patch for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    backward = [arrow for arrow in arrows if to_rgba(arrow.get_edgecolor()) == to_rgba(BACKWARD_COLOR)]
    assert len(backward) == 4, "one backward arrow between each pair of neighbouring operations, x left out"


@pytest.mark.parametrize("values, gradients", [({"W1": 1.0}, None), (None, {"dx": 1.0})])
def test_the_graph_refuses_unknown_names_clearly(values, gradients):
    with pytest.raises(ValueError, match="unknown"):
        plot_computation_graph(values, gradients, ax=Figure().add_subplot())


def test_the_experiment_loop_has_three_steps_joined_in_a_cycle():
    ax = Figure(figsize=(6, 4.5)).add_subplot()
    assert plot_experiment_loop(ax=ax) is ax
    assert {"Idea", "Code", "Experiment"} <= set(texts_in(ax))
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == 3
    tips = {tuple(np.round(a.xy, 2)) for a in arrows}
    tails = {tuple(np.round(a.xyann, 2)) for a in arrows}
    assert tips == tails, "every step is the end of one arrow and the start of the next"
    assert bytes(figure_to_png(ax.get_figure())[:4]) == b"\x89PNG"


def test_both_figures_draw_on_the_current_axes_without_ax():
    import matplotlib.pyplot as plt

    figure = plt.figure()
    try:
        assert plot_experiment_loop() is plt.gca()
        assert plot_computation_graph(VALUES) is plt.gca()
    finally:
        plt.close(figure)


SEARCH = {(0.01, 1): 0.885, (0.01, 4): 0.96, (0.1, 1): 0.97, (0.1, 4): 0.985, (1.0, 1): 0.99, (1.0, 4): 0.995}


def test_the_search_heatmap_writes_every_accuracy_in_its_cell_and_outlines_the_choice_it_is_given():
    ax = Figure(figsize=(6, 4)).add_subplot()
    best = (0.1, 1)  # not the highest: the plot marks the choice it is given, it does not choose
    assert plot_search_results(SEARCH, best=best, ax=ax) is ax
    written = {(round(t.get_position()[0]), round(t.get_position()[1])): t.get_text() for t in ax.texts}
    rates, sizes = [0.01, 0.1, 1.0], [1, 4]  # columns, rows
    for (rate, size), accuracy in SEARCH.items():
        text = written[(rates.index(rate), sizes.index(size))]
        assert text.startswith(f"{100 * accuracy:.1f} %"), (rate, size, text)
        assert ("chosen" in text) == ((rate, size) == best), text
    (outline,) = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert outline.get_xy() == (rates.index(0.1) - 0.5, sizes.index(1) - 0.5)
    assert to_rgba(outline.get_edgecolor()) == to_rgba(CHOSEN_COLOR)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.01", "0.1", "1"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "4"]
    assert "learning rate" in ax.get_xlabel() and "n^{[1]}" in ax.get_ylabel()
    assert bytes(figure_to_png(ax.get_figure())[:4]) == b"\x89PNG"


def test_the_search_heatmap_without_a_choice_outlines_nothing_and_shows_missing_pairs():
    partial = {key: value for key, value in SEARCH.items() if key != (1.0, 4)}
    ax = plot_search_results(partial, ax=Figure().add_subplot())
    assert not [p for p in ax.patches if isinstance(p, Rectangle)]
    assert "not run" in texts_in(ax) and not any("chosen" in text for text in texts_in(ax))


@pytest.mark.parametrize("results, best", [({}, None), ({0.1: 0.9}, None), ({(0.1, 4): 0.9}, (0.1, 8))])
def test_the_search_heatmap_refuses_unclear_input(results, best):
    with pytest.raises(ValueError, match="results|best"):
        plot_search_results(results, best=best, ax=Figure().add_subplot())
