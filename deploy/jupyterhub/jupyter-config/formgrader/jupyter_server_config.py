"""The formgrader service's server (its JUPYTER_CONFIG_PATH): the formgrader may be shown in a same-origin frame.

jupyterhub-singleuser sends "frame-ancestors 'none'" unless a server sets its own policy, which leaves the
formgrader blank inside JupyterLab (nbgrader #1870). Opening /services/dnn-foundations/ in its own tab always works.
"""

c = get_config()  # noqa: F821 (injected by traitlets when the server loads this file)

c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
