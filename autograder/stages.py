"""The stages of the curriculum: their folders, titles, goals and rough hours.

`hours` is the planning estimate a learner sees in stage 00 and in README: the
exercises' time boxes plus reading (the notebooks' text, and stage 05's
readings list), rounded. ``python -m autograder.hours`` works it out from the
notebooks, and tests/test_stage_hours.py fails when a figure here drifts from
it. The progress report computes the time left from the time boxes alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    folder: str   # "01_linear_algebra": the folder under solutions/ and curriculum/
    title: str
    hours: int    # hours for a newcomer: time boxes plus reading (autograder.hours)
    goal: str     # what the learner can do at the end


STAGES: tuple[Stage, ...] = (
    Stage("00_orientation", "Orientation", 5,
          "use the notebooks, the checks and the progress report; NumPy fluency; a first "
          "learning plan"),
    Stage("01_linear_algebra", "Linear algebra", 17,
          "reason about vectors, matrices as maps, bases, rank, eigen- and singular-value "
          "decompositions, projections, least squares and PCA"),
    Stage("02_calculus", "Calculus", 19,
          "differentiate by hand and numerically, use gradients and the chain rule, write a "
          "small autograd engine and train an MLP"),
    Stage("03_probability", "Probability", 18,
          "work with distributions, Bayes' rule, the LLN and CLT, maximum likelihood, "
          "entropy and KL, sampling, preference models and calibration"),
    Stage("04_transformer", "A transformer from scratch", 24,
          "build a GPT-style model in NumPy and a BPE tokenizer, train your own on Python "
          "source, sample from it and look inside"),
    Stage("05_alignment_reflections", "Alignment reading reflections", 41,
          "read the core texts, paraphrase arguments, find cruxes, forecast, and write a theory "
          "of change and a learning plan"),
    Stage("06_interpretability", "Interpretability", 13,
          "hook your own model, replicate induction heads, attribute logits, patch "
          "activations, probe the residual stream and ablate with care"),
    Stage("07_rl_and_rlhf", "RL and RLHF", 16,
          "bandits, MDPs, policy gradients, PPO's objective, a reward model from preferences, "
          "RLHF and DPO on their own model, reward hacking measured"),
    Stage("08_research", "Research", 16,
          "run experiments whose conclusions hold (seeds, bootstrap, paired comparisons, "
          "pre-registered predictions), build an eval, replicate a paper on CPU, write it up"),
)

STAGE_FOLDERS = tuple(s.folder for s in STAGES)


def stage(folder: str) -> Stage:
    """The Stage whose folder is `folder` (KeyError if there is none)."""
    for s in STAGES:
        if s.folder == folder:
            return s
    raise KeyError(f"no stage {folder!r}; the stages are {', '.join(STAGE_FOLDERS)}")
