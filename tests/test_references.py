"""Reference functions are written once per notebook, and no student cell can reach them when grading.

See grader/references.py: generating an assignment copies each hidden test's references into it and deletes them
when the cell ends; the references cell itself reaches neither the release nor the gradebook.
"""

from __future__ import annotations

import ast

import nbformat
import pytest
from nbgrader.preprocessors import ClearHiddenTests

from grader.references import TAG, InlineReferences, inline
from tools.course import REPO_ROOT, nbgrader, nbgrader_meta
from tools.submissions import make_submission

DEEP = REPO_ROOT / "source" / "04_deep_network" / "04_deep_network.ipynb"


def _reference_cells(notebook):
    return [cell for cell in notebook.cells if TAG in cell.metadata.get("tags", [])]


def test_each_reference_is_written_once_in_the_source():
    notebook = nbformat.read(DEEP, as_version=4)
    (shared,) = _reference_cells(notebook)
    defined = [node.name for node in ast.parse(shared.source).body if isinstance(node, ast.FunctionDef)]
    assert len(defined) == 10, defined
    for cell in notebook.cells:
        if cell is not shared and cell.cell_type == "code":
            written = [n.name for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.FunctionDef)]
            assert not set(written) & set(defined), f"{nbgrader_meta(cell).get('grade_id')} " \
                f"defines {sorted(set(written) & set(defined))} again"


def test_generating_copies_each_test_its_references_and_deletes_them_when_it_ends():
    notebook, _ = InlineReferences().preprocess(nbformat.read(DEEP, as_version=4), {})
    assert not _reference_cells(notebook), "the references cell must not be generated"
    users = 0
    for cell in notebook.cells:
        if "reference_" not in cell.source:
            continue
        users += 1
        assert cell.metadata["nbgrader"]["grade"], "only test cells use references"
        tree = ast.parse(cell.source)
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id.startswith("reference_")}
        assert used <= defined, f"{cell.metadata['nbgrader']['grade_id']} uses {sorted(used - defined)} undefined"
        final = tree.body[-1]
        assert isinstance(final, ast.Try), "the cell must end with try/finally"
        deleted = {t.id for n in final.finalbody if isinstance(n, ast.Delete) for t in n.targets}
        assert deleted == defined, f"{cell.metadata['nbgrader']['grade_id']} leaves {sorted(defined - deleted)}"
    assert users == 7


def test_a_test_cell_that_could_leave_references_behind_is_refused():
    definitions = {"reference_f": ("def reference_f(x):\n    return x", set())}
    cell = "### BEGIN HIDDEN TESTS\nf = reference_f\n### END HIDDEN TESTS\nassert f(1) == 1"
    with pytest.raises(ValueError, match="must end with a `finally:`"):
        inline(cell, ["reference_f"], definitions, "cell 'test_f'")


def test_without_the_step_nbgrader_refuses_the_notebook_instead_of_releasing_the_references():
    with pytest.raises(RuntimeError, match="Hidden test region detected in a non-grade cell"):
        ClearHiddenTests().preprocess(nbformat.read(DEEP, as_version=4), {})


@pytest.mark.slow
def test_when_grading_a_students_later_cell_cannot_reach_the_references(course_copy):
    nbgrader("generate_assignment", "04_deep_network", "--force", course_dir=course_copy)
    released = (course_copy / "release" / "04_deep_network" / "04_deep_network.ipynb").read_text()
    assert "reference_" not in released and TAG not in released
    folder = make_submission(course_copy, "04_deep_network", "adv-references", "perfect")
    path = folder / "04_deep_network.ipynb"
    notebook = nbformat.read(path, as_version=4)
    look = "sorted(name for name in globals() if name.startswith('reference_'))"
    for cell in notebook.cells:  # after the tests of linear_forward ... L_model_backward have run
        if nbgrader_meta(cell).get("grade_id") == "update_parameters":
            cell.source += f"\n\nSEEN_BEFORE_UPDATE = {look}\n"
    notebook.cells.append(nbformat.v4.new_code_cell(f"print('seen:', SEEN_BEFORE_UPDATE, {look})"))
    nbformat.write(notebook, path)

    nbgrader("autograde", "04_deep_network", "--student", "adv-references", course_dir=course_copy)
    graded = nbformat.read(course_copy / "autograded" / "adv-references" / "04_deep_network" / path.name, 4)
    (looking,) = [cell for cell in graded.cells if cell.source.startswith("print('seen:'")]
    printed = "".join(out.get("text", "") for out in looking.outputs)
    assert printed.strip() == "seen: [] []", printed
    failed = [cell.metadata["nbgrader"]["grade_id"] for cell in graded.cells
              if cell.cell_type == "code" and nbgrader_meta(cell).get("grade")
              and any(out.get("output_type") == "error" for out in cell.outputs)]
    assert not failed, f"with the references inlined, a perfect submission fails {failed}"
