"""The course tools use the gradebook nbgrader's configuration names, and grading workers give serial grades.

PostgreSQL itself is exercised by ``make test-hub`` (tests/hub/: a real server needs its driver and a cluster);
here the configuration is read against nbgrader's own reading of it, and the workers grade on SQLite.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import feedback_pages

from tools import grade
from tools.course import REPO_ROOT, copy_course, nbgrader, tool_env
from tools.gradebook import cell_scores, describe, gradebook_url, sqlite_path, with_lock_timeout
from tools.submissions import make_submission

ASSIGNMENT = "01_activations"
STUDENTS = {"demo-perfect": "perfect", "demo-one-wrong": "one_wrong", "demo-untouched": "untouched"}
SERVER_URL = "postgresql+psycopg://grader@127.0.0.1:54329/dnn_foundations"


def nbgraders_own_db_url(course: Path, env: dict | None = None) -> str:
    """``CourseDirectory.db_url`` as an nbgrader application started in ``course`` sees it."""
    code = (
        "from nbgrader.apps.baseapp import NbGrader\n"
        "from nbgrader.coursedir import CourseDirectory\n"
        "app = NbGrader()\n"
        "app.initialize([])\n"
        "print(CourseDirectory(parent=app).db_url)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=course, env={**tool_env(), **(env or {})},
                            capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def test_default_gradebook_is_the_courses_sqlite_file(course_copy):
    url = gradebook_url(course_copy)
    assert url == f"sqlite:///{course_copy.resolve() / 'gradebook.db'}"
    assert url == nbgraders_own_db_url(course_copy)
    assert sqlite_path(url) == course_copy.resolve() / "gradebook.db"


def test_a_configured_server_is_what_every_tool_uses(course_copy):
    config = course_copy / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.CourseDirectory.db_url = {SERVER_URL!r}\n")
    assert gradebook_url(course_copy) == SERVER_URL == nbgraders_own_db_url(course_copy)
    assert sqlite_path(SERVER_URL) is None
    assert with_lock_timeout(SERVER_URL, 300) == SERVER_URL  # no SQLite parameter on a server's URL
    assert describe("postgresql+psycopg://grader:secret@db/x") == "postgresql+psycopg://grader:***@db/x"


def test_jupyter_config_folders_count_and_the_course_wins(tmp_path, monkeypatch):
    """A site-wide nbgrader_config.py (JupyterHub's) names the gradebook unless the course's own file does."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.db_url = {SERVER_URL!r}\n")
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'x'\n")
    env = {"JUPYTER_CONFIG_PATH": str(site)}
    with monkeypatch.context() as patch:
        patch.setenv("JUPYTER_CONFIG_PATH", str(site))
        assert gradebook_url(course) == SERVER_URL == nbgraders_own_db_url(course, env)
        (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.db_url = 'sqlite:////x.db'\n")
        assert gradebook_url(course) == "sqlite:////x.db" == nbgraders_own_db_url(course, env)
        (course / "nbgrader_config.py").unlink()  # no course config: nbgrader's default, in the course folder
        patch.setenv("JUPYTER_CONFIG_PATH", str(tmp_path / "nothing"))
        assert gradebook_url(course) == f"sqlite:///{course.resolve() / 'gradebook.db'}"


def test_a_server_url_never_reaches_a_command_line(course_copy, monkeypatch):
    """Only SQLite's URL (no password in it) is passed to nbgrader; a server's is read from the config file."""
    seen = []

    def fake_nbgrader(*args, **kwargs):
        seen.append(args)
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(grade, "nbgrader", fake_nbgrader)
    grade._run_batch(course_copy, "autograde", ASSIGNMENT, ["a"], ["a", "b"], lambda *a: None)
    assert any(arg.startswith("--CourseDirectory.db_url=sqlite:") and "timeout=300" in arg for arg in seen[-1])
    config = course_copy / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.CourseDirectory.db_url = {SERVER_URL!r}\n")
    grade._run_batch(course_copy, "autograde", ASSIGNMENT, ["a"], ["a", "b"], lambda *a: None)
    assert not any("db_url" in arg or "postgresql" in arg for arg in seen[-1]), seen[-1]
    assert "--CourseDirectory.student_id_exclude=b" in seen[-1]


def test_shards_split_the_class_as_the_coordinator_does():
    students = [f"s{i:02d}" for i in range(11)]
    parts = [grade.shard(students, i, 4) for i in range(4)]
    assert parts == grade.batches(students, 4)
    assert sorted(s for part in parts for s in part) == students
    assert grade.shard(students[:2], 3, 4) == []
    with pytest.raises(SystemExit):
        grade.shard(students, 4, 4)


def make_class(course: Path, students: dict[str, str] = STUDENTS) -> Path:
    """``course`` with ``ASSIGNMENT`` generated and one submission per (student, kind)."""
    nbgrader("generate_assignment", ASSIGNMENT, "--force", course_dir=course)
    for student, kind in students.items():
        make_submission(course, ASSIGNMENT, student, kind)
    return course


def grade_serially(course: Path) -> None:
    """What an instructor without the course's tools runs: nbgrader, one student after another."""
    nbgrader("autograde", ASSIGNMENT, "--force", course_dir=course)
    nbgrader("generate_feedback", ASSIGNMENT, "--force", course_dir=course)


def run_grade(course: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m tools.grade`` as an instructor types it."""
    return subprocess.run([sys.executable, "-m", "tools.grade", ASSIGNMENT, "--course-dir", str(course), *args],
                          cwd=REPO_ROOT, env=tool_env(), capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_two_workers_grade_exactly_as_serial_nbgrader(tmp_path):
    base = make_class(copy_course(tmp_path / "workers"))
    serial = tmp_path / "serial"
    shutil.copytree(base, serial)
    grade_serially(serial)
    expected = cell_scores(serial, ASSIGNMENT)
    assert {student for student, *_ in expected} == set(STUDENTS)

    result = run_grade(base, "--workers", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(STUDENTS)} of {len(STUDENTS)} students graded" in result.stdout
    logs = sorted((base / "grading-logs").glob(f"{ASSIGNMENT}-worker-*.log"))
    assert len(logs) == 2, "two worker processes should have run"
    graded_by = {line.split()[1]: log.name for log in logs for line in log.read_text().splitlines()
                 if line.startswith("autograded ")}
    assert set(graded_by) == set(STUDENTS) and len(set(graded_by.values())) == 2, graded_by
    assert cell_scores(base, ASSIGNMENT) == expected, "the workers' grades differ from serial nbgrader's"
    assert feedback_pages(base) == feedback_pages(serial), "the feedback differs from serial nbgrader's"
    assert (base / "grades.csv").read_text().count("\n") == len(STUDENTS) + 1


@pytest.mark.slow
def test_a_worker_grades_only_its_students_then_the_coordinator_finishes(tmp_path):
    course = make_class(copy_course(tmp_path / "course"), dict(list(STUDENTS.items())[:2]))
    first, second = list(STUDENTS)[:2]
    result = run_grade(course, "--worker", "--students", first)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"autograded {first}" in result.stdout and second not in result.stdout
    assert (course / "autograded" / first / ASSIGNMENT).is_dir()
    assert not (course / "autograded" / second).exists()
    assert not (course / "feedback").exists() and not (course / "grades.csv").exists()
    index = grade.batches(sorted([first, second]), 2).index([second])
    result = run_grade(course, "--worker", "--shard", f"{index}/2")  # the other half of the class: the second student
    assert result.returncode == 0 and f"autograded {second}" in result.stdout, result.stdout + result.stderr
    result = run_grade(course, "--finish")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in (course / "feedback").iterdir()) == sorted([first, second])
    assert (course / "grades.csv").read_text().count("\n") == 3
