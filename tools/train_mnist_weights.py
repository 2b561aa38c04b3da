"""Train the course's pre-trained MNIST network (784-50-100-10) with numpy alone and ship it as .npz.

Instructor tool (students never need it). The network is the one of "Deep Learning from
Scratch", chapter 3: two sigmoid hidden layers of 50 and 100 units and a softmax output.
It is trained with cross-entropy on the 60,000 shipped training images in mini-batches
with Adam and an exponentially decaying learning rate, each training image moved by up to one
pixel at random (data augmentation: it lifts the test accuracy from about 97.1% to about 98%),
deterministically from ``--seed``, and written in the course's column convention (W1 is (50, 784), b1 is (50, 1), ...).

The .npz is written byte for byte reproducibly (fixed zip timestamps), so running the tool
again with the same settings on the same machine gives the same SHA-256, which it writes
beside the weights. Usage::

    python tools/train_mnist_weights.py                 # writes nnlab/resources/mnist_network.npz
    python tools/train_mnist_weights.py --epochs 1 --train-limit 2000 --out /tmp/tiny.npz
"""

from __future__ import annotations

import os

# One BLAS thread: the same seed then gives the same bits on any machine size (thread count changes the
# order of floating-point sums), and on a busy 2-core machine one thread is also the fastest.
if __name__ == "__main__":
    for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_variable, "1")

import argparse
import hashlib
import io
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

from nnlab.data import MNIST_NETWORK_PATH, load_mnist

LAYER_SIZES = (784, 50, 100, 10)
KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")
DTYPE = np.float32


def sigmoid(z):
    """Logistic function, computed without overflow for large negative inputs."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softmax_columns(z):
    """Softmax of each column (one example per column), with the max subtracted first."""
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def init_parameters(rng):
    """LeCun's start (often called Xavier): W[l] ~ N(0, 1/n[l-1]), b[l] = 0, in float32."""
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(LAYER_SIZES[:-1], LAYER_SIZES[1:], strict=True), start=1):
        params[f"W{layer}"] = (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(DTYPE)
        params[f"b{layer}"] = np.zeros((n_out, 1), dtype=DTYPE)
    return params


def forward(params, X):
    """X (784, m) -> (A1, A2, Y) with Y the (10, m) softmax probabilities."""
    A1 = sigmoid(params["W1"] @ X + params["b1"])
    A2 = sigmoid(params["W2"] @ A1 + params["b2"])
    Y = softmax_columns(params["W3"] @ A2 + params["b3"])
    return A1, A2, Y


def gradients(params, X, T):
    """Mean cross-entropy loss and its gradients for a batch X (784, m) with one-hot targets T (10, m)."""
    m = X.shape[1]
    A1, A2, Y = forward(params, X)
    loss = float(-np.sum(T * np.log(Y + 1e-7)) / m)
    dZ3 = (Y - T) / m
    dZ2 = (params["W3"].T @ dZ3) * A2 * (1 - A2)
    dZ1 = (params["W2"].T @ dZ2) * A1 * (1 - A1)
    grads = {
        "W3": dZ3 @ A2.T,
        "b3": dZ3.sum(axis=1, keepdims=True),
        "W2": dZ2 @ A1.T,
        "b2": dZ2.sum(axis=1, keepdims=True),
        "W1": dZ1 @ X.T,
        "b1": dZ1.sum(axis=1, keepdims=True),
    }
    return loss, grads


def shift_images(rows, rng, max_shift):
    """Move each (784,) image row by a random whole number of pixels in [-max_shift, max_shift] (zeros enter)."""
    b = rows.shape[0]
    padded = np.pad(rows.reshape(b, 28, 28), ((0, 0), (max_shift, max_shift), (max_shift, max_shift)))
    dy, dx = rng.integers(-max_shift, max_shift + 1, size=(2, b))
    r = max_shift + dy[:, None] + np.arange(28)[None, :]
    c = max_shift + dx[:, None] + np.arange(28)[None, :]
    return padded[np.arange(b)[:, None, None], r[:, :, None], c[:, None, :]].reshape(b, 784)


def accuracy(params, X, labels, batch_size=1000):
    """Fraction of columns of X whose most probable class equals the label."""
    correct = 0
    for start in range(0, X.shape[1], batch_size):
        _, _, Y = forward(params, X[:, start : start + batch_size])
        correct += int(np.sum(Y.argmax(axis=0) == labels[start : start + batch_size]))
    return correct / X.shape[1]


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction; the learning rate is set from outside each epoch."""

    def __init__(self, params, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps, self.t = lr, beta1, beta2, eps, 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params, grads):
        self.t += 1
        correction = float(np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t))
        for k in params:
            self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * grads[k]
            self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * grads[k] ** 2
            params[k] -= (self.lr * correction * self.m[k] / (np.sqrt(self.v[k]) + self.eps)).astype(DTYPE)


def progress_line(epoch, epochs, done, total, loss, test_acc, elapsed, width=30):
    """One line of the text progress bar: epoch, batches done, loss, test accuracy and time left."""
    fraction = ((epoch - 1) * total + done) / (epochs * total)
    filled = int(round(width * fraction))
    left = elapsed / fraction * (1 - fraction) if fraction > 0 else float("nan")
    acc = f"{100 * test_acc:6.2f}%" if test_acc is not None else "   ... "
    return (
        f"\repoch {epoch:>2}/{epochs} [{'#' * filled}{'.' * (width - filled)}] {100 * fraction:5.1f}%  "
        f"loss {loss:.4f}  test acc {acc}  elapsed {elapsed:5.1f}s  left {left:5.1f}s"
    )


def train(
    epochs=30,
    batch_size=100,
    lr=2e-3,
    decay=0.9,
    l2=0.0,
    max_shift=1,
    seed=0,
    train_limit=None,
    verbose=True,
    stream=None,
):
    """Train from ``seed`` and return ``(params, history)``; history holds (epoch, mean loss, test accuracy).

    ``l2`` adds ``l2 / 2 * sum(W**2)`` to the loss (weight decay on W, not b); ``max_shift`` moves each
    training image by up to that many pixels (data augmentation; 0 turns it off).
    """
    stream = stream or sys.stderr
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot_label=False)
    if train_limit is not None:
        x_train, t_train = x_train[:train_limit], t_train[:train_limit]
    rows = np.ascontiguousarray(x_train, dtype=DTYPE)  # (m, 784): a batch of rows is cheap to gather
    X_test = np.ascontiguousarray(x_test.T, dtype=DTYPE)  # (784, 10000): one example per column
    one_hot_rows = np.eye(10, dtype=DTYPE)[t_train]  # (m, 10)

    rng = np.random.default_rng(seed)
    params = init_parameters(rng)
    optimiser = Adam(params, lr)
    m = rows.shape[0]
    n_batches = int(np.ceil(m / batch_size))
    history = []
    start_time = time.perf_counter()
    for epoch in range(1, epochs + 1):
        optimiser.lr = lr * decay ** (epoch - 1)
        order = rng.permutation(m)
        losses = []
        for b in range(n_batches):
            idx = order[b * batch_size : (b + 1) * batch_size]
            batch = shift_images(rows[idx], rng, max_shift) if max_shift else rows[idx]
            loss, grads = gradients(params, batch.T, one_hot_rows[idx].T)  # (784, b) and (10, b)
            if l2:
                for key in ("W1", "W2", "W3"):
                    grads[key] += l2 * params[key]
            optimiser.step(params, grads)
            losses.append(loss)
            if verbose and (b % 50 == 0 or b == n_batches - 1):
                line = progress_line(
                    epoch, epochs, b + 1, n_batches, float(np.mean(losses)), None, time.perf_counter() - start_time
                )
                stream.write(line)
                stream.flush()
        test_acc = accuracy(params, X_test, t_test)
        history.append((epoch, float(np.mean(losses)), test_acc))
        if verbose:
            line = progress_line(
                epoch, epochs, n_batches, n_batches, history[-1][1], test_acc, time.perf_counter() - start_time
            )
            stream.write(line + "\n")
            stream.flush()
    return params, history


def npz_bytes(params) -> bytes:
    """The .npz file as bytes, written with fixed zip timestamps so equal weights give an equal SHA-256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key in KEYS:
            array_buffer = io.BytesIO()
            np.lib.format.write_array(array_buffer, np.ascontiguousarray(params[key], dtype=DTYPE), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, array_buffer.getvalue())
    return buffer.getvalue()


def write_network(params, out_path: Path) -> str:
    """Write the weights to ``out_path`` and its SHA-256 to ``out_path`` with suffix .sha256; return the digest."""
    out_path = Path(out_path)
    data = npz_bytes(params)
    out_path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    out_path.with_suffix(".sha256").write_text(f"{digest}  {out_path.name}\n")
    return digest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate in the first epoch")
    parser.add_argument("--decay", type=float, default=0.9, help="learning rate factor per epoch")
    parser.add_argument("--l2", type=float, default=0.0, help="L2 penalty on the weights")
    parser.add_argument("--max-shift", type=int, default=1, help="shift training images by up to N pixels")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-limit", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--out", type=Path, default=MNIST_NETWORK_PATH)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    params, history = train(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        decay=args.decay,
        l2=args.l2,
        max_shift=args.max_shift,
        seed=args.seed,
        train_limit=args.train_limit,
    )
    seconds = time.perf_counter() - start
    digest = write_network(params, args.out)
    print(f"trained in {seconds:.1f} s; final test accuracy {100 * history[-1][2]:.2f}%")
    print(f"wrote {args.out} (SHA-256 {digest}) and {args.out.with_suffix('.sha256')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
