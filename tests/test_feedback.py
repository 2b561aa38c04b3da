"""Feedback teaches without publishing the tests (grader/feedback.py, the feedback section of nbgrader_config.py).

In a temporary copy of the course, a student with one planted mistake and an untouched one hand in every
assignment; nbgrader autogrades them and writes their feedback. The pages must keep what the tests said (every
failure message, every printed line, the scores) and must not show a line of any hidden test, nor load anything
from the network; each graded cell is named after its function and the header states the automatic points and
those still to be graded by hand. The fast tests at the end check the steps one by one on made-up cells.

Run with:  PATH=.venv/bin:$PATH python -m pytest tests/test_feedback.py -v
"""

from __future__ import annotations

import copy
import re
import shutil
from functools import cache
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from helpers import region_lines

from grader.feedback import HIDDEN_NOTE, CleanTracebacks, HideHiddenTests, SummarizeScores, latex_to_mathml
from grader.references import InlineReferences
from tools.course import HIDDEN_TESTS, REPO_ROOT, assignments, nbgrader, nbgrader_meta
from tools.submissions import make_submission

ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
STUDENTS = {"fb-one-wrong": "one_wrong", "fb-untouched": "untouched"}
BEGIN, END = HIDDEN_TESTS
MIN_LINE = 20  # shorter hidden lines (`for ...:`, `)`) also occur in visible tests and prove nothing

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Anything a page would fetch by itself from another host: scripts, styles, images, fonts, frames, media.
REMOTE_LOADS = [
    re.compile(r"<(?:script|link|img|iframe|source|video|audio|embed|object|image|use)\b[^>]*?"
               r"\b(?:src|href|data|srcset|xlink:href)\s*=\s*[\"']?\s*(?:https?:)?//", re.I),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?\s*(?:https?:)?//", re.I),
    re.compile(r"url\(\s*[\"']?\s*(?:https?:)?//", re.I),
]


# ---------------------------------------------------------------------------------------------------------------
# What the checks look at (also usable on any course folder, e.g. to measure nbgrader's own feedback)
# ---------------------------------------------------------------------------------------------------------------


def hidden_and_public(notebook) -> tuple[set[str], str]:
    """Substantial lines of the hidden-test regions that occur nowhere else in the notebook, and the rest of it.

    The notebook is read as nbgrader generates it: each test with the reference functions it uses copied in.
    """
    notebook, _ = InlineReferences().preprocess(copy.deepcopy(notebook), {})
    hidden, public_text = region_lines(notebook, regions=(HIDDEN_TESTS,))
    return {line for line in hidden if len(line) > MIN_LINE and line not in public_text}, public_text


def page_text(html: str) -> str:
    """What a reader sees of a page: its text, without styles and scripts."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup(["style", "script"]):
        element.decompose()
    return soup.get_text()


@cache
def read_page(page: Path) -> tuple[str, str]:
    """A feedback page's HTML and its text (parsed once per test session)."""
    html = page.read_text()
    return html, page_text(html)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def remote_loads(html: str) -> list[str]:
    return [match.group(0)[:120] for pattern in REMOTE_LOADS for match in pattern.finditer(html)]


def leaked_lines(course: Path, assignment: str, page: Path) -> list[str]:
    """The hidden-test lines of ``assignment`` that ``page`` shows."""
    text = read_page(page)[1]
    leaked = []
    for source in sorted((course / "source" / assignment).glob("*.ipynb")):
        hidden, _ = hidden_and_public(nbformat.read(source, as_version=4))
        leaked += sorted(line for line in hidden if line in text)
    return leaked


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def graded_test_ids(notebook) -> list[str]:
    """Grade ids of the test cells (graded code cells that are not answers)."""
    return [
        grade_id(cell)
        for cell in notebook.cells
        if nbgrader_meta(cell).get("grade") and not nbgrader_meta(cell).get("solution")
    ]



def pages(course: Path):
    """(student, assignment, feedback page, autograded notebook) for every page the fixture made."""
    for student in STUDENTS:
        for page in sorted((course / "feedback" / student).glob("*/*.html")):
            assignment = page.parent.name
            yield student, assignment, page, course / "autograded" / student / assignment / f"{page.stem}.ipynb"


# ---------------------------------------------------------------------------------------------------------------
# The course, graded, with feedback
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def feedback_course(generated_course) -> Path:
    """``generated_course`` with two students per assignment autograded and given feedback (one nbgrader run each)."""
    course = generated_course
    for name in assignments(course):
        for student, kind in STUDENTS.items():
            make_submission(course, name, student, kind)
    nbgrader("autograde", "*", "--student", "fb-*", "--force", course_dir=course)
    nbgrader("generate_feedback", "*", "--student", "fb-*", "--force", course_dir=course)
    return course


@pytest.mark.slow
def test_every_student_and_assignment_has_feedback(feedback_course):
    found = {(student, assignment) for student, assignment, _, _ in pages(feedback_course)}
    assert found == {(s, a) for s in STUDENTS for a in assignments(feedback_course)}


@pytest.mark.slow
def test_feedback_shows_no_hidden_test(feedback_course):
    course = feedback_course
    for student, assignment, page, autograded in pages(course):
        autograded_sources = "\n".join(cell.source for cell in nbformat.read(autograded, as_version=4).cells)
        html, text = read_page(page)
        for source in sorted((course / "source" / assignment).glob("*.ipynb")):
            hidden, _ = hidden_and_public(nbformat.read(source, as_version=4))
            assert hidden, f"{source.name} has no hidden test: nothing to check"
            # The check means something: nbgrader put every one of these lines back before grading.
            missing = sorted(line for line in hidden if line not in autograded_sources)
            assert not missing, f"{autograded} lacks hidden lines {missing[:3]}"
            assert BEGIN in autograded_sources
        leaked = leaked_lines(course, assignment, page)
        assert not leaked, f"{student}/{assignment}: the feedback shows {len(leaked)} hidden lines, e.g. {leaked[:3]}"
        assert "HIDDEN TESTS" not in html, f"{student}/{assignment}: a hidden-test marker is in the feedback"
        assert HIDDEN_NOTE.lstrip("# ") in squash(text), "no note where the hidden tests were"


@pytest.mark.slow
def test_feedback_shows_no_seed_and_no_answer_key(feedback_course):
    course = feedback_course
    for student, assignment, page, _ in pages(course):
        text = read_page(page)[1]
        for source in sorted((course / "source" / assignment).glob("*.ipynb")):
            nb = nbformat.read(source, as_version=4)
            regions = "\n".join(re.findall(rf"{BEGIN}.*?{END}", "\n".join(c.source for c in nb.cells), re.S))
            seeds = set(re.findall(r"(?:default_rng|random\.seed|RandomState)\(\s*\d+\s*\)", regions))
            keys = set(re.findall(r"^\s*(key_\w+\s*=.*)$", regions, re.M))
            shown = sorted(s for s in seeds | keys if s in text)
            assert not shown, f"{student}/{assignment}: the feedback shows {shown}"
    assert any(page.parent.name == "06_quizzes" for _, _, page, _ in pages(course))


@pytest.mark.slow
def test_feedback_keeps_every_message_and_printed_line(feedback_course):
    failures = 0
    for student, assignment, page, autograded in pages(feedback_course):
        html, text = read_page(page)
        text = squash(text)
        errors = 0
        for cell in nbformat.read(autograded, as_version=4).cells:
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    errors += 1
                    message = squash(f"{output.ename}: {output.evalue}")
                    assert message in text, f"{student}/{assignment} {grade_id(cell)}: lost {message[:200]!r}"
                elif output.output_type == "stream" and output.name == "stdout":
                    for line in _ANSI.sub("", output.text).splitlines():
                        assert squash(line) in text, f"{student}/{assignment} {grade_id(cell)}: lost {line!r}"
        # Tracebacks keep the notebook's frames, not the helper package's (nor any file path of this machine).
        assert "Cell In[" in text or not errors
        failures += errors
        assert "nnlab/checks.py" not in html and "File /" not in text, f"{student}/{assignment}: a library frame"
        if student == "fb-untouched":  # the student's own frame: the stub that raised
            assert "raise NotImplementedError()" in text
    assert failures > 0
    quiz = feedback_course / "feedback" / "fb-one-wrong" / "06_quizzes" / "06_quizzes.html"
    quiz_text = squash(read_page(quiz)[1])
    for option in range(1, 8):  # the explanation of every option of Quiz 1 (printed by its hidden test)
        assert re.search(rf"[✔✘] {option}\. \(you (chose it|left it out)\)", quiz_text), f"Quiz 1 option {option}"


@pytest.mark.slow
def test_feedback_loads_nothing_from_the_network_and_renders_formulas(feedback_course):
    for student, assignment, page, _ in pages(feedback_course):
        html = page.read_text()
        assert not remote_loads(html), f"{student}/{assignment}: {remote_loads(html)}"
        assert "mathjax" not in html.lower()
        assert "<math" in html, f"{student}/{assignment}: no formula was converted to MathML"
        soup = BeautifulSoup(html, "html.parser")
        for element in soup(["style", "script", "pre", "code", "math"]):
            element.decompose()
        raw = re.findall(r"\$[^$\n]*\\[A-Za-z]+[^$\n]*\$", soup.get_text())
        assert not raw, f"{student}/{assignment}: formulas left as TeX: {raw[:3]}"


@pytest.mark.slow
def test_feedback_names_each_graded_cell_after_its_function(feedback_course):
    for student, assignment, page, autograded in pages(feedback_course):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        labels = [squash(label.get_text()) for label in soup.select("span.nbgrader-label")]
        toc = squash(soup.select_one("#toc").get_text())
        expected = [f"Tests of {gid.removeprefix('test_')}" for gid in graded_test_ids(nbformat.read(autograded, 4))]
        assert expected and [label for label in labels if label.startswith("Tests of")] == expected
        for label in expected:
            assert label in toc, f"{student}/{assignment}: {label!r} is not in the table of contents"
        assert not any(label.startswith(("Grade cell", "Test cell", "Student's answer")) for label in labels)
        assert "Test cell" not in toc


@pytest.mark.slow
def test_feedback_header_states_automatic_and_pending_points(feedback_course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{feedback_course / 'gradebook.db'}") as gradebook:
        for student, assignment, page, autograded in pages(feedback_course):
            grades = gradebook.find_submission_notebook(autograded.stem, assignment, student).grades
            tests = [g for g in grades if g.cell.cell_type == "code"]
            auto = sum(g.score for g in tests)
            auto_max = sum(g.max_score for g in tests)
            pending = sum(g.max_score for g in grades if g.needs_manual_grade)
            summary = squash(BeautifulSoup(page.read_text(), "html.parser").select_one("p.feedback-summary").text)
            assert summary.startswith(f"Automatic: {auto:g} / {auto_max:g} points"), (student, assignment, summary)
            if pending:
                assert f"· {pending:g} points still to be graded by hand" in summary, summary
            else:
                assert "still to be graded" not in summary and "Written answers: 0 /" in summary, summary
            if student == "fb-one-wrong":
                assert pending > 0 and auto < auto_max, (assignment, summary)


@pytest.mark.slow
@pytest.mark.browser
def test_a_feedback_page_renders_offline_in_chromium(feedback_course):
    """Debian's Chromium opens a page: no request leaves the file, formulas take space, the failure is visible."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    chromium = next((p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and Path(p).exists()), None)
    if chromium is None:
        pytest.skip("Chromium not found (/usr/bin/chromium, or `chromium` on PATH); this test never downloads one")
    page_path = feedback_course / "feedback" / "fb-one-wrong" / "01_activations" / "01_activations.html"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
            "--disable-component-update", "--disable-sync"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1500})
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_path.as_uri(), wait_until="load")
            assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
            sizes = page.eval_on_selector_all("math", "els => els.map(e => e.getBoundingClientRect().width)")
            assert len(sizes) > 20 and min(sizes) > 0, "formulas are not drawn"
            heading = page.locator("span.nbgrader-label").filter(has_text=re.compile(r"^\s*Tests of\s+relu\s*$"))
            sync_api.expect(heading).to_be_visible()
            page.locator("a[name=test_relu]").scroll_into_view_if_needed()
            page.evaluate("window.scrollBy(0, -120)")
            failure = page.locator(".output_error", has_text="relu(z) is wrong")
            sync_api.expect(failure).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "feedback-01.png"))
        finally:
            browser.close()


# ---------------------------------------------------------------------------------------------------------------
# The steps one by one (fast: no nbgrader run)
# ---------------------------------------------------------------------------------------------------------------


def _code_cell(source, execution_count, outputs=(), **nbgrader_meta):
    cell = nbformat.v4.new_code_cell(source, execution_count=execution_count, outputs=list(outputs))
    if nbgrader_meta:
        cell.metadata["nbgrader"] = nbgrader_meta
    return cell


def test_hidden_tests_become_a_note_and_tracebacks_lose_hidden_lines_and_library_frames():
    source = "\n".join(["check(f(1))", "passed('f')", BEGIN, "rng = default_rng(1303)", "check(f(rng.normal()))", END])
    traceback = [
        "\x1b[31m---------------------------------------------------------------------------\x1b[39m",
        "\x1b[31mAssertionError\x1b[39m                            Traceback (most recent call last)",
        "Cell \x1b[32mIn[7]\x1b[39m, line 5\n\x1b[32m      3\x1b[39m ### BEGIN HIDDEN TESTS\n"
        "\x1b[32m      4\x1b[39m rng = default_rng(1303)\n\x1b[32m----> 5\x1b[39m check(f(rng.normal()))\n"
        "\x1b[32m      6\x1b[39m ### END HIDDEN TESTS\n",
        "Cell \x1b[32mIn[3]\x1b[39m, line 2, in f(z)\n\x1b[32m      1\x1b[39m def f(z):\n"
        "\x1b[32m----> 2\x1b[39m     return abs(z)\n",
        "File \x1b[32m/work/main/nnlab/checks.py:78\x1b[39m, in check(value)\n"
        "\x1b[32m---> 78\x1b[39m raise AssertionError(\n",
        "\x1b[31mAssertionError\x1b[39m: f(z) is wrong: got 2, expected 0.",
    ]
    error = nbformat.v4.new_output("error", ename="AssertionError", evalue="f(z) is wrong: got 2, expected 0.",
                                   traceback=traceback)
    nb = nbformat.v4.new_notebook(cells=[
        _code_cell("def f(z):\n    return abs(z)", 3, grade_id="f", solution=True, grade=False),
        _code_cell(source, 7, [error], grade_id="test_f", grade=True, solution=False, points=1),
    ])
    resources = {}
    for step in (CleanTracebacks(), HideHiddenTests()):
        nb, resources = step.preprocess(nb, resources)
    test = nb.cells[1]
    assert test.source == f"check(f(1))\npassed('f')\n{HIDDEN_NOTE}"
    shown = _ANSI.sub("", "\n".join(test.outputs[0].traceback))
    assert "1303" not in shown and "rng.normal" not in shown and "HIDDEN" not in shown
    assert "Cell In[7], line 5 (in the hidden tests)" in shown
    assert "return abs(z)" in shown  # the student's own frame, whole
    assert "checks.py" not in shown and "raise AssertionError(" not in shown
    assert shown.rstrip().endswith("AssertionError: f(z) is wrong: got 2, expected 0.")


def test_the_summary_counts_automatic_pending_and_unanswered_points():
    def graded(cell_type, score, points, pending=False, by_hand=True, solution=False):
        cell = nbformat.v4.new_markdown_cell("x") if cell_type == "markdown" else nbformat.v4.new_code_cell("x")
        cell.metadata["nbgrader"] = {"grade": True, "solution": solution, "grade_id": "g", "score": score,
                                     "points": points, "needs_manual_grade": pending, "graded_by_hand": by_hand}
        return cell

    tests = [graded("code", 1, 1), graded("code", 0.5, 2)]
    cases = [
        ([graded("markdown", 0, 3, pending=True, solution=True)],
         "Automatic: 1.5 / 3 points · 3 points still to be graded by hand"),
        ([graded("markdown", 0, 3, by_hand=False, solution=True)],
         "Automatic: 1.5 / 3 points · Written answers: 0 / 3 points (1 not answered) · Total: 1.5 / 6 points"),
        ([graded("markdown", 2, 3, solution=True)],
         "Automatic: 1.5 / 3 points · Written answers: 2 / 3 points · Total: 3.5 / 6 points"),
        ([], "Automatic: 1.5 / 3 points"),
    ]
    for written, expected in cases:
        _, resources = SummarizeScores().preprocess(nbformat.v4.new_notebook(cells=tests + written), {})
        assert resources["feedback"]["summary"] == expected


def test_formulas_become_mathml_and_bad_tex_stays_readable():
    assert latex_to_mathml(r"\sigma(z) = \frac{1}{1 + e^{-z}}").startswith('<math display="inline">')
    aligned = latex_to_mathml(r"\begin{aligned} a &= b \\ c &= d \end{aligned}", "block")
    assert "<mtable" in aligned and "&amp;" not in aligned
    assert "&lt;" in latex_to_mathml(r"\text{a <b> c}") and "<b>" not in latex_to_mathml(r"\text{a <b> c}")
    assert latex_to_mathml("x^", "inline") == '<code class="tex">x^</code>'
    assert "http" not in latex_to_mathml(r"\mathbb{R}^n")
