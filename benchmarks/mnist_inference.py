"""Benchmark: inference of the shipped 784-50-100-10 MNIST network, one image at a time against batches.

A script, not a test (timings depend on the machine and its load). For the 10,000 test images it prints the
accuracy, the time of the one-by-one loop, the time for each batch size, the best batched time as a multiple
of the bare matrix products it needs (``W1 @ X``, ``W2 @ A1``, ``W3 @ A2`` on all images at once: the floor
numpy can reach here), and the speed-up of batching. Each time is the best of ``--repeats`` runs.

    python benchmarks/mnist_inference.py
    python benchmarks/mnist_inference.py --repeats 5 --batch-sizes 1 10 100 1000 10000
    python benchmarks/mnist_inference.py --threads 1      # one BLAS thread (set before numpy is imported)

On a busy machine, OpenBLAS's threads wait for each other on mid-sized products (batches of 100 to 1000):
compare with ``--threads 1``.

The forward pass here is the instructor's reference (sigmoid, sigmoid, softmax in the column convention);
it lives in this script, not in the nnlab package that students read.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

if "--threads" in sys.argv[1:-1]:  # must be set before numpy starts its BLAS
    _threads = sys.argv[sys.argv.index("--threads") + 1]
    for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_variable] = _threads

import numpy as np  # noqa: E402

from nnlab.data import load_mnist, load_pretrained_network  # noqa: E402


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def forward(network, X):
    """(784, m) -> (10, m) softmax probabilities."""
    A1 = sigmoid(network["W1"] @ X + network["b1"])
    A2 = sigmoid(network["W2"] @ A1 + network["b2"])
    Z3 = network["W3"] @ A2 + network["b3"]
    E = np.exp(Z3 - Z3.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def correct_one_by_one(network, X, t):
    correct = 0
    for j in range(X.shape[1]):
        if np.argmax(forward(network, X[:, j : j + 1])) == t[j]:
            correct += 1
    return correct


def correct_in_batches(network, X, t, batch_size):
    correct = 0
    for start in range(0, X.shape[1], batch_size):
        Y = forward(network, X[:, start : start + batch_size])
        correct += int(np.sum(Y.argmax(axis=0) == t[start : start + batch_size]))
    return correct


def bare_products(network, X, A1, A2):
    """Only the three matrix products of the forward pass on all images, with precomputed inputs."""
    network["W1"] @ X
    network["W2"] @ A1
    network["W3"] @ A2


def best_time(function, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def blas_description():
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # older numpy: no dict mode
        return "unknown BLAS"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="time each variant this many times, keep the best")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 10, 100, 1000, 10000])
    parser.add_argument("--threads", type=int, default=None, help="number of BLAS threads (default: numpy's)")
    args = parser.parse_args(argv)

    (_, _), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot_label=False)
    X = np.ascontiguousarray(x_test.T)  # (784, 10000) float32, one image per column
    network = load_pretrained_network()
    m = X.shape[1]
    print(f"MNIST inference benchmark: {m} test images, network 784-50-100-10 (float32), best of {args.repeats}")
    print(
        f"numpy {np.__version__} with {blas_description()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}, "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )

    one_seconds, one_correct = best_time(lambda: correct_one_by_one(network, X, t_test), args.repeats)
    print(f"\naccuracy: {one_correct / m:.4f} ({one_correct} of {m})")
    print(f"one by one:        {one_seconds:8.4f} s  {1e6 * one_seconds / m:8.2f} µs per image")

    results = {}
    for size in args.batch_sizes:
        seconds, correct = best_time(lambda size=size: correct_in_batches(network, X, t_test, size), args.repeats)
        assert correct == one_correct, f"batch size {size} gives {correct} right answers, one by one {one_correct}"
        results[size] = seconds
        print(
            f"batch size {size:>6}: {seconds:8.4f} s  {1e6 * seconds / m:8.2f} µs per image  "
            f"{one_seconds / seconds:6.1f}x faster than one by one"
        )

    A1 = sigmoid(network["W1"] @ X + network["b1"])
    A2 = sigmoid(network["W2"] @ A1 + network["b2"])
    floor_seconds, _ = best_time(lambda: bare_products(network, X, A1, A2), max(args.repeats, 5))
    best_size = min(results, key=results.get)
    print(f"\nbare matrix products (W1 @ X, W2 @ A1, W3 @ A2 on all {m} images): {floor_seconds:.4f} s")
    print(
        f"best batch size {best_size}: {results[best_size]:.4f} s = {results[best_size] / floor_seconds:.1f}x the bare "
        f"matrix products; speed-up of batching: {one_seconds / results[best_size]:.1f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
