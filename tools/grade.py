"""Grade a whole class with nbgrader across the machine's cores, with progress, a summary and grades.csv.

nbgrader grades serially in one process. This command splits the students of
``submitted/*/<assignment>/`` into batches and runs ordinary ``nbgrader autograde``
(then ``nbgrader generate_feedback``) processes on them in parallel, each told to
skip every student outside its batch. The grading itself is nbgrader's own, so the
grades and feedback are those a serial run gives; the gradebook is SQLite, shared by
the processes with a generous lock timeout, and every student is created in it
before the parallel part starts.

    python -m tools.grade ASSIGNMENT [--jobs N] [--no-feedback] [--course-dir DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .course import REPO_ROOT, nbgrader, notebooks
from .gradebook import format_table, gradebook_url, read_scores

# Parallel processes already use every core: each grading kernel's numpy gets one thread, so kernels
# do not fight over cores (numpy's results are the same within the tests' tolerances).
ONE_THREAD_EACH = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# Seconds a process waits for another one's write lock on the SQLite gradebook before failing.
GRADEBOOK_LOCK_TIMEOUT = 300


@dataclass
class ClassGrading:
    """What happened to each student while grading one assignment for a class."""

    assignment: str
    students: list[str]
    notebooks_per_student: int
    done: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


class Progress:
    """A one-line progress bar: students done, failures, time spent and time left."""

    def __init__(self, total: int, label: str, stream=sys.stdout):
        self.total, self.label, self.stream = total, label, stream
        self.done = self.failed = 0
        self.start = time.perf_counter()
        self.lock = threading.Lock()
        self.interactive = stream.isatty()
        self._last_line = ""

    def update(self, done: int | None = None, failed: int | None = None) -> None:
        with self.lock:
            self.done = self.done if done is None else done
            self.failed = self.failed if failed is None else failed
            self._draw()

    def _draw(self, final: bool = False) -> None:
        elapsed = time.perf_counter() - self.start
        fraction = self.done / self.total if self.total else 1.0
        left = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
        bar = "#" * int(30 * fraction) + "." * (30 - int(30 * fraction))
        left_text = "--:--" if math.isnan(left) else f"{int(left) // 60:02d}:{int(left) % 60:02d}"
        line = (
            f"{self.label} [{bar}] {self.done}/{self.total} students, {self.failed} failed, "
            f"{int(elapsed) // 60:02d}:{int(elapsed) % 60:02d} elapsed, {left_text} left"
        )
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if final else ""))
        elif line != self._last_line and (final or self.done != getattr(self, "_last_done", -1)):
            self.stream.write(line + "\n")
            self._last_done = self.done
        self._last_line = line
        self.stream.flush()

    def close(self) -> None:
        with self.lock:
            self._draw(final=True)


def submitted_students(course_dir: Path, assignment: str) -> list[str]:
    """Students with a folder for ``assignment`` in ``submitted/``."""
    submitted = Path(course_dir) / "submitted"
    return sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())


def batches(students: list[str], jobs: int) -> list[list[str]]:
    """One batch per job, students dealt round-robin: each nbgrader process starts once (about 2.5 s)."""
    count = max(1, min(len(students), jobs))
    return [students[i::count] for i in range(count)]


def prepare_gradebook(course_dir: Path, assignment: str, students: list[str]) -> None:
    """Check the assignment exists and create every student before processes share the gradebook."""
    with Gradebook(gradebook_url(course_dir)) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise SystemExit(
                f"{assignment} is not in the gradebook: run `nbgrader generate_assignment {assignment}` first."
            ) from None
        for student in students:
            gb.update_or_create_student(student)


def _run_batch(
    course_dir: Path, command: str, assignment: str, batch: list[str], everyone: list[str], on_student: callable
) -> int:
    """One nbgrader process for one batch of students; reports each student as nbgrader finishes them."""
    others = [s for s in everyone if s not in batch]
    db_url = f"{gradebook_url(course_dir)}?timeout={GRADEBOOK_LOCK_TIMEOUT}"
    args = [command, assignment, "--force", f"--CourseDirectory.db_url={db_url}"]
    if others:
        args.append(f"--CourseDirectory.student_id_exclude={','.join(others)}")
    # nbgrader logs "Converting notebook <root>/<step>/<student>/<assignment>/..." as it starts each student.
    marker = "/submitted/" if command == "autograde" else "/autograded/"
    state = {"student": None, "failed": False}

    def finish_current() -> None:
        if state["student"] is not None:
            on_student(state["student"], state["failed"])

    def watch(line: str) -> None:
        if marker in line and "Converting notebook" in line:
            student = line.split(marker, 1)[1].split("/", 1)[0]
            if student != state["student"]:
                finish_current()
                state.update(student=student, failed=False)
        elif "| ERROR]" in line:
            state["failed"] = True

    result = nbgrader(*args, course_dir=course_dir, check=False, on_line=watch, extra_env=ONE_THREAD_EACH)
    finish_current()
    log_dir = Path(course_dir) / "grading-logs"
    log_dir.mkdir(exist_ok=True)
    (log_dir / f"{assignment}-{command}-{batch[0]}-to-{batch[-1]}.log").write_text(result.stdout)
    return result.returncode


def _failed_students(course_dir: Path, assignment: str, students: list[str], n_notebooks: int) -> dict[str, str]:
    """Students whose autograded notebooks did not all reach the gradebook, with the reason."""
    failed = {}
    with Gradebook(gradebook_url(course_dir)) as gb:
        for student in students:
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                failed[student] = "no submission in the gradebook"
                continue
            autograded = list((Path(course_dir) / "autograded" / student / assignment).glob("*.ipynb"))
            if len(autograded) < n_notebooks or len(submission.notebooks) < n_notebooks:
                failed[student] = "not every notebook was graded (see the log above)"
    return failed


def run_in_parallel(
    course_dir: Path, command: str, assignment: str, students: list[str], jobs: int, label: str, stream=sys.stdout
) -> None:
    """Run ``nbgrader <command>`` over ``students`` in parallel batches, showing progress as they finish."""
    progress = Progress(len(students), label, stream)
    finished, failed = set(), set()
    lock = threading.Lock()

    def on_student(student: str, had_error: bool) -> None:
        with lock:
            finished.add(student)
            if had_error:
                failed.add(student)
            progress.update(done=len(finished), failed=len(failed))

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = [
            pool.submit(_run_batch, course_dir, command, assignment, b, students, on_student)
            for b in batches(students, jobs)
        ]
        for run in runs:
            run.result()  # a failure of this tool itself (not of a student's notebook) surfaces here
    progress.close()


def grade_class(
    course_dir: Path,
    assignment: str,
    jobs: int | None = None,
    feedback: bool = True,
    export: bool = True,
    stream=sys.stdout,
) -> ClassGrading:
    """Autograde (and give feedback to) every submitted student of ``assignment``; write grades.csv."""
    course_dir = Path(course_dir).resolve()
    jobs = jobs or os.cpu_count() or 1
    students = submitted_students(course_dir, assignment)
    if not students:
        raise SystemExit(f"No submissions in {course_dir / 'submitted'}/*/{assignment}/.")
    n_notebooks = len(notebooks(course_dir, assignment, "release")) or len(notebooks(course_dir, assignment))
    report = ClassGrading(assignment, students, n_notebooks)
    start = time.perf_counter()
    prepare_gradebook(course_dir, assignment, students)
    print(f"Grading {assignment}: {len(students)} students, {jobs} parallel jobs", file=stream)
    run_in_parallel(course_dir, "autograde", assignment, students, jobs, "autograde", stream)
    report.failed = _failed_students(course_dir, assignment, students, n_notebooks)
    graded = [s for s in students if s not in report.failed]
    if feedback and graded:
        run_in_parallel(course_dir, "generate_feedback", assignment, graded, jobs, "feedback ", stream)
    if export:
        nbgrader("export", "--to", str(course_dir / "grades.csv"), course_dir=course_dir)
    report.done = set(graded)
    report.seconds = time.perf_counter() - start
    return report


def argument_parser(description: str) -> argparse.ArgumentParser:
    """The command line of class grading, shared with `tools.grade_safely`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("assignment")
    parser.add_argument("--jobs", type=int, default=None, help="parallel nbgrader processes (default: CPU count)")
    parser.add_argument("--no-feedback", action="store_true", help="skip generate_feedback")
    parser.add_argument("--course-dir", type=Path, default=REPO_ROOT)
    return parser


def main(argv=None) -> int:
    args = argument_parser(__doc__.splitlines()[0]).parse_args(argv)
    report = grade_class(args.course_dir, args.assignment, args.jobs, feedback=not args.no_feedback)
    rows = read_scores(args.course_dir, args.assignment)
    print()
    print(format_table(rows))
    per_student = report.seconds / max(1, len(report.students))
    print(
        f"\n{len(report.done)} of {len(report.students)} students graded in {report.seconds:.1f} s "
        f"({per_student:.2f} s per student); grades in {Path(args.course_dir) / 'grades.csv'}"
    )
    if report.failed:
        print(f"\n{len(report.failed)} student(s) could not be graded; their submissions are untouched:")
        for student, reason in sorted(report.failed.items()):
            print(f"  {student}: {reason}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
