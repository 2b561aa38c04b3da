"""nbgrader configuration of the course: one file, read by every nbgrader command run in this directory."""

import os

from nnlab.course import COURSE_ID, exchange_root

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

# The course's name in the gradebook and in exchange folders; one course per repository.
c.CourseDirectory.course_id = COURSE_ID

# nbgrader's filesystem exchange: releases go out, submissions come in, feedback goes back through it.
# /srv/nbgrader/exchange on a shared machine or hub, else a folder in your own data directory; see nnlab/course.py
# and `python -m tools.exchange`, which creates it with safe permissions. Students fetch into
# <their notebook folder>/dnn-foundations/<assignment>/ (the course id in the path keeps courses apart).
c.Exchange.root = str(exchange_root())
c.Exchange.path_includes_course = True

# The course root is the folder holding this file, so nbgrader works from any working directory
# and a copy of the course (as the tests and the demo make) grades itself, not the original.
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# Students' files that are never copied into release/, submitted/ or feedback/. Python and config files
# are among them: the grading kernel runs in the submission's folder, so a submitted nnlab/checks.py,
# numpy.py or ipython_kernel_config.py(.json) would replace the course's own code (no assignment needs them).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.egg-info", ".DS_Store",
                            "*.py", "*.json", "*.so", "*.pth"]

# Never copy anything bigger than 5 MB (e.g. a stray data dump) into release/ or autograded/.
c.CourseDirectory.max_file_size = 5 * 1024

# What students see in place of a solution: a clear marker and an error, so an untouched
# exercise fails its tests loudly instead of passing by accident.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Generating an assignment first copies each notebook's reference functions (written once, in a cell tagged
# "hidden-references") into the hidden tests that use them, and leaves that cell out: see grader/references.py.
# The other steps are nbgrader 0.9's defaults, in its order.
c.GenerateAssignment.preprocessors = [
    "grader.references.InlineReferences",
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Every cell of a submission gets at most 60 s: enough for any exercise of the course
# (each notebook runs in seconds), short enough that an infinite loop cannot hold up a class.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# A student who deletes a graded cell (a test or an answer) gets it back at grading time,
# with a note, instead of silently losing the cell or breaking the whole notebook's grade.
c.OverwriteCells.add_missing_cells = True
# nbgrader 0.9.6 fails the whole notebook when it re-adds a test cell that follows a locked "try it" cell
# (every test cell here): grader.overwrite_cells.RestoringOverwriteCells puts it back after the nearest cell present.
# The other sanitizing steps are nbgrader's defaults, in its order.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "grader.overwrite_cells.RestoringOverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Long output (an accidental print in a loop) is cut in feedback and in the formgrader.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 100

# Autograding runs nbgrader's own steps with one change: Execute is grader.guard.GuardedExecute,
# which caps the grading kernel's memory and, before each test cell, silently undoes what a submission
# patched (np.allclose, the nnlab.checks helpers, print, round, IPython's traceback and result display),
# so such a patch cannot make a wrong answer pass. It cannot stop a determined student (see README,
# "Grading safely"); the order of the other steps is nbgrader 0.9's default.
c.Autograde.autograde_preprocessors = [
    "grader.guard.GuardedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# The gradebook lives at the course root (ignored by git: it holds students' grades).
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")

# Feedback (`nbgrader generate_feedback`, and the formgrader's button) teaches without publishing the tests:
# nbgrader's own steps would show every hidden test's source (seeds, the quizzes' answer key), tracebacks through
# nnlab's internals, and formulas only with MathJax from a CDN. grader/feedback.py adds one step per concern after
# GetGrades (which it extends to note the answers still to grade by hand): tracebacks keep the notebook's frames and
# the message, hidden-test regions become a one-line note (their output stays), each graded cell is labelled after
# its function ("Tests of relu"), and the header states the automatic points and those still to grade by hand.
# Its exporter writes every formula as MathML (latex2mathml) with the template in grader/templates/course_feedback:
# the page loads nothing from the network.
c.GenerateFeedback.exporter_class = "grader.feedback.FeedbackHTMLExporter"
c.GenerateFeedback.preprocessors = [
    "grader.feedback.GetGradesAndPending",
    "grader.feedback.CleanTracebacks",
    "grader.feedback.HideHiddenTests",
    "grader.feedback.LabelGradedCells",
    "grader.feedback.SummarizeScores",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
