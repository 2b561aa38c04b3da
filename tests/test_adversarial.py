"""Adversarial submissions, graded as a class under the sandboxed command: no cheat earns a point, nothing is lost.

`tools.adversarial` writes every case against every assignment where it applies (beside an
honest perfect and an untouched student); `tools.grade_safely` grades them all, in parallel,
as an instructor would. The test then checks every score, the submitted files, the gradebook
and a rerun.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time

import nbformat
import pytest

from tools.adversarial import CASES, PREFIX, cell_scores, format_verdicts, judge, make_suite
from tools.course import assignments, copy_course, nbgrader
from tools.grade import grade_class
from tools.grade_safely import grade_class_safely, sandbox_problem

pytestmark = pytest.mark.slow


def file_digests(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded_suite(tmp_path_factory):
    problem = sandbox_problem()
    if problem:
        pytest.skip(f"the grading sandbox cannot run here: {problem}")
    course = copy_course(tmp_path_factory.mktemp("adversarial") / "course")
    names = assignments(course)
    for name in names:
        nbgrader("generate_assignment", name, "--force", course_dir=course)
    suite = make_suite(course)
    submitted_before = file_digests(course / "submitted")
    source_before = file_digests(course / "source")
    start = time.perf_counter()
    reports = {name: grade_class_safely(course, name, jobs=2, feedback=False) for name in names}
    seconds = time.perf_counter() - start
    print(f"\nadversarial suite: {len(suite)} submissions graded in {seconds:.0f} s")
    return course, names, suite, reports, submitted_before, source_before


def test_no_cheat_earns_a_point_it_did_not_earn(graded_suite):
    course, _, suite, _, _, _ = graded_suite
    verdicts = judge(course, suite)
    print(format_verdicts(verdicts))
    broken = [v for v in verdicts if not v.held]
    assert not broken, "cheats that earned points:\n" + format_verdicts(broken)
    by_case = {(v.case, v.assignment): v for v in verdicts}
    for (case, name), v in by_case.items():
        if case in ("hardcode", "lying", "patch-numpy", "patch-checks", "patch-builtins", "hide-errors",
                    "read-source", "extra-files", "test-cells", "metadata", "writer"):
            assert v.graded, f"{case} / {name} was not graded at all: the attack should lose points, not the notebook"


# Content cases that do not apply to an assignment whose answers are values, not functions (the quizzes).
NOT_FOR_VALUE_ANSWERS = {"hardcode", "helper-package"}


def test_every_case_was_made_and_graded(graded_suite):
    """No case may silently drop out of the suite: the exact set of (case, assignment) pairs is known."""
    _, names, suite, reports, _, _ = graded_suite
    expected = set()
    for case in CASES:
        for name in names if case.scope == "content" else names[:1]:
            if not (name == "06_quizzes" and case.name in NOT_FOR_VALUE_ANSWERS):
                expected.add((case.name, name))
    made = {(s.case, s.assignment) for s in suite}
    assert made == expected, f"missing {sorted(expected - made)}, unexpected {sorted(made - expected)}"
    for s in suite:
        assert s.student in reports[s.assignment].students, f"{s.case} / {s.assignment} was never given to the grader"


def test_honest_students_get_the_grades_they_get_alone(graded_suite):
    course, names, _, reports, _, _ = graded_suite
    scores = cell_scores(course)
    for name in names:
        perfect = {c: v for (s, a, c), v in scores.items() if s == PREFIX + "perfect" and a == name}
        untouched = {c: v for (s, a, c), v in scores.items() if s == PREFIX + "untouched" and a == name}
        assert perfect and all(score == top for score, top, _ in perfect.values()), (name, perfect)
        assert untouched.keys() == perfect.keys() and all(score == 0 for score, _, _ in untouched.values())
        assert PREFIX + "perfect" in reports[name].done and PREFIX + "untouched" in reports[name].done


def test_every_submission_is_handled_and_only_unreadable_ones_fail(graded_suite):
    course, names, suite, reports, _, _ = graded_suite
    unreadable = {"invalid-json", "empty", "renamed", "missing"}
    for s in suite:
        report = reports[s.assignment]
        assert s.student in report.students
        # A dead kernel (os._exit, a crash) or a cell that ignores the interrupt after its timeout makes nbgrader
        # give up on that notebook: it is listed as not graded (0 points), and the others go on.
        if s.case not in unreadable and s.case not in ("os-exit", "crash", "timeout"):
            assert s.student in report.done, f"{s.case} / {s.assignment}: {report.failed.get(s.student)}"


def test_nothing_is_lost_or_written_outside_the_submission(graded_suite):
    course, names, suite, _, submitted_before, source_before = graded_suite
    assert file_digests(course / "submitted") == submitted_before, "grading changed a submitted file"
    assert file_digests(course / "source") == source_before, "a submission changed source/"
    assert not (course / "written-by-student.txt").exists()
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COALESCE(SUM(extra_credit), 0) FROM grade").fetchone() == (0,)
    writers = [s for s in suite if s.case == "writer"]
    assert writers, "the suite has no writer case"
    for s in writers:
        graded = course / "autograded" / s.student / s.assignment
        text = "".join(
            output.get("text", "")
            for nb_path in graded.glob("*.ipynb")
            for cell in nbformat.read(nb_path, as_version=4).cells if cell.cell_type == "code"
            for output in cell.get("outputs", [])
        )
        assert "writer: succeeded: []" in text, f"the writer submission got somewhere:\n{text[-2000:]}"
        for target in ("gradebook", "other-student", "source", "network", "course-root"):
            assert f"writer: {target} refused" in text, text[-2000:]
    reading = [s for s in suite if s.case == "read-source"]
    for s in reading:
        graded = course / "autograded" / s.student / s.assignment
        text = "".join(p.read_text() for p in graded.glob("*.ipynb"))
        assert "read-source: nothing found" in text, f"{s.assignment}: the submission read the hidden tests"


def test_regrading_gives_the_same_grades(graded_suite):
    course, names, _, _, submitted_before, _ = graded_suite
    # One assignment without the slow machinery cases is enough to show reruns are stable.
    name = names[-1]
    first = {k: v for k, v in cell_scores(course).items() if k[1] == name}
    grade_class_safely(course, name, jobs=2, feedback=False)
    assert {k: v for k, v in cell_scores(course).items() if k[1] == name} == first
    assert file_digests(course / "submitted") == submitted_before


# --- the same content cheats without the sandbox: the in-kernel guard alone, on any machine ------------------------

# What only the sandbox can stop (reading source/, writing outside the folder) and the cases about the machinery.
NEEDS_SANDBOX = {"read-source", "writer"}
CONTENT_CASES = [case.name for case in CASES if case.scope == "content" and case.name not in NEEDS_SANDBOX]


@pytest.fixture(scope="module")
def graded_without_sandbox(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("adversarial-guard") / "course")
    names = assignments(course)
    for name in names:
        nbgrader("generate_assignment", name, "--force", course_dir=course)
    suite = make_suite(course, cases=CONTENT_CASES)
    reports = {name: grade_class(course, name, jobs=2, feedback=False, export=False) for name in names}
    return course, names, suite, reports


def test_the_guard_alone_stops_every_content_cheat(graded_without_sandbox):
    course, names, suite, reports = graded_without_sandbox
    made = {(s.case, s.assignment) for s in suite}
    expected = {(case, name) for case in CONTENT_CASES for name in names
                if not (name == "06_quizzes" and case in NOT_FOR_VALUE_ANSWERS)}
    assert made == expected, f"missing {sorted(expected - made)}, unexpected {sorted(made - expected)}"
    verdicts = judge(course, suite)
    print(format_verdicts(verdicts))
    broken = [v for v in verdicts if not v.held]
    assert not broken, "cheats that earned points without the sandbox:\n" + format_verdicts(broken)
    assert all(v.graded for v in verdicts), [v.case for v in verdicts if not v.graded]
