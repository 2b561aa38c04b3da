"""A simulated class: N submissions of one assignment, a mix of kinds, for tests and benchmarks.

python -m tools.simulate ASSIGNMENT N [--course-dir DIR] [--with-broken]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import REPO_ROOT
from .submissions import make_submission

# The mix of a simulated class, in the order students are given kinds.
CLASS_MIX = ("perfect", "partial", "one_wrong", "perfect", "untouched", "partial")


def simulate_class(
    course_dir: Path, assignment: str, n_students: int, with_broken: bool = False, seed: int = 0
) -> dict[str, str]:
    """Write submissions for students ``sim-001`` ... into ``submitted/``; return {student: kind}.

    With ``with_broken`` every tenth student hands in a notebook that is not valid JSON.
    """
    kinds = {}
    for i in range(n_students):
        student = f"sim-{i + 1:03d}"
        kind = "broken" if with_broken and i % 10 == 9 else CLASS_MIX[i % len(CLASS_MIX)]
        make_submission(course_dir, assignment, student, kind, seed=seed)
        kinds[student] = kind
    return kinds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("n_students", type=int)
    parser.add_argument("--course-dir", type=Path, default=REPO_ROOT)
    parser.add_argument("--with-broken", action="store_true")
    args = parser.parse_args(argv)
    kinds = simulate_class(args.course_dir, args.assignment, args.n_students, args.with_broken)
    counts = {k: list(kinds.values()).count(k) for k in sorted(set(kinds.values()))}
    print(f"{len(kinds)} submissions of {args.assignment} in {args.course_dir / 'submitted'}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
