"""Write ``nnlab/resources/activation_curves.npz``: the reference activation curves the lectures draw.

The student package must not hold anything that computes assignment 01's functions, so the curves
are computed here (instructor side) on one fixed grid and stored at picture precision (float16,
about three significant digits): plenty to draw a curve, useless as an answer to a test that
compares to many more digits. Leaky ReLU is stored for each slope the activation explorer offers.

    python -m tools.activation_curves
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .course import REPO_ROOT

OUTPUT = REPO_ROOT / "nnlab" / "resources" / "activation_curves.npz"
Z_MIN, Z_MAX, NUM_POINTS = -12.0, 12.0, 960  # a step of about 0.025; no point at z = 0, where the kinks are
LEAKY_SLOPES = (0.0, 0.01, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def reference_curves(z: np.ndarray) -> dict[str, np.ndarray]:
    """Every curve (and derivative) of the course on the grid ``z``, in full precision."""
    sigmoid = 0.5 * (1.0 + np.tanh(0.5 * z))
    tanh = np.tanh(z)
    curves = {
        "step": (z > 0).astype(float),
        "step_derivative": np.zeros_like(z),
        "sigmoid": sigmoid,
        "sigmoid_derivative": sigmoid * (1.0 - sigmoid),
        "tanh": tanh,
        "tanh_derivative": 1.0 - tanh**2,
        "relu": np.where(z > 0, z, 0.0),
        "relu_derivative": (z > 0).astype(float),
        "identity": z.copy(),
        "identity_derivative": np.ones_like(z),
    }
    curves["leaky_relu"] = np.stack([np.where(z > 0, z, a * z) for a in LEAKY_SLOPES])
    curves["leaky_relu_derivative"] = np.stack([np.where(z > 0, 1.0, a) for a in LEAKY_SLOPES])
    return curves


def write(path: Path = OUTPUT) -> Path:
    z = np.linspace(Z_MIN, Z_MAX, NUM_POINTS)
    stored = {name: values.astype(np.float16) for name, values in reference_curves(z).items()}
    np.savez_compressed(
        path, z_range=np.array([Z_MIN, Z_MAX]), num_points=np.array(NUM_POINTS),
        leaky_slopes=np.array(LEAKY_SLOPES), **stored,
    )
    return path


if __name__ == "__main__":
    print(f"wrote {write()}")
