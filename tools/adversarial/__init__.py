"""Adversarial submissions: what a student might hand in to get points without earning them, or to break grading.

Made from the release and source notebooks of every assignment (so the suite follows the
assignments as they change), into ``submitted/adv-<case>/<assignment>/``. Content cases attack one
representative graded function, the assignment's planted mistake of `tools.submissions` (its test
cell ``test_<cell>``), with every other answer honest, so the score says whether the attack worked;
cases about the grading machinery (timeouts, crashes, files) are made for one assignment only.

    python -m tools.adversarial --course-dir DIR [--assignment A ...] [--case C ...]

`CASES` (in `cases`) is the table of cases, built by `build` with the attack code of ``payloads/``;
`make_suite` writes them and returns what each one attacks; `judge` says whether grading held.
"""

from .assignment import Assignment
from .cases import CASE_NAMES, CASES, PREFIX, TIMESTAMP, WRONG_ANSWER_CASES, Case, Submission, make_case, make_suite
from .judge import Verdict, cell_scores, format_verdicts, honest_credit, judge
from .record import record_visible_answers

__all__ = [
    "CASES", "CASE_NAMES", "PREFIX", "TIMESTAMP", "WRONG_ANSWER_CASES", "Assignment", "Case", "Submission",
    "Verdict", "cell_scores", "format_verdicts", "honest_credit", "judge", "make_case", "make_suite",
    "record_visible_answers",
]
