"""After grading: one self-contained HTML page that shows the instructor how a class did on one assignment.

    python -m tools.report ASSIGNMENT [--course-dir DIR] [--previous FILE]

writes ``reports/<assignment>.html`` (no remote resource: inline CSS, inline SVG figures) and
``reports/<assignment>.scores.json`` (every graded student's scores; pass an older copy as
``--previous`` to list the scores that changed between two gradings). Three steps:

* `collect` reads the gradebook, the autograded and submitted notebooks, the release and ``grading-logs/``;
* `analyse` turns them into the page's content: score distribution, points per cell, the failure
  messages grouped by the hint that fired, grading problems, submissions to look at, grading time;
* `render` draws the figures and fills in ``tools/report_template.html.j2``.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from .course import REPO_ROOT, nbgrader_meta
from .gradebook import gradebook_url

TEMPLATE = Path(__file__).with_name("report_template.html.j2")
VISIBLE_PASSED = "all visible tests passed"  # what nnlab.checks.passed prints once a cell's visible tests pass
# Files nbgrader ignores in a submission (nbgrader_config.py): handing them in can only be an attempt to
# replace the course's code or configuration in the grading kernel's folder.
IGNORED_SUFFIXES = (".py", ".pth", ".so", ".json")
MAX_FILE_BYTES = 5 * 1024 * 1024
STUB = "NotImplementedError (the answer was left as released)"  # the failure of an untouched answer


# --- collect --------------------------------------------------------------------------------------------

@dataclass
class StudentWork:
    """One student's submission of the assignment: scores, notebooks and what grading logged about it."""

    name: str
    scores: dict[str, float] = field(default_factory=dict)  # test cell -> points (manual score wins)
    extra_credit: float = 0.0
    in_gradebook: bool = False
    autograded: dict[str, nbformat.NotebookNode] = field(default_factory=dict)  # notebook file -> notebook
    submitted: dict[str, nbformat.NotebookNode | None] = field(default_factory=dict)  # None: not readable
    folder: Path | None = None  # submitted/<student>/<assignment>
    seconds: dict[str, dict] = field(default_factory=dict)  # notebook -> wall, cells, slowest cell and its seconds
    log: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(self.scores.values())


@dataclass
class ClassData:
    """Everything the report reads about one assignment."""

    course_dir: Path
    assignment: str
    cells: dict[str, float]  # autograded test cells in notebook order -> max points
    manual_cells: int
    release: dict[str, nbformat.NotebookNode]
    students: dict[str, StudentWork]

    @property
    def max_total(self) -> float:
        return sum(self.cells.values())

    def graded(self) -> list[StudentWork]:
        """Students nbgrader graded: in the gradebook with every notebook autograded."""
        return [s for s in self.students.values()
                if s.in_gradebook and s.autograded and set(s.autograded) == set(self.release)]

    def ungraded(self) -> list[StudentWork]:
        graded = {s.name for s in self.graded()}
        return [s for s in self.students.values() if s.name not in graded]


def _cell_id(cell, index: int) -> str:
    """A cell's nbgrader grade id, or "cell N" for a cell without one (e.g. added by the student)."""
    return nbgrader_meta(cell).get("grade_id") or f"cell {index + 1}"


def _read_notebook(path: Path) -> nbformat.NotebookNode | None:
    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 (not JSON, not a notebook: reported as unreadable)
        return None


def _cell_seconds(nb) -> tuple[float | None, list[tuple[str, float]]]:
    """Seconds from the first cell's start to the last cell's reply, and each cell's own time (cell metadata)."""
    def parse(stamp):
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

    per_cell, starts, ends = [], [], []
    for index, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            start, end = parse(timing["iopub.execute_input"]), parse(timing["shell.execute_reply"])
            starts.append(start)
            ends.append(end)
            per_cell.append((_cell_id(cell, index), end - start))
    return (max(ends) - min(starts) if starts else None), per_cell


def _student_logs(course_dir: Path, assignment: str, students: list[str]) -> dict[str, list[str]]:
    """The nbgrader log lines about each student, from the newest grading log in grading-logs/ naming them."""
    logs = sorted((p for p in (Path(course_dir) / "grading-logs").glob(f"{assignment}-*.log")
                   if "generate_feedback" not in p.name), key=lambda p: p.stat().st_mtime)
    found: dict[str, list[str]] = {}
    for log in logs:  # oldest first: a newer log replaces what an older one said about a student
        per_student: dict[str, list[str]] = defaultdict(list)
        current = None
        for line in log.read_text(errors="replace").splitlines():
            named = re.search(r"/(?:submitted|autograded)/([^/]+)/|ID '([^']+)'|for student '([^']+)'", line)
            if named:
                current = next(g for g in named.groups() if g)
            if current in students:
                per_student[current].append(line)
        found.update(per_student)
    return found


def collect(course_dir: Path, assignment: str) -> ClassData:
    """Read the gradebook, the notebooks and the grading logs of ``assignment``."""
    course_dir = Path(course_dir).resolve()
    release = {p.name: nbformat.read(p, as_version=4)
               for p in sorted((course_dir / "release" / assignment).glob("*.ipynb"))}
    students: dict[str, StudentWork] = {}
    for folder in sorted((course_dir / "submitted").glob(f"*/{assignment}")):
        if folder.is_dir():
            work = students[folder.parent.name] = StudentWork(folder.parent.name, folder=folder)
            work.submitted = {p.name: _read_notebook(p) for p in sorted(folder.glob("*.ipynb"))}
    cells, manual = {}, 0
    with Gradebook(gradebook_url(course_dir)) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            raise SystemExit(f"{assignment} is not in the gradebook of {course_dir}: grade it first.") from None
        for notebook in found.notebooks:
            for cell in notebook.grade_cells:
                if cell.cell_type == "code":
                    cells[cell.name] = cell.max_score
                else:
                    manual += 1
        for submission in found.submissions:
            work = students.setdefault(submission.student.id, StudentWork(submission.student.id))
            work.in_gradebook = True
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.cell.cell_type == "code":
                        score = grade.manual_score if grade.manual_score is not None else grade.auto_score
                        work.scores[grade.name] = score or 0.0
                        work.extra_credit += grade.extra_credit or 0.0
    order = [_cell_id(c, i) for nb in release.values() for i, c in enumerate(nb.cells)]
    cells = dict(sorted(cells.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    logs = _student_logs(course_dir, assignment, list(students))
    for work in students.values():
        work.log = logs.get(work.name, [])
        graded_folder = course_dir / "autograded" / work.name / assignment
        mark = graded_folder / "timestamp.txt"
        previous = mark.stat().st_mtime if mark.exists() else None
        for path in sorted(graded_folder.glob("*.ipynb"), key=lambda p: p.stat().st_mtime):
            nb = _read_notebook(path)
            if nb is None:
                continue
            work.autograded[path.name] = nb
            written = path.stat().st_mtime
            wall = written - previous if previous is not None and 0 <= written - previous < 24 * 3600 else None
            running, per_cell = _cell_seconds(nb)
            slowest = max(per_cell, key=lambda c: c[1], default=("-", 0.0))
            work.seconds[path.name] = {"wall": wall, "cells": running, "slowest": slowest[0],
                                       "slowest_seconds": slowest[1]}
            previous = written
    return ClassData(course_dir, assignment, cells, manual, release, students)


# --- analyse: scores ------------------------------------------------------------------------------------

def histogram(data: ClassData) -> dict:
    """Counts of graded students' total points in bins one point wide (half a point for short quizzes with
    half points, wider for long assignments), each bin centred on its score."""
    totals = [s.total for s in data.graded()]
    halves = any(t % 1 for t in totals + [data.max_total]) and data.max_total <= 15
    width = 0.5 if halves else max(1, round(data.max_total / 25))
    edges = [(i - 0.5) * width for i in range(int(data.max_total / width) + 2)]
    counts = [0] * (len(edges) - 1)
    for total in totals:
        counts[min(len(counts) - 1, max(0, int((total - edges[0]) // width)))] += 1
    return {"edges": edges, "counts": counts, "width": width,
            "median": statistics.median(totals) if totals else None,
            "mean": statistics.mean(totals) if totals else None}


def cell_outcomes(data: ClassData) -> list[dict]:
    """For every test cell: how many graded students got full, partial and no points; hardest first."""
    rows = []
    for cell, points in data.cells.items():
        scores = [s.scores.get(cell, 0.0) for s in data.graded()]
        full = sum(score >= points - 1e-9 for score in scores)
        none = sum(score <= 1e-9 for score in scores)
        rows.append({"cell": cell, "points": points, "full": full, "partial": len(scores) - full - none,
                     "none": none, "mean": statistics.mean(scores) / points if scores and points else 0.0})
    return sorted(rows, key=lambda row: (row["mean"], row["full"]))


# --- analyse: what the notebooks' outputs say -----------------------------------------------------------

def normalise(message: str) -> str:
    """The message with numbers, shapes and array contents blanked, so one mistake makes one cluster."""
    text = re.sub(r"array\([^)]*\)", "array(…)", message)
    text = re.sub(r"'[A-Za-z_]\w*'", "'…'", text)  # name 'relu' is not defined, KeyError 'W1'
    text = re.sub(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", "#", text)
    return re.sub(r"\s+", " ", text).strip()


def error_message(output) -> str:
    """What a student reads for an error output: the assertion's message, or the exception and its message."""
    evalue = (output.get("evalue") or "").strip()
    if output.get("ename") == "AssertionError" and evalue:
        return evalue
    if output.get("ename") == "NotImplementedError" and not evalue:
        return STUB
    return f"{output.get('ename')}: {evalue}" if evalue else str(output.get("ename"))


def _is_timeout(output) -> bool:
    text = f"{output.get('ename', '')} {output.get('evalue', '')}"
    return output.get("ename") in ("CellTimeoutError", "KeyboardInterrupt") or "Timeout" in text or "timed out" in text


def cell_text(cell) -> str:
    """The visible (stdout and result) output of a code cell, as one string."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            parts.append(output.get("text", ""))
        elif output.get("output_type") in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _graded_cells(work: StudentWork):
    """(notebook, cell id, cell, is a test cell) for every code cell of a student's autograded notebooks."""
    for name, nb in work.autograded.items():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                meta = nbgrader_meta(cell)
                yield name, _cell_id(cell, index), cell, bool(meta.get("grade"))


def failure_clusters(data: ClassData) -> dict[str, list[dict]]:
    """For every test cell, the failure messages grouped by normalised text: count, students, one example."""
    groups: dict[str, dict[str, dict]] = defaultdict(dict)
    for work in data.graded():
        for _, cell_id, cell, is_test in _graded_cells(work):
            if not is_test or cell_id not in data.cells:
                continue
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error" or _is_timeout(output):
                    continue
                message = error_message(output)
                group = groups[cell_id].setdefault(normalise(message), {
                    "message": message, "example": work.name, "students": [], "after_visible": True})
                if work.name not in group["students"]:
                    group["students"].append(work.name)
                group["after_visible"] &= VISIBLE_PASSED in cell_text(cell)
    return {cell: sorted(found.values(), key=lambda g: (-len(g["students"]), g["message"]))
            for cell, found in groups.items()}


def grading_problems(data: ClassData) -> list[dict]:
    """Cells that timed out, failed before the test cell (answer or given cells), or wrote to stderr.

    Grouped by what happened and its normalised message, with the cells and the students affected.
    """
    problems: dict[tuple[str, str], dict] = {}

    def note(kind, cell_id, detail, student):
        entry = problems.setdefault((kind, normalise(detail)),
                                    {"kind": kind, "detail": detail, "cells": [], "students": []})
        for key, value in (("cells", cell_id), ("students", student)):
            if value not in entry[key]:
                entry[key].append(value)

    for work in data.graded():
        for _, cell_id, cell, is_test in _graded_cells(work):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and _is_timeout(output):
                    note("timed out", cell_id, error_message(output), work.name)
                elif output.get("output_type") == "error" and not is_test:
                    note("error before the test", cell_id, error_message(output), work.name)
                elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                    lines = output.get("text", "").strip().splitlines() or ["(an empty line)"]
                    warning = [re.sub(r"^.*?:\d+: ", "", x) for x in lines if re.search(r"\w+(Warning|Error)\b", x)]
                    note("wrote to stderr", cell_id, (warning or lines)[0], work.name)
    for work in data.students.values():  # a timeout that made nbgrader give up is only in the log
        for line in work.log:
            if "Timeout waiting for execute reply" in line or "CellTimeoutError" in line:
                note("timed out", "(the notebook was not graded)", line.split("] ", 1)[-1].strip(), work.name)
                break
    order = {"timed out": 0, "error before the test": 1, "wrote to stderr": 2}
    return sorted(problems.values(), key=lambda p: (order[p["kind"]], -len(p["students"]), p["detail"]))


def ungraded_reason(work: StudentWork, data: ClassData) -> str:
    """Why nbgrader could not grade a submission, from its folder and the grading log."""
    if work.folder is None:
        return "in the gradebook but not in submitted/, and not autograded"
    notebooks = set(work.submitted)
    missing = set(data.release) - notebooks
    if not notebooks:
        return "no notebook in the submission folder"
    if missing:
        return f"{', '.join(sorted(missing))} missing (handed in: {', '.join(sorted(notebooks))})"
    unreadable = [name for name, nb in work.submitted.items() if nb is None]
    if unreadable:
        return f"{', '.join(unreadable)} is not a readable notebook (not valid JSON, or empty)"
    generic = ("There was an error processing", "Traceback", "Please see", "Interrupting kernel")
    for line in work.log:
        if "| ERROR]" in line and not any(g in line for g in generic):
            return "nbgrader: " + line.split("] ", 1)[1].strip()
    exceptions = [line.strip() for line in work.log if re.match(r"\s+[\w.]+(Error|Exception): ", line)]
    if exceptions:
        return "nbgrader: " + re.sub(r"^[\w.]*\.(?=\w+(Error|Exception):)", "", exceptions[-1])
    return "not graded yet (no autograded notebook): run make grade"


# --- analyse: submissions to look at --------------------------------------------------------------------

PROTECTED = ("numpy", "nnlab", "builtins")
SYS_HOOKS = {"sys.stdout", "sys.stderr", "sys.excepthook", "sys.displayhook", "sys.modules"}
MODULES = {"numpy", "numpy.testing", "builtins", "sys", "os"}  # an assignment from one of these makes an alias
FILE_CALLS = {"open", "io.open", "pathlib.Path", "os.listdir", "os.scandir", "os.walk", "os.open", "glob.glob",
              "glob.iglob", "numpy.load", "numpy.loadtxt", "numpy.genfromtxt", "numpy.fromfile", "sqlite3.connect",
              "shutil.copy", "shutil.copyfile", "shutil.copytree"}
FILE_METHODS = {"read_text", "read_bytes", "iterdir", "rglob", "glob"}
KILLERS = {"sys.exit", "os._exit", "exit", "quit", "os.kill", "os.abort", "signal.signal"}
IMPORTS = {
    "builtins": "imports builtins",
    "sqlite3": "imports sqlite3 (the gradebook is an SQLite file)",
    "ctypes": "imports ctypes (raw memory access, can crash the kernel)",
    "socket": "opens network connections (socket)",
    "urllib": "opens network connections (urllib)",
    "requests": "opens network connections (requests)",
    "subprocess": "runs other programs (subprocess)",
    "pkgutil": "walks installed packages (pkgutil)",
    "importlib": "imports modules by name (importlib)",
    "pickle": "unpickles data (pickle can run code)",
}
SPECIAL_METHODS = {"__eq__", "__ne__", "__array_ufunc__", "__array_function__"}
OUTSIDE = re.compile(r"^/|^[A-Za-z]:\\|(^|[/\\])\.\.([/\\]|$)|gradebook|\.db$|"
                     r"(^|[/\\])(source|submitted|autograded|feedback)([/\\]|$)")


class CodeScan(ast.NodeVisitor):
    """Walks a student's code and notes what patches numpy/builtins/nnlab, reads outside files or lies about ==."""

    def __init__(self, given: dict[str, str]):
        self.given = dict(given)  # names the release's cells import: "np" -> "numpy", "check_close" -> ...
        self.aliases = dict(given)  # the same, plus what the student's code imports or binds to a module
        self.findings: dict[str, list[str]] = defaultdict(list)  # kind of finding -> details
        self.file_calls: set[str] = set()
        self.outside_paths: set[str] = set()

    def note(self, kind: str, detail: str = "") -> None:
        if detail not in self.findings[kind]:
            self.findings[kind].append(detail)

    def dotted(self, node) -> str | None:
        """``np.testing.assert_allclose`` -> "numpy.testing.assert_allclose", following the aliases seen."""
        if isinstance(node, ast.Name):
            return "builtins" if node.id == "__builtins__" else self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "get_ipython":
            return "IPython"
        if isinstance(node, ast.Subscript):
            return self.dotted(node.value)
        return None

    def visit_Import(self, node):
        for name in node.names:
            self.aliases[name.asname or name.name.split(".")[0]] = name.name if name.asname else name.name.split(".")[0]
            self._imported(name.name)

    def visit_ImportFrom(self, node):
        for name in node.names:
            self.aliases[name.asname or name.name] = f"{node.module}.{name.name}"
        self._imported(node.module or "")

    def _imported(self, module: str) -> None:
        if module.split(".")[0] in IMPORTS:
            self.note(IMPORTS[module.split(".")[0]])

    def _assigned(self, target) -> None:
        if isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            for item in getattr(target, "elts", [getattr(target, "value", None)]):
                self._assigned(item)
        elif isinstance(target, ast.Name):  # e.g. check_close = ..., over the name the notebook imported
            if self.given.get(target.id, "").startswith(PROTECTED):
                self.note("rebinds what the notebook imported", target.id)
        elif isinstance(target, ast.Subscript) and getattr(getattr(target.value, "func", None), "id", "") in (
                "globals", "vars"):
            self.note("rebinds names through globals()")
        else:
            name = self.dotted(target) or ""
            if name.startswith(PROTECTED) and "." in name:
                self.note("patches", name)
            elif name.split("[")[0] in SYS_HOOKS:
                self.note("replaces", name)
            elif name.startswith("IPython."):
                self.note("replaces IPython's error or result display", name.split(".", 1)[1])

    def visit_Assign(self, node):
        for target in node.targets:
            self._assigned(target)
        bound = self.dotted(node.value) if isinstance(node.value, (ast.Name, ast.Attribute, ast.Call)) else None
        if bound and (bound in MODULES or bound.startswith(("IPython", "nnlab"))):  # shell = get_ipython(), m = np
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.aliases[target.id] = bound
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._assigned(node.target)
        self.generic_visit(node)

    visit_AnnAssign = visit_AugAssign

    def visit_Delete(self, node):
        for target in node.targets:
            self._assigned(target)

    def visit_Call(self, node):
        name = self.dotted(node.func) or ""
        if name in ("setattr", "delattr") and node.args:
            target = self.dotted(node.args[0]) or ""
            if target.startswith(PROTECTED) or target in ("sys", "IPython"):
                self.note("patches", f"{target} (with {name})")
        if name.endswith(("set_custom_exc", ".for_type", ".for_type_by_name")):
            self.note("replaces IPython's error or result display", name.rsplit(".", 1)[-1])
        if name in ("exec", "eval", "compile"):
            self.note("runs code from a string", name)
        if name in KILLERS:
            self.note("stops the kernel", name)
        if name == "time.sleep" and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, (int, float)) and node.args[0].value >= 10:
            self.note("sleeps", f"{node.args[0].value} s")
        if name in FILE_CALLS or name.endswith(".Path") or (
                isinstance(node.func, ast.Attribute) and node.func.attr in FILE_METHODS):
            self.file_calls.add(name if name in FILE_CALLS else f".{getattr(node.func, 'attr', name)}")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in ("__file__", "__path__") and (self.dotted(node.value) or "").startswith("nnlab"):
            self.note("looks inside the helper package's files", f"nnlab {node.attr}")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id == "__builtins__":
            self.note("uses __builtins__")

    def visit_Constant(self, node):
        if isinstance(node.value, str) and len(node.value) < 300 and OUTSIDE.search(node.value):
            self.outside_paths.add(node.value)

    def visit_FunctionDef(self, node):
        if node.name in SPECIAL_METHODS:
            self.note("defines comparison hooks (objects that can claim to equal anything)", node.name)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node):
        types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type] if node.type else []
        caught = {self.dotted(t) for t in types} & {"KeyboardInterrupt", "BaseException", "SystemExit"}
        if caught:
            self.note("catches the grader's interrupt", ", ".join(sorted(caught)))
        self.generic_visit(node)

    def result(self) -> list[str]:
        """One line per kind of finding: "patches numpy.allclose, numpy.isclose, ..."."""
        lines = []
        for kind, details in self.findings.items():
            shown = [d for d in details if d]
            more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
            lines.append(f"{kind}: {', '.join(shown[:5])}{more}" if shown else kind)
        if self.file_calls and self.outside_paths:
            paths = ", ".join(repr(p) for p in sorted(self.outside_paths)[:4])
            lines.append(f"reads files outside its folder: {', '.join(sorted(self.file_calls))} with {paths}")
        return lines


# When a cell's code does not parse, these text searches stand in for the scan.
TEXT_PATTERNS = [
    (r"\b(np|numpy|builtins|__builtins__|nnlab[\w.]*)\.\w+(\.\w+)*\s*=(?!=)", "patches numpy, builtins or nnlab"),
    (r"\bsetattr\s*\(", "calls setattr"),
    (r"\bimport\s+builtins\b|__builtins__", "uses builtins"),
    (r"\bsys\.(stdout|stderr|excepthook)\s*=(?!=)", "replaces sys.stdout/stderr"),
    (r"showtraceback\s*=|set_custom_exc", "replaces IPython's error display"),
    (r"def\s+(__eq__|__ne__|__array_ufunc__|__array_function__)\b", "defines __eq__ or __array_ufunc__"),
    (r"\bsqlite3\b|gradebook", "touches the gradebook"),
    (r"(open|Path)\s*\(\s*[rbf]*['\"](/|\.\.)|os\.listdir|\bglob\.", "reads files outside its folder"),
    (r"os\._exit|sys\.exit", "stops the kernel"),
]


def _aliases(release: dict[str, nbformat.NotebookNode]) -> dict[str, str]:
    """Names the release's own cells import (np, check_close, ...): a student's cells may rebind them."""
    scan = CodeScan({})
    for nb in release.values():
        for cell in nb.cells:
            if cell.cell_type == "code":
                try:
                    scan.visit(ast.parse(cell.source))
                except SyntaxError:
                    pass
    return scan.aliases


def scan_code(sources: list[str], aliases: dict[str, str]) -> list[str]:
    """Findings in a student's code cells (parsed with ast; text search for cells that do not parse)."""
    from IPython.core.inputtransformer2 import TransformerManager

    scan, findings = CodeScan(aliases), []
    for source in sources:
        try:
            scan.visit(ast.parse(TransformerManager().transform_cell(source)))
        except (SyntaxError, ValueError):
            findings += [reason for pattern, reason in TEXT_PATTERNS if re.search(pattern, source)]
    return list(dict.fromkeys(scan.result() + findings))


def student_sources(work: StudentWork, release) -> list[str]:
    """The code the student wrote: answer (solution) cells and any cell they added."""
    answers = {_cell_id(c, i) for nb in release.values() for i, c in enumerate(nb.cells)
               if nbgrader_meta(c).get("solution")}
    sources = []
    for nb in (work.submitted or work.autograded).values():  # autograded keeps the answers and added cells
        for cell in (nb.cells if nb else []):
            grade_id = nbgrader_meta(cell).get("grade_id")
            if cell.cell_type == "code" and (grade_id is None or grade_id in answers):
                sources.append(cell.source)
    return sources


def edited_cells(work: StudentWork, release) -> list[str]:
    """Read-only cells of the release that the submission deleted, edited or whose grading metadata it changed."""
    keys = ("grade", "solution", "locked", "points", "grade_id")
    findings = []
    for name, given in release.items():
        nb = work.submitted.get(name)
        if nb is None:
            continue
        mine = defaultdict(list)
        for cell in nb.cells:
            grade_id = nbgrader_meta(cell).get("grade_id")
            if grade_id:
                mine[grade_id].append(cell)
        known = set()
        for cell in given.cells:
            meta = nbgrader_meta(cell)
            grade_id = meta.get("grade_id")
            known.add(grade_id)
            if not grade_id or not (meta.get("locked") or meta.get("grade")):
                continue
            copies = mine.get(grade_id, [])
            if not copies:
                findings.append(f"deleted {grade_id}")
            elif len(copies) > 1:
                findings.append(f"duplicated {grade_id}")
            elif copies[0].cell_type != cell.cell_type:
                findings.append(f"turned {grade_id} into {copies[0].cell_type}")
            elif {k: copies[0].metadata["nbgrader"].get(k) for k in keys} != {k: meta.get(k) for k in keys}:
                findings.append(f"changed the grading metadata of {grade_id}")
            elif meta.get("locked") and copies[0].source.strip() != cell.source.strip():
                findings.append(f"edited {grade_id}")
        findings += [f"added a graded cell {grade_id}" for grade_id in mine if grade_id not in known]
    return [f"changed read-only cells: {', '.join(findings)}"] if findings else []


def extra_files(work: StudentWork) -> list[str]:
    """Files beside the notebooks that grading ignores: code, configuration, or anything over 5 MB."""
    if work.folder is None:
        return []
    odd = []
    for path in sorted(work.folder.rglob("*")):
        parts = path.relative_to(work.folder).parts
        if not path.is_file() or ".ipynb_checkpoints" in parts or "__pycache__" in parts:
            continue
        size = path.stat().st_size
        if path.suffix in IGNORED_SUFFIXES or size > MAX_FILE_BYTES:
            odd.append(str(path.relative_to(work.folder)) + (f" ({size / 2**20:.0f} MB)" if size > 2**20 else ""))
    return [f"handed in files that grading ignores: {', '.join(odd)}"] if odd else []


def output_findings(data: ClassData) -> dict[str, list[str]]:
    """Full marks with a test cell output unlike the other full-mark students', or visible tests passed
    and hidden ones failed."""
    found: dict[str, list[str]] = defaultdict(list)
    full_outputs: dict[str, dict[str, str]] = defaultdict(dict)
    for work in data.graded():
        for _, cell_id, cell, is_test in _graded_cells(work):
            if not is_test or cell_id not in data.cells:
                continue
            failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
            if failed and VISIBLE_PASSED in cell_text(cell):
                found[work.name].append(f"passes the visible tests of {cell_id} but fails the hidden ones "
                                        "(answers fitted to the visible tests?)")
            if work.scores.get(cell_id, 0.0) >= data.cells[cell_id] - 1e-9:
                full_outputs[cell_id][work.name] = cell_text(cell)
    for cell_id, outputs in full_outputs.items():
        usual, count = Counter(outputs.values()).most_common(1)[0] if outputs else ("", 0)
        if count < 2:
            continue
        for student, text in outputs.items():
            if text != usual:
                found[student].append(f"full marks on {cell_id}, but its output differs from the {count} others': "
                                      f"{text[:80]!r} instead of {usual[:80]!r}")
    return found


def score_changes(data: ClassData, previous: dict | None) -> dict[str, str]:
    """Students whose scores differ from the previous grading's JSON, with what changed."""
    if not previous:
        return {}
    now = scores_json(data)["students"]
    changes = {}
    for student, before in previous.get("students", {}).items():
        after = now.get(student)
        if after is None:
            changes[student] = f"score changed since the previous grading: {before['total']:g} → not graded"
        elif abs(after["total"] - before["total"]) > 1e-9 or after["cells"] != before["cells"]:
            cells = [f"{c} {before['cells'].get(c, 0):g} → {after['cells'].get(c, 0):g}"
                     for c in sorted(set(before["cells"]) | set(after["cells"]))
                     if abs(before["cells"].get(c, 0) - after["cells"].get(c, 0)) > 1e-9]
            changes[student] = (f"score changed since the previous grading: {before['total']:g} → "
                                f"{after['total']:g} ({', '.join(cells)})")
    return changes


def to_look_at(data: ClassData, previous: dict | None = None) -> dict[str, list[str]]:
    """Graded submissions worth a look, each with its reasons (and any whose score changed since ``previous``)."""
    aliases = _aliases(data.release)
    outputs = output_findings(data)
    flagged = {}
    for work in data.graded():
        reasons = (scan_code(student_sources(work, data.release), aliases) + edited_cells(work, data.release)
                   + extra_files(work) + outputs.get(work.name, []))
        if reasons:
            flagged[work.name] = reasons
    for student, change in score_changes(data, previous).items():
        flagged.setdefault(student, []).append(change)
    return dict(sorted(flagged.items()))


def grading_times(data: ClassData) -> dict:
    """Seconds each notebook took: start to end of its grading (file times), and running its cells (metadata)."""
    rows = [{"student": work.name, "notebook": name, **times}
            for work in data.students.values() for name, times in work.seconds.items()]
    rows.sort(key=lambda r: -(r["wall"] or r["cells"] or 0))
    walls = [r["wall"] for r in rows if r["wall"] is not None]
    runs = [r["cells"] for r in rows if r["cells"] is not None]
    return {"rows": rows, "count": len(rows),
            "wall_median": statistics.median(walls) if walls else None, "wall_max": max(walls, default=None),
            "wall_total": sum(walls), "cells_median": statistics.median(runs) if runs else None}


def scores_json(data: ClassData) -> dict:
    """The scores the report saves beside the page, to compare with a later grading (``--previous``)."""
    return {"assignment": data.assignment, "max": data.max_total,
            "students": {s.name: {"total": round(s.total, 6), "cells": {c: round(v, 6) for c, v in s.scores.items()}}
                         for s in sorted(data.graded(), key=lambda s: s.name)}}


def analyse(data: ClassData, previous: dict | None = None) -> dict:
    """Everything the page shows, as plain data (the tests read it too)."""
    graded = data.graded()
    return {
        "assignment": data.assignment,
        "created": datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M"),
        "submitted": len(data.students), "graded": len(graded), "max_total": data.max_total,
        "manual_cells": data.manual_cells,
        "histogram": histogram(data),
        "cells": cell_outcomes(data),
        "clusters": failure_clusters(data),
        "problems": grading_problems(data),
        "ungraded": [{"student": w.name, "reason": ungraded_reason(w, data),
                      "code": scan_code(student_sources(w, data.release), _aliases(data.release))}
                     for w in sorted(data.ungraded(), key=lambda w: w.name)],
        "look_at": to_look_at(data, previous),
        "totals": {s.name: s.total for s in graded},
        "extra_credit": {s.name: s.extra_credit for s in data.students.values() if s.extra_credit},
        "times": grading_times(data),
        "compared": previous is not None,
    }


# --- render ---------------------------------------------------------------------------------------------

COLOURS = {"full": "#2e7d32", "partial": "#f0a500", "none": "#c62828", "bar": "#3b6ea8"}


def _svg(figure) -> str:
    """A matplotlib figure as inline SVG markup (text kept as text, no XML header, no metadata)."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # matplotlib's default family is already sans-serif: setting it again would drop nnlab's Hangul fallback font
    # (nnlab.plots.use_hangul_font) in a process that also draws the course's plots.
    plt.rcParams.update({"svg.fonttype": "none", "font.size": 11,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def histogram_svg(analysis: dict) -> str:
    """Bar chart of the graded students' total points, the median marked."""
    plt = _pyplot()
    hist = analysis["histogram"]
    centres = [(a + b) / 2 for a, b in zip(hist["edges"], hist["edges"][1:], strict=False)]
    top = max(hist["counts"] + [1])
    figure, ax = plt.subplots(figsize=(10.5, 3.2))
    bars = ax.bar(centres, hist["counts"], width=hist["width"] * 0.85, color=COLOURS["bar"], zorder=2)
    ax.bar_label(bars, labels=[str(c) if c else "" for c in hist["counts"]], padding=2, fontsize=10)
    if hist["median"] is not None:
        below = max((c for c, a, b in zip(hist["counts"], hist["edges"], hist["edges"][1:], strict=False)
                     if a <= hist["median"] < b), default=0)
        ax.vlines(hist["median"], below + top * 0.12, top * 1.3, color="#777", linestyle=":", linewidth=1.2)
        right = hist["median"] > (hist["edges"][0] + hist["edges"][-1]) / 2
        ax.text(hist["median"], top * 1.32, f"median {hist['median']:g} ", ha="right" if right else "left",
                va="top", fontsize=10, color="#444")
    ax.set_xlabel(f"total automatic points (of {analysis['max_total']:g})")
    ax.set_ylabel("students")
    ax.set_xlim(hist["edges"][0], hist["edges"][-1])
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(0, top * 1.35)
    return _svg(figure)


def cells_svg(analysis: dict) -> str:
    """Horizontal stacked bars: share of graded students with full, partial and no points per cell, hardest on top."""
    plt = _pyplot()
    rows = analysis["cells"][::-1]  # barh draws bottom-up: the hardest cell ends on top
    graded = max(1, analysis["graded"])
    figure, ax = plt.subplots(figsize=(9, 0.36 * len(rows) + 1.2))
    labels = [f"{r['cell'].removeprefix('test_')}  ({r['points']:g} pt)" for r in rows]
    left = [0.0] * len(rows)
    for kind, title in (("full", "full points"), ("partial", "partial"), ("none", "no points")):
        shares = [100 * r[kind] / graded for r in rows]
        bars = ax.barh(labels, shares, left=left, color=COLOURS[kind], label=title, height=0.72)
        ax.bar_label(bars, labels=[str(r[kind]) if share >= 6 else "" for r, share in zip(rows, shares, strict=True)],
                     label_type="center", color="white", fontsize=9)
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% of the {analysis['graded']} graded students (numbers in the bars: students)")
    ax.legend(ncols=3, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, fontsize=10)
    ax.tick_params(axis="y", length=0)
    ax.margins(y=0.01)
    return _svg(figure)


def render(analysis: dict) -> str:
    """The report page: the Jinja2 template filled with the analysis and its two figures."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE.parent), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["seconds"] = lambda s: "-" if s is None else f"{s:.1f} s"
    env.filters["points"] = lambda p: f"{p:g}"
    template = env.get_template(TEMPLATE.name)
    return template.render(a=analysis, histogram_svg=histogram_svg(analysis), cells_svg=cells_svg(analysis),
                           stub=STUB)


def build_report(course_dir: Path, assignment: str, previous: Path | None = None) -> tuple[Path, dict]:
    """Collect, analyse and render; write reports/<assignment>.html and .scores.json; return the page and data."""
    data = collect(course_dir, assignment)
    before = json.loads(Path(previous).read_text()) if previous else None
    analysis = analyse(data, before)
    out = Path(course_dir) / "reports"
    out.mkdir(exist_ok=True)
    page = out / f"{assignment}.html"
    page.write_text(render(analysis), encoding="utf-8")
    (out / f"{assignment}.scores.json").write_text(json.dumps(scores_json(data), indent=1) + "\n")
    return page, analysis


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--course-dir", type=Path, default=REPO_ROOT)
    parser.add_argument("--previous", type=Path, help="scores JSON of an earlier grading, to list changed scores")
    args = parser.parse_args(argv)
    page, analysis = build_report(args.course_dir, args.assignment, args.previous)
    print(f"{analysis['graded']} of {analysis['submitted']} submissions graded, {len(analysis['look_at'])} to look at, "
          f"{len(analysis['ungraded'])} not graded: {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
