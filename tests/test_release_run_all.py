"""A fresh release notebook runs to its end under Run All, and its pictures appear.

JupyterLab's Run All stops at the first cell that raises, unless the cell is tagged ``raises-exception``. On an
untouched release notebook every exercise's stub raises, so its example call and its test cell carry that tag,
and the cells after the exercises that show the student's work (plots, widgets) print a one-line "finish ...
above" message instead of a traceback. nbclient honours the tag as JupyterLab does: executing with
``allow_errors=False`` fails exactly where Run All would stop.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tools.course import REPO_ROOT, nbgrader_meta

pytestmark = pytest.mark.slow

RELEASED = sorted((REPO_ROOT / "release").glob("*/*.ipynb"))
TAG = "raises-exception"
WIDGET = "application/vnd.jupyter.widget-view+json"


def _run_all(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=180, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{path.name}: Run All would stop here (a cell raised without the {TAG!r} tag):\n{error}")
    return notebook


def _text(cell) -> str:
    return "".join(out.get("text", "") for out in cell.get("outputs", []) if out.get("output_type") == "stream")


def test_there_are_release_notebooks():
    assert len(RELEASED) == 6, [p.name for p in RELEASED]


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.parent.name)
def test_untouched_release_notebook_runs_to_the_end_and_shows_its_pictures(path):
    notebook = _run_all(path)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code[-1].get("execution_count"), f"{path.name}: the last code cell did not run"
    for cell in code:
        tagged = TAG in cell.metadata.get("tags", [])
        errors = [out["ename"] for out in cell.outputs if out.get("output_type") == "error"]
        where = f"{path.name}, cell {nbgrader_meta(cell).get('grade_id') or cell.source[:60]!r}"
        # A tagged cell fails because of the untouched stub, never because the notebook itself is broken.
        assert set(errors) <= {"NotImplementedError", "AssertionError"}, f"{where}: raised {errors}"
        if "with needs(" in cell.source:
            widget = any(WIDGET in out.get("data", {}) for out in cell.outputs)  # it says so itself (tested there)
            assert widget or "finish `" in _text(cell), f"{where}: shows no 'finish ... above': {_text(cell)!r}"
        elif not tagged and ("plt.show()" in cell.source or re.search(r"^\s*plot_\w+\(", cell.source, re.M)):
            images = [out for out in cell.outputs if "image/png" in out.get("data", {})]
            assert images, f"{where}: draws nothing under Run All"


def test_the_stub_cells_are_the_tagged_ones():
    """The tag is on exactly the cells that raise on a stub: example calls, tests and top-level answers."""
    for path in RELEASED:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            meta = nbgrader_meta(cell)
            tagged = TAG in cell.metadata.get("tags", [])
            if meta.get("grade") or (meta.get("grade_id", "").endswith("_try") and "with needs(" not in cell.source):
                assert tagged, f"{path.name}: {meta['grade_id']} can raise on a stub but has no {TAG!r} tag"
            elif tagged:
                assert meta.get("solution") and "def " not in cell.source, (
                    f"{path.name}: {meta.get('grade_id')} is tagged {TAG!r} but cannot raise on a stub")
