"""nbgrader for the formgrader service (its JUPYTER_CONFIG_PATH); the course's nbgrader_config.py adds the rest."""

from nbgrader.auth import JupyterHubAuthPlugin

from nnlab.course import exchange_root

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

# The course's exchange (NNLAB_EXCHANGE, set by jupyterhub_config.py; /srv/nbgrader/exchange by default).
c.Exchange.root = str(exchange_root())
c.Exchange.path_includes_course = True
# The Assignments panel shows the courses of the hub groups nbgrader-<course> the user is in.
c.Authenticator.plugin_class = JupyterHubAuthPlugin
