"""nbgrader on the real notebooks: source validates, release/ is what nbgrader makes, grading end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest
from helpers import region_lines
from nbgrader.api import Gradebook

from tools.course import REPO_ROOT, assignments, nbgrader, nbgrader_meta, notebooks
from tools.demo import DEMO_STUDENTS, demo_student_record, run_demo
from tools.gradebook import gradebook_url, read_scores
from tools.submissions import PLANTED_MISTAKES, make_submission

ASSIGNMENTS = assignments(REPO_ROOT)
SOURCE_NOTEBOOKS = [nb for a in ASSIGNMENTS for nb in notebooks(REPO_ROOT, a)]


def grade_cells(path: Path) -> dict[str, dict]:
    """nbgrader metadata of the graded cells of a notebook, by grade id."""
    nb = nbformat.read(path, as_version=4)
    cells = {}
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade"):
            cells[meta["grade_id"]] = {**meta, "cell_type": cell.cell_type}
    return cells


def validate(path: Path, course_dir: Path = REPO_ROOT) -> str:
    # validate exits 0 even when tests fail, so the result is read from what it prints.
    return nbgrader("validate", str(path), course_dir=course_dir).stdout


def test_every_assignment_has_a_release_and_a_lecture():
    assert ASSIGNMENTS, "source/ has no assignments"
    for name in ASSIGNMENTS:
        assert notebooks(REPO_ROOT, name, "release"), f"release/{name} is missing: run `make release`"
        assert (REPO_ROOT / "notebooks" / f"{name}.ipynb").exists(), f"notebooks/{name}.ipynb (its lecture) is missing"


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=lambda p: p.name)
def test_source_notebook_passes_all_its_tests(path):
    output = validate(path)
    assert "Success! Your notebook passes all the tests." in output, output[-3000:]


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=lambda p: p.name)
def test_every_test_cell_has_points_and_a_matching_solution(path):
    cells = grade_cells(path)
    tests = {gid for gid, meta in cells.items() if meta["cell_type"] == "code"}
    assert tests, f"{path.name} has no graded test cells"
    nb = nbformat.read(path, as_version=4)
    solutions = {nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c).get("solution")}
    for gid in tests:
        assert cells[gid]["points"] > 0, f"{gid} has no points"
        assert gid.startswith("test_") and gid.removeprefix("test_") in solutions, (
            f"test cell {gid} must be named test_<function> after its solution cell"
        )


@pytest.mark.slow
def test_release_is_what_nbgrader_generates_from_source(generated_course):
    for name in ASSIGNMENTS:
        fresh = {p.name: json.loads(p.read_text()) for p in notebooks(generated_course, name, "release")}
        committed = {p.name: json.loads(p.read_text()) for p in notebooks(REPO_ROOT, name, "release")}
        assert fresh.keys() == committed.keys(), f"release/{name} has other notebooks than source/{name}"
        for filename in fresh:
            assert fresh[filename] == committed[filename], (
                f"release/{name}/{filename} differs from what nbgrader makes from source/: run `make release`"
            )


def test_release_contains_no_solution_or_hidden_test():
    for name in ASSIGNMENTS:
        for release_path in notebooks(REPO_ROOT, name, "release"):
            text = release_path.read_text()
            for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
                assert marker not in text, f"{release_path.name} contains '{marker}'"
            source_nb = nbformat.read(REPO_ROOT / "source" / name / release_path.name, as_version=4)
            released = "\n".join(c.source for c in nbformat.read(release_path, as_version=4).cells)
            inside, public = region_lines(source_nb)
            for line in (line for line in inside if len(line) > 25 and not line.startswith("#")):
                if line not in public:  # a line the instructions or given code show anyway is no leak
                    assert line not in released, f"{release_path.name} leaks the line {line!r}"


@pytest.mark.slow
def test_untouched_release_fails_every_test_cell(generated_course):
    for name in ASSIGNMENTS:
        for path in notebooks(generated_course, name, "release"):
            graded = grade_cells(path)  # every test fails on its stub, every written answer is still empty
            output = validate(path, generated_course)
            assert f"VALIDATION FAILED ON {len(graded)} CELL(S)" in output, output[-2000:]


@pytest.mark.slow
def test_demo_pipeline_grades_each_student_as_expected(course_copy):
    course = course_copy
    rows = run_demo(course)
    by_key = {(r.student, r.assignment): r for r in rows}
    for name in ASSIGNMENTS:
        points = {}
        for path in notebooks(course, name):
            points.update({gid: m["points"] for gid, m in grade_cells(path).items() if m["cell_type"] == "code"})
        total_auto = sum(points.values())
        kinds = {kind: by_key[(s, name)] for s, kind in DEMO_STUDENTS.items()}
        perfect, untouched, wrong, other = (kinds[k] for k in ("perfect", "untouched", "one_wrong", "other_style"))
        assert perfect.auto_max == pytest.approx(total_auto)
        assert perfect.auto_score == pytest.approx(total_auto), f"perfect lost points in {perfect.lost_cells}"
        assert other.lost_cells == [], f"correct code in another style lost points in {other.lost_cells}"
        assert other.auto_score == pytest.approx(total_auto)
        assert untouched.auto_score == 0, "the untouched release earned automatic points"
        mistake = PLANTED_MISTAKES[name]
        assert wrong.lost_cells == [f"test_{mistake.cell}"], (mistake.description, wrong.lost_cells)
        lost = points[f"test_{mistake.cell}"] if mistake.points_lost is None else mistake.points_lost
        assert wrong.auto_score == pytest.approx(total_auto - lost)
        assert perfect.manual_pending >= 1 and untouched.manual_pending == 0  # an unchanged answer is scored 0
        assert other.manual_pending == perfect.manual_pending  # its written answers are the model answers
        for student in DEMO_STUDENTS:
            feedback = list((course / "feedback" / student / name).glob("*.html"))
            assert feedback, f"no feedback HTML for {student} / {name}"
        wrong_feedback = (course / "feedback" / "demo-one-wrong" / name).glob("*.html")
        assert any(f"test_{mistake.cell}" in f.read_text() for f in wrong_feedback)
    with Gradebook(gradebook_url(course)) as gb:  # the formgrader lists them by name, not as "None, None"
        for student in DEMO_STUDENTS:
            found = gb.find_student(student)
            record = demo_student_record(student)
            assert {field: getattr(found, field) for field in record} == record, student
    with open(course / "grades.csv", newline="") as f:
        grades = list(csv.DictReader(f))
    assert {(g["student_id"], g["assignment"]) for g in grades} >= set(by_key)
    graded = {(g["student_id"], g["assignment"]): float(g["score"]) for g in grades}
    for key, row in by_key.items():
        assert graded[key] == pytest.approx(row.auto_score), f"grades.csv disagrees with the gradebook for {key}"


@pytest.mark.slow
def test_regrading_gives_the_same_grades_and_keeps_submissions(course_copy):
    course = course_copy
    name = ASSIGNMENTS[0]
    nbgrader("generate_assignment", name, "--force", course_dir=course)
    submitted = make_submission(course, name, "demo-one-wrong", "one_wrong")
    before = {p.name: p.read_bytes() for p in submitted.iterdir()}
    nbgrader("autograde", name, "--force", course_dir=course)
    first = [(r.student, r.auto_score, r.lost_cells) for r in read_scores(course)]
    nbgrader("autograde", name, "--force", course_dir=course)
    assert [(r.student, r.auto_score, r.lost_cells) for r in read_scores(course)] == first
    assert {p.name: p.read_bytes() for p in submitted.iterdir()} == before, "grading changed a submitted file"
