"""Checks for 08_research/08_scaling_laws.

Oracles: the parameter arrays of the package's own GPT counted one by one (not a
formula); 6ND written out; np.linalg.lstsq for a fit in log space; for the fitted
floor E, the closed-form slope and intercept of a straight line (covariance over
variance), computed for every E of the grid and every bootstrap resample at once;
an explicit loop over the runs for the compute frontier.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from ...gpt.model import GPTConfig, init_params
from ...research import scaling, scaling_runs
from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from .errors import values_then_errors

EMBEDDINGS = ("tok_emb", "pos_emb", "unembed")


def _refuse(condition: bool) -> bool:
    """The reference's refusal: ValueError when `condition` holds, else False."""
    if condition:
        raise ValueError("refused")
    return False

# ---------------------------------------------------------------------------
# Exercise 8.1: non-embedding parameters
# ---------------------------------------------------------------------------


def _non_embedding_params(d_model: int, n_layers: int, mlp_ratio: int) -> int:
    config = GPTConfig(vocab_size=7, context=3, d_model=d_model, n_heads=1,
                       n_layers=n_layers, mlp_ratio=mlp_ratio)
    return int(sum(v.size for k, v in init_params(config).items() if k not in EMBEDDINGS))


check_non_embedding_params = FunctionCheck(
    "non_embedding_params", _non_embedding_params,
    lambda rng: [
        Case("d_model 48, 3 layers, MLP ratio 2", (48, 3, 2)),
        Case("d_model 16, 2 layers, MLP ratio 4 (the grid's second size)", (16, 2, 4)),
        Case("d_model 8, 1 layer, MLP ratio 4", (8, 1, 4)),
        Case("d_model 96, 2 layers, MLP ratio 4 (stage 04's GPT)", (96, 2, 4)),
        Case("d_model 4, 6 layers, MLP ratio 1", (4, 6, 1)),
        Case(f"d_model {(d := 8 * int(rng.integers(2, 9)))}, "
             f"{(layers := int(rng.integers(1, 5)))} layers, MLP ratio 3", (d, layers, 3)),
    ],
    mistakes=[
        Mistake("12 L d^2 only",
                "Your count is 12 x n_layers x d_model^2: the weight matrices of the blocks, "
                "without their biases and without the LayerNorms' gains and biases. That is "
                "Kaplan et al.'s approximation, good for large d_model; the exercise asks for "
                "the exact count, and at d_model = 8 the small vectors are over 10% of it.",
                "Add the biases (3d + d + r d + d per block), the two LayerNorms of each block "
                "(2d each) and the final LayerNorm (2d).",
                variant=lambda d, n, r: 12 * n * d * d),
        Mistake("the MLP ratio taken as 4",
                "Your count is right when mlp_ratio is 4 and wrong otherwise: the MLP's hidden "
                "width is mlp_ratio x d_model, not always 4 x d_model.",
                "W_in is (d, r d), b_in (r d,), W_out (r d, d).",
                variant=lambda d, n, r: _non_embedding_params(d, n, 4)),
        Mistake("final LayerNorm left out",
                "Your count is short by exactly 2 x d_model: the final LayerNorm (gain and "
                "bias, before the unembedding) is not an embedding, so it counts.",
                "Add 2 d_model once, outside the loop over blocks.",
                variant=lambda d, n, r: _non_embedding_params(d, n, r) - 2 * d),
    ],
    rtol=0, atol=0, dtype="kind",
    hint="Per block: W_qkv (d, 3d) and b_qkv, W_o (d, d) and b_o, W_in (d, r d) and b_in, W_out "
         "(r d, d) and b_out, two LayerNorms of 2d each; then the final LayerNorm. Leave out "
         "tok_emb, pos_emb and unembed. Return a Python int.")

# ---------------------------------------------------------------------------
# Exercise 8.2: training FLOPs
# ---------------------------------------------------------------------------


def _training_flops(n_params: int, steps: int, batch_size: int, context: int) -> float:
    tokens = steps * batch_size * context
    return float(6 * n_params * tokens)


check_training_flops = FunctionCheck(
    "training_flops", _training_flops,
    lambda rng: [
        Case("100,000 parameters, 1000 steps of 16 windows of 32 tokens", (100_000, 1000, 16, 32)),
        Case("1,760 parameters, 125 steps of 16 x 32", (1760, 125, 16, 32)),
        Case("a batch of 1 window of 1 token, 1 step", (10, 1, 1, 1)),
        Case("stage 04's GPT: 224,640 parameters, 2000 steps of 16 x 64",
             (224_640, 2000, 16, 64)),
        Case("random sizes", (int(rng.integers(1000, 10**6)), int(rng.integers(1, 5000)),
                              int(rng.integers(1, 64)), int(rng.integers(1, 256)))),
    ],
    mistakes=[
        Mistake("the forward pass only",
                "Your FLOPs are a third of the expected: 2ND is the forward pass (one multiply "
                "and one add per parameter per token). The backward pass costs about twice the "
                "forward (a gradient for the activations and one for the weights), so training "
                "is 6ND.",
                "C = 6 x N x D, with D the tokens seen in training.",
                variant=lambda n, s, b, t: float(2 * n * s * b * t)),
        Mistake("windows instead of tokens",
                "Your D counts windows (steps x batch_size), not tokens: every position of a "
                "window is a prediction the model is trained on, so each token counts.",
                "D = steps x batch_size x context.",
                variant=lambda n, s, b, t: float(6 * n * s * b)),
    ],
    rtol=1e-12, atol=0, dtype="kind",
    hint="D = steps x batch_size x context tokens; C = 6 N D, returned as a float.")

# ---------------------------------------------------------------------------
# Exercise 8.3: the power law with the floor E given
# ---------------------------------------------------------------------------


def _fit_fixed_e(n_params, losses, e) -> tuple[float, float]:
    n, loss = np.asarray(n_params, float), np.asarray(losses, float)
    design = np.stack([np.ones_like(n), -np.log(n)], axis=1)          # (k, 2)
    (log_a, alpha), *_ = np.linalg.lstsq(design, np.log(loss - e), rcond=None)
    return float(np.exp(log_a)), float(alpha)


def _curve(n, e, a, alpha, noise=0.0, rng=None):
    clean = e + a * np.asarray(n, float) ** -alpha
    return clean if rng is None else clean * np.exp(noise * rng.standard_normal(len(n)))


SIZES = np.array([1760.0, 6688, 14_784, 26_048, 56_640])           # the grid's sizes


def _fixed_e_cases(rng) -> list[Case]:
    n = np.geomspace(1e3, 1e6, 6)
    return [
        Case("an exact curve, E = 1.5, A = 20, alpha = 0.3", (n, _curve(n, 1.5, 20, 0.3), 1.5)),
        Case("a noisy curve at the grid's sizes (made with A = 40, alpha = 0.5), E = 3.9",
             (SIZES, _curve(SIZES, 3.9, 40, 0.5, 0.01, rng), 3.9)),
        Case("a pure power law, E = 0, A = 7, alpha = 0.076", (n, _curve(n, 0, 7, 0.076), 0.0)),
        Case("two points, E = 2", (np.array([100.0, 400.0]), np.array([3.0, 2.5]), 2.0)),
        Case("random curve", (np.geomspace(500, 5e5, 5),
                              _curve(np.geomspace(500, 5e5, 5), rng.uniform(1, 4),
                                     rng.uniform(5, 50), rng.uniform(0.1, 0.6), 0.02, rng),
                              0.5)),
    ]


_fixed_e_values = FunctionCheck(
    "fit_fixed_E", _fit_fixed_e, _fixed_e_cases,
    mistakes=[
        Mistake("E not subtracted",
                "Your fit is that of log L against log N, as if E were 0: the line must go "
                "through log(L - E), the part of the loss that falls with size.",
                "y = log(losses - E), x = log(n_params), then a straight line y = log A - alpha x.",
                variant=lambda n, loss, e: _fit_fixed_e(n, loss, 0.0)),
        Mistake("the slope's sign",
                "Your alpha has the wrong sign: the slope of log(L - E) against log N is "
                "-alpha, so alpha is minus the slope (positive when the loss falls).",
                "alpha = -slope.",
                variant=lambda n, loss, e: (_fit_fixed_e(n, loss, e)[0],
                                            -_fit_fixed_e(n, loss, e)[1])),
        Mistake("log A returned as A",
                "Your A is the intercept of the line, log A: exponentiate it.",
                "A = exp(intercept) (or 10 ** intercept if you fitted in log10).",
                variant=lambda n, loss, e: (float(np.log(_fit_fixed_e(n, loss, e)[0])),
                                            _fit_fixed_e(n, loss, e)[1])),
    ],
    rtol=1e-7, atol=1e-10, dtype="kind",
    hint="Least squares of log(L - E) = log A - alpha log N: np.polyfit(np.log(n), "
         "np.log(losses - E), 1) gives (slope, intercept); alpha = -slope, A = exp(intercept).")

check_fit_fixed_E = CustomCheck(
    "fit_fixed_E",
    values_then_errors(_fixed_e_values, [
        (Case("a loss below E", (np.array([10.0, 100, 1000]), np.array([3.0, 2.5, 1.9]), 2.0)),
         "A loss at or below E has no logarithm of L - E: the docstring promises ValueError."),
        (Case("a loss equal to E", (np.array([10.0, 100]), np.array([3.0, 2.0]), 2.0)),
         "A loss at or below E has no logarithm of L - E: the docstring promises ValueError."),
    ]),
    reference=lambda n, loss, e: _refuse(bool(np.any(np.asarray(loss) <= e)))
    or _fit_fixed_e(n, loss, e),
    mistakes=list(_fixed_e_values.mistakes),
    hint=_fixed_e_values.hint)

# ---------------------------------------------------------------------------
# Exercise 8.4: the floor E fitted by a search over a grid
# ---------------------------------------------------------------------------


def _fits_over_grid(n_params, means, e_grid):
    """Closed-form line fits of log(L - E) on log N for every resample and every E.

    means: (B, k) losses; e_grid: (G,). Returns (A, alpha, sse), each (B, G); sse is
    the squared error of log L against log(E + A N^-alpha), inf where E >= min L.
    """
    x = np.log(np.asarray(n_params, float))                              # (k,)
    loss = np.asarray(means, float)[:, None, :]                           # (B, 1, k)
    e = np.asarray(e_grid, float)[None, :, None]                          # (1, G, 1)
    ok = (loss > e).all(axis=2)                                           # (B, G)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.log(loss - e)                                              # (B, G, k)
        xc = x - x.mean()
        slope = (y * xc).sum(axis=2) / (xc * xc).sum()                    # (B, G)
        log_a = y.mean(axis=2) - slope * x.mean()
        pred = np.log(e + np.exp(log_a)[..., None] * np.exp(slope[..., None] * x))
        sse = ((np.log(loss) - pred) ** 2).sum(axis=2)
    return np.exp(log_a), -slope, np.where(ok, sse, np.inf)


def _best_over_grid(n_params, means, e_grid) -> np.ndarray:
    """(B, 3): E, A, alpha of the lowest squared error for each row of means (B, k)."""
    a, alpha, sse = _fits_over_grid(n_params, means, e_grid)
    best = np.argmin(sse, axis=1)                                         # first of ties
    rows = np.arange(len(best))
    return np.stack([np.asarray(e_grid, float)[best], a[rows, best], alpha[rows, best]], axis=1)


def _fit_power_law(n_params, losses, e_grid) -> tuple[float, float, float]:
    e, a, alpha = _best_over_grid(n_params, np.asarray(losses, float)[None, :], e_grid)[0]
    return float(e), float(a), float(alpha)


def _by_residual_of(kind: str) -> Callable:
    """A variant that picks E by another error: of log(L - E) ("shifted") or of L ("linear")."""
    def fit(n_params, losses, e_grid):
        n, loss = np.asarray(n_params, float), np.asarray(losses, float)
        best, best_err = None, np.inf
        for e in e_grid:
            if e >= loss.min():
                continue
            a, alpha = _fit_fixed_e(n, loss, e)
            if kind == "shifted":
                err = float(((np.log(loss - e) - np.log(a * n ** -alpha)) ** 2).sum())
            else:
                err = float(((loss - e - a * n ** -alpha) ** 2).sum())
            if err < best_err:
                best, best_err = (float(e), a, alpha), err
        _refuse(best is None)
        return best
    return fit


E_GRID_CASE = np.round(np.arange(0.0, 5.0, 0.05), 2)


def _power_law_cases(rng) -> list[Case]:
    n = np.geomspace(1e3, 1e6, 7)
    return [
        Case("a noisy curve at the grid's sizes (made with E = 3.9, A = 40, alpha = 0.5)",
             (SIZES, _curve(SIZES, 3.9, 40, 0.5, 0.004, np.random.default_rng(3)), E_GRID_CASE)),
        Case("an exact curve, E = 1.5 (on the grid), A = 20, alpha = 0.3",
             (n, _curve(n, 1.5, 20, 0.3), E_GRID_CASE)),
        Case("a grid that reaches above the smallest loss (those E are skipped)",
             (n, _curve(n, 2.0, 10, 0.4, 0.01, np.random.default_rng(5)), E_GRID_CASE)),
        Case("a noisy curve (made with E = 0.8, A = 5, alpha = 0.25), a fine grid",
             (n, _curve(n, 0.8, 5, 0.25, 0.01, np.random.default_rng(3)),
              np.linspace(0, 1.2, 121))),
        Case("random curve", (n, _curve(n, rng.uniform(1, 3), rng.uniform(5, 30),
                                        rng.uniform(0.2, 0.6), 0.01, rng),
                              np.linspace(0, 3, 61))),
    ]


_power_law_values = FunctionCheck(
    "fit_power_law", _fit_power_law, _power_law_cases,
    mistakes=[
        Mistake("E chosen by the error of log(L - E)",
                "You chose E by the squared error of the straight-line fit itself, in "
                "log(L - E). Those errors are on a different scale for each E (log(L - E) "
                "stretches as E nears the smallest loss), so they cannot rank the E values; "
                "the error that can is the one of the whole curve, in log L.",
                "For each E: fit A and alpha, then err = sum((log L - log(E + A N^-alpha))^2).",
                variant=_by_residual_of("shifted")),
        Mistake("E chosen by the error in loss units",
                "You chose E by the squared error of the losses themselves, not of their "
                "logarithms. The exercise fixes the error in log L, where a point at small N "
                "(large loss) does not outweigh the others.",
                "err = sum((log L - log(E + A N^-alpha))^2).",
                variant=_by_residual_of("linear")),
    ],
    rtol=1e-7, atol=1e-10, dtype="kind",
    hint="Loop over e_grid, skip every E >= min(losses), fit A and alpha with fit_fixed_E, "
         "score the curve by sum((log L - log(E + A N^-alpha))^2), keep the lowest (the first "
         "one on a tie).")

check_fit_power_law = CustomCheck(
    "fit_power_law",
    values_then_errors(_power_law_values, [
        (Case("a grid with every E above the losses",
              (np.array([10.0, 100, 1000]), np.array([3.0, 2.5, 2.2]), np.array([2.5, 3.0]))),
         "No E of the grid lies below every loss: there is nothing to fit, and the docstring "
         "promises ValueError."),
    ]),
    reference=lambda n, loss, grid: _refuse(bool(np.min(grid) >= np.min(loss)))
    or _fit_power_law(n, loss, grid),
    mistakes=list(_power_law_values.mistakes), hint=_power_law_values.hint)

# ---------------------------------------------------------------------------
# Exercise 8.5: the bootstrap over seeds
# ---------------------------------------------------------------------------


def _resample_means(losses, n_boot, rng) -> np.ndarray:
    losses = np.asarray(losses, float)                                   # (k, s)
    k, s = losses.shape
    idx = rng.integers(0, s, size=(n_boot, k, s))
    return np.take_along_axis(np.broadcast_to(losses, (n_boot, k, s)), idx, axis=2).mean(axis=2)


def _bootstrap_fits(n_params, losses, e_grid, n_boot, rng) -> np.ndarray:
    return _best_over_grid(n_params, _resample_means(losses, n_boot, rng), e_grid)


def _one_index_for_all_sizes(n_params, losses, e_grid, n_boot, rng):
    losses = np.asarray(losses, float)
    idx = rng.integers(0, losses.shape[1], size=(n_boot, losses.shape[1]))
    return _best_over_grid(n_params, losses[:, idx].mean(axis=2).T, e_grid)


def _no_resampling(n_params, losses, e_grid, n_boot, rng):
    one = _fit_power_law(n_params, np.asarray(losses, float).mean(axis=1), e_grid)
    return np.tile(np.array(one), (n_boot, 1))


def _bootstrap_cases(rng) -> list[Case]:
    true = _curve(SIZES, 3.9, 40, 0.5)
    noisy = true[:, None] * np.exp(0.01 * np.random.default_rng(11).standard_normal((5, 3)))
    n6 = np.geomspace(1e3, 1e6, 6)
    other = _curve(n6, 1.2, 15, 0.35)[:, None] * np.exp(0.02 * rng.standard_normal((6, 4)))
    return [
        Case("5 sizes x 3 seeds, 20 resamples", (SIZES, noisy, E_GRID_CASE, 20,
                                                 np.random.default_rng(8))),
        Case("6 sizes x 4 seeds, 15 resamples", (n6, other, np.linspace(0, 2, 41), 15,
                                                 np.random.default_rng(int(rng.integers(99))))),
        Case("one resample", (SIZES, noisy, E_GRID_CASE, 1, np.random.default_rng(1))),
    ]


check_bootstrap_fits = FunctionCheck(
    "bootstrap_fits", _bootstrap_fits, _bootstrap_cases,
    mistakes=[
        Mistake("one seed index for every size",
                "Your resamples use the same seed indices for every size. The runs of "
                "different sizes are separate models: seed 0 of one size has nothing in "
                "common with seed 0 of another, so each size's seeds are resampled on their "
                "own, which is what the indices of shape (n_boot, n_sizes, n_seeds) do.",
                "idx = rng.integers(0, n_seeds, size=(n_boot, n_sizes, n_seeds)), drawn once.",
                variant=_one_index_for_all_sizes),
        Mistake("no resampling",
                "Every row of your result is the same fit, the one of the seed means: the "
                "seeds were not drawn again with replacement, so the interval has width 0.",
                "Draw the indices with replacement, then average each size's drawn losses.",
                variant=_no_resampling),
    ],
    rtol=1e-7, atol=1e-10, dtype="kind", allow_input_mutation=True,   # drawing moves the rng
    hint="Draw idx = rng.integers(0, n_seeds, size=(n_boot, n_sizes, n_seeds)) once; for "
         "resample b, the mean of losses[i, idx[b, i]] for each size i is that size's loss; "
         "row b of the result is fit_power_law on those means.")

# ---------------------------------------------------------------------------
# Exercise 8.6: one size up, predicted and compared
# ---------------------------------------------------------------------------

N_BOOT = 200
BOOT_SEED = 8


@lru_cache(maxsize=1)
def _held_prediction() -> dict[str, float | bool]:
    grid = scaling_runs.load_grid()
    n = np.array([_non_embedding_params(int(d), scaling.N_LAYERS, 4) for d in grid["d_model"]])
    n_held = _non_embedding_params(int(grid["held_d_model"]), scaling.N_LAYERS, 4)
    last = grid["loss"][:, -1, :]                                         # (k, s)
    e, a, alpha = _fit_power_law(n, last.mean(axis=1), scaling.E_GRID)
    fits = _bootstrap_fits(n, last, scaling.E_GRID, N_BOOT, np.random.default_rng(BOOT_SEED))
    preds = fits[:, 0] + fits[:, 1] * n_held ** -fits[:, 2]
    low, high = np.percentile(preds, [2.5, 97.5])
    observed = float(grid["held_loss"].mean())
    return {"predicted": float(e + a * n_held ** -alpha), "low": float(low),
            "high": float(high), "observed": observed,
            "held": bool(low <= observed <= high)}


def _verify_prediction(value, ctx: Context) -> None:
    ctx.require(isinstance(value, dict), "`prediction` should be a dict",
                [f"got {type(value).__name__}"])
    expected = _held_prediction()
    missing = [k for k in expected if k not in value]
    ctx.require(not missing, f"`prediction` is missing {missing}",
                ["it needs 'predicted', 'low', 'high', 'observed' and 'held'"])
    for key in ("predicted", "observed", "low", "high"):
        ctx.require(value[key] is not None, f"prediction[{key!r}] is not set yet")
        ctx.expect(expected[key], float(value[key]), label=f"prediction[{key!r}]",
                   rtol=1e-6, atol=1e-9, dtype=None)
    ctx.require(isinstance(value["held"], (bool, np.bool_)), "prediction['held'] should be a bool",
                [f"got {type(value['held']).__name__}"])
    ctx.require(bool(value["held"]) == expected["held"],
                "prediction['held'] does not follow from your interval and the observed loss",
                [f"the observed mean {float(value['observed']):.4f} lies "
                 f"{'inside' if expected['held'] else 'outside'} "
                 f"({float(value['low']):.4f}, {float(value['high']):.4f})"])


check_prediction = CustomCheck(
    "prediction", _verify_prediction, reference=_held_prediction,
    hint="predicted = E + A N^-alpha at the held-out size, with the fit of the grid's largest "
         "budget; low and high the 2.5th and 97.5th percentiles of the same prediction over "
         "the bootstrap fits (n_boot = 200, rng = np.random.default_rng(8)); observed the "
         "mean of the held-out runs; held whether observed lies in [low, high].")

# ---------------------------------------------------------------------------
# Exercise 8.7: the compute frontier
# ---------------------------------------------------------------------------


def _compute_frontier(flops, losses, budgets) -> np.ndarray:
    out = []
    for c in budgets:
        best, best_loss = -1, np.inf
        for i, (f, loss) in enumerate(zip(flops, losses, strict=True)):
            if f <= c and loss < best_loss:
                best, best_loss = i, loss
        out.append(best)
    return np.array(out, dtype=int)


def _strict_budget(flops, losses, budgets):
    return _compute_frontier(flops, losses, np.asarray(budgets, float) - 1e-9 * np.abs(budgets))


def _ignores_budget(flops, losses, budgets):
    return np.full(len(budgets), int(np.argmin(losses)), dtype=int)


def _frontier_cases(rng) -> list[Case]:
    flops = np.array([1.0, 2.0, 4.0, 2.0, 4.0, 8.0]) * 1e9
    losses = np.array([5.0, 4.8, 4.7, 4.9, 4.6, 4.4])
    n = 12
    rf = rng.uniform(1, 100, n).round() * 1e8
    rl = rng.uniform(4, 5, n)
    return [
        Case("six runs, budgets equal to some runs' FLOPs (<= counts)",
             (flops, losses, np.array([2e9, 4e9, 8e9, 3e9]))),
        Case("a budget below every run (-1)", (flops, losses, np.array([5e8, 1e9]))),
        Case("random runs and budgets", (rf, rl, np.sort(rng.uniform(1, 100, 5).round() * 1e8))),
    ]


check_compute_frontier = FunctionCheck(
    "compute_frontier", _compute_frontier, _frontier_cases,
    mistakes=[
        Mistake("strictly below the budget",
                "A run whose FLOPs equal the budget was left out: the budget is a most, so a "
                "run that costs exactly the budget is affordable (<=, not <).",
                "Keep the runs with flops <= budget.", variant=_strict_budget),
        Mistake("the budget ignored",
                "Every budget got the lowest loss of all runs, whatever it cost: keep only the "
                "runs that fit in the budget before taking the lowest loss.",
                "mask = flops <= budget; then the lowest loss among those runs.",
                variant=_ignores_budget),
    ],
    rtol=0, atol=0, dtype="kind",
    hint="For each budget: the runs with flops <= budget; among them the index of the lowest "
         "loss (the first on a tie); -1 when none fits. Return an int array, one per budget.")
