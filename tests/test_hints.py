"""Hints teach instead of answering: no test message or hint holds a line of a solution.

Every line between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in ``source/`` is compared, spaces removed,
with every string in every test cell (messages, hints, f-string text, docstrings), visible and hidden: a failed
run must not print ``dW = dZ @ A_prev.T / m``. Lines that cannot give an answer away are skipped: a bare name or
keyword (``else:``), brackets only, and the opening fragment of a statement split over lines
(``raise ValueError(``), which the exercise's statement names anyway.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from tools.course import REPO_ROOT, nbgrader_meta

SOURCES = sorted((REPO_ROOT / "source").glob("*/*.ipynb"))


def _normalised(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_lines(notebook) -> set[str]:
    """The solutions' lines that could give an answer away, without comments and spaces."""
    lines, inside = set(), False
    for cell in notebook.cells:
        for line in cell.source.splitlines():
            marker = line.strip()
            if marker in ("### BEGIN SOLUTION", "### END SOLUTION"):
                inside = marker == "### BEGIN SOLUTION"
                continue
            code = _normalised(line.split("#")[0])
            if inside and re.search(r"[A-Za-z]", code) and not code.endswith(("(", "[", "{", ",")) \
                    and not re.fullmatch(r"[A-Za-z_]\w*:?", code):
                lines.add(code)
    return lines


def cell_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string in a cell; an f-string's replacement fields become "{}"."""
    found, tree = [], ast.parse(source)
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            found.append((node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)))
    return found


def leaks(notebook) -> list[str]:
    lines = solution_lines(notebook)
    found = []
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        for lineno, text in cell_strings(cell.source):
            for line in sorted(line for line in lines if line in _normalised(text)):
                found.append(f"{meta['grade_id']}, line {lineno}: {line!r} in {text!r}")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_no_test_string_holds_a_solution_line(path):
    found = leaks(nbformat.read(path, as_version=4))
    assert not found, "hints must name the concept or the likely mistake, not the answer:\n" + "\n".join(found)


def test_the_check_finds_a_solution_line_in_a_hint():
    solution = nbformat.v4.new_code_cell("def f(dZ, A_prev, m):\n    ### BEGIN SOLUTION\n    dW = dZ @ A_prev.T / m\n"
                                         "    return dW\n    ### END SOLUTION")
    solution.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "f"}
    test = nbformat.v4.new_code_cell('check_close("dW", f(1, 2, 3), 4, hint=f"use dW  =  dZ @ A_prev.T / m here")')
    test.metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": "test_f"}
    notebook = nbformat.v4.new_notebook(cells=[solution, test])
    assert leaks(notebook) == ["test_f, line 1: 'dW=dZ@A_prev.T/m' in 'use dW  =  dZ @ A_prev.T / m here'"]
