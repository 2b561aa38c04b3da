"""Regenerate ``release/`` from ``source/`` without ever discarding someone's edits.

``nbgrader generate_assignment --force`` replaces ``release/<assignment>/`` wholesale. Before it
runs, every file there must be either exactly what this tool generated last time (its hash is
recorded in ``.generated-release.json`` at the course root) or committed to git and unchanged.
Anything else, an edited release notebook say, stops the command with the file's name and how to
proceed; nothing is replaced.

    python -m tools.release [ASSIGNMENT ...] [--course-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from .course import REPO_ROOT, assignments, nbgrader

RECORD = ".generated-release.json"


class UnsavedEdits(RuntimeError):
    """Files that a command would replace hold edits nobody saved elsewhere; the message names them."""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_record(course_dir: Path) -> dict[str, str]:
    try:
        return json.loads((course_dir / RECORD).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _committed_unchanged(course_dir: Path, files: list[Path]) -> set[Path]:
    """The files that git tracks and that have no uncommitted change (none when this is not a git checkout)."""
    if not files:
        return set()
    relative = [str(f.relative_to(course_dir)) for f in files]
    try:
        tracked = subprocess.run(["git", "ls-files", "-z", "--", *relative], cwd=course_dir, capture_output=True,
                                 text=True, check=True).stdout.split("\0")
        changed = subprocess.run(["git", "status", "--porcelain", "-z", "--", *relative], cwd=course_dir,
                                 capture_output=True, text=True, check=True).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        return set()
    changed_paths = {entry[3:] for entry in changed if len(entry) > 3}
    return {course_dir / path for path in tracked if path and path not in changed_paths}


def unsaved_files(course_dir: Path, assignment: str) -> list[Path]:
    """Files in ``release/<assignment>/`` that regenerating it would lose."""
    course_dir = Path(course_dir).resolve()
    folder = course_dir / "release" / assignment
    # JupyterLab's .ipynb_checkpoints hold only older saves of the notebooks checked here.
    files = sorted(p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts)
    files = files if folder.is_dir() else []
    record = _read_record(course_dir)
    safe = _committed_unchanged(course_dir, files)
    return [f for f in files if f not in safe and record.get(str(f.relative_to(course_dir))) != _digest(f)]


def refuse_message(files: list[Path], course_dir: Path, what: str) -> str:
    names = "\n".join(f"  {f.relative_to(course_dir)}" for f in files)
    return (
        f"{what} would replace files that hold edits saved nowhere else:\n{names}\n"
        "Nothing was changed. Students work in their own fetched copy, never in release/. If these edits are "
        "yours, commit them (git commit) or copy them away first; to throw them away: git checkout -- <file> "
        "(or delete the file), then run the command again."
    )


def generate(course_dir: Path = REPO_ROOT, names: list[str] | None = None) -> list[str]:
    """Run ``nbgrader generate_assignment --force`` for ``names`` (default: all), refusing to lose edits."""
    course_dir = Path(course_dir).resolve()
    names = names or assignments(course_dir)
    unsaved = [f for name in names for f in unsaved_files(course_dir, name)]
    if unsaved:
        raise UnsavedEdits(refuse_message(unsaved, course_dir, "Regenerating release/"))
    record = _read_record(course_dir)
    for name in names:
        nbgrader("generate_assignment", name, "--force", course_dir=course_dir)
        for path in sorted((course_dir / "release" / name).rglob("*")):
            if path.is_file():
                record[str(path.relative_to(course_dir))] = _digest(path)
    (course_dir / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return names


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="default: every assignment in source/")
    parser.add_argument("--course-dir", type=Path, default=REPO_ROOT)
    args = parser.parse_args(argv)
    try:
        names = generate(args.course_dir, args.assignments or None)
    except UnsavedEdits as error:
        print(error, file=sys.stderr)
        return 1
    print(f"release/ regenerated from source/ for {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
