"""The MNIST data set that ships with the course: IDX parsing, checksum checks and `load_mnist`.

The four original files live in ``nnlab/resources/mnist`` and are verified against
``SHA256SUMS`` before use, so a course never silently trains on damaged data and never
needs the network.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np

MNIST_DIR = Path(__file__).resolve().parent / "resources" / "mnist"

IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

_REINSTALL_HINT = (
    "The course ships this file inside the nnlab package. Restore it with "
    "`git checkout -- nnlab/resources/mnist` in the course repository, or reinstall the "
    "course with `pip install -r requirements.txt`."
)


class MnistDataError(RuntimeError):
    """A shipped MNIST file is missing, damaged or not in IDX format."""


def read_checksums(directory: Path) -> dict[str, str]:
    """Read a ``SHA256SUMS`` file (``<hex digest>  <file name>`` per line) into a dict."""
    sums_path = Path(directory) / "SHA256SUMS"
    if not sums_path.is_file():
        raise MnistDataError(f"{sums_path} is missing. {_REINSTALL_HINT}")
    checksums = {}
    for line in sums_path.read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            checksums[name.lstrip("*")] = digest.lower()
    return checksums


def verify_file(path: Path, expected_sha256: str) -> None:
    """Raise `MnistDataError` unless ``path`` exists and has the expected SHA-256."""
    path = Path(path)
    if not path.is_file():
        raise MnistDataError(f"MNIST file {path} is missing. {_REINSTALL_HINT}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected_sha256:
        raise MnistDataError(
            f"MNIST file {path} is damaged or altered: its SHA-256 is {digest}, "
            f"expected {expected_sha256}. {_REINSTALL_HINT}"
        )


def parse_idx(raw: bytes, expected_magic: int, name: str = "IDX data") -> np.ndarray:
    """Parse the bytes of an uncompressed IDX file of unsigned bytes into an array.

    The header is a big-endian magic number (2049 for labels, 2051 for images)
    followed by one 32-bit size per dimension; the data are uint8 values.
    """
    if len(raw) < 8:
        raise MnistDataError(f"{name} is too short to be an IDX file ({len(raw)} bytes).")
    magic = int.from_bytes(raw[0:4], "big")
    if magic != expected_magic:
        raise MnistDataError(
            f"{name} has magic number {magic}, expected {expected_magic}: it is not the IDX file it should be."
        )
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise MnistDataError(f"{name} is truncated inside its header.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected_size = header_size + int(np.prod(shape))
    if len(raw) != expected_size:
        raise MnistDataError(
            f"{name} should hold {expected_size} bytes for shape {shape} but holds "
            f"{len(raw)}: the file is truncated or has extra bytes."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def read_idx_file(path: Path, expected_magic: int) -> np.ndarray:
    """Read a gzip-compressed IDX file (as MNIST ships) into a uint8 array."""
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as error:
        raise MnistDataError(f"{path} is not a readable gzip file ({error}). {_REINSTALL_HINT}") from error
    return parse_idx(raw, expected_magic, name=str(path))


def _one_hot(labels: np.ndarray, num_classes: int = 10) -> np.ndarray:
    encoded = np.zeros((labels.size, num_classes), dtype=np.float32)
    encoded[np.arange(labels.size), labels] = 1.0
    return encoded


def load_mnist(normalize=True, flatten=True, one_hot_label=False, directory=None):
    """Load MNIST as ``((x_train, t_train), (x_test, t_test))``, like "Deep Learning from Scratch".

    Rows are examples (the book's convention): ``x_train`` is (60000, 784) when
    ``flatten`` else (60000, 1, 28, 28). With ``normalize`` pixels are float32 in
    [0, 1], otherwise uint8 in 0..255. Labels are int64 digits (60000,), or
    (60000, 10) one-hot float32 rows with ``one_hot_label``. Every file is
    checked against its SHA-256 sum before it is read.
    """
    directory = Path(directory) if directory is not None else MNIST_DIR
    checksums = read_checksums(directory)
    arrays = {}
    for key, filename in MNIST_FILES.items():
        if filename not in checksums:
            raise MnistDataError(f"{directory / 'SHA256SUMS'} has no line for {filename}. {_REINSTALL_HINT}")
        path = directory / filename
        verify_file(path, checksums[filename])
        magic = IMAGE_MAGIC if key.endswith("images") else LABEL_MAGIC
        arrays[key] = read_idx_file(path, magic)

    def images(raw):
        out = raw.astype(np.float32) / 255.0 if normalize else raw.copy()
        return out.reshape(len(raw), -1) if flatten else out.reshape(len(raw), 1, 28, 28)

    def labels(raw):
        return _one_hot(raw) if one_hot_label else raw.astype(np.int64)

    for split in ("train", "test"):
        n_images, n_labels = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
        if n_images != n_labels:
            raise MnistDataError(f"MNIST {split} set has {n_images} images but {n_labels} labels.")

    return (
        (images(arrays["train_images"]), labels(arrays["train_labels"])),
        (images(arrays["test_images"]), labels(arrays["test_labels"])),
    )


# --- The pre-trained 784-50-100-10 network of assignment 05 (made by tools/train_mnist_weights.py) ---

MNIST_NETWORK_PATH = Path(__file__).resolve().parent / "resources" / "mnist_network.npz"
NETWORK_SHAPES = {
    "W1": (50, 784),
    "b1": (50, 1),
    "W2": (100, 50),
    "b2": (100, 1),
    "W3": (10, 100),
    "b3": (10, 1),
}


class NetworkFileError(RuntimeError):
    """The shipped network file is missing, altered or not the 784-50-100-10 network it should be."""


def _load_checked_network(path: Path, hint: str) -> dict:
    """The arrays of a network ``.npz``, after checking it against the SHA-256 sum in the ``.sha256`` file beside it
    (read with ``allow_pickle=False``: unlike the book's pickle, loading it can never run code)."""
    sha256_path = path.with_suffix(".sha256")
    if not path.is_file():
        raise NetworkFileError(f"The pre-trained network {path} is missing. {hint}")
    if not sha256_path.is_file():
        raise NetworkFileError(f"The checksum file {sha256_path} is missing. {hint}")
    expected = sha256_path.read_text().split()[0].lower()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        raise NetworkFileError(
            f"The pre-trained network {path} is damaged or altered: its SHA-256 is {digest}, "
            f"expected {expected}. {hint}"
        )
    with np.load(path, allow_pickle=False) as archive:
        return {key: np.array(archive[key]) for key in archive.files}


def _checked_shapes(network: dict, path: Path, hint: str) -> dict:
    for key, shape in NETWORK_SHAPES.items():
        if key not in network:
            raise NetworkFileError(f"{path} has no array {key}. {hint}")
        if network[key].shape != shape:
            raise NetworkFileError(f"{path}: {key} has shape {network[key].shape}, expected {shape}. {hint}")
    return {key: network[key] for key in NETWORK_SHAPES}


def load_pretrained_network(path=None):
    """Load the shipped pre-trained MNIST network as a dict of float32 arrays in the column convention.

    Keys ``W1, b1, W2, b2, W3, b3`` with shapes W1 (50, 784), b1 (50, 1), W2 (100, 50),
    b2 (100, 1), W3 (10, 100), b3 (10, 1): layer l computes ``Z = W @ A + b`` on columns.
    The file is checked against its SHA-256 sum (``mnist_network.sha256`` beside it).
    """
    path = Path(path) if path is not None else MNIST_NETWORK_PATH
    hint = (
        "The course ships it inside the nnlab package: restore it with "
        "`git checkout -- nnlab/resources` in the course repository, or rebuild it with "
        "`python tools/train_mnist_weights.py`."
    )
    return _checked_shapes(_load_checked_network(path, hint), path, hint)


# The book's own pre-trained network ("Deep Learning from Scratch", chapter 3; MIT licence, notice in
# resources/book_network.LICENSE.md), stored in its row convention (x @ W + b) and turned into columns on loading.
BOOK_NETWORK_PATH = Path(__file__).resolve().parent / "resources" / "book_network.npz"


def load_book_network(path=None):
    """Load the book's pre-trained 784-50-100-10 network (0.9352 on the test set), in the course's column convention.

    Same keys and shapes as `load_pretrained_network`: the book's ``W`` (inputs, units) are transposed and its
    ``b`` become columns, so that the same ``predict`` runs either network.
    """
    path = Path(path) if path is not None else BOOK_NETWORK_PATH
    hint = "The course ships it inside the nnlab package: restore it with `git checkout -- nnlab/resources`."
    rows = _load_checked_network(path, hint)
    columns = {key: (value.T if key.startswith("W") else value.reshape(-1, 1)) for key, value in rows.items()}
    return _checked_shapes(columns, path, hint)
