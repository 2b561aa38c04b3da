"""Scores read back from nbgrader's gradebook, and the per-student table the instructor tools print."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry


@dataclass
class AssignmentScore:
    """One student's grade on one assignment, split into what nbgrader scored and what waits for a person."""

    student: str
    assignment: str
    auto_score: float = 0.0
    auto_max: float = 0.0
    manual_score: float = 0.0
    manual_max: float = 0.0
    manual_pending: int = 0
    lost_cells: list[str] = field(default_factory=list)


def gradebook_url(course_dir: Path) -> str:
    return f"sqlite:///{Path(course_dir).resolve() / 'gradebook.db'}"


def read_scores(course_dir: Path, assignment: str | None = None) -> list[AssignmentScore]:
    """Every (student, assignment) submission's scores, read from nbgrader's gradebook."""
    rows = []
    with Gradebook(gradebook_url(course_dir)) as gb:
        for found in sorted(gb.assignments, key=lambda a: a.name):
            if assignment is not None and found.name != assignment:
                continue
            for student in sorted(gb.students, key=lambda s: s.id):
                try:
                    submission = gb.find_submission(found.name, student.id)
                except MissingEntry:
                    continue
                row = AssignmentScore(student.id, found.name)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.cell.cell_type == "code":
                            row.auto_score += grade.score
                            row.auto_max += grade.max_score
                            if grade.score < grade.max_score:
                                row.lost_cells.append(grade.name)
                        else:
                            row.manual_max += grade.max_score
                            if grade.needs_manual_grade:
                                row.manual_pending += 1
                            else:
                                row.manual_score += grade.score
                rows.append(row)
    return rows


def format_table(rows: list[AssignmentScore]) -> str:
    """A plain-text table: one line per student and assignment."""
    header = f"{'student':<16} {'assignment':<18} {'auto points':>12} {'manual':>14}  cells that lost points"
    lines = [header, "-" * len(header)]
    for row in rows:
        if row.manual_pending:
            manual = f"{row.manual_pending} to grade"
        else:
            manual = f"{row.manual_score:g} of {row.manual_max:g}"
        lost = ", ".join(row.lost_cells) if row.lost_cells else "-"
        if len(lost) > 60:
            lost = f"{len(row.lost_cells)} cells ({lost[:45]}...)"
        lines.append(
            f"{row.student:<16} {row.assignment:<18} {row.auto_score:>5g} / {row.auto_max:<5g} {manual:>14}  {lost}"
        )
    return "\n".join(lines)
