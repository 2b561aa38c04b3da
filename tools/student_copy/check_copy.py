"""Check that this copy of the course works (`make check` runs it): nnlab, the MNIST data, every lecture.

It runs each lecture notebook top to bottom in a fresh kernel, in a temporary copy of `notebooks/`,
so nothing in this folder is written or changed; your own work in `assignments/` is never opened.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CELL_TIMEOUT = 120  # seconds; every lecture cell takes a few at most


def check_package() -> None:
    import nnlab
    from nnlab.data import load_mnist, load_pretrained_network

    (x_train, t_train), (x_test, t_test) = load_mnist()
    network = load_pretrained_network()
    print(f"ok  nnlab {nnlab.__version__}: MNIST {x_train.shape[0]} training and {x_test.shape[0]} test images, "
          f"pre-trained network {sorted(network)}")


def run_lecture(path: Path, workdir: Path) -> float:
    """Execute one lecture notebook in ``workdir``; return its run time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no kernel start-up chatter, errors still show
        resources={"metadata": {"path": str(workdir)}},
    ).execute()
    return time.perf_counter() - start


def main() -> int:
    try:
        check_package()
    except Exception as error:  # any failure here means the copy is broken: say which
        print(f"FAILED  nnlab or its data: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    lectures = sorted((HERE / "notebooks").glob("*.ipynb"))
    failed = []
    with tempfile.TemporaryDirectory(prefix="course-check-") as temp:
        workdir = Path(temp) / "notebooks"
        shutil.copytree(HERE / "notebooks", workdir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        for path in lectures:
            try:
                seconds = run_lecture(workdir / path.name, workdir)
            except Exception as error:  # report every failing lecture, not just the first
                failed.append(path.name)
                print(f"FAILED  notebooks/{path.name}: {type(error).__name__}: {str(error)[-2000:]}", file=sys.stderr)
            else:
                print(f"ok  notebooks/{path.name} ran top to bottom ({seconds:.1f} s)", flush=True)
    if failed:
        print(f"{len(failed)} of {len(lectures)} lecture notebooks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"This copy works: nnlab, MNIST and all {len(lectures)} lecture notebooks. Start with `make lab`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
