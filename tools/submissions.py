"""Make submissions from the release and source notebooks: perfect, untouched, or with planted mistakes.

A perfect submission is the release notebook with every solution cell filled in
from the source (the solution delimiters removed). Hidden tests are not copied:
nbgrader puts them back from the gradebook when it autogrades.
"""

from __future__ import annotations

import copy
import random
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
    "05_mnist": PlantedMistake(
        cell="confusion_matrix",
        source=(
            "def confusion_matrix(t, y, num_classes=10):\n"
            '    """Confusion matrix with rows and columns swapped by mistake: rows are the predictions."""\n'
            "    C = np.zeros((num_classes, num_classes), dtype=np.int64)\n"
            "    np.add.at(C, (y, t), 1)\n"
            "    return C\n"
        ),
        description="confusion_matrix puts predictions in rows and true labels in columns (swapped)",
    ),
    "01_activations": PlantedMistake(
        cell="relu",
        source=(
            "def relu(z):\n"
            '    """ReLU, written with abs by mistake: negative inputs come out positive."""\n'
            "    return np.abs(z)\n"
        ),
        description="relu returns |z| instead of max(0, z)",
    ),
    "02_initialization": PlantedMistake(
        cell="initialize_parameters_he",
        source=(
            "def initialize_parameters_he(layer_dims, seed=None):\n"
            '    """He initialisation written with sqrt(1 / n[l-1]) by mistake: that is Xavier\'s scale."""\n'
            "    rng = np.random.default_rng(seed)\n"
            "    parameters = {}\n"
            "    for layer in range(1, len(layer_dims)):\n"
            "        n_prev, n = layer_dims[layer - 1], layer_dims[layer]\n"
            "        parameters[f'W{layer}'] = rng.standard_normal((n, n_prev)) * np.sqrt(1.0 / n_prev)\n"
            "        parameters[f'b{layer}'] = np.zeros((n, 1))\n"
            "    return parameters\n"
        ),
        description="initialize_parameters_he uses sqrt(1 / n[l-1]) (Xavier) instead of sqrt(2 / n[l-1])",
    ),
    "03_dimensions": PlantedMistake(
        cell="parameter_shapes",
        source=(
            "def parameter_shapes(layer_dims):\n"
            '    """Parameter shapes, with W transposed by mistake: (n[l-1], n[l]), the book\'s row convention."""\n'
            "    shapes = {}\n"
            "    for layer in range(1, len(layer_dims)):\n"
            '        shapes[f"W{layer}"] = (layer_dims[layer - 1], layer_dims[layer])\n'
            '        shapes[f"b{layer}"] = (layer_dims[layer], 1)\n'
            "    return shapes\n"
        ),
        description="parameter_shapes gives W[l] the transposed shape (n[l-1], n[l])",
    ),
    "04_deep_network": PlantedMistake(
        cell="linear_backward",
        source=(
            "def linear_backward(dZ, cache):\n"
            '    """Linear backward step without the 1/m by mistake: dW and db are m times too large."""\n'
            "    A_prev, W, b = cache\n"
            "    dW = dZ @ A_prev.T\n"
            "    db = np.sum(dZ, axis=1, keepdims=True)\n"
            "    dA_prev = W.T @ dZ\n"
            "    return dA_prev, dW, db\n"
        ),
        description="linear_backward forgets the 1/m in dW and db",
    ),
    "06_quizzes": PlantedMistake(
        cell="quiz1_answers",
        source="quiz1_answers = {1, 2, 3, 4, 6}  # also chose option 3, the activation values a[l]\n",
        description="Quiz 1 also chooses option 3 (a[l], computed, not chosen): 1 of 7 options wrong",
        points_lost=1.0,  # right minus wrong: 6 right, 1 wrong earns 3.5 x (6 - 1) / 7 = 2.5 of 3.5 points
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


SUBMISSION_KINDS = ("perfect", "untouched", "one_wrong", "partial", "broken")
# Made-up students whose folders the tools may replace; any other name is a real student's and is never touched.
MADE_UP_PREFIXES = ("demo-", "sim-", "adv-")


class RealStudentFolder(RuntimeError):
    """A tool was asked to replace the folder of a student it did not make up."""


def fill_notebooks(course_dir: Path, assignment: str, kind: str, folder: Path, student: str = "", seed: int = 0):
    """Fill the release notebooks found in ``folder`` as a simulated student of ``kind`` would (in place).

    ``kind`` is ``perfect``, ``untouched``, ``one_wrong`` (the assignment's planted mistake),
    ``partial`` (about half the solutions left as released, chosen from ``seed``) or
    ``broken`` (a notebook that is not valid JSON, as a crashed upload leaves it).
    """
    if kind not in SUBMISSION_KINDS:
        raise ValueError(f"unknown submission kind {kind!r}; use one of {', '.join(SUBMISSION_KINDS)}")
    course_dir = Path(course_dir)
    for path in sorted(Path(folder).glob("*.ipynb")):
        if kind == "broken":
            text = path.read_text()
            path.write_text(text[: len(text) // 2])
            continue
        if kind == "untouched":
            continue
        release_nb = nbformat.read(path, as_version=4)
        solutions = solution_sources(course_dir / "source" / assignment / path.name)
        overrides = {}
        mistake = PLANTED_MISTAKES.get(assignment)
        if kind == "one_wrong" and mistake and mistake.cell in solutions:
            overrides[mistake.cell] = mistake.source
        if kind == "partial":
            rng = random.Random(f"{seed}-{student}-{path.name}")
            left_alone = rng.sample(sorted(solutions), k=len(solutions) // 2)
            solutions = {gid: text for gid, text in solutions.items() if gid not in left_alone}
        nbformat.write(fill_solutions(release_nb, solutions, overrides), path)


def make_submission(course_dir: Path, assignment: str, student: str, kind: str, seed: int = 0) -> Path:
    """Write ``submitted/<student>/<assignment>/`` for one made-up student and return the folder.

    The kinds are those of `fill_notebooks`. A student whose name has none of ``MADE_UP_PREFIXES``
    is a real one: their existing folder is never replaced (`RealStudentFolder`).
    """
    if kind not in SUBMISSION_KINDS:
        raise ValueError(f"unknown submission kind {kind!r}; use one of {', '.join(SUBMISSION_KINDS)}")
    course_dir = Path(course_dir)
    target = course_dir / "submitted" / student / assignment
    if target.exists():
        if not student.startswith(MADE_UP_PREFIXES):
            raise RealStudentFolder(
                f"{target} belongs to a real student (made-up students are named {', '.join(MADE_UP_PREFIXES)}...):"
                " refusing to replace it. Pick another student name."
            )
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for release_path in sorted((course_dir / "release" / assignment).glob("*.ipynb")):
        shutil.copyfile(release_path, target / release_path.name)
    fill_notebooks(course_dir, assignment, kind, target, student, seed)
    (target / "timestamp.txt").write_text("2026-01-01 12:00:00.000000 UTC\n")
    return target
