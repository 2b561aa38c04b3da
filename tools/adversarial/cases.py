"""The table of cases, and writing them into ``submitted/adv-<case>/<assignment>/``."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..course import assignments
from . import build as b
from .assignment import Assignment

PREFIX = "adv-"
TIMESTAMP = "2026-01-01 12:00:00.000000 UTC\n"
CONTENT = "content"  # made for every assignment, attacking its representative answer (or more)
MACHINERY = "machinery"  # about the grading machinery: made for the representative assignment only


@dataclass(frozen=True)
class Case:
    name: str
    tries: str
    scope: str  # CONTENT or MACHINERY
    build: Callable[[Assignment, Case], b.Built | None]
    payloads: tuple[str, ...] = ()  # files (or folders) in payloads/ that ``build`` uses
    on_mistake: bool = False  # built on the planted mistake: its cell may earn that answer's honest partial credit

    @property
    def student(self) -> str:
        return PREFIX + self.name


CASES = [
    Case("perfect", "honest: every answer right (the reference score)", CONTENT, b.honest),
    Case("untouched", "honest: the release as handed out", CONTENT, b.untouched),
    Case("hardcode", "returns the visible tests' expected outputs (recorded from the tests), wrong elsewhere",
         CONTENT, b.hardcode, on_mistake=True),
    Case("lying", "returns a wrong answer wrapped in objects whose ==, !=, np.isclose, np.allclose say True",
         CONTENT, b.lying, ("lying.py",), on_mistake=True),
    Case("patch-numpy", "wrong answer + np.allclose/isclose/array_equal/all and np.testing patched to pass",
         CONTENT, b.after_wrong_answer, ("patch_numpy.py",), on_mistake=True),
    Case("patch-checks", "wrong answer + nnlab.checks helpers (module and the notebook's names) made no-ops",
         CONTENT, b.after_wrong_answer, ("patch_checks.py",), on_mistake=True),
    Case("patch-builtins", "wrong answer + print and round patched; IPython shows every number as 1000",
         CONTENT, b.after_wrong_answer, ("patch_builtins.py",), on_mistake=True),
    Case("hide-errors", "wrong answer + IPython traceback display replaced, exceptions swallowed by a custom "
         "handler, sys.excepthook and stderr redirected", CONTENT, b.after_wrong_answer, ("hide_errors.py",),
         on_mistake=True),
    Case("test-cells", "test cells edited, commented out, deleted, changed to markdown (answers left as stubs)",
         CONTENT, b.tampered(b.passing, b.commented_out, b.markdown, b.deleted)),
    Case("metadata", "test cell points raised to 100, grade id renamed, unlocked and emptied, a duplicated test "
         "cell worth 50 (answers left as stubs)", CONTENT,
         b.tampered(b.worth_100, b.renamed_grade_id, b.unlocked, b.duplicated)),
    Case("read-source", "reads source/ (or the gradebook) to copy the instructor's solution",
         CONTENT, b.instead_of_answers, ("read_source.py",), on_mistake=True),
    Case("helper-package", "every graded function answered with whatever the helper package holds under its name: "
         "callables found in any module, dict or object of nnlab, and stored arrays (interpolated)",
         CONTENT, b.helper_package, ("search_helper.py",)),
    Case("extra-files", "wrong answer + a fake nnlab package, an ipython_kernel_config.py and an 8 MB file "
         "beside the notebook", CONTENT, b.beside_the_notebook, ("extra_files",), on_mistake=True),
    Case("timeout", "a sleep past the timeout, then an infinite loop that swallows the interrupt (KeyboardInterrupt)",
         MACHINERY, b.instead_of_answers, ("timeout_sleep.py", "timeout_loop.py")),
    Case("resources", "allocates memory without end, calls sys.exit(), floods 5 MB of prints, displays 8 MB",
         MACHINERY, b.instead_of_answers,
         ("resources_memory.py", "resources_exit.py", "resources_flood.py", "resources_display.py")),
    Case("os-exit", "calls os._exit(0) in an answer cell", MACHINERY, b.instead_of_answers, ("os_exit.py",)),
    Case("crash", "crashes the kernel (segmentation fault through ctypes)", MACHINERY, b.instead_of_answers,
         ("crash.py",)),
    Case("writer", "writes the gradebook (extra credit), another student's submission, source/, and opens a "
         "network connection, all from an answer cell", MACHINERY, b.after_right_answer, ("writer.py",)),
    Case("invalid-json", "a notebook file that is not valid JSON", MACHINERY, b.half_json),
    Case("empty", "an empty (0-byte) notebook file", MACHINERY, b.empty_file),
    Case("renamed", "the notebook handed in under another file name", MACHINERY, b.other_filename),
    Case("missing", "a submission folder without the notebook", MACHINERY, b.no_notebook),
]
BY_NAME = {case.name: case for case in CASES}
CASE_NAMES = list(BY_NAME)
WRONG_ANSWER_CASES = {case.name for case in CASES if case.on_mistake}


@dataclass
class Submission:
    """One adversarial submission: the student, the assignment, and the test cells it attacks."""

    case: str
    student: str
    assignment: str
    attacked: list[str]


def make_case(course_dir: Path, a: Assignment, case: str) -> Submission | None:
    """Write ``submitted/adv-<case>/<assignment>/`` and return what it attacks (None: not applicable)."""
    if case not in BY_NAME:
        raise ValueError(f"unknown case {case!r}; the cases are {', '.join(CASE_NAMES)}")
    found = BY_NAME[case]
    folder = Path(course_dir) / "submitted" / found.student / a.name
    if folder.exists():
        shutil.rmtree(folder)
    built = found.build(a, found)
    if built is None:
        return None
    folder.mkdir(parents=True)
    path = folder / (built.filename or a.filename)
    if built.notebook is not None:
        nbformat.write(built.notebook, path)
    elif built.text is not None:
        path.write_text(built.text)
    for relative, content in built.files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(content)
    (folder / "timestamp.txt").write_text(TIMESTAMP)
    return Submission(found.name, found.student, a.name, built.attacked)


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
        a = Assignment(course_dir, name)
        for case in CASES:
            if cases is not None and case.name not in cases:
                continue
            if case.scope == MACHINERY and name != representative:
                continue
            submission = make_case(course_dir, a, case.name)
            if submission is not None:
                made.append(submission)
    return made
