"""Give a self-learner their own copy of every assignment in ``my-work/``, never touching one that exists.

``make lab`` runs this before starting JupyterLab: a notebook already in ``my-work/`` is yours and stays
exactly as it is (even when the release changed); only missing ones are copied from ``release/``.

    python -m tools.my_work [--course-dir DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .course import REPO_ROOT

FOLDER = "my-work"


def prepare(course_dir: Path = REPO_ROOT) -> list[Path]:
    """Copy each release notebook missing from ``my-work/<assignment>/``; return the copies made."""
    course_dir = Path(course_dir)
    made = []
    for release_nb in sorted((course_dir / "release").glob("*/*.ipynb")):
        mine = course_dir / FOLDER / release_nb.parent.name / release_nb.name
        if not mine.exists():
            mine.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(release_nb, mine)
            made.append(mine)
    return made


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course-dir", type=Path, default=REPO_ROOT)
    args = parser.parse_args(argv)
    made = prepare(args.course_dir)
    where = args.course_dir / FOLDER
    print(f"Your work: {where}/<assignment>/ ({len(made)} new notebook(s) copied; existing ones are never replaced)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
