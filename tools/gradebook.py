"""The course's gradebook (the one its nbgrader configuration names), its scores, and the table the tools print.

Every course tool reaches the gradebook through `gradebook_url`, which reads ``CourseDirectory.db_url``
from the nbgrader configuration exactly as nbgrader does (the Jupyter config folders, then the course's
own ``nbgrader_config.py``): SQLite at ``<course>/gradebook.db`` by default, PostgreSQL when the
configuration says so, e.g. ``postgresql+psycopg://grader@127.0.0.1:5432/dnn_foundations``. Never put a
password in that URL (any user can read a process's command line and the course's files): libpq reads it
from ``~/.pgpass`` (mode 600) or the file ``PGPASSFILE`` names, or uses peer authentication over a Unix socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.engine import make_url

CONFIG_NAME = "nbgrader_config"


@dataclass
class AssignmentScore:
    """One student's grade on one assignment, split into what nbgrader scored and what waits for a person."""

    student: str
    assignment: str
    auto_score: float = 0.0
    auto_max: float = 0.0
    manual_score: float = 0.0
    manual_max: float = 0.0
    manual_pending: int = 0
    lost_cells: list[str] = field(default_factory=list)


def nbgrader_config(course_dir: Path):
    """The configuration nbgrader would load in ``course_dir``: Jupyter's config folders, then the course's own.

    The same files in the same order as ``nbgrader.apps.NbGrader.load_config_file`` run in ``course_dir``
    (``nbgrader_config.py`` and ``.json`` in each folder of ``jupyter --paths``, the course folder last and
    strongest), without changing this process's working directory.
    """
    from jupyter_core.paths import jupyter_config_dir, jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import ConfigFileNotFound, JSONFileConfigLoader, PyFileConfigLoader

    config = Config()
    jupyter_folders = jupyter_config_path()  # strongest first, as JupyterApp.config_file_paths
    if jupyter_config_dir() not in jupyter_folders:
        jupyter_folders.insert(0, jupyter_config_dir())
    folders = [*reversed(jupyter_folders), str(Path(course_dir).resolve())]
    for folder in folders:
        for loader_class, suffix in ((PyFileConfigLoader, ".py"), (JSONFileConfigLoader, ".json")):
            try:
                config.merge(loader_class(CONFIG_NAME + suffix, path=folder).load_config())
            except ConfigFileNotFound:
                continue
    return config


def gradebook_url(course_dir: Path) -> str:
    """``CourseDirectory.db_url`` of the course in ``course_dir``: what every nbgrader command there uses."""
    from nbgrader.coursedir import CourseDirectory

    config = nbgrader_config(course_dir)
    if "root" not in config.CourseDirectory:
        config.CourseDirectory.root = str(Path(course_dir).resolve())  # nbgrader's default: the folder it runs in
    return CourseDirectory(config=config).db_url


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite gradebook URL; None for a database server (PostgreSQL, MySQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database) if parsed.database and parsed.database != ":memory:" else None


def with_lock_timeout(url: str, seconds: int) -> str:
    """``url`` telling SQLite to wait ``seconds`` for another process's write lock; a server URL as it is."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return url
    return parsed.update_query_dict({"timeout": str(seconds)}).render_as_string(hide_password=False)


def describe(url: str) -> str:
    """The gradebook named for a person: the SQLite file, or the server URL without any password."""
    path = sqlite_path(url)
    return str(path) if path else make_url(url).render_as_string(hide_password=True)


def read_scores(course_dir: Path, assignment: str | None = None) -> list[AssignmentScore]:
    """Every (student, assignment) submission's scores, read from nbgrader's gradebook."""
    rows = []
    with Gradebook(gradebook_url(course_dir)) as gb:
        for found in sorted(gb.assignments, key=lambda a: a.name):
            if assignment is not None and found.name != assignment:
                continue
            for student in sorted(gb.students, key=lambda s: s.id):
                try:
                    submission = gb.find_submission(found.name, student.id)
                except MissingEntry:
                    continue
                row = AssignmentScore(student.id, found.name)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.cell.cell_type == "code":
                            row.auto_score += grade.score
                            row.auto_max += grade.max_score
                            if grade.score < grade.max_score:
                                row.lost_cells.append(grade.name)
                        else:
                            row.manual_max += grade.max_score
                            if grade.needs_manual_grade:
                                row.manual_pending += 1
                            else:
                                row.manual_score += grade.score
                rows.append(row)
    return rows


class CellScore(NamedTuple):
    """One graded cell of one submission, as nbgrader's gradebook holds it."""

    auto_score: float | None  # None: nbgrader never scored the cell (its notebook could not be graded)
    manual_score: float | None  # a person's score, which replaces the automatic one
    extra_credit: float | None
    max_score: float
    needs_manual_grade: bool
    cell_type: str  # "code": a test cell; "markdown": a written answer

    @property
    def points(self) -> float:
        """The points the cell counts: the person's score where given, else the automatic one; no extra credit."""
        score = self.manual_score if self.manual_score is not None else self.auto_score
        return score or 0.0


def cell_scores(course_dir: Path, assignment: str | None = None) -> dict[tuple[str, str, str, str], CellScore]:
    """Every graded cell of every submission by (student, assignment, notebook, grade id), from the gradebook the
    course's configuration names (SQLite or a server): what the tests compare between two gradings."""
    scores = {}
    with Gradebook(gradebook_url(course_dir)) as gb:
        for found in gb.assignments:
            if assignment is not None and found.name != assignment:
                continue
            for submission in found.submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        key = (submission.student.id, found.name, notebook.name, grade.name)
                        scores[key] = CellScore(grade.auto_score, grade.manual_score, grade.extra_credit,
                                                grade.max_score, grade.needs_manual_grade, grade.cell_type)
    return scores


def format_table(rows: list[AssignmentScore]) -> str:
    """A plain-text table, one line per student and assignment, every column in the same form on every line:
    points as ``score / max`` (the written answers' points are those a person has given so far) and the
    number of written answers still waiting for a person."""
    header = (f"{'student':<16} {'assignment':<18} {'auto points':^13}  {'manual points':^13}  {'to grade':>8}"
              "  cells that lost points")
    lines = [header, "-" * len(header)]
    for row in rows:
        lost = ", ".join(row.lost_cells) if row.lost_cells else "-"
        if len(lost) > 60:
            lost = f"{len(row.lost_cells)} cells ({lost[:45]}...)"
        lines.append(
            f"{row.student:<16} {row.assignment:<18} {row.auto_score:>5g} / {row.auto_max:<5g} "
            f" {row.manual_score:>5g} / {row.manual_max:<5g}  {row.manual_pending:>8}  {lost}"
        )
    return "\n".join(lines)
