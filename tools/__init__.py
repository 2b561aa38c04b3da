"""Instructor tools of the course (not needed by students): demo submissions and the grading pipeline."""
