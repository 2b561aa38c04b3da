"""JupyterHub 6 for the course: one hub, Unix users, the course account's formgrader as a hub service.

The layout of nbgrader's demos/demo_multiple_classes, for one course (course id dnn-foundations):

* every user (instructors, TAs, students) is a Unix user; the hub (run as root) starts each one's JupyterLab
  with the default LocalProcessSpawner, from the virtual environment VENV that every user can read and run;
* the course lives in the course account's home (COURSE_DIR: a clone of the repository, the course's
  nbgrader_config.py in it); that account's formgrader runs as a managed hub service named after the course,
  which instructors and TAs (group formgrade-dnn-foundations) open at /services/dnn-foundations/formgrader;
* students are in the group nbgrader-dnn-foundations: nbgrader's JupyterHubAuthPlugin shows them the course's
  assignments in the Assignments panel. Add them with `nbgrader db student add ID` in a terminal of the
  formgrader service (it runs with the service's hub token, which may add them to the group; adding them in
  the formgrader's Students page does not: nbgrader #1304, #1396);
* the exchange is EXCHANGE (/srv/nbgrader/exchange, mode 1777: see `python -m tools.exchange`).

Every setting a site changes is read from an environment variable NNLAB_HUB_<NAME> here, with its default after
it: set them in the hub's systemd unit, or edit the defaults. Start it as root from its folder (it keeps its
database and cookie secret there):  cd /srv/jupyterhub && /opt/nnlab/venv/bin/jupyterhub -f jupyterhub_config.py
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (injected by traitlets when JupyterHub loads this file)

HERE = Path(__file__).resolve().parent


def setting(name, default):
    return os.environ.get(f"NNLAB_HUB_{name}", default)


def names(name, default=""):
    return [n.strip() for n in setting(name, default).split(",") if n.strip()]


# --- What a site changes -----------------------------------------------------------------------------------------
COURSE_ID = "dnn-foundations"  # must equal c.CourseDirectory.course_id in the course's nbgrader_config.py
# The Unix account that owns the course folder and runs its formgrader (TAs act as it, through the service).
COURSE_ACCOUNT = setting("COURSE_ACCOUNT", "grader-dnn-foundations")
COURSE_DIR = setting("COURSE_DIR", f"/home/{COURSE_ACCOUNT}/{COURSE_ID}")
INSTRUCTORS = names("INSTRUCTORS")  # may use the hub's admin pages, and grade
TAS = names("TAS")  # grade through the formgrader service
STUDENTS = names("STUDENTS")  # may log in; they reach the course once `nbgrader db student add` put them in it
# The virtual environment with the course's requirements.txt, deploy/jupyterhub/requirements.txt and the course
# package (pip install /path/to/course): readable and runnable by every user, so never under /root.
VENV = setting("VENV", "/opt/nnlab/venv")
EXCHANGE = setting("EXCHANGE", "/srv/nbgrader/exchange")
# Where the hub answers. 127.0.0.1 keeps it on this machine: put HTTPS in front (nginx, or
# c.JupyterHub.ssl_cert / ssl_key here) and listen on the public address only behind it.
HUB_IP = setting("IP", "127.0.0.1")
HUB_PORT = int(setting("PORT", "8000"))
HUB_API_PORT = int(setting("HUB_API_PORT", "8081"))  # the hub's own API, for the proxy and the servers
PROXY_API_PORT = int(setting("PROXY_API_PORT", "8001"))
SERVICE_PORT = int(setting("SERVICE_PORT", "9999"))  # the formgrader service, on 127.0.0.1
PROXY = setting("PROXY", str(HERE / "node_modules" / ".bin" / "configurable-http-proxy"))  # `npm ci` here

# --- Log-in: the DUMMY authenticator, FOR TESTING ONLY -----------------------------------------------------------
# It lets anyone in with one shared password. A site replaces it with its own, e.g. PAM (the Unix passwords:
#   c.JupyterHub.authenticator_class = "pam"), or OAuth with the oauthenticator package (GitHub, Google,
#   GenericOAuthenticator for Keycloak / your university's single sign-on), or LTI from an LMS (ltiauthenticator).
# Whatever it is, each hub user name must be a Unix user on this machine (LocalProcessSpawner runs as it);
# c.LocalAuthenticator.create_system_users = True makes missing ones with useradd.
c.JupyterHub.authenticator_class = "dummy"
if setting("DUMMY_PASSWORD", ""):
    c.DummyAuthenticator.password = setting("DUMMY_PASSWORD", "")  # TESTING ONLY
c.Authenticator.allowed_users = set(INSTRUCTORS + TAS + STUDENTS)
c.Authenticator.admin_users = set(INSTRUCTORS)

# --- Servers: LocalProcessSpawner over Unix users ----------------------------------------------------------------
# For Kubernetes, zero-to-jupyterhub's KubeSpawner replaces all of this (see README, "Running a class on
# JupyterHub"): the same image for every user, the exchange a shared volume mounted at EXCHANGE in every pod.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [f"{VENV}/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    "PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin",
    # Students' nbgrader settings and JupyterLab: the exchange, JupyterHubAuthPlugin, no formgrader.
    "JUPYTER_CONFIG_PATH": str(HERE / "jupyter-config" / "users"),
    "NNLAB_EXCHANGE": EXCHANGE,
}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# c.Spawner.mem_limit = "2G"  # enforced by spawners that can (KubeSpawner, systemdspawner), not LocalProcessSpawner

# --- The hub itself ----------------------------------------------------------------------------------------------
c.JupyterHub.bind_url = f"http://{HUB_IP}:{HUB_PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_API_PORT
c.ConfigurableHTTPProxy.command = [PROXY]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every server it started
c.JupyterHub.db_url = setting("DB_URL", "sqlite:///jupyterhub.sqlite")  # the hub's own state (not the gradebook)

# --- Groups and roles (nbgrader's names: formgrade-<course>, nbgrader-<course>) ----------------------------------
c.JupyterHub.load_groups = {
    "instructors": {"users": INSTRUCTORS},
    f"formgrade-{COURSE_ID}": {"users": INSTRUCTORS + TAS},
    # Students join through `nbgrader db student add` (the service adds them); instructors see the course too.
    f"nbgrader-{COURSE_ID}": {"users": INSTRUCTORS},
}
c.JupyterHub.load_roles = [
    {"name": "instructor", "groups": ["instructors"], "scopes": ["admin:users", "admin:servers"]},
    # A user's own server may read the user's groups (JupyterHubAuthPlugin lists the courses from them) and
    # look up the course's service (the course list); the hub grants no more than the user has.
    {"name": "server", "scopes": ["users:activity!user", "access:servers!server", "read:users:name!user",
                                  "read:users:groups!user", "list:services", "read:services"]},
    {"name": f"formgrade-{COURSE_ID}", "groups": [f"formgrade-{COURSE_ID}"],
     "scopes": [f"access:services!service={COURSE_ID}"]},
    {"name": f"nbgrader-{COURSE_ID}", "groups": [f"nbgrader-{COURSE_ID}"],
     "scopes": ["list:services", f"read:services!service={COURSE_ID}"]},
    # The formgrader service's own token: enough for JupyterHubAuthPlugin to put students in the course's group.
    {"name": f"course-service-{COURSE_ID}", "services": [COURSE_ID],
     "scopes": ["list:groups", f"read:groups!group=nbgrader-{COURSE_ID}", f"groups!group=nbgrader-{COURSE_ID}",
                "read:users:name", "read:users:groups"]},
]

# --- The course account's formgrader, a managed service ----------------------------------------------------------
# Open it in its own browser tab at /services/dnn-foundations/ (it lands on the formgrader): inside another
# JupyterLab's iframe it stays blank where a server sends "frame-ancestors 'none'" (nbgrader #1870); its own
# config (jupyter-config/formgrader) allows same-origin frames, so the course list's link works as well.
c.JupyterHub.services = [
    {
        "name": COURSE_ID,
        "url": f"http://127.0.0.1:{SERVICE_PORT}",
        "command": [f"{VENV}/bin/jupyterhub-singleuser", f"--ServerApp.root_dir={COURSE_DIR}"],
        "user": COURSE_ACCOUNT,
        "cwd": COURSE_DIR,  # nbgrader reads the course's nbgrader_config.py from here
        "environment": {
            "PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin",
            "JUPYTER_CONFIG_PATH": str(HERE / "jupyter-config" / "formgrader"),
            "JUPYTERHUB_DEFAULT_URL": "/formgrader",
            "NNLAB_EXCHANGE": EXCHANGE,
        },
        "oauth_no_confirm": True,
    },
]

# --- FOR TESTING ONLY: an API token for tests/hub (creates users' tokens, starts servers) ------------------------
if setting("TEST_API_TOKEN", ""):
    c.JupyterHub.services.append({"name": "test-driver", "api_token": setting("TEST_API_TOKEN", "")})
    c.JupyterHub.load_roles.append({
        "name": "test-driver", "services": ["test-driver"],
        "scopes": ["admin:users", "admin:servers", "tokens", "admin:groups", "list:services", "read:services"],
    })
