"""Reference activation curves for the lectures' plots and the activation explorer: pictures, not functions.

Assignment 01 asks you to write these activations yourself, so this package holds no code that
computes them. The curves were computed once, on one fixed grid of z values, and are stored at
picture precision (three significant digits, ``resources/activation_curves.npz``): enough to draw
them, not enough to stand in for your functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class Activation:
    """How the course names and describes one element-wise activation."""

    name: str
    formula: str  # LaTeX, for titles and legends
    output_range: str


ACTIVATIONS = {
    a.name: a
    for a in [
        Activation("step", r"$h(z) = 1$ if $z > 0$ else $0$", "{0, 1}"),
        Activation("sigmoid", r"$\sigma(z) = \frac{1}{1 + e^{-z}}$", "(0, 1)"),
        Activation("tanh", r"$\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}$", "(-1, 1)"),
        Activation("relu", r"$\mathrm{ReLU}(z) = \max(0, z)$", "[0, inf)"),
        Activation("leaky_relu", r"$\mathrm{LeakyReLU}(z) = \max(\alpha z, z)$", "(-inf, inf)"),
        Activation("identity", r"$h(z) = z$", "(-inf, inf)"),
    ]
}


def get_activation(name: str) -> Activation:
    """Look up an activation by name, with a clear error listing the known names."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}") from None


@cache
def _stored() -> dict[str, np.ndarray]:
    with resources.files("nnlab").joinpath("resources/activation_curves.npz").open("rb") as f, np.load(f) as data:
        return {key: data[key] for key in data.files}


def leaky_slopes() -> tuple[float, ...]:
    """The slopes alpha for which leaky ReLU's curve is stored (the explorer's slider offers these)."""
    return tuple(float(a) for a in _stored()["leaky_slopes"])


def z_limits() -> tuple[float, float]:
    """The widest z range the stored curves cover."""
    low, high = _stored()["z_range"]
    return float(low), float(high)


def reference_curve(name: str, z_range=(-6.0, 6.0), alpha=0.01):
    """The stored curve of activation ``name`` over ``z_range``: arrays ``(z, g(z), g'(z))`` to draw.

    The z values are the fixed grid's points inside ``z_range``; leaky ReLU needs an ``alpha`` that
    `leaky_slopes` lists.
    """
    get_activation(name)
    data = _stored()
    low, high = z_limits()
    if not (low <= z_range[0] < z_range[1] <= high):
        raise ValueError(f"z_range must lie within ({low:g}, {high:g}) with its start below its end; got {z_range}")
    grid = np.linspace(low, high, int(data["num_points"]))
    inside = (grid >= z_range[0] - 1e-9) & (grid <= z_range[1] + 1e-9)
    values, slopes = data[name], data[f"{name}_derivative"]
    if name == "leaky_relu":
        matches = np.flatnonzero(np.isclose(data["leaky_slopes"], alpha))
        if not matches.size:
            raise ValueError(f"leaky ReLU's curve is stored for alpha in {leaky_slopes()}, not {alpha}")
        values, slopes = values[matches[0]], slopes[matches[0]]
    return grid[inside], values[inside].astype(float), slopes[inside].astype(float)


def saturation_mask(derivative_values: np.ndarray, threshold: float = 0.05) -> np.ndarray:
    """Where the gradient is below ``threshold`` of its peak: learning barely moves there.

    For sigmoid and tanh these are the flat tails; for ReLU the whole negative side
    (a unit stuck there gets no gradient at all); for the step function everywhere.
    """
    d = np.abs(np.asarray(derivative_values, dtype=float))
    peak = d.max() if d.size and d.max() > 0 else 1.0
    return d < threshold * peak
