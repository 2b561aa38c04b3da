"""Write the adversarial submissions into a course whose release/ is generated (``make adversarial COURSE=dir``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..course import REPO_ROOT
from . import __doc__ as package_doc
from .cases import CASE_NAMES, make_suite


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.adversarial", description=package_doc.splitlines()[0])
    parser.add_argument("--course-dir", type=Path, default=REPO_ROOT)
    parser.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    parser.add_argument("--case", action="append", choices=CASE_NAMES, help="only this case (repeatable)")
    args = parser.parse_args(argv)
    for s in make_suite(args.course_dir, args.assignment, args.case):
        print(f"{s.student:<22} {s.assignment:<18} attacks {', '.join(s.attacked) or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
