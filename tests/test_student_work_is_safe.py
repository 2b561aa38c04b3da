"""No command of the course loses a student's work: every make target, run on a course with edits it must keep.

A fresh git repository holds the current course. A tracked release notebook gets an uncommitted edit
(an instructor's, or a student who worked in release/ against the advice), and a self-learner's copy in
my-work/ gets an edit. Then every make target runs; each must leave both edits byte for byte, and a
target that would have replaced one must fail with a message naming the file.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import free_port

from tools.course import REPO_ROOT

VENV = Path(sys.executable).parent.parent  # the environment running the tests: no target reinstalls anything
RELEASE_NB = Path("release/01_activations/01_activations.ipynb")
MY_WORK_NB = Path("my-work/01_activations/01_activations.ipynb")
# Targets not run here, and why: they are the suite itself or are covered by their own tests on course copies.
NOT_RUN = {
    "test": "runs this suite",
    "check": "runs `lint` (run here) and the fast part of this suite",
    "benchmark": "reads the course and works in temporary copies (benchmarks/), minutes long",
    "grade-safely": "is `grade` with sandboxed kernels (tests/test_adversarial.py)",
    "setup": "installs packages only", "setup-dev": "installs packages only",
    "test-hub": "creates Unix users and servers, needs root (tests/hub, run by .ci/run)",
    "hub-setup": "installs the hub's packages only",
}

pytestmark = pytest.mark.slow


def make(course: Path, *args: str, env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    """``make <args>`` in ``course`` with the test environment's venv, its install steps treated as done."""
    stamps = [f"-o{VENV}/.student-installed", f"-o{VENV}/.dev-installed"]
    return subprocess.run(["make", "--no-print-directory", f"VENV={VENV}", *stamps, *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def course_with_edits(tmp_path):
    """A git repository of the current course, with an uncommitted release edit and a my-work edit."""
    course = tmp_path / "course"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            (course / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, course / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=course, check=True)
    subprocess.run([*git, "add", "-A"], cwd=course, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "course"], cwd=course, check=True)
    (course / MY_WORK_NB).parent.mkdir(parents=True)
    shutil.copyfile(course / RELEASE_NB, course / MY_WORK_NB)
    for path, mark in ((RELEASE_NB, "edited in release/"), (MY_WORK_NB, "a self-learner's answer")):
        text = (course / path).read_text()
        (course / path).write_text(text.replace("# YOUR CODE HERE", f"# YOUR CODE HERE ({mark})", 1))
    env = {**os.environ, "NNLAB_EXCHANGE": str(tmp_path / "exchange"), "PIP_NO_INDEX": "1"}
    return course, env, {p: (course / p).read_bytes() for p in (RELEASE_NB, MY_WORK_NB)}


def assert_kept(course: Path, kept: dict[Path, bytes], target: str) -> None:
    for path, content in kept.items():
        assert (course / path).read_bytes() == content, f"`make {target}` changed {path}"


def test_every_make_target_keeps_or_refuses(course_with_edits):
    course, env, kept = course_with_edits
    targets = set(subprocess.run(["make", "-qp"], cwd=course, capture_output=True, text=True).stdout.split(
        ".PHONY:", 1)[1].splitlines()[0].split())
    ran = set()

    for target in ("release", "demo"):  # both regenerate release/: they must refuse, name the file, change nothing
        result = make(course, target, env=env)
        ran.add(target)
        assert result.returncode != 0, f"`make {target}` replaced an edited release notebook:\n{result.stdout}"
        assert str(RELEASE_NB) in result.stderr and "Nothing was changed" in result.stderr, result.stderr
        assert_kept(course, kept, target)
        assert not (course / "submitted").exists(), f"`make {target}` went on after refusing"

    for args in (["exchange"], ["clean-demo"], ["lint"], ["student-dist"], ["adversarial", "COURSE=."]):
        result = make(course, *args, env=env)
        ran.add(args[0])
        assert result.returncode == 0, f"`make {' '.join(args)}` failed:\n{result.stdout}\n{result.stderr}"
        assert_kept(course, kept, args[0])
    # Grading before the assignment was generated into the gradebook stops with a message saying what to do.
    result = make(course, "grade", "ASSIGNMENT=01_activations", env=env)
    ran.add("grade")
    assert result.returncode == 0 or "generate_assignment" in result.stdout + result.stderr, result.stderr
    assert_kept(course, kept, "grade")
    result = make(course, "report", "ASSIGNMENT=01_activations", env=env)  # nothing graded yet
    ran.add("report")
    assert result.returncode == 0 or (result.stdout + result.stderr).strip(), "make report failed silently"
    assert_kept(course, kept, "report")
    assert (course / "dist" / "student" / "assignments" / "01_activations").is_dir()

    port = free_port()
    lab = subprocess.Popen(
        ["make", "--no-print-directory", f"VENV={VENV}", f"-o{VENV}/.student-installed", "lab",
         f"LAB_ARGS=--no-browser --port={port} --ServerApp.ip=127.0.0.1 --ServerApp.token=''"],
        cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    ran.add("lab")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert lab.poll() is None, lab.stdout.read()
            time.sleep(1)
        else:
            pytest.fail("`make lab` did not start JupyterLab within 120 s")
        for other in sorted((course / "release").glob("*/*.ipynb")):  # the missing copies were made
            assert (course / "my-work" / other.parent.name / other.name).is_file()
        assert_kept(course, kept, "lab")
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)

    assert ran | NOT_RUN.keys() >= targets, f"targets never tried here: {sorted(targets - ran - NOT_RUN.keys())}"
