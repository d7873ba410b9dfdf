"""nbgrader configuration for this course (the repository root is the course root).

solutions/  nbgrader's *source* directory: instructor notebooks with solutions,
            hidden tests and rubrics. The one source of truth.
curriculum/ nbgrader's *release* directory: the learner copies, made by
            `python3 manage.py release` (nbgrader generate_assignment).

nbgrader's own `solution_directory` (where `generate_solution` writes) is
renamed so it cannot be confused with `solutions/`.
"""

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "alignment-curriculum"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "curriculum"
c.CourseDirectory.solution_directory = "released_solutions"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.png"]

# Per-cell time limit when nbgrader executes a notebook (validate, autograde).
# Generous: the slowest graded cell trains a small model in well under a minute.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Learner copies: the stub every solution region becomes.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback: nbgrader's own generate_feedback (formgrader's "generate feedback" button)
# would show the hidden tests, the rubric copies in their regions (autograder/rubrics.py)
# and the context a failing visible check quotes from them. HideHiddenTests removes all
# of that; `autograder grade` uses the same preprocessor.
c.GenerateFeedback.preprocessors = [
    "autograder.grading.feedback.HideHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.HideHiddenTests.enforce_metadata = False
