"""Instructor-side grading code: what only nbgrader's autograde needs (never part of the student copy).

``grader.guard`` holds the grading-time guard and nbgrader's preprocessors as the course configures them.
Nothing here computes a graded result: a student's code runs in the same grading kernel and can import it.
"""
