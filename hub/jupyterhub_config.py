"""JupyterHub configuration for a small course on one server (The Littlest JupyterHub
style; zero-to-jupyterhub's hub.extraConfig takes the same lines). See docs/hub.md.

What it sets, and nothing else (the authenticator, the spawner, TLS and the users'
system accounts stay the deployment's own):

- two roles, from the hub group ``instructors``: everyone else is a student;
- per role, a Jupyter config folder put first on ``JUPYTER_CONFIG_PATH`` of the user's
  server (hub/jupyter-student, hub/jupyter-instructor): which of nbgrader's JupyterLab
  plugins and server extensions are on, and the course's nbgrader settings
  (course id, the shared exchange, and for instructors the course directory);
- the learner's progress store in each user's home (``AUTOGRADER_WORKSPACE=~``);
- JupyterLab as the default page.

Settings come from environment variables of the hub process, with these defaults:

    COURSE_HUB_INSTRUCTORS  comma-separated hub user names    (none)
    COURSE_HUB_COURSE_ID    nbgrader course id                alignment-curriculum
    COURSE_HUB_EXCHANGE     the shared exchange folder        /srv/nbgrader/exchange
    COURSE_HUB_COURSE_ROOT  the instructor's course checkout
                            (/home/jupyter-instructor/alignment-curriculum)

Load it from another config file with ``load_subconfig("<path>/jupyterhub_config.py")``
(TLJH: put a one-line file calling it in /opt/tljh/config/jupyterhub_config.d/).
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when JupyterHub loads this file)

HERE = Path(__file__).resolve().parent
INSTRUCTOR_GROUP = "instructors"
CONFIG_DIRS = {"student": HERE / "jupyter-student", "instructor": HERE / "jupyter-instructor"}

instructors = [name.strip() for name in os.environ.get("COURSE_HUB_INSTRUCTORS", "").split(",")
               if name.strip()]
course_env = {
    "COURSE_HUB_COURSE_ID": os.environ.get("COURSE_HUB_COURSE_ID", "alignment-curriculum"),
    "COURSE_HUB_EXCHANGE": os.environ.get("COURSE_HUB_EXCHANGE", "/srv/nbgrader/exchange"),
    "COURSE_HUB_COURSE_ROOT": os.environ.get(
        "COURSE_HUB_COURSE_ROOT", "/home/jupyter-instructor/alignment-curriculum"),
}

# The group is added to at every start; removing someone from it is done in the hub's
# admin page (or its REST API), as JupyterHub documents for load_groups.
c.JupyterHub.load_groups = {INSTRUCTOR_GROUP: {"users": instructors}}


def role_of(spawner) -> str:
    """'instructor' for members of the hub group `instructors`, else 'student'."""
    groups = {group.name for group in spawner.user.groups}
    return "instructor" if INSTRUCTOR_GROUP in groups else "student"


def course_environment(spawner) -> None:
    """Give the user's server its role's Jupyter config and the course settings."""
    role = role_of(spawner)
    paths = [str(CONFIG_DIRS[role])]
    inherited = spawner.environment.get("JUPYTER_CONFIG_PATH", "")
    paths += [p for p in inherited.split(os.pathsep) if p and p != paths[0]]
    spawner.environment.update(course_env)
    spawner.environment.update({
        "JUPYTER_CONFIG_PATH": os.pathsep.join(paths),
        "COURSE_HUB_ROLE": role,
        # Each learner's check records live in their own home: ~/.progress/checks.jsonl.
        "AUTOGRADER_WORKSPACE": "~",
    })


c.Spawner.pre_spawn_hook = course_environment
c.Spawner.default_url = "/lab"
