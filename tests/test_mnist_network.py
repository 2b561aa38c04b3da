"""The shipped pre-trained MNIST network of assignment 05: its loader, its accuracy, and the tool that trains it."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile

import numpy as np
import pytest

from nnlab.data import (
    BOOK_NETWORK_PATH,
    MNIST_NETWORK_PATH,
    NETWORK_SHAPES,
    NetworkFileError,
    load_book_network,
    load_mnist,
    load_pretrained_network,
)
from tools import train_mnist_weights as tool


def reference_forward(network, X):
    """Sigmoid, sigmoid, softmax on columns, in float64: the course's reference for (784, m) -> (10, m)."""
    A = X.astype(np.float64)
    for layer in (1, 2):
        A = 1 / (1 + np.exp(-(network[f"W{layer}"] @ A + network[f"b{layer}"])))
    Z = network["W3"] @ A + network["b3"]
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


@pytest.fixture
def network_copy(tmp_path):
    """A copy of the shipped network and its checksum file, to damage freely."""
    path = tmp_path / "mnist_network.npz"
    shutil.copy(MNIST_NETWORK_PATH, path)
    shutil.copy(MNIST_NETWORK_PATH.with_suffix(".sha256"), path.with_suffix(".sha256"))
    return path


def test_shipped_network_has_the_column_convention_shapes():
    network = load_pretrained_network()
    assert set(network) == set(NETWORK_SHAPES)
    for key, shape in NETWORK_SHAPES.items():
        assert network[key].shape == shape, key
        assert network[key].dtype == np.float32, key
        assert np.all(np.isfinite(network[key])), key


def test_shipped_checksum_file_matches_the_weights():
    digest, name = MNIST_NETWORK_PATH.with_suffix(".sha256").read_text().split()
    assert name == MNIST_NETWORK_PATH.name
    assert hashlib.sha256(MNIST_NETWORK_PATH.read_bytes()).hexdigest() == digest


def test_shipped_file_holds_plain_arrays_only():
    """No pickled object inside: every member is a .npy of a numeric dtype, readable with allow_pickle=False."""
    with zipfile.ZipFile(MNIST_NETWORK_PATH) as archive:
        assert sorted(archive.namelist()) == sorted(f"{key}.npy" for key in NETWORK_SHAPES)
    with np.load(MNIST_NETWORK_PATH, allow_pickle=False) as archive:
        assert all(archive[key].dtype.kind == "f" for key in archive.files)


def test_shipped_accuracy_on_the_full_test_set_is_at_least_97_5_percent():
    (_, _), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot_label=False)
    network = load_pretrained_network()
    probabilities = reference_forward(network, x_test.T)
    assert probabilities.shape == (10, 10000)
    np.testing.assert_allclose(probabilities.sum(axis=0), 1.0, rtol=1e-9)
    accuracy = np.mean(probabilities.argmax(axis=0) == t_test)
    assert accuracy >= 0.975, f"the shipped network reaches only {accuracy:.4f} on the 10,000 test images"


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(NetworkFileError, match="missing.*train_mnist_weights"):
        load_pretrained_network(tmp_path / "nothing.npz")


def test_missing_checksum_file(network_copy):
    network_copy.with_suffix(".sha256").unlink()
    with pytest.raises(NetworkFileError, match="checksum file .* is missing"):
        load_pretrained_network(network_copy)


def test_altered_file_fails_its_checksum(network_copy):
    raw = bytearray(network_copy.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    network_copy.write_bytes(bytes(raw))
    with pytest.raises(NetworkFileError, match="damaged or altered: its SHA-256 is"):
        load_pretrained_network(network_copy)


def test_wrong_shapes_are_refused_even_with_a_matching_checksum(tmp_path):
    """A file that is not the 784-50-100-10 network in column convention (e.g. the book's row layout) is refused."""
    network = load_pretrained_network()
    book_layout = {key: (value.T if key.startswith("W") else value.ravel()) for key, value in network.items()}
    path = tmp_path / "rows.npz"
    digest = tool.write_network(book_layout, path)
    assert path.with_suffix(".sha256").read_text().split()[0] == digest
    with pytest.raises(NetworkFileError, match=r"W1 has shape \(784, 50\), expected \(50, 784\)"):
        load_pretrained_network(path)


def test_a_pickle_inside_is_never_loaded(tmp_path):
    """An .npz holding an object array (a pickle) fails to load instead of running its code."""
    path = tmp_path / "evil.npz"
    buffer = io.BytesIO()
    np.savez(buffer, W1=np.array([{"not": "numbers"}], dtype=object))
    path.write_bytes(buffer.getvalue())
    path.with_suffix(".sha256").write_text(f"{hashlib.sha256(buffer.getvalue()).hexdigest()}  evil.npz\n")
    with pytest.raises(ValueError, match="allow_pickle"):
        load_pretrained_network(path)


def test_the_books_network_loads_in_columns_and_scores_the_books_0_9352():
    """The book's weights, with the same forward pass as the course's network: 9,352 of the 10,000 test images."""
    book = load_book_network()
    assert {key: value.shape for key, value in book.items()} == NETWORK_SHAPES
    (_, _), (x_test, t_test) = load_mnist(normalize=True, flatten=True)
    right = int(np.sum(reference_forward(book, x_test.T).argmax(axis=0) == t_test))
    assert right == 9352


def test_the_books_licence_travels_with_its_weights_and_an_altered_copy_is_refused(tmp_path):
    notice = BOOK_NETWORK_PATH.with_name("book_network.LICENSE.md").read_text()
    assert "MIT License" in notice and "Copyright (c) 2016 Koki Saitoh" in notice
    altered = tmp_path / BOOK_NETWORK_PATH.name
    altered.write_bytes(BOOK_NETWORK_PATH.read_bytes()[:-1])
    shutil.copy(BOOK_NETWORK_PATH.with_suffix(".sha256"), altered.with_suffix(".sha256"))
    with pytest.raises(NetworkFileError, match="damaged or altered"):
        load_book_network(altered)


def test_tool_is_deterministic_on_a_tiny_run(tmp_path):
    """Same seed, same bytes (and so the same SHA-256); another seed, other weights."""
    settings = {"epochs": 1, "train_limit": 300, "batch_size": 50, "verbose": False}
    params_a, history_a = tool.train(seed=3, **settings)
    params_b, history_b = tool.train(seed=3, **settings)
    params_c, _ = tool.train(seed=4, **settings)
    assert history_a == history_b
    assert tool.npz_bytes(params_a) == tool.npz_bytes(params_b)
    assert tool.npz_bytes(params_a) != tool.npz_bytes(params_c)
    digest = tool.write_network(params_a, tmp_path / "tiny.npz")
    loaded = load_pretrained_network(tmp_path / "tiny.npz")
    assert digest == hashlib.sha256((tmp_path / "tiny.npz").read_bytes()).hexdigest()
    for key, shape in NETWORK_SHAPES.items():
        assert loaded[key].shape == shape
        np.testing.assert_array_equal(loaded[key], params_a[key])


def test_tool_learns_and_reports_progress():
    stream = io.StringIO()
    params, history = tool.train(epochs=2, train_limit=1000, batch_size=100, seed=0, stream=stream)
    assert [epoch for epoch, _, _ in history] == [1, 2]
    assert history[1][1] < history[0][1], "the training loss should fall"
    assert history[1][2] > 0.25, "two epochs on 1000 images should already beat chance (0.1) clearly"
    text = stream.getvalue()
    assert "epoch  2/2" in text and "loss" in text and "test acc" in text and "left" in text
    assert tool.progress_line(1, 2, 5, 10, 0.5, None, 3.0).count("#") == 8  # 25% of a 30-wide bar


def test_tool_gradients_match_finite_differences():
    """The backward pass of the tool, checked against centred differences on a few weights (float64)."""
    rng = np.random.default_rng(0)
    params = {key: value.astype(np.float64) for key, value in tool.init_parameters(rng).items()}
    X = rng.random((784, 5))
    T = np.eye(10)[:, rng.integers(0, 10, 5)]
    _, grads = tool.gradients(params, X, T)
    for key, index in [("W1", (3, 400)), ("b1", (7, 0)), ("W2", (10, 20)), ("W3", (4, 50)), ("b3", (2, 0))]:
        eps = 1e-6
        saved = params[key][index]
        params[key][index] = saved + eps
        up, _ = tool.gradients(params, X, T)
        params[key][index] = saved - eps
        down, _ = tool.gradients(params, X, T)
        params[key][index] = saved
        assert grads[key][index] == pytest.approx((up - down) / (2 * eps), rel=1e-3, abs=1e-7), key
