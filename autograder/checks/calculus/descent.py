"""Checks for 02_calculus/04_gradient_descent: paths, stable learning rates, momentum.

Oracles: gradient descent and momentum written as plain loops over Python
lists, NumPy's eigenvalues for the largest stable learning rate, and for the
learning rates the learner chooses, a run of gradient descent on the
notebook's loss surfaces (the check's own loop), judged by the loss it reaches.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# The loss surfaces of the notebook: f(x) = 1/2 sum_i c_i x_i**2 (a "ravine" when
# the curvatures c_i differ a lot).
# ---------------------------------------------------------------------------


def ravine_loss(x, curvatures):
    """f(x) = 1/2 sum_i c_i x_i**2 for x of shape (d,) and curvatures c of shape (d,)."""
    x = np.asarray(x, dtype=float)
    return 0.5 * float((np.asarray(curvatures) * x * x).sum())


def _bowl_grad(x):
    return np.array([1.0, 10.0]) * x


def _tilted_grad(x):  # gradient of 1/2 x^T A x with A = [[3, 1], [1, 2]] plus a cubic term
    return np.array([3.0 * x[0] + x[1] + 0.1 * x[0] ** 3, x[0] + 2.0 * x[1]])


def _line_grad(x):  # f(x) = (x - 3)**2
    return 2.0 * (x - 3.0)


_bowl_grad.__name__ = "grad f for f(x) = (x0**2 + 10 x1**2) / 2"
_tilted_grad.__name__ = "grad f for a tilted bowl"
_line_grad.__name__ = "grad f for f(x) = (x - 3)**2"

# ---------------------------------------------------------------------------
# Exercise 4.1: gradient descent
# ---------------------------------------------------------------------------


def _descent(grad, x0, lr, n_steps):
    x = [float(v) for v in x0.tolist()]
    path = [list(x)]
    for _ in range(n_steps):
        g = [float(v) for v in np.asarray(grad(np.array(x))).tolist()]
        x = [xi - lr * gi for xi, gi in zip(x, g, strict=True)]
        path.append(list(x))
    return np.array(path)


def _descent_cases(rng):
    return [Case("the bowl (x0**2 + 10 x1**2) / 2 from (-4, 1), lr = 0.05, 6 steps",
                 (_bowl_grad, np.array([-4.0, 1.0]), 0.05, 6)),
            Case("a tilted bowl from a random point, lr = 0.1, 5 steps",
                 (_tilted_grad, np.round(rng.normal(0, 2, size=2), 3), 0.1, 5)),
            Case("f(x) = (x - 3)**2 in 1-D from x = 0, lr = 0.2, 4 steps",
                 (_line_grad, np.array([0.0]), 0.2, 4)),
            Case("0 steps (n_steps >= 0): only row 0, the start (1.5, -2)",
                 (_bowl_grad, np.array([1.5, -2.0]), 0.05, 0))]


def _aliased(grad, x0, lr, n_steps):
    x = x0.astype(float)
    path = [x]
    for _ in range(n_steps):
        x -= lr * grad(x)       # changes the array already stored in path
        path.append(x)
    return np.array(path)


check_gradient_descent = FunctionCheck(
    "gradient_descent", _descent, _descent_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("climbing instead of descending",
                "Your path goes uphill: you added the gradient. The gradient points in the "
                "direction of steepest *ascent*, so a descent step subtracts it.",
                "x_new = x - lr * grad(x).",
                variant=lambda g, x0, lr, n: _descent(lambda x: -g(x), x0, lr, n)),
        Mistake("the path leaves out the starting point",
                "Your path has n_steps rows; it should have n_steps + 1, starting with x0, so "
                "that row k is the point after k steps.",
                "Put x0 in the path before the first step.",
                variant=lambda g, x0, lr, n: _descent(g, x0, lr, n)[1:]),
        Mistake("every row is the same array",
                "Every row of your path is the final point. You appended the array x to the "
                "list and then changed it in place (x -= ...), so every entry of the list is "
                "the same array, which ends up at the last position. (If x started as x0 "
                "itself, the caller's x0 changed too.)",
                "Append a copy (path.append(x.copy())), or write x = x - lr * g, which makes "
                "a new array.",
                variant=lambda g, x0, lr, n: np.tile(_descent(g, x0, lr, n)[-1], (n + 1, 1)),
                example=_aliased),
        Mistake("the gradient at the starting point every step",
                "Every step of your path has the same size and direction: you computed the "
                "gradient once, at x0, and reused it. The gradient changes as x moves.",
                "Evaluate grad(x) at the current x inside the loop.",
                variant=lambda g, x0, lr, n: np.array([x0 - k * lr * g(x0)
                                                       for k in range(n + 1)])),
    ],
    hint="Start the path with x0; then repeat n_steps times: x = x - lr * grad(x), and "
         "record x.")

# ---------------------------------------------------------------------------
# Exercise 4.2: the largest stable learning rate of a quadratic
# ---------------------------------------------------------------------------


def _largest_stable_lr(H):
    return 2.0 / float(np.linalg.eigvalsh(H).max())


def _spd(rng, n):
    M = np.round(rng.normal(size=(n, n)), 2)
    return M @ M.T + n * np.eye(n)


check_largest_stable_lr = FunctionCheck(
    "largest_stable_lr", _largest_stable_lr,
    lambda rng: [Case("H = [[3, 1], [1, 2]]", (np.array([[3.0, 1.0], [1.0, 2.0]]),)),
                 Case("H = diag(1, 10)", (np.diag([1.0, 10.0]),)),
                 Case("a random symmetric positive definite 3x3 H", (_spd(rng, 3),))],
    rtol=1e-8, atol=1e-12,
    mistakes=[
        Mistake("1 / lambda_max",
                "You returned 1 / lambda_max. That is the learning rate that reaches the "
                "bottom of the steepest direction in one step; up to twice that, the steps "
                "overshoot but still shrink, so the largest stable rate is 2 / lambda_max.",
                "Along an eigenvector with eigenvalue lambda a step multiplies the distance to "
                "the minimum by (1 - lr * lambda). When is |1 - lr * lambda| < 1?",
                variant=lambda H: 1.0 / float(np.linalg.eigvalsh(H).max())),
        Mistake("used the smallest eigenvalue",
                "You used the smallest eigenvalue. The *steepest* direction (the largest "
                "eigenvalue) is the first to blow up, so it sets the limit.",
                "Take the maximum eigenvalue.",
                variant=lambda H: 2.0 / float(np.linalg.eigvalsh(H).min())),
        Mistake("used the diagonal instead of the eigenvalues",
                "You used the largest diagonal entry of H. The curvatures along the axes are "
                "the diagonal entries only when H is diagonal; in general the extreme "
                "curvatures are the eigenvalues of H.",
                "np.linalg.eigvalsh(H) gives the eigenvalues of a symmetric matrix.",
                variant=lambda H: 2.0 / float(np.diag(H).max())),
    ],
    hint="Gradient descent on 1/2 x^T H x is stable when lr < 2 / (the largest eigenvalue of H).")

# ---------------------------------------------------------------------------
# Exercise 4.3: momentum
# ---------------------------------------------------------------------------


def _momentum(grad, x0, lr, beta, n_steps):
    x = [float(v) for v in x0.tolist()]
    v = [0.0] * len(x)
    path = [list(x)]
    for _ in range(n_steps):
        g = [float(t) for t in np.asarray(grad(np.array(x))).tolist()]
        v = [beta * vi + gi for vi, gi in zip(v, g, strict=True)]
        x = [xi - lr * vi for xi, vi in zip(x, v, strict=True)]
        path.append(list(x))
    return np.array(path)


def _momentum_cases(rng):
    return [Case("the bowl from (-4, 1), lr = 0.05, beta = 0.9, 6 steps",
                 (_bowl_grad, np.array([-4.0, 1.0]), 0.05, 0.9, 6)),
            Case("a tilted bowl, lr = 0.1, beta = 0.5, 5 steps",
                 (_tilted_grad, np.round(rng.normal(0, 2, size=2), 3), 0.1, 0.5, 5)),
            Case("f(x) = (x - 3)**2 from x = 0, lr = 0.1, beta = 0.8, 4 steps",
                 (_line_grad, np.array([0.0]), 0.1, 0.8, 4)),
            Case("0 steps (n_steps >= 0): only row 0, the start (1.5, -2)",
                 (_bowl_grad, np.array([1.5, -2.0]), 0.05, 0.9, 0))]


def _ema_momentum(grad, x0, lr, beta, n):
    x, v, path = x0.astype(float), np.zeros(x0.shape), [x0.astype(float)]
    for _ in range(n):
        v = beta * v + (1 - beta) * grad(x)
        x = x - lr * v
        path.append(x)
    return np.array(path)


def _old_velocity(grad, x0, lr, beta, n):
    x, v, path = x0.astype(float), np.zeros(x0.shape), [x0.astype(float)]
    for _ in range(n):
        x_new = x - lr * v
        v = beta * v + grad(x)
        x = x_new
        path.append(x)
    return np.array(path)


check_momentum = FunctionCheck(
    "momentum", _momentum, _momentum_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("momentum ignored",
                "Your path is plain gradient descent: the velocity does not carry over from "
                "one step to the next.",
                "Keep v between steps: v = beta * v + grad(x), starting from v = 0.",
                variant=lambda g, x0, lr, beta, n: _descent(g, x0, lr, n)),
        Mistake("the moving-average form",
                "You used v = beta * v + (1 - beta) * grad(x). That is a common variant (an "
                "exponential moving average of the gradients), but it makes every step "
                "smaller by the factor (1 - beta); this exercise uses v = beta * v + grad(x).",
                "Drop the (1 - beta).",
                variant=_ema_momentum),
        Mistake("stepped with the old velocity",
                "You moved x before updating v, so each step uses the previous velocity (the "
                "first step does not move at all).",
                "Update v first, then x = x - lr * v.",
                variant=_old_velocity),
        Mistake("climbing instead of descending",
                "Your path goes uphill: the step adds the velocity.",
                "x = x - lr * v.",
                variant=lambda g, x0, lr, beta, n: _momentum(lambda x: -g(x), x0, lr, beta, n)),
    ],
    hint="Start with v = 0. Each step: v = beta * v + grad(x), then x = x - lr * v.")

# ---------------------------------------------------------------------------
# Exercise 4.4: a learning rate for the ravine
# ---------------------------------------------------------------------------

RAVINE = np.array([1.0, 10.0])        # curvatures: f = (x**2 + 10 y**2) / 2
RAVINE_START = np.array([-4.0, 1.0])
RAVINE_STEPS = 100
TARGET_LOSS = 1e-6


def _run(curvatures, start, lr, beta, steps):
    x, v = start.astype(float), np.zeros(len(start))
    losses = [ravine_loss(x, curvatures)]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            v = beta * v + curvatures * x
            x = x - lr * v
            losses.append(ravine_loss(x, curvatures))
    return np.array(losses)


EXPLODING_STEPS = Mistake(
    "exploding steps from a learning rate too high",
    "The loss grows instead of shrinking: each step overshoots the minimum along the steepest "
    "direction by more than it started from, so the next gradient is bigger, the next step "
    "bigger still, and the iterate shoots off to infinity.",
    "Lower the learning rate below the stability limit 2 / (largest curvature).",
    example=0.25)
TOO_SMALL = Mistake(
    "a learning rate too small",
    "The loss goes down steadily but too slowly: along the flat direction (curvature 1) each "
    "step removes only a fraction lr of the distance to the minimum.",
    "Increase the learning rate, as far as the steep direction allows.",
    example=0.02)
EDGE_OF_STABILITY = Mistake(
    "at the edge of stability",
    "Your learning rate is just below the limit 2 / 10 = 0.2: the steep direction flips "
    "from side to side and shrinks only a little at each step, so the loss is still large "
    "after the last step.",
    "Step back from the limit a little: the steep direction then shrinks fast too.",
    example=0.199)


def _number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value,
                                                                                    bool)


def _verify_ravine_lr(lr, ctx: Context) -> None:
    ctx.require(lr is not None, "`ravine_lr` is still None: you have not chosen it yet",
                hint="Try a few learning rates with your gradient_descent and plot the loss.")
    ctx.require(_number(lr), f"`ravine_lr` should be a number, not {type(lr).__name__}")
    lr = float(lr)
    ctx.require(lr > 0, f"`ravine_lr` should be positive, got {lr:g}",
                hint="A negative learning rate walks uphill.")
    losses = _run(RAVINE, RAVINE_START, lr, 0.0, RAVINE_STEPS)
    final = losses[-1]
    detail = [f"starting at (-4, 1) the loss is {losses[0]:.3g}; after {RAVINE_STEPS} steps "
              f"with lr = {lr:g} it is {final:.3g} (the goal: below {TARGET_LOSS:g})"]
    if not np.isfinite(final) or final > losses[0]:
        ctx.fail("gradient descent with your learning rate diverges",
                 detail + ["the largest stable learning rate for curvatures 1 and 10 is "
                           "2 / 10 = 0.2"], mistake=EXPLODING_STEPS)
    if final >= TARGET_LOSS:
        mistake = EDGE_OF_STABILITY if lr > 0.19 else TOO_SMALL
        ctx.fail(f"the loss does not get below {TARGET_LOSS:g} within {RAVINE_STEPS} steps",
                 detail, mistake=mistake)
    ctx.passed += 1


check_ravine_lr = CustomCheck(
    "ravine_lr", _verify_ravine_lr, reference=0.15,
    mistakes=[EXPLODING_STEPS, TOO_SMALL, EDGE_OF_STABILITY],
    hint="Try learning rates on the ravine and watch the loss: too large and it grows, too "
         "small and it barely moves within the step budget; the best lies just below the "
         "largest stable learning rate.")

# ---------------------------------------------------------------------------
# Exercise 4.5: momentum settings for a steeper ravine
# ---------------------------------------------------------------------------

STEEP = np.array([1.0, 100.0])        # f = (x**2 + 100 y**2) / 2
STEEP_START = np.array([-4.0, 0.5])
STEEP_STEPS = 150

MOMENTUM_EXPLODES = Mistake(
    "exploding steps from a learning rate too high",
    "The loss grows instead of shrinking. With momentum the steps add up, and along the "
    "steep direction (curvature 100) a learning rate above 2 (1 + beta) / 100 makes each "
    "swing larger than the last.",
    "Lower the learning rate; with curvature 100, lr around 0.01 to 0.03 is the right range.",
    example={"lr": 0.06, "beta": 0.8})
NO_MOMENTUM = Mistake(
    "too little momentum",
    "With beta at or near 0 this is plain gradient descent, and in this ravine plain "
    "gradient descent cannot get the loss below about 0.02 in 150 steps at any learning "
    "rate: the rate that the steep direction tolerates crawls along the flat one.",
    "Raise beta, to somewhere between 0.6 and 0.85, so that the velocity builds up along the "
    "flat direction.",
    example={"lr": 0.015, "beta": 0.0})
TOO_MUCH_MOMENTUM = Mistake(
    "too much momentum",
    "With beta close to 1 there is almost no friction: the iterate keeps swinging back and "
    "forth across the ravine long after it should have settled.",
    "Lower beta a little (0.7 or 0.8), so that the swings die out.",
    example={"lr": 0.02, "beta": 0.97})


def _verify_momentum_settings(settings, ctx: Context) -> None:
    ctx.require(settings is not None, "`momentum_settings` is still None: you have not chosen "
                "them yet", hint="Set momentum_settings = {'lr': ..., 'beta': ...}.")
    ctx.require(isinstance(settings, dict) and set(settings) >= {"lr", "beta"},
                "`momentum_settings` should be a dict with keys 'lr' and 'beta'",
                [f"got {settings!r}"])
    lr, beta = settings["lr"], settings["beta"]
    ctx.require(_number(lr) and _number(beta), "lr and beta should be numbers",
                [f"got lr = {lr!r}, beta = {beta!r}"])
    lr, beta = float(lr), float(beta)
    ctx.require(lr > 0, f"lr should be positive, got {lr:g}")
    ctx.require(0 <= beta < 1, f"beta should be at least 0 and below 1, got {beta:g}",
                hint="beta is the fraction of the velocity kept from one step to the next.")
    losses = _run(STEEP, STEEP_START, lr, beta, STEEP_STEPS)
    final = losses[-1]
    detail = [f"from (-4, 0.5) the loss is {losses[0]:.3g}; after {STEEP_STEPS} steps with "
              f"lr = {lr:g}, beta = {beta:g} it is {final:.3g} (the goal: below "
              f"{TARGET_LOSS:g})"]
    if not math.isfinite(final) or final > losses[0]:
        ctx.fail("momentum with your settings diverges", detail, mistake=MOMENTUM_EXPLODES)
    if final >= TARGET_LOSS:
        if beta < 0.3:
            mistake = NO_MOMENTUM
        elif beta > 0.88:
            mistake = TOO_MUCH_MOMENTUM
        else:
            mistake = None
        ctx.fail(f"the loss does not get below {TARGET_LOSS:g} within {STEEP_STEPS} steps",
                 detail, mistake=mistake,
                 hint=None if mistake else "Plot the loss on a log scale for a few settings. "
                 "If it zig-zags, lower lr or beta; if it falls steadily but slowly, raise lr.")
    ctx.passed += 1


check_momentum_settings = CustomCheck(
    "momentum_settings", _verify_momentum_settings, reference={"lr": 0.025, "beta": 0.75},
    mistakes=[MOMENTUM_EXPLODES, NO_MOMENTUM, TOO_MUCH_MOMENTUM],
    hint="Run momentum with a few (lr, beta) pairs and keep one whose loss falls below the "
         "target within the step budget: too little momentum crawls along the ravine, too "
         "much (beta close to 1) or too large an lr oscillates or diverges.")
