"""Real servers for the hub tests, on 127.0.0.1 only, each undone even when a test fails.

* `ThrowawayUsers`: Unix users made with ``useradd`` for one test run (PostgreSQL's owner, the course account,
  a TA, students), removed with their home folders afterwards. Their GECOS field says who made them, so a run
  killed before its clean-up is swept by the next one.
* `PostgresCluster`: Debian's PostgreSQL binaries, a cluster in a temporary folder owned by a throwaway user
  (PostgreSQL refuses to run as root), listening on 127.0.0.1 and a private Unix socket; roles get passwords
  that only ever travel on standard input and in ``.pgpass`` files, never on a command line.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from helpers import free_port

MARK = "nnlab test-hub throwaway, pid "  # the GECOS field of every user the tests make
PREFIX = "nnt"  # user names: nnt<run id>-<role>


def wait_for_port(port: int, seconds: float = 60, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {process.returncode}) before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def everyone_may_enter(path: Path) -> bool:
    """Every folder from / down to ``path`` (``path`` included, if it is a folder) lets other users through."""
    path = Path(path).resolve()
    return all(os.stat(folder).st_mode & 0o001 for folder in [*path.parents, path] if folder.is_dir())


def readable_by_everyone(path: Path) -> bool:
    """Other users may reach ``path`` and read it (a file) or list it (a folder)."""
    path = Path(path).resolve()
    return everyone_may_enter(path) and bool(os.stat(path).st_mode & 0o004)


def private_folder(prefix: str) -> Path:
    """A fresh folder that other users may traverse (not list): for the servers' files.

    In the temporary folder ($TMPDIR) if every user may enter it, otherwise in /tmp.
    """
    base = tempfile.gettempdir()
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=base if everyone_may_enter(Path(base)) else "/tmp"))
    os.chmod(folder, 0o711)
    return folder


class ThrowawayUsers:
    """Unix users for one test run; `remove_all` deletes them, their processes and their homes."""

    def __init__(self, home_root: Path):
        self.run_id = secrets.token_hex(3)
        self.home_root = Path(home_root)
        self.names: list[str] = []
        sweep_stale_users()

    def name(self, role: str) -> str:
        return f"{PREFIX}{self.run_id}-{role}"

    def add(self, role: str) -> pwd.struct_passwd:
        name = self.name(role)
        home = self.home_root / name
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
                        "--comment", f"{MARK}{os.getpid()}", "--user-group", name], check=True)
        self.names.append(name)
        os.chmod(home, 0o700)
        return pwd.getpwnam(name)

    def remove_all(self) -> None:
        for name in reversed(self.names):
            remove_user(name)
        self.names.clear()


def remove_user(name: str) -> None:
    """Stop every process of ``name``, then delete the user, its group and its home folder."""
    with contextlib.suppress(KeyError):
        entry = pwd.getpwnam(name)
        home = entry.pw_dir
        for _ in range(3):  # its processes (the tests started them all), each by its id
            pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _uid_of(p) == entry.pw_uid]
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            if not pids:
                break
            time.sleep(0.3)
        subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def _uid_of(proc: Path) -> int | None:
    try:
        return proc.stat().st_uid
    except OSError:
        return None


def sweep_stale_users() -> None:
    """Remove throwaway users left by a test run whose process is gone (killed before its clean-up)."""
    for entry in pwd.getpwall():
        if not (entry.pw_name.startswith(PREFIX) and entry.pw_gecos.startswith(MARK)):
            continue
        pid = entry.pw_gecos[len(MARK):].split(",")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            remove_user(entry.pw_name)


def postgres_bin() -> Path:
    """The newest Debian PostgreSQL server binaries (package postgresql)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL's server is not installed: apt-get install postgresql (make hub-setup does)")
    return Path(found[-1]).parent


def run_as(user: str, command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """``command`` as ``user`` (with its groups), from /tmp, with its own HOME."""
    entry = pwd.getpwnam(user)
    env = {"PATH": "/usr/bin:/bin", "HOME": entry.pw_dir, "USER": user, "LANG": "C.UTF-8", **kwargs.pop("env", {})}
    return subprocess.run(["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups",
                           "--", *command], cwd=kwargs.pop("cwd", "/tmp"), env=env, **kwargs)


class PostgresCluster:
    """A PostgreSQL cluster in ``folder`` on 127.0.0.1:``port``, run by the throwaway user ``owner``."""

    def __init__(self, folder: Path, owner: str):
        self.folder, self.owner = Path(folder), owner
        self.port = free_port()
        self.bin = postgres_bin()
        self.data = self.folder / "data"
        self.socket_dir = self.folder / "socket"
        self.log = self.folder / "postgres.log"
        self.started = False

    def start(self) -> None:
        entry = pwd.getpwnam(self.owner)
        for folder in (self.data, self.socket_dir):
            folder.mkdir(parents=True)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        os.chmod(self.data, 0o700)
        os.chmod(self.socket_dir, 0o755)
        self.log.touch()
        os.chown(self.log, entry.pw_uid, entry.pw_gid)
        # Unix socket: peer authentication (the owner administers); TCP on 127.0.0.1: passwords (SCRAM) only.
        run_as(self.owner, [str(self.bin / "initdb"), "-D", str(self.data), "--auth-local=peer",
                            "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8"],
               check=True, capture_output=True)
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} -c max_connections=200"
        run_as(self.owner, [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                            "-w", "-t", "60", "start"], check=True, capture_output=True)
        self.started = True

    def sql(self, statements: str, database: str = "postgres") -> str:
        """Run SQL as the cluster's superuser, given on standard input (never on a command line)."""
        result = run_as(self.owner, ["psql", "-h", str(self.socket_dir), "-p", str(self.port), "-d", database,
                                     "-v", "ON_ERROR_STOP=1", "-X", "-q", "-At", "-f", "-"],
                        input=statements, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr}")
        return result.stdout

    def create_database(self, role: str, database: str) -> str:
        """A role (with a new random password) owning a new database; returns the password."""
        password = secrets.token_urlsafe(18)
        exists = self.sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'").strip()
        verb = "ALTER" if exists else "CREATE"
        self.sql(f"{verb} ROLE \"{role}\" LOGIN PASSWORD '{password}';\n"
                 f"CREATE DATABASE \"{database}\" OWNER \"{role}\";")
        return password

    def url(self, role: str, database: str) -> str:
        """The SQLAlchemy URL of ``database`` over TCP on 127.0.0.1, without the password (libpq finds it)."""
        return f"postgresql+psycopg://{role}@127.0.0.1:{self.port}/{database}"

    def pgpass_line(self, role: str, database: str, password: str) -> str:
        return f"127.0.0.1:{self.port}:{database}:{role}:{password}\n"

    def stop(self) -> None:
        if self.started:
            result = run_as(self.owner, [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                                         "-t", "30", "stop"], capture_output=True)
            if result.returncode != 0:  # pg_ctl could not stop it: end the postmaster by its own pid file
                with contextlib.suppress(OSError, ValueError):
                    os.kill(int((self.data / "postmaster.pid").read_text().split()[0]), signal.SIGKILL)
            self.started = False


def write_pgpass(path: Path, lines: str, owner: str | None = None) -> Path:
    """A libpq password file (mode 600, as libpq insists) owned by ``owner``."""
    path.write_text(lines)
    os.chmod(path, 0o600)
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def process_command_lines() -> list[str]:
    """Every process's command line on this machine, as any user could read them from /proc."""
    lines = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            lines.append(Path(cmdline).read_bytes().replace(b"\0", b" ").decode(errors="replace"))
    return lines


class Hub:
    """JupyterHub (run as root, as on a real site) with deploy/jupyterhub/jupyterhub_config.py, on 127.0.0.1."""

    def __init__(self, folder: Path, config: Path, venv: Path, settings: dict[str, str]):
        self.folder, self.config, self.venv = Path(folder), Path(config), Path(venv)
        self.port, self.hub_port, self.proxy_api_port, self.service_port = (free_port() for _ in range(4))
        self.admin_token = secrets.token_hex(32)
        self.settings = {
            "NNLAB_HUB_IP": "127.0.0.1",
            "NNLAB_HUB_PORT": str(self.port),
            "NNLAB_HUB_HUB_API_PORT": str(self.hub_port),
            "NNLAB_HUB_PROXY_API_PORT": str(self.proxy_api_port),
            "NNLAB_HUB_SERVICE_PORT": str(self.service_port),
            "NNLAB_HUB_VENV": str(self.venv),
            "NNLAB_HUB_TEST_API_TOKEN": self.admin_token,
            **settings,
        }
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.folder / "jupyterhub.log"
        self.process: subprocess.Popen | None = None

    def start(self, seconds: float = 120) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        env = {"PATH": f"{self.venv}/bin:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/root",
               **self.settings}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([str(self.venv / "bin" / "jupyterhub"), "-f", str(self.config)],
                                            cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, seconds, self.process)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if self.api("GET", "/").status_code == 200:
                    return
            time.sleep(0.5)
        raise TimeoutError(f"the hub's API did not answer; log:\n{self.log_tail()}")

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def api(self, method: str, path: str, token: str | None = None, **kwargs):
        import requests

        headers = {"Authorization": f"token {token or self.admin_token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers, timeout=60, **kwargs)

    def request(self, method: str, path: str, token: str, **kwargs):
        """A request through the hub's proxy (a user's server or a service) with ``token``."""
        import requests

        return requests.request(method, f"{self.url}{path}", headers={"Authorization": f"token {token}"},
                                timeout=kwargs.pop("timeout", 300), allow_redirects=False, **kwargs)

    def token_for(self, user: str) -> str:
        response = self.api("POST", f"/users/{user}/tokens", json={"note": "tests/hub", "expires_in": 3600})
        response.raise_for_status()
        return response.json()["token"]

    def start_server(self, user: str, seconds: float = 180) -> None:
        response = self.api("POST", f"/users/{user}/server")
        if response.status_code not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"cannot start {user}'s server: {response.status_code} {response.text}")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            model = self.api("GET", f"/users/{user}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            time.sleep(0.5)
        raise TimeoutError(f"{user}'s server did not start; hub log:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the hub (it stops the servers it started and its proxy); kill what is left by pid."""
        if self.process is None:
            return
        proxy_pid_file = self.folder / "jupyterhub-proxy.pid"
        proxy_pid = int(proxy_pid_file.read_text()) if proxy_pid_file.exists() else None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if proxy_pid:
            with contextlib.suppress(OSError):
                os.kill(proxy_pid, signal.SIGKILL)
        self.process = None


def execute(hub: Hub, prefix: str, token: str, code: str, seconds: float = 600) -> str:
    """Run ``code`` in a new kernel of the Jupyter server at ``prefix`` (a user's server or a service).

    Through the hub's proxy, as JupyterLab does: the REST API starts the kernel, its websocket runs the code.
    Returns what the code printed; raises RuntimeError with the traceback if it failed.
    """
    import asyncio
    import json
    import uuid

    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    response = hub.request("POST", f"{prefix}/api/kernels", token, json={"name": "python3"})
    if response.status_code != 201:
        raise RuntimeError(f"cannot start a kernel at {prefix}: {response.status_code} {response.text[:500]}")
    kernel = response.json()["id"]

    async def run() -> str:
        session = uuid.uuid4().hex
        url = f"ws://127.0.0.1:{hub.port}{prefix}/api/kernels/{kernel}/channels?session_id={session}"
        connection = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
        msg_id = uuid.uuid4().hex
        connection.write_message(json.dumps({
            "header": {"msg_id": msg_id, "session": session, "username": "tests", "msg_type": "execute_request",
                       "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        printed, error, replied, idle = [], None, False, False
        while not (replied and idle):
            raw = await asyncio.wait_for(connection.read_message(), timeout=seconds)
            if raw is None:
                raise RuntimeError("the kernel's websocket closed")
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["header"]["msg_type"]
            if kind == "stream":
                printed.append(message["content"]["text"])
            elif kind == "error":
                error = "\n".join(message["content"]["traceback"])
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and message["content"]["execution_state"] == "idle":
                idle = True
        connection.close()
        if error:
            raise RuntimeError(f"the code failed at {prefix}:\n{''.join(printed)}\n{error}")
        return "".join(printed)

    try:
        return asyncio.run(run())
    finally:
        hub.request("DELETE", f"{prefix}/api/kernels/{kernel}", token)
