"""Assignment 06: the quizzes reward knowing, not guessing.

Each quiz is scored right minus wrong, floored at zero: points x max(0, right - wrong) / options.
For each quiz, choosing every option, choosing none and choosing at random (each option with
probability 1/2: the exact mean over all 2**options answers) must earn at most a quarter of its
points; every answer one option away from the key must earn at least 60 %; the key earns all.

The scores come from the source notebook's own test cells, run in a fresh namespace the way
nbgrader scores them (an error or anything on stderr: 0; otherwise the cell's last bare expression
is the partial score), and, for a few answers, from a real `nbgrader autograde` in a course copy.
"""

from __future__ import annotations

import ast
import contextlib
import io
import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat
import pytest

from tools.course import REPO_ROOT, nbgrader, nbgrader_meta
from tools.gradebook import gradebook_url
from tools.submissions import PLANTED_MISTAKES, fill_solutions, solution_sources

ASSIGNMENT = "06_quizzes"
FILENAME = f"{ASSIGNMENT}.ipynb"
SOURCE = REPO_ROOT / "source" / ASSIGNMENT / FILENAME
RELEASE = REPO_ROOT / "release" / ASSIGNMENT / FILENAME
GUESS_SHARE = 0.25  # all, none and random guessing earn at most this share of a quiz's points
ONE_MISTAKE_SHARE = 0.60  # an answer with one option flipped from the key earns at least this share


@dataclass(frozen=True)
class Quiz:
    name: str  # the answer's variable and solution cell, e.g. quiz1_answers
    options: int
    points: float
    key: frozenset[int]
    test_source: str  # the source notebook's whole test cell, hidden tests included

    def __str__(self) -> str:
        return self.name


def _cells(path: Path) -> dict:
    return {nbgrader_meta(cell).get("grade_id"): cell for cell in nbformat.read(path, as_version=4).cells}


@cache
def _setup_namespace() -> dict:
    """The names the notebook's setup cell defines (QUIZ1_OPTIONS, check_answer_set, ...)."""
    namespace: dict = {}
    exec(compile(_cells(SOURCE)["setup"].source, "setup", "exec"), namespace)
    return namespace


def _quizzes() -> list[Quiz]:
    cells = _cells(SOURCE)
    solutions = solution_sources(SOURCE)
    quizzes = []
    for grade_id, cell in cells.items():
        if not (grade_id or "").startswith("test_quiz") or cell.cell_type != "code":
            continue
        name = grade_id.removeprefix("test_")
        key_namespace: dict = {}
        exec(solutions[name], key_namespace)
        options = _setup_namespace()[f"{name.split('_')[0].upper()}_OPTIONS"]
        quizzes.append(Quiz(name, len(options), float(nbgrader_meta(cell)["points"]), frozenset(key_namespace[name]),
                            cell.source))
    return quizzes


QUIZZES = _quizzes()


class _Ran:
    """What one run of a test cell gave: the score nbgrader would record, and what the cell printed."""

    def __init__(self, score: float, stdout: str, error: BaseException | None):
        self.score, self.stdout, self.error = score, stdout, error


def run_test_cell(source: str, quiz: Quiz, answers) -> _Ran:
    """Run a quiz's test cell on ``answers`` in a fresh namespace and score it as nbgrader does."""
    namespace = dict(_setup_namespace())
    namespace[quiz.name] = answers
    tree = ast.parse(source)
    *body, last = tree.body
    out, err = io.StringIO(), io.StringIO()
    value, error = None, None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            exec(compile(ast.Module(body=body, type_ignores=[]), quiz.name, "exec"), namespace)
            if isinstance(last, ast.Expr):
                value = eval(compile(ast.Expression(body=last.value), quiz.name, "eval"), namespace)
            else:
                exec(compile(ast.Module(body=[last], type_ignores=[]), quiz.name, "exec"), namespace)
        except AssertionError as failed:  # a test that fails: nbgrader gives the cell 0
            error = failed
    if error is not None or err.getvalue():
        return _Ran(0.0, out.getvalue(), error)
    if value is None:  # no result shown: nbgrader gives full points
        return _Ran(quiz.points, out.getvalue(), None)
    score = float(value)
    assert score <= quiz.points, f"{quiz}: partial score {score} above the cell's {quiz.points} points"
    return _Ran(quiz.points if score < 0 else score, out.getvalue(), None)  # nbgrader: a negative result is full


@cache
def notebook_score(quiz: Quiz, answers: frozenset[int]) -> float:
    """What the source notebook's test cell (visible and hidden tests) scores for ``answers``."""
    return run_test_cell(quiz.test_source, quiz, set(answers)).score


def all_answers(quiz: Quiz):
    """Every possible set of options: each equally likely when each option is chosen with probability 1/2."""
    numbers = range(1, quiz.options + 1)
    return (frozenset(c) for size in range(quiz.options + 1) for c in itertools.combinations(numbers, size))


def guessing_problems(score, quiz: Quiz) -> list[str]:
    """Where ``score`` (a set of options -> points) rewards guessing or punishes one mistake too hard on ``quiz``."""
    problems = []
    cap = GUESS_SHARE * quiz.points
    every = frozenset(range(1, quiz.options + 1))
    for label, answers in (("choosing every option", every), ("choosing no option", frozenset())):
        if score(answers) > cap:
            problems.append(f"{label} earns {score(answers):g} of {quiz.points:g} (more than {cap:g})")
    scores = [score(answers) for answers in all_answers(quiz)]
    assert len(scores) == 2**quiz.options
    mean = sum(scores) / len(scores)
    if mean > cap + 1e-12:
        problems.append(f"choosing at random earns {mean:.4f} of {quiz.points:g} on average (more than {cap:g})")
    for option in sorted(every):
        answers = quiz.key ^ {option}
        if score(answers) < ONE_MISTAKE_SHARE * quiz.points:
            problems.append(f"one mistake on option {option} ({sorted(answers)}) earns only {score(answers):g} "
                            f"of {quiz.points:g}")
    if score(quiz.key) != pytest.approx(quiz.points):
        problems.append(f"the key {sorted(quiz.key)} earns {score(quiz.key):g}, not {quiz.points:g}")
    return problems


def test_the_notebook_has_both_quizzes():
    assert [(q.name, q.options, q.points) for q in QUIZZES] == [("quiz1_answers", 7, 3.5), ("quiz2_answers", 12, 6.0)]
    for quiz in QUIZZES:
        assert quiz.key and quiz.key <= set(range(1, quiz.options + 1))


@pytest.mark.parametrize("quiz", QUIZZES, ids=str)
def test_notebook_rewards_knowing_not_guessing(quiz):
    problems = guessing_problems(lambda answers: notebook_score(quiz, answers), quiz)
    assert not problems, f"{quiz}: " + "; ".join(problems)


@pytest.mark.parametrize("quiz", QUIZZES, ids=str)
def test_the_checks_catch_scoring_rules_that_reward_guessing_or_punish_too_hard(quiz):
    def per_option(answers):  # the old rule: every option judged right earns its share
        right = sum((o in answers) == (o in quiz.key) for o in range(1, quiz.options + 1))
        return quiz.points * right / quiz.options

    def all_or_nothing(answers):
        return quiz.points if answers == quiz.key else 0.0

    assert any("every option" in p for p in guessing_problems(per_option, quiz))
    assert any("at random" in p for p in guessing_problems(per_option, quiz))
    assert any("one mistake" in p for p in guessing_problems(all_or_nothing, quiz))


@pytest.mark.parametrize("quiz", QUIZZES, ids=str)
def test_scores_follow_the_rule_the_notebook_states(quiz):
    """points x max(0, right - wrong) / options for every possible answer; an empty set fails the form check."""
    for answers in all_answers(quiz):
        right = sum((o in answers) == (o in quiz.key) for o in range(1, quiz.options + 1))
        expected = round(quiz.points * max(0, right - (quiz.options - right)) / quiz.options, 4) if answers else 0.0
        assert notebook_score(quiz, answers) == pytest.approx(expected), sorted(answers)


@pytest.mark.parametrize("quiz", QUIZZES, ids=str)
def test_feedback_explains_every_option_and_states_the_score(quiz):
    answers = quiz.key ^ {1}
    ran = run_test_cell(quiz.test_source, quiz, set(answers))
    assert ran.error is None, ran.error
    for option in range(1, quiz.options + 1):
        mark = "✘" if option == 1 else "✔"
        assert re.search(rf"^{mark} *{option}\. ", ran.stdout, re.MULTILINE), f"no explanation of option {option}"
    right = quiz.options - 1
    assert f"{right} of {quiz.options}" in ran.stdout, ran.stdout
    assert re.search(rf"= {ran.score:g}(\.0)? of {quiz.points:g} points", ran.stdout), ran.stdout


def _release_test_source(quiz: Quiz) -> str:
    return _cells(RELEASE)[f"test_{quiz.name}"].source


@pytest.mark.parametrize("quiz", QUIZZES, ids=str)
def test_validate_checks_the_form_without_revealing_the_key(quiz):
    source = _release_test_source(quiz)
    assert "HIDDEN" not in source and "key" not in source.lower()
    outputs = {}
    for label, answers in (("key", set(quiz.key)), ("all", set(range(1, quiz.options + 1))),
                           ("one mistake", set(quiz.key ^ {1}))):
        ran = run_test_cell(source, quiz, answers)
        assert ran.error is None and ran.score == quiz.points, (label, ran.error)  # Validate passes any valid form
        outputs[label] = ran.stdout.replace(str(sorted(answers)), "[...]")
    assert len(set(outputs.values())) == 1, f"the visible test says different things for different answers: {outputs}"


@pytest.mark.parametrize(
    ("answers", "hint"),
    [
        ([1, 2], "not a set"),
        ("1, 2", "string"),
        (2, "single number"),
        ({}, "empty dict"),
        (set(), "is empty"),
        ({"1", "2"}, "whole numbers"),
        ({1.0}, "whole numbers"),
        ({True}, "whole numbers"),
        ({0, 1}, "numbered 1 to"),
        ({99}, "numbered 1 to"),
    ],
    ids=repr,
)
def test_validate_explains_a_badly_formed_answer(answers, hint):
    for quiz in QUIZZES:
        ran = run_test_cell(_release_test_source(quiz), quiz, answers)
        assert ran.score == 0 and ran.error is not None, f"{quiz} accepted {answers!r}"
        assert hint in str(ran.error) and quiz.name in str(ran.error), str(ran.error)


def test_scoring_rule_is_stated_before_the_questions():
    for path in (SOURCE, RELEASE):
        cells = nbformat.read(path, as_version=4).cells
        first_question = next(i for i, c in enumerate(cells) if nbgrader_meta(c).get("grade_id") == "quiz1_text")
        before = "\n".join(c.source for c in cells[:first_question] if c.cell_type == "markdown")
        assert r"\max\left(0,\ \text{right} - \text{wrong}\right)" in before, path
        assert "All options chosen earns 0" in before, path
        assert "0.5 points" not in before and "0.5 per option" not in before, f"{path} still states the old rule"


@pytest.mark.slow
def test_nbgrader_gives_these_scores(course_copy):
    """Real autograding: every option chosen, the demo's planted mistake, and one wrong statement in Quiz 2."""
    course = course_copy
    nbgrader("generate_assignment", ASSIGNMENT, "--force", course_dir=course)
    release_nb = nbformat.read(course / "release" / ASSIGNMENT / FILENAME, as_version=4)
    solutions = solution_sources(course / "source" / ASSIGNMENT / FILENAME)
    quiz1, quiz2 = QUIZZES
    planted = PLANTED_MISTAKES[ASSIGNMENT]
    assert planted.cell == quiz1.name
    planted_namespace: dict = {}
    exec(planted.source, planted_namespace)
    quiz2_wrong = quiz2.key | {min(set(range(1, quiz2.options + 1)) - quiz2.key)}
    students = {
        "quiz-all": {q.name: set(range(1, q.options + 1)) for q in QUIZZES},
        "quiz-planted": {quiz1.name: planted_namespace[quiz1.name], quiz2.name: set(quiz2.key)},
        "quiz-q2-wrong": {quiz1.name: set(quiz1.key), quiz2.name: quiz2_wrong},
    }
    for student, answers in students.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        overrides = {name: f"{name} = {{{', '.join(map(str, sorted(chosen)))}}}\n" for name, chosen in answers.items()}
        nbformat.write(fill_solutions(release_nb, solutions, overrides), folder / FILENAME)
        (folder / "timestamp.txt").write_text("2026-01-01 12:00:00.000000 UTC\n")
    nbgrader("autograde", ASSIGNMENT, "--student", "quiz-*", "--force", course_dir=course)

    from nbgrader.api import Gradebook

    with Gradebook(gradebook_url(course)) as gb:
        graded = {
            student: {g.name: g.score for g in gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student).grades}
            for student in students
        }
    for student, answers in students.items():
        for quiz in QUIZZES:
            got = graded[student][f"test_{quiz.name}"]
            assert got == pytest.approx(notebook_score(quiz, frozenset(answers[quiz.name]))), (student, quiz.name)
    for quiz in QUIZZES:
        assert graded["quiz-all"][f"test_{quiz.name}"] <= GUESS_SHARE * quiz.points
    assert graded["quiz-planted"][f"test_{quiz1.name}"] == pytest.approx(quiz1.points - planted.points_lost)
    assert graded["quiz-planted"][f"test_{quiz1.name}"] >= ONE_MISTAKE_SHARE * quiz1.points
    assert graded["quiz-planted"][f"test_{quiz2.name}"] == pytest.approx(quiz2.points)
    assert graded["quiz-q2-wrong"][f"test_{quiz1.name}"] == pytest.approx(quiz1.points)
    assert ONE_MISTAKE_SHARE * quiz2.points <= graded["quiz-q2-wrong"][f"test_{quiz2.name}"] < quiz2.points
