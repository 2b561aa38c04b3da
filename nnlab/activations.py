"""Reference activation curves for the course's plots and widgets.

These draw the curves that the lecture shows and that the activation explorer
puts beside a student's own implementation. Assignment 01 asks you to write
these functions yourself: reading them here first spoils the exercise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Activation:
    """One element-wise activation: its curve, its derivative and how to describe it."""

    name: str
    formula: str  # LaTeX, for titles and legends
    function: Callable[[np.ndarray, float], np.ndarray]
    derivative: Callable[[np.ndarray, float], np.ndarray]
    output_range: str

    def __repr__(self) -> str:
        return f"Activation({self.name!r}, range {self.output_range})"


def _sigmoid(z, alpha=0.0):
    # Written in terms of exp(-|z|) so that no input overflows.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_derivative(z, alpha=0.0):
    s = _sigmoid(z)
    return s * (1.0 - s)


ACTIVATIONS = {
    a.name: a
    for a in [
        Activation(
            "step",
            r"$h(z) = 1$ if $z > 0$ else $0$",
            lambda z, alpha=0.0: (z > 0).astype(float),
            lambda z, alpha=0.0: np.zeros_like(z, dtype=float),
            "{0, 1}",
        ),
        Activation(
            "sigmoid",
            r"$\sigma(z) = \frac{1}{1 + e^{-z}}$",
            _sigmoid,
            _sigmoid_derivative,
            "(0, 1)",
        ),
        Activation(
            "tanh",
            r"$\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}$",
            lambda z, alpha=0.0: np.tanh(z),
            lambda z, alpha=0.0: 1.0 - np.tanh(z) ** 2,
            "(-1, 1)",
        ),
        Activation(
            "relu",
            r"$\mathrm{ReLU}(z) = \max(0, z)$",
            lambda z, alpha=0.0: np.maximum(0.0, z),
            lambda z, alpha=0.0: (z > 0).astype(float),
            "[0, inf)",
        ),
        Activation(
            "leaky_relu",
            r"$\mathrm{LeakyReLU}(z) = \max(\alpha z, z)$",
            lambda z, alpha=0.01: np.where(z > 0, z, alpha * z),
            lambda z, alpha=0.01: np.where(z > 0, 1.0, alpha),
            "(-inf, inf)",
        ),
        Activation(
            "identity",
            r"$h(z) = z$",
            lambda z, alpha=0.0: np.asarray(z, dtype=float).copy(),
            lambda z, alpha=0.0: np.ones_like(z, dtype=float),
            "(-inf, inf)",
        ),
    ]
}


def get_activation(name: str) -> Activation:
    """Look up an activation by name, with a clear error listing the known names."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}") from None


def saturation_mask(derivative_values: np.ndarray, threshold: float = 0.05) -> np.ndarray:
    """Where the gradient is below ``threshold`` of its peak: learning barely moves there.

    For sigmoid and tanh these are the flat tails; for ReLU the whole negative side
    (a unit stuck there gets no gradient at all); for the step function everywhere.
    """
    d = np.abs(np.asarray(derivative_values, dtype=float))
    peak = d.max() if d.size and d.max() > 0 else 1.0
    return d < threshold * peak
