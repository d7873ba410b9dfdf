"""Which GPT RLHF and DPO fine-tune: the learner's own from notebook 04/10, or the shipped one.

    save_trained_gpt(folder, params, config, merges, train_ids, history, seconds)  # 04/10
    choice = choose_policy(folder)      # folder: autograder.mygpt.pieces_dir() in a notebook
    print(choice.sentence())            # which model, and why
    gpt, reference = choice.model(), choice.model()

After its full run (FULL_RUN = True), notebook 04/10 saves the learner's
trained parameters, tokenizer merges and encoded training text to
``<folder>/trained_gpt.npz`` (folder: the learner's ``my_gpt/`` workspace
folder), in the format of the shipped checkpoint (autograder.gpt.textgpt).
Notebooks 06 and 08 of stage 07 start from that model when it is there and
fits this stage: the recipe's shape, and the same tokenizer merges as the
shipped model (the comparisons and the reward model of this stage are in the
shipped model's tokens; a correct tokenizer trained by the recipe makes
exactly those merges). Otherwise they use the shipped checkpoint, and say why.

The reward model stays the shipped one in every case (a linear head on the
frozen shipped GPT, autograder.rl.reward_model): it is a separate network from
the policy, as in practice, and every learner optimises the same proxy.

Grading (``NBGRADER_EXECUTION``) and the test suite (``AUTOGRADER_RL_MODEL=shipped``,
set in tests/conftest.py) always use the shipped checkpoint, so that their
numbers do not depend on anyone's workspace. The choice is recorded in
``<folder>/rl_model.json``, next to the record of notebook 04/10's fallbacks
(``used.json``).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..gpt import textgpt
from ..gpt.model import GPT, GPTConfig

FILE = "trained_gpt.npz"
RECORD = "rl_model.json"
ENV = "AUTOGRADER_RL_MODEL"          # "shipped": always the shipped checkpoint (the tests)
HOW_TO_TRAIN = ("run notebook 04/10 with FULL_RUN = True: it trains your GPT for the full "
                "budget and saves it")


@dataclass(frozen=True)
class ModelChoice:
    """The checkpoint to fine-tune, whether it is the learner's, and why."""

    checkpoint: textgpt.Checkpoint
    yours: bool
    reason: str                       # why this model (a clause: "no trained model ...")
    path: Path | None = None          # the learner's file, when one was looked for

    def model(self) -> GPT:
        """A fresh copy of the chosen GPT (float32 parameters), to train or to keep frozen."""
        ckpt = self.checkpoint
        return GPT(ckpt.config, params={k: v.copy() for k, v in ckpt.params.items()})

    def sentence(self) -> str:
        """One sentence for the notebook: which model is in use, and why."""
        if self.yours:
            return (f"Policy and reference: YOUR GPT from notebook 04/10 ({self.checkpoint.steps} "
                    f"training steps, {self.path}). The reward model stays the shipped one.")
        return (f"Policy and reference: the SHIPPED Python GPT of notebook 04/10, because "
                f"{self.reason}.")


def save_trained_gpt(folder: str | Path | None, params: dict[str, np.ndarray], config: GPTConfig,
                     merges: Sequence[tuple[int, int]], train_ids: np.ndarray,
                     loss_curve: Sequence[float], seconds: float, *,
                     valid_loss: float = math.nan) -> Path | None:
    """Save a trained GPT for stage 07: <folder>/trained_gpt.npz; returns the path, or None.

    params: {name: array} as GPT.params; config: its GPTConfig; merges: the tokenizer's
    (a, b) pairs; train_ids: (N,) ids of the training text; loss_curve: (steps,) training
    losses; seconds: training time. Nothing is saved (None, one printed line) outside a
    workspace (folder None) or while nbgrader grades.
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        return None
    if folder is None:
        print("Not saved: this notebook is not inside a learner workspace, so stage 07 will "
              "use the shipped checkpoint.")
        return None
    ckpt = textgpt.Checkpoint([(int(a), int(b)) for a, b in merges],
                              {k: np.asarray(v, dtype=np.float32) for k, v in params.items()},
                              config, len(loss_curve), float(seconds), float(valid_loss),
                              np.asarray(loss_curve, dtype=np.float32),
                              np.asarray(train_ids, dtype=np.int64))
    path = Path(folder) / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{FILE}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            textgpt.save_checkpoint(out, ckpt)  # type: ignore[arg-type]  # a file object works
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    print(f"Saved your trained GPT to {path}: stage 07 fine-tunes it with RLHF and DPO.")
    return path


def choose_policy(folder: str | Path | None, *, record: bool = True) -> ModelChoice:
    """The learner's trained GPT from <folder>/trained_gpt.npz if it fits this stage, else the
    shipped checkpoint, with the reason. Never raises for the learner's file: a missing,
    unreadable or mismatched one means the shipped model and a sentence saying why."""
    shipped = _shipped()
    path = None if folder is None else Path(folder) / FILE
    if os.environ.get("NBGRADER_EXECUTION"):
        return ModelChoice(shipped, False, "grading uses it for everyone (the same numbers for "
                           "every submission)")
    if os.environ.get(ENV) == "shipped":
        return ModelChoice(shipped, False, f"{ENV}=shipped is set (the test suite sets it, "
                           "so that its runs do not depend on a workspace)")
    if path is None:
        choice = ModelChoice(shipped, False, "this notebook is not inside a learner workspace, "
                             "where your trained model would be")
    elif not path.is_file():
        choice = ModelChoice(shipped, False, f"no trained model of yours is saved at {path} "
                             f"(to use yours, {HOW_TO_TRAIN})", path)
    else:
        choice = _from_file(path, shipped)
    if record and folder is not None and Path(folder).is_dir():
        _record(Path(folder), choice)
    return choice


def _shipped() -> textgpt.Checkpoint:
    from . import policy

    return policy.shipped_checkpoint()


def _from_file(path: Path, shipped: textgpt.Checkpoint) -> ModelChoice:
    try:
        mine = textgpt.load_checkpoint(path)
    except Exception as err:  # the learner's file: report, never crash
        return ModelChoice(shipped, False, f"your saved model {path} could not be read "
                           f"({type(err).__name__}: {err}); to save it again, {HOW_TO_TRAIN}",
                           path)
    problem = mismatch(mine, shipped)
    if problem:
        return ModelChoice(shipped, False, f"your saved model {path} does not fit this stage: "
                           f"{problem}", path)
    return ModelChoice(mine, True, "it was found and fits this stage", path)


def mismatch(mine: textgpt.Checkpoint, shipped: textgpt.Checkpoint) -> str:
    """Why `mine` cannot stand in for the shipped model in stage 07 ("" when it can)."""
    if mine.config != shipped.config:
        return (f"its shape {mine.config} differs from the recipe's {shipped.config} (train it "
                "with the recipe of 04/10 unchanged)")
    if list(mine.merges) != list(shipped.merges):
        pairs = zip(mine.merges, shipped.merges, strict=False)
        k = next((i for i, (a, b) in enumerate(pairs) if a != b),
                 min(len(mine.merges), len(shipped.merges)))
        return (f"its tokenizer's merges differ from the shipped tokenizer's (first at merge {k}), "
                "and this stage's preference data and reward model are in the shipped tokens "
                "(check your train_bpe in notebook 04/09)")
    for name, value in shipped.params.items():
        have = mine.params.get(name)
        if have is None or have.shape != value.shape:
            return f"its parameter {name} is missing or has the wrong shape"
        if not np.all(np.isfinite(have)):
            return f"its parameter {name} holds NaN or infinite values (the training diverged)"
    extra = sorted(set(mine.params) - set(shipped.params))
    if extra:
        return f"it has parameters the recipe's GPT does not: {', '.join(extra[:3])}"
    if len(mine.train_ids) < 1000:
        return "its training text is too short to draw prompts from"
    return ""


def _record(folder: Path, choice: ModelChoice) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{RECORD}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"time": round(time.time(), 3),
                       "model": "yours" if choice.yours else "shipped",
                       "reason": choice.reason}, out, indent=1)
        os.replace(tmp, folder / RECORD)
    except OSError:
        pass
