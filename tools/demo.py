"""The instructor pipeline, headless, on demo students it makes itself.

Generates every assignment, submits three demo students per assignment (perfect,
untouched release, one planted mistake), autogrades, generates feedback, exports
``grades.csv`` and prints one row per student and assignment. ``make demo`` runs it
in the repository; the tests run the same code in a temporary copy of the course.

    python -m tools.demo [--course-dir DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .course import REPO_ROOT, Step, assignments, nbgrader
from .gradebook import AssignmentScore, format_table, read_scores
from .submissions import PLANTED_MISTAKES, make_submission

DEMO_STUDENTS = {"demo-perfect": "perfect", "demo-untouched": "untouched", "demo-one-wrong": "one_wrong"}


def _report_graded(line: str) -> None:
    """Turn nbgrader's "Autograding <course>/autograded/<student>/<assignment>/..." log lines into progress."""
    if "] Autograding " in line:
        parts = Path(line.split("] Autograding ", 1)[1]).parts
        print(f"    graded {parts[-3]} / {parts[-2]}", flush=True)


def run_demo(course_dir: Path = REPO_ROOT) -> list[AssignmentScore]:
    """Run the whole instructor pipeline on demo students in ``course_dir``; return the scores."""
    course_dir = Path(course_dir)
    students = DEMO_STUDENTS
    pattern = "demo-*"  # only the demo students: an instructor's real submissions are left alone
    names = assignments(course_dir)
    if not names:
        raise SystemExit(f"No assignments found in {course_dir / 'source'}.")
    total = 5
    with Step(f"generate_assignment for {len(names)} assignment(s): {', '.join(names)}", 1, total):
        for name in names:
            nbgrader("generate_assignment", name, "--force", course_dir=course_dir)
    with Step(f"make {len(students)} demo submissions per assignment", 2, total):
        for name in names:
            for student, kind in students.items():
                make_submission(course_dir, name, student, kind)
            if name not in PLANTED_MISTAKES:
                print(f"    note: {name} has no planted mistake; its one-wrong student equals the perfect one")
    with Step(f"autograde {len(students)} students x {len(names)} assignment(s)", 3, total):
        for name in names:
            nbgrader("autograde", name, "--student", pattern, "--force", course_dir=course_dir, on_line=_report_graded)
    with Step("generate_feedback", 4, total):
        for name in names:
            nbgrader("generate_feedback", name, "--student", pattern, "--force", course_dir=course_dir)
    with Step("export grades.csv", 5, total):
        nbgrader("export", "--to", str(course_dir / "grades.csv"), course_dir=course_dir)
    rows = [row for row in read_scores(course_dir) if row.student in students]
    print()
    print(format_table(rows))
    print(f"\nFeedback: {course_dir / 'feedback'}/<student>/<assignment>/*.html   Grades: {course_dir / 'grades.csv'}")
    return rows


def clean_demo(course_dir: Path = REPO_ROOT) -> None:
    """Remove the demo students' folders and gradebook records; every other student's work stays."""
    course_dir = Path(course_dir)
    for student in DEMO_STUDENTS:
        for step in ("submitted", "autograded", "feedback"):
            shutil.rmtree(course_dir / step / student, ignore_errors=True)
        if (course_dir / "gradebook.db").exists():
            nbgrader("db", "student", "remove", student, "--force", course_dir=course_dir, check=False)
    print(f"Removed the demo students {', '.join(DEMO_STUDENTS)} from {course_dir}.")


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
    if args.clean:
        clean_demo(args.course_dir)
    else:
        run_demo(args.course_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
