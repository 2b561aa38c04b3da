"""Plotting functions used by the lectures and widgets; each takes ``ax=None`` and returns the axes."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .activations import get_activation, saturation_mask

FUNCTION_COLOR = "tab:blue"
DERIVATIVE_COLOR = "tab:orange"
YOURS_COLOR = "black"


def _contiguous_regions(mask: np.ndarray):
    """Yield (start, stop) index pairs of the runs of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return zip(edges[::2], edges[1::2] - 1, strict=True)


def plot_activation(
    name,
    ax=None,
    z_range=(-6.0, 6.0),
    alpha=0.01,
    show_derivative=True,
    mark_saturation=True,
    yours=None,
    yours_derivative=None,
    num_points=601,
):
    """Draw an activation (and its derivative) over ``z_range``; overlay the student's versions if given.

    ``yours`` and ``yours_derivative`` are callables taking an array ``z``
    (leaky ReLU's are also passed ``alpha``). If one raises, the error is shown
    in the legend instead of stopping the plot.
    """
    activation = get_activation(name)
    if ax is None:
        ax = plt.gca()
    z = np.linspace(z_range[0], z_range[1], num_points)
    values = activation.function(z, alpha)
    slope = activation.derivative(z, alpha)

    if mark_saturation:
        for k, (start, stop) in enumerate(_contiguous_regions(saturation_mask(slope))):
            ax.axvspan(
                z[start],
                z[stop],
                color="tab:red",
                alpha=0.12,
                lw=0,
                label="gradient < 5% of its peak" if k == 0 else None,
            )

    ax.plot(z, values, color=FUNCTION_COLOR, lw=2.5, label=f"{name}(z)")
    if show_derivative:
        ax.plot(z, slope, color=DERIVATIVE_COLOR, lw=2, label=f"{name}'(z)")

    extra = {"alpha": alpha} if name == "leaky_relu" else {}
    for student_fn, label, wanted in [
        (yours, f"your {name}", True),
        (yours_derivative, f"your {name}'", show_derivative),
    ]:
        if student_fn is None or not wanted:
            continue
        try:
            student_values = np.asarray(student_fn(z.copy(), **extra), dtype=float)
            if student_values.shape != z.shape:
                raise ValueError(f"returned shape {student_values.shape}, expected {z.shape}")
            ax.plot(z, student_values, color=YOURS_COLOR, ls="--", lw=1.5, label=label)
        except Exception as error:  # show the student's error in the legend instead of failing
            ax.plot([], [], " ", label=f"{label}: {type(error).__name__}: {error}"[:70])

    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlim(z_range)
    ax.set_xlabel("z")
    ax.set_title(f"{name}: {activation.formula}   range {activation.output_range}")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def plot_curves(names, ax=None, z_range=(-6.0, 6.0), alpha=0.1, title=None, num_points=601):
    """Draw several reference activations on one pair of axes, to compare their shapes."""
    if ax is None:
        ax = plt.gca()
    z = np.linspace(z_range[0], z_range[1], num_points)
    for k, name in enumerate(names):
        label = f"{name} (alpha = {alpha:g})" if name == "leaky_relu" else name
        ax.plot(z, get_activation(name).function(z, alpha), ls=["-", "--", ":", "-."][k % 4], lw=2, label=label)
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set(xlabel="z", ylabel="g(z)", title=title or " vs ".join(names))
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def plot_softmax(scores, ax=None, labels=None, title="softmax turns scores into probabilities"):
    """Bar chart of softmax(scores) beside the raw scores, as probabilities that sum to 1."""
    scores = np.asarray(scores, dtype=float)
    if ax is None:
        ax = plt.gca()
    shifted = np.exp(scores - scores.max())
    probabilities = shifted / shifted.sum()
    labels = labels or [f"class {i}" for i in range(len(scores))]
    bars = ax.bar(labels, probabilities, color=FUNCTION_COLOR)
    for bar, p, s in zip(bars, probabilities, scores, strict=True):
        ax.annotate(
            f"{p:.3f}\n(score {s:g})",
            (bar.get_x() + bar.get_width() / 2, p),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("probability")
    ax.set_title(title)
    return ax


def figure_to_png(figure: Figure) -> bytes:
    """Render a matplotlib figure to PNG bytes (what the widgets show in an Image)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()
