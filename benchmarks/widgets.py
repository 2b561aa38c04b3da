"""Redraw time of every lecture widget (a script that prints numbers, not a test).

    python benchmarks/widgets.py [--rounds N] [--save DIR]

Each widget of ``nnlab.widgets`` is built with the lectures' own inputs: the shipped MNIST test set with
the pre-trained network's probabilities, and the activations, softmax and two-layer trainer the lectures
write (written again here: the package computes none of them). Then every control of every widget goes
through its range, several values each, ``--rounds`` times; a redraw is timed from setting the value to
the new PNG being in the widget, as in a notebook minus the trip to the browser. The training explorer
retrains on a new setting (and remembers the ones it trained): its time includes the lecture's training,
and a second line gives the same redraws without it, measured by timing the model inside them.

Prints per widget the median and 95th-percentile redraw time, then the machine's load, and last the worst
median and p95 over every line above (the training explorer's redraws with their training included).
Goal: a median under 150 ms and a p95 under 300 ms on a busy 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: nnlab importable from the repository
from benchmarks.mnist_inference import forward as mnist_probabilities  # noqa: E402  (lecture 05's forward pass)
from nnlab.data import load_mnist, load_pretrained_network  # noqa: E402
from nnlab.widgets import (  # noqa: E402
    ActivationExplorer,
    DigitBrowser,
    InitializationExplorer,
    MistakeGallery,
    ShapeExplorer,
    SoftmaxExplorer,
    TrainingExplorer,
)

GOAL_MEDIAN_MS, GOAL_P95_MS = 150, 300


# --- what the lectures write (01, 02, 04, 05), for the widgets to show -----------------------------------------


def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


LECTURE_ACTIVATIONS = {  # lecture 01's functions, as the assignment passes them to the activation explorer
    "step": lambda z: (z > 0).astype(float),
    "sigmoid": sigmoid,
    "sigmoid_derivative": lambda z: sigmoid(z) * (1 - sigmoid(z)),
    "tanh": np.tanh,
    "tanh_derivative": lambda z: 1 - np.tanh(z) ** 2,
    "relu": lambda z: np.maximum(0.0, z),
    "relu_derivative": lambda z: (z > 0).astype(float),
    "leaky_relu": lambda z, alpha=0.01: np.where(z > 0, z, alpha * z),
    "leaky_relu_derivative": lambda z, alpha=0.01: np.where(z > 0, 1.0, alpha),
    "identity": lambda z: z,
}

EXPLORER_ACTIVATIONS = {  # lecture 02's pairs (g, g') for the initialisation explorer
    "tanh": (np.tanh, LECTURE_ACTIVATIONS["tanh_derivative"]),
    "sigmoid": (sigmoid, LECTURE_ACTIVATIONS["sigmoid_derivative"]),
    "relu": (LECTURE_ACTIVATIONS["relu"], LECTURE_ACTIVATIONS["relu_derivative"]),
}


def softmax_1d(z):
    exp_z = np.exp(z - z.max())
    return exp_z / exp_z.sum()


def make_moons(m, noise=0.3, seed=0):
    """Lecture 04's data: two interleaving half circles, X (2, m), Y (1, m)."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, np.pi, m)
    label = rng.integers(0, 2, m)
    x1 = np.where(label == 0, np.cos(angle), 1 - np.cos(angle))
    x2 = np.where(label == 0, np.sin(angle), 0.5 - np.sin(angle))
    X = np.vstack([x1, x2]) + noise * rng.standard_normal((2, m))
    return X - X.mean(axis=1, keepdims=True), label.reshape(1, -1).astype(float)


def forward_two_layer(X, parameters):
    A1 = np.tanh(parameters["W1"] @ X + parameters["b1"])
    return A1, sigmoid(parameters["W2"] @ A1 + parameters["b2"])


def train_two_layer(X, Y, layer_dims, learning_rate=1.0, num_iterations=500, seed=0):
    """Lecture 04's trainer: gradient descent on a 2-layer network, the cost recorded every 10 iterations."""
    n0, n1, n2 = layer_dims
    m = X.shape[1]
    rng = np.random.default_rng(seed)
    parameters = {"W1": rng.standard_normal((n1, n0)) * 0.5, "b1": np.zeros((n1, 1)),
                  "W2": rng.standard_normal((n2, n1)) * 0.5, "b2": np.zeros((n2, 1))}
    costs = []
    for i in range(num_iterations):
        A1, A2 = forward_two_layer(X, parameters)
        if i % 10 == 0 or i == num_iterations - 1:
            A2_safe = np.clip(A2, 1e-12, 1 - 1e-12)
            costs.append(float(-np.mean(Y * np.log(A2_safe) + (1 - Y) * np.log(1 - A2_safe))))
        dZ2 = A2 - Y
        dW2, db2 = dZ2 @ A1.T / m, np.sum(dZ2, axis=1, keepdims=True) / m
        dZ1 = (parameters["W2"].T @ dZ2) * (1 - A1**2)
        dW1, db1 = dZ1 @ X.T / m, np.sum(dZ1, axis=1, keepdims=True) / m
        for name, gradient in [("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)]:
            parameters[name] = parameters[name] - learning_rate * gradient
    return parameters, costs


# --- the widgets and the values their controls go through -----------------------------------------------------


def build_widgets(training_seconds):
    """(name, widget, [(control name, values), ...]) for every widget, built as the lectures build them."""
    (_, _), (x_test, t_test) = load_mnist(normalize=True, flatten=True)
    probabilities = mnist_probabilities(load_pretrained_network(), x_test.T)
    X_moons, Y_moons = make_moons(300)

    def timed_model(*args, **kwargs):  # the training explorer's model, timed so its draw can be told apart
        start = time.perf_counter()
        try:
            return train_two_layer(*args, **kwargs)
        finally:
            training_seconds.append(time.perf_counter() - start)

    sweeps = [
        ("ActivationExplorer", lambda: ActivationExplorer(yours=LECTURE_ACTIVATIONS), [
            ("function", ["relu", "tanh", "step", "identity", "leaky_relu"]),
            ("alpha", [0.01, 0.05, 0.2, 0.3, 0.1]),
            ("z_range", [(-2.0, 2.0), (-10.0, 10.0), (-4.0, 1.0), (-6.0, 6.0)]),
            ("show_derivative", [False, True]),
            ("mark_saturation", [False, True]),
            ("compare", [False, True]),
            ("function", ["sigmoid"]),
        ]),
        ("SoftmaxExplorer", lambda: SoftmaxExplorer(softmax_1d), [
            ("score_0", [-5.0, 5.0, 0.3]),
            ("score_1", [-10.0, 10.0, 2.9]),
            ("score_2", [0.0, 9.9, 4.0]),
            ("shift", [-1000.0, -10.0, 500.0, 1000.0, 0.0]),
        ]),
        ("InitializationExplorer", lambda: InitializationExplorer(EXPLORER_ACTIVATIONS, scale=0.01, depth=6), [
            ("scale", [0.001, 0.0316, 0.1, 0.316, 1.0, 3.16, 10.0, 0.01]),
            ("depth", [2, 3, 4, 5, 7, 8, 6]),
            ("scheme", ["zeros", "constant", "LeCun", "He", "random"]),
            ("activation", ["sigmoid", "relu", "tanh"]),
        ]),
        ("ShapeExplorer", lambda: ShapeExplorer("4, 5, 3, 1", m=10), [
            ("layer", [2, 3, 1]),
            ("m", [1, 7, 64, 1000, 10]),
            ("sizes", ["2, 3, 2, 2", "784, 128, 64, 32, 16, 8, 4, 1", "4, x", "784, 50, 100, 10", "4, 5, 3, 1"]),
            ("layer", [3, 2]),
        ]),
        ("DigitBrowser", lambda: DigitBrowser(x_test, t_test, probabilities), [
            ("index", [1, 2, 8, 247, 1000, 4999, 9999, 0]),
        ]),
        ("MistakeGallery", lambda: MistakeGallery(x_test, t_test, probabilities), [
            ("true_digit", [0, 1, 2, 3, 5, 7, 9, -1]),
            ("predicted_digit", [0, 4, 6, 8, 9, -1]),
            ("true_digit", [1]),
            ("predicted_digit", [1, -1]),  # a 1 predicted as 1 is no mistake: the "no mistakes" message
        ]),
        ("TrainingExplorer", lambda: TrainingExplorer(
            timed_model, X_moons, Y_moons, [2, 8, 1],
            predict=lambda X, parameters: forward_two_layer(X, parameters)[1],
            learning_rate=1.0, num_iterations=500, seed=0, record_every=10), [
            ("learning_rate", [0.01, 0.1, 0.3, 3.0, 10.0, 100.0, 1.0]),
            ("iterations", [100, 200, 1000, 2000, 500]),
            ("hidden_units", [1, 2, 4, 16, 32, 8]),
        ]),
    ]
    return sweeps


def percentile(values, q):
    return float(np.percentile(values, q))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="times every control goes through its values")
    parser.add_argument("--save", type=Path, help="write each widget's last picture here as <widget>.png")
    args = parser.parse_args(argv)
    training_seconds = []
    rows = []  # (label, build time or None, redraw times), all in ms
    print(f"{'widget':<48} {'build ms':>9} {'redraws':>8} {'median ms':>10} {'p95 ms':>8}")
    for name, build, controls in build_widgets(training_seconds):
        start = time.perf_counter()
        widget = build()
        built_ms = 1e3 * (time.perf_counter() - start)
        times, trainings = [], []
        for _ in range(args.rounds):
            for control, values in controls:
                for value in values:
                    training_seconds.clear()
                    start = time.perf_counter()
                    widget.controls[control].value = value
                    times.append(1e3 * (time.perf_counter() - start))
                    trainings.append(1e3 * sum(training_seconds))
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"{name}.png").write_bytes(widget.image.value)
        if any(trainings):
            rows.append((f"{name} (with the lecture's training)", built_ms, times))
            drawing = [t - s for t, s in zip(times, trainings, strict=True)]
            rows.append((f"{name} (without the training)", None, drawing))
        else:
            rows.append((name, built_ms, times))
        for label, built, values in rows[-2 if any(trainings) else -1 :]:
            built_text = "" if built is None else f"{built:.0f}"
            print(f"{label:<48} {built_text:>9} {len(values):>8} {np.median(values):>10.0f} "
                  f"{percentile(values, 95):>8.0f}", flush=True)
    worst_median = max(np.median(values) for _, _, values in rows)
    worst_p95 = max(percentile(values, 95) for _, _, values in rows)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    print(f"goal: median under {GOAL_MEDIAN_MS} ms, p95 under {GOAL_P95_MS} ms per widget")
    print(f"worst median {worst_median:.0f} ms, worst p95 {worst_p95:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
