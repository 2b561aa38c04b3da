"""JupyterLab sees nbgrader's and ipywidgets' extensions enabled and compatible with it."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tools.course import tool_env

JUPYTER = str(Path(sys.executable).parent / "jupyter")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@functools.cache
def jupyter_output(*args: str) -> str:
    result = subprocess.run([JUPYTER, *args], capture_output=True, text=True, env=tool_env(), timeout=120)
    assert result.returncode == 0, result.stderr
    return ANSI.sub("", result.stdout + result.stderr)


@pytest.mark.parametrize("extension", ["@jupyter/nbgrader", "@jupyter-widgets/jupyterlab-manager"])
def test_lab_extension_enabled_and_ok(extension):
    output = jupyter_output("labextension", "list")
    line = next((ln for ln in output.splitlines() if ln.strip().startswith(extension + " ")), None)
    assert line, f"{extension} is not installed:\n{output}"
    assert re.search(r"\benabled\s+OK\b", line), f"{extension} is not enabled and OK: {line}"


@pytest.mark.parametrize("extension", ["formgrader", "validate_assignment", "assignment_list", "course_list"])
def test_nbgrader_server_extension_enabled_and_valid(extension):
    output = jupyter_output("server", "extension", "list")
    name = f"nbgrader.server_extensions.{extension}"
    assert re.search(rf"^\s*{re.escape(name)} enabled$", output, re.M), f"{name} is not enabled:\n{output}"
    assert re.search(rf"^\s*{re.escape(name)}\s+OK$", output, re.M), f"{name} did not validate:\n{output}"
