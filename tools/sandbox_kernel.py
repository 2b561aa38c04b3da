"""Start an IPython kernel for grading inside a sandbox: no network, no writes outside its own folder.

Used as the command of the ``nnlab-sandbox`` kernel that `tools.grade_safely` installs; it runs as
root (nbgrader's user) in the folder of the notebook being graded,
``<course>/autograded/<student>/<assignment>/``, and execs, in order:

* ``unshare --net --mount``: a network namespace holding only a loopback interface that is down (no
  connection can leave the kernel) and a private mount namespace, in which ``source/``,
  ``submitted/``, ``feedback/``, ``release/``, the rest of ``autograded/``, ``gradebook.db``,
  ``grades.csv``, ``/tmp``, ``/var/tmp`` and ``/dev/shm`` are replaced by empty ones (nothing of the
  hidden tests, the gradebook or other students is visible, and scratch space is private);
* ``prlimit``: caps on memory, file size and processes;
* ``setpriv``: drops to a user id of its own (one per submission folder, with no capabilities and no
  way to regain them), which owns only the submission's folder, so the filesystem permissions
  forbid writing anywhere else;
* ``python -m ipykernel_launcher``, talking to nbgrader over Unix sockets (``ipc`` transport) in a
  runtime folder that both sides can reach.

    python tools/sandbox_kernel.py CONNECTION_FILE [kernel arguments...]
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import sys
import zlib
from pathlib import Path

MEMORY_LIMIT = 4 * 1024**3  # bytes of address space
FILE_SIZE_LIMIT = 200 * 1024**2  # bytes per file written
PROCESS_LIMIT = 256  # processes and threads of the kernel's user
FIRST_UID = 200_000  # sandbox user ids are FIRST_UID + a hash of the submission folder: no real user has them
UID_RANGE = 100_000

HIDDEN_DIRS = ("source", "submitted", "feedback", "release")
HIDDEN_FILES = ("gradebook.db", "grades.csv")


def sandbox_uid(folder: Path) -> int:
    """A user id of the folder's own, the same on every run (so a rerun may reuse its files)."""
    return FIRST_UID + zlib.crc32(str(folder).encode()) % UID_RANGE


def _chown_tree(folder: Path, uid: int) -> None:
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(root, name), uid, uid)
    os.chown(folder, uid, uid)


def mount_script(course: Path, folder: Path) -> str:
    """Shell commands, run as root inside the new mount namespace, hiding everything but ``folder``."""
    q = shlex.quote
    lines = ["set -e", "mount --make-rprivate /"]
    # Folders the kernel needs, bound aside first and put back last, after everything around them is hidden:
    # its own folder, Python's installation and the nnlab and grader packages (either may lie below /tmp, as in a clone
    # of the course there, or below a folder others cannot enter, e.g. /root, which is then hidden too).
    import grader
    import nnlab

    keep = [folder]
    hide = [course / name for name in ("autograded", *HIDDEN_DIRS) if (course / name).is_dir()]
    needed = [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(nnlab.__file__).parent.resolve(),
              Path(grader.__file__).parent.resolve()]
    for path in dict.fromkeys(needed):
        closed = [parent for parent in reversed(path.parents) if not os.stat(parent).st_mode & stat.S_IXOTH]
        if closed:
            hide.append(closed[0])
        keep.append(path)
    runtime = os.environ.get("JUPYTER_RUNTIME_DIR", "")
    hide += [Path(d) for d in ("/tmp", "/var/tmp", "/dev/shm") if os.path.isdir(d) and not runtime.startswith(d + "/")]
    # Mount points for the folders set aside: in the grading run's own folder (removed when grading ends).
    spare_root = os.path.dirname(runtime) if runtime else "/run"
    aside = [f"{spare_root}/keep-{os.getpid()}-{i}" for i in range(len(keep))]
    for path, spare in zip(keep, aside, strict=True):
        lines += [f"mkdir -p {q(spare)}", f"mount --bind {q(str(path))} {q(spare)}"]
    for name in HIDDEN_FILES:
        if (course / name).is_file():
            lines.append(f"mount --bind /dev/null {q(str(course / name))}")
    for path in hide:
        lines.append(f"mount -t tmpfs -o size=512m,mode=755 none {q(str(path))}")
        if str(path) in ("/tmp", "/var/tmp", "/dev/shm"):
            lines.append(f"chmod 1777 {q(str(path))}")
    for path, spare in zip(keep, aside, strict=True):
        lines += [f"mkdir -p {q(str(path))}", f"mount --bind {q(spare)} {q(str(path))}", f"umount {q(spare)}",
                  f"rmdir {q(spare)}"]
    lines.append(f"cd {q(str(folder))}")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    connection_file, kernel_args = Path(argv[0]), argv[1:]
    folder = Path.cwd().resolve()
    course = Path(os.environ["NNLAB_SANDBOX_COURSE"]).resolve()
    if course not in folder.parents:
        raise SystemExit(f"sandbox_kernel: {folder} is not inside the course {course}")
    uid = sandbox_uid(folder)
    _chown_tree(folder, uid)
    # The kernel must read its connection file (nbgrader writes it readable by root only).
    own_connection = connection_file.with_name(connection_file.stem + "-sandbox.json")
    own_connection.write_text(json.dumps(json.loads(connection_file.read_text())))
    os.chown(own_connection, uid, uid)
    os.chmod(own_connection, stat.S_IRUSR)
    scratch_home = "/tmp/home"
    environment = {
        "HOME": scratch_home,
        "MPLCONFIGDIR": f"{scratch_home}/matplotlib",
        "IPYTHONDIR": f"{scratch_home}/ipython",
        "JUPYTER_RUNTIME_DIR": os.environ.get("JUPYTER_RUNTIME_DIR", "/tmp"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1"),
    }
    env_args = [f"{key}={value}" for key, value in environment.items()]
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", str(own_connection), *kernel_args]
    drop = [
        "prlimit", f"--as={MEMORY_LIMIT}", f"--fsize={FILE_SIZE_LIMIT}", f"--nproc={PROCESS_LIMIT}", "--",
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
        "--inh-caps=-all", "--bounding-set=-all", "--",
        "env", "-i", *env_args, "sh", "-c", f"mkdir -p {scratch_home} && exec \"$@\"", "kernel", *kernel,
    ]
    script = mount_script(course, folder) + "\nexec " + " ".join(shlex.quote(part) for part in drop)
    os.execvp("unshare", ["unshare", "--net", "--mount", "--", "sh", "-c", script])


if __name__ == "__main__":
    main(sys.argv[1:])
