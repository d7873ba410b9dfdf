"""Checks for 02_calculus/07_training_an_mlp: an MLP trained from scratch on two spirals.

The network: logits = tanh(tanh(X W1 + b1) W2 + b2) W3 + b3, with parameters in a
dict {"W1", "b1", "W2", "b2", "W3", "b3"}; the loss is the mean softmax
cross-entropy.

Oracles: initialisation by its statistics (shapes, zeros, the spread of the
weights, reproducibility); the forward pass by a loop over examples; the
gradients by central finite differences, tensor by tensor (autograder.gradcheck);
mini-batches by their properties; the training loop by short runs on an easy
problem; the trained network by its accuracy on fresh spirals it has never seen,
computed with the check's own forward pass.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..gradcheck import expect_gradients
from ..multi import MultiCheck
from ..randomness import global_rng_state
from ..spec import Case, Mistake
from . import reference_mlp as ref
from .data import make_spirals
from .shared import run

TARGET_ACCURACY = 0.97
HELD_OUT_SEED = 12345
HELD_OUT_PER_CLASS = 500


# ---------------------------------------------------------------------------
# Exercise 7.1: initialisation
# ---------------------------------------------------------------------------

ZERO_INIT = Mistake(
    "all weights zero",
    "Your weights are all 0. Then every hidden unit of a layer computes the same thing, "
    "receives the same gradient and stays identical to its neighbours forever: the layer "
    "acts like a single unit. Random weights break this symmetry.",
    "Draw the weights from a normal distribution: rng.normal(0, 1 / np.sqrt(fan_in), ...).",
    example=lambda sizes, seed: ref.init_params(sizes, seed, std=lambda i, o: 0.0))
UNIT_STD = Mistake(
    "weights with standard deviation 1",
    "Your weights have standard deviation about 1. A unit then sums fan_in terms of size 1, "
    "so its input has a spread of about sqrt(fan_in): tanh saturates at +-1, where its slope "
    "is nearly 0, and gradients vanish.",
    "Scale the standard deviation by 1 / sqrt(fan_in), so that each unit's input has a "
    "spread of about 1.",
    example=lambda sizes, seed: ref.init_params(sizes, seed, std=lambda i, o: 1.0))
VARIANCE_AS_STD = Mistake(
    "1 / fan_in as the standard deviation",
    "Your weights are far too small: their standard deviation is 1 / fan_in, which is the "
    "right *variance*. The standard deviation is its square root.",
    "Use 1 / np.sqrt(fan_in) as the scale of rng.normal.",
    example=lambda sizes, seed: ref.init_params(sizes, seed, std=lambda i, o: 1.0 / i))
FAN_OUT = Mistake(
    "scaled by fan_out instead of fan_in",
    "Your weights have standard deviation 1 / sqrt(fan_out). What keeps a unit's input at a "
    "spread of about 1 is the number of terms it sums, the layer's number of *inputs*, "
    "fan_in = W.shape[0].",
    "Use 1 / np.sqrt(fan_in), where fan_in = sizes[k - 1].",
    example=lambda sizes, seed: ref.init_params(sizes, seed, std=lambda i, o: 1.0 / math.sqrt(o)))
TRANSPOSED_WEIGHTS = Mistake(
    "weights of shape (fan_out, fan_in)",
    "Your weight matrices are transposed. With examples as rows, a layer computes X @ W, so "
    "W has one row per input and one column per output: shape (fan_in, fan_out).",
    "W_k has shape (sizes[k - 1], sizes[k]).",
    example=lambda sizes, seed: ref.init_params(sizes, seed, transposed=True))
UNSEEDED_INIT = Mistake(
    "the seed is not used",
    "Two calls with the same seed gave different weights (or two different seeds gave the "
    "same), so a training run could not be repeated.",
    "Make one generator from the seed, rng = np.random.default_rng(seed), and draw every "
    "weight from it.",
    example=lambda sizes, seed: ref.init_params(sizes, None))


def _verify_init_shapes(init_mlp, ctx: Context, sizes: list[int], seed: int) -> None:
    """Hidden cases: other depths and sizes, checked for keys, shapes and zero biases."""
    params = ctx.call(init_mlp, Case(f"init_mlp({sizes}, seed={seed})", (sizes, seed)))
    ctx.require(isinstance(params, dict), "init_mlp should return a dict of arrays")
    want = {f"{kind}{k}" for k in range(1, len(sizes)) for kind in "Wb"}
    ctx.require(set(params) == want, f"init_mlp({sizes}) should have the keys {sorted(want)}",
                [f"got {sorted(params)}"])
    for k in range(1, len(sizes)):
        ctx.require(np.shape(params[f"W{k}"]) == (sizes[k - 1], sizes[k])
                    and np.shape(params[f"b{k}"]) == (sizes[k],) and not np.any(params[f"b{k}"]),
                    f"layer {k} of init_mlp({sizes}) has the wrong shapes or a nonzero bias")


def _verify_init(init_mlp, ctx: Context) -> None:
    if ctx.cases is not None:
        for case in ctx.cases:
            _verify_init_shapes(init_mlp, ctx, *case.args)
        return
    sizes = [2, 16, 16, 2]
    params = ctx.call(init_mlp, Case("init_mlp([2, 16, 16, 2], seed=0)", (sizes, 0)))
    ctx.require(isinstance(params, dict), "init_mlp should return a dict of arrays",
                [f"got {type(params).__name__}"])
    want = ["W1", "b1", "W2", "b2", "W3", "b3"]
    ctx.require(sorted(params) == sorted(want), "the dict should have the keys "
                + ", ".join(want), [f"got keys {sorted(params)}"])
    for k in range(1, 4):
        W, b = np.asarray(params[f"W{k}"]), np.asarray(params[f"b{k}"])
        shape = (sizes[k - 1], sizes[k])
        ctx.require(W.shape == shape, f"W{k} should have shape {shape} (fan_in, fan_out)",
                    [f"got {W.shape}"],
                    mistake=TRANSPOSED_WEIGHTS if W.shape == shape[::-1] else None)
        ctx.require(b.shape == (sizes[k],), f"b{k} should have shape ({sizes[k]},)",
                    [f"got {b.shape}"])
        ctx.require(W.dtype == np.float64 and b.dtype == np.float64,
                    f"W{k} and b{k} should hold float64", [f"got {W.dtype} and {b.dtype}"])
        ctx.require(not np.any(b), f"b{k} should start at zero", [f"got {b[:4]} ..."])
    ctx.require(bool(np.any(np.asarray(params["W1"]))), "the weights are all zero",
                mistake=ZERO_INIT)
    state = global_rng_state()
    again = ctx.call(init_mlp, Case("init_mlp([2, 16, 16, 2], seed=0) again", (sizes, 0)))
    other = ctx.call(init_mlp, Case("init_mlp([2, 16, 16, 2], seed=1)", (sizes, 1)))
    same = all(np.array_equal(params[k], again[k]) for k in want)
    ctx.require(same and not np.array_equal(params["W1"], other["W1"]),
                "init_mlp should give the same weights for the same seed, and different "
                "weights for a different seed", mistake=UNSEEDED_INIT)
    ctx.require(global_rng_state() == state,
                "init_mlp changed NumPy's global random state",
                hint="Draw from a generator of your own: rng = np.random.default_rng(seed).")
    big = ctx.call(init_mlp, Case("init_mlp([400, 300, 200], seed=2)", ([400, 300, 200], 2)))
    for k, (fan_in, fan_out) in enumerate([(400, 300), (300, 200)], 1):
        W = np.asarray(big[f"W{k}"], dtype=float)
        std, want_std = float(W.std()), 1 / math.sqrt(fan_in)
        if abs(std - want_std) > 0.04 * want_std or abs(float(W.mean())) > 0.05 * want_std:
            mistake = None
            if std > 0.5:
                mistake = UNIT_STD
            elif abs(std - 1 / fan_in) < 0.1 / fan_in:
                mistake = VARIANCE_AS_STD
            elif abs(std - 1 / math.sqrt(fan_out)) < 0.04 / math.sqrt(fan_out):
                mistake = FAN_OUT
            ctx.fail(f"W{k} of init_mlp([400, 300, 200]) should have mean 0 and standard "
                     f"deviation 1 / sqrt({fan_in}) = {want_std:.4f}",
                     [f"got mean {W.mean():.4f}, standard deviation {std:.4f}"],
                     mistake=mistake)
        ctx.passed += 1


check_init_mlp = CustomCheck(
    "init_mlp", _verify_init, reference=lambda sizes, seed: ref.init_params(sizes, seed),
    mistakes=[ZERO_INIT, UNIT_STD, VARIANCE_AS_STD, FAN_OUT, TRANSPOSED_WEIGHTS,
              UNSEEDED_INIT],
    hint="One generator from the seed; for each layer W of shape (fan_in, fan_out) drawn "
         "with standard deviation 1 / sqrt(fan_in), and b zeros of shape (fan_out,).")

# ---------------------------------------------------------------------------
# Exercise 7.2: the forward pass
# ---------------------------------------------------------------------------


def _forward_loop(params, X):
    L = ref.layer_count(params)
    rows = []
    for x in X.tolist():
        h = np.array(x)
        for k in range(1, L + 1):
            W, b = params[f"W{k}"], params[f"b{k}"]
            z = np.array([sum(h[i] * W[i, j] for i in range(W.shape[0])) + b[j]
                          for j in range(W.shape[1])])
            h = np.tanh(z) if k < L else z
        rows.append(h)
    return np.array(rows)


def mlp_case(label: str, sizes: list[int], n: int, seed: int = 0) -> Case:
    """A case (params, X): random weights and biases for `sizes`, and n inputs."""
    params = ref.init_params(sizes, seed)
    rng = np.random.default_rng(seed + 100)
    for k in range(1, len(sizes)):
        params[f"b{k}"] = np.round(rng.normal(0, 0.5, size=sizes[k]), 3)
    return Case(label, (params, np.round(rng.normal(size=(n, sizes[0])), 3)))


def _forward_cases(rng):
    return [mlp_case("sizes [2, 5, 4, 3], a batch of 6", [2, 5, 4, 3], 6, seed=1),
            mlp_case("sizes [3, 4, 4, 2], a batch of 2", [3, 4, 4, 2], 2, seed=2)]


check_mlp_forward = FunctionCheck(
    "mlp_forward", _forward_loop, _forward_cases, rtol=1e-8, atol=1e-10,
    allow_input_mutation=True,  # params is a dict of arrays; the framework cannot compare it
    reference=lambda params, X: ref.forward(params, X),
    mistakes=[
        Mistake("tanh on the output layer",
                "Your logits are squashed into [-1, 1]: you applied tanh after the last layer "
                "too. The last layer's outputs are logits, which softmax turns into "
                "probabilities; squashing them caps how confident the network can be.",
                "Apply tanh after the hidden layers only.",
                variant=lambda params, X: ref.forward(params, X, last_act=np.tanh)),
        Mistake("relu instead of tanh",
                "You used relu between the layers; this network uses tanh.",
                "np.tanh(z).",
                variant=lambda params, X: ref.forward(params, X, act=lambda z: np.maximum(z, 0))),
        Mistake("no activation between the layers",
                "Without a nonlinearity between them, three linear layers collapse into one "
                "linear map, which cannot separate the spirals.",
                "Apply np.tanh after the first and the second layer.",
                variant=lambda params, X: ref.forward(params, X, act=lambda z: z)),
        Mistake("the biases were left out",
                "Your outputs ignore b1, b2 and b3.",
                "Each layer is h @ W + b.",
                variant=lambda params, X: ref.forward(params, X, bias=False)),
    ],
    hint="h1 = tanh(X @ W1 + b1); h2 = tanh(h1 @ W2 + b2); logits = h2 @ W3 + b3.")

# ---------------------------------------------------------------------------
# Exercise 7.3: loss and gradients
# ---------------------------------------------------------------------------


def loss_case(label: str, sizes: list[int], n: int, seed: int = 0) -> Case:
    """A case (params, X, y) for check_mlp_loss_and_grads."""
    params, X = mlp_case(label, sizes, n, seed).args
    y = np.random.default_rng(seed + 200).integers(0, sizes[-1], size=n)
    return Case(label, (params, X, y))


LOSS_CASES = [loss_case("sizes [2, 5, 4, 3], a batch of 6", [2, 5, 4, 3], 6, seed=3),
              loss_case("sizes [2, 3, 3, 2], a batch of 1", [2, 3, 3, 2], 1, seed=4)]

GRAD_NO_MEAN = Mistake(
    "forgot the 1/N of a mean loss",
    "Every gradient is N times too big (N = the batch size): the loss is the *mean* over the "
    "batch, and the 1/N in front of it multiplies every gradient. Forgetting it makes the "
    "effective learning rate N times larger, and a bigger batch would blow up training.",
    "Divide dlogits by N once, right after the softmax; every other gradient inherits it.",
    example=lambda params, X, y: ref.backprop(params, X, y, bug="no_mean"))
GRAD_NO_TANH = Mistake(
    "the tanh derivative is missing",
    "The gradients of the first layers are wrong while the last layer's are right: on the "
    "way back through a tanh you did not multiply by its local derivative 1 - h**2.",
    "After dh = d @ W.T, multiply by (1 - h**2), where h is that layer's tanh output.",
    example=lambda params, X, y: ref.backprop(params, X, y, bug="no_tanh"))
GRAD_TANH_OF_Z = Mistake(
    "the tanh derivative from the pre-activation",
    "You multiplied by 1 - z**2, where z is the input of the tanh; the derivative is "
    "1 - tanh(z)**2 = 1 - h**2, with h the tanh's output.",
    "Keep each layer's tanh output h from the forward pass and use 1 - h**2.",
    example=lambda params, X, y: ref.backprop(params, X, y, bug="tanh_of_z"))


def _verify_loss_and_grads(fn, ctx: Context) -> None:
    cases = ctx.cases if ctx.cases is not None else LOSS_CASES
    word = "hidden check" if ctx.hidden else "check"
    for i, case in enumerate(cases, 1):
        params, X, y = case.args
        params = {k: v.copy() for k, v in params.items()}
        label = f"{word} {i} of {len(cases)} failed: {case.label}"
        out = ctx.call(fn, Case(case.label, (params, X, y)))
        if not (isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[1], dict)):
            ctx.fail(f"{label}: mlp_loss_and_grads should return (loss, grads) with grads a "
                     "dict", [f"got {type(out).__name__}"], hint="End with: return loss, grads")
        loss, grads = out
        ctx.expect(ref.mean_loss(params, X, y), loss, label=f"{label}: the loss is wrong",
                   rtol=1e-8, atol=1e-10, dtype=None)

        def loss_fn(p=params, X=X, y=y):
            return ref.mean_loss(p, X, y)
        variants = [(GRAD_NO_MEAN, ref.backprop(params, X, y, "no_mean")[1]),
                    (GRAD_NO_TANH, ref.backprop(params, X, y, "no_tanh")[1]),
                    (GRAD_TANH_OF_Z, ref.backprop(params, X, y, "tanh_of_z")[1])]
        expect_gradients(ctx, loss_fn, params, grads, label=label, batch_size=len(y),
                         variants=variants)


check_mlp_loss_and_grads = CustomCheck(
    "mlp_loss_and_grads", _verify_loss_and_grads,
    reference=lambda params, X, y: ref.backprop(params, X, y),
    mistakes=[GRAD_NO_MEAN, GRAD_NO_TANH, GRAD_TANH_OF_Z],
    hint="Backward in reverse order: dlogits = (softmax - onehot) / n; for each layer "
         "dW = h_in.T @ dz, db = dz.sum(axis=0), dh_in = dz @ W.T, and through tanh "
         "multiply by 1 - h**2.")

# ---------------------------------------------------------------------------
# Exercise 7.4: mini-batches
# ---------------------------------------------------------------------------

NOT_SHUFFLED = Mistake(
    "not shuffled",
    "Your batches take the examples in their stored order. The spirals are stored class by "
    "class, so the first batches would hold only class 0 and the network would be pulled "
    "back and forth between the classes instead of learning both.",
    "Shuffle first: order = rng.permutation(n), then cut `order` into slices.",
    example=lambda n, bs, rng: [np.arange(n)[i:i + bs] for i in range(0, n, bs)])
DROPPED_LAST = Mistake(
    "the last, smaller batch was dropped",
    "When n is not a multiple of batch_size, your batches leave out the examples at the end, "
    "so some examples are never trained on in that epoch.",
    "Keep the last batch even if it is smaller: slice order[i:i + batch_size] for i in "
    "range(0, n, batch_size).",
    example=lambda n, bs, rng: [b for b in ref.minibatch_indices(n, bs, rng) if len(b) == bs])
WITH_REPLACEMENT = Mistake(
    "sampled with replacement",
    "Some examples appear twice in an epoch and others not at all: you drew random indices "
    "independently (rng.integers or rng.choice with replace=True).",
    "Use a permutation, which contains every index exactly once.",
    example=lambda n, bs, rng: [rng.integers(0, n, size=min(bs, n - i))
                                for i in range(0, n, bs)])
IGNORES_RNG = Mistake(
    "the generator argument is not used",
    "Every call gives the same order, even with the same generator called twice: your "
    "function makes a new generator of its own. Then every epoch sees the examples in the "
    "same order, and the caller cannot control the randomness.",
    "Draw the permutation from the `rng` argument: rng.permutation(n).",
    example=lambda n, bs, rng: ref.minibatch_indices(n, bs, np.random.default_rng(0)))
GLOBAL_RANDOM = Mistake(
    "NumPy's global random state",
    "Your function changed NumPy's global random state (np.random.permutation or "
    "np.random.shuffle), so results depend on everything else that uses it.",
    "Use the generator you are given: rng.permutation(n).",
    example=lambda n, bs, rng: (lambda order: [order[i:i + bs] for i in range(0, n, bs)])(
        np.random.permutation(n)))


def _verify_batch_sizes(fn, ctx: Context, n: int, batch_size: int) -> None:
    """Hidden cases: every index once, in batches of batch_size (the last may be smaller)."""
    batches = ctx.call(fn, Case(f"minibatches({n}, {batch_size}, rng)",
                                (n, batch_size, np.random.default_rng(n))))
    sizes = [len(b) for b in batches]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    everything = np.concatenate(batches) if batches else np.zeros(0, dtype=int)
    ctx.require(sorted(everything.tolist()) == list(range(n)) and sizes == expected,
                f"minibatches({n}, {batch_size}) should cover 0..{n - 1} once, in batches of "
                f"sizes {expected}", [f"got sizes {sizes}"])


def _verify_minibatches(fn, ctx: Context) -> None:
    if ctx.cases is not None:
        for case in ctx.cases:
            _verify_batch_sizes(fn, ctx, *case.args)
        return
    state = global_rng_state()
    batches = ctx.call(fn, Case("minibatches(50, 8, rng)", (50, 8, np.random.default_rng(0))))
    global_changed = global_rng_state() != state
    ctx.require(isinstance(batches, (list, tuple)) and all(
        isinstance(b, np.ndarray) for b in batches),
        "minibatches should return a list of integer index arrays",
        [f"got {type(batches).__name__}"])
    ctx.require(all(b.dtype.kind in "iu" for b in batches),
                "the index arrays should hold integers", [f"got {batches[0].dtype}"])
    sizes = [len(b) for b in batches]
    everything = np.concatenate(batches) if batches else np.zeros(0, dtype=int)
    ctx.require(len(everything) == len(set(everything.tolist())),
                "an index appears more than once in one epoch", [f"batch sizes {sizes}"],
                mistake=WITH_REPLACEMENT)
    ctx.require(sorted(everything.tolist()) == list(range(50)),
                "the batches should contain every index 0..49 exactly once",
                [f"batch sizes {sizes}; {50 - len(everything)} indices missing"],
                mistake=DROPPED_LAST if sizes and all(s == 8 for s in sizes) else None)
    ctx.require(sizes == [8] * 6 + [2], "with n = 50 and batch_size = 8 the batch sizes "
                "should be 8, 8, 8, 8, 8, 8 and 2", [f"got {sizes}"])
    ctx.require(not global_changed, "minibatches changed NumPy's global random state",
                mistake=GLOBAL_RANDOM)
    ctx.require(not np.array_equal(everything, np.arange(50)),
                "the examples should be shuffled", mistake=NOT_SHUFFLED)
    rng = np.random.default_rng(1)  # the same generator for two epochs (not copied)
    first = run(ctx, "minibatches", "minibatches(50, 8, rng), first epoch",
                lambda: fn(50, 8, rng))
    second = run(ctx, "minibatches", "minibatches(50, 8, rng), second epoch",
                 lambda: fn(50, 8, rng))
    ctx.require(not np.array_equal(np.concatenate(first), np.concatenate(second)),
                "two epochs with the same generator gave the same order", mistake=IGNORES_RNG)
    replay = ctx.call(fn, Case("minibatches(50, 8, a fresh generator with seed 1)",
                               (50, 8, np.random.default_rng(1))))
    ctx.require(np.array_equal(np.concatenate(replay), np.concatenate(first)),
                "the same seed should give the same batches",
                hint="Draw every random number from the `rng` argument.")
    for n, batch_size in ((48, 8), (49, 8), (5, 10), (1, 1)):
        _verify_batch_sizes(fn, ctx, n, batch_size)   # n a multiple, one over, batch > n


check_minibatches = CustomCheck(
    "minibatches", _verify_minibatches,
    reference=lambda n, bs, rng: ref.minibatch_indices(n, bs, rng),
    mistakes=[NOT_SHUFFLED, DROPPED_LAST, WITH_REPLACEMENT, IGNORES_RNG, GLOBAL_RANDOM],
    hint="Shuffle the indices once with rng.permutation(n), then cut them into consecutive "
         "slices of batch_size; the last slice may be shorter, and none is empty.")

# ---------------------------------------------------------------------------
# Exercise 7.5: the training loop
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _blobs():
    rng = np.random.default_rng(7)
    X = np.concatenate([rng.normal(-1, 0.5, size=(30, 2)), rng.normal(1, 0.5, size=(30, 2))])
    return X, np.repeat([0, 1], 30)


MOMENTUM_IGNORED = Mistake(
    "momentum ignored",
    "Training with beta = 0.9 gave exactly the same losses as with beta = 0, so the velocity "
    "never carries over from one step to the next.",
    "Keep one velocity array per parameter between steps: v = beta * v + grad, then "
    "p = p - lr * v.",
    example=lambda X, y, **kw: ref.train(X, y, momentum=False, **kw))
NOT_REPEATABLE = Mistake(
    "training is not repeatable",
    "Two runs with the same seed gave different losses: some randomness (the initial weights "
    "or the shuffling) does not come from the seed.",
    "Make one generator from `seed` for the shuffling and pass `seed` to init_mlp.",
    example=lambda X, y, seed=0, **kw: ref.train(X, y, seed=int(np.random.default_rng().integers(
        1 << 30)), **kw))
def _never_learning(X, y, **kw):
    """A training run whose loss never moves: the reference's params, its first loss repeated."""
    params, losses = ref.train(X, y, **kw)
    return params, [losses[0]] * len(losses)


NOT_LEARNING = Mistake(
    "the loss does not go down",
    "On two well-separated blobs the loss should fall quickly, but yours stays where it "
    "started: the parameters are not being updated (an update written to a copy, or a "
    "gradient step with the wrong sign).",
    "After computing the gradients, change params[k] itself: params[k] = params[k] - lr * "
    "velocity[k].",
    example=_never_learning)


FULL_BATCH = Mistake(
    "full batch instead of mini-batches",
    "Your losses are those of gradient descent on the whole data set at every step: each "
    "step should use one mini-batch of batch_size examples, in the shuffled order that "
    "minibatches(len(y), batch_size, rng) gives, epoch after epoch.",
    "Loop over minibatches(len(y), batch_size, rng) and index X and y with each batch.",
    example=lambda X, y, **kw: ref.train(X, y, full_batch=True, **kw))
MOMENTUM_RESET = Mistake(
    "momentum reset every epoch",
    "Your losses match a run whose velocity starts again from zero at every epoch. The "
    "velocity should carry over from the last step of one epoch to the first of the next.",
    "Create the velocity arrays once, before the loop over epochs.",
    example=lambda X, y, **kw: ref.train(X, y, reset_each_epoch=True, **kw))


def _compare_with_reference_run(losses, X, y, settings, ctx: Context, text: str) -> None:
    """The loss curve must be the reference run's, from the same seed (to round-off)."""
    reference = np.asarray(ref.train(X, y, **settings)[1], dtype=float)
    close = np.isclose(losses, reference, rtol=1e-6, atol=1e-9)
    if close.all():
        ctx.passed += 1
        return
    step = int(np.argmin(close))
    mistake = None
    for candidate, option in ((FULL_BATCH, "full_batch"), (MOMENTUM_RESET, "reset_each_epoch")):
        variant = np.asarray(ref.train(X, y, **settings, **{option: True})[1], dtype=float)
        if np.allclose(losses, variant, rtol=1e-6, atol=1e-9):
            mistake = candidate
            break
    epoch = -(-len(y) // settings["batch_size"])
    ctx.fail(f"the losses differ from a reference run with the same seed ({text})",
             [f"first difference at step {step} (epoch {step // epoch + 1}, batch "
              f"{step % epoch + 1} of {epoch}): yours {losses[step]:.6g}, reference "
              f"{reference[step]:.6g}",
              f"first 6 losses, yours:     {np.round(losses[:6], 5)}",
              f"first 6 losses, reference: {np.round(reference[:6], 5)}"],
             mistake=mistake,
             hint=None if mistake else "Follow the docstring step by step: init_mlp(sizes, "
             "seed); rng = np.random.default_rng(seed); each epoch minibatches(len(y), "
             "batch_size, rng); for each batch one step v = beta * v + grad, "
             "p = p - lr * v; stop after `steps` steps.")


def _verify_train(train_mlp, ctx: Context) -> None:
    X, y = _blobs()
    settings = {"hidden": 8, "batch_size": 16, "lr": 0.1, "seed": 3}
    text = "train_mlp(X, y, hidden=8, batch_size=16, lr=0.1, seed=3"
    out = ctx.call(train_mlp, Case(f"{text}, steps=30, beta=0.9) on two blobs", (X, y),
                                   {**settings, "steps": 30, "beta": 0.9}))
    ctx.require(isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[0], dict),
                "train_mlp should return (params, losses)", [f"got {type(out).__name__}"])
    params, losses = out
    losses = np.asarray(losses, dtype=float)
    ctx.require(losses.shape == (30,), "losses should hold one loss per step: 30 for steps=30",
                [f"got {losses.shape[0] if losses.ndim == 1 else losses.shape} values"],
                hint="Append the loss of every mini-batch step, and stop after `steps` steps "
                     "(which may be in the middle of an epoch).")
    ctx.require(bool(np.all(np.isfinite(losses))), "some losses are NaN or infinite",
                [f"first losses: {np.round(losses[:5], 4)}"])
    early, late = losses[:8].mean(), losses[-8:].mean()
    ctx.require(late < 0.7 * early, "the loss should fall during training",
                [f"mean of the first 8 losses {early:.4f}, of the last 8 {late:.4f}"],
                mistake=NOT_LEARNING)
    again = ctx.call(train_mlp, Case(f"{text}, steps=10, beta=0.9) again", (X, y),
                                     {**settings, "steps": 10, "beta": 0.9}))
    ctx.require(np.array_equal(np.asarray(again[1], dtype=float), losses[:10]),
                "two runs with the same seed gave different losses", mistake=NOT_REPEATABLE)
    plain = ctx.call(train_mlp, Case(f"{text}, steps=5, beta=0.0)", (X, y),
                                     {**settings, "steps": 5, "beta": 0.0}))
    ctx.require(not np.allclose(np.asarray(plain[1], dtype=float), losses[:5]),
                "beta = 0.9 and beta = 0 gave the same losses", mistake=MOMENTUM_IGNORED)
    _compare_with_reference_run(losses, X, y, {**settings, "steps": 30, "beta": 0.9}, ctx,
                                f"{text}, steps=30, beta=0.9)")


check_train_mlp = CustomCheck(
    "train_mlp", _verify_train, reference=ref.train,
    mistakes=[MOMENTUM_IGNORED, NOT_REPEATABLE, NOT_LEARNING, FULL_BATCH, MOMENTUM_RESET],
    hint="Each step: one shuffled mini-batch, its gradients, then v = beta * v + grad and "
         "p = p - lr * v for every parameter; one loss per step, `steps` of them.")

# ---------------------------------------------------------------------------
# Exercise 7.6: the trained network
# ---------------------------------------------------------------------------


def held_out_spirals() -> tuple[np.ndarray, np.ndarray]:
    """Fresh spirals from the training distribution that no training run has seen."""
    return make_spirals(HELD_OUT_PER_CLASS, seed=HELD_OUT_SEED)


def accuracy(params: dict, X: np.ndarray, y: np.ndarray) -> float:
    """The fraction of points whose largest logit is the right class."""
    return float((ref.forward(params, X).argmax(axis=1) == y).mean())


TRAINED_EXPLODED = Mistake(
    "exploding steps from a learning rate too high",
    "Your training diverged: the loss rose instead of falling (or the weights became NaN or "
    "infinite). With a learning rate that is too high each step overshoots, the next "
    "gradient is bigger, and the weights grow until the tanh units are stuck at +-1.",
    "Lower lr (try dividing it by 10), and watch the first hundred losses: they should fall.",
    example=({"W1": np.full((2, 4), np.nan), "b1": np.zeros(4), "W2": np.zeros((4, 4)),
              "b2": np.zeros(4), "W3": np.zeros((4, 2)), "b3": np.zeros(2)},
             [0.69, 3.1, 1e12, float("inf")]))
UNDERTRAINED = Mistake(
    "not trained enough",
    "The network is still close to where it started: its loss barely fell. The learning "
    "rate may be too small, or there were too few steps.",
    "Raise lr (0.1 with beta = 0.9 works well here), or check that every step updates the "
    "weights.",
    example=(ref.init_params([2, 16, 16, 2], 0), [0.70] * 50))


@functools.lru_cache(maxsize=1)
def _reference_run():
    X, y = make_spirals()
    return ref.train(X, y)


class _TrainedCheck(MultiCheck):
    """The reference is a real training run, made the first time it is needed."""

    @property
    def reference(self):
        return _reference_run()

    @reference.setter
    def reference(self, value):  # set by Check.__init__
        pass


def _verify_trained(submission, ctx: Context) -> None:
    params, losses = submission
    ctx.require(params is not None and losses is not None,
                "`params` and `losses` are still None: the network has not been trained yet",
                hint="Set `settings` and run the training cell above this one.")
    ctx.require(isinstance(params, dict) and all(f"W{k}" in params for k in (1, 2, 3)),
                "params should be the dict returned by train_mlp", [f"got {type(params)}"])
    losses = np.asarray(losses, dtype=float)
    values = np.concatenate([np.asarray(v, dtype=float).ravel() for v in params.values()])
    ctx.require(bool(np.all(np.isfinite(values)) and np.all(np.isfinite(losses))),
                "training blew up: the weights or losses contain NaN or infinity",
                [f"first losses: {np.round(losses[:6], 3)}"], mistake=TRAINED_EXPLODED)
    ctx.require(len(losses) <= ref.MAX_STEPS, f"train for at most {ref.MAX_STEPS} steps",
                [f"you trained for {len(losses)} steps"],
                hint="The goal is the accuracy within this budget of steps; tune lr and beta.")
    X, y = held_out_spirals()
    try:
        acc = accuracy(params, X, y)
    except Exception as exc:  # wrong shapes in params
        ctx.fail("the check could not run your network on new points",
                 [f"{type(exc).__name__}: {exc}"],
                 hint="params should map W1, b1, W2, b2, W3, b3 to arrays of the shapes "
                      "init_mlp makes.")
    if acc < TARGET_ACCURACY:
        first, last = losses[:10].mean(), losses[-10:].mean()
        # With tanh units and a stable log-sum-exp, too high a learning rate rarely gives
        # NaN: the loss rises or spikes instead.
        exploded = last > first or losses.max() > 5 * first
        flat = not exploded and last > 0.8 * first
        mistake = TRAINED_EXPLODED if exploded else UNDERTRAINED if flat else None
        ctx.fail(f"the accuracy on {len(y)} new spiral points is {acc:.1%}; the goal is "
                 f"{TARGET_ACCURACY:.0%}",
                 [f"your loss went from {first:.3f} (first 10 steps) to {last:.3f} (last 10) "
                  f"in {len(losses)} steps, with a largest value of {losses.max():.3g}"],
                 mistake=mistake,
                 hint=None if mistake else "Train for more steps (up to 2000), or raise the "
                 "learning rate a little; look at the decision boundary plot for where it fails.")
    ctx.passed += 1


check_trained_mlp = _TrainedCheck(
    "trained_mlp", _verify_trained, names=("params", "losses"), reference=None,
    mistakes=[TRAINED_EXPLODED, UNDERTRAINED],
    hint="Pick settings whose loss curve falls steadily (lr around 0.1 with beta = 0.9), "
         "run the training cell, then this one.")
