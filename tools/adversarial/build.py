"""The ways of building a case's submission from an assignment, with the attack code in ``payloads/``.

A builder takes the `Assignment` and the `Case` and returns what to write (`Built`), or None when the
case does not apply to that assignment.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from .assignment import Assignment, answer, find_cell, function_name
from .record import record_visible_answers

if TYPE_CHECKING:
    from .cases import Case

PAYLOADS = Path(__file__).resolve().parent / "payloads"
# A payload's parameter: a line ``_NAME = ...``, set for each submission.
PARAMETER = re.compile(r"^(_[A-Z_]+) = \.\.\.$", re.MULTILINE)


@dataclass
class Built:
    """A submission to write: the notebook (or its file's raw text), the test cells it attacks, files beside it."""

    attacked: list[str]
    notebook: nbformat.NotebookNode | None = None
    text: str | None = None  # instead of a notebook: the file's text (None and no notebook: no file)
    filename: str | None = None  # default: the release's
    files: dict[str, bytes] = field(default_factory=dict)  # beside the notebook, by relative path


def payloads(a: Assignment, case: Case) -> list[str]:
    """The code of the case's payload files, each parameter line ``_NAME = ...`` set for this submission."""
    values = {"_ASSIGNMENT": a.name, "_NOTEBOOK": a.filename, "_GRADE_ID": a.target, "_FALLBACK": a.wrong,
              "_STUDENT": case.student}
    return [PARAMETER.sub(lambda m: f"{m[1]} = {values[m[1]]!r}", (PAYLOADS / name).read_text())
            for name in case.payloads]


# --- honest submissions --------------------------------------------------------------------------------------------

def honest(a: Assignment, case: Case) -> Built:
    return Built([], a.honest())


def untouched(a: Assignment, case: Case) -> Built:
    return Built([], copy.deepcopy(a.release))


# --- payloads pasted into answer cells -----------------------------------------------------------------------------

def after_wrong_answer(a: Assignment, case: Case) -> Built:
    """The planted mistake, followed by the payloads."""
    return Built([a.test], a.honest({a.target: "\n".join([a.wrong.rstrip(), *payloads(a, case)])}))


def after_right_answer(a: Assignment, case: Case) -> Built:
    """The right answer, followed by the payloads: the attack is on the machinery, not a score."""
    return Built([], a.honest({a.target: "\n".join([a.solutions[a.target].rstrip(), *payloads(a, case)])}))


def instead_of_answers(a: Assignment, case: Case) -> Built:
    """One payload for each answer, the representative one first, then other tested answers."""
    attacked = a.stub_tests(len(case.payloads))
    return Built(attacked, a.honest({answer(t): code for t, code in zip(attacked, payloads(a, case), strict=False)}))


def beside_the_notebook(a: Assignment, case: Case) -> Built:
    """The planted mistake, with the files of the payload folders and an 8 MB file beside the notebook."""
    files = {str(path.relative_to(PAYLOADS / folder)): path.read_bytes()
             for folder in case.payloads for path in sorted((PAYLOADS / folder).rglob("*.py"))}
    return Built([a.test], a.honest({a.target: a.wrong}), files={**files, "data.bin": b"\0" * (8 * 1024 * 1024)})


# --- answers that wrap the wrong one -------------------------------------------------------------------------------

def lying(a: Assignment, case: Case) -> Built:
    """The planted mistake whose results are wrapped in objects that say they equal anything (payload ``_lie``)."""
    function = function_name(a.wrong)
    if function:
        wrapped = (
            f"\n_wrong_{function} = {function}\n\n\ndef {function}(*args, **kwargs):\n"
            f"    return _lie(_wrong_{function}(*args, **kwargs))\n"
        )
    else:  # an answer given as a value, e.g. quiz1_answers = {...}
        name = a.wrong.split("=", 1)[0].strip()
        wrapped = f"\n{name} = _lie({name})\n"
    return Built([a.test], a.honest({a.target: "\n".join([*payloads(a, case), a.wrong.rstrip(), wrapped])}))


def hardcode(a: Assignment, case: Case) -> Built | None:
    """The planted mistake, but returning the visible tests' expected outputs for their exact arguments."""
    function = function_name(a.wrong)
    if not function:
        return None  # an answer that is a value (quiz): no visible expected output to copy
    table = record_visible_answers(a.release, a.solutions, a.target, a.release_path.parent)
    if not table:
        return None
    lines = [
        "import base64 as _base64",
        "import pickle as _pickle",
        "",
        a.wrong.rstrip(),
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
    return Built([a.test], a.honest({a.target: "\n".join(lines) + "\n"}))


def helper_package(a: Assignment, case: Case) -> Built | None:
    """Every tested function answered by the payload's search of the helper package for its name."""
    functions = {gid: function_name(code) for gid, code in a.solutions.items()}
    functions = {gid: name for gid, name in functions.items() if name and f"test_{gid}" in a.tests}
    if not functions:
        return None  # answers that are values (quiz): nothing to look up
    first = next(iter(functions))
    search = "".join(payloads(a, case))
    return Built([f"test_{gid}" for gid in functions], a.honest({
        gid: (search if gid == first else "")
        + f"\n\ndef {name}(*args, **kwargs):\n    return _answer_from_helper({name!r}, *args, **kwargs)\n"
        for gid, name in functions.items()
    }))


# --- test cells tampered with (their answers left as released) -----------------------------------------------------

def tampered(*edits):
    """A builder that applies ``edits[i](notebook, cell)`` to the i-th attacked test cell, answers left as stubs."""

    def build(a: Assignment, case: Case) -> Built:
        attacked = a.stub_tests(len(edits))
        nb = a.honest({answer(t): find_cell(a.release, answer(t)).source for t in attacked})
        for test, edit in zip(attacked, edits, strict=False):
            edit(nb, find_cell(nb, test))
        return Built(attacked, nb)

    return build


def passing(nb, cell):
    cell.source = 'print("all tests passed")\n'


def commented_out(nb, cell):
    cell.source = "\n".join("# " + line for line in cell.source.splitlines())


def markdown(nb, cell):
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


def deleted(nb, cell):
    nb.cells.remove(cell)


def worth_100(nb, cell):
    cell.metadata["nbgrader"]["points"] = 100
    cell.source = "pass\n"


def renamed_grade_id(nb, cell):
    cell.metadata["nbgrader"]["grade_id"] = "test_free_points"
    cell.source = "pass\n"


def unlocked(nb, cell):
    cell.metadata["nbgrader"]["locked"] = False
    cell.source = "pass\n"


def duplicated(nb, cell):
    twin = copy.deepcopy(cell)
    if "id" in twin:
        twin["id"] = twin["id"][:50] + "-twin"
    twin.source = "pass\n"
    twin.metadata["nbgrader"]["points"] = 50
    nb.cells.insert(nb.cells.index(cell) + 1, twin)


# --- notebooks nbgrader cannot find or read (every test cell attacked) ---------------------------------------------

def half_json(a: Assignment, case: Case) -> Built:
    text = a.release_path.read_text()
    return Built(list(a.tests), text=text[: len(text) // 2])


def empty_file(a: Assignment, case: Case) -> Built:
    return Built(list(a.tests), text="")


def other_filename(a: Assignment, case: Case) -> Built:
    return Built(list(a.tests), a.honest(), filename=a.filename.replace(".ipynb", " (1).ipynb"))


def no_notebook(a: Assignment, case: Case) -> Built:
    return Built(list(a.tests))
