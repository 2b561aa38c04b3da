"""What the cases need from one assignment: its release, solutions, tested answers and the answer they attack."""

from __future__ import annotations

from pathlib import Path

import nbformat

from ..course import nbgrader_meta
from ..submissions import PLANTED_MISTAKES, fill_solutions, solution_sources


def find_cell(nb, grade_id):
    return next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id)


def function_name(source: str) -> str | None:
    """The first function a cell defines (None: the answer is a value, as in the quizzes)."""
    for line in source.splitlines():
        if line.startswith("def "):
            return line[4:].split("(", 1)[0]
    return None


def answer(test: str) -> str:
    """The answer cell a test cell checks (``test_<answer>``)."""
    return test.removeprefix("test_")


class Assignment:
    """One assignment's release and solutions, and its representative answer: the planted mistake's cell
    (`tools.submissions`), or else the first tested answer, as released."""

    def __init__(self, course_dir: Path, name: str):
        self.name = name
        self.release_path = sorted((course_dir / "release" / name).glob("*.ipynb"))[0]
        self.filename = self.release_path.name
        self.release = nbformat.read(self.release_path, as_version=4)
        self.solutions = solution_sources(course_dir / "source" / name / self.filename)
        self.tests = [nbgrader_meta(c)["grade_id"] for c in self.release.cells
                      if c.cell_type == "code" and nbgrader_meta(c).get("grade")]
        mistake = PLANTED_MISTAKES.get(name)
        if mistake and f"test_{mistake.cell}" in self.tests:
            self.target, self.wrong = mistake.cell, mistake.source
        else:
            self.target = next(answer(t) for t in self.tests if answer(t) in self.solutions)
            self.wrong = find_cell(self.release, self.target).source
        self.test = f"test_{self.target}"

    def honest(self, overrides=None):
        """The release with every answer right, but for ``overrides`` (grade id: source)."""
        return fill_solutions(self.release, self.solutions, overrides)

    def stub_tests(self, count: int) -> list[str]:
        """Up to ``count`` test cells, the representative one first, whose answers a case replaces."""
        others = [t for t in self.tests if t != self.test and answer(t) in self.solutions]
        return [self.test, *others][:count]
