"""The instructor pipeline, headless, on demo students it makes itself, through nbgrader's real exchange.

Generates every assignment, releases it to an exchange of the demo's own (``demo/exchange``, so a
real class's exchange is never touched), and for four demo students per assignment (perfect,
untouched release, one planted mistake, every function correct but in another style; the gradebook
and the formgrader name them after their role, e.g. "Perfect Demo", ``demo-perfect@example.invalid``)
fetches it into ``demo/students/<student>/``, fills it in and submits it; then collects, autogrades, generates and
releases feedback, and fetches the feedback as each student. Exports ``grades.csv`` and prints one row
per student and assignment. ``make demo`` runs it in the repository; the tests run the same code in a
temporary copy of the course.

    python -m tools.demo [--course-dir DIR] [--clean]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from nbgrader.api import Gradebook

from nnlab.course import COURSE_ID

from .course import REPO_ROOT, Step, assignments, nbgrader
from .exchange import ensure_exchange
from .gradebook import AssignmentScore, format_table, gradebook_url, read_scores, sqlite_path
from .release import UnsavedEdits, generate
from .submissions import PLANTED_MISTAKES, fill_notebooks

DEMO_STUDENTS = {
    "demo-perfect": "perfect",  # every solution as the source has it
    "demo-untouched": "untouched",  # the release handed in as fetched
    "demo-one-wrong": "one_wrong",  # the assignment's planted mistake (PLANTED_MISTAKES)
    "demo-other-style": "other_style",  # every graded function correct but written differently (OTHER_STYLE)
}
DEMO_DIR = "demo"  # the demo's own exchange and its students' home folders, inside the course


def demo_student_record(student: str) -> dict[str, str]:
    """How the gradebook (and so the formgrader) names a demo student: its role, e.g. "Perfect Demo"."""
    role = student.removeprefix("demo-").replace("-", " ").title()
    return {"first_name": role, "last_name": "Demo", "email": f"{student}@example.invalid"}


def add_demo_students(course_dir: Path, students) -> None:
    """Put the demo students in the gradebook with a name and an email (nbgrader's collect would add bare ids)."""
    with Gradebook(gradebook_url(course_dir)) as gb:
        for student in students:
            gb.update_or_create_student(student, **demo_student_record(student))


def _report_graded(line: str) -> None:
    """Turn nbgrader's "Autograding <course>/autograded/<student>/<assignment>/..." log lines into progress."""
    if "] Autograding " in line:
        parts = Path(line.split("] Autograding ", 1)[1]).parts
        print(f"    graded {parts[-3]} / {parts[-2]}", flush=True)


def demo_paths(course_dir: Path) -> tuple[Path, Path]:
    """The demo's exchange and the folder holding each demo student's home."""
    return Path(course_dir) / DEMO_DIR / "exchange", Path(course_dir) / DEMO_DIR / "students"


def student_home(course_dir: Path, student: str) -> Path:
    return demo_paths(course_dir)[1] / student


def fetched_copy(course_dir: Path, student: str, assignment: str) -> Path:
    """Where nbgrader's fetch puts a demo student's copy: <home>/<course id>/<assignment>/."""
    return student_home(course_dir, student) / COURSE_ID / assignment


def student_exchange(course_dir: Path, exchange: Path, student: str, assignment: str, action: str):
    """Do what the Assignments panel does for ``student``: ``FetchAssignment``, ``Submit`` or ``FetchFeedback``.

    Runs nbgrader's own exchange classes in this process, configured as the panel configures them,
    with the student's home folder and submission cache (so demo students never see each other's).
    """
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory
    from traitlets.config import Config

    home = student_home(course_dir, student)
    home.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.Exchange.root = str(exchange)
    config.Exchange.path_includes_course = True
    config.Exchange.assignment_dir = str(home)
    config.Exchange.cache = str(home / ".nbgrader-cache")
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.assignment_id = assignment
    config.CourseDirectory.student_id = student
    step = getattr(ExchangeFactory(config=config), action)(
        coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config), config=config
    )
    return step.start()


def run_demo(course_dir: Path = REPO_ROOT) -> list[AssignmentScore]:
    """Run the whole instructor and student pipeline on demo students in ``course_dir``; return the scores."""
    course_dir = Path(course_dir).resolve()
    students = DEMO_STUDENTS
    pattern = "demo-*"  # only the demo students: an instructor's real submissions are left alone
    names = assignments(course_dir)
    if not names:
        raise SystemExit(f"No assignments found in {course_dir / 'source'}.")
    exchange, _ = demo_paths(course_dir)
    env = {"NNLAB_EXCHANGE": str(ensure_exchange(exchange))}

    total = 7
    with Step(f"generate and release {len(names)} assignment(s): {', '.join(names)}", 1, total):
        generate(course_dir, names)
        for name in names:
            nbgrader("release_assignment", name, "--force", course_dir=course_dir, extra_env=env)
        add_demo_students(course_dir, students)
    with Step(f"{len(students)} demo students fetch, fill in and submit each assignment", 2, total):
        for student, kind in students.items():
            for name in names:
                copy = fetched_copy(course_dir, student, name)
                if copy.exists():
                    shutil.rmtree(copy)  # the demo student's own copy from an earlier demo run
                student_exchange(course_dir, exchange, student, name, "FetchAssignment")
                fill_notebooks(course_dir, name, kind, copy, student)
                student_exchange(course_dir, exchange, student, name, "Submit")
        missing = [name for name in names if name not in PLANTED_MISTAKES]
        if missing:
            print(f"    note: {', '.join(missing)} have no planted mistake: one-wrong equals perfect there")
    with Step("collect the submissions from the exchange", 3, total):
        for name in names:  # the demo students submitted as this OS user: their names cannot match its owner
            nbgrader("collect", name, "--student", pattern, "--update", "--CollectApp.check_owner=False",
                     course_dir=course_dir, extra_env=env)
    with Step(f"autograde {len(students)} students x {len(names)} assignment(s)", 4, total):
        for name in names:
            nbgrader("autograde", name, "--student", pattern, "--force", course_dir=course_dir, on_line=_report_graded)
    with Step("generate and release feedback", 5, total):
        for name in names:
            nbgrader("generate_feedback", name, "--student", pattern, "--force", course_dir=course_dir)
            nbgrader("release_feedback", name, "--student", pattern, course_dir=course_dir, extra_env=env)
    with Step("each demo student fetches their feedback", 6, total):
        for student in students:
            for name in names:
                student_exchange(course_dir, exchange, student, name, "FetchFeedback")
    with Step("export grades.csv", 7, total):
        nbgrader("export", "--to", str(course_dir / "grades.csv"), course_dir=course_dir)
    rows = [row for row in read_scores(course_dir) if row.student in students]
    print()
    print(format_table(rows))
    print(f"\nFeedback as the students got it: {demo_paths(course_dir)[1]}/<student>/{COURSE_ID}/<assignment>/feedback/"
          f"\nGrades: {course_dir / 'grades.csv'}")
    return rows


def clean_demo(course_dir: Path = REPO_ROOT) -> None:
    """Remove the demo students' folders, gradebook records and the demo's exchange; every other student's stays."""
    course_dir = Path(course_dir)
    for student in DEMO_STUDENTS:
        for step in ("submitted", "autograded", "feedback"):
            shutil.rmtree(course_dir / step / student, ignore_errors=True)
        database_file = sqlite_path(gradebook_url(course_dir))
        if database_file is None or database_file.exists():  # a database server, or an SQLite file already made
            nbgrader("db", "student", "remove", student, "--force", course_dir=course_dir, check=False)
    shutil.rmtree(course_dir / DEMO_DIR, ignore_errors=True)
    print(f"Removed the demo students {', '.join(DEMO_STUDENTS)} and {course_dir / DEMO_DIR} from {course_dir}.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--course-dir",
        type=Path,
        default=REPO_ROOT,
        help="course root holding nbgrader_config.py (default: this repository)",
    )
    parser.add_argument("--clean", action="store_true", help="remove the demo students instead of grading them")
    args = parser.parse_args(argv)
    try:
        if args.clean:
            clean_demo(args.course_dir)
        else:
            run_demo(args.course_dir)
    except UnsavedEdits as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
