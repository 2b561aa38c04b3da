"""nbgrader settings for students: which course this is and where its exchange lives (nothing else).

JupyterLab's Validate button and Assignments panel read this file from the folder `make lab` starts in.
"""

from nnlab.course import COURSE_ID, exchange_root

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

# The course's name: the Assignments panel lists this course's assignments and fetches each one
# into dnn-foundations/<assignment>/ in this folder.
c.CourseDirectory.course_id = COURSE_ID

# The exchange through which your instructor releases assignments and you submit them:
# /srv/nbgrader/exchange on a shared machine or JupyterHub, else a folder in your own data directory
# (~/.local/share/nbgrader/exchange); the environment variable NNLAB_EXCHANGE overrides both.
c.Exchange.root = str(exchange_root())
c.Exchange.path_includes_course = True
