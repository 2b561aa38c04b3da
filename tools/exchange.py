"""Create the course's nbgrader exchange with safe permissions, and say where it is.

    python -m tools.exchange            # create it if missing, check its permissions, print its path

The exchange root must be ``1777`` (like /tmp): every user may create a folder in it, nobody may
rename or delete another user's, so a student cannot move the instructor's course folder away and
plant a fake release. nbgrader then makes ``<root>/<course_id>/`` (owned by the instructor) with
``outbound/`` (755: students read releases) and ``inbound/`` (733: students hand in, cannot list).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from nnlab.course import exchange_root

SAFE_MODE = 0o1777


class ExchangeError(RuntimeError):
    """The exchange folder cannot be used safely; the message says how to fix it."""


def ensure_exchange(root: Path | None = None) -> Path:
    """Create the exchange root (mode 1777) if missing; refuse one whose permissions are unsafe."""
    root = Path(root or exchange_root())
    if not root.exists():
        root.mkdir(parents=True)
        os.chmod(root, SAFE_MODE)
    mode = stat.S_IMODE(root.stat().st_mode)
    if mode != SAFE_MODE:
        if root.stat().st_uid == os.geteuid():
            os.chmod(root, SAFE_MODE)
        else:
            raise ExchangeError(
                f"The exchange {root} has mode {oct(mode)}; it must be 1777 (everyone may hand in, nobody may "
                f"move another user's folder). Ask its owner to run: chmod 1777 {root}"
            )
    return root


def main() -> int:
    try:
        root = ensure_exchange()
    except ExchangeError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"nbgrader exchange: {root} (mode 1777)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
