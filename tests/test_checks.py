"""The test-cell helpers: silent on correct values, and failing with messages that say what is wrong."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nnlab.checks import (
    check_close,
    check_inputs_unchanged,
    check_shape,
    check_type,
    check_unchanged,
    no_warnings,
    passed,
    snapshot_inputs,
)


def test_correct_values_pass_silently():
    check_close("f(z)", np.array([0.5, 0.25]), [0.5, 0.25])
    check_close("cost", 0.6931, np.log(2), rtol=1e-4)
    check_shape("A1", np.zeros((3, 4)), (3, 4))
    check_type("cost", 1.5, float)


def test_wrong_value_message_names_the_position_and_the_hint():
    with pytest.raises(AssertionError) as error:
        check_close("sigmoid(z)", np.array([0.5, 0.1, 0.7]), [0.5, 0.2689, 0.7], hint="sigmoid is 1 / (1 + exp(-z))")
    message = str(error.value)
    assert "sigmoid(z) is wrong at index 1: got 0.1, expected 0.2689" in message
    assert "1 of 3 values differ" in message and "Hint: sigmoid is 1 / (1 + exp(-z))" in message


def test_two_dimensional_position_and_shape_come_first():
    with pytest.raises(AssertionError, match=r"at index \(1, 0\)"):
        check_close("A", np.array([[1.0, 2.0], [3.5, 4.0]]), [[1, 2], [3, 4]])
    with pytest.raises(AssertionError, match=r"(?s)dW1 has shape \(4, 3\) but should have shape \(3, 4\).*transpose"):
        check_close("dW1", np.zeros((4, 3)), np.zeros((3, 4)), hint="did you forget a transpose?")


def test_types_nan_and_lists_are_reported():
    with pytest.raises(AssertionError, match="should be a numpy array, but it is a list"):
        check_close("relu(z)", [0.0, 1.0], [0.0, 1.0])
    with pytest.raises(AssertionError, match="contains nan or inf"):
        check_close("softmax(z)", np.array([np.nan, 1.0]), [0.5, 0.5])
    with pytest.raises(AssertionError, match="should be a single number, but it has shape \\(2,\\)"):
        check_close("cost", np.array([1.0, 2.0]), 1.0)
    with pytest.raises(AssertionError, match="should be a float, but it is a str"):
        check_type("cost", "1.0", float)


def test_in_place_changes_are_caught():
    z = np.array([-1.0, 2.0])
    before = z.copy()
    z[z < 0] = 0
    with pytest.raises(AssertionError, match="relu changed its input array in place"):
        check_unchanged("relu", before, z)


def test_warnings_become_explained_failures():
    with pytest.raises(AssertionError, match="(?s)softmax\\(z\\) caused a floating-point problem: overflow.*max"):
        with no_warnings("softmax(z)", hint="subtract the max before np.exp"):
            np.exp(np.array([1000.0]))
    with no_warnings("fine"):
        np.exp(np.array([1.0]))


def test_passed_prints_a_clear_line(capsys):
    passed("sigmoid")
    assert "sigmoid: all visible tests passed" in capsys.readouterr().out


def test_inputs_unchanged_passes_for_a_function_that_copies():
    X, cache = np.arange(6.0).reshape(2, 3), ((np.ones((2, 2)), np.zeros((2, 1))), np.eye(2))
    snapshot = snapshot_inputs(X=X, cache=cache)
    _ = X / 255, cache[1] * 2  # new arrays only
    check_inputs_unchanged("f", snapshot)


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda X, cache, params: X.__itruediv__(2), "input X "),
        (lambda X, cache, params: cache[0][1].__setitem__((0, 0), 5.0), "input cache[0][1] "),
        (lambda X, cache, params: params["W1"].__isub__(0.1), "input parameters['W1'] "),
        (lambda X, cache, params: params.pop("b1"), "input parameters (keys added or removed) "),
    ],
)
def test_inputs_unchanged_names_the_input_changed_in_place(mutate, where):
    X, cache = np.arange(6.0).reshape(2, 3), ((np.ones((2, 2)), np.zeros((2, 1))), np.eye(2))
    params = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1))}
    snapshot = snapshot_inputs(X=X, cache=cache, parameters=params)
    mutate(X, cache, params)
    with pytest.raises(AssertionError, match=re.escape(f"f changed its {where}in place")):
        check_inputs_unchanged("f", snapshot)


def test_any_reasonable_array_is_accepted_when_its_values_are_right():
    """Integer arrays, Fortran order, views and single precision all pass; the statement decides, not the layout."""
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    check_close("A", np.array([[1, 2], [3, 4]]), expected)  # integers
    check_close("A", np.asfortranarray(expected), expected)  # Fortran order
    wide = np.zeros((2, 4))
    wide[:, ::2] = expected
    check_close("A", wide[:, ::2], expected)  # a strided view of a bigger array
    tiny = np.float32(1e-7)
    check_close("A", (expected + tiny * expected).astype(np.float32), expected)  # float32 rounding
    with pytest.raises(AssertionError, match="tolerance rtol=0.0001"):
        check_close("A", (expected * 1.001).astype(np.float32), expected)
