"""The class report: a simulated class and the adversarial suite, graded once, checked against the gradebook.

The class (12 simulated students, one with a broken notebook) and every adversarial case of 01 are graded
together with `tools.grade` (the in-kernel guard only: the machinery cases may fail to grade, and must then be
listed as not graded). The report's numbers are compared with the gradebook read with plain SQL, its failure
clusters with the autograded notebooks, its flagged students with the suite; then one student's notebook
changes, the class is graded again and ``--previous`` must flag that student's new score.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from markupsafe import escape
from nbformat.v4 import new_code_cell, new_notebook

from tools.adversarial import PREFIX, cell_scores, make_suite
from tools.course import REPO_ROOT, copy_course, nbgrader, nbgrader_meta
from tools.grade import grade_class
from tools.report import ClassData, StudentWork, _aliases, build_report, output_findings, scan_code
from tools.simulate import simulate_class
from tools.submissions import make_submission, solution_sources

pytestmark = pytest.mark.slow

ASSIGNMENT = "01_activations"
HONEST_CASES = {"perfect", "untouched"}
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A course copy with the simulated class and the adversarial suite of 01, graded once, and its report."""
    start = time.perf_counter()
    course = copy_course(tmp_path_factory.mktemp("report") / "course")
    nbgrader("generate_assignment", ASSIGNMENT, "--force", course_dir=course)
    kinds = simulate_class(course, ASSIGNMENT, 12, with_broken=True)
    suite = make_suite(course, [ASSIGNMENT])
    grading = grade_class(course, ASSIGNMENT, jobs=2, feedback=False, export=False)
    page, analysis = build_report(course, ASSIGNMENT)
    print(f"\nclass of {len(grading.students)} graded in {grading.seconds:.0f} s "
          f"({time.perf_counter() - start:.0f} s with setup and report)")
    return course, kinds, suite, grading, page, analysis


def gradebook_scores(course, students) -> dict[str, dict[str, tuple[float, float]]]:
    """(score, max) of every test cell of every given student, from the gradebook with plain SQL."""
    scores: dict[str, dict] = {}
    for (student, assignment, cell), (score, top, _) in cell_scores(course).items():
        if assignment == ASSIGNMENT and student in students:
            scores.setdefault(student, {})[cell] = (score, top)
    return scores


def test_counts_equal_the_gradebook(graded):
    course, _, _, grading, _, analysis = graded
    scores = gradebook_scores(course, grading.done)
    assert analysis["graded"] == len(grading.done) == len(scores)
    assert sum(analysis["histogram"]["counts"]) == len(grading.done)
    assert analysis["totals"] == pytest.approx({s: sum(v for v, _ in cells.values()) for s, cells in scores.items()})
    for row in analysis["cells"]:
        cell = [cells[row["cell"]] for cells in scores.values()]
        assert row["full"] == sum(score == top for score, top in cell), row
        assert row["none"] == sum(score == 0 for score, _ in cell), row
        assert row["partial"] == len(cell) - row["full"] - row["none"], row
    assert [r["mean"] for r in analysis["cells"]] == sorted(r["mean"] for r in analysis["cells"]), "hardest first"


def test_the_planted_relu_mistake_is_one_cluster_with_the_right_count(graded):
    course, kinds, _, grading, page, analysis = graded
    # Independently: every graded student whose autograded test_relu failed on the values of relu(z).
    expected = set()
    for student in grading.done:
        nb = nbformat.read(next((course / "autograded" / student / ASSIGNMENT).glob("*.ipynb")), as_version=4)
        cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "test_relu")
        if any(o.get("ename") == "AssertionError" and o.get("evalue", "").startswith("relu(z) is wrong at index")
               for o in cell.get("outputs", [])):
            expected.add(student)
    one_wrong = {s for s, kind in kinds.items() if kind == "one_wrong"}
    assert one_wrong and one_wrong <= expected
    clusters = [g for g in analysis["clusters"]["test_relu"] if g["message"].startswith("relu(z) is wrong at index")]
    assert len(clusters) == 1, clusters
    cluster = clusters[0]
    assert set(cluster["students"]) == expected
    assert {s for s in cluster["students"] if s.startswith("sim-")} == one_wrong
    assert f'<td class="num">{len(expected)}</td>' in page.read_text()
    assert str(escape(cluster["message"])) in page.read_text()
    print(f"\ntest_relu: {len(expected)} students: {cluster['message']}")


def test_flagged_students_are_exactly_the_graded_cheats(graded):
    _, _, suite, grading, _, analysis = graded
    graded_cases = sorted(s.case for s in suite if s.student in grading.done)
    print("\ngraded adversarial cases:", ", ".join(graded_cases))
    print("not graded:", ", ".join(sorted(s.case for s in suite if s.student not in grading.done)))
    for student, reasons in analysis["look_at"].items():
        print(f"  {student}: {'; '.join(reasons)}")
    cheats = {PREFIX + case for case in graded_cases if case not in HONEST_CASES}
    assert set(analysis["look_at"]) == cheats
    assert not any(s.startswith("sim-") for s in analysis["look_at"])


def test_unreadable_and_crashed_submissions_are_listed_as_not_graded(graded):
    _, kinds, _, grading, page, analysis = graded
    ungraded = {row["student"]: row["reason"] for row in analysis["ungraded"]}
    assert set(ungraded) == set(grading.failed)
    broken = {s for s, kind in kinds.items() if kind == "broken"}
    assert broken and broken <= set(ungraded)
    for student in broken:
        assert "not a readable notebook" in ungraded[student]
    assert ungraded[PREFIX + "missing"] == "no notebook in the submission folder"
    text = page.read_text()
    for student in ungraded:
        assert f"<td>{student}</td>" in text


def test_the_page_loads_nothing_from_the_network(graded):
    *_, page, analysis = graded
    text = page.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(https?:)?//""", text, re.I)
    assert "<script src" not in text.lower() and "<link" not in text.lower()
    assert text.count("<svg") == 2 and "<img" not in text
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium for the screenshot (this test never downloads a browser)")
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    requests = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            view = browser.new_page(viewport={"width": 1200, "height": 900})
            view.on("request", lambda request: requests.append(request.url))
            view.goto(page.as_uri())
            assert view.locator("section#scores svg").count() == 2
            view.screenshot(path=str(ARTIFACTS / "report-01.png"), full_page=True)
        finally:
            browser.close()
    assert all(url.startswith(("file:", "data:")) for url in requests), requests


def test_a_regrade_flags_the_score_that_changed(graded):
    """Last in this module: it changes the class. Only the simulated students are graded again (faster)."""
    course, kinds, _, _, _, analysis = graded
    before = course / "reports" / f"{ASSIGNMENT}.before.json"
    shutil.copy(course / "reports" / f"{ASSIGNMENT}.scores.json", before)
    changed = next(s for s, kind in kinds.items() if kind == "perfect")
    assert analysis["totals"][changed] == analysis["max_total"]
    make_submission(course, ASSIGNMENT, changed, "one_wrong")
    aside = course / "adversarial-aside"
    aside.mkdir()
    for folder in (course / "submitted").glob(PREFIX + "*"):
        shutil.move(folder, aside / folder.name)
    grade_class(course, ASSIGNMENT, jobs=2, feedback=False, export=False)
    _, again = build_report(course, ASSIGNMENT, previous=before)
    flagged_sims = {s: r for s, r in again["look_at"].items() if s.startswith("sim-")}
    assert set(flagged_sims) == {changed}, flagged_sims
    assert any("score changed" in r and "test_relu 1 → 0" in r for r in flagged_sims[changed]), flagged_sims
    saved = json.loads((course / "reports" / f"{ASSIGNMENT}.scores.json").read_text())
    assert saved["students"][changed]["total"] == analysis["max_total"] - 1


def test_honest_solutions_of_every_assignment_raise_no_flag(repo_root):
    """The instructor's own answers, scanned as a student's cells, are not worth a look (no false alarms)."""
    for source in sorted((repo_root / "source").glob("*/*.ipynb")):
        release = {source.name: nbformat.read(source, as_version=4)}
        answers = list(solution_sources(source).values())
        assert answers and scan_code(answers, _aliases(release)) == [], source.name


@pytest.mark.parametrize("code, finding", [
    ("import numpy as n\nn.allclose = lambda *a, **k: True", "patches: numpy.allclose"),
    ("import nnlab.checks as c\nsetattr(c, 'check_close', print)", "patches: nnlab.checks (with setattr)"),
    ("check_close = print", "rebinds what the notebook imported: check_close"),
    ("__builtins__.round = abs", "patches: builtins.round"),
    ("import sys, io\nsys.stdout = io.StringIO()", "replaces: sys.stdout"),
    ("get_ipython().showtraceback = print", "replaces IPython's error or result display: showtraceback"),
    ("ip = get_ipython()\nip.set_custom_exc((Exception,), print)", "replaces IPython's error or result display"),
    ("with open('../../source/01/a.ipynb') as f:\n    f.read()", "reads files outside its folder"),
    ("import os\nos.listdir('/home')", "reads files outside its folder"),
    ("from pathlib import Path\nPath('..').glob('*')", "reads files outside its folder"),
    ("class A:\n    def __eq__(self, other):\n        return True", "defines comparison hooks"),
    ("class A(float):\n    def __array_ufunc__(self, *a, **k):\n        return True", "defines comparison hooks"),
    ("%time x = 1\nnp.isclose = print", "patches: numpy.isclose"),  # a magic: IPython's transformer first
    ("def broken(:\n    np.allclose = print", "patches numpy, builtins or nnlab"),  # no parse: text search
])
def test_the_code_scan_names_what_a_cheat_does(code, finding):
    aliases = {"np": "numpy", "check_close": "nnlab.checks.check_close"}
    found = scan_code([code], aliases)
    assert any(f.startswith(finding) for f in found), found


def test_full_marks_with_an_unusual_output_are_flagged():
    """Three honest outputs and one whose prints vanished: only the odd one is flagged."""
    def notebook(output):
        test = new_code_cell("check()", metadata={"nbgrader": {"grade": True, "grade_id": "test_a", "points": 1}})
        test.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)] if output else []
        return new_notebook(cells=[test])

    outputs = {"s1": "✔ a: all visible tests passed.\n", "s2": "✔ a: all visible tests passed.\n",
               "s3": "✔ a: all visible tests passed.\n", "s4": ""}
    students = {name: StudentWork(name, scores={"test_a": 1.0}, in_gradebook=True,
                                  autograded={"a.ipynb": notebook(text)}) for name, text in outputs.items()}
    data = ClassData(Path("."), "a", {"test_a": 1.0}, 0, {"a.ipynb": new_notebook()}, students)
    found = output_findings(data)
    assert set(found) == {"s4"} and "differs from the 3 others'" in found["s4"][0]
