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
    Stage("06_interpretability", "Interpretability", 26,
          "hook your own model, replicate induction heads, attribute logits, patch "
          "activations and estimate patches by gradient, probe the residual stream, ablate "
          "with care, train sparse autoencoders and steer with a direction"),
    Stage("07_rl_and_rlhf", "RL and RLHF", 29,
          "bandits, MDPs, policy gradients, PPO's objective, a reward model from preferences, "
          "RLHF, PPO and DPO on their own model, reward hacking measured, best-of-n and an "
          "adaptive KL coefficient, TD and Q-learning, a goal that misgeneralises"),
    Stage("08_research", "Research", 27,
          "run experiments whose conclusions hold (seeds, bootstrap, paired comparisons, "
          "pre-registered predictions), build an eval, replicate a paper on CPU, write it up, "
          "debug a run that trains but is wrong, measure a scaling law in miniature"),
)

STAGE_FOLDERS = tuple(s.folder for s in STAGES)


def checks_package(folder: str) -> str:
    """The naming rule: stage folder ``NN_name`` keeps its checks in ``autograder.checks.<name>``.

    A package (one module per notebook, plus ``shared.py`` for what those modules share
    and ``oracles.py`` for reference implementations) or, for stage 00, a single module.
    """
    number, _, name = folder.partition("_")
    if not (number.isdigit() and name):
        raise ValueError(f"{folder!r} is not a stage folder (NN_name)")
    return f"autograder.checks.{name}"


# Which module of its stage's checks package each notebook imports its checks from,
# relative to autograder.checks (a notebook's name does not predict it: 08_looking_inside
# uses transformer.inside). tests/test_naming.py checks every solution notebook against it.
# Adding a notebook: add its line here.
CHECK_MODULES: dict[str, dict[str, str]] = {
    "00_orientation": {
        "01_how_this_works": "orientation",
        "02_numpy_warmup": "orientation",
        "03_first_learning_plan": "orientation",
    },
    "01_linear_algebra": {
        "01_vectors": "linear_algebra.vectors",
        "02_matrices_as_maps": "linear_algebra.maps",
        "03_linear_systems": "linear_algebra.systems",
        "04_bases_and_rank": "linear_algebra.bases",
        "05_eigenvectors": "linear_algebra.eigen",
        "06_svd_and_pca": "linear_algebra.svd",
        "07_least_squares": "linear_algebra.least_squares",
    },
    "02_calculus": {
        "01_derivatives": "calculus.derivatives",
        "02_gradients": "calculus.gradients",
        "03_chain_rule": "calculus.chain_rule",
        "04_gradient_descent": "calculus.descent",
        "05_autograd": "calculus.autograd",
        "06_layers": "calculus.layers",
        "07_training_an_mlp": "calculus.mlp",
    },
    "03_probability": {
        "01_random_variables": "probability.random_variables",
        "02_random_vectors": "probability.random_vectors",
        "03_limit_theorems": "probability.limit_theorems",
        "04_bayes": "probability.bayes",
        "05_maximum_likelihood": "probability.likelihood",
        "06_information": "probability.information",
        "07_preferences": "probability.preferences",
        "08_calibration": "probability.forecasts",
    },
    "04_transformer": {
        "01_tokens_and_tasks": "transformer.tokens",
        "02_embeddings_and_loss": "transformer.embeddings",
        "03_attention": "transformer.attention",
        "04_the_block": "transformer.block",
        "05_backward": "transformer.backward",
        "06_training": "transformer.training",
        "07_sampling": "transformer.sampling",
        "08_looking_inside": "transformer.inside",
        "09_bpe_tokenizer": "transformer.tokenizer",
        "10_your_gpt_on_python": "transformer.own_gpt",
    },
    "05_alignment_reflections": {
        "01_reading_log": "alignment_reflections.reading_log",
        "02_why_this_might_be_hard": "alignment_reflections.arguments",
        "03_the_landscape": "alignment_reflections.landscape",
        "04_forming_your_own_views": "alignment_reflections.views",
        "05_hamming_and_theory_of_change": "alignment_reflections.impact",
        "06_forecasting_and_calibration": "alignment_reflections.forecasts",
        "07_personal_fit_and_learning_plan": "alignment_reflections.plan",
    },
    "06_interpretability": {
        "01_hooks": "interpretability.hooks",
        "02_induction_heads": "interpretability.induction",
        "03_attribution": "interpretability.attribution",
        "04_activation_patching": "interpretability.patching",
        "05_probing": "interpretability.probing",
        "06_ablation": "interpretability.ablation",
        "07_reflections": "interpretability.reflections",
        "08_sparse_autoencoders": "interpretability.sae",
        "09_steering": "interpretability.steering",
        "10_attribution_patching": "interpretability.attribution_patching",
    },
    "07_rl_and_rlhf": {
        "01_bandits": "rl_and_rlhf.bandits",
        "02_mdps": "rl_and_rlhf.mdp",
        "03_policy_gradients": "rl_and_rlhf.policy_gradient",
        "04_ppo": "rl_and_rlhf.ppo",
        "05_reward_model": "rl_and_rlhf.reward_model",
        "06_rlhf": "rl_and_rlhf.rlhf",
        "07_reward_hacking": "rl_and_rlhf.hacking",
        "08_dpo": "rl_and_rlhf.dpo",
        "09_reflections": "rl_and_rlhf.reflections",
        "10_ppo_for_language_models": "rl_and_rlhf.ppo_lm",
        "11_learning_from_experience": "rl_and_rlhf.td_learning",
        "12_best_of_n": "rl_and_rlhf.best_of_n",
        "13_kl_control": "rl_and_rlhf.kl_control",
    },
    "08_research": {
        "01_experiments_you_can_trust": "research.experiments",
        "02_toy_models_of_superposition": "research.superposition",
        "03_an_eval": "research.evals",
        "04_grokking": "research.grokking",
        "05_writing_it_up": "research.writeup",
        "06_a_question_of_your_own": "research.capstone",
        "07_when_a_run_goes_wrong": "research.debugging",
        "08_scaling_laws": "research.scaling",
        "09_weak_to_strong": "research.weak_to_strong",
    },
}


def stage(folder: str) -> Stage:
    """The Stage whose folder is `folder` (KeyError if there is none)."""
    for s in STAGES:
        if s.folder == folder:
            return s
    raise KeyError(f"no stage {folder!r}; the stages are {', '.join(STAGE_FOLDERS)}")
