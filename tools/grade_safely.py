"""Grade a class with every submission's kernel in a sandbox: no network, no writes outside its own folder.

The same class grading as `tools.grade` (parallel batches of ordinary ``nbgrader autograde``,
feedback, grades.csv), except that each notebook's kernel is started by `tools.sandbox_kernel`:
in its own network namespace (no network), its own mount namespace (source/, submitted/,
the gradebook and other students' work replaced by empty folders), as a user id of its own that
owns only the submission's folder in ``autograded/``, with memory, file-size and process limits.
Needs root (to create the namespaces and switch users) and util-linux's ``unshare``, ``prlimit``
and ``setpriv`` (Debian's util-linux package, installed everywhere).

    sudo .venv/bin/python -m tools.grade_safely ASSIGNMENT [--jobs N] [--no-feedback] [--course-dir DIR]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from . import grade

KERNEL_NAME = "nnlab-sandbox"
SANDBOX_TOOLS = ("unshare", "prlimit", "setpriv")


def sandbox_problem() -> str | None:
    """Why the sandbox cannot run here, or None when it can."""
    if not sys.platform.startswith("linux"):
        return "the sandbox needs Linux namespaces"
    if os.geteuid() != 0:
        return "the sandbox needs root (to create namespaces and switch to an unprivileged user): run it with sudo"
    missing = [tool for tool in SANDBOX_TOOLS if shutil.which(tool) is None]
    if missing:
        return f"missing {', '.join(missing)} (Debian package util-linux)"
    probe = subprocess.run(
        ["unshare", "--net", "--mount", "--", "setpriv", "--reuid=200000", "--regid=200000", "--clear-groups", "true"],
        capture_output=True, text=True,
    )
    if probe.returncode != 0:
        return f"cannot create namespaces here (a container without CAP_SYS_ADMIN?): {probe.stderr.strip()}"
    return None


@contextmanager
def sandbox_environment(course_dir: Path):
    """Point nbgrader (in this process's environment) at the sandboxed kernel while the block runs."""
    course_dir = Path(course_dir).resolve()
    base = Path(tempfile.mkdtemp(prefix="nnlab-sandbox-", dir="/run" if os.path.isdir("/run") else None))
    saved = {key: os.environ.get(key) for key in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTER_RUNTIME_DIR",
                                                  "NNLAB_SANDBOX_COURSE")}
    try:
        kernel_dir = base / "data" / "kernels" / KERNEL_NAME
        kernel_dir.mkdir(parents=True)
        (kernel_dir / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, str(Path(__file__).with_name("sandbox_kernel.py")), "{connection_file}"],
            "display_name": "Python 3 (grading sandbox)",
            "language": "python",
            "interrupt_mode": "signal",
        }))
        config_dir = base / "config"
        config_dir.mkdir()
        (config_dir / "nbgrader_config.py").write_text(
            "c = get_config()  # noqa: F821\n"
            "# Written by tools.grade_safely: every notebook runs in the sandboxed kernel (grader.guard's\n"
            "# GuardedExecute talks to it over Unix sockets: the kernel has no network, not even loopback).\n"
            f"c.Execute.kernel_name = {KERNEL_NAME!r}\n"
        )
        runtime = base / "runtime"
        runtime.mkdir()
        os.chmod(base, 0o755)
        os.chmod(runtime, 0o1777)  # the kernel (another user) creates its sockets here
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(base / "data"), saved["JUPYTER_PATH"]]))
        os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(filter(None, [str(config_dir),
                                                                         saved["JUPYTER_CONFIG_PATH"]]))
        os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)
        os.environ["NNLAB_SANDBOX_COURSE"] = str(course_dir)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(base, ignore_errors=True)
        give_back(course_dir / "autograded")


def give_back(folder: Path) -> None:
    """Return the sandbox users' files in ``folder`` to the owner of ``folder`` (the instructor)."""
    if not folder.is_dir():
        return
    owner = folder.stat()
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = os.path.join(root, name)
            if os.lstat(path).st_uid != owner.st_uid:
                os.lchown(path, owner.st_uid, owner.st_gid)


def grade_class_safely(course_dir: Path, assignment: str, jobs: int | None = None, feedback: bool = True,
                       stream=sys.stdout) -> grade.ClassGrading:
    """`tools.grade.grade_class`, with every kernel sandboxed; raises SystemExit if the sandbox cannot run."""
    problem = sandbox_problem()
    if problem:
        raise SystemExit(f"Cannot grade safely: {problem}.")
    with sandbox_environment(course_dir):
        return grade.grade_class(course_dir, assignment, jobs, feedback=feedback, stream=stream)


def main(argv=None) -> int:
    args = grade.argument_parser(__doc__.splitlines()[0]).parse_args(argv)
    problem = sandbox_problem()
    if problem:
        print(f"Cannot grade safely: {problem}.", file=sys.stderr)
        return 2
    with sandbox_environment(args.course_dir):
        return grade.main([args.assignment, *(["--jobs", str(args.jobs)] if args.jobs else []),
                           *(["--no-feedback"] if args.no_feedback else []), "--course-dir", str(args.course_dir)])


if __name__ == "__main__":
    sys.exit(main())
