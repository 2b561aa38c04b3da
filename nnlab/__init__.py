"""nnlab: the helper package of the deep neural networks course (data, plots, widgets, test-cell checks)."""

from .data import load_mnist

__version__ = "0.1.0"
__all__ = ["load_mnist"]
