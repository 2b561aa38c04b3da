"""Grade a whole class with nbgrader across cores or machines, with progress, a summary and grades.csv.

nbgrader grades serially in one process. This command splits the students of
``submitted/*/<assignment>/`` into batches and runs ordinary ``nbgrader autograde``
(then ``nbgrader generate_feedback``) processes on them in parallel, each told to
skip every student outside its batch. The grading itself is nbgrader's own, so the
grades and feedback are those a serial run gives. The gradebook is the one the course's
nbgrader configuration names (`tools.gradebook.gradebook_url`): SQLite by default, shared
by the processes with a generous lock timeout, or a PostgreSQL server; every student is
created in it before the parallel part starts.

    python -m tools.grade ASSIGNMENT [--jobs N] [--no-feedback] [--course-dir DIR]

Grading workers spread a class over processes or machines that share the gradebook:

    python -m tools.grade ASSIGNMENT --workers N          # coordinator: N local workers, then feedback + export
    python -m tools.grade ASSIGNMENT --worker --students a,b,c   # one worker: autograde only these students
    python -m tools.grade ASSIGNMENT --worker --shard I/N         # the I-th of N slices (a Kubernetes Indexed Job)
    python -m tools.grade ASSIGNMENT --finish              # after workers elsewhere: feedback + export once

A worker writes ``autograded/<student>/`` for its students in its course folder (on a cluster: the
course folder on a shared volume) and their grades in the shared gradebook; it prints one line
``autograded <student>`` or ``failed <student>`` per student and never generates feedback or exports.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .course import REPO_ROOT, nbgrader, notebooks
from .gradebook import describe, format_table, gradebook_url, read_scores, with_lock_timeout

# Parallel processes already use every core: each grading kernel's numpy gets one thread, so kernels
# do not fight over cores (numpy's results are the same within the tests' tolerances).
ONE_THREAD_EACH = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# Seconds a process waits for another one's write lock on an SQLite gradebook before failing (a database
# server such as PostgreSQL locks rows, not the file: its URL is left as configured).
GRADEBOOK_LOCK_TIMEOUT = 300

# What a worker prints for each student it finishes, one line each (the coordinator and cluster logs read them).
WORKER_DONE, WORKER_FAILED = "autograded", "failed"


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
    args = [command, assignment, "--force"]
    db_url = gradebook_url(course_dir)
    if with_lock_timeout(db_url, GRADEBOOK_LOCK_TIMEOUT) != db_url:
        # SQLite only: its URL holds no password. A server's URL is never put on a command line
        # (every user can read /proc/<pid>/cmdline): nbgrader reads it from the configuration itself.
        args.append(f"--CourseDirectory.db_url={with_lock_timeout(db_url, GRADEBOOK_LOCK_TIMEOUT)}")
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
    course_dir: Path,
    command: str,
    assignment: str,
    students: list[str],
    jobs: int,
    label: str,
    stream=sys.stdout,
    everyone: list[str] | None = None,
    on_finished=None,
) -> None:
    """Run ``nbgrader <command>`` over ``students`` in parallel batches, showing progress as they finish.

    ``everyone`` is every student nbgrader could see in the course folder (default: ``students``);
    each process skips all of them but its batch. ``on_finished(student, had_error)`` replaces the
    progress bar (a worker prints one line per student instead).
    """
    progress = None if on_finished else Progress(len(students), label, stream)
    finished, failed = set(), set()
    lock = threading.Lock()

    def on_student(student: str, had_error: bool) -> None:
        with lock:
            if student not in students or student in finished:
                return
            finished.add(student)
            if had_error:
                failed.add(student)
            if on_finished:
                on_finished(student, had_error)
            else:
                progress.update(done=len(finished), failed=len(failed))

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = [
            pool.submit(_run_batch, course_dir, command, assignment, b, everyone or students, on_student)
            for b in batches(students, jobs)
        ]
        for run in runs:
            run.result()  # a failure of this tool itself (not of a student's notebook) surfaces here
    if progress:
        progress.close()


def _class_report(course_dir: Path, assignment: str) -> ClassGrading:
    students = submitted_students(course_dir, assignment)
    if not students:
        raise SystemExit(f"No submissions in {course_dir / 'submitted'}/*/{assignment}/.")
    n_notebooks = len(notebooks(course_dir, assignment, "release")) or len(notebooks(course_dir, assignment))
    return ClassGrading(assignment, students, n_notebooks)


def _finish(course_dir: Path, report: ClassGrading, jobs: int, feedback: bool, export: bool, stream) -> None:
    """What the coordinator does once every student is autograded: failures, feedback, grades.csv."""
    report.failed = _failed_students(course_dir, report.assignment, report.students, report.notebooks_per_student)
    graded = [s for s in report.students if s not in report.failed]
    if feedback and graded:
        run_in_parallel(course_dir, "generate_feedback", report.assignment, graded, jobs, "feedback ", stream)
    if export:
        nbgrader("export", "--to", str(course_dir / "grades.csv"), course_dir=course_dir)
    report.done = set(graded)


def grade_class(
    course_dir: Path,
    assignment: str,
    jobs: int | None = None,
    feedback: bool = True,
    export: bool = True,
    stream=sys.stdout,
    workers: int | None = None,
    autograde: bool = True,
) -> ClassGrading:
    """Autograde (and give feedback to) every submitted student of ``assignment``; write grades.csv.

    With ``workers``, the class is split into that many worker processes (`grade_as_worker`, each
    ``jobs`` nbgrader processes wide, 1 by default) instead of one process's threads; without
    ``autograde``, students already autograded by workers elsewhere only get feedback and the export.
    """
    course_dir = Path(course_dir).resolve()
    jobs = jobs or os.cpu_count() or 1
    report = _class_report(course_dir, assignment)
    students = report.students
    start = time.perf_counter()
    prepare_gradebook(course_dir, assignment, students)
    gradebook = describe(gradebook_url(course_dir))
    if not autograde:
        print(f"Finishing {assignment}: {len(students)} students (gradebook {gradebook})", file=stream)
    elif workers:
        print(f"Grading {assignment}: {len(students)} students, {workers} workers (gradebook {gradebook})", file=stream)
        run_workers(course_dir, assignment, students, workers, stream)
    else:
        print(f"Grading {assignment}: {len(students)} students, {jobs} parallel jobs", file=stream)
        run_in_parallel(course_dir, "autograde", assignment, students, jobs, "autograde", stream)
    _finish(course_dir, report, jobs, feedback, export, stream)
    report.seconds = time.perf_counter() - start
    return report


def shard(students: list[str], index: int, count: int) -> list[str]:
    """The ``index``-th (from 0) of ``count`` slices of the class: the same split `run_workers` makes."""
    if not 0 <= index < count:
        raise SystemExit(f"shard {index}/{count}: the index must be from 0 to {count - 1}")
    groups = batches(students, count)
    return groups[index] if index < len(groups) else []


def grade_as_worker(
    course_dir: Path, assignment: str, students: list[str], jobs: int = 1, stream=sys.stdout
) -> dict[str, str]:
    """One grading worker: autograde ``students`` against the shared gradebook; return the failed ones.

    Writes ``autograded/<student>/<assignment>/`` in ``course_dir`` and the grades in the gradebook
    the course's configuration names; prints ``autograded <student>`` or ``failed <student>`` per student.
    """
    course_dir = Path(course_dir).resolve()
    report = _class_report(course_dir, assignment)
    unknown = sorted(set(students) - set(report.students))
    if unknown:
        raise SystemExit(f"No submission of {assignment} in {course_dir / 'submitted'} for: {', '.join(unknown)}")
    if not students:
        return {}
    prepare_gradebook(course_dir, assignment, students)  # the coordinator did it already; a cluster job may not

    def on_finished(student: str, had_error: bool) -> None:
        print(f"{WORKER_FAILED if had_error else WORKER_DONE} {student}", file=stream, flush=True)

    run_in_parallel(course_dir, "autograde", assignment, students, max(1, jobs), "autograde", stream,
                    everyone=report.students, on_finished=on_finished)
    return _failed_students(course_dir, assignment, students, report.notebooks_per_student)


def run_workers(course_dir: Path, assignment: str, students: list[str], workers: int, stream=sys.stdout) -> None:
    """Split ``students`` over ``workers`` local worker processes (``--worker``), show their progress, wait."""
    groups = batches(students, workers)
    progress = Progress(len(students), "autograde", stream)
    finished, failed = set(), set()
    lock = threading.Lock()
    log_dir = Path(course_dir) / "grading-logs"
    log_dir.mkdir(exist_ok=True)

    def run(index: int, group: list[str]) -> int:
        command = [sys.executable, "-m", "tools.grade", assignment, "--worker", "--students", ",".join(group),
                   "--course-dir", str(course_dir), "--jobs", "1"]
        lines = []
        with subprocess.Popen(command, cwd=REPO_ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1) as process:
            for line in process.stdout:
                lines.append(line)
                word, _, student = line.strip().partition(" ")
                if word in (WORKER_DONE, WORKER_FAILED) and student in group:
                    with lock:
                        finished.add(student)
                        if word == WORKER_FAILED:
                            failed.add(student)
                        progress.update(done=len(finished), failed=len(failed))
        (log_dir / f"{assignment}-worker-{index}.log").write_text("".join(lines))
        if process.returncode not in (0, 1):  # 1: some students failed, reported after the gathering
            raise RuntimeError(f"grading worker {index} stopped (exit {process.returncode}):\n{''.join(lines)[-4000:]}")
        return process.returncode

    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        for result in [pool.submit(run, i, group) for i, group in enumerate(groups)]:
            result.result()
    progress.close()


def argument_parser(description: str) -> argparse.ArgumentParser:
    """The command line of class grading, shared with `tools.grade_safely`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("assignment")
    parser.add_argument("--jobs", type=int, default=None, help="parallel nbgrader processes (default: CPU count)")
    parser.add_argument("--no-feedback", action="store_true", help="skip generate_feedback")
    parser.add_argument("--course-dir", type=Path, default=REPO_ROOT)
    return parser


def _worker_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("grading workers (any gradebook; PostgreSQL for workers on several machines)")
    group.add_argument("--workers", type=int, default=None,
                       help="coordinator: split the class over N local worker processes, then feedback and export")
    group.add_argument("--worker", action="store_true",
                       help="be one worker: autograde only --students or --shard, no feedback, no export")
    group.add_argument("--students", default=None, help="with --worker: comma-separated student ids")
    group.add_argument("--shard", default=None, metavar="I/N",
                       help="with --worker: the I-th (from 0) of N slices of the class, e.g. $JOB_COMPLETION_INDEX/8")
    group.add_argument("--finish", action="store_true",
                       help="coordinator after workers elsewhere: feedback and export for the autograded students")


def _worker_main(args) -> int:
    everyone = submitted_students(args.course_dir, args.assignment)
    if args.students is not None:
        students = [s for s in args.students.split(",") if s]
    elif args.shard:
        index, _, count = args.shard.partition("/")
        students = shard(everyone, int(index), int(count))
    else:
        raise SystemExit("--worker needs --students a,b,c or --shard I/N")
    failed = grade_as_worker(args.course_dir, args.assignment, students, args.jobs or 1)
    print(f"worker: {len(students) - len(failed)} of {len(students)} students autograded", flush=True)
    for student, reason in sorted(failed.items()):
        print(f"  {student}: {reason}")
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argument_parser(__doc__.splitlines()[0])
    _worker_arguments(parser)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker_main(args)
    report = grade_class(args.course_dir, args.assignment, args.jobs, feedback=not args.no_feedback,
                         workers=args.workers, autograde=not args.finish)
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
