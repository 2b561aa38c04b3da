"""Reference functions written once per notebook, copied into each hidden test that uses them when generating.

A hidden test swaps the course's version of a student's earlier function in, so that one bug costs once. Written
once in a source notebook's cell tagged ``hidden-references`` (its whole code one hidden-tests region), they must
still never be reachable from a student's cell at grading time, where the student's code runs between the tests
in the same kernel. So ``InlineReferences``, the first step of ``nbgrader generate_assignment``, copies into each
test cell the definitions it uses (at the start of its first hidden region), deletes them again in the cell's
final ``finally:`` hidden region, and drops the references cell: the gradebook (whose copies of the test cells
autograding runs) holds self-contained cells, and the release holds none of it. Without this step nbgrader
refuses the notebook (a hidden region outside a test cell), so the references can never be released by mistake.
"""

from __future__ import annotations

import ast
import re

from nbgrader.preprocessors import NbGraderPreprocessor

TAG = "hidden-references"
BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def _definitions(cell_source: str) -> dict[str, tuple[str, set[str]]]:
    """name → (its source, the other references it calls), in the order written."""
    lines = cell_source.splitlines()
    if not lines or lines[0].strip() != BEGIN or lines[-1].strip() != END:
        raise ValueError(f"a {TAG!r} cell must be one hidden-tests region: {BEGIN} ... {END}")
    code = "\n".join(lines[1:-1])
    tree = ast.parse(code)
    if not all(isinstance(node, ast.FunctionDef) for node in tree.body):
        raise ValueError(f"a {TAG!r} cell holds only function definitions (it is never run when grading)")
    names = {node.name for node in tree.body}
    return {
        node.name: (
            ast.get_source_segment(code, node, padded=True),
            {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in names and n.id != node.name},
        )
        for node in tree.body
    }


def _needed(source: str, definitions) -> list[str]:
    """The references a test cell uses, with those they call, in the order they are defined."""
    wanted = {name for name in definitions if re.search(rf"\b{name}\b", source)}
    while True:
        more = set().union(*(definitions[name][1] for name in wanted)) - wanted if wanted else set()
        if not more:
            return [name for name in definitions if name in wanted]
        wanted |= more


def inline(cell_source: str, names: list[str], definitions, where: str) -> str:
    """The test cell with ``names`` defined at the start of its first hidden region and deleted in its last."""
    lines = cell_source.splitlines()
    begins = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    top_level = [line for line in lines[: begins[-1]] if line.strip() and not line[0].isspace()]
    if not top_level or top_level[-1].strip() != "finally:" or ends[-1] != len(lines) - 1:
        raise ValueError(
            f"{where} uses reference functions, so it must end with a `finally:` whose last lines are a hidden "
            "region (where they are deleted again, whatever the test found)"
        )
    first_indent = lines[begins[0]][: len(lines[begins[0]]) - len(lines[begins[0]].lstrip())]
    last_indent = lines[ends[-1]][: len(lines[ends[-1]]) - len(lines[ends[-1]].lstrip())]
    code = "\n\n".join(definitions[name][0].rstrip() for name in names)
    defined = [first_indent + line if line else line for line in code.splitlines()] + [""]
    deleted = [f"{last_indent}del {', '.join(names)}"]
    return "\n".join(
        lines[: begins[0] + 1] + defined + lines[begins[0] + 1 : ends[-1]] + deleted + lines[ends[-1] :]
    )


class InlineReferences(NbGraderPreprocessor):
    """Copy each test cell's reference functions into it and leave the ``hidden-references`` cell out."""

    def preprocess(self, nb, resources):
        shared = [cell for cell in nb.cells if TAG in cell.metadata.get("tags", [])]
        if not shared:
            return nb, resources
        definitions = {}
        for cell in shared:
            definitions.update(_definitions(cell.source))
        nb.cells = [cell for cell in nb.cells if TAG not in cell.metadata.get("tags", [])]
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            names = _needed(cell.source, definitions) if cell.cell_type == "code" else []
            if not names:
                continue
            where = f"cell {meta.get('grade_id', cell.source[:40])!r}"
            if not meta.get("grade") or meta.get("solution"):
                raise ValueError(f"{where} uses reference functions ({', '.join(names)}) but is not a test cell")
            cell.source = inline(cell.source, names, definitions, where)
        return nb, resources
