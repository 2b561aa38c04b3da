"""Make submissions from the release and source notebooks: perfect, untouched, or with planted mistakes.

A perfect submission is the release notebook with every solution cell filled in
from the source (the solution delimiters removed). Hidden tests are not copied:
nbgrader puts them back from the gradebook when it autogrades.
"""

from __future__ import annotations

import copy
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"


@dataclass(frozen=True)
class PlantedMistake:
    """A wrong version of one graded function: its solution cell's grade id and the cell's new source."""

    cell: str
    source: str
    description: str
    points_lost: float | None = None  # None: all the points of test_<cell>; a number for partial credit


# One typical student mistake per assignment, for the demo's "one wrong function" student.
# Its test cell (named test_<cell>) must fail and every other cell must still pass.
PLANTED_MISTAKES = {
    "01_activations": PlantedMistake(
        cell="relu",
        source=(
            "def relu(z):\n"
            '    """ReLU, written with abs by mistake: negative inputs come out positive."""\n'
            "    return np.abs(z)\n"
        ),
        description="relu returns |z| instead of max(0, z)",
    ),
}


def _nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def strip_solution_markers(source: str) -> str:
    """The instructor's solution with its delimiter lines removed, as a student would have typed it."""
    kept = [line for line in source.splitlines() if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION)]
    return "\n".join(kept)


def solution_sources(source_notebook: Path) -> dict[str, str]:
    """Map each solution cell's grade id to its filled-in source."""
    nb = nbformat.read(source_notebook, as_version=4)
    return {
        _nbgrader_meta(cell)["grade_id"]: strip_solution_markers(cell.source)
        for cell in nb.cells
        if _nbgrader_meta(cell).get("solution")
    }


def fill_solutions(release_nb, solutions: dict[str, str], overrides: dict[str, str] | None = None):
    """A copy of ``release_nb`` whose solution cells hold ``solutions`` (``overrides`` win)."""
    nb = copy.deepcopy(release_nb)
    answers = {**solutions, **(overrides or {})}
    for cell in nb.cells:
        grade_id = _nbgrader_meta(cell).get("grade_id")
        if _nbgrader_meta(cell).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def make_submission(course_dir: Path, assignment: str, student: str, kind: str) -> Path:
    """Write ``submitted/<student>/<assignment>/`` for one demo student and return the folder.

    ``kind`` is ``perfect``, ``untouched`` or ``one_wrong`` (the assignment's planted mistake).
    """
    course_dir = Path(course_dir)
    release_dir = course_dir / "release" / assignment
    target = course_dir / "submitted" / student / assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for release_path in sorted(release_dir.glob("*.ipynb")):
        release_nb = nbformat.read(release_path, as_version=4)
        if kind == "untouched":
            nb = release_nb
        elif kind in ("perfect", "one_wrong"):
            solutions = solution_sources(course_dir / "source" / assignment / release_path.name)
            overrides = {}
            mistake = PLANTED_MISTAKES.get(assignment) if kind == "one_wrong" else None
            if mistake and mistake.cell in solutions:
                overrides[mistake.cell] = mistake.source
            nb = fill_solutions(release_nb, solutions, overrides)
        else:
            raise ValueError(f"unknown submission kind {kind!r}; use perfect, untouched or one_wrong")
        nbformat.write(nb, target / release_path.name)
    (target / "timestamp.txt").write_text("2026-01-01 12:00:00.000000 UTC\n")
    return target
