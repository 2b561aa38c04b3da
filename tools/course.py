"""The course directory as nbgrader sees it: assignments, notebooks, nbgrader commands and the gradebook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# nbgrader's delimiters in the source notebooks: the instructor's solution, and tests students never see.
SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TESTS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds its output."""


def assignments(course_dir: Path = REPO_ROOT) -> list[str]:
    """Names of the assignments in ``source/``, in course order (their names start with a number)."""
    source = Path(course_dir) / "source"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def notebooks(course_dir: Path, assignment: str, folder: str = "source") -> list[Path]:
    """The notebooks of one assignment in ``folder`` (source or release)."""
    return sorted((Path(course_dir) / folder / assignment).glob("*.ipynb"))


def nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata (``grade_id``, ``grade``, ``solution``, ``points``, ...); {} for an ordinary cell.

    ``cell`` is a cell of nbformat's notebook or of the notebook's plain JSON.
    """
    return cell.get("metadata", {}).get("nbgrader", {})


def copy_course(target: Path) -> Path:
    """Copy what an instructor keeps (``nbgrader_config.py`` and ``source/``) into ``target``: a course nbgrader
    can run in, for a test or a benchmark to generate, grade and throw away."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "nbgrader_config.py", target / "nbgrader_config.py")
    shutil.copytree(
        REPO_ROOT / "source", target / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    )
    return target


def tool_env() -> dict[str, str]:
    """The environment for nbgrader: this Python's ``bin`` first on PATH (nbgrader runs ``alembic`` from it)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def nbgrader(
    *args: str, course_dir: Path = REPO_ROOT, check: bool = True, on_line=None, extra_env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in the course directory; raise `NbgraderError` with its log on failure.

    ``on_line`` is called with each line of nbgrader's log as it appears (to show progress);
    ``extra_env`` adds environment variables for nbgrader and the kernels it starts.
    stdout of the result holds nbgrader's output and log, interleaved as printed.
    """
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    lines = []
    with subprocess.Popen(
        command,
        cwd=course_dir,
        env={**tool_env(), **(extra_env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as process:
        for line in process.stdout:
            lines.append(line)
            if on_line is not None:
                on_line(line.rstrip("\n"))
    output = "".join(lines)
    if check and process.returncode != 0:
        raise NbgraderError(f"`nbgrader {' '.join(args)}` failed (exit {process.returncode}):\n{output[-6000:]}")
    return subprocess.CompletedProcess(command, process.returncode, output, "")


@dataclass
class Step:
    """A timed step of a pipeline, printed as it runs so long work shows progress."""

    label: str
    number: int
    total: int

    def __enter__(self):
        print(f"[{self.number}/{self.total}] {self.label} ...", flush=True)
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        status = "failed" if exc[0] else "done"
        print(f"[{self.number}/{self.total}] {self.label}: {status} in {self.seconds:.1f} s", flush=True)
        return False
