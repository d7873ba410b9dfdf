"""How long a stage takes, worked out from its notebooks: the source of the stated hours.

A stage's hours (``autograder.stages.STAGES``) are a planning estimate for the
target learner, a software engineer with little maths. They are

    the exercises' time boxes
    + reading the notebooks' own text, at READING_WORDS_PER_MINUTE
    + the stage's readings list, for stage 05 (``autograder.readings``)

rounded to whole hours. tests/test_stage_hours.py recomputes this from
``solutions/`` and fails when a stated figure drifts by more than
HOURS_MARGIN, so a change to the time boxes has to be carried into the hours
(and README's table) in the same commit.

    python -m autograder.hours          # the estimate of every stage, next to the stated hours
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from .notebooks import exercises, nbgrader_meta, read_notebook
from .stages import STAGES, Stage

#: technical prose read with its code cells run and its figures looked at: slower than
#: ordinary reading (200-250 words a minute) by a wide margin, on purpose
READING_WORDS_PER_MINUTE = 40

#: how far a stated figure may be from the estimate: the larger of 1 hour and 10%
HOURS_MARGIN = (1.0, 0.10)


@dataclass(frozen=True)
class StageEstimate:
    folder: str
    exercise_minutes: int     # the sum of the exercises' time boxes
    reading_minutes: float    # the notebooks' prose at READING_WORDS_PER_MINUTE
    readings_minutes: int     # the stage's external readings (stage 05 only)

    @property
    def hours(self) -> float:
        return (self.exercise_minutes + self.reading_minutes + self.readings_minutes) / 60


def prose_words(nb) -> int:
    """Words in a notebook's markdown cells, leaving out written-answer cells (rubrics)."""
    words = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown" and not nbgrader_meta(cell).get("solution"):
            words += len(cell.source.split())
    return words


def estimate(stage: Stage, root: str | Path) -> StageEstimate:
    """The estimate for `stage` from the notebooks in root/<stage.folder>/ (solutions/ or
    curriculum/). FileNotFoundError if that folder holds no notebook."""
    folder = Path(root) / stage.folder
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no notebooks in {folder}")
    minutes = words = 0
    for path in paths:
        nb = read_notebook(path)
        minutes += sum(e.minutes for e in exercises(nb))
        words += prose_words(nb)
    readings = 0
    if stage.folder.startswith("05"):
        from .readings import total_minutes
        readings = total_minutes()
    return StageEstimate(stage.folder, minutes, words / READING_WORDS_PER_MINUTE, readings)


def within_margin(stated: float, estimated: float) -> bool:
    """True if a stated figure is within HOURS_MARGIN of the estimate."""
    absolute, relative = HOURS_MARGIN
    return abs(stated - estimated) <= max(absolute, relative * estimated)


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "solutions"
    for stage in STAGES:
        e = estimate(stage, root)
        mark = "" if within_margin(stage.hours, e.hours) else "   <- out of the margin"
        print(f"{stage.folder:26s} exercises {e.exercise_minutes / 60:5.1f} h + notebook text "
              f"{e.reading_minutes / 60:4.1f} h + readings {e.readings_minutes / 60:4.1f} h = "
              f"{e.hours:5.1f} h; stated {stage.hours} h{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
