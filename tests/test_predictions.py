"""The predict-then-check questions: each answer key agrees with the experiment that checks it.

A prediction is graded by value against a key in its hidden test; the ungraded check cell after it runs the
experiment with the student's own functions and puts the prediction beside the outcome. Here the source notebook
(the course's solutions, the key as the prediction) runs top to bottom, and every check must agree with the key;
the same run with a wrong prediction must show the disagreement, so the comparison can fail.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

from nnlab.data import load_pretrained_network
from tools.course import REPO_ROOT, nbgrader_meta
from tools.submissions import solution_sources, strip_solution_markers

pytestmark = pytest.mark.slow


def run_source(assignment: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Run a source notebook (hidden tests included) with some solution cells replaced; printed text per grade id."""
    path = next((REPO_ROOT / "source" / assignment).glob("*.ipynb"))
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if overrides and grade_id in overrides:
            cell.source = overrides[grade_id]
    NotebookClient(notebook, timeout=180, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return {nbgrader_meta(cell).get("grade_id"): "".join(out.get("text", "") for out in cell.get("outputs", []))
            for cell in notebook.cells if cell.cell_type == "code"}


def xor_found_and_predicted(printed: str) -> list[tuple[float, float]]:
    pairs = re.findall(r"best accuracy found ([\d.]+); you predicted ([\d.]+)", printed)
    assert len(pairs) == 2, f"the XOR check printed {printed!r}"
    return [(float(found), float(predicted)) for found, predicted in pairs]


def distinct_units_verdicts(printed: str) -> list[str]:
    verdicts = re.findall(r"^([✔✘]) .*you predicted", printed, re.M)
    assert len(verdicts) == 5, f"the distinct-units check printed {printed!r}"
    return verdicts


@pytest.mark.parametrize("wrong", [False, True], ids=["key", "wrong prediction"])
def test_xor_key_agrees_with_the_search_over_networks(wrong):
    override = {"predicted_xor_accuracies": "best_accuracy_identity_network = 1.0\nbest_accuracy_relu_network = 1.0\n"}
    printed = run_source("01_activations", override if wrong else None)
    pairs = xor_found_and_predicted(printed["check_xor"])
    if wrong:
        assert pairs[0][0] != pairs[0][1], "a wrong prediction must show beside what the search finds"
    else:
        assert all(found == predicted for found, predicted in pairs), pairs
        assert "2 of 2 predictions right" in printed["test_predicted_xor_accuracies"]


@pytest.mark.parametrize("wrong", [False, True], ids=["key", "wrong prediction"])
def test_distinct_units_key_agrees_with_the_experiment(wrong):
    override = {"predicted_distinct_units": 'predicted_distinct_units = {"zeros": 1, "random, scale 0.01": 8, '
                                            '"random, scale 30": 1, "constant 0.5": 1, "W1 all 0.5, W2 random": 8}\n'}
    printed = run_source("02_initialization", override if wrong else None)
    verdicts = distinct_units_verdicts(printed["check_distinct_units"])
    if wrong:
        assert verdicts.count("✘") == 1, verdicts
    else:
        assert verdicts == ["✔"] * 5, printed["check_distinct_units"]
        assert "5 of 5 predictions right" in printed["test_predicted_distinct_units"]


def test_multiplication_key_is_one_multiplication_per_weight_of_the_shipped_network():
    network = load_pretrained_network()
    per_image = sum(network[name].size for name in ("W1", "W2", "W3"))
    path = next((REPO_ROOT / "source" / "05_mnist").glob("*.ipynb"))
    answers = {}
    exec(strip_solution_markers(solution_sources(path)["predicted_multiplications"]), {}, answers)
    assert answers == {"multiplications_one_image": per_image, "multiplications_per_image_batch_100": per_image}


@pytest.mark.parametrize("wrong", [False, True], ids=["key", "wrong prediction"])
def test_gradient_shapes_key_agrees_with_the_backward_pass(wrong):
    override = {"predicted_gradient_shapes": 'predicted_gradient_shapes = {"dW2": (7, 4), "db2": (4, 1), '
                                             '"dA1": (7, 32), "dA0": (12, 32)}\n'}
    printed = run_source("04_deep_network", override if wrong else None)
    verdicts = re.findall(r"^([✔✘]) d\w+: you predicted", printed["predicted_gradient_shapes_check"], re.M)
    assert len(verdicts) == 4, printed["predicted_gradient_shapes_check"]
    if wrong:
        assert verdicts == ["✘", "✔", "✔", "✔"], verdicts
    else:
        assert verdicts == ["✔"] * 4, printed["predicted_gradient_shapes_check"]
        assert "4 of 4 shapes right" in printed["test_predicted_gradient_shapes"]
