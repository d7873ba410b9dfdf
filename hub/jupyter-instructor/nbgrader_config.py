"""nbgrader settings of the instructor's server on the course hub (docs/hub.md).

The course's own nbgrader_config.py (in the course checkout) is loaded first, so
formgrader and the nbgrader commands see the same source and release folders and
feedback settings as `autograder grade`; then the hub's course id and exchange.
hub/jupyterhub_config.py sets the variables; this folder is first on JUPYTER_CONFIG_PATH.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

course_root = os.environ.get("COURSE_HUB_COURSE_ROOT",
                             "/home/jupyter-instructor/alignment-curriculum")
course_config = os.path.join(course_root, "nbgrader_config.py")
if os.path.isfile(course_config):
    load_subconfig(course_config)  # noqa: F821  (provided by traitlets)

c.CourseDirectory.root = course_root
c.CourseDirectory.course_id = os.environ.get("COURSE_HUB_COURSE_ID", "alignment-curriculum")
c.Exchange.root = os.environ.get("COURSE_HUB_EXCHANGE", "/srv/nbgrader/exchange")
