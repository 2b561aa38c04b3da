"""Serial nbgrader against the course's parallel grading command, on the same simulated class.

    python benchmarks/grading.py [--students 40] [--assignment 01_activations] [--jobs 2]

Prints seconds per notebook and per student for serial ``nbgrader autograde`` and for
``tools.grade`` (autograde only, no feedback, on identical copies of one simulated class),
the speed-up, the parallel per-notebook cost at half and full class size (it should not
grow), and where the time of one notebook goes: starting a kernel, executing the cells,
and the rest (nbgrader's own work and its gradebook database).
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the repository's tools/ importable
from tools.course import REPO_ROOT, copy_course, nbgrader, notebooks  # noqa: E402
from tools.grade import grade_class  # noqa: E402
from tools.simulate import simulate_class  # noqa: E402


def make_course(root: Path, assignment: str, n_students: int) -> Path:
    course = copy_course(root / f"course-{n_students}")
    nbgrader("generate_assignment", assignment, "--force", course_dir=course)
    simulate_class(course, assignment, n_students)
    return course


def clone(course: Path, name: str) -> Path:
    target = course.parent / name
    shutil.copytree(course, target)
    return target


def kernel_start_seconds(repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        manager, client = start_new_kernel(kernel_name="python3")
        times.append(time.perf_counter() - start)
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return min(times)


def execution_seconds(path: Path) -> float:
    """Run a submitted notebook in a kernel that is already started: cell execution alone."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(path.parent)}}
    )
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--assignment", default="01_activations")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    n_notebooks = len(notebooks(REPO_ROOT, args.assignment))

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(f"Simulating {args.students} students of {args.assignment} ...", flush=True)
        course = make_course(root, args.assignment, args.students)
        serial, parallel = clone(course, "serial"), clone(course, "parallel")
        half = make_course(root, args.assignment, args.students // 2)

        print("Serial nbgrader autograde ...", flush=True)
        start = time.perf_counter()
        nbgrader("autograde", args.assignment, "--force", course_dir=serial)
        serial_s = time.perf_counter() - start

        print(f"Parallel tools.grade with {args.jobs} jobs ...", flush=True)
        start = time.perf_counter()
        grade_class(parallel, args.assignment, jobs=args.jobs, feedback=False, export=False, stream=io.StringIO())
        parallel_s = time.perf_counter() - start

        start = time.perf_counter()
        grade_class(half, args.assignment, jobs=args.jobs, feedback=False, export=False, stream=io.StringIO())
        half_s = time.perf_counter() - start

        perfect = next((serial / "submitted").glob(f"sim-001/{args.assignment}/*.ipynb"))
        kernel_s = kernel_start_seconds()
        exec_s = execution_seconds(perfect)

    n = args.students * n_notebooks
    per_nb_serial, per_nb_parallel = serial_s / n, parallel_s / n
    print(f"\nGrading {args.students} students x {n_notebooks} notebook(s) of {args.assignment}, {args.jobs} jobs")
    print(f"{'':<34} {'total s':>9} {'s / notebook':>13} {'s / student':>12}")
    print(
        f"{'serial nbgrader autograde':<34} {serial_s:>9.1f} {per_nb_serial:>13.2f} {serial_s / args.students:>12.2f}"
    )
    print(
        f"{'parallel tools.grade':<34} {parallel_s:>9.1f} {per_nb_parallel:>13.2f} {parallel_s / args.students:>12.2f}"
    )
    print(f"{'speed-up':<34} {serial_s / parallel_s:>9.2f}x")
    half_n = (args.students // 2) * n_notebooks
    print(
        f"\nParallel cost per notebook: {half_s / half_n:.2f} s at {args.students // 2} students, "
        f"{per_nb_parallel:.2f} s at {args.students} students"
    )
    rest = max(0.0, per_nb_serial - kernel_s - exec_s)
    print(f"\nWhere one notebook's serial {per_nb_serial:.2f} s goes:")
    print(f"  kernel start              {kernel_s:6.2f} s")
    print(f"  cell execution            {exec_s:6.2f} s")
    print(f"  nbgrader and gradebook    {rest:6.2f} s  (the rest: reading, checksums, database, writing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
