"""The shipped MNIST: the IDX parser, checksum checks, clear errors, and the real files' contents."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nnlab.data import MNIST_DIR, MNIST_FILES, MnistDataError, load_mnist, parse_idx
from tools.course import REPO_ROOT

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
# SHA-256 of the decompressed IDX files, from shared/data/mnist/README.md: the content, whatever the compression.
CONTENT_SHA256 = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_tiny_mnist(directory: Path, n_train=5, n_test=3, seed=0) -> dict[str, np.ndarray]:
    """Write a small but valid MNIST folder (four gzipped IDX files and SHA256SUMS); return its arrays."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, size=n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, size=n_test, dtype=np.uint8),
    }
    directory.mkdir(parents=True, exist_ok=True)
    sums = []
    for key, filename in MNIST_FILES.items():
        magic = 2051 if key.endswith("images") else 2049
        data = gzip.compress(idx_bytes(arrays[key], magic), mtime=0)
        (directory / filename).write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {filename}")
    (directory / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return arrays


def test_tiny_files_load_in_the_books_layout(tmp_path):
    arrays = write_tiny_mnist(tmp_path)
    (x_train, t_train), (x_test, t_test) = load_mnist(directory=tmp_path)
    assert x_train.shape == (5, 784) and x_test.shape == (3, 784)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() <= 1.0
    np.testing.assert_allclose(x_train[1], arrays["train_images"][1].reshape(-1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(t_train, arrays["train_labels"])
    np.testing.assert_array_equal(t_test, arrays["test_labels"])


def test_options_raw_unflattened_and_one_hot(tmp_path):
    arrays = write_tiny_mnist(tmp_path)
    (x_train, t_train), _ = load_mnist(normalize=False, flatten=False, one_hot_label=True, directory=tmp_path)
    assert x_train.dtype == np.uint8 and x_train.shape == (5, 1, 28, 28)
    np.testing.assert_array_equal(x_train[:, 0], arrays["train_images"])
    assert t_train.shape == (5, 10)
    np.testing.assert_array_equal(t_train.argmax(axis=1), arrays["train_labels"])
    np.testing.assert_array_equal(t_train.sum(axis=1), np.ones(5))


def test_missing_file_names_it_and_says_what_to_do(tmp_path):
    write_tiny_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(MnistDataError, match=r"t10k-labels-idx1-ubyte\.gz is missing.*git checkout"):
        load_mnist(directory=tmp_path)


def test_altered_file_fails_its_checksum(tmp_path):
    write_tiny_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(MnistDataError, match=r"train-images-idx3-ubyte\.gz is damaged or altered: its SHA-256"):
        load_mnist(directory=tmp_path)


def test_truncated_file_fails_its_checksum(tmp_path):
    write_tiny_mnist(tmp_path)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(MnistDataError, match="train-labels-idx1-ubyte.gz is damaged"):
        load_mnist(directory=tmp_path)


def test_missing_checksum_file(tmp_path):
    write_tiny_mnist(tmp_path)
    (tmp_path / "SHA256SUMS").unlink()
    with pytest.raises(MnistDataError, match="SHA256SUMS is missing"):
        load_mnist(directory=tmp_path)


def test_parser_checks_magic_and_sizes():
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    raw = idx_bytes(images, 2051)
    assert parse_idx(raw, 2051).shape == (2, 28, 28)
    with pytest.raises(MnistDataError, match="magic number 2051, expected 2049"):
        parse_idx(raw, 2049, name="labels.idx")
    with pytest.raises(MnistDataError, match="truncated or has extra bytes"):
        parse_idx(raw[:-1], 2051)
    with pytest.raises(MnistDataError, match="truncated or has extra bytes"):
        parse_idx(raw + b"\x00", 2051)
    with pytest.raises(MnistDataError, match="too short"):
        parse_idx(b"\x00\x00", 2051)
    with pytest.raises(MnistDataError, match="inside its header"):
        parse_idx(raw[:10], 2051)


def test_shipped_files_are_the_real_mnist():
    for filename, digest in CONTENT_SHA256.items():
        content = gzip.decompress((MNIST_DIR / filename).read_bytes())
        assert hashlib.sha256(content).hexdigest() == digest, f"{filename} is not the original MNIST content"


def test_real_data_shapes_labels_and_ranges():
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=False)
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.uint8 and x_train.max() == 255 and x_train.min() == 0
    assert np.bincount(t_train).tolist() == TRAIN_COUNTS
    assert np.bincount(t_test).tolist() == TEST_COUNTS
    assert t_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert t_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_wheel_ships_the_data(tmp_path):
    """Installed without the repository (as on a JupyterHub image), the package still has its data."""
    shutil.copytree(
        REPO_ROOT,
        tmp_path / "src",
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "*.egg-info", "build", "submitted", "autograded", "feedback", "tests", "release", "source",
            "dist", "demo", "my-work", "reports", "grading-logs",
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-index",  # offline: the build uses the environment's setuptools (requirements-dev.txt)
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(tmp_path / "src"),
        ],
        check=True,
    )
    wheel = next((tmp_path / "dist").glob("nnlab-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for filename in [*MNIST_FILES.values(), "SHA256SUMS"]:
        assert f"nnlab/resources/mnist/{filename}" in names, f"{filename} is missing from {wheel.name}"
    for filename in ("mnist_network.npz", "mnist_network.sha256", "activation_curves.npz"):
        assert f"nnlab/resources/{filename}" in names, f"{filename} is missing from {wheel.name}"
