"""nbgrader settings of a student's server on the course hub (docs/hub.md).

Read by nbgrader's Assignment List and Validate from this folder, which the hub puts
first on JUPYTER_CONFIG_PATH (hub/jupyterhub_config.py sets the variables).
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = os.environ.get("COURSE_HUB_COURSE_ID", "alignment-curriculum")
c.Exchange.root = os.environ.get("COURSE_HUB_EXCHANGE", "/srv/nbgrader/exchange")
# Fetched assignments go to ~/<assignment>/ (nbgrader's default); the Assignment List
# works from the server's root folder, the student's home.

# The exchange names a submission after the student. nbgrader takes the process's
# system account (TLJH: "jupyter-ada"; zero-to-jupyterhub: everyone is "jovyan", then
# JUPYTERHUB_USER), so the hub user name is given explicitly: the same id on every
# kind of hub, the one the instructor sees in formgrader and grades.csv.
hub_user = os.environ.get("JUPYTERHUB_USER")
if hub_user:
    c.CourseDirectory.student_id = hub_user
