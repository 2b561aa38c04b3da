"""Helpers several test modules share (tests/hub's too); fixtures and hooks stay in conftest.py.

Test modules import helpers from here, or from ``tools`` where the tools use them as well (``tools.course``:
``REPO_ROOT``, ``copy_course``, ``nbgrader_meta``), never from a conftest.py: tests/hub has one too, and
`from conftest import ...` would find whichever of the two pytest imported last.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

from tools.course import HIDDEN_TESTS, SOLUTION


def region_lines(notebook, regions=(SOLUTION, HIDDEN_TESTS)) -> tuple[set[str], str]:
    """The stripped lines inside ``regions`` (pairs of begin and end markers) of a notebook's cells, and the text
    outside them (stripped lines, one per line): what a test needs to look for leaked solutions or hidden tests."""
    begins, ends = {begin for begin, _ in regions}, {end for _, end in regions}
    inside_lines, outside = set(), []
    for cell in notebook.cells:
        inside = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped in begins:
                inside = True
            elif stripped in ends:
                inside = False
            elif inside:
                inside_lines.add(stripped)
            else:
                outside.append(stripped)
    return inside_lines, "\n".join(outside)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def feedback_pages(course: Path) -> dict[str, str]:
    """Every feedback page's text without markup or whitespace, to compare two gradings of the same notebooks.

    Two serial runs of the same notebook differ in exactly two ways, which are removed: the kernel
    splits printed output into chunks by timing (nbconvert gives each chunk its own HTML block), and
    each widget gets a fresh random id.
    """
    pages = {}
    for page in sorted((course / "feedback").rglob("*.html")):
        text = re.sub(r"<[^>]+>", "", page.read_text())
        text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}", "ID", text)
        pages[str(page.relative_to(course))] = re.sub(r"\s+", "", text)
    return pages
