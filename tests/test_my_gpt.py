"""The learner's own GPT: saving their functions, loading and checking them, falling back, and
the "done means" test: with the reference layers disabled, notebook 10 still trains."""

from __future__ import annotations

import json
import math
import os

import matplotlib
import numpy as np
import pytest
from nbfiles import SOLUTIONS
from solution_pieces import write_solution_pieces

from autograder import mygpt
from autograder.gpt import layers
from autograder.gpt.model import GPT, GPTConfig, init_params
from autograder.gpt.optim import AdamW
from autograder.notebooks import read_notebook

NOTEBOOK_10 = SOLUTIONS / "04_transformer" / "10_your_gpt_on_python.ipynb"
#: what the short run of notebook 10 must reach (the notebook states it)
SHORT_RUN_LOSS = 5.3


@pytest.fixture(scope="module")
def pieces(tmp_path_factory):
    return write_solution_pieces(tmp_path_factory.mktemp("my_gpt"))


def test_every_solution_piece_is_found_and_passes(pieces):
    mine = mygpt.load_my_gpt(pieces)
    assert mine.all_yours, mine.report()
    assert {s.name for s in mine.statuses} == {n for p in mygpt.PIECES.values()
                                              for n in p.functions}
    used = json.loads((pieces / "used.json").read_text())
    assert used["reference"] == {} and len(used["yours"]) == len(mine.statuses)
    assert "Every function that runs below is yours." in mine.report()


def test_the_assembled_gradients_match_the_reference_model(pieces):
    mine = mygpt.load_my_gpt(pieces, record=False)
    cfg = GPTConfig(vocab_size=11, context=6, d_model=8, n_heads=2, n_layers=2, dtype="float64")
    model = GPT(cfg, seed=3)
    rng = np.random.default_rng(0)
    for p in model.params.values():
        p += rng.normal(0, 0.2, p.shape)
    x, y = rng.integers(0, 11, (3, 6)), rng.integers(0, 11, (3, 6))
    mask = np.ones((3, 6))
    loss, grads = mine.loss_and_grads(x, y, mask, model.params, cfg)
    assert loss == pytest.approx(model.loss(x, y, mask), rel=1e-10)
    expected = model.backward()
    for name, g in expected.items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-7, atol=1e-10, err_msg=name)
    np.testing.assert_allclose(mine.logits(x, model.params, cfg), model.logits(x), rtol=1e-10)


def test_a_missing_file_and_a_failing_function_fall_back_and_say_why(tmp_path):
    folder = write_solution_pieces(tmp_path / "my_gpt")
    (folder / "tokenizer.py").unlink()
    block = (folder / "block.py").read_text()
    wrong = "def gelu(x):\n    return x\n\n\ndef _unused(x):"
    (folder / "block.py").write_text(block.replace("def gelu(x):", wrong, 1))
    mine = mygpt.load_my_gpt(folder)
    fallbacks = {s.name: s.reason for s in mine.fallbacks}
    assert set(fallbacks) == {"gelu", *mygpt.PIECES["tokenizer"].functions}
    assert "its check fails" in fallbacks["gelu"]
    assert "not saved yet" in fallbacks["train_bpe"]
    assert "09_bpe_tokenizer" in fallbacks["train_bpe"]
    report = mine.report()
    assert "using the reference for gelu (block)" in report and "✗ tokenizer   0/5" in report
    # the rest is still the learner's, and it works with the fallbacks in place
    assert mine["decode_bpe"](mine["encode_bpe"]("é x", []), []) == "é x"
    assert json.loads((folder / "used.json").read_text())["reference"].keys() == fallbacks.keys()


def test_every_fallback_passes_its_own_check(tmp_path):
    """With nothing saved, every piece falls back; each fallback is a correct answer."""
    mine = mygpt.load_my_gpt(tmp_path / "nothing", record=False)
    assert {s.name for s in mine.fallbacks} == {s.name for s in mine.statuses}
    for piece in mygpt.PIECES.values():
        for name, check_path in piece.checks.items():
            assert mygpt._check(check_path).explain(mine[name]) is None, name


def test_the_adamw_fallback_is_vectorised_and_agrees_with_the_entry_by_entry_oracle(tmp_path):
    """Notebook 10 calls adamw_update for every parameter at every step: the check's own
    reference loops over entries in Python (hours for a full run), so the fallback is
    vectorised, and it computes the same update."""
    mine = mygpt.load_my_gpt(tmp_path / "nothing", record=False)
    fast = mine["adamw_update"]
    slow = mygpt._check(mygpt.PIECES["training"].checks["adamw_update"]).reference
    assert fast is not slow
    rng = np.random.default_rng(3)
    p, g = rng.normal(size=(2, 64, 64)).astype(np.float32)
    m, v = rng.normal(size=(64, 64)).astype(np.float32) * 0.1, rng.random((64, 64)).astype(
        np.float32) * 0.01
    for a, b in zip(fast(p, g, m, v, 7, 3e-3, 0.9, 0.99, 1e-8, 0.1),
                    slow(p, g, m, v, 7, 3e-3, 0.9, 0.99, 1e-8, 0.1), strict=True):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-7)


def test_a_file_that_does_not_run_is_reported_not_raised(tmp_path):
    folder = write_solution_pieces(tmp_path / "my_gpt", only=("training",))
    (folder / "training.py").write_text("import numpy as np\nraise RuntimeError('oops')\n")
    mine = mygpt.load_my_gpt(folder)
    reasons = {s.name: s.reason for s in mine.fallbacks}
    assert "training.py does not run: RuntimeError: oops" in reasons["adamw_update"]


def test_saving_outside_a_workspace_saves_nothing_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(mygpt.DIR_ENV, raising=False)
    monkeypatch.delenv("AUTOGRADER_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert mygpt.save_pieces("training", {}) is None
    assert "Not saved" in capsys.readouterr().out
    monkeypatch.setenv(mygpt.DIR_ENV, str(tmp_path / "mine"))
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert mygpt.save_pieces("training", {}) is None
    assert not (tmp_path / "mine").exists()


def test_saving_names_what_is_missing(tmp_path, capsys):
    path = mygpt.save_pieces("training", {"lr_schedule": lambda *a: 0.0, "adamw_update": 3},
                             tmp_path)
    out = capsys.readouterr().out
    assert "not found" in out and "adamw_update" in out and "lr_schedule" in out
    assert path is not None and "def " not in path.read_text().split('"""', 2)[2]


def test_an_unknown_piece_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown piece"):
        mygpt.save_pieces("optimiser", {}, tmp_path)


def _disable_the_reference(monkeypatch):
    """Every layer of the reference package, its model's passes and its optimiser raise."""
    def refuse(*args, **kwargs):
        raise AssertionError("the reference implementation ran")
    for name in dir(layers):
        if callable(getattr(layers, name)) and not name.startswith("_") and name != "matmul":
            if getattr(getattr(layers, name), "__module__", "") == layers.__name__:
                monkeypatch.setattr(layers, name, refuse)
    monkeypatch.setattr(layers, "matmul", refuse)
    for method in ("logits", "loss", "backward"):
        monkeypatch.setattr(GPT, method, refuse)
    monkeypatch.setattr(AdamW, "step", refuse)


def test_the_reference_is_really_disabled(monkeypatch):
    _disable_the_reference(monkeypatch)
    cfg = GPTConfig(vocab_size=5, context=3, d_model=4, n_heads=2, n_layers=1)
    with pytest.raises(AssertionError, match="reference"):
        GPT(cfg).logits(np.zeros((1, 3), dtype=np.int64))
    with pytest.raises(AssertionError, match="reference"):
        mygpt._reference_loss_and_grads(np.zeros((1, 3), dtype=np.int64),
                                        np.zeros((1, 3), dtype=np.int64), np.ones((1, 3)),
                                        init_params(cfg), cfg)


@pytest.mark.slow
def test_notebook_10_trains_the_learners_gpt_with_the_reference_disabled(pieces, monkeypatch,
                                                                         tmp_path):
    """Done means: the solutions of notebooks 02-06 and 09, saved as a learner's are, train in
    notebook 10 (the short run) to the stated loss with no reference layer running."""
    matplotlib.use("Agg")
    monkeypatch.setenv(mygpt.DIR_ENV, str(pieces))
    monkeypatch.chdir(tmp_path)
    _disable_the_reference(monkeypatch)
    ns: dict = {"__name__": "__main__"}
    for cell in read_notebook(NOTEBOOK_10).cells:
        if cell.cell_type == "code" and "show_progress" not in cell.source:
            exec(compile(cell.source, f"notebook 10, cell {cell.get('id')}", "exec"), ns)
    assert ns["mine"].all_yours, ns["mine"].report()
    history = ns["history"]
    assert len(history) == ns["steps"] and history[0] == pytest.approx(math.log(512), abs=0.2)
    assert np.mean(history[-10:]) < SHORT_RUN_LOSS
    results = ns["results"]
    assert results["GPT"] < results["bigram"] < results["unigram"] < 8.0
    assert os.environ[mygpt.DIR_ENV] == str(pieces)


@pytest.mark.slow
def test_the_save_cell_finds_functions_defined_in_a_kernel(tmp_path, monkeypatch):
    """inspect.getsource works on functions defined in notebook cells (IPython keeps them)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("def lr_schedule(step, total, warmup, peak, "
                                          "final_frac=0.1):\n    return peak  # mine\n"),
                nbformat.v4.new_code_cell('from autograder.mygpt import save_pieces\n'
                                          'save_pieces("training", globals())')]
    monkeypatch.setenv(mygpt.DIR_ENV, str(tmp_path / "my_gpt"))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    saved = (tmp_path / "my_gpt" / "training.py").read_text()
    assert "return peak  # mine" in saved
    assert "not found" in nb.cells[1].outputs[0]["text"] and "adamw_update" in \
        nb.cells[1].outputs[0]["text"]
