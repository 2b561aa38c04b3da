"""Assertion helpers for the course's test cells: they format clear messages but hold no answers.

Every check raises ``AssertionError`` with a message that names what was tested,
what was wrong and, where one is given, the likely cause. Expected values always
come from the test cell itself, never from this module.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

# Captured when the module is imported, before any student code runs: a notebook that later replaces
# np.isclose, np.all or np.array_equal does not change what these checks compute.
_asarray, _isclose, _all, _array_equal, _isfinite = np.asarray, np.isclose, np.all, np.array_equal, np.isfinite


# The tolerances check_close uses at least for a single-precision result.
FLOAT32_RTOL, FLOAT32_ATOL = 1e-4, 1e-6


def _with_hint(message: str, hint: str | None) -> str:
    return f"{message}\nHint: {hint}" if hint else message


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__} ({value!r:.60})"


def check_type(name, value, expected_type, hint=None):
    """Fail unless ``value`` is an instance of ``expected_type`` (a type or tuple of types)."""
    __tracebackhide__ = True
    if not isinstance(value, expected_type):
        types = expected_type if isinstance(expected_type, tuple) else (expected_type,)
        wanted = " or ".join("numpy array" if t is np.ndarray else t.__name__ for t in types)
        raise AssertionError(_with_hint(f"{name} should be a {wanted}, but it is {_describe(value)}.", hint))


def check_shape(name, array, expected_shape, hint=None):
    """Fail unless ``array`` is a numpy array of exactly ``expected_shape``."""
    __tracebackhide__ = True
    check_type(name, array, np.ndarray, hint="return a numpy array (np.exp, np.maximum, np.where ... all give one)")
    expected_shape = tuple(expected_shape)
    if array.shape != expected_shape:
        raise AssertionError(
            _with_hint(f"{name} has shape {array.shape} but should have shape {expected_shape}.", hint)
        )


def check_close(name, actual, expected, rtol=1e-6, atol=1e-8, hint=None):
    """Fail unless ``actual`` matches ``expected`` within the tolerances (shape and finiteness checked first).

    Scalars are compared as scalars; arrays must be numpy arrays of the expected shape. Integer, float32
    and float64 arrays are all accepted; float32 (or float16) results are compared with at least
    ``FLOAT32_RTOL`` and ``FLOAT32_ATOL``, because single precision holds only about 7 significant digits.
    """
    __tracebackhide__ = True
    expected = _asarray(expected, dtype=float)
    if isinstance(actual, (np.ndarray, np.floating)) and actual.dtype.itemsize < 8 and actual.dtype.kind == "f":
        rtol, atol = max(rtol, FLOAT32_RTOL), max(atol, FLOAT32_ATOL)  # single precision has ~7 digits
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
    __tracebackhide__ = True
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
    __tracebackhide__ = True
    for name, (now, before) in snapshot.items():
        where = _first_difference(now, before)
        if where is not None:
            raise AssertionError(_with_hint(
                f"{function} changed its input {name}{where} in place. The caller still needs it unchanged (the "
                "training data and the caches are used again later): an in-place operation such as -=, *=, /=, "
                "A[...] = ..., .sort() or np.xxx(..., out=A) changes the caller's array; compute a new one instead "
                "(e.g. Z = Z - 1, not Z -= 1).", hint))


class NumericalProblem(AssertionError):
    """What `no_warnings` raises: a warning or floating-point error (overflow, log of 0 ...) inside its block."""


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
            raise NumericalProblem(_with_hint(f"{name} caused a floating-point problem: {error}.", hint)) from None
        except Warning as warning:
            raise NumericalProblem(
                _with_hint(f"{name} raised a warning: {type(warning).__name__}: {warning}.", hint)
            ) from None


def passed(what):
    """Print the line a student sees when a test cell's visible checks pass."""
    print(f"✔ {what}: all visible tests passed.")


def check_scalar(name, value, hint=None):
    """Fail unless ``value`` is one real number; return it as a Python float.

    A Python int or float, a numpy scalar (``np.float64(0.3)``) and a 0-d numpy array (what
    ``np.squeeze`` of a (1, 1) array gives) all count as one number; a list or an array with
    one or more axes does not.
    """
    __tracebackhide__ = True
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number, np.ndarray)):
        raise AssertionError(_with_hint(f"{name} should be one number (a float), but it is {_describe(value)}.", hint))
    if isinstance(value, np.ndarray) and value.ndim != 0:
        raise AssertionError(_with_hint(
            f"{name} should be one number, but it is a numpy array of shape {value.shape}: return a float, e.g. "
            "float(cost), or np.squeeze(cost) for an array of shape (1, 1).", hint))
    try:
        return float(value)
    except (TypeError, ValueError):
        message = f"{name} should be a real number, but it is {_describe(value)}."
        raise AssertionError(_with_hint(message, hint)) from None


# What usually causes an exception that a student's function raises, by the exception's type.
LIKELY_CAUSES = {
    "NotImplementedError": "you have not written this function yet: replace `raise NotImplementedError()` with your "
                           "code, then run its cell.",
    "UnboundLocalError": "a variable is used before it was given a value on this path through the function: is an "
                         "`else` branch (a `raise ValueError(...)`?) or an assignment missing?",
    "NameError": "a name used inside the function is not defined: a typo, or a cell above was not run "
                 "(Run > Run All Above Selected Cell).",
    "TypeError": "an operation or a call got the wrong kind or number of arguments: compare each call with the "
                 "called function's parameters, and check what each value is (a tuple where an array is expected?).",
    "ValueError": "array shapes that do not fit together, or a value the function does not accept: write down the "
                  "shape of each array and check every product (@), sum and broadcast.",
    "KeyError": "a dict was asked for a key it does not have: print its keys (sorted(d)) and compare with the names "
                "the docstring gives (\"W1\", \"b1\", ...).",
    "IndexError": "an index is out of range: check the bounds of your loops (range(1, L) or range(1, L + 1)?).",
    "AttributeError": "an attribute was used on a value that lacks it (a tuple has no .shape: unpack it first).",
    "ZeroDivisionError": "a division by zero: check what you divide by.",
    "RecursionError": "the function calls itself without end: has a variable or a helper the function's own name?",
    "AssertionError": "an `assert` inside your function failed; raise the error the docstring asks for instead.",
}

_LIBRARY_FOLDERS = tuple(os.path.dirname(path) for path in (np.__file__, inspect.__file__, __file__))


def _describe_argument(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array {value.shape}" if value.ndim else f"array({value.item()!r})"
    if isinstance(value, dict):
        keys = ", ".join(repr(key) for key in list(value)[:8])
        return "{" + keys + (", ..." if len(value) > 8 else "") + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_describe_argument(item) for item in list(value)[:4])
        brackets = "[]" if isinstance(value, list) else "()"
        return brackets[0] + inner + (", ..." if len(value) > 4 else "") + brackets[1]
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def describe_call(function, args=(), kwargs=None) -> str:
    """``name(A_prev=array (3, 4), activation='relu')``: a call as a message shows it, arrays by their shape."""
    kwargs = kwargs or {}
    name = getattr(function, "__name__", "the function")
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
        parts = [f"{key}={_describe_argument(value)}" for key, value in bound.arguments.items()]
    except (TypeError, ValueError):
        parts = [_describe_argument(value) for value in args] + [
            f"{key}={_describe_argument(value)}" for key, value in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _where_in_student_code(error: BaseException, test_file: str | None = None) -> str:
    """The innermost line of the traceback that is the student's code.

    Not numpy's, not this package's, and not the test cell's (``test_file``): a stand-in's lines stay unquoted.
    """
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        library = frame.filename.startswith(_LIBRARY_FOLDERS) or frame.filename in (__file__, test_file)
        if not library and frame.line:
            return f" in `{frame.line.strip()}`" + (f" ({frame.name})" if frame.name != "<module>" else "")
    return ""


def explain_failure(function, args, kwargs, error: BaseException, causes=None, test_file=None) -> str:
    """The course's message for an exception raised by a student's function: which call, what, where, why."""
    kind = type(error).__name__
    cause = (causes or {}).get(kind) or LIKELY_CAUSES.get(kind)
    where = _where_in_student_code(error, test_file)
    message = f"{describe_call(function, args, kwargs)} raised {kind}: {error}{where}."
    return message + (f"\nLikely cause: {cause}" if cause else "")


def explained(function, *handled_by_the_test, **causes):
    """``function`` wrapped so that any exception it raises fails the test with the course's message.

    A test calls a student's function as ``explained(linear_forward)(A_prev, W, b)``: the result is
    the function's, and an exception becomes an ``AssertionError`` that names the function, the
    inputs (arrays by their shape), what it raised, the line of the student's code and the likely
    cause. ``causes`` gives a test's own likely cause per exception name, e.g.
    ``explained(linear_forward, ValueError="the product is W @ A_prev")``. Exception types given
    positionally pass through unchanged, for the test's own ``except`` (``explained(f, ValueError)``);
    so do floating-point errors and warnings, for `no_warnings` to report.
    """
    __tracebackhide__ = True
    if not callable(function):
        raise AssertionError(f"{function!r:.60} is not a function: run the cell that defines it.")

    @functools.wraps(function)
    def call(*args, **kwargs):
        __tracebackhide__ = True
        try:
            return function(*args, **kwargs)
        except (FloatingPointError, Warning, *handled_by_the_test):
            raise
        except Exception as error:  # noqa: BLE001 - every failure gets the course's message
            message = explain_failure(function, args, kwargs, error, causes, sys._getframe(1).f_code.co_filename)
            # Keep the traceback into the student's code; IPython then hides this wrapper's frames.
            raise AssertionError(message).with_traceback(error.__traceback__) from None

    return call


def check_raises(expected, function, *args, hint=None, **kwargs):
    """Fail unless ``function(*args, **kwargs)`` raises ``expected`` (an exception type), saying what happened."""
    __tracebackhide__ = True
    call = describe_call(function, args, kwargs)
    try:
        function(*args, **kwargs)
    except expected:
        return
    except Exception as error:  # noqa: BLE001
        raise AssertionError(_with_hint(
            f"{call} raised {type(error).__name__} ({error})"
            f"{_where_in_student_code(error, sys._getframe(1).f_code.co_filename)}, but it should raise "
            f"{expected.__name__}.", hint)).with_traceback(error.__traceback__) from None
    raise AssertionError(_with_hint(f"{call} returned normally, but it should raise {expected.__name__}.", hint))


@dataclass
class Call:
    """One recorded call: its arguments by parameter name (defaults filled in) and its result, copied at the time.

    ``returned`` is the returned object itself, as the caller received it (later in-place changes included).
    """

    arguments: dict
    result: object
    returned: object


@contextmanager
def recording_calls(namespace, *names):
    """Within the block, record every call of the functions ``names`` of ``namespace`` (a notebook's globals()).

    Yields ``{name: [Call, ...]}``. A test uses it to check how a student's function uses their
    earlier ones, whatever those return: Validate then judges each function on its own, as grading does.
    """
    originals = {name: namespace[name] for name in names}
    calls = {name: [] for name in names}

    def recorder(name, function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def record(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                arguments = {key: _copy_nested(value) for key, value in bound.arguments.items()}
            except TypeError:
                arguments = {}
            result = function(*args, **kwargs)
            calls[name].append(Call(arguments, _copy_nested(result), result))
            return result

        return record

    namespace.update({name: recorder(name, function) for name, function in originals.items()})
    try:
        yield calls
    finally:
        namespace.update(originals)


def same(actual, expected, rtol=0.0) -> bool:
    """True when two values (arrays, numbers, strings, dicts, lists or tuples of them) are equal everywhere.

    With ``rtol`` > 0, numbers may differ by that relative amount (rounding of an equivalent formula).
    """
    if isinstance(expected, (np.ndarray, float, np.floating)) or isinstance(actual, np.ndarray):
        try:
            actual_array, expected_array = _asarray(actual), _asarray(expected)
            if actual_array.shape != expected_array.shape:
                return False
            numbers = actual_array.dtype.kind in "fiuc" and expected_array.dtype.kind in "fiuc"
            if numbers and rtol:  # nan equals nan here: a diverged run gives the same nan to both sides
                return bool(_all(_isclose(actual_array, expected_array, rtol=rtol, atol=0.0, equal_nan=True)))
            if numbers:
                return bool(_array_equal(actual_array, expected_array, equal_nan=True))
            return bool(_all(actual_array == expected_array))
        except (TypeError, ValueError):
            return False
    if isinstance(expected, dict):
        return isinstance(actual, dict) and set(actual) == set(expected) and all(
            same(actual[key], expected[key], rtol) for key in expected)
    if isinstance(expected, (list, tuple)):
        return isinstance(actual, (list, tuple)) and len(actual) == len(expected) and all(
            same(a, b, rtol) for a, b in zip(actual, expected, strict=True))
    try:
        return bool(actual == expected)
    except (TypeError, ValueError):
        return False


def check_call(what, call, hint=None, rtol=1e-7, **expected):
    """Fail unless the recorded ``call`` got the ``expected`` arguments (by name), naming the first wrong one."""
    __tracebackhide__ = True
    for key, value in expected.items():
        if key not in call.arguments:
            raise AssertionError(_with_hint(f"{what} was not given {key}.", hint))
        if not same(call.arguments[key], value, rtol):
            got, wanted = _describe_argument(call.arguments[key]), _describe_argument(value)
            if got == wanted:
                wanted += " with other values"
            raise AssertionError(_with_hint(f"{what} got {key}={got}, but it should get {wanted}.", hint))


def passed_on_its_own(what, helpers):
    """The pass line when a function was judged by how it uses the student's own ``helpers``, which are wrong.

    Validate then agrees with grading, which runs the function with the course's versions of the helpers.
    """
    print(f"✔ {what}: all visible tests passed, judged by how it uses your {helpers}. Its values differ from the "
          f"expected ones because of your {helpers}: the test of each says what to fix.")


@contextmanager
def needs(*names):
    """For a picture or widget cell after the exercises: if a function it uses is not written yet, say so kindly.

    Under Run All on a fresh notebook the exercises' stubs raise ``NotImplementedError``, and the cells that use
    their results then meet a ``NameError``. Inside ``with needs("predict"):`` either becomes one line saying which
    exercises to finish, instead of a traceback; any other error (a bug to fix) is raised as usual.
    """
    try:
        yield
    except (NotImplementedError, NameError) as error:
        listed = " and ".join(", ".join(f"`{name}`" for name in names).rsplit(", ", 1))
        why = f" ({error}: run the cells above first.)" if isinstance(error, NameError) else ""
        cells = "its cell" if len(names) == 1 else "their cells"
        print(f"✋ This cell shows your work: finish {listed} above and run {cells}, then run this cell again.{why}")
