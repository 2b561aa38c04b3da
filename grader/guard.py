"""Grading-time guard: undo a submission's monkeypatching before each test cell runs.

nbgrader runs a student's code and the tests in one kernel, so a submission can replace
what the tests rely on (``np.allclose``, ``nnlab.checks.check_close``, ``print``, ``round``,
IPython's display of results) and make a wrong answer pass. `GuardedExecute` is nbgrader's
``Execute`` preprocessor with two additions, both invisible in the notebook and in feedback:

* before the first cell it takes a snapshot of numpy, numpy.testing, nnlab.checks, the
  builtins, ``sys.stdout``/``sys.stderr`` and IPython's display and traceback machinery,
  and caps the kernel's address space (``MEMORY_LIMIT``), so a huge allocation fails with
  ``MemoryError`` in that notebook instead of exhausting the grading machine;
* before every graded (test) cell it puts the snapshot back, and rebinds the names a
  notebook imported from numpy and nnlab.checks (``np``, ``check_close``, ...).

This stops the patching a student would try, not a determined one: code in the kernel can
also patch this module. Grade under ``tools.grade_safely`` (no network, no writes outside the
submission) and read the formgrader for anything surprising; see README, "Grading safely".
"""

from __future__ import annotations

import builtins
import os
import queue
import sys
import time
import uuid

# The kernel's address-space cap while grading: far above what any notebook of the course
# needs (about 1 GB with numpy, OpenBLAS and MNIST loaded), far below the machine's memory.
MEMORY_LIMIT = 6 * 1024**3

# Seconds the kernel may take to take the snapshot or put it back before the cell runs anyway.
GUARD_TIMEOUT = 30

_SNAPSHOT: dict = {}


def _modules():
    import numpy
    import numpy.testing

    import nnlab.checks

    return {"numpy": numpy, "numpy.testing": numpy.testing, "nnlab.checks": nnlab.checks, "builtins": builtins}


def snapshot(memory_limit: int | None = MEMORY_LIMIT) -> None:
    """Remember the pristine state of what the tests use (run in the kernel before any student code)."""
    if memory_limit:
        try:
            import resource

            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):  # no resource module on Windows
            pass
    _SNAPSHOT["modules"] = {name: (module, dict(vars(module))) for name, module in _modules().items()}
    _SNAPSHOT["sys"] = {name: getattr(sys, name) for name in ("stdout", "stderr", "displayhook", "excepthook")}
    shell = _shell()
    if shell is not None:
        formatters = shell.display_formatter.formatters
        _SNAPSHOT["shell"] = {
            "showtraceback": shell.__dict__.get("showtraceback"),
            "custom_exceptions": shell.custom_exceptions,
            "CustomTB": shell.__dict__.get("CustomTB"),
            "displayhook": shell.displayhook,
            "formatters": {
                key: (f, dict(f.type_printers), dict(f.deferred_printers), dict(f.singleton_printers))
                for key, f in formatters.items()
            },
        }


def _shell():
    try:
        from IPython import get_ipython

        return get_ipython()
    except ImportError:
        return None


def restore(namespace: dict | None = None) -> None:
    """Put back what `snapshot` saw, and rebind the notebook's names for numpy and the check helpers."""
    if not _SNAPSHOT:
        return
    for module, saved in _SNAPSHOT["modules"].values():
        current = vars(module)
        for name, value in saved.items():
            if current.get(name, _MISSING) is not value:
                current[name] = value
    for name, value in _SNAPSHOT["sys"].items():
        setattr(sys, name, value)
    shell = _shell()
    saved_shell = _SNAPSHOT.get("shell")
    if shell is not None and saved_shell:
        for name in ("showtraceback", "CustomTB"):
            if saved_shell[name] is None:
                shell.__dict__.pop(name, None)
            else:
                shell.__dict__[name] = saved_shell[name]
        shell.custom_exceptions = saved_shell["custom_exceptions"]
        shell.displayhook = saved_shell["displayhook"]
        sys.displayhook = saved_shell["displayhook"]
        for key, (formatter, types, deferred, singletons) in saved_shell["formatters"].items():
            shell.display_formatter.formatters[key] = formatter
            formatter.type_printers.clear()
            formatter.type_printers.update(types)
            formatter.deferred_printers.clear()
            formatter.deferred_printers.update(deferred)
            formatter.singleton_printers.clear()
            formatter.singleton_printers.update(singletons)
    if namespace is None:
        namespace = vars(sys.modules["__main__"])
    numpy_module, numpy_saved = _SNAPSHOT["modules"]["numpy"]
    checks_module, checks_saved = _SNAPSHOT["modules"]["nnlab.checks"]
    for name in ("np", "numpy"):
        if name in namespace:
            namespace[name] = numpy_module
    for name, value in checks_saved.items():
        if not name.startswith("_") and callable(value) and name in namespace:
            namespace[name] = value


_MISSING = object()

# What the grader sends to the kernel (silently) before the first cell and before each test cell.
SNAPSHOT_CODE = "import grader.guard as __course_guard; __course_guard.snapshot(); del __course_guard"
RESTORE_CODE = "import grader.guard as __course_guard; __course_guard.restore(); del __course_guard"


def _make_guarded_execute():
    from jupyter_core.utils import ensure_async, run_sync
    from nbgrader.preprocessors import Execute

    class GuardedExecute(Execute):
        """nbgrader's Execute, restoring the snapshot silently before every graded code cell."""

        async def _run_silently(self, code: str) -> bool:
            """Run ``code`` in the kernel with no output and no history; False if it did not answer in time."""
            msg_id = await ensure_async(self.kc.execute(code, silent=True, store_history=False, allow_stdin=False))
            deadline = time.monotonic() + GUARD_TIMEOUT
            while time.monotonic() < deadline:
                try:
                    msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=1))
                except queue.Empty:
                    continue
                if msg["parent_header"].get("msg_id") == msg_id:
                    return True
            self.log.warning("The grading guard got no answer from the kernel; the cell runs without it")
            return False

        async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
            if cell.cell_type == "code" and cell.source.strip():
                if getattr(self, "_guarded_client", None) is not self.kc:
                    await self._run_silently(SNAPSHOT_CODE)
                    self._guarded_client = self.kc
                if cell.metadata.get("nbgrader", {}).get("grade"):
                    await self._run_silently(RESTORE_CODE)
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

        def create_kernel_manager(self):
            km = super().create_kernel_manager()
            runtime = os.environ.get("JUPYTER_RUNTIME_DIR")
            if os.environ.get("NNLAB_SANDBOX_COURSE") and runtime:
                # tools.grade_safely: the sandboxed kernel has no network, so it talks over Unix sockets.
                km.connection_file = os.path.join(runtime, f"kernel-{uuid.uuid4()}.json")
                km.transport = "ipc"
                km.ip = os.path.splitext(km.connection_file)[0] + "-ipc"
            return km

        execute_cell = run_sync(async_execute_cell)  # nbconvert calls the sync name, bound to the base otherwise

    return GuardedExecute


def __getattr__(name):
    # nbgrader is imported only when the grader asks for the preprocessor, never in a student's kernel.
    makers = {"GuardedExecute": _make_guarded_execute}
    if name in makers:
        cls = makers[name]()
        globals()[name] = cls
        return cls
    raise AttributeError(name)
