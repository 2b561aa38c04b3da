"""Fair to correct code, read from the notebooks themselves: stand-ins, calls and messages.

* A hidden test that swaps in a stand-in for a student's earlier function (``linear_forward =
  reference_linear_forward_t``) must give it the same parameters, so that any legal call of the
  student's (keywords included) works at grading as it did in Validate.
* Every call of a student's function in a test cell goes through ``nnlab.checks.explained``, so that
  any exception becomes the course's message (which function, which inputs, what, where, why).
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.references import InlineReferences
from nnlab.checks import check_raises, check_scalar, explained, recording_calls, same
from tools.course import REPO_ROOT, nbgrader_meta

SOURCES = sorted((REPO_ROOT / "source").glob("*/*.ipynb"))


def code_cells(path: Path, role: str) -> list[tuple[str, str]]:
    """(grade id, source) of the code cells whose nbgrader metadata has ``role`` ("solution" or "grade") only."""
    other = {"solution": "grade", "grade": "solution"}[role]
    # As graded: each test cell with the reference functions it uses copied in (grader/references.py).
    notebook, _ = InlineReferences().preprocess(nbformat.read(path, as_version=4), {})
    metas = [(nbgrader_meta(cell), cell.source) for cell in notebook.cells if cell.cell_type == "code"]
    return [(meta["grade_id"], source) for meta, source in metas if meta.get(role) and not meta.get(other)]


def solution_functions(path: Path) -> dict[str, ast.arguments]:
    """The functions students write (defined in solution cells), with their parameters."""
    return {node.name: node.args for _, source in code_cells(path, "solution")
            for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}


def stand_ins(tree: ast.AST, student_names: set[str]) -> dict[str, str]:
    """{name of a function the cell puts in place of a student's: the student's function it replaces}."""
    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name):
                pairs = [(target, node.value)]
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs = list(zip(target.elts, node.value.elts, strict=True))
            else:
                continue
            for student, replacement in pairs:
                if isinstance(student, ast.Name) and student.id in student_names:
                    # np.tanh or a lambda: its parameters are not the student's, so it counts as a mismatch
                    name = replacement.id if isinstance(replacement, ast.Name) else ast.unparse(replacement)
                    found.setdefault(name, student.id)
    return found


def signature(args: ast.arguments) -> tuple:
    """Parameter names, kinds and defaults: what decides which calls are legal."""
    positional = [a.arg for a in args.posonlyargs + args.args]
    defaults = [ast.unparse(d) for d in args.defaults]
    return (positional, defaults, [a.arg for a in args.kwonlyargs],
            [ast.unparse(d) if d else None for d in args.kw_defaults],
            args.vararg and args.vararg.arg, args.kwarg and args.kwarg.arg)


def stand_in_report(path: Path) -> tuple[list[str], list[str]]:
    """(every stand-in checked, as "cell: stand-in for function"; the mismatches found)."""
    students = solution_functions(path)
    checked, wrong = [], []
    for grade_id, source in code_cells(path, "grade"):
        tree = ast.parse(source)
        defined = {node.name: node.args for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        for replacement, student in stand_ins(tree, set(students)).items():
            if replacement not in defined:
                if not replacement.isidentifier():
                    wrong.append(f"{grade_id}: {student} = {replacement}, not a function defined in the cell")
                continue  # else putting a saved function back (linear_forward = your_linear_forward_t)
            checked.append(f"{grade_id}: {replacement} for {student}")
            if signature(defined[replacement]) != signature(students[student]):
                wrong.append(f"{grade_id}: {replacement}{signature(defined[replacement])} replaces "
                             f"{student}{signature(students[student])}")
    return checked, wrong


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_every_stand_in_has_the_signature_of_the_function_it_replaces(path):
    checked, wrong = stand_in_report(path)
    assert not wrong, "stand-ins whose parameters differ from the student's function:\n" + "\n".join(wrong)
    if path.parent.name == "04_deep_network":
        # the cells that build on earlier functions swap in the course's versions of them
        assert len(checked) >= 20, checked
        assert any("backward_with_a_bug_gc for L_model_backward" in line for line in checked), checked


def test_the_signature_comparison_sees_a_renamed_parameter(tmp_path):
    """The check above can fail: a stand-in with the old `_r` names is caught."""
    solution = nbformat.v4.new_code_cell(
        "def linear_forward(A_prev, W, b):\n    return W @ A_prev + b, (A_prev, W, b)\n",
        metadata={"nbgrader": {"solution": True, "grade_id": "f"}})
    test = nbformat.v4.new_code_cell(
        "def reference_t(A_prev_r, W_r, b_r):\n    return None\n\n\nlinear_forward = reference_t\n",
        metadata={"nbgrader": {"grade": True, "grade_id": "test_g"}})
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[solution, test]), path)
    checked, wrong = stand_in_report(path)
    assert checked == ["test_g: reference_t for linear_forward"] and len(wrong) == 1
    test.source = "linear_forward = np.matmul\n"
    nbformat.write(nbformat.v4.new_notebook(cells=[solution, test]), path)
    assert stand_in_report(path)[1] == ["test_g: linear_forward = np.matmul, not a function defined in the cell"]


def unexplained_calls(path: Path) -> list[str]:
    """Calls of a student's function in a test cell that do not go through explained(...) or check_raises."""
    students = set(solution_functions(path))
    found = []
    for grade_id, source in code_cells(path, "grade"):
        tree = ast.parse(source)
        wrapped = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
                if node.func.id == "explained":
                    wrapped.add(id(node.args[0]))
                elif node.func.id == "check_raises" and len(node.args) > 1:
                    wrapped.add(id(node.args[1]))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in students:
                found.append(f"{grade_id} line {node.lineno}: {ast.unparse(node)[:80]}")
            elif isinstance(node, ast.Name) and node.id in students and isinstance(node.ctx, ast.Load):
                if id(node) not in wrapped and not _is_plain_reference(tree, node):
                    found.append(f"{grade_id} line {node.lineno}: {node.id} passed on unexplained")
    return found


def _is_plain_reference(tree: ast.AST, name: ast.Name) -> bool:
    """A name only saved or swapped (your_f = f, or a tuple of them), not handed to code that calls it."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and (node.value is name or (
                isinstance(node.value, ast.Tuple) and any(e is name for e in node.value.elts))):
            return True
    return False


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_every_test_calls_student_code_through_explained(path):
    assert not unexplained_calls(path), "\n".join(unexplained_calls(path))


def student_cell(tmp_path, source: str) -> dict:
    """Run ``source`` as a notebook cell of its own (a file of its own, as ipykernel gives each cell)."""
    cell = tmp_path / "student_cell.py"
    cell.write_text(source)
    namespace = {"np": np}
    exec(compile(source, str(cell), "exec"), namespace)
    return namespace


def test_explained_turns_any_exception_into_the_course_message(tmp_path):
    linear_activation_forward = student_cell(tmp_path, (
        "def linear_activation_forward(A_prev, W, b, activation):\n"
        "    if activation == 'relu':\n"
        "        A = np.maximum(0, W @ A_prev + b)\n"
        "    elif activation == 'sigmoid':\n"
        "        A = 1 / (1 + np.exp(-(W @ A_prev + b)))\n"
        "    return A, None\n"))["linear_activation_forward"]

    A_prev, W, b = np.ones((3, 2)), np.ones((2, 3)), np.zeros((2, 1))
    assert explained(linear_activation_forward)(A_prev, W, b, activation="relu")[0].shape == (2, 2)
    with pytest.raises(AssertionError) as error:
        explained(linear_activation_forward)(A_prev, W, b, "tanh")
    message = str(error.value)
    assert message.startswith("linear_activation_forward(A_prev=array (3, 2), W=array (2, 3), b=array (2, 1), "
                              "activation='tanh') raised UnboundLocalError")
    assert "in `return A, None`" in message and "Likely cause:" in message and "else" in message
    with pytest.raises(AssertionError, match="Likely cause: the product is W @ A_prev"):
        explained(linear_activation_forward, ValueError="the product is W @ A_prev")(W, A_prev, b, "relu")
    with pytest.raises(ValueError):  # a type the test handles itself passes through
        explained(linear_activation_forward, ValueError)(W, A_prev, b, "relu")
    with pytest.raises(AssertionError, match=r"raised UnboundLocalError .* but it should raise ValueError"):
        check_raises(ValueError, linear_activation_forward, A_prev, W, b, "tanh")
    with pytest.raises(AssertionError, match="returned normally, but it should raise ValueError"):
        check_raises(ValueError, linear_activation_forward, A_prev, W, b, "relu")
    check_raises(ValueError, linear_activation_forward, W, A_prev, b, "relu")


def test_explained_leaves_floating_point_problems_to_no_warnings():
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        explained(np.log)(np.zeros(2))


def test_check_scalar_accepts_every_kind_of_one_number():
    for value in (0.25, 1, np.float64(0.25), np.float32(0.25), np.squeeze(np.array([[0.25]])), np.array(0.25)):
        assert check_scalar("cost", value) == pytest.approx(0.25 if value != 1 else 1.0)
    for value, words in ((np.array([0.25]), r"shape \(1,\)"), ([0.25], "list"), ("0.25", "str"), (True, "bool")):
        with pytest.raises(AssertionError, match=words):
            check_scalar("cost", value)


def test_recording_calls_sees_keyword_calls_and_copies_what_it_records():
    notebook = {"np": np}  # a notebook's globals: train finds update there, as a student's function would
    exec(
        "def update(parameters, grads, learning_rate=0.1):\n"
        "    parameters['W1'] -= learning_rate * grads['dW1']  # in place, as some students write it\n"
        "    return parameters\n"
        "def train(parameters, grads):\n"
        "    for _ in range(2):\n"
        "        parameters = update(parameters=parameters, grads=grads)\n"
        "    return parameters\n",
        notebook,
    )
    original = notebook["update"]
    with recording_calls(notebook, "update") as calls:
        result = notebook["train"]({"W1": np.ones(2)}, {"dW1": np.ones(2)})
    assert notebook["update"] is original
    first, second = calls["update"]
    assert same(first.arguments["parameters"], {"W1": np.ones(2)}) and first.arguments["learning_rate"] == 0.1
    assert same(second.arguments["parameters"], {"W1": np.full(2, 0.9)})
    assert same(result, {"W1": np.full(2, 0.8)}) and not same(result, first.result)


def test_a_line_of_the_test_cell_itself_is_never_quoted(tmp_path):
    """A stand-in defined in the test cell (a hidden reference) fails inside: its line must not reach the message."""
    def reference_linear_forward_t(A_prev, W, b):
        return W @ A_prev + b, (A_prev, W, b)  # a hidden test's line

    namespace = student_cell(tmp_path, "def L_model_forward(X, parameters):\n"
                                       "    return linear_forward(X, parameters['W1'].T, parameters['b1'])\n")
    namespace["linear_forward"] = reference_linear_forward_t
    with pytest.raises(AssertionError) as error:
        explained(namespace["L_model_forward"])(np.ones((3, 2)), {"W1": np.ones((2, 3)), "b1": np.zeros((2, 1))})
    message = str(error.value)
    assert "raised ValueError" in message and "in `return linear_forward(X, parameters['W1'].T" in message
    assert "W @ A_prev" not in message
