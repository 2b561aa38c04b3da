"""Set up JupyterLab in this environment for the course: offline, and with the course's CSS.

Run once after installing (``python -m nnlab.lab_setup``; the setup of the course, of the student copy and of the
JupyterHub environment each does). It writes only inside the environment, never in a user's home: JupyterLab then
checks for no news or updates (the course works offline) and loads the course's ``custom.css`` (Korean words are
not broken at line ends). A user's own ``~/.jupyter/custom/custom.css`` still wins over the course's.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from importlib.resources import files
from pathlib import Path

OFFLINE = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
LOAD_CUSTOM_CSS = {"LabApp": {"custom_css": True}}


def _merge_json(path: Path, values: dict) -> None:
    """Add ``values`` (two levels deep) to the JSON settings at ``path``, keeping what else is there."""
    current = json.loads(path.read_text()) if path.exists() else {}
    for section, settings in values.items():
        current.setdefault(section, {}).update(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2) + "\n")


def _custom_css_fallbacks() -> list[Path]:
    """Where /custom/custom.css is served from when the user has none: Notebook 7's handler, when installed, takes
    the route; JupyterLab's own reads jupyter_server's static folder."""
    packages = [("notebook", "custom"), ("jupyter_server", "static/custom")]
    found = [(importlib.util.find_spec(name), folder) for name, folder in packages]
    return [Path(spec.origin).parent / folder / "custom.css" for spec, folder in found if spec and spec.origin]


def install(prefix: Path = Path(sys.prefix)) -> list[Path]:
    """Write the settings and the CSS; return the files written."""
    written = [prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json",
               prefix / "etc" / "jupyter" / "jupyter_lab_config.json"]
    _merge_json(written[0], OFFLINE)
    _merge_json(written[1], LOAD_CUSTOM_CSS)
    css = files("nnlab").joinpath("resources/course.css").read_text()
    for path in _custom_css_fallbacks():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(css)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in install():
        print(f"lab_setup: wrote {path}")
