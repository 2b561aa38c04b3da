"""Judging the graded suite: no case may earn more on the cells it attacks, or in all, than an honest answer would."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import gradebook
from ..submissions import PLANTED_MISTAKES
from .cases import PREFIX, WRONG_ANSWER_CASES, Submission


def cell_scores(course_dir: Path) -> dict[tuple[str, str, str], tuple[float, float, float]]:
    """Every test cell's (points, max score, extra credit) by (student, assignment, grade id)."""
    return {(student, assignment, cell): (score.points, score.max_score, score.extra_credit or 0)
            for (student, assignment, _, cell), score in gradebook.cell_scores(course_dir).items()
            if score.cell_type == "code"}


@dataclass
class Verdict:
    """How one adversarial submission fared: its score on the cells it attacked against what it could earn."""

    case: str
    assignment: str
    attacked_score: float
    attacked_allowed: float
    total: float
    total_allowed: float
    extra_credit: float
    graded: bool

    @property
    def held(self) -> bool:
        return (self.attacked_score <= self.attacked_allowed + 1e-9 and self.total <= self.total_allowed + 1e-9
                and self.extra_credit == 0)


def honest_credit(assignment: str, cell: str, points: float) -> float:
    """What the wrong answer a content case builds on earns honestly on ``cell`` (partial credit of a quiz)."""
    mistake = PLANTED_MISTAKES.get(assignment)
    if mistake and f"test_{mistake.cell}" == cell and mistake.points_lost is not None:
        return points - mistake.points_lost
    return 0.0


def judge(course_dir: Path, submissions: list[Submission]) -> list[Verdict]:
    """Compare each submission's grades with the honest perfect and untouched students' (both must be made)."""
    scores = cell_scores(course_dir)
    verdicts = []
    for s in submissions:
        perfect = {cell: v for (student, a, cell), v in scores.items()
                   if student == PREFIX + "perfect" and a == s.assignment}
        mine = {cell: v for (student, a, cell), v in scores.items() if student == s.student and a == s.assignment}
        builds_on_mistake = s.case in WRONG_ANSWER_CASES
        attacked_allowed = sum(honest_credit(s.assignment, cell, perfect[cell][1]) if builds_on_mistake else 0.0
                               for cell in s.attacked)
        total_allowed = sum(v[1] for v in perfect.values()) - sum(perfect[c][1] for c in s.attacked) + attacked_allowed
        if s.case == "untouched":
            total_allowed = 0.0
        verdicts.append(Verdict(
            case=s.case, assignment=s.assignment,
            attacked_score=sum(mine.get(cell, (0.0,))[0] for cell in s.attacked),
            attacked_allowed=attacked_allowed,
            total=sum(v[0] for v in mine.values()), total_allowed=total_allowed,
            extra_credit=sum(v[2] for v in mine.values()), graded=bool(mine),
        ))
    return verdicts


def format_verdicts(verdicts: list[Verdict]) -> str:
    header = (f"{'case':<15} {'assignment':<18} {'attacked cells':>15} {'honest':>7} {'total':>7} {'honest':>7}"
              f"  {'graded':<6} held")
    lines = [header, "-" * len(header)]
    for v in verdicts:
        lines.append(f"{v.case:<15} {v.assignment:<18} {v.attacked_score:>15g} {v.attacked_allowed:>7g} "
                     f"{v.total:>7g} {v.total_allowed:>7g}  {'yes' if v.graded else 'no':<6} "
                     f"{'yes' if v.held else 'NO'}")
    return "\n".join(lines)
