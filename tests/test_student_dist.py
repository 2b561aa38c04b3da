"""The student copy (`make student-dist`): no answer in it, its zip equals its folder, a rebuild never deletes
a student's edits, and its two commands (`make lab`, `make check`) work from a clean unzip."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from http.cookiejar import CookieJar
from pathlib import Path

import nbformat
import pytest
import tomllib
from helpers import free_port, region_lines

from nnlab.course import COURSE_ID
from tools.course import REPO_ROOT
from tools.student_dist import ZIP_FOLDER, main, zip_path

INSTRUCTOR_ONLY = {"source", "grader", "tools", "tests", "benchmarks", "submitted", "autograded", "feedback", "release"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A student copy built by the command line into a temporary folder; its zip is beside it."""
    out = tmp_path_factory.mktemp("dist") / "student"
    assert main(["--out", str(out)]) == 0
    yield out
    shutil.rmtree(out.parent, ignore_errors=True)


def _cells_text(data: bytes) -> str:
    """Cell sources and text outputs of a notebook (its JSON escapes quotes and newlines)."""
    notebook = json.loads(data)
    parts = []
    for cell in notebook.get("cells", []):
        parts.append("".join(cell.get("source", "")))
        for output in cell.get("outputs", []):
            parts.append(json.dumps(output, ensure_ascii=False))
            parts.append("".join(output.get("text", "")))
    return "\n".join(parts)


def _text(name: str, data: bytes) -> str | None:
    """Everything a file says, as text; None for a binary file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text + "\n" + _cells_text(data) if name.endswith(".ipynb") else text


def _secret_lines() -> dict[str, str]:
    """Lines of source/'s solution and hidden-test regions that nothing a student already has shows.

    A line counts if, stripped, it is longer than 20 characters and appears neither outside those regions in
    its own source notebook nor in the lectures and release notebooks of the repository (public material,
    shipped as is; test_grading checks release/ against source/ with the same idea).
    """
    shipped = [*REPO_ROOT.glob("notebooks/*.ipynb"), *REPO_ROOT.glob("release/*/*.ipynb")]
    public_elsewhere = "\n".join(_cells_text(p.read_bytes()) for p in shipped)
    secrets = {}
    for path in sorted(REPO_ROOT.glob("source/*/*.ipynb")):
        inside, public_text = region_lines(nbformat.read(path, as_version=4))
        regions = {line for line in inside if len(line) > 20}
        for line in regions:
            if line not in public_text and line not in public_elsewhere:
                secrets[line] = path.relative_to(REPO_ROOT).as_posix()
    return secrets


def _copy_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _zip_files(out: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path(out)) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        assert all(n.startswith(ZIP_FOLDER + "/") for n in names), f"the zip must hold one folder {ZIP_FOLDER}/"
        return {n.removeprefix(ZIP_FOLDER + "/"): archive.read(n) for n in names}


def _leaks(files: dict[str, bytes], secrets: dict[str, str]) -> list[str]:
    found = []
    for name, data in files.items():
        text = _text(name, data)
        if text is None:  # binary: only the shipped data may be, byte for byte as in the repository
            original = REPO_ROOT / name
            if not (name.startswith("nnlab/resources/") and original.is_file() and original.read_bytes() == data):
                found.append(f"{name}: a binary file that is not one of nnlab/resources")
            continue
        found += [f"{name}: {line!r} (from {where})" for line, where in secrets.items() if line in text]
    return found


def test_the_copy_and_its_zip_hold_no_solution_or_hidden_test_line(built):
    secrets = _secret_lines()
    assert len(secrets) > 100, f"only {len(secrets)} secret lines found in source/: is the region parsing right?"
    source_files = {p.name: p.read_bytes() for p in REPO_ROOT.glob("source/*/*.ipynb")}
    assert _leaks(source_files, secrets), "the leak check finds nothing even in source/ itself"
    for where, files in (("folder", _copy_files(built)), ("zip", _zip_files(built))):
        leaks = _leaks(files, secrets)
        assert not leaks, f"the student copy ({where}) holds lines of solutions or hidden tests:\n" + "\n".join(leaks)


def test_the_copy_holds_what_students_need_and_no_instructor_folder(built):
    files = _copy_files(built)
    for name, data in {**files, **{f"zip:{n}": d for n, d in _zip_files(built).items()}}.items():
        assert b"### BEGIN" not in data and b"### END" not in data, f"{name} holds an nbgrader region marker"
        parts = set(Path(name.removeprefix("zip:")).parts)
        assert not parts & INSTRUCTOR_ONLY, f"{name} is in an instructor-only folder {parts & INSTRUCTOR_ONLY}"
        assert "gradebook" not in name, name
    assert {p.name for p in built.iterdir() if p.is_dir()} == {"notebooks", "assignments", "nnlab"}
    assert {p.name for p in built.iterdir() if p.is_file()} == {
        "README.md", "Makefile", "nbgrader_config.py", "pyproject.toml", "requirements.txt", "check_copy.py"}
    lectures = {p.name for p in (REPO_ROOT / "notebooks").iterdir() if p.suffix in (".ipynb", ".md")}
    assert lectures <= {p.name for p in (built / "notebooks").iterdir()}, "a lecture or the glossary is missing"
    for release in sorted(REPO_ROOT.glob("release/*/*.ipynb")):
        copied = built / "assignments" / release.parent.name / release.name
        assert copied.read_bytes() == release.read_bytes(), f"{copied.relative_to(built)} differs from release/"
    for source in sorted(REPO_ROOT.glob("source/*/")):
        assert any((built / "assignments" / source.name).glob("*.ipynb")), f"assignment {source.name} is missing"
    for resource in sorted((REPO_ROOT / "nnlab" / "resources").rglob("*")):
        if resource.is_file():
            relative = resource.relative_to(REPO_ROOT).as_posix()
            assert files.get(relative) == resource.read_bytes(), f"{relative} is not shipped as is"


def test_the_zip_holds_the_same_files_as_the_folder(built):
    folder, archive = _copy_files(built), _zip_files(built)
    assert sorted(archive) == sorted(folder)
    assert [n for n in folder if archive[n] != folder[n]] == []


def test_the_students_config_package_and_commands(built):
    config = (built / "nbgrader_config.py").read_text()
    for setting in ("c.CourseDirectory.course_id = COURSE_ID", "c.Exchange.root = str(exchange_root())",
                    "c.Exchange.path_includes_course = True", "from nnlab.course import COURSE_ID, exchange_root"):
        assert setting in config, f"the student nbgrader_config.py lacks {setting!r}"
    settings = set(re.findall(r"^c\.(\w+\.\w+)\s*=", config, re.M))
    assert settings == {"CourseDirectory.course_id", "Exchange.root", "Exchange.path_includes_course"}, settings
    assert not re.search(r"grad(e|ing)book|db_url|Autograde|grader\.", config), "grading settings in the student config"

    pyproject = tomllib.loads((built / "pyproject.toml").read_text())
    repo = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["setuptools"]["packages"] == ["nnlab"]
    package_data = repo["tool"]["setuptools"]["package-data"]["nnlab"]
    assert pyproject["tool"]["setuptools"]["package-data"] == {"nnlab": package_data}
    assert pyproject["project"]["dependencies"] == repo["project"]["dependencies"]

    def requirements(path):
        return [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]

    assert requirements(built / "requirements.txt") == requirements(REPO_ROOT / "requirements.txt")
    assert "-e ." in requirements(built / "requirements.txt")

    readme = (built / "README.md").read_text()
    assert set(re.findall(r"`(make [\w-]+)", readme)) == {"make lab", "make check"}, "the README's commands"
    assert f"`{COURSE_ID}/<assignment>/`" in readme and "`assignments/<assignment>/" in readme
    assert "Validate" in readme and "Submit" in readme and "@COURSE_" not in readme
    makefile = (built / "Makefile").read_text()
    assert set(re.findall(r"^([\w-]+):", makefile, re.M)) == {"setup", "lab", "check"}
    lecture_text = "\n".join(_cells_text(p.read_bytes()) for p in (built / "notebooks").glob("*.ipynb"))
    assert not re.search(r"\brelease/", lecture_text), "a lecture still sends students to release/"


def _run_cli(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.student_dist", "--out", str(out), *args],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def test_a_rebuild_refuses_to_delete_a_students_edits(tmp_path):
    out = tmp_path / "student"
    assert _run_cli(out).returncode == 0
    # What `make` and Python create inside a copy is regenerated, not a student's work: a rebuild goes ahead.
    (out / ".venv" / "bin").mkdir(parents=True)
    (out / ".venv" / "bin" / "python").write_text("")
    (out / "nnlab" / "__pycache__").mkdir()
    (out / "nnlab" / "__pycache__" / "data.cpython-311.pyc").write_bytes(b"\0")
    rebuilt = _run_cli(out)
    assert rebuilt.returncode == 0, rebuilt.stderr

    notebook = out / "assignments" / "01_activations" / "01_activations.ipynb"
    edited = notebook.read_text().replace("raise NotImplementedError()", "return z  # my answer", 1)
    notebook.write_text(edited)
    (out / "assignments" / "notes.txt").write_text("my notes")
    zip_before = zip_path(out).read_bytes()
    refused = _run_cli(out)
    assert refused.returncode != 0, "a rebuild over a student's edits must fail"
    assert "assignments/01_activations/01_activations.ipynb" in refused.stderr, refused.stderr
    assert "assignments/notes.txt" in refused.stderr and "--replace" in refused.stderr, refused.stderr
    assert notebook.read_text() == edited, "the student's edit was lost"
    assert (out / "assignments" / "notes.txt").read_text() == "my notes"
    assert zip_path(out).read_bytes() == zip_before, "a refused build must not touch the zip either"

    replaced = _run_cli(out, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "# my answer" not in notebook.read_text() and not (out / "assignments" / "notes.txt").exists()
    assert _run_cli(REPO_ROOT / "notebooks", "--replace").returncode != 0, "it must never build over the course"


# ------------------------------------------------------------------------------------- the two commands


def _clean_env(home: Path) -> dict[str, str]:
    """The environment of a student's shell: no repository venv, no outer make, throwaway Jupyter settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "JUPYTER_PATH")}
    repo_bin = str(REPO_ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p != repo_bin)
    env["JUPYTER_CONFIG_DIR"] = str(home / "jupyter-config")  # a user's own Jupyter settings cannot mask the copy's
    env["JUPYTER_RUNTIME_DIR"] = str(home / "jupyter-runtime")
    env["NNLAB_EXCHANGE"] = str(home / "exchange")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _get(url: str, opener=None) -> tuple[int, str]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, ConnectionError, TimeoutError):  # not listening yet
        return 0, ""


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.slow
def test_make_check_and_make_lab_work_from_a_clean_unzip(built, tmp_path):
    home = tmp_path / "student"
    home.mkdir()
    with zipfile.ZipFile(zip_path(built)) as archive:
        archive.extractall(home)
    copy = home / ZIP_FOLDER
    shipped = {n: hashlib.sha256(d).hexdigest() for n, d in _copy_files(copy).items()}
    env = _clean_env(home)
    lab = None
    try:
        # make check: a fresh .venv from the package index, then nnlab, MNIST and every lecture.
        start = time.perf_counter()
        check = subprocess.run(["make", "check"], cwd=copy, env=env, capture_output=True, text=True, timeout=900)
        check_seconds = time.perf_counter() - start
        assert check.returncode == 0, f"make check failed:\n{check.stdout[-4000:]}\n{check.stderr[-4000:]}"
        assert "This copy works" in check.stdout, check.stdout[-3000:]
        assert (copy / ".venv" / "pyvenv.cfg").is_file(), "make check did not create the copy's own .venv"
        assert len(re.findall(r"^ok  notebooks/\S+\.ipynb ran", check.stdout, re.M)) == len(
            list((copy / "notebooks").glob("*.ipynb")))
        after = {n: hashlib.sha256(d).hexdigest() for n, d in _copy_files(copy).items()
                 if not n.startswith(".venv/") and ".egg-info/" not in n and "__pycache__" not in n}
        assert after == shipped, "make check changed or added files in the student's folder"

        # make lab, reusing that .venv: a server whose nbgrader has Validate and Assignments but no instructor parts.
        port = free_port()
        lab_args = f"--no-browser --port={port} --ServerApp.ip=127.0.0.1 --ServerApp.token='' --ServerApp.password=''"
        with (home / "lab.log").open("w") as log:
            lab = subprocess.Popen(["make", "lab", f"LAB_ARGS={lab_args}"], cwd=copy, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while _get(f"{base}/api/status")[0] != 200:
            assert lab.poll() is None, f"make lab exited ({lab.returncode}):\n{(home / 'lab.log').read_text()[-4000:]}"
            assert time.monotonic() < deadline, f"JupyterLab did not answer:\n{(home / 'lab.log').read_text()[-4000:]}"
            time.sleep(0.5)

        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        status, page = _get(f"{base}/lab", opener)
        assert status == 200
        page_config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
        disabled = set(page_config["disabledExtensions"])
        assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"} <= disabled, disabled
        assert not disabled & {"@jupyter/nbgrader:validate-assignment", "@jupyter/nbgrader:assignment-list"}, disabled
        assert set(page_config["lockedExtensions"]) >= {"@jupyter/nbgrader:formgrader",
                                                        "@jupyter/nbgrader:create-assignment"}
        assert Path(page_config["serverRoot"]).resolve() == copy.resolve(), page_config["serverRoot"]
        with opener.open(f"{base}/", timeout=10) as response:  # where the browser lands
            assert response.geturl().endswith("/lab/tree/notebooks/00_start_here.ipynb"), response.geturl()
        assert _get(f"{base}/formgrader")[0] == 404, "the formgrader server extension answers in the student copy"

        # Validate, as the toolbar button calls it, on the untouched first assignment: it runs and its tests fail.
        xsrf = next(c.value for c in jar if c.name == "_xsrf")
        request = urllib.request.Request(
            f"{base}/assignments/validate", method="POST", headers={"X-XSRFToken": xsrf},
            data=urllib.parse.urlencode({"path": "assignments/01_activations/01_activations.ipynb"}).encode())
        with opener.open(request, timeout=120) as response:
            result = json.loads(response.read())
        assert result["success"] and result["value"].get("failed"), str(result)[:2000]

        jupyter = str(copy / ".venv" / "bin" / "jupyter")
        listing = subprocess.run([jupyter, "labextension", "list"], cwd=copy, env=env, capture_output=True,
                                 text=True, timeout=120)
        labext = _plain(listing.stdout + listing.stderr)
        assert re.search(r"@jupyter/nbgrader v\S+ enabled\s+OK", labext), labext
        listed_disabled = labext.split("Disabled extensions:")[1] if "Disabled extensions:" in labext else ""
        for plugin in ("formgrader", "create-assignment"):
            assert f"@jupyter/nbgrader:{plugin}" in listed_disabled, labext
        for plugin in ("validate-assignment", "assignment-list"):
            assert f"@jupyter/nbgrader:{plugin}" not in labext, labext
        server = subprocess.run([jupyter, "server", "extension", "list"], cwd=copy, env=env, capture_output=True,
                                text=True, timeout=120)
        server_text = _plain(server.stdout + server.stderr)
        assert re.search(r"nbgrader\.server_extensions\.formgrader\s+disabled", server_text), server_text
        for extension in ("validate_assignment", "assignment_list"):
            assert re.search(rf"nbgrader\.server_extensions\.{extension}\s+enabled", server_text), server_text
        print(f"make check (fresh venv, every lecture) took {check_seconds:.0f} s")
    finally:
        if lab is not None:
            for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
                try:
                    os.killpg(lab.pid, sig)
                    lab.wait(timeout=wait)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        shutil.rmtree(home, ignore_errors=True)
