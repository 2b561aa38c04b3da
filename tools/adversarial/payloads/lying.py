# lying: objects whose ==, !=, np.isclose and np.allclose say True; `_lie` wraps the wrong answer's result.

import numpy as _np


class _LyingArray(_np.ndarray):
    """An array that says it equals anything."""

    def __eq__(self, other):
        return _np.ones(_np.broadcast(_np.asarray(self), _np.asarray(other)).shape, dtype=bool).view(_LyingArray)

    def __ne__(self, other):
        return ~_np.ones(_np.broadcast(_np.asarray(self), _np.asarray(other)).shape, dtype=bool)

    __hash__ = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [_np.asarray(x) if isinstance(x, _LyingArray) else x for x in inputs]
        result = getattr(ufunc, method)(*plain, **kwargs)
        if ufunc in (_np.equal, _np.less_equal, _np.greater_equal, _np.less, _np.isfinite, _np.logical_and):
            return _np.ones_like(result, dtype=bool)
        return result

    def __array_function__(self, func, types, args, kwargs):
        if func.__name__ in ("allclose", "array_equal", "array_equiv", "all", "any"):
            return True
        if func.__name__ == "isclose":
            return _np.ones(_np.broadcast(*[_np.asarray(a) for a in args[:2]]).shape, dtype=bool)
        return super().__array_function__(func, types, args, kwargs)


class _LyingDict(dict):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = None


class _LyingTuple(tuple):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = tuple.__hash__


class _LyingSet(set):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __contains__(self, item):
        return True

    __hash__ = None


class _LyingFloat(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __lt__(self, other):
        return True

    def __gt__(self, other):
        return True

    __hash__ = float.__hash__


def _lie(value):
    if isinstance(value, _np.ndarray):
        return value.view(_LyingArray)
    if isinstance(value, dict):
        return _LyingDict({key: _lie(item) for key, item in value.items()})
    if isinstance(value, tuple):
        return _LyingTuple(_lie(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return _LyingSet(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _LyingFloat(value)
    return value
