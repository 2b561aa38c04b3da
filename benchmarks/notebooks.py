"""Run-all time of every source, release and lecture notebook (a script that prints numbers, not a test).

    python benchmarks/notebooks.py [--repeats N]

Each notebook runs top to bottom in a fresh python3 kernel, as nbgrader and a student's
"Restart Kernel and Run All Cells" do; release notebooks run with errors allowed (their
exercises raise NotImplementedError). Kernel start is timed separately and included.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the repository's tools/ importable
from tools.course import REPO_ROOT  # noqa: E402

GOAL_SECONDS = 20.0


def run_once(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors="release" in path.parts,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="runs per notebook; the median is shown")
    args = parser.parse_args(argv)
    paths = [
        p
        for folder in ("notebooks", "source", "release")
        for p in sorted((REPO_ROOT / folder).rglob("*.ipynb"))
        if ".ipynb_checkpoints" not in p.parts
    ]
    print(f"{'notebook':<52} {'run all (s)':>12}")
    slow = []
    for path in paths:
        seconds = statistics.median(run_once(path) for _ in range(args.repeats))
        flag = "  over the 20 s goal" if seconds > GOAL_SECONDS else ""
        print(f"{str(path.relative_to(REPO_ROOT)):<52} {seconds:>12.1f}{flag}", flush=True)
        if flag:
            slow.append(path)
    print(f"\n{len(paths)} notebooks, {len(slow)} over {GOAL_SECONDS:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
