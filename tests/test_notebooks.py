"""Notebooks are stored clean, and every lecture notebook runs top to bottom."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from tools.course import REPO_ROOT

STORED = sorted(
    p
    for folder in ("notebooks", "source", "release")
    for p in (REPO_ROOT / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)
LECTURES = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks_to_check():
    assert LECTURES, "notebooks/ has no lecture notebooks"
    assert any("source" in p.parts for p in STORED) and any("release" in p.parts for p in STORED)


@pytest.mark.parametrize("path", STORED, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_stored_without_outputs_counts_or_widget_state(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, cell in enumerate(nb["cells"]) if cell.get("outputs") or cell.get("execution_count")]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts (clear them before committing)"
    assert "widgets" not in nb.get("metadata", {}), f"{path.name} stores widget state in its metadata"
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", f"{path.name} must use the python3 kernel"


@pytest.mark.slow
@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_lecture_runs_top_to_bottom(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [
        (i, out.get("ename"))
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, f"{path.name}: cells raised errors: {errors}"
    stderr = [
        (i, out.get("text", "")[:200])
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.get("name") == "stderr"
    ]
    assert not stderr, f"{path.name}: cells wrote to stderr (warnings?): {stderr}"
