"""What the coordinator sends a worker, and what comes back.

A job is self-contained: the sanitised notebook (locked cells and hidden tests
already restored from the gradebook), the student's other files, and the few
settings execution needs. A worker, local or on a Dask cluster, needs nothing
else from the course: no gradebook, no solutions folder, no configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .sandbox import Limits

#: Result statuses.
GRADED = "graded"        # every cell ran (cells may have failed: that is the student's result)
PARTIAL = "partial"      # stopped early (time limit, kernel died): cells not run score 0
FAILED = "failed"        # could not be run at all (unreadable notebook, no kernel)


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str
    notebook: str                          # notebook id: the file name without .ipynb
    notebook_json: str                     # sanitised, ready to execute
    files: dict[str, bytes]                # relative path -> content (the student's own files)
    limits: Limits
    watched: dict[str, tuple[str, str | None]]  # names the locked cells import -> (module, attr)
    hidden_markers: tuple[str, str] = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    forbidden: tuple[str, ...] = ()        # host paths the sandbox must never expose
    sandbox: str = "auto"                  # "auto", "require" or "off"
    prestart: bool = True                  # boot the next kernel while this one runs

    @property
    def key(self) -> str:
        return f"{self.assignment}/{self.student}/{self.notebook}"


@dataclass
class Result:
    student: str
    assignment: str
    notebook: str
    status: str
    notebook_json: str | None = None       # the executed notebook
    reason: str | None = None              # why PARTIAL or FAILED, in plain words
    events: list[str] = field(default_factory=list)       # e.g. "output of cell 4 was cut"
    probe: list[str] = field(default_factory=list)        # runtime tampering findings
    # test cells the grader could not judge (grade_id -> why): held for a manual grade
    undetermined: dict[str, str] = field(default_factory=dict)
    sandbox: str = ""                      # "bubblewrap" or what the fallback was
    seconds: float = 0.0                   # executing the notebook
    kernel_wait: float = 0.0               # waiting for the kernel to be ready
    worker: str = ""

    @property
    def key(self) -> str:
        return f"{self.assignment}/{self.student}/{self.notebook}"
