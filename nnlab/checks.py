"""Assertion helpers for the course's test cells: they format clear messages but hold no answers.

Every check raises ``AssertionError`` with a message that names what was tested,
what was wrong and, where one is given, the likely cause. Expected values always
come from the test cell itself, never from this module.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np

# Captured when the module is imported, before any student code runs: a notebook that later replaces
# np.isclose, np.all or np.array_equal does not change what these checks compute.
_asarray, _isclose, _all, _array_equal, _isfinite = np.asarray, np.isclose, np.all, np.array_equal, np.isfinite


def _with_hint(message: str, hint: str | None) -> str:
    return f"{message}\nHint: {hint}" if hint else message


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__} ({value!r:.60})"


def check_type(name, value, expected_type, hint=None):
    """Fail unless ``value`` is an instance of ``expected_type`` (a type or tuple of types)."""
    if not isinstance(value, expected_type):
        types = expected_type if isinstance(expected_type, tuple) else (expected_type,)
        wanted = " or ".join("numpy array" if t is np.ndarray else t.__name__ for t in types)
        raise AssertionError(_with_hint(f"{name} should be a {wanted}, but it is {_describe(value)}.", hint))


def check_shape(name, array, expected_shape, hint=None):
    """Fail unless ``array`` is a numpy array of exactly ``expected_shape``."""
    check_type(name, array, np.ndarray, hint="return a numpy array (np.exp, np.maximum, np.where ... all give one)")
    expected_shape = tuple(expected_shape)
    if array.shape != expected_shape:
        raise AssertionError(
            _with_hint(f"{name} has shape {array.shape} but should have shape {expected_shape}.", hint)
        )


def check_close(name, actual, expected, rtol=1e-6, atol=1e-8, hint=None):
    """Fail unless ``actual`` matches ``expected`` within the tolerances (shape and finiteness checked first).

    Scalars are compared as scalars; arrays must be numpy arrays of the expected shape.
    """
    expected = _asarray(expected, dtype=float)
    if expected.ndim == 0:
        check_type(name, actual, (int, float, np.number, np.ndarray), hint=hint)
        actual_array = _asarray(actual, dtype=float)
        if actual_array.size != 1:
            raise AssertionError(
                _with_hint(f"{name} should be a single number, but it has shape {actual_array.shape}.", hint)
            )
        actual_array = actual_array.reshape(())
    else:
        check_shape(name, actual, expected.shape, hint=hint)
        try:
            actual_array = _asarray(actual, dtype=float)
        except (TypeError, ValueError):
            raise AssertionError(
                _with_hint(f"{name} should hold numbers, but its dtype is {actual.dtype}.", hint)
            ) from None
    if not _all(_isfinite(actual_array)) and _all(_isfinite(expected)):
        raise AssertionError(_with_hint(f"{name} contains nan or inf values: {actual_array!r:.200}", hint))
    close = _isclose(actual_array, expected, rtol=rtol, atol=atol)
    if not _all(close):
        where = tuple(int(i) for i in np.argwhere(~close)[0]) if expected.ndim else ()
        got, want = actual_array[where], expected[where]
        position = f" at index {where if len(where) > 1 else where[0]}" if where else ""
        worst = float(np.max(np.abs(actual_array - expected)))
        raise AssertionError(
            _with_hint(
                f"{name} is wrong{position}: got {got:.8g}, expected {want:.8g} "
                f"({int(np.sum(~close))} of {close.size} values differ; largest difference {worst:.3g}, "
                f"tolerance rtol={rtol:g}, atol={atol:g}).",
                hint,
            )
        )


def check_unchanged(
    name, before, after, hint="work on a copy (e.g. np.maximum or np.where) instead of assigning into the input"
):
    """Fail if a function changed its input array in place: ``before`` is a copy taken before the call."""
    if not _array_equal(before, after):
        raise AssertionError(_with_hint(f"{name} changed its input array in place.", hint))


def snapshot_inputs(**inputs):
    """Copies of a call's inputs (arrays, and dicts, lists or tuples of them), taken before the call.

    `check_inputs_unchanged` compares the inputs with these copies after the call.
    """
    return {name: (value, _copy_nested(value)) for name, value in inputs.items()}


def _copy_nested(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {key: _copy_nested(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_nested(item) for item in value)
    return value


def _first_difference(now, before) -> str | None:
    """Where ``now`` differs from ``before`` ("" for the value itself, "['W1']" for a key, ...), or None."""
    if isinstance(before, np.ndarray):
        if not isinstance(now, np.ndarray) or now.shape != before.shape or not _array_equal(now, before):
            return ""
        return None
    if isinstance(before, dict):
        if not isinstance(now, dict) or set(now) != set(before):
            return " (keys added or removed)"
        for key in before:
            inner = _first_difference(now[key], before[key])
            if inner is not None:
                return f"[{key!r}]{inner}"
        return None
    if isinstance(before, (list, tuple)):
        if not isinstance(now, (list, tuple)) or len(now) != len(before):
            return " (items added or removed)"
        for index, (a, b) in enumerate(zip(now, before, strict=True)):
            inner = _first_difference(a, b)
            if inner is not None:
                return f"[{index}]{inner}"
    return None


def check_inputs_unchanged(function, snapshot, hint=None):
    """Fail if ``function`` changed an input in place since `snapshot_inputs` copied it, naming the input."""
    for name, (now, before) in snapshot.items():
        where = _first_difference(now, before)
        if where is not None:
            raise AssertionError(_with_hint(
                f"{function} changed its input {name}{where} in place. The caller still needs it unchanged (the "
                "training data and the caches are used again later): an in-place operation such as -=, *=, /=, "
                "A[...] = ..., .sort() or np.xxx(..., out=A) changes the caller's array; compute a new one instead "
                "(e.g. Z = Z - 1, not Z -= 1).", hint))


@contextmanager
def no_warnings(name, hint=None):
    """Turn numpy and Python warnings inside the block into a clear test failure.

    nbgrader gives a test cell 0 points if anything reaches stderr, so a warning
    for correct code would cost points without saying why; this says why.
    """
    # Underflow is ignored: exp of a very negative number rounding to 0 is correct, not a mistake.
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        warnings.simplefilter("error")
        try:
            yield
        except FloatingPointError as error:
            raise AssertionError(_with_hint(f"{name} caused a floating-point problem: {error}.", hint)) from None
        except Warning as warning:
            raise AssertionError(
                _with_hint(f"{name} raised a warning: {type(warning).__name__}: {warning}.", hint)
            ) from None


def passed(what):
    """Print the line a student sees when a test cell's visible checks pass."""
    print(f"✔ {what}: all visible tests passed.")
