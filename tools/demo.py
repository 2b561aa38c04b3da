"""The instructor pipeline, headless, on demo students it makes itself.

Generates every assignment, submits three demo students per assignment (perfect,
untouched release, one planted mistake), autogrades, generates feedback, exports
``grades.csv`` and prints one row per student and assignment. ``make demo`` runs it
in the repository; the tests run the same code in a temporary copy of the course.

    python -m tools.demo [--course-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .course import REPO_ROOT, Step, assignments, nbgrader
from .submissions import PLANTED_MISTAKES, make_submission

DEMO_STUDENTS = {"demo-perfect": "perfect", "demo-untouched": "untouched", "demo-one-wrong": "one_wrong"}


@dataclass
class AssignmentScore:
    """One student's grade on one assignment, split into what nbgrader scored and what waits for a person."""

    student: str
    assignment: str
    auto_score: float = 0.0
    auto_max: float = 0.0
    manual_max: float = 0.0
    manual_pending: int = 0
    lost_cells: list[str] = field(default_factory=list)


def gradebook_url(course_dir: Path) -> str:
    return f"sqlite:///{Path(course_dir) / 'gradebook.db'}"


def read_scores(course_dir: Path) -> list[AssignmentScore]:
    """Every (student, assignment) submission's scores, read from nbgrader's gradebook."""
    rows = []
    with Gradebook(gradebook_url(course_dir)) as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            for student in sorted(gb.students, key=lambda s: s.id):
                try:
                    submission = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    continue
                row = AssignmentScore(student.id, assignment.name)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.cell.cell_type == "code":
                            row.auto_score += grade.score
                            row.auto_max += grade.max_score
                            if grade.score < grade.max_score:
                                row.lost_cells.append(grade.name)
                        else:
                            row.manual_max += grade.max_score
                            row.manual_pending += int(bool(grade.needs_manual_grade))
                rows.append(row)
    return rows


def format_table(rows: list[AssignmentScore]) -> str:
    """A plain-text table: one line per student and assignment."""
    header = f"{'student':<16} {'assignment':<18} {'auto points':>12} {'manual':>14}  cells that lost points"
    lines = [header, "-" * len(header)]
    for row in rows:
        manual = f"{row.manual_pending} to grade" if row.manual_pending else f"0 of {row.manual_max:g}"
        lost = ", ".join(row.lost_cells) if row.lost_cells else "-"
        if len(lost) > 60:
            lost = f"{len(row.lost_cells)} cells ({lost[:45]}...)"
        lines.append(
            f"{row.student:<16} {row.assignment:<18} {row.auto_score:>5g} / {row.auto_max:<5g} {manual:>14}  {lost}"
        )
    return "\n".join(lines)


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--course-dir",
        type=Path,
        default=REPO_ROOT,
        help="course root holding nbgrader_config.py (default: this repository)",
    )
    args = parser.parse_args(argv)
    run_demo(args.course_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
