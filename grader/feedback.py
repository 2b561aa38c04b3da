"""Feedback that teaches without publishing the tests: nbgrader's ``generate_feedback``, as the course configures it.

nbgrader 0.9.6 renders the autograded notebook as it is: every hidden test's source (with its seeds and, in
06_quizzes, the answer key), tracebacks through the helper package's internals, a generic "Grade cell" badge,
and formulas left to MathJax from a CDN (raw ``$...$`` offline). The steps below run after nbgrader's
``GetGrades`` (see the feedback section of nbgrader_config.py), one concern each:

* `GetGradesAndPending`: nbgrader's ``GetGrades``, also noting which cells still wait for a person;
* `CleanTracebacks`: a traceback keeps the notebook's own frames and the final ``Error: message`` line; frames in
  library code (``nnlab/checks.py``, numpy ...) go, and so do the lines of a hidden test a frame would quote;
* `HideHiddenTests`: each hidden-test region of a cell's source becomes a one-line note (its output stays);
* `LabelGradedCells`: "Tests of relu" instead of "Grade cell: test_relu" (the grade id is ``test_<function>``);
* `SummarizeScores`: "Automatic: 19 / 20 points · 3 points still to be graded by hand" for the page's header;
* `FeedbackHTMLExporter`: the course's template (``grader/templates/course_feedback``) and every formula converted
  to MathML when the page is written (latex2mathml), which browsers render with no script and no network.

Nothing here computes a graded result; it runs in the nbgrader process, never in a grading kernel.
"""

from __future__ import annotations

import re
from copy import deepcopy
from functools import lru_cache
from html import escape
from pathlib import Path
from xml.etree.ElementTree import tostring

from latex2mathml.converter import convert_to_element
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from nbgrader import utils
from nbgrader.preprocessors import GetGrades
from traitlets import Bool, Unicode
from traitlets.config import Config

try:  # jinja2 >= 3
    from jinja2 import pass_context as contextfilter
except ImportError:  # pragma: no cover - jinja2 < 3
    from jinja2 import contextfilter

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "course_feedback"

HIDDEN_NOTE = "# (hidden tests ran here: what they reported is in the output below)"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_FRAME = re.compile(r"^\s*Cell In\s*\[(\d+)\]")
_FILE_FRAME = re.compile(r"^\s*File \S.*:\d+")
_CODE_LINE = re.compile(r"^\s*(?:-*>)?\s*(\d+)(?:\s|$)")


def _points(value) -> str:
    """19.0 -> "19", 3.5 -> "3.5", 0.3333 -> "0.33": points as a person writes them."""
    return f"{round(float(value or 0), 2):g}"


def hidden_line_numbers(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS") -> set[int]:
    """1-based numbers of the lines of ``source`` inside hidden-test regions, the marker lines included."""
    hidden, inside = set(), False
    for number, line in enumerate(source.split("\n"), start=1):
        if begin in line:
            inside = True
        if inside:
            hidden.add(number)
        if end in line:
            inside = False
    return hidden


class FeedbackStep(Preprocessor):
    """A step of the feedback pipeline: enabled by default, as nbgrader's own steps are."""

    enabled = Bool(True, help="Whether to use this step when generating feedback").tag(config=True)


class HiddenRegionStep(FeedbackStep):
    """A step that needs the hidden-test markers (named as in nbgrader's ClearHiddenTests, spelling included)."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)


class GetGradesAndPending(GetGrades):
    """nbgrader's ``GetGrades``, which also records in each graded cell whether a person still has to grade it."""

    def _get_score(self, cell, resources):
        grade = self.gradebook.find_grade(
            cell.metadata["nbgrader"]["grade_id"], self.notebook_id, self.assignment_id, self.student_id
        )
        cell.metadata.nbgrader["score"] = grade.score
        cell.metadata.nbgrader["points"] = grade.max_score
        cell.metadata.nbgrader["needs_manual_grade"] = bool(grade.needs_manual_grade)
        # An answer left as released is scored 0 by nbgrader itself, with no manual score: "not answered".
        cell.metadata.nbgrader["graded_by_hand"] = grade.manual_score is not None


class CleanTracebacks(HiddenRegionStep):
    """Tracebacks that show the student's code and the test's message, not the helpers' internals or hidden tests.

    A traceback keeps its header, every frame in a notebook cell (``Cell In[12], line 3``) and the final
    ``AssertionError: message`` line. Frames in files (``File .../nnlab/checks.py:78, in check_close``, numpy, ...)
    are dropped: the message says what they found. In a frame of a cell with hidden tests, the quoted lines of the
    hidden region are dropped and the frame is marked as a hidden test when its failing line is one. Runs before
    `HideHiddenTests`, while the cells still hold the hidden regions that the line numbers refer to.
    """

    def preprocess(self, nb, resources):
        self._hidden = {}  # execution count -> hidden line numbers of that cell (None: no such cell)
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.get("execution_count") is not None:
                self._hidden[cell.execution_count] = hidden_line_numbers(
                    cell.source, self.begin_test_delimeter, self.end_test_delimeter
                )
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("traceback"):
                output.traceback = self.clean(output.traceback)
        return cell, resources

    def clean(self, traceback: list[str]) -> list[str]:
        kept = []
        for entry in traceback:
            plain = _ANSI.sub("", entry)
            first = plain.lstrip("\n").split("\n", 1)[0]
            if _FILE_FRAME.match(first):
                continue  # a frame in library code: nnlab.checks, numpy ...
            frame = _CELL_FRAME.match(first)
            kept.append(self._clean_cell_frame(entry, int(frame.group(1))) if frame else entry)
        return kept

    def _clean_cell_frame(self, entry: str, execution_count: int) -> str:
        hidden = self._hidden.get(execution_count)
        lines = entry.split("\n")
        header_at = next(i for i, line in enumerate(lines) if _CELL_FRAME.match(_ANSI.sub("", line)))
        if hidden is None:  # a cell this notebook does not show: keep only where it was
            return "\n".join(lines[: header_at + 1])
        if not hidden:
            return entry
        kept, failing_hidden = lines[: header_at + 1], False
        for line in lines[header_at + 1 :]:
            plain = _ANSI.sub("", line)
            number = _CODE_LINE.match(plain)
            if number and int(number.group(1)) in hidden:
                failing_hidden = failing_hidden or plain.lstrip().startswith("-")
                continue
            kept.append(line)
        if failing_hidden:
            kept[header_at] += " (in the hidden tests)"
        return "\n".join(kept)


class HideHiddenTests(HiddenRegionStep):
    """Replace each hidden-test region of a cell's source by a one-line note; the cell's output is left as it is.

    The autograded notebook keeps the hidden tests (nbgrader puts them back before grading); the feedback shows
    the visible tests, the note, and everything the tests printed or raised.
    """

    note = Unicode(HIDDEN_NOTE, help="The line shown where hidden tests were").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if self.begin_test_delimeter not in cell.source:
            return cell, resources
        hidden = hidden_line_numbers(cell.source, self.begin_test_delimeter, self.end_test_delimeter)
        lines, kept = cell.source.split("\n"), []
        for number, line in enumerate(lines, start=1):
            if number not in hidden:
                kept.append(line)
            elif number - 1 not in hidden:  # first line of a region: the note, indented like the marker
                kept.append(line[: len(line) - len(line.lstrip())] + self.note)
        cell.source = "\n".join(kept).rstrip()
        return cell, resources


class LabelGradedCells(FeedbackStep):
    """Give each graded or answer cell a label that names its function, in ``cell.metadata.feedback``.

    Test cells (grade id ``test_<function>``) read "Tests of <function>", answer cells "Your answer: <function>",
    written answers "Your written answer: choosing activations" (from ``answer_choosing_activations``).
    """

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if not grade_id or not (meta.get("grade") or meta.get("solution") or meta.get("task")):
            return cell, resources
        if meta.get("task"):
            prefix, name = "Task:", grade_id
        elif meta.get("grade") and not meta.get("solution"):
            prefix, name = "Tests of", grade_id.removeprefix("test_")
        elif cell.cell_type == "markdown":
            prefix, name = "Your written answer:", grade_id.removeprefix("answer_").replace("_", " ")
        else:
            prefix, name = "Your answer:", grade_id
        cell.metadata["feedback"] = {
            "prefix": prefix,
            "name": name,
            "code": cell.cell_type == "code" or not meta.get("solution"),
            "pending": bool(meta.get("needs_manual_grade")) and bool(meta.get("solution") or meta.get("task")),
        }
        return cell, resources


class SummarizeScores(FeedbackStep):
    """The header's line: automatic points, and the points still to be graded by hand (or those already given).

    Test cells are automatic; written answers and tasks are graded by hand. Stored in
    ``resources["feedback"]``; needs the scores of `GetGradesAndPending`.
    """

    def preprocess(self, nb, resources):
        auto = [0.0, 0.0]
        by_hand = [0.0, 0.0]
        pending, unanswered = 0.0, 0
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if not utils.is_grade(cell) and not utils.is_task(cell):
                continue
            score, points = float(meta.get("score") or 0), float(meta.get("points") or 0)
            if utils.is_grade(cell) and not utils.is_solution(cell) and not utils.is_task(cell):
                auto[0] += score
                auto[1] += points
            elif meta.get("needs_manual_grade"):
                pending += points
            else:
                by_hand[0] += score
                by_hand[1] += points
                unanswered += not meta.get("graded_by_hand", True)
        parts = [f"Automatic: {_points(auto[0])} / {_points(auto[1])} points"]
        if by_hand[1]:
            note = f" ({unanswered} not answered)" if unanswered else ""
            parts.append(f"Written answers: {_points(by_hand[0])} / {_points(by_hand[1])} points{note}")
        if pending:
            parts.append(f"{_points(pending)} point{'' if pending == 1 else 's'} still to be graded by hand")
        elif by_hand[1]:
            penalty = float(resources.get("nbgrader", {}).get("late_penalty") or 0)
            total, most = auto[0] + by_hand[0] - penalty, auto[1] + by_hand[1]
            late = " after the late penalty" if penalty else ""
            parts.append(f"Total: {_points(total)} / {_points(most)} points{late}")
        resources["feedback"] = {
            "auto_score": auto[0],
            "auto_max": auto[1],
            "manual_score": by_hand[0],
            "manual_max": by_hand[1],
            "pending_points": pending,
            "summary": " · ".join(parts),
        }
        return nb, resources


def _mathml(latex: str, display: str) -> str:
    """``latex`` as a MathML element; raises on TeX that latex2mathml cannot read."""
    latex = re.sub(r"\\(begin|end)\{aligned\}", r"\\\1{split}", latex)  # latex2mathml reads split, not aligned
    element = convert_to_element(latex, display=display)
    element.attrib.pop("xmlns", None)  # HTML knows <math>; the namespace URL is noise
    text = tostring(element, encoding="unicode")
    # latex2mathml writes symbols as "&#x...;" text, which tostring escapes to "&amp;#x...;": undo only that,
    # so that a "<" or "&" typed inside \text{...} stays escaped.
    return re.sub(r"&amp;(#x[0-9A-Fa-f]+;)", r"&\1", text)


@lru_cache(maxsize=4096)
def latex_to_mathml(latex: str, display: str = "inline") -> str:
    """MathML for ``latex``; the TeX itself, in a ``code`` element, if it cannot be converted."""
    try:
        return _mathml(latex, display)
    except Exception:  # noqa: BLE001 - any TeX the converter rejects is shown as written
        tag = "pre" if display == "block" else "code"
        return f'<{tag} class="tex">{escape(latex)}</{tag}>'


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer with formulas written as MathML instead of ``$...$`` for MathJax."""

    def block_math(self, body: str) -> str:
        return latex_to_mathml(body.strip(), "block")

    def inline_math(self, body: str) -> str:
        return latex_to_mathml(body.strip(), "inline")

    def latex_environment(self, name: str, body: str) -> str:
        return latex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


class FeedbackHTMLExporter(HTMLExporter):
    """The HTML exporter of the course's feedback: its own template, formulas as MathML, nothing from the network.

    nbgrader sets ``HTMLExporter.template_name = "feedback"`` (both ``nbgrader generate_feedback`` and the
    formgrader's button do), so the course's template and its folder are set here, in this class's own section of
    the configuration it is built with (a subclass's section wins over ``HTMLExporter``'s).
    """

    def __init__(self, config=None, **kwargs):
        # Before the exporter reads its configuration: its template paths are fixed when it is built.
        config = Config(deepcopy(config)) if config is not None else Config()
        basedirs = config.HTMLExporter.get("extra_template_basedirs", [])
        config.FeedbackHTMLExporter.extra_template_basedirs = [*basedirs, str(TEMPLATES)]
        config.FeedbackHTMLExporter.template_name = TEMPLATE_NAME
        super().__init__(config=config, **kwargs)

    @contextfilter
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        renderer = MathMLRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)

    def default_filters(self):
        yield from super().default_filters()
        yield ("markdown2html", self.markdown2html)
