"""Where this course's nbgrader exchange lives: one rule that the instructor's and the students' configs share.

The exchange is the folder through which nbgrader passes released assignments, submissions and feedback.
On a shared machine or a JupyterHub it is ``/srv/nbgrader/exchange`` (nbgrader's own default, created by
the instructor with ``python -m tools.exchange``); on a laptop where that folder does not exist, it is a
folder in the user's own data directory, so one person can play instructor and student without root.
``NNLAB_EXCHANGE`` overrides both (the tests use it for a throwaway exchange).
"""

from __future__ import annotations

import os
from pathlib import Path

COURSE_ID = "dnn-foundations"
SHARED_EXCHANGE = Path("/srv/nbgrader/exchange")


def exchange_root() -> Path:
    """The exchange folder this machine's instructor and students both use."""
    if os.environ.get("NNLAB_EXCHANGE"):
        return Path(os.environ["NNLAB_EXCHANGE"])
    if SHARED_EXCHANGE.is_dir():
        return SHARED_EXCHANGE
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "nbgrader" / "exchange"
