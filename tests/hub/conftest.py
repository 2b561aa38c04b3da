"""The hub tests: real PostgreSQL, JupyterHub and Unix users on this machine. Run by ``make test-hub`` only.

They need root (``useradd``, servers run as other users) and what ``make hub-setup`` installs (JupyterHub,
psycopg and the course's package, not editable, in the virtual environment ``NNLAB_HUB_VENV`` outside the
repository, /opt/nnlab-hub/venv by default; configurable-http-proxy in ``deploy/jupyterhub``; Debian's
PostgreSQL). ``make test`` never collects them: this folder is ignored unless ``NNLAB_TEST_HUB=1``, which
``make test-hub`` sets. The throwaway users never read the repository: what they need of it is installed in that
environment or copied into the scratch folder, so the tests pass wherever the repository is cloned (even under
/root, which nobody else may enter).
"""

from __future__ import annotations

import os
import shutil
import signal

import pytest

if os.environ.get("NNLAB_TEST_HUB") != "1":
    collect_ignore_glob = ["*"]


def _stop_on_sigterm(signum, frame):  # a CI timeout or `kill <pid>`: run every clean-up below, then stop
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def root_only():
    if os.geteuid() != 0:
        pytest.fail("the hub tests need root (useradd, servers run as throwaway users): run `sudo make test-hub`")
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def scratch(root_only):
    """A folder every user may enter (under /tmp) for the servers' files, the throwaway users' homes and the
    hub's configuration, removed afterwards."""
    from servers import private_folder

    folder = private_folder("nnlab-hub-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def users(scratch):
    from servers import ThrowawayUsers

    homes = scratch / "home"
    homes.mkdir()
    os.chmod(homes, 0o755)
    made = ThrowawayUsers(homes)
    try:
        yield made
    finally:
        made.remove_all()


@pytest.fixture(scope="session")
def postgres(scratch, users):
    """A PostgreSQL cluster on 127.0.0.1, run by a throwaway user, stopped and removed afterwards."""
    from servers import PostgresCluster

    owner = users.add("pg").pw_name
    cluster = PostgresCluster(scratch / "postgres", owner)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)
