"""What the hardcode case copies: ``target``'s return value for every call its visible tests make."""

from __future__ import annotations

import base64
import contextlib
import io
import os
import pickle
import signal
from pathlib import Path

from ..course import nbgrader_meta


def record_visible_answers(release_nb, solutions: dict[str, str], target: str, folder: Path) -> dict[str, str]:
    """Run the notebook's code up to ``target``'s visible tests, recording what ``target`` returned for each call.

    The keys and values are pickled and base64-encoded: a student who copies every expected
    output of the visible tests into their function has exactly this table.
    """
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {"__name__": "__main__", "display": lambda *a, **k: None}
    table: dict[str, str] = {}
    test_id = f"test_{target}"
    old_cwd = os.getcwd()
    os.chdir(folder)
    try:
        for cell in release_nb.cells:
            meta = nbgrader_meta(cell)
            grade_id = meta.get("grade_id", "")
            if cell.cell_type != "code" or grade_id.endswith("_try"):
                continue
            if meta.get("grade") and grade_id != test_id:
                continue
            source = solutions.get(grade_id, cell.source) if meta.get("solution") else cell.source
            if grade_id == test_id:
                real = namespace[target]

                def recorder(*args, real=real, **kwargs):
                    result = real(*args, **kwargs)
                    key = base64.b64encode(pickle.dumps((args, kwargs))).decode()
                    table[key] = base64.b64encode(pickle.dumps(result)).decode()
                    return result

                namespace[target] = recorder
            with _time_limit(30), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                try:
                    exec(compile(source, f"<{grade_id}>", "exec"), namespace)
                except BaseException:  # noqa: BLE001 (a given cell may need a display: skip it)
                    if grade_id == test_id:
                        raise
            if grade_id == test_id:
                break
    finally:
        os.chdir(old_cwd)
    return table


@contextlib.contextmanager
def _time_limit(seconds: int):
    def stop(*_):
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
