"""Stage 07 fine-tunes the learner's own GPT from 04/10 when it is saved and fits; otherwise the
shipped checkpoint, with a sentence saying why (autograder.rl.own_model). Never a crash."""

from __future__ import annotations

import json

import numpy as np
import pytest

from autograder.gpt.textgpt import load_checkpoint
from autograder.rl import own_model, policy


@pytest.fixture
def learner(monkeypatch):
    """The environment of a learner's kernel: neither the suite's override nor grading."""
    monkeypatch.delenv(own_model.ENV, raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def _save(folder, *, merges=None, scale: float = 1.01, params=None):
    """A 'learner's model': the shipped one with every parameter scaled, saved by the 04/10 call."""
    ship = policy.shipped_checkpoint()
    params = params if params is not None else {k: v * scale for k, v in ship.params.items()}
    return own_model.save_trained_gpt(folder, params, ship.config,
                                      ship.merges if merges is None else merges,
                                      ship.train_ids[:5000], [3.0, 2.5, 2.0], 12.0)


def test_a_saved_model_that_fits_is_used_and_recorded(tmp_path, learner, capsys):
    path = _save(tmp_path)
    assert path == tmp_path / own_model.FILE and "Saved your trained GPT" in capsys.readouterr().out
    choice = own_model.choose_policy(tmp_path)
    assert choice.yours and choice.path == path
    assert "YOUR GPT" in choice.sentence() and "3 training steps" in choice.sentence()
    ship = policy.shipped_checkpoint()
    model = choice.model()
    for name, value in ship.params.items():   # the saved (float16) scaled parameters, not shipped
        np.testing.assert_allclose(model.params[name], value * 1.01, rtol=2e-3, atol=1e-3)
    assert not np.allclose(model.params["unembed"], ship.params["unembed"], rtol=1e-3, atol=0)
    model.params["unembed"][:] = 0.0                       # a fresh copy each time
    assert np.any(choice.model().params["unembed"] != 0.0)
    assert json.loads((tmp_path / own_model.RECORD).read_text())["model"] == "yours"


def test_no_saved_model_means_the_shipped_one_and_how_to_get_yours(tmp_path, learner):
    choice = own_model.choose_policy(tmp_path)
    assert not choice.yours
    assert "SHIPPED" in choice.sentence() and "FULL_RUN = True" in choice.sentence()
    np.testing.assert_array_equal(choice.model().params["unembed"],
                                  policy.reference_model().params["unembed"])
    record = json.loads((tmp_path / own_model.RECORD).read_text())
    assert record["model"] == "shipped" and "no trained model" in record["reason"]


def test_outside_a_workspace_the_shipped_one_is_used_and_nothing_is_saved(learner, capsys):
    choice = own_model.choose_policy(None)
    assert not choice.yours and "not inside a learner workspace" in choice.sentence()
    assert own_model.save_trained_gpt(None, {}, policy.shipped_checkpoint().config, [], [], [],
                                      0.0) is None
    assert "Not saved" in capsys.readouterr().out


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", b"PK\x03\x04broken"])
def test_a_corrupt_file_is_reported_not_raised(tmp_path, learner, content):
    (tmp_path / own_model.FILE).write_bytes(content)
    choice = own_model.choose_policy(tmp_path)
    assert not choice.yours and "could not be read" in choice.reason
    assert "FULL_RUN = True" in choice.sentence()


def test_a_file_with_missing_arrays_is_reported(tmp_path, learner):
    np.savez(tmp_path / own_model.FILE, merges=np.zeros((3, 2), dtype=np.int32))
    choice = own_model.choose_policy(tmp_path)
    assert not choice.yours and "could not be read" in choice.reason


def test_other_merges_diverged_training_or_another_shape_do_not_fit(tmp_path, learner):
    ship = policy.shipped_checkpoint()
    merges = list(ship.merges)
    merges[5] = (merges[5][1], merges[5][0])
    _save(tmp_path, merges=merges)
    reason = own_model.choose_policy(tmp_path).reason
    assert "merges differ" in reason and "merge 5" in reason

    params = {k: v.copy() for k, v in ship.params.items()}
    params["tok_emb"][0, 0] = np.nan
    _save(tmp_path, params=params)
    assert "NaN" in own_model.choose_policy(tmp_path).reason

    params = {k: v for k, v in ship.params.items() if k != "unembed"}
    _save(tmp_path, params=params)
    assert "unembed is missing" in own_model.choose_policy(tmp_path).reason


def test_grading_and_the_suite_always_use_the_shipped_model(tmp_path, learner, monkeypatch):
    _save(tmp_path)
    monkeypatch.setenv(own_model.ENV, "shipped")
    assert not own_model.choose_policy(tmp_path).yours
    monkeypatch.delenv(own_model.ENV)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    choice = own_model.choose_policy(tmp_path)
    assert not choice.yours and "grading" in choice.reason
    assert own_model.save_trained_gpt(tmp_path / "other", {}, choice.checkpoint.config, [], [],
                                      [], 0.0) is None
    assert not (tmp_path / "other").exists()


def test_the_saved_file_is_the_shipped_checkpoints_format(tmp_path, learner):
    ckpt = load_checkpoint(_save(tmp_path))
    assert ckpt.steps == 3 and ckpt.merges == policy.shipped_checkpoint().merges
    assert len(ckpt.train_ids) == 5000
