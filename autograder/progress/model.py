"""What the progress report holds: exercises, notebooks, stages and the whole curriculum.

Plain data with totals; :mod:`.build` makes it from a workspace, :mod:`.render`
turns it into text and HTML, :mod:`.figure` draws it.

An exercise is *done* when every check its test cells call last passed and
every written answer in it has been written (and saved). Points for written
answers are "awaiting review": a person grades them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ExerciseProgress:
    number: str
    title: str
    minutes: int
    points: float            # all points of the exercise
    auto_points: float       # points of its test cells
    written_points: float    # points of its written answers
    earned: float            # test-cell points whose checks last passed
    pending: float           # written-answer points for answers written, awaiting review
    status: str              # "passed", "written", "in progress", "failing", "not started"
    attempts: int = 0
    last_diagnosis: str | None = None
    last_summary: str | None = None
    reviewed: float = 0.0        # written-answer points a peer gave (autograder.progress.peer)
    reviewed_of: float = 0.0     # the points of the answers those reviews judged
    stale_reviews: int = 0       # reviews of answers rewritten since (not counted)

    @property
    def done(self) -> bool:
        return self.status in ("passed", "written")


@dataclass
class NotebookProgress:
    stage: str
    path: str
    exercises: list[ExerciseProgress]
    current: bool = False

    @property
    def name(self) -> str:
        return Path(self.path).stem

    @property
    def done(self) -> int:
        return sum(e.done for e in self.exercises)

    @property
    def total(self) -> int:
        return len(self.exercises)

    @property
    def earned(self) -> float:
        return sum(e.earned for e in self.exercises)

    @property
    def auto_points(self) -> float:
        return sum(e.auto_points for e in self.exercises)

    @property
    def written_points(self) -> float:
        return sum(e.written_points for e in self.exercises)

    @property
    def pending(self) -> float:
        return sum(e.pending for e in self.exercises)

    @property
    def reviewed(self) -> float:
        return sum(e.reviewed for e in self.exercises)

    @property
    def reviewed_of(self) -> float:
        return sum(e.reviewed_of for e in self.exercises)

    @property
    def stale_reviews(self) -> int:
        return sum(e.stale_reviews for e in self.exercises)

    @property
    def minutes_total(self) -> int:
        return sum(e.minutes for e in self.exercises)

    @property
    def minutes_left(self) -> int:
        return sum(e.minutes for e in self.exercises if not e.done)


@dataclass
class StageProgress:
    folder: str
    title: str
    notebooks: list[NotebookProgress]

    def _sum(self, attr: str):
        return sum(getattr(n, attr) for n in self.notebooks)

    done = property(lambda self: self._sum("done"))
    total = property(lambda self: self._sum("total"))
    earned = property(lambda self: self._sum("earned"))
    auto_points = property(lambda self: self._sum("auto_points"))
    written_points = property(lambda self: self._sum("written_points"))
    pending = property(lambda self: self._sum("pending"))
    reviewed = property(lambda self: self._sum("reviewed"))
    reviewed_of = property(lambda self: self._sum("reviewed_of"))
    stale_reviews = property(lambda self: self._sum("stale_reviews"))
    minutes_total = property(lambda self: self._sum("minutes_total"))
    minutes_left = property(lambda self: self._sum("minutes_left"))


@dataclass
class Report:
    base: Path | None               # the folder the notebooks were read from
    workspace: Path | None          # the learner's workspace (None: nothing is recorded)
    stages: list[StageProgress]
    records: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new_upstream: list[str] = field(default_factory=list)   # notebooks not yet in the workspace

    # -- totals -----------------------------------------------------------------
    def _sum(self, attr: str):
        return sum(getattr(s, attr) for s in self.stages)

    done = property(lambda self: self._sum("done"))
    total = property(lambda self: self._sum("total"))
    earned = property(lambda self: self._sum("earned"))
    auto_points = property(lambda self: self._sum("auto_points"))
    written_points = property(lambda self: self._sum("written_points"))
    pending = property(lambda self: self._sum("pending"))
    reviewed = property(lambda self: self._sum("reviewed"))
    reviewed_of = property(lambda self: self._sum("reviewed_of"))
    stale_reviews = property(lambda self: self._sum("stale_reviews"))
    minutes_total = property(lambda self: self._sum("minutes_total"))
    minutes_left = property(lambda self: self._sum("minutes_left"))

    def notebooks(self) -> list[NotebookProgress]:
        return [n for s in self.stages for n in s.notebooks]

    def next_exercise(self) -> tuple[NotebookProgress, ExerciseProgress] | None:
        """The first exercise not done, in curriculum order (the current notebook's first)."""
        ordered = sorted(self.notebooks(), key=lambda n: not n.current)
        for nb in ordered:
            for ex in nb.exercises:
                if not ex.done:
                    return nb, ex
        return None

    def failing(self) -> list[tuple[NotebookProgress, ExerciseProgress]]:
        return [(nb, ex) for nb in self.notebooks() for ex in nb.exercises
                if ex.status in ("failing", "in progress")]
