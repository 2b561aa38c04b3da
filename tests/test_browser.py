"""JupyterLab in headless Chromium: the lecture notebook runs, and its activation explorer reacts to a person.

One real JupyterLab server (from the venv) serves a throwaway copy of ``notebooks/`` for the whole module;
Playwright drives Debian's Chromium (never a downloaded browser) the way a student would: open the notebook,
Run > Run All Cells, pick "relu" in the explorer's dropdown, nudge the "z range" slider with the keyboard.
Screenshots land in ``tests/artifacts/`` (gitignored), before and after each change.

Run with:  PATH=.venv/bin:$PATH python -m pytest tests/test_browser.py -v
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import free_port

from tools.course import REPO_ROOT

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
LECTURE = "01_activations.ipynb"  # in notebooks/
NBGRADER_SOURCE = REPO_ROOT / "source" / "01_activations" / "01_activations.ipynb"
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and Path(p).exists()), None)
if CHROMIUM is None:
    pytest.skip(
        "Chromium not found (/usr/bin/chromium, or `chromium` on PATH); this test never downloads one",
        allow_module_level=True,
    )
# Without these flags an offline Chromium keeps dialling Google services and floods refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

SERVER_START_TIMEOUT = 60  # s
KERNEL_TIMEOUT = 120_000  # ms: kernel start, and Run All of the whole lecture
WIDGET_TIMEOUT = 30_000  # ms: one redraw of the explorer (kernel round trip + matplotlib)
VALIDATE_TIMEOUT = 180_000  # ms: nbgrader validate executes the whole assignment in a fresh kernel
# Every expect() waits as long as a widget redraw may take on a loaded machine (Playwright's default is 5 s).
sync_api.expect.set_options(timeout=WIDGET_TIMEOUT)

# User settings a fresh JupyterLab is started with. Without the first one a toast asks "Would you like to get
# notified about official Jupyter news?" and covers the bottom right corner of every screenshot.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


# ---------------------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------------------


class Lab:
    """A running JupyterLab: where it listens, its token, the folder it serves."""

    def __init__(self, port: int, token: str, root: Path, log: Path):
        self.port, self.token, self.root, self.log = port, token, root, log
        self.base = f"http://127.0.0.1:{port}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}?token={self.token}"

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(
            f"{self.base}/api/{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        # No proxy, whatever the environment says: the server is on this machine.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=5) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def write_lab_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))


@contextmanager
def running_jupyterlab(state: Path, root: Path, extra_env: dict | None = None):
    """JupyterLab serving ``root`` on 127.0.0.1, its config, data and settings in ``state``; stopped afterwards.

    Nothing comes from ~/.jupyter, ~/.local/share/jupyter or ~/.ipython (a test may put config in
    ``state / "jupyter-config"`` first). Kernelspecs and lab extensions still come from the venv
    (sys.prefix/share/jupyter), which jupyter_core always searches.
    """
    settings_dir, workspaces_dir = state / "lab-user-settings", state / "lab-workspaces"
    write_lab_settings(settings_dir)
    python = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
    env = dict(os.environ)
    env.update(
        PATH=f"{Path(python).parent}{os.pathsep}{env.get('PATH', '')}",
        # The kernel inherits this, so `import nnlab` works even if the package was not pip-installed.
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p),
        JUPYTER_CONFIG_DIR=str(state / "jupyter-config"),
        # nbgrader keeps a student's submission cache here too: a fresh one per server.
        JUPYTER_DATA_DIR=str(state / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(state / "jupyter-runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings_dir),
        JUPYTERLAB_WORKSPACES_DIR=str(workspaces_dir),
        IPYTHONDIR=str(state / "ipython"),
        MPLCONFIGDIR=str(state / "matplotlib"),
        **(extra_env or {}),
    )
    port, token = free_port(), secrets.token_hex(24)
    log = state / "jupyterlab.log"
    command = [
        python,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",  # harmless for other users; containers often run as root
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",  # fail loudly rather than listen on a port we do not poll
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={workspaces_dir}",
    ]
    with open(log, "wb") as log_file:
        # cwd = the served folder: nbgrader's server extensions read nbgrader_config.py from the cwd,
        # and must not pick up (and write a gradebook next to) the repository's.
        # A new session, so that a last-resort kill reaches the kernels too.
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Lab(port, token, root, log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {process.returncode}:\n{server.log_tail()}")
            try:
                server.api("status")
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"JupyterLab did not answer /api/status in {SERVER_START_TIMEOUT} s:\n{server.log_tail()}"
                    )
                time.sleep(0.2)
        yield server
    finally:
        stop_server(process, server)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab for the module, serving a copy of notebooks/, with settings isolated from the user's home."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "notebooks"
    # A copy, so checkpoints, saved outputs and nbgrader's validation never touch the repository.
    shutil.copytree(REPO_ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    with running_jupyterlab(tmp, root) as server:
        yield server


def stop_server(process: subprocess.Popen, server: Lab) -> None:
    """Ask politely (the server then shuts its kernels down), then terminate, then kill its process group."""
    if process.poll() is None:
        try:
            server.api("shutdown", method="POST")
            process.wait(timeout=15)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            pass
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # Still alive (so its group id is certainly still ours): kill it and its kernels.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# ---------------------------------------------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WIDGET_TIMEOUT)
    yield page
    context.close()


class Recorder:
    """Screenshots in tests/artifacts/ and notes, shown in pytest's output even without -s."""

    def __init__(self, page, capsys, prefix: str):
        self.page, self.capsys, self.prefix = page, capsys, prefix
        self.noted = False
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for stale in ARTIFACTS.glob(f"{prefix}_*.png"):  # a FAILED shot from an earlier run would mislead
            stale.unlink()

    def note(self, message: str) -> None:
        with self.capsys.disabled():
            print(f"{'' if self.noted else chr(10)}    {message}", flush=True)
        self.noted = True

    def screenshot(self, name: str, element=None) -> Path:
        """The whole page, or one element (scrolled into view), as tests/artifacts/<prefix>_<name>.png."""
        path = ARTIFACTS / f"{self.prefix}_{name}.png"
        if element is None:
            self.page.screenshot(path=path, full_page=True)
        else:
            element.screenshot(path=path)
        self.note(f"screenshot: {path}")
        return path

    @contextmanager
    def screenshot_on_failure(self):
        try:
            yield
        except BaseException:
            try:
                self.screenshot("FAILED")
            except Exception as error:  # the page may be gone; the original failure matters more
                self.note(f"(no failure screenshot: {error})")
            raise


# ---------------------------------------------------------------------------------------------------------------
# JupyterLab, as a person uses it
# ---------------------------------------------------------------------------------------------------------------

# Resolves to "dialog" if JupyterLab asks something (e.g. "Select Kernel"), "idle" once the notebook's kernel
# is connected and idle, and keeps waiting otherwise.
KERNEL_READY_JS = """() => {
    const dialog = document.querySelector('.jp-Dialog');
    if (dialog) return 'dialog';
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if (!panel) return false;
    const name = panel.querySelector('[data-jp-item-name="kernelName"]');
    const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
    if (!name || /no kernel/i.test(name.textContent)) return false;
    return status && status.dataset.status === 'idle' ? 'idle' : false;
}"""


def open_notebook(page, lab: Lab, path: str) -> None:
    """Open a notebook and wait until its python3 kernel is idle; fail clearly if a dialog asks for a kernel."""
    # ?reset: start from an empty workspace, not with the tabs an earlier test left open.
    page.goto(lab.url(f"lab/tree/{path}") + "&reset")
    wait_for_kernel(page, lab, path)


def wait_for_kernel(page, lab: Lab, path: str, notebook: str = ".jp-NotebookPanel .jp-Notebook") -> None:
    """Wait until the notebook at ``path`` (the element ``notebook``) shows and its python3 kernel is idle; fail
    clearly if a dialog asks for a kernel."""
    page.locator(notebook).first.wait_for(state="visible", timeout=KERNEL_TIMEOUT)
    deadline = time.monotonic() + KERNEL_TIMEOUT / 1000
    while not (sessions := [s for s in lab.api("sessions") if s["path"] == path and s.get("kernel")]):
        fail_on_dialog(page)
        assert time.monotonic() < deadline, f"no kernel was started for {path}"
        page.wait_for_timeout(250)
    assert sessions[0]["kernel"]["name"] == "python3", f"{path} got kernel {sessions[0]['kernel']['name']!r}"
    page.wait_for_function(KERNEL_READY_JS, timeout=KERNEL_TIMEOUT)
    fail_on_dialog(page)


def fail_on_dialog(page) -> None:
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        pytest.fail(
            f"JupyterLab opened a dialog instead of starting the python3 kernel by itself:\n{dialog.first.inner_text()}"
        )


def code_cells_to_run(notebook: Path) -> int:
    """How many code cells get an execution count from Run All (JupyterLab skips blank ones)."""
    cells = json.loads(notebook.read_text())["cells"]
    return sum(1 for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip())


# Resolves once nothing runs any more: every non-blank code cell has a count, none shows [*], the kernel is idle.
# Also resolves (to "error") when a cell fails, since Run All then stops and the rest never get a count.
RUN_FINISHED_JS = """(expected) => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if (panel.querySelector('.jp-Notebook-ExecutionIndicator').dataset.status !== 'idle') return false;
    const stderr = panel.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
    if ([...stderr].some(output => /Traceback|Error/.test(output.textContent))) return 'error';
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim());
    if (prompts.some(p => p.includes('*'))) return false;
    return prompts.filter(p => /^\\[\\d+\\]/.test(p)).length >= expected ? 'done' : false;
}"""


def run_all_cells(page, notebook: Path) -> None:
    """Run > Run All Cells from the menu bar, then wait until every cell has run (or one failed)."""
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(RUN_FINISHED_JS, arg=code_cells_to_run(notebook), timeout=KERNEL_TIMEOUT)


def fail_on_error_outputs(page, when: str) -> None:
    """Fail if any output shows an error: a traceback, stderr mentioning an Error, a widget that did not render."""
    stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    errors = [text for text in stderr.all_inner_texts() if "Error" in text or "Traceback" in text]
    errors += page.locator(".jp-OutputArea-output", has_text="Error displaying widget").all_inner_texts()
    if errors:
        pytest.fail(f"{len(errors)} output(s) show errors {when}:\n\n" + "\n\n".join(errors))


# ---------------------------------------------------------------------------------------------------------------
# The activation explorer
# ---------------------------------------------------------------------------------------------------------------

# A widget VBox with a plot (an <img>) as a direct child: the activation explorer, but also the softmax
# explorer and others; activation_explorer() picks the one with a "function" dropdown and a "z range" slider.
PLOT_WIDGET = ".jp-OutputArea-output .widget-vbox:has(> img.widget-image)"


def activation_explorer(page):
    return (
        page.locator(PLOT_WIDGET)
        .filter(has=page.get_by_label("function", exact=True))
        .filter(has=page.locator(".widget-hslider", has_text="z range"))
        .first
    )


def run_lecture(page, lab: Lab, record, name: str) -> None:
    """Open a lecture notebook like a student, Run All, and fail on any error output."""
    notebook = lab.root / name
    assert notebook.exists(), f"notebooks/{name} does not exist"
    open_notebook(page, lab, name)
    started = time.monotonic()
    run_all_cells(page, notebook)
    record.note(f"Run All finished after {time.monotonic() - started:.1f} s")
    fail_on_error_outputs(page, "after Run All")


def wait_until_settled(page, image, quiet_ms: int = 1500) -> None:
    """Wait until the kernel is idle and the plot has not changed for ``quiet_ms``: every queued redraw is shown."""
    deadline = time.monotonic() + WIDGET_TIMEOUT / 1000
    while True:
        page.wait_for_function(KERNEL_READY_JS, timeout=WIDGET_TIMEOUT)
        src = image.get_attribute("src")
        page.wait_for_timeout(quiet_ms)
        if image.get_attribute("src") == src:
            return
        assert time.monotonic() < deadline, "the plot kept changing"


def wait_for_new_plot(image, old_src: str | None) -> str:
    """Wait until the plot's src differs from old_src and the new PNG has loaded; return the new src."""
    if old_src is not None:
        sync_api.expect(image).not_to_have_attribute("src", old_src, timeout=WIDGET_TIMEOUT)
    image.page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=WIDGET_TIMEOUT
    )
    return image.get_attribute("src")


def test_activation_explorer_redraws_when_a_person_changes_it(lab, page, capsys):
    notebook = lab.root / LECTURE
    assert notebook.exists(), f"notebooks/{LECTURE} does not exist"
    record = Recorder(page, capsys, "activations")
    with record.screenshot_on_failure():
        started = time.monotonic()
        open_notebook(page, lab, LECTURE)
        record.note(f"kernel idle after {time.monotonic() - started:.1f} s")

        started = time.monotonic()
        run_all_cells(page, notebook)
        record.note(f"Run All finished after {time.monotonic() - started:.1f} s")
        fail_on_error_outputs(page, "after Run All")

        explorer = activation_explorer(page)
        center = "element => element.scrollIntoView({block: 'center'})"  # whole widget in the page screenshots
        image = explorer.locator(":scope > img.widget-image")
        function = explorer.get_by_label("function", exact=True)
        sync_api.expect(function).to_have_value("sigmoid")
        first_src = wait_for_new_plot(image, None)
        explorer.evaluate(center)
        record.screenshot("1_before_page")
        record.screenshot("1_before_widget", explorer)

        # 1. Pick another function in the dropdown.
        function.select_option("relu")
        relu_src = wait_for_new_plot(image, first_src)
        explorer.evaluate(center)
        record.screenshot("2_after_relu_page")
        record.screenshot("2_after_relu_widget", explorer)

        # 2. Move the upper end of the "z range" slider one step left with the keyboard (6.0 -> 5.5).
        z_range = explorer.locator(".widget-hslider", has=page.locator("label", has_text="z range"))
        readout = z_range.locator(".widget-readout")
        before = readout.inner_text()
        z_range.locator(".noUi-handle-upper").focus()
        page.keyboard.press("ArrowLeft")
        sync_api.expect(readout).not_to_have_text(before)
        zoomed_src = wait_for_new_plot(image, relu_src)
        assert zoomed_src != first_src
        explorer.evaluate(center)
        record.screenshot("3_after_z_range_page")
        record.screenshot("3_after_z_range_widget", explorer)

        fail_on_error_outputs(page, "after using the explorer")


# ---------------------------------------------------------------------------------------------------------------
# nbgrader's Validate button
# ---------------------------------------------------------------------------------------------------------------


def test_nbgrader_validate_button_shows_results(lab, page, capsys):
    assert NBGRADER_SOURCE.exists(), f"{NBGRADER_SOURCE.relative_to(REPO_ROOT)} does not exist"
    target = lab.root / "nbgrader" / NBGRADER_SOURCE.name
    target.parent.mkdir(exist_ok=True)
    shutil.copy(NBGRADER_SOURCE, target)
    path = target.relative_to(lab.root).as_posix()
    record = Recorder(page, capsys, "nbgrader")
    with record.screenshot_on_failure():
        open_notebook(page, lab, path)
        validate = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button")
        sync_api.expect(validate).to_have_text("Validate")

        started = time.monotonic()
        validate.click()
        dialog = page.locator(".jp-Dialog").filter(has_text="Validation Results")
        dialog.wait_for(state="visible", timeout=VALIDATE_TIMEOUT)
        record.note(f"validation took {time.monotonic() - started:.1f} s")
        record.screenshot("validate_results_page")
        body = dialog.locator(".jp-Dialog-body").inner_text().strip()
        record.note(f"validation result: {body[:200]!r}")
        # The instructor's notebook is a correct one: Validate must say so (a failure list or an error fails).
        assert "Success! Your notebook passes all the tests." in body, body[:2000]
        dialog.get_by_role("button", name="Ok").click()
        sync_api.expect(dialog).to_be_hidden()


# ---------------------------------------------------------------------------------------------------------------
# 06_quizzes: a self-check question answers when a person presses Check
# ---------------------------------------------------------------------------------------------------------------

QUIZ_LECTURE = "06_quizzes.ipynb"  # in notebooks/
SELF_CHECK = ".jp-OutputArea-output .nnlab-self-check"


def test_self_check_button_reveals_the_explanation(lab, page, capsys):
    notebook = lab.root / QUIZ_LECTURE
    assert notebook.exists(), f"notebooks/{QUIZ_LECTURE} does not exist"
    record = Recorder(page, capsys, "quizzes")
    with record.screenshot_on_failure():
        open_notebook(page, lab, QUIZ_LECTURE)
        started = time.monotonic()
        # Run All as run_all_cells does, but the self-check cells are stored collapsed (their code holds the answer)
        # and a collapsed cell shows no input prompt, so only the other code cells are counted.
        cells = json.loads(notebook.read_text())["cells"]
        shown = sum(
            1
            for c in cells
            if c["cell_type"] == "code" and not c["metadata"].get("jupyter", {}).get("source_hidden")
        )
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(RUN_FINISHED_JS, arg=shown, timeout=KERNEL_TIMEOUT)
        questions = sum(1 for c in cells if "SelfCheck(" in "".join(c["source"]))
        sync_api.expect(page.locator(SELF_CHECK)).to_have_count(questions, timeout=KERNEL_TIMEOUT)
        record.note(f"Run All finished after {time.monotonic() - started:.1f} s")
        fail_on_error_outputs(page, "after Run All")

        # Question 3: which activation for a binary output. Pick a wrong answer first, then the right one.
        question = page.locator(SELF_CHECK).filter(has_text="Which activation belongs in its output layer").first
        question.scroll_into_view_if_needed()
        feedback = question.locator(".widget-htmlmath").last
        check = question.get_by_role("button", name="Check")
        sync_api.expect(feedback).to_have_text("")
        record.screenshot("1_before_widget", question)

        question.get_by_label("tanh", exact=True).check()
        check.click()
        sync_api.expect(feedback).to_contain_text("Not quite")
        sync_api.expect(feedback).to_contain_text("probability")
        record.screenshot("2_wrong_widget", question)

        question.get_by_label("sigmoid", exact=True).check()
        sync_api.expect(feedback).to_have_text("")  # a new choice hides the old verdict
        check.click()
        sync_api.expect(feedback).to_contain_text("Right")
        sync_api.expect(feedback).to_contain_text("probability")
        record.screenshot("3_right_widget", question)
        record.screenshot("3_right_page")
        fail_on_error_outputs(page, "after pressing Check")


# ---------------------------------------------------------------------------------------------------------------
# The shape explorer (lecture 03)
# ---------------------------------------------------------------------------------------------------------------

DIMENSIONS_LECTURE = "03_dimensions.ipynb"  # in notebooks/
# The shape explorer's VBox: a "layer sizes" text box in its first row, the diagram (an <img>) as a direct child.
SHAPE_EXPLORER = ".jp-OutputArea-output .widget-vbox:has(> img.widget-image):has(> .widget-hbox input[type=text])"


def test_shape_explorer_follows_the_layer_sizes_a_person_types(lab, page, capsys):
    record = Recorder(page, capsys, "dimensions")
    with record.screenshot_on_failure():
        run_lecture(page, lab, record, DIMENSIONS_LECTURE)

        explorer = page.locator(SHAPE_EXPLORER).first
        explorer.scroll_into_view_if_needed()
        image = explorer.locator(":scope > img.widget-image")
        table = explorer.locator(".widget-html", has_text="total number of parameters")
        sizes = explorer.get_by_label("layer sizes", exact=True)
        sync_api.expect(sizes).to_have_value("4, 5, 3, 1")
        sync_api.expect(table).to_contain_text("(5, 4)")
        first_src = wait_for_new_plot(image, None)
        record.screenshot("1_before_widget", explorer)

        # 1. Type the book's network into the text box and press Enter.
        sizes.fill("2, 3, 2, 2")
        sizes.press("Enter")
        book_src = wait_for_new_plot(image, first_src)
        sync_api.expect(table).to_contain_text("(3, 2)")
        sync_api.expect(table).not_to_contain_text("(5, 4)")
        record.screenshot("2_book_network_widget", explorer)

        # 2. Something that is not a list of sizes: a message, not a traceback.
        sizes.fill("4, x")
        sizes.press("Enter")
        sync_api.expect(explorer).to_contain_text("Could not read")
        wait_for_new_plot(image, book_src)
        record.screenshot("3_bad_input_widget", explorer)
        record.screenshot("3_bad_input_page")

        fail_on_error_outputs(page, "after using the shape explorer")


# ---------------------------------------------------------------------------------------------------------------
# The initialisation explorer (02_initialization)
# ---------------------------------------------------------------------------------------------------------------

INITIALIZATION_LECTURE = "02_initialization.ipynb"  # in notebooks/


def initialization_explorer(page):
    """The plot widget with a "scheme" dropdown and a "scale" slider."""
    return (
        page.locator(PLOT_WIDGET)
        .filter(has=page.get_by_label("scheme", exact=True))
        .filter(has=page.locator(".widget-hslider", has_text="scale"))
        .first
    )


def test_initialization_explorer_redraws_when_a_person_moves_the_scale(lab, page, capsys):
    record = Recorder(page, capsys, "initialization")
    with record.screenshot_on_failure():
        run_lecture(page, lab, record, INITIALIZATION_LECTURE)

        explorer = initialization_explorer(page)
        explorer.scroll_into_view_if_needed()
        image = explorer.locator(":scope > img.widget-image")
        sync_api.expect(explorer.get_by_label("scheme", exact=True)).to_have_value("random")
        first_src = wait_for_new_plot(image, None)
        record.screenshot("1_before_widget", explorer)

        # Move the "scale" slider (log scale, 0.01) a few steps right with the keyboard: 0.01 -> 0.1.
        scale = explorer.locator(".widget-hslider", has=page.locator("label", has_text="scale"))
        readout = scale.locator(".widget-readout")
        before = readout.inner_text()
        scale.locator(".noUi-handle").first.focus()
        for _ in range(4):
            page.keyboard.press("ArrowRight")
        sync_api.expect(readout).not_to_have_text(before)
        record.note(f"scale readout {before!r} -> {readout.inner_text()!r}")
        wait_for_new_plot(image, first_src)
        # Four key presses queue four redraws: the picture is final once the kernel has drawn them all.
        wait_until_settled(page, image)
        record.screenshot("2_after_scale_widget", explorer)
        record.screenshot("2_after_scale_page")

        fail_on_error_outputs(page, "after using the initialisation explorer")


# ---------------------------------------------------------------------------------------------------------------
# The digit browser (lecture 05)
# ---------------------------------------------------------------------------------------------------------------

MNIST_LECTURE = "05_mnist.ipynb"  # in notebooks/
# The digit browser's VBox: its first row holds the "test image" slider, the digit and probabilities (an <img>) follow.
DIGIT_BROWSER = ".jp-OutputArea-output .widget-vbox:has(> img.widget-image):has(> .widget-hbox .widget-hslider)"


def test_digit_browser_shows_the_next_digit_when_a_person_moves_the_slider(lab, page, capsys):
    record = Recorder(page, capsys, "mnist")
    with record.screenshot_on_failure():
        run_lecture(page, lab, record, MNIST_LECTURE)

        browser = page.locator(DIGIT_BROWSER).filter(has=page.get_by_text("test image", exact=True)).first
        browser.evaluate("element => element.scrollIntoView({block: 'center'})")
        image = browser.locator(":scope > img.widget-image")
        slider = browser.locator(".widget-hslider", has=page.locator("label", has_text="test image"))
        readout = slider.locator(".widget-readout")
        sync_api.expect(readout).to_have_text("0")
        sync_api.expect(browser).to_contain_text("predicted 7")
        first_src = wait_for_new_plot(image, None)
        record.screenshot("1_first_digit_widget", browser)

        # Move the slider one step right with the keyboard: test image 1, a 2.
        slider.locator(".noUi-handle").focus()
        page.keyboard.press("ArrowRight")
        sync_api.expect(readout).to_have_text("1")
        wait_for_new_plot(image, first_src)
        sync_api.expect(browser).to_contain_text("predicted 2")
        record.screenshot("2_next_digit_widget", browser)
        record.screenshot("2_next_digit_page")
        fail_on_error_outputs(page, "after moving the slider")


# ---------------------------------------------------------------------------------------------------------------
# The training explorer (lecture 04)
# ---------------------------------------------------------------------------------------------------------------

DEEP_NETWORK_LECTURE = "04_deep_network.ipynb"  # in notebooks/
# The training explorer's VBox: a row of sliders (learning rate, iterations, units), a status line and the plot.
TRAINING_EXPLORER = ".jp-OutputArea-output .widget-vbox:has(> img.widget-image):has(> .widget-hbox .widget-hslider)"


def test_training_explorer_retrains_when_a_person_moves_the_learning_rate(lab, page, capsys):
    record = Recorder(page, capsys, "deep_network")
    with record.screenshot_on_failure():
        run_lecture(page, lab, record, DEEP_NETWORK_LECTURE)

        explorer = page.locator(TRAINING_EXPLORER).filter(has=page.get_by_text("learning rate α", exact=True)).first
        explorer.evaluate("element => element.scrollIntoView({block: 'center'})")
        image = explorer.locator(":scope > img.widget-image")
        slider = explorer.locator(".widget-hslider", has=page.locator("label", has_text="learning rate α"))
        readout = slider.locator(".widget-readout")
        sync_api.expect(readout).to_have_text("1")
        sync_api.expect(explorer).to_contain_text("α = 1, 500 iterations")
        first_src = wait_for_new_plot(image, None)
        record.screenshot("1_before_widget", explorer)

        # Move the learning rate one step right with the keyboard (1 -> 3): the network is retrained.
        slider.locator(".noUi-handle").focus()
        page.keyboard.press("ArrowRight")
        sync_api.expect(readout).to_have_text("3")
        wait_for_new_plot(image, first_src)
        sync_api.expect(explorer).to_contain_text("α = 3, 500 iterations")
        record.screenshot("2_after_learning_rate_widget", explorer)
        record.screenshot("2_after_learning_rate_page")
        fail_on_error_outputs(page, "after moving the learning rate")


# ---------------------------------------------------------------------------------------------------------------
# An untouched release notebook under Run All, and Korean text
# ---------------------------------------------------------------------------------------------------------------

# Resolves once every non-blank code cell has an execution count and the kernel is idle (errors or not).
ALL_RAN_JS = """(expected) => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if (panel.querySelector('.jp-Notebook-ExecutionIndicator').dataset.status !== 'idle') return false;
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim());
    return prompts.filter(p => /^\\[\\d+\\]/.test(p)).length >= expected;
}"""


def test_run_all_on_an_untouched_release_notebook_reaches_the_end(lab, page, capsys):
    """Run All does not stop at the first unfinished exercise: Quiz 2's picture appears, the cells after the
    exercises say what to finish, and Korean words are not broken at line ends (the course's CSS)."""
    record = Recorder(page, capsys, "release_run_all")
    name = "06_quizzes_release.ipynb"
    shutil.copyfile(REPO_ROOT / "release" / "06_quizzes" / "06_quizzes.ipynb", lab.root / name)
    with record.screenshot_on_failure():
        open_notebook(page, lab, name)
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(ALL_RAN_JS, arg=code_cells_to_run(lab.root / name), timeout=KERNEL_TIMEOUT)
        panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        picture = panel.locator(".jp-OutputArea-output img").first
        picture.scroll_into_view_if_needed()
        sync_api.expect(picture).to_be_visible()
        sync_api.expect(panel.get_by_text("finish `quiz2_answers` above", exact=False)).to_be_visible()
        record.screenshot("quiz2_picture", picture.locator("xpath=ancestor::div[contains(@class, 'jp-Cell ')][1]"))
        korean = panel.locator(".jp-RenderedMarkdown", has_text="퀴즈").first
        assert korean.evaluate("element => getComputedStyle(element).wordBreak") == "keep-all"
        record.screenshot("page")
