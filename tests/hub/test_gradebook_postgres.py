"""The course's tools on a PostgreSQL gradebook give exactly the grades serial nbgrader gives on SQLite.

A real cluster on 127.0.0.1 (tests/hub/servers.py); the course's nbgrader_config.py names it with a URL that
holds no password (libpq reads it from the file PGPASSFILE names). Graded with the course's parallel command and
with two grading workers; compared cell by cell, and feedback page by feedback page, with serial nbgrader.
"""

from __future__ import annotations

import secrets
import threading
import time

import pytest
from helpers import feedback_pages
from servers import process_command_lines, write_pgpass
from test_gradebook_config import ASSIGNMENT, STUDENTS, grade_serially, make_class, run_grade

from tools.course import copy_course
from tools.gradebook import cell_scores, gradebook_url, read_scores


@pytest.fixture(scope="module")
def sqlite_reference(tmp_path_factory):
    """The demo students of one assignment, graded by serial nbgrader on the default SQLite gradebook."""
    course = make_class(copy_course(tmp_path_factory.mktemp("sqlite") / "course"))
    grade_serially(course)
    return course


@pytest.fixture
def postgres_course(postgres, tmp_path, monkeypatch):
    """The same class in a course whose nbgrader_config.py names a fresh PostgreSQL database."""
    database = f"gradebook_{secrets.token_hex(4)}"
    password = postgres.create_database("grader", database)
    monkeypatch.setenv("PGPASSFILE", str(write_pgpass(tmp_path / "pgpass",
                                                      postgres.pgpass_line("grader", database, password))))
    course = copy_course(tmp_path / "course")
    config = course / "nbgrader_config.py"
    url = postgres.url("grader", database)
    config.write_text(config.read_text() + f"\nc.CourseDirectory.db_url = {url!r}  # password: in PGPASSFILE\n")
    assert gradebook_url(course) == url
    make_class(course)
    return course, password


class CommandLineWatch:
    """Reads every process's command line while grading runs, as any user on the machine could."""

    def __init__(self, secret: str):
        self.secret, self.leaks, self.looks = secret, [], 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        while not self.stop.is_set():
            self.leaks += [line for line in process_command_lines() if self.secret in line]
            self.looks += 1
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


@pytest.mark.parametrize("how", [["--jobs", "2"], ["--workers", "2"]], ids=["parallel-jobs", "two-workers"])
def test_postgres_grades_equal_serial_sqlite(sqlite_reference, postgres_course, how):
    course, password = postgres_course
    expected = cell_scores(sqlite_reference, ASSIGNMENT)
    assert {student for student, *_ in expected} == set(STUDENTS)
    with CommandLineWatch(password) as watch:
        result = run_grade(course, *how)
    assert result.returncode == 0, result.stdout + result.stderr
    assert watch.looks > 10 and not watch.leaks, f"the password was on a command line: {watch.leaks}"
    assert not (course / "gradebook.db").exists(), "a tool fell back to an SQLite file"
    assert cell_scores(course, ASSIGNMENT) == expected, "grades on PostgreSQL differ from serial nbgrader on SQLite"
    assert feedback_pages(course) == feedback_pages(sqlite_reference)
    totals = {(r.student, r.auto_score, r.auto_max) for r in read_scores(course, ASSIGNMENT)}
    assert totals == {(r.student, r.auto_score, r.auto_max) for r in read_scores(sqlite_reference, ASSIGNMENT)}
    assert (course / "grades.csv").read_text().count("\n") == len(STUDENTS) + 1
    if "--workers" in how:
        assert len(list((course / "grading-logs").glob(f"{ASSIGNMENT}-worker-*.log"))) == 2
