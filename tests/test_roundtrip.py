"""The student round trip through nbgrader's exchange, as a person does it in JupyterLab (headless Chromium).

An instructor (this test, in Python) generates and releases 01_activations to a throwaway exchange. A student
JupyterLab, set up as the student copy sets it up (``tools/student_copy``: the course's student nbgrader config,
the instructor's Formgrader and Create Assignment plugins switched off), serves a throwaway home folder. In it the
student, through the browser only:

1. opens *Nbgrader > Assignment List* and presses *Fetch* next to 01_activations;
2. opens the fetched notebook from the panel, writes ``step_function`` in its cell editor and saves with Ctrl+S;
3. presses *Validate* in the notebook toolbar and reads which cells fail (every other exercise is still a stub);
4. presses *Submit* in the panel.

The instructor collects, autogrades, generates and releases feedback (nbgrader's commands, as ``tools/demo.py``
runs them); the student then presses *Fetch Feedback* and opens the feedback page from the panel's link.
Screenshots: ``tests/artifacts/roundtrip-*.png``.

Run with:  PATH=.venv/bin:$PATH python -m pytest tests/test_roundtrip.py -s
"""

from __future__ import annotations

import getpass
import json
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import test_browser
from test_browser import (
    ARTIFACTS,
    VALIDATE_TIMEOUT,
    Recorder,
    running_jupyterlab,
    sync_api,
    wait_for_kernel,
)

from nnlab.course import COURSE_ID
from tools.course import REPO_ROOT, copy_course, nbgrader, nbgrader_meta
from tools.exchange import ensure_exchange
from tools.gradebook import read_scores
from tools.release import generate

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# test_browser's fixtures: one headless Chromium for the module, a fresh 1400x1000 page per test.
browser = test_browser.browser
page = test_browser.page

expect = sync_api.expect

ASSIGNMENT = "01_activations"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
EDITED_FUNCTION = "step_function"
EDITED_TEST = f"test_{EDITED_FUNCTION}"
ANSWER = "return (z > 0).astype(float)"
STUB = "raise NotImplementedError()"
STUDENT = getpass.getuser()  # nbgrader's exchange names submissions after the OS user
UI_TIMEOUT = 60_000  # ms: one panel action (fetch, submit, list reload) or one page change on this loaded machine
# The student copy switches these off for students (tools/student_copy/Makefile): a student has no course to grade.
INSTRUCTOR_LAB_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")
INSTRUCTOR_SERVER_EXTENSION = "nbgrader.server_extensions.formgrader"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? \S+$")  # nbgrader's, e.g. "... UTC"


# ---------------------------------------------------------------------------------------------------------------
# The class: an exchange, the instructor's course, one student's home folder and JupyterLab
# ---------------------------------------------------------------------------------------------------------------


class Classroom:
    def __init__(self, root: Path):
        self.root = root
        self.exchange = root / "exchange"
        self.course = root / "course"
        self.home = root / "home"
        self.env = {"NNLAB_EXCHANGE": str(self.exchange)}

    @property
    def fetched(self) -> Path:
        return self.home / COURSE_ID / ASSIGNMENT

    def instructor(self, *args: str) -> str:
        """Run one nbgrader command in the course, with the class's exchange; return its output."""
        return nbgrader(*args, course_dir=self.course, extra_env=self.env).stdout


@pytest.fixture
def classroom(tmp_path_factory):
    """A released 01_activations in a throwaway exchange; every folder is removed afterwards, even on failure."""
    root = tmp_path_factory.mktemp("roundtrip")
    try:
        room = Classroom(root)
        ensure_exchange(room.exchange)
        copy_course(room.course)
        generate(room.course, [ASSIGNMENT])
        room.instructor("release_assignment", ASSIGNMENT, "--force")
        room.home.mkdir()
        shutil.copy(REPO_ROOT / "tools" / "student_copy" / "nbgrader_config.py", room.home / "nbgrader_config.py")
        yield room
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def student_jupyterlab(room: Classroom):
    """JupyterLab serving the student's home (also its working directory: nbgrader reads its config from there)."""
    state = room.root / "lab"
    # As the student copy's `make lab` sets up its .venv: no Formgrader or Create Assignment for students.
    config_dir = state / "jupyter-config"
    (config_dir / "labconfig").mkdir(parents=True)
    (config_dir / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {plugin: True for plugin in INSTRUCTOR_LAB_PLUGINS}})
    )
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {INSTRUCTOR_SERVER_EXTENSION: False}}})
    )
    with running_jupyterlab(state, room.home, room.env) as server:
        yield server


@pytest.fixture
def student_lab(classroom):
    with student_jupyterlab(classroom) as server:
        yield server


class RoundTripRecorder(Recorder):
    """Recorder whose screenshots are tests/artifacts/roundtrip-<name>.png, as the round trip's steps name them."""

    def __init__(self, page, capsys):
        super().__init__(page, capsys, "roundtrip")
        for stale in ARTIFACTS.glob("roundtrip-*.png"):
            stale.unlink()

    def screenshot(self, name: str, element=None) -> Path:
        path = ARTIFACTS / f"{self.prefix}-{name}.png"
        (element or self.page).screenshot(path=path)
        self.note(f"screenshot: {path}")
        return path


# ---------------------------------------------------------------------------------------------------------------
# The release notebook: what the student's graded cells are
# ---------------------------------------------------------------------------------------------------------------


def graded_cells(release_notebook: Path) -> dict[str, tuple[str, str, float]]:
    """The notebook's graded cells (test cells and written answers): grade id -> (cell type, source, points)."""
    cells = json.loads(release_notebook.read_text())["cells"]
    return {
        meta["grade_id"]: (c["cell_type"], "".join(c["source"]), float(meta["points"]))
        for c in cells
        if (meta := nbgrader_meta(c)).get("grade")
    }


def which_cell(source: str, graded: dict[str, tuple[str, str, float]]) -> str:
    """The grade id of the graded cell whose source is ``source`` (as the Validate dialog shows it)."""
    lines = source.strip().splitlines()
    found = [gid for gid, (_, text, _) in graded.items() if text.strip().splitlines() == lines]
    assert len(found) == 1, f"the Validate dialog shows a failing cell that is not one graded cell:\n{source[:300]}"
    return found[0]


# ---------------------------------------------------------------------------------------------------------------
# The Assignments panel, as a person uses it
# ---------------------------------------------------------------------------------------------------------------


def open_assignment_list(page) -> None:
    """Nbgrader > Assignment List in the menu bar."""
    page.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator('#jp-mainmenu-nbgrader li[data-command="nbgrader:open-assignment-list"]').click()
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
    expect(tab).to_have_text("Assignments", timeout=UI_TIMEOUT)
    expect(page.locator("#course_list_default")).to_have_text(COURSE_ID, timeout=UI_TIMEOUT)


def show_assignment_list(page) -> None:
    """Back to the Assignments tab of the main area (opened again from the menu if the tab is gone)."""
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text="Assignments")
    if tab.count():
        tab.click()
    else:
        open_assignment_list(page)
    expect(page.locator("#assignments")).to_be_visible(timeout=UI_TIMEOUT)


def assignment_rows(page, status: str, count: int):
    """The panel's rows under one heading ("released", "fetched", "submitted"), once the list has loaded."""
    for part in ("loading", "error"):
        expect(page.locator(f"#{status}_assignments_list_{part}")).to_be_hidden(timeout=UI_TIMEOUT)
    rows = page.locator(f"#{status}_assignments_list > .list_item")
    expect(rows).to_have_count(count, timeout=UI_TIMEOUT)
    if count:
        expect(page.locator(f"#{status}_assignments_list_placeholder")).to_be_hidden(timeout=UI_TIMEOUT)
    return rows


def panel_error(page) -> str:
    """What the panel shows in its red error boxes, if anything."""
    errors = page.locator("#assignments .list_error:visible, #assignments .version_error:visible")
    return "\n".join(errors.all_inner_texts()).strip()


# ---------------------------------------------------------------------------------------------------------------
# The notebook
# ---------------------------------------------------------------------------------------------------------------

CURRENT_NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def cell_source_on_disk(notebook: Path, grade_id: str) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return next("".join(c["source"]) for c in cells if nbgrader_meta(c).get("grade_id") == grade_id)


def wait_until(condition, timeout_ms: int, message: str) -> None:
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.25)


# ---------------------------------------------------------------------------------------------------------------
# The round trip
# ---------------------------------------------------------------------------------------------------------------


def test_student_fetches_edits_validates_submits_and_reads_feedback(classroom, student_lab, page, capsys):
    room, lab = classroom, student_lab
    record = RoundTripRecorder(page, capsys)
    graded = graded_cells(room.course / "release" / ASSIGNMENT / NOTEBOOK)
    tests = {gid: points for gid, (kind, _, points) in graded.items() if kind == "code"}  # the autograded ones
    assert EDITED_TEST in tests, f"{NOTEBOOK} has no graded cell {EDITED_TEST}"
    # Validate and the feedback count every graded cell the student has not got right: all but step_function's
    # tests, the written answer (still "YOUR ANSWER HERE") included. The gradebook's lost_cells are the tests only.
    not_passed = [gid for gid in graded if gid != EDITED_TEST]
    lost_tests = [gid for gid in tests if gid != EDITED_TEST]
    auto_points, step_points = sum(tests.values()), tests[EDITED_TEST]
    fetched_notebook = room.fetched / NOTEBOOK
    notebook_path = fetched_notebook.relative_to(room.home).as_posix()
    started = time.monotonic()

    with record.screenshot_on_failure():
        # 1. Nbgrader > Assignment List: 01_activations is released; Fetch it.
        page.goto(lab.url("lab") + "&reset")
        open_assignment_list(page)
        released = assignment_rows(page, "released", 1)
        expect(released.locator(".item_name")).to_have_text(ASSIGNMENT)
        expect(released.locator(".item_course")).to_have_text(COURSE_ID)
        assignment_rows(page, "fetched", 0)
        assignment_rows(page, "submitted", 0)
        record.screenshot("0-released")
        released.get_by_role("button", name="Fetch", exact=True).click()
        fetched = assignment_rows(page, "fetched", 1)
        expect(fetched.locator("a.assignment-notebooks-link")).to_have_text(ASSIGNMENT)
        assignment_rows(page, "released", 0)
        assert not panel_error(page), panel_error(page)
        record.screenshot("1-fetched")
        assert fetched_notebook.is_file(), f"Fetch did not write {fetched_notebook}"
        assert STUB in cell_source_on_disk(fetched_notebook, EDITED_FUNCTION)
        record.note(f"fetched after {time.monotonic() - started:.0f} s")

        # 2. Open the notebook from the panel, write step_function in the cell editor, save with Ctrl+S.
        # nbgrader's panel gives the assignment link its click handler (and its caret) only after rendering the list;
        # a click before that follows the link's bare "#id" href, which JupyterLab's router answers by resetting the
        # layout (the panel closes). A person sees the caret before clicking: so does the test, and it reopens the
        # panel and clicks again should that still happen.
        for _attempt in range(3):
            if not page.locator("#assignments").is_visible():
                record.note("the Assignments panel closed: opening it again")
                open_assignment_list(page)
            fetched = assignment_rows(page, "fetched", 1)
            link = fetched.locator("a.assignment-notebooks-link")
            expect(link.locator("i.fa-caret-right, i.fa-caret-down")).to_have_count(1, timeout=UI_TIMEOUT)
            page.wait_for_timeout(500)
            link.click()
            notebook_link = fetched.locator(".nested_list_item .item_name a", has_text=ASSIGNMENT)
            try:
                expect(notebook_link).to_be_visible(timeout=UI_TIMEOUT // 3)
                notebook_link.click()
                break
            except AssertionError:
                record.note("the fetched assignment's notebook list did not open: trying again")
        else:  # what a person does next: open the fetched copy from the file browser's folder
            record.note("opening the fetched notebook by its path instead")
            page.goto(lab.url(f"lab/tree/{notebook_path}"))
        wait_for_kernel(page, lab, notebook_path, f"{CURRENT_NOTEBOOK} .jp-Notebook")
        notebook = page.locator(CURRENT_NOTEBOOK)
        cell = notebook.locator(".jp-CodeCell", has_text=f"def {EDITED_FUNCTION}(z):").first
        stub_line = cell.locator(".cm-line", has_text=STUB)
        stub_line.scroll_into_view_if_needed()
        stub_line.click()
        page.keyboard.press("End")
        page.keyboard.press("Shift+Home")  # selects the statement, not its indentation
        page.keyboard.type(ANSWER)
        expect(cell.locator(".cm-content")).to_contain_text(ANSWER, timeout=UI_TIMEOUT)
        expect(cell.locator(".cm-content")).not_to_contain_text(STUB)
        page.keyboard.press("Escape")  # command mode, as after typing
        page.keyboard.press("Control+s")
        wait_until(
            lambda: ANSWER in cell_source_on_disk(fetched_notebook, EDITED_FUNCTION),
            UI_TIMEOUT,
            "Ctrl+S did not write the edit to the fetched notebook",
        )
        expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).not_to_have_class(
            re.compile(r"jp-mod-dirty"), timeout=UI_TIMEOUT
        )
        on_disk = cell_source_on_disk(fetched_notebook, EDITED_FUNCTION)
        assert f"    {ANSWER}" in on_disk.splitlines() and STUB not in on_disk, on_disk
        cell.evaluate("element => element.scrollIntoView({block: 'center'})")
        record.screenshot("2-edited")

        # 3. Validate in the notebook toolbar: every test but step_function's fails (their exercises are stubs).
        validate = notebook.locator(".validate-button")
        expect(validate).to_have_text("Validate", timeout=UI_TIMEOUT)
        clicked = time.monotonic()
        validate.click()
        dialog = page.locator(".jp-Dialog").filter(has_text="Validation Results")
        dialog.wait_for(state="visible", timeout=VALIDATE_TIMEOUT)
        record.note(f"Validate answered after {time.monotonic() - clicked:.0f} s")
        message = dialog.locator("#validation-message")
        expect(message).to_have_class(re.compile(r"\bvalidation-failed\b"))
        text = message.inner_text()
        # One "The following cell failed:" with the cell's source and its error per failing cell. The dialog
        # has no "VALIDATION FAILED ON n CELL(S)" line: only `nbgrader validate` on the command line prints that.
        failures = message.locator(":scope > div > p", has_text="The following cell failed:")
        shown = message.locator(":scope > .jp-RenderedText > pre").all_inner_texts()
        sources, errors = shown[0::2], shown[1::2]
        failed = [which_cell(source, graded) for source in sources]
        record.note(f"Validate: {failures.count()} cells failed: {', '.join(failed)}")
        assert failures.count() == len(graded) - 1 == len(sources), text[:2000]
        assert failed == not_passed, f"failing cells {failed}, expected every graded cell but {EDITED_TEST}"
        assert EDITED_TEST not in failed
        stubs = [e for gid, e in zip(failed, errors, strict=True) if gid in tests and "NotImplementedError" not in e]
        assert not stubs, f"test cells that failed for another reason than an unwritten exercise: {stubs}"
        written = [e for gid, e in zip(failed, errors, strict=True) if gid not in tests]
        record.note(f"Validate's error for the unanswered written answer: {written!r}")
        record.screenshot("3-validate")
        dialog.get_by_role("button", name="Ok").click()
        expect(dialog).to_be_hidden()

        # 4. Submit from the Assignments panel: the submission is listed with its time and lands in the exchange.
        show_assignment_list(page)
        fetched = assignment_rows(page, "fetched", 1)
        fetched.get_by_role("button", name="Submit", exact=True).click()
        submitted = assignment_rows(page, "submitted", 1)
        expect(submitted.locator(":scope > div > .item_name")).to_have_text(ASSIGNMENT)
        submissions = submitted.locator(".nested_list_item")
        expect(submissions).to_have_count(1, timeout=UI_TIMEOUT)
        timestamp = submissions.locator(".item_name").inner_text().strip()
        assert TIMESTAMP.match(timestamp), f"the panel shows {timestamp!r} for the submission, not a time"
        assert not panel_error(page), panel_error(page)
        record.screenshot("4-submitted")
        inbound = sorted((room.exchange / COURSE_ID / "inbound").glob(f"{STUDENT}+{ASSIGNMENT}+*"))
        assert len(inbound) == 1, f"the exchange's inbound folder holds {[p.name for p in inbound]}"
        assert (inbound[0] / "timestamp.txt").read_text().strip() == timestamp
        assert ANSWER in cell_source_on_disk(inbound[0] / NOTEBOOK, EDITED_FUNCTION)
        record.note(f"submitted after {time.monotonic() - started:.0f} s: {inbound[0].name}")

        # 5. The instructor collects, autogrades and returns feedback.
        grading_started = time.monotonic()
        room.instructor("collect", ASSIGNMENT, "--CollectApp.check_owner=False")
        room.instructor("autograde", ASSIGNMENT, "--force")
        room.instructor("generate_feedback", ASSIGNMENT, "--force")
        room.instructor("release_feedback", ASSIGNMENT)
        record.note(f"instructor: collect, autograde, feedback in {time.monotonic() - grading_started:.0f} s")
        rows = [row for row in read_scores(room.course, ASSIGNMENT) if row.student == STUDENT]
        assert len(rows) == 1, f"the gradebook has {len(rows)} {ASSIGNMENT} submissions of {STUDENT}"
        record.note(f"gradebook: {rows[0]}")
        assert rows[0].auto_max == auto_points
        assert EDITED_TEST not in rows[0].lost_cells, f"{EDITED_TEST} lost points: {rows[0]}"
        assert rows[0].auto_score == step_points, f"only {EDITED_TEST} should score: {rows[0]}"
        assert rows[0].lost_cells == lost_tests, rows[0].lost_cells
        assert rows[0].manual_score == 0, f"the unanswered written answer scored: {rows[0]}"

        # 6. Reload the panel, Fetch Feedback, open it from the panel's "view feedback" link.
        show_assignment_list(page)
        page.locator("#refresh_assignments_list").click()
        submitted = assignment_rows(page, "submitted", 1)
        submission = submitted.locator(".nested_list_item")
        expect(submission).to_contain_text("(feedback available to fetch)", timeout=UI_TIMEOUT)
        record.screenshot("4b-feedback-available")
        submitted.get_by_role("button", name="Fetch Feedback", exact=True).click()
        submitted = assignment_rows(page, "submitted", 1)
        view_feedback = submitted.locator(".nested_list_item a", has_text="view feedback")
        expect(view_feedback).to_be_visible(timeout=UI_TIMEOUT)
        feedback = room.fetched / "feedback" / timestamp / f"{ASSIGNMENT}.html"
        assert feedback.is_file(), f"Fetch Feedback did not write {feedback}"
        record.screenshot("4c-feedback-fetched")
        view_feedback.click()
        # The link shows the feedback folder in the file browser; the student opens the page from there.
        listing = page.locator(".jp-FileBrowser .jp-DirListing-item", has_text=f"{ASSIGNMENT}.html")
        expect(listing).to_be_visible(timeout=UI_TIMEOUT)
        expect(page.locator(".jp-FileBrowser .jp-BreadCrumbs")).to_contain_text("feedback", timeout=UI_TIMEOUT)
        listing.dblclick()
        viewer = page.locator(".jp-HTMLViewer:not(.lm-mod-hidden) iframe")
        expect(viewer).to_be_visible(timeout=UI_TIMEOUT)
        frame = page.frame_locator(".jp-HTMLViewer:not(.lm-mod-hidden) iframe")
        summary = frame.locator("p.feedback-summary")
        expect(summary).to_contain_text(f"Automatic: {step_points:g} / {auto_points:g} points", timeout=UI_TIMEOUT)
        toc = frame.locator("#toc li", has=frame.get_by_text(f"Tests of {EDITED_FUNCTION}"))
        expect(toc).to_contain_text(f"{step_points:g} / {step_points:g} points")
        step_cell = frame.locator("div.nbgrader_cell", has=frame.get_by_text(f"Tests of {EDITED_FUNCTION}"))
        expect(step_cell.locator(".panel-heading")).to_contain_text(f"Score: {step_points:g} / {step_points:g}")
        expect(step_cell).not_to_have_class(re.compile(r"\blost\b"))
        step_output = frame.locator("div.cell", has=step_cell).locator(".output_area")
        expect(step_output).to_contain_text(f"{EDITED_FUNCTION}: all visible tests passed")
        expect(step_output).not_to_contain_text("Error")
        expect(frame.locator("div.nbgrader_cell.lost")).to_have_count(len(not_passed))
        record.note(f"feedback page: {summary.inner_text()!r}")
        record.screenshot("5-feedback")

    record.note(f"round trip took {time.monotonic() - started:.0f} s in the browser and nbgrader")
