"""A real class on JupyterHub, driven through the hub's REST API, graded by two workers against PostgreSQL.

deploy/jupyterhub/jupyterhub_config.py as a site runs it (root, LocalProcessSpawner, configurable-http-proxy,
the course account's formgrader as a managed service) on 127.0.0.1, with throwaway Unix users: the instructor
(the course account), a TA and three students. The gradebook is a PostgreSQL database on 127.0.0.1 whose password
is only in the course account's ~/.pgpass. The TA adds the students with `nbgrader db student add` in the
service, generates and releases 01_activations through the formgrader's API; each student fetches it, fills it
in (perfect, one planted mistake, untouched) through the contents API and submits it from their own server; a
student tries to rename and overwrite things in the exchange; the TA collects, grades with
`python -m tools.grade --workers 2` in the service, releases feedback; the students fetch it. Every cell's grade
and every feedback page must equal what serial nbgrader gives on SQLite for the same submitted files.

As on a site (deploy/jupyterhub/README.md), the throwaway users never read this repository: their servers run from
the hub's virtual environment (NNLAB_HUB_VENV, outside the repository, with the course's package installed, not
editable), the hub's configuration and the users' Jupyter config are copied into the scratch folder, and the
course account's course folder is a copy in its home. Only root reads the repository (pytest, and
configurable-http-proxy, which the hub runs as root), so the test passes wherever the repository is cloned.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from helpers import feedback_pages
from servers import Hub, execute, readable_by_everyone, run_as, write_pgpass
from test_gradebook_config import ASSIGNMENT

from nnlab.course import COURSE_ID
from tools.course import REPO_ROOT, copy_course
from tools.exchange import ensure_exchange
from tools.gradebook import cell_scores, gradebook_url
from tools.submissions import fill_notebooks

HUB_DIR = REPO_ROOT / "deploy" / "jupyterhub"
# The hub's virtual environment (make test-hub runs the tests with its Python and says where it is).
VENV = Path(os.environ.get("NNLAB_HUB_VENV") or sys.prefix)
PACKAGES = ("nnlab", "grader")  # the course's package, as pyproject.toml ships it: code, resources, templates
KINDS = {"s1": "perfect", "s2": "one_wrong", "s3": "untouched"}
SERVICE = f"/services/{COURSE_ID}"


def inside(path: Path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def shipped_files(package: Path) -> dict[str, bytes]:
    """The files of the repository's ``package`` that its wheel carries (pyproject.toml's package-data)."""
    return {str(p.relative_to(package)): p.read_bytes() for p in sorted(package.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
            and (p.suffix == ".py" or {"resources", "templates"} & set(p.relative_to(package).parts))}


def check_what_users_run(user: str) -> None:
    """A throwaway user runs the hub's environment and imports the course's package from it, not from here.

    The installed package must be this repository's (`make hub-setup` reinstalls it), resources and templates
    included, and nothing the user imports may lie in the repository.
    """
    if inside(VENV, REPO_ROOT):
        pytest.fail(f"the hub's environment {VENV} is inside the repository: build it elsewhere (make hub-setup)")
    for path in (VENV / "bin" / "python", VENV / "bin" / "jupyterhub-singleuser"):
        if not readable_by_everyone(path):
            pytest.fail(f"{path} must be readable by every user (their servers run from it): make hub-setup")
    probe = (f"import importlib, json, jupyterhub, nbgrader, psycopg\npackages = {PACKAGES!r}\n"
             "print(json.dumps({p: importlib.import_module(p).__file__ for p in packages}))")
    result = run_as(user, [str(VENV / "bin" / "python"), "-I", "-c", probe], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"a throwaway user cannot run {VENV}/bin/python with the course's package:\n{result.stderr}")
    for package, init in json.loads(result.stdout).items():
        installed = Path(init).parent
        if inside(installed, REPO_ROOT):
            pytest.fail(f"the users import {package} from the repository ({installed}): install it not editable")
        expected, got = shipped_files(REPO_ROOT / package), shipped_files(installed)
        stale = sorted(name for name in expected if got.get(name) != expected[name])
        if stale:
            pytest.fail(f"{installed} is not the repository's {package} ({', '.join(stale[:8])} missing or "
                        "different): run `make hub-setup` (pyproject.toml's package-data lists what it ships)")


def site_folder(scratch: Path) -> Path:
    """The hub's folder as a site sets it up (README.md, step 3): its config and the users' Jupyter config,
    copied from the repository into a folder every user may read."""
    site = scratch / "jupyterhub"
    site.mkdir()
    shutil.copy(HUB_DIR / "jupyterhub_config.py", site / "jupyterhub_config.py")
    shutil.copytree(HUB_DIR / "jupyter-config", site / "jupyter-config",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for root, _dirs, files in os.walk(site):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    for folder in (site / "jupyter-config" / "users", site / "jupyter-config" / "formgrader"):
        if not readable_by_everyone(folder):
            pytest.fail(f"{folder} must be readable by every user (their servers read it)")
    return site


def chown_tree(folder: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for root, _dirs, files in os.walk(folder):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.lchown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


class Timer:
    def __init__(self):
        self.start, self.steps = time.perf_counter(), []

    def step(self, label: str) -> None:
        self.steps.append((label, time.perf_counter() - self.start))
        print(f"[hub test] {label}: {self.steps[-1][1]:.1f} s", flush=True)


@pytest.fixture(scope="module")
def hub_class(scratch, users, postgres):
    """The hub running for the course, with its users, course folder, exchange and gradebook; all undone after."""
    if not (VENV / "bin" / "jupyterhub-singleuser").exists() or not (HUB_DIR / "node_modules").is_dir():
        pytest.fail("run `make hub-setup` first (make test-hub does)")
    instructor = users.add("instructor").pw_name
    ta = users.add("ta").pw_name
    students = {users.add(short).pw_name: kind for short, kind in KINDS.items()}
    check_what_users_run(next(iter(students)))
    site = site_folder(scratch)

    home = Path(pwd.getpwnam(instructor).pw_dir)
    course = home / COURSE_ID
    copy_course(course)
    shutil.copytree(REPO_ROOT / "tools", course / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    database = "dnn_foundations"
    password = postgres.create_database(instructor, database)
    url = postgres.url(instructor, database)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\n# The class's gradebook; its password is in ~/.pgpass only.\n"
                                           f"c.CourseDirectory.db_url = {url!r}\n")
    write_pgpass(home / ".pgpass", postgres.pgpass_line(instructor, database, password))
    chown_tree(home, instructor)

    exchange = ensure_exchange(scratch / "exchange")
    hub = Hub(scratch / "hub", site / "jupyterhub_config.py", VENV, {
        "NNLAB_HUB_COURSE_ACCOUNT": instructor,
        "NNLAB_HUB_COURSE_DIR": str(course),
        "NNLAB_HUB_INSTRUCTORS": instructor,
        "NNLAB_HUB_TAS": ta,
        "NNLAB_HUB_STUDENTS": ",".join(students),
        "NNLAB_HUB_EXCHANGE": str(exchange),
        "NNLAB_HUB_PROXY": str(HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"),
    })
    # Root reads the gradebook too (to compare grades), with its own copy of the password file.
    root_pgpass = write_pgpass(scratch / "root.pgpass", postgres.pgpass_line(instructor, database, password))
    previous = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(root_pgpass)
    try:
        hub.start()
        yield {"hub": hub, "instructor": instructor, "ta": ta, "students": students, "course": course,
               "exchange": exchange, "password": password, "url": url}
    finally:
        if previous is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = previous
        print(f"[hub test] hub log (end):\n{hub.log_tail(3000)}")
        hub.stop()


def wait_for_service(hub: Hub, token: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = hub.request("GET", f"{SERVICE}/formgrader/api/status", token, timeout=30)
        if response.status_code == 200 and response.json().get("status"):
            return
        time.sleep(1)
    raise TimeoutError(f"the formgrader service did not answer; hub log:\n{hub.log_tail()}")


def formgrader(hub: Hub, token: str, action: str) -> dict:
    """POST to the formgrader's API as the TA's browser does; the JSON answer must say success."""
    response = hub.request("POST", f"{SERVICE}/formgrader/api/{action}", token)
    assert response.status_code == 200, f"{action}: {response.status_code} {response.text[:2000]}"
    answer = response.json()
    assert answer.get("success"), f"{action}: {json.dumps(answer)[:4000]}"
    return answer


def assignments_panel(hub: Hub, student: str, token: str, action: str | None = None) -> list:
    """What the Assignments panel sends to the student's own server: list, fetch, submit, fetch_feedback."""
    params = {"course_id": COURSE_ID}
    if action is None:
        response = hub.request("GET", f"/user/{student}/assignments", token, params=params)
    else:
        params["assignment_id"] = ASSIGNMENT
        response = hub.request("POST", f"/user/{student}/assignments/{action}", token, params=params)
    assert response.status_code == 200, f"{action}: {response.status_code} {response.text[:2000]}"
    answer = response.json()
    assert answer.get("success", True), f"{student} {action}: {json.dumps(answer)[:3000]}"
    return answer.get("value", answer)


def fill_through_contents_api(hub: Hub, student: str, token: str, kind: str) -> None:
    """The student's edits: each fetched notebook read and written back through the contents API."""
    folder = f"/user/{student}/api/contents/{COURSE_ID}/{ASSIGNMENT}"
    listing = hub.request("GET", folder, token).json()
    names = [item["name"] for item in listing["content"] if item["name"].endswith(".ipynb")]
    assert names, f"{student} fetched no notebook: {listing}"
    with tempfile.TemporaryDirectory() as scratch:
        for name in names:
            model = hub.request("GET", f"{folder}/{name}", token, params={"content": 1}).json()
            nbformat.write(nbformat.from_dict(model["content"]), Path(scratch) / name)
        fill_notebooks(REPO_ROOT, ASSIGNMENT, kind, Path(scratch), student)
        for name in names:
            content = json.loads((Path(scratch) / name).read_text())
            response = hub.request("PUT", f"{folder}/{name}", token,
                                   json={"type": "notebook", "format": "json", "content": content})
            assert response.status_code == 200, f"{student} saving {name}: {response.status_code} {response.text}"


ATTACK = r'''
import json, os
root = {exchange!r}
course = os.path.join(root, {course!r})
results = {{}}

def attempt(label, action):
    try:
        action()
        results[label] = "DONE"
    except OSError as error:
        results[label] = type(error).__name__

release = os.path.join(course, "outbound", {assignment!r})
notebook = os.path.join(release, sorted(n for n in os.listdir(release) if n.endswith(".ipynb"))[0])
attempt("rename the course folder", lambda: os.rename(course, os.path.join(root, "moved")))
attempt("rename outbound", lambda: os.rename(os.path.join(course, "outbound"), os.path.join(course, "x")))
attempt("rename the release", lambda: os.rename(release, release + "-old"))
attempt("overwrite a released notebook", lambda: open(notebook, "w").write("{{}}"))
attempt("delete a released notebook", lambda: os.remove(notebook))
attempt("add a file to the release", lambda: open(os.path.join(release, "evil.ipynb"), "w").write("{{}}"))
attempt("plant a fake release", lambda: os.mkdir(os.path.join(course, "outbound", "fake")))
attempt("list the submissions", lambda: os.listdir(os.path.join(course, "inbound")))
attempt("rename another student's submission",
        lambda: os.rename(os.path.join(course, "inbound", {other!r}), os.path.join(course, "inbound", "x")))
attempt("list the feedback", lambda: os.listdir(os.path.join(course, "feedback")))
attempt("replace the exchange's course folder", lambda: os.rmdir(course))
print(json.dumps(results))
'''


def exchange_snapshot(exchange: Path) -> dict[str, tuple]:
    return {str(p.relative_to(exchange)): (p.stat().st_uid, p.stat().st_mode, p.read_bytes() if p.is_file() else b"")
            for p in sorted(exchange.rglob("*"))}


def test_a_class_on_jupyterhub(hub_class, tmp_path):
    timer = Timer()
    hub, ta, students, course = hub_class["hub"], hub_class["ta"], hub_class["students"], hub_class["course"]
    exchange = hub_class["exchange"]
    ta_token = hub.token_for(ta)
    tokens = {student: hub.token_for(student) for student in students}
    wait_for_service(hub, ta_token)
    timer.step("hub, proxy and the formgrader service up")

    # Students never reach the formgrader (the hub refuses them), nor one in their own server.
    first = next(iter(students))
    for path in (f"{SERVICE}/formgrader", f"{SERVICE}/formgrader/api/assignments", f"{SERVICE}/api/contents"):
        response = hub.request("GET", path, tokens[first])
        assert response.status_code == 403, f"a student got {response.status_code} from {path}"
    response = hub.request("POST", f"{SERVICE}/api/kernels", tokens[first], json={"name": "python3"})
    assert response.status_code == 403, "a student could start a kernel as the course account"

    # The TA adds the students as the work-around says: `nbgrader db student add` with the service's environment.
    added = execute(hub, SERVICE, ta_token, "import subprocess\n" + "\n".join(
        f"print(subprocess.run(['nbgrader', 'db', 'student', 'add', {s!r}], capture_output=True, text=True).returncode)"
        for s in students))
    assert added.split() == ["0"] * len(students), added
    group = hub.api("GET", f"/groups/nbgrader-{COURSE_ID}").json()
    assert set(students) <= set(group["users"]), f"the students are not in the course's hub group: {group}"
    timer.step("students added to the gradebook and the hub group")

    # The TA generates and releases the assignment through the formgrader's API.
    formgrader(hub, ta_token, f"assignment/{ASSIGNMENT}/assign")
    formgrader(hub, ta_token, f"assignment/{ASSIGNMENT}/release")
    timer.step("assignment generated and released by the TA")

    for student in students:
        hub.start_server(student)
        response = hub.request("GET", f"/user/{student}/formgrader", tokens[student])
        assert response.status_code == 404, "a student's own server should have no formgrader"
    timer.step("three students' servers started")

    for student, kind in students.items():
        listed = assignments_panel(hub, student, tokens[student])
        assert any(a["assignment_id"] == ASSIGNMENT and a["status"] == "released" for a in listed), listed
        assignments_panel(hub, student, tokens[student], "fetch")
        fill_through_contents_api(hub, student, tokens[student], kind)
        assignments_panel(hub, student, tokens[student], "submit")
    timer.step("each student fetched, filled in and submitted")

    # A student attacks the exchange: nothing may move or change.
    before = exchange_snapshot(exchange)
    attacker, victim = list(students)[1], list(students)[0]
    victim_folder = next(p.name for p in (exchange / COURSE_ID / "inbound").iterdir() if p.name.startswith(victim))
    outcome = json.loads(execute(hub, f"/user/{attacker}", tokens[attacker], ATTACK.format(
        exchange=str(exchange), course=COURSE_ID, assignment=ASSIGNMENT, other=victim_folder.split("+")[0] + "+x")))
    assert outcome and all(result != "DONE" for result in outcome.values()), outcome
    assert exchange_snapshot(exchange) == before, "a student changed the exchange"
    timer.step("a student could not rename or overwrite anything in the exchange")

    # The TA collects and grades with two workers, in the service (as the course account, against PostgreSQL).
    formgrader(hub, ta_token, f"assignment/{ASSIGNMENT}/collect")
    graded = execute(hub, SERVICE, ta_token, (
        "import subprocess, sys\n"
        f"result = subprocess.run([sys.executable, '-m', 'tools.grade', {ASSIGNMENT!r}, '--workers', '2'],\n"
        "                        capture_output=True, text=True)\n"
        "print(result.stdout[-6000:], result.stderr[-3000:], 'EXIT', result.returncode)\n"))
    assert graded.rstrip().endswith("EXIT 0"), graded
    assert f"{len(students)} of {len(students)} students graded" in graded, graded
    assert len(list((course / "grading-logs").glob(f"{ASSIGNMENT}-worker-*.log"))) == 2
    assert not (course / "gradebook.db").exists(), "grading fell back to an SQLite gradebook"
    assert gradebook_url(course) == hub_class["url"]
    timer.step("collected, graded by two workers on PostgreSQL, feedback generated")

    formgrader(hub, ta_token, f"assignment/{ASSIGNMENT}/release_feedback")
    fetched = {}
    for student in students:
        assignments_panel(hub, student, tokens[student], "fetch_feedback")
        pages = sorted((Path(pwd.getpwnam(student).pw_dir) / COURSE_ID / ASSIGNMENT / "feedback").rglob("*.html"))
        assert pages, f"{student} got no feedback"
        fetched[student] = pages
    timer.step("feedback released and fetched by every student")

    # The reference: the very same submitted files, graded by serial nbgrader on SQLite.
    reference = copy_course(tmp_path / "reference")
    nbgrader_env = {**os.environ, "PATH": f"{VENV}/bin:{os.environ['PATH']}"}
    shutil.copytree(course / "submitted", reference / "submitted")
    for command in (["generate_assignment", ASSIGNMENT, "--force"], ["autograde", ASSIGNMENT, "--force"],
                    ["generate_feedback", ASSIGNMENT, "--force"]):
        subprocess.run([str(VENV / "bin" / "nbgrader"), *command], cwd=reference, env=nbgrader_env, check=True,
                       capture_output=True)
    expected = cell_scores(reference, ASSIGNMENT)
    got = cell_scores(course, ASSIGNMENT)
    assert {student for student, *_ in got} == set(students)
    assert got == expected, "grades on the hub differ from serial nbgrader on SQLite"
    assert feedback_pages(course) == feedback_pages(reference)
    timer.step("serial nbgrader on SQLite graded the same files")

    totals = {}  # per student: automatic points, their maximum, cells that lost points (manual answers aside)
    for (student, _, _, name), cell in sorted(got.items()):
        auto = totals.setdefault(student, [0.0, 0.0, []])
        if cell.needs_manual_grade:
            continue
        auto[0] += cell.points
        auto[1] += cell.max_score or 0
        if cell.points < cell.max_score:
            auto[2].append(name)
    by_kind = {students[s]: v for s, v in totals.items()}
    print(f"[hub test] {len(got)} graded cells compared, all equal to serial nbgrader on SQLite; per student "
          f"(points, out of, cells that lost points): {by_kind}")
    assert by_kind["perfect"][2] == [], by_kind
    assert by_kind["one_wrong"][2] and len(by_kind["one_wrong"][2]) < len(by_kind["untouched"][2]), by_kind
    assert by_kind["untouched"][0] == 0, by_kind
    for student, pages in fetched.items():
        mine = sorted((course / "feedback" / student / ASSIGNMENT).glob("*.html"))
        assert [p.read_bytes() for p in pages] == [p.read_bytes() for p in mine], f"{student}'s feedback differs"
