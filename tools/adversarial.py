"""Adversarial submissions: what a student might hand in to get points without earning them, or to break grading.

Made from the release and source notebooks of every assignment (so the suite follows the
assignments as they change), into ``submitted/adv-<case>/<assignment>/``. Content cases attack one
representative graded function, the assignment's planted mistake of `tools.submissions` (its test
cell ``test_<cell>``), with every other answer honest, so the score says whether the attack worked;
cases about the grading machinery (timeouts, crashes, files) are made for one assignment only.

    python -m tools.adversarial --course-dir DIR [--assignment A ...]

`CASES` describes each case; `make_suite` writes them and returns what each one attacks.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import io
import os
import pickle
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .course import REPO_ROOT, assignments
from .submissions import PLANTED_MISTAKES, fill_solutions, solution_sources

PREFIX = "adv-"
TIMESTAMP = "2026-01-01 12:00:00.000000 UTC\n"


@dataclass(frozen=True)
class Case:
    name: str
    tries: str
    scope: str  # "content": every assignment, attacking one cell; "machinery": the representative assignment


CASES = [
    Case("perfect", "honest: every answer right (the reference score)", "content"),
    Case("untouched", "honest: the release as handed out", "content"),
    Case("hardcode", "returns the visible tests' expected outputs (recorded from the tests), wrong elsewhere",
         "content"),
    Case("lying", "returns a wrong answer wrapped in objects whose ==, !=, np.isclose, np.allclose say True",
         "content"),
    Case("patch-numpy", "wrong answer + np.allclose/isclose/array_equal/all and np.testing patched to pass", "content"),
    Case("patch-checks", "wrong answer + nnlab.checks helpers (module and the notebook's names) made no-ops",
         "content"),
    Case("patch-builtins", "wrong answer + print and round patched; IPython shows every number as 1000",
         "content"),
    Case("hide-errors", "wrong answer + IPython traceback display replaced, exceptions swallowed by a custom "
         "handler, sys.excepthook and stderr redirected", "content"),
    Case("test-cells", "test cells edited, commented out, deleted, changed to markdown (answers left as stubs)",
         "content"),
    Case("metadata", "test cell points raised to 100, grade id renamed, unlocked and emptied, a duplicated test "
         "cell worth 50 (answers left as stubs)", "content"),
    Case("read-source", "reads source/ (or the gradebook) to copy the instructor's solution", "content"),
    Case("helper-package", "every graded function answered with whatever the helper package holds under its name: "
         "callables found in any module, dict or object of nnlab, and stored arrays (interpolated)", "content"),
    Case("extra-files", "wrong answer + a fake nnlab package, an ipython_kernel_config.py and an 8 MB file "
         "beside the notebook", "content"),
    Case("timeout", "a sleep past the timeout, then an infinite loop that swallows the interrupt (KeyboardInterrupt)",
         "machinery"),
    Case("resources", "allocates memory without end, calls sys.exit(), floods 5 MB of prints, displays 8 MB",
         "machinery"),
    Case("os-exit", "calls os._exit(0) in an answer cell", "machinery"),
    Case("crash", "crashes the kernel (segmentation fault through ctypes)", "machinery"),
    Case("writer", "writes the gradebook (extra credit), another student's submission, source/, and opens a "
         "network connection, all from an answer cell", "machinery"),
    Case("invalid-json", "a notebook file that is not valid JSON", "machinery"),
    Case("empty", "an empty (0-byte) notebook file", "machinery"),
    Case("renamed", "the notebook handed in under another file name", "machinery"),
    Case("missing", "a submission folder without the notebook", "machinery"),
]
CASE_NAMES = [case.name for case in CASES]
# Cases whose attacked answer is the assignment's planted mistake (which may earn partial credit honestly).
WRONG_ANSWER_CASES = {"hardcode", "lying", "patch-numpy", "patch-checks", "patch-builtins", "hide-errors",
                      "read-source", "extra-files"}


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _graded_tests(nb) -> list[str]:
    return [_meta(c)["grade_id"] for c in nb.cells if c.cell_type == "code" and _meta(c).get("grade")]


def _cell(nb, grade_id):
    return next(c for c in nb.cells if _meta(c).get("grade_id") == grade_id)


def _function_name(source: str) -> str | None:
    for line in source.splitlines():
        if line.startswith("def "):
            return line[4:].split("(", 1)[0]
    return None


# --- code pasted into answer cells ----------------------------------------------------------------------

LIARS = '''
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
'''

PATCH_NUMPY = '''
import numpy as _np
import numpy.testing as _npt


def _always(*args, **kwargs):
    return True


def _ones(a, b, *args, **kwargs):
    return _np.ones(_np.broadcast(_np.asarray(a), _np.asarray(b)).shape, dtype=bool)


def _nothing(*args, **kwargs):
    return None


_np.allclose = _np.array_equal = _np.array_equiv = _always
_np.isclose = _ones
for _name in dir(_npt):
    if _name.startswith("assert"):
        setattr(_npt, _name, _nothing)
_np.testing = _npt
'''

PATCH_CHECKS = '''
import contextlib as _contextlib
import nnlab.checks as _checks


def _nothing(*args, **kwargs):
    return None


@_contextlib.contextmanager
def _quiet(*args, **kwargs):
    try:
        yield
    except Exception:
        pass


for _name in ("check_type", "check_shape", "check_close", "check_unchanged", "passed"):
    setattr(_checks, _name, _nothing)
_checks.no_warnings = _quiet
check_type = check_shape = check_close = check_unchanged = passed = _nothing
no_warnings = _quiet
for _name in list(globals()):
    if _name.startswith("check_") and callable(globals()[_name]):
        globals()[_name] = _nothing
'''

PATCH_BUILTINS = '''
import builtins as _builtins

_builtins.print = lambda *args, **kwargs: None
_builtins.round = lambda *args, **kwargs: 1000.0
_plain = get_ipython().display_formatter.formatters["text/plain"]
for _kind in (int, float):
    _plain.for_type(_kind, lambda obj, printer, cycle: printer.text("1000"))
'''

HIDE_ERRORS = '''
import io as _io
import sys as _sys

_shell = get_ipython()
_shell.showtraceback = lambda *args, **kwargs: None
_shell.set_custom_exc((BaseException,), lambda shell, etype, evalue, tb, tb_offset=None: None)
_sys.excepthook = lambda *args: None
_sys.stderr = _io.StringIO()
'''

# Searches the whole helper package for anything named like a graded function: callables in any module,
# class, dict or object of nnlab, and arrays stored in its data files (interpolated on their grid).
SEARCH_HELPER = '''
import importlib as _importlib
import pkgutil as _pkgutil
from pathlib import Path as _Path

import numpy as _np

import nnlab as _nnlab


def _helper_candidates(name):
    """Callables in nnlab named like ``name`` (exact names first), then stored curves with that name."""
    wanted = name.lower()
    exact, partial, seen = [], [], set()
    modules = [_nnlab]
    for info in _pkgutil.walk_packages(_nnlab.__path__, "nnlab."):
        try:
            modules.append(_importlib.import_module(info.name))
        except Exception:
            pass

    def visit(obj, key, depth):
        if id(obj) in seen or depth > 4:
            return
        seen.add(id(obj))
        label = str(key).lower().strip("_")
        if callable(obj) and not isinstance(obj, type) and wanted in label:
            (exact if label in (wanted, wanted.removesuffix("_function")) else partial).append(obj)
        base = wanted.removesuffix("_derivative").removesuffix("_function")
        if label == base and not callable(obj) and hasattr(obj, "__dict__"):  # e.g. ACTIVATIONS["sigmoid"].function
            for attribute, value in vars(obj).items():
                if callable(value) and ("deriv" in attribute) == wanted.endswith("_derivative"):
                    exact.append(value)
        children = {}
        if isinstance(obj, dict):
            children = obj
        elif not hasattr(obj, "__dict__"):
            children = {}
        elif isinstance(obj, type(_np)) or getattr(obj, "__module__", "").startswith("nnlab"):
            children = dict(vars(obj))
        for child_key, child in list(children.items()):
            if isinstance(child, type(_np)) and not child.__name__.startswith("nnlab"):
                continue
            visit(child, child_key, depth + 1)

    for module in modules:
        visit(module, module.__name__.rsplit(".", 1)[-1], 0)
    curves = []
    for path in _Path(_nnlab.__file__).parent.rglob("*.npz"):
        with _np.load(path) as data:
            if "z_range" in data.files and "num_points" in data.files:
                grid = _np.linspace(*data["z_range"], int(data["num_points"]))
                for key in data.files:
                    if key.lower() in (wanted, wanted.removesuffix("_function")):
                        values = data[key].astype(float)
                        values = values[1] if values.ndim == 2 else values  # leaky ReLU: the curve for 0.01

                        def curve(z, *args, grid=grid, values=values, **kwargs):
                            z = _np.asarray(z, dtype=float)
                            return _np.interp(z.ravel(), grid, values).reshape(z.shape)

                        curves.append(curve)
    return exact + partial + curves


def _answer_from_helper(name, *args, **kwargs):
    for candidate in _helper_candidates(name):
        try:
            return candidate(*args, **kwargs)
        except Exception:
            continue
    raise NotImplementedError(f"nothing in nnlab computes {name}")
'''


READ_SOURCE = '''
import json as _json
import os as _os
import sqlite3 as _sqlite3

_stolen = None
_here = _os.path.abspath(".")
for _up in range(6):
    _root = _os.path.abspath(_os.path.join(_here, *[".."] * _up))
    _path = _os.path.join(_root, "source", {assignment!r}, {notebook!r})
    try:
        with open(_path) as _file:
            for _cell in _json.load(_file)["cells"]:
                if _cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == {grade_id!r}:
                    _stolen = "".join(_cell["source"])
    except OSError:
        pass
    try:
        _db = _sqlite3.connect("file:" + _os.path.join(_root, "gradebook.db") + "?mode=ro", uri=True)
        _rows = _db.execute("SELECT source FROM source_cell WHERE name = ?", ({grade_id!r},)).fetchall()
        _db.close()
        if _rows and _stolen is None and "raise NotImplementedError" not in _rows[0][0]:
            _stolen = _rows[0][0]
    except Exception:
        pass
    if _stolen:
        break
if _stolen:
    print("read-source: found the instructor's solution")
    exec(_stolen)
else:
    print("read-source: nothing found")
    exec({fallback!r})
'''

WRITER = '''
import os as _os
import socket as _socket
import sqlite3 as _sqlite3

_root = _os.path.abspath(_os.path.join(".", "..", "..", ".."))
_done = []


def _attempt(label, action):
    try:
        action()
        _done.append(label)
    except Exception as error:
        print(f"writer: {{label}} refused ({{type(error).__name__}})")


def _gradebook():
    db = _sqlite3.connect(_os.path.join(_root, "gradebook.db"), timeout=5)
    db.execute("UPDATE grade SET extra_credit = 100")
    db.commit()
    db.close()


def _other_student():
    for student in sorted(_os.listdir(_os.path.join(_root, "submitted"))):
        folder = _os.path.join(_root, "submitted", student, {assignment!r})
        if student != {student!r} and _os.path.isdir(folder):
            with open(_os.path.join(folder, {notebook!r}), "w") as file:
                file.write("overwritten by another student")
            return
    raise FileNotFoundError("no other student")


def _source():
    with open(_os.path.join(_root, "source", {assignment!r}, "planted.txt"), "w") as file:
        file.write("written by a student")


def _network():
    with _socket.create_connection(("1.1.1.1", 53), timeout=3):
        pass


def _outside_tmp():
    with open(_os.path.join(_root, "written-by-student.txt"), "w") as file:
        file.write("outside the submission folder")


_attempt("gradebook", _gradebook)
_attempt("other-student", _other_student)
_attempt("source", _source)
_attempt("network", _network)
_attempt("course-root", _outside_tmp)
print("writer: succeeded:", _done)
'''

FAKE_NNLAB_CHECKS = '''"""A fake nnlab.checks handed in beside the notebook: every check passes."""
from contextlib import contextmanager


def check_type(*args, **kwargs):
    pass


check_shape = check_close = check_unchanged = check_type


def passed(what):
    print(f"✔ {what}: all visible tests passed.")


@contextmanager
def no_warnings(*args, **kwargs):
    yield
'''

KERNEL_CONFIG = '''c = get_config()
c.InteractiveShellApp.exec_lines = ["import numpy; numpy.allclose = lambda *a, **k: True",
                                    "import nnlab.checks; nnlab.checks.check_close = lambda *a, **k: None"]
'''


# --- building the cheats --------------------------------------------------------------------------------

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
            meta = _meta(cell)
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


def _hardcoded_source(function: str, wrong: str, table: dict[str, str]) -> str:
    lines = [
        "import base64 as _base64",
        "import pickle as _pickle",
        "",
        wrong.rstrip(),
        "",
        f"_wrong_{function} = {function}",
        f"_ANSWERS_{function} = {{",
        *[f"    {key!r}: {value!r}," for key, value in table.items()],
        "}",
        "",
        "",
        f"def {function}(*args, **kwargs):",
        '    """Returns the visible tests\' expected outputs, copied from them; the wrong version otherwise."""',
        "    key = _base64.b64encode(_pickle.dumps((args, kwargs))).decode()",
        f"    if key in _ANSWERS_{function}:",
        f"        return _pickle.loads(_base64.b64decode(_ANSWERS_{function}[key]))",
        f"    return _wrong_{function}(*args, **kwargs)",
    ]
    return "\n".join(lines) + "\n"


def _lying_source(wrong: str) -> str:
    function = _function_name(wrong)
    if function:
        wrapped = (
            f"\n_wrong_{function} = {function}\n\n\ndef {function}(*args, **kwargs):\n"
            f"    return _lie(_wrong_{function}(*args, **kwargs))\n"
        )
    else:  # an answer given as a value, e.g. quiz1_answers = {...}
        name = wrong.split("=", 1)[0].strip()
        wrapped = f"\n{name} = _lie({name})\n"
    return LIARS + "\n" + wrong.rstrip() + "\n" + wrapped


@dataclass
class Submission:
    """One adversarial submission: the student, the assignment, and the test cells it attacks."""

    case: str
    student: str
    assignment: str
    attacked: list[str]


class _Assignment:
    """What the cheats need from one assignment: its notebooks, solutions and representative cell."""

    def __init__(self, course_dir: Path, name: str):
        self.name = name
        self.course_dir = course_dir
        self.release_path = sorted((course_dir / "release" / name).glob("*.ipynb"))[0]
        self.release = nbformat.read(self.release_path, as_version=4)
        self.solutions = solution_sources(course_dir / "source" / name / self.release_path.name)
        self.tests = _graded_tests(self.release)
        mistake = PLANTED_MISTAKES.get(name)
        if mistake and f"test_{mistake.cell}" in self.tests:
            self.target, self.wrong = mistake.cell, mistake.source
        else:  # no planted mistake: the first tested answer, left as released
            self.target = next(t.removeprefix("test_") for t in self.tests if t.removeprefix("test_") in self.solutions)
            self.wrong = _cell(self.release, self.target).source
        self.test = f"test_{self.target}"

    def honest(self, overrides=None):
        return fill_solutions(self.release, self.solutions, overrides)


def _write(folder: Path, nb, filename: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / filename)
    (folder / "timestamp.txt").write_text(TIMESTAMP)


def _stub_tests(a: _Assignment, count: int) -> list[str]:
    """Up to ``count`` test cells other than the representative one, whose answers will be left as stubs."""
    others = [t for t in a.tests if t != a.test and t.removeprefix("test_") in a.solutions]
    return [a.test, *others][:count]


def make_case(course_dir: Path, a: _Assignment, case: str) -> Submission | None:
    """Write ``submitted/adv-<case>/<assignment>/`` and return what it attacks (None: not applicable)."""
    student = PREFIX + case
    folder = course_dir / "submitted" / student / a.name
    if folder.exists():
        shutil.rmtree(folder)
    filename = a.release_path.name
    attacked = [a.test]
    if case == "perfect":
        nb, attacked = a.honest(), []
    elif case == "untouched":
        nb, attacked = copy.deepcopy(a.release), []
    elif case == "hardcode":
        function = _function_name(a.wrong)
        if not function:
            return None  # an answer that is a value (quiz): no visible expected output to copy
        table = record_visible_answers(a.release, a.solutions, a.target, a.release_path.parent)
        if not table:
            return None
        nb = a.honest({a.target: _hardcoded_source(function, a.wrong, table)})
    elif case == "lying":
        nb = a.honest({a.target: _lying_source(a.wrong)})
    elif case in ("patch-numpy", "patch-checks", "patch-builtins", "hide-errors"):
        patch = {"patch-numpy": PATCH_NUMPY, "patch-checks": PATCH_CHECKS, "patch-builtins": PATCH_BUILTINS,
                 "hide-errors": HIDE_ERRORS}[case]
        nb = a.honest({a.target: a.wrong.rstrip() + "\n" + patch})
    elif case == "test-cells":
        attacked = _stub_tests(a, 4)
        nb = a.honest({t.removeprefix("test_"): _cell(a.release, t.removeprefix("test_")).source for t in attacked})
        actions = ["edit", "comment", "markdown", "delete"]
        for test, action in zip(attacked, actions, strict=False):
            cell = _cell(nb, test)
            if action == "edit":
                cell.source = 'print("all tests passed")\n'
            elif action == "comment":
                cell.source = "\n".join("# " + line for line in cell.source.splitlines())
            elif action == "markdown":
                cell.cell_type = "markdown"
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
            elif action == "delete":
                nb.cells.remove(cell)
    elif case == "metadata":
        attacked = _stub_tests(a, 4)
        nb = a.honest({t.removeprefix("test_"): _cell(a.release, t.removeprefix("test_")).source for t in attacked})
        changes = ["points", "grade_id", "unlock", "duplicate"]
        for test, change in zip(attacked, changes, strict=False):
            cell = _cell(nb, test)
            meta = cell.metadata["nbgrader"]
            if change == "points":
                meta["points"] = 100
                cell.source = "pass\n"
            elif change == "grade_id":
                meta["grade_id"] = "test_free_points"
                cell.source = "pass\n"
            elif change == "unlock":
                meta["locked"] = False
                cell.source = "pass\n"
            elif change == "duplicate":
                twin = copy.deepcopy(cell)
                if "id" in twin:
                    twin["id"] = twin["id"][:50] + "-twin"
                twin.source = "pass\n"
                twin.metadata["nbgrader"]["points"] = 50
                nb.cells.insert(nb.cells.index(cell) + 1, twin)
    elif case == "read-source":
        code = READ_SOURCE.format(assignment=a.name, notebook=filename, grade_id=a.target, fallback=a.wrong)
        nb = a.honest({a.target: code})
    elif case == "helper-package":
        functions = {gid: _function_name(code) for gid, code in a.solutions.items()}
        functions = {gid: name for gid, name in functions.items() if name and f"test_{gid}" in a.tests}
        if not functions:
            return None  # answers that are values (quiz): nothing to look up
        attacked = [f"test_{gid}" for gid in functions]
        first = next(iter(functions))
        nb = a.honest({
            gid: (SEARCH_HELPER if gid == first else "")
            + f"\n\ndef {name}(*args, **kwargs):\n    return _answer_from_helper({name!r}, *args, **kwargs)\n"
            for gid, name in functions.items()
        })
    elif case == "extra-files":
        nb = a.honest({a.target: a.wrong})
        (folder / "nnlab").mkdir(parents=True)
        (folder / "nnlab" / "__init__.py").write_text('"""A fake nnlab package."""\n')
        (folder / "nnlab" / "checks.py").write_text(FAKE_NNLAB_CHECKS)
        (folder / "ipython_kernel_config.py").write_text(KERNEL_CONFIG)
        (folder / "data.bin").write_bytes(b"\0" * (8 * 1024 * 1024))
    elif case == "timeout":
        attacked = _stub_tests(a, 2)
        hangs = ["import time\ntime.sleep(3600)\n",
                 "import time\nwhile True:\n    try:\n        time.sleep(3600)\n    except KeyboardInterrupt:\n"
                 "        pass\n"]
        nb = a.honest({t.removeprefix("test_"): code for t, code in zip(attacked, hangs, strict=False)})
    elif case == "resources":
        attacked = _stub_tests(a, 4)
        codes = [
            "def _eat():\n    chunks = []\n    while True:\n"
            "        chunks.append(bytearray(256 * 1024 * 1024))\n"
            "        chunks[-1][::4096] = b'x' * 65536\n\n\n_eat()\n",
            "import sys\nsys.exit(0)\n",
            "for _line in range(100_000):\n    print('flood ' * 8)\n",
            "from IPython.display import display\ndisplay({'text/plain': 'x' * (8 * 1024 * 1024)}, raw=True)\n",
        ]
        nb = a.honest({t.removeprefix("test_"): code for t, code in zip(attacked, codes, strict=False)})
    elif case == "os-exit":
        nb = a.honest({a.target: "import os\nos._exit(0)\n"})
    elif case == "crash":
        nb = a.honest({a.target: "import ctypes\nctypes.string_at(0)\n"})
    elif case == "writer":
        attacked = []
        code = WRITER.format(assignment=a.name, student=student, notebook=filename)
        nb = a.honest({a.target: a.solutions[a.target].rstrip() + "\n" + code})
    elif case == "invalid-json":
        folder.mkdir(parents=True)
        text = a.release_path.read_text()
        (folder / filename).write_text(text[: len(text) // 2])
        (folder / "timestamp.txt").write_text(TIMESTAMP)
        return Submission(case, student, a.name, list(a.tests))
    elif case == "empty":
        folder.mkdir(parents=True)
        (folder / filename).write_text("")
        (folder / "timestamp.txt").write_text(TIMESTAMP)
        return Submission(case, student, a.name, list(a.tests))
    elif case == "renamed":
        _write(folder, a.honest(), filename.replace(".ipynb", " (1).ipynb"))
        return Submission(case, student, a.name, list(a.tests))
    elif case == "missing":
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text(TIMESTAMP)
        return Submission(case, student, a.name, list(a.tests))
    else:
        raise ValueError(f"unknown case {case!r}; the cases are {', '.join(CASE_NAMES)}")
    _write(folder, nb, filename)
    return Submission(case, student, a.name, attacked)


def make_suite(course_dir: Path, names: list[str] | None = None, cases: list[str] | None = None,
               representative: str | None = None) -> list[Submission]:
    """Write every case against every assignment where it applies; return the submissions made.

    The release must exist (``nbgrader generate_assignment``). Machinery cases go to
    ``representative`` (default: the first assignment).
    """
    course_dir = Path(course_dir).resolve()
    names = names or assignments(course_dir)
    representative = representative or names[0]
    made = []
    for name in names:
        a = _Assignment(course_dir, name)
        for case in CASES:
            if cases is not None and case.name not in cases:
                continue
            if case.scope == "machinery" and name != representative:
                continue
            submission = make_case(course_dir, a, case.name)
            if submission is not None:
                made.append(submission)
    return made


def cell_scores(course_dir: Path) -> dict[tuple[str, str, str], tuple[float, float, float]]:
    """Every graded cell's (score, max score, extra credit) by (student, assignment, grade id), read with SQL."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(Path(course_dir) / "gradebook.db")) as db:
        rows = db.execute(
            "SELECT submitted_assignment.student_id, assignment.name, base_cell.name, "
            "COALESCE(grade.manual_score, grade.auto_score), grade_cells.max_score, COALESCE(grade.extra_credit, 0) "
            "FROM grade JOIN base_cell ON grade.cell_id = base_cell.id "
            "JOIN grade_cells ON grade_cells.id = base_cell.id "
            "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
            "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
            "JOIN assignment ON submitted_assignment.assignment_id = assignment.id "
            "WHERE grade_cells.cell_type = 'code'"
        ).fetchall()
    return {(student, a, cell): (score or 0.0, max_score, extra) for student, a, cell, score, max_score, extra in rows}


@dataclass
class Verdict:
    """How one adversarial submission fared: its score on the cells it attacked against what it could earn."""

    case: str
    assignment: str
    attacked_score: float
    attacked_allowed: float
    total: float
    total_allowed: float
    extra_credit: float
    graded: bool

    @property
    def held(self) -> bool:
        return (self.attacked_score <= self.attacked_allowed + 1e-9 and self.total <= self.total_allowed + 1e-9
                and self.extra_credit == 0)


def honest_credit(assignment: str, cell: str, points: float) -> float:
    """What the wrong answer a content case builds on earns honestly on ``cell`` (partial credit of a quiz)."""
    mistake = PLANTED_MISTAKES.get(assignment)
    if mistake and f"test_{mistake.cell}" == cell and mistake.points_lost is not None:
        return points - mistake.points_lost
    return 0.0


def judge(course_dir: Path, submissions: list[Submission]) -> list[Verdict]:
    """Compare each submission's grades with the honest perfect and untouched students' (both must be made)."""
    scores = cell_scores(course_dir)
    verdicts = []
    for s in submissions:
        perfect = {cell: v for (student, a, cell), v in scores.items()
                   if student == PREFIX + "perfect" and a == s.assignment}
        mine = {cell: v for (student, a, cell), v in scores.items() if student == s.student and a == s.assignment}
        builds_on_mistake = s.case in WRONG_ANSWER_CASES
        attacked_allowed = sum(honest_credit(s.assignment, cell, perfect[cell][1]) if builds_on_mistake else 0.0
                               for cell in s.attacked)
        total_allowed = sum(v[1] for v in perfect.values()) - sum(perfect[c][1] for c in s.attacked) + attacked_allowed
        if s.case == "untouched":
            total_allowed = 0.0
        verdicts.append(Verdict(
            case=s.case, assignment=s.assignment,
            attacked_score=sum(mine.get(cell, (0.0,))[0] for cell in s.attacked),
            attacked_allowed=attacked_allowed,
            total=sum(v[0] for v in mine.values()), total_allowed=total_allowed,
            extra_credit=sum(v[2] for v in mine.values()), graded=bool(mine),
        ))
    return verdicts


def format_verdicts(verdicts: list[Verdict]) -> str:
    header = (f"{'case':<15} {'assignment':<18} {'attacked cells':>15} {'honest':>7} {'total':>7} {'honest':>7}"
              f"  {'graded':<6} held")
    lines = [header, "-" * len(header)]
    for v in verdicts:
        lines.append(f"{v.case:<15} {v.assignment:<18} {v.attacked_score:>15g} {v.attacked_allowed:>7g} "
                     f"{v.total:>7g} {v.total_allowed:>7g}  {'yes' if v.graded else 'no':<6} "
                     f"{'yes' if v.held else 'NO'}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course-dir", type=Path, default=REPO_ROOT)
    parser.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    parser.add_argument("--case", action="append", choices=CASE_NAMES, help="only this case (repeatable)")
    args = parser.parse_args(argv)
    for s in make_suite(args.course_dir, args.assignment, args.case):
        print(f"{s.student:<22} {s.assignment:<18} attacks {', '.join(s.attacked) or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
