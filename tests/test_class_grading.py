"""Grading a simulated class in parallel gives exactly the grades and feedback of serial nbgrader."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from helpers import feedback_pages

from tools.course import copy_course, nbgrader
from tools.grade import batches, grade_class
from tools.gradebook import cell_scores
from tools.simulate import simulate_class

ASSIGNMENT = "01_activations"
CLASS_SIZE = 10  # with_broken makes the tenth student's notebook invalid JSON


@pytest.fixture(scope="module")
def simulated_class(tmp_path_factory):
    """A generated course with a simulated class submitted, copied twice: one to grade serially, one in parallel."""
    base = copy_course(tmp_path_factory.mktemp("class") / "course")
    nbgrader("generate_assignment", ASSIGNMENT, "--force", course_dir=base)
    kinds = simulate_class(base, ASSIGNMENT, CLASS_SIZE, with_broken=True)
    serial = base.parent / "serial"
    shutil.copytree(base, serial)
    nbgrader("autograde", ASSIGNMENT, "--force", course_dir=serial, check=False)  # exits 1: one notebook is broken
    nbgrader("generate_feedback", ASSIGNMENT, "--force", course_dir=serial, check=False)
    return base, serial, kinds


@pytest.mark.slow
def test_parallel_grades_and_feedback_equal_serial_and_survive_reruns(simulated_class):
    base, serial, kinds = simulated_class
    broken = {s for s, kind in kinds.items() if kind == "broken"}
    assert broken, "the simulated class should include a broken submission"
    expected = cell_scores(serial, ASSIGNMENT)
    graded = {student for (student, *_), cell in expected.items() if cell.auto_score is not None}
    assert graded == set(kinds) - broken, "serial nbgrader should grade everyone but the broken notebook"
    before = {p: p.read_bytes() for p in (base / "submitted").rglob("*") if p.is_file()}

    for run in range(2):  # a second run over the same gradebook must give the same result
        report = grade_class(base, ASSIGNMENT, jobs=2)
        assert set(report.failed) == broken, f"run {run}: failures {report.failed}"
        assert report.done == set(kinds) - broken, f"run {run}: the broken notebook stopped other students"
        assert cell_scores(base, ASSIGNMENT) == expected, f"run {run}: parallel grades differ from serial nbgrader"
        assert feedback_pages(base) == feedback_pages(serial), f"run {run}: feedback differs from serial"
        with sqlite3.connect(base / "gradebook.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    after = {p: p.read_bytes() for p in (base / "submitted").rglob("*") if p.is_file()}
    assert after == before, "grading changed a submitted file"
    assert (base / "grades.csv").read_text().count("\n") >= len(kinds) - len(broken) + 1


def test_batches_cover_every_student_once():
    students = [f"s{i}" for i in range(23)]
    for jobs in (1, 2, 3, 8, 40):
        parts = batches(students, jobs)
        assert sorted(s for part in parts for s in part) == sorted(students)
        assert len(parts) == min(jobs, len(students)) and all(parts)
