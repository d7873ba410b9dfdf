"""Checks for stage 00 (orientation): how checks work, a NumPy warm-up, a first plan.

Each check compares the learner's work with an independent oracle (a plain
loop, a formula or a NumPy built-in) on seeded cases, and registers the
classic mistakes of the exercise: wrong axis, accidental broadcasting, integer
division, float64 creep, changing an input in place.
"""

from __future__ import annotations

import math

import numpy as np

from .core import Context, CustomCheck, FunctionCheck
from .randomness import watch_global_rng
from .spec import Case, Mistake

# ---------------------------------------------------------------------------
# 01_how_this_works
# ---------------------------------------------------------------------------


def _weeks_needed(total_hours, hours_per_week):
    return math.ceil(total_hours / hours_per_week)


check_weeks_needed = FunctionCheck(
    "weeks_needed", _weeks_needed,
    [Case("45 hours at 10 hours a week", (45, 10)),
     Case("40 hours at 10 hours a week", (40, 10)),
     Case("48 hours at 10 hours a week", (48, 10)),
     Case("1 hour at 10 hours a week", (1, 10)),
     Case("100 hours at 7 hours a week", (100, 7)),
     Case("12.5 hours at 5 hours a week", (12.5, 5))],
    mistakes=[
        Mistake("rounding down",
                "Your answer is one week short: it drops the last, partly filled week. "
                "`//` and int() round down, so 45 hours at 10 a week gives 4 weeks.",
                "A started week still counts as a week: round up (math.ceil).",
                variant=lambda t, h: int(t // h)),
        Mistake("rounding to the nearest week",
                "You rounded to the nearest whole number, which drops a week whenever the "
                "last week is less than half full.",
                "Round up instead: math.ceil.",
                variant=lambda t, h: round(t / h)),
        Mistake("not rounding at all",
                "You returned the exact fraction of weeks (e.g. 4.5); a count of weeks is a "
                "whole number.",
                "Round the fraction up to a whole number of weeks (math.ceil returns an int).",
                variant=lambda t, h: t / h),
    ],
    hint="Divide, then round up to a whole week.")


def _fraction_done(passed, total):
    return 0.0 if total == 0 else passed / total


check_fraction_done = FunctionCheck(
    "fraction_done", _fraction_done,
    [Case("3 of 12 exercises passed", (3, 12)),
     Case("0 of 5 exercises passed", (0, 5)),
     Case("7 of 7 exercises passed", (7, 7)),
     Case("2 of 3 exercises passed", (2, 3)),
     Case("1 of 1 exercise passed", (1, 1)),
     Case("0 of 0 exercises (nothing to do yet): 0.0, as the text promises", (0, 0))],
    mistakes=[
        Mistake("a percentage instead of a fraction",
                "Your answer is 100 times too big: you returned a percentage (25.0) where a "
                "fraction between 0 and 1 (0.25) was asked for.",
                "Leave out the factor of 100.",
                variant=lambda p, t: 100 * p / t if t else 0.0),
        Mistake("integer division",
                "`//` divides and throws away the remainder, so 3 // 12 is 0.",
                "Use / for a fractional result.",
                variant=lambda p, t: p // t if t else 0.0),
        Mistake("the fraction still to do",
                "You returned the fraction of exercises *not* yet passed.",
                "Divide the number passed by the total.",
                variant=lambda p, t: (t - p) / t if t else 0.0),
        Mistake("no case for a total of 0",
                "Your function divides by the total even when it is 0, which raises "
                "ZeroDivisionError. The exercise promises 0.0 for an empty notebook.",
                "Test for total == 0 first and return 0.0; only divide otherwise.",
                variant=lambda p, t: p / t),
    ],
    hint="Divide the number passed by the total, and return 0.0 when the total is 0.")

# ---------------------------------------------------------------------------
# 02_numpy_warmup
# ---------------------------------------------------------------------------


def _make_grid(n_rows, n_cols):
    return np.array([[i * n_cols + j for j in range(n_cols)] for i in range(n_rows)],
                    dtype=np.int64).reshape(n_rows, n_cols)


check_make_grid = FunctionCheck(
    "make_grid", _make_grid,
    [Case("2 rows, 3 columns", (2, 3)), Case("4 rows, 1 column", (4, 1)),
     Case("3 rows, 5 columns", (3, 5))],
    mistakes=[
        Mistake("rows and columns swapped",
                "Your array has shape (n_cols, n_rows). NumPy shapes list rows first: "
                "(n_rows, n_cols).",
                "Reshape to (n_rows, n_cols).",
                variant=lambda r, c: np.arange(r * c).reshape(c, r)),
        Mistake("counting from 1",
                "Your numbers start at 1; this grid counts from 0 like Python indices.",
                "np.arange(n) gives 0, 1, ..., n - 1.",
                variant=lambda r, c: np.arange(1, r * c + 1).reshape(r, c)),
        Mistake("floats instead of integers",
                "Your grid holds floats (0.0, 1.0, ...). np.zeros and np.ones make float64 "
                "arrays unless you pass dtype=.",
                "Build it from np.arange (integers), or pass dtype=int.",
                detect=lambda e, g, case: isinstance(g, np.ndarray) and g.dtype.kind == "f",
                example=lambda r, c: np.arange(r * c, dtype=float).reshape(r, c)),
    ],
    hint="np.arange(n) makes 0..n-1 in one go; .reshape gives it rows and columns.")


def _last_column(a):
    return np.array([row[len(row) - 1] for row in a.tolist()], dtype=a.dtype)


def _matrix_cases(rng):
    return [Case("a 3x4 array", (rng.normal(size=(3, 4)),)),
            Case("a 4x4 array", (rng.normal(size=(4, 4)),)),
            Case("a 5x2 array", (rng.integers(-9, 10, size=(5, 2)).astype(float),)),
            Case("a 1x6 array", (rng.normal(size=(1, 6)),))]


check_last_column = FunctionCheck(
    "last_column", _last_column, _matrix_cases,
    mistakes=[
        Mistake("the last row",
                "You returned the last row. For a 2-D array a[-1] picks a row; columns are "
                "the second index.",
                "Select all rows and the last column: a[:, -1].",
                variant=lambda a: a[-1]),
        Mistake("a 2-D column",
                "Your values are right but your result has shape (n, 1): slicing with -1: "
                "keeps the column axis, while indexing with -1 removes it.",
                "Index the column with a single integer, not a slice.",
                variant=lambda a: a[:, -1:]),
        Mistake("the first column",
                "You returned the first column (index 0).",
                "Negative indices count from the end: -1 is the last.",
                variant=lambda a: a[:, 0]),
    ],
    hint="Rows are the first index and columns the second: a[:, -1] takes every row's last "
         "entry, shape (n,).")


def _clip_negatives(a):
    out = a.copy()
    for idx in np.ndindex(*a.shape):
        if out[idx] < 0:
            out[idx] = 0
    return out


def _clip_in_place(a):
    a[a < 0] = 0
    return a


check_clip_negatives = FunctionCheck(
    "clip_negatives", _clip_negatives,
    lambda rng: [Case("a vector of 8 numbers", (rng.normal(size=8),)),
                 Case("a 3x4 array", (rng.normal(size=(3, 4)),)),
                 Case("an array with no negatives", (np.abs(rng.normal(size=5)),)),
                 Case("a 2x3x2 array (any shape)", (rng.normal(size=(2, 3, 2)),))],
    mutation=Mistake(
        "changed its input in place",
        "Your result is right, but your function also set the negatives of the caller's "
        "array to 0: `a[a < 0] = 0` writes into the array you were given, so the caller's "
        "data changes behind their back.",
        "Make a copy first (a = a.copy()), or use an expression that builds a new array, "
        "such as np.where or np.maximum.",
        example=_clip_in_place),
    mistakes=[
        Mistake("absolute value",
                "You made the negatives positive; they should become 0.",
                "np.abs flips signs. You want max(x, 0) for every entry.",
                variant=lambda a: np.abs(a)),
        Mistake("a mask instead of values",
                "You returned True/False for each entry (a mask) instead of the clipped values.",
                "Use the mask to choose values, e.g. np.where(mask, a, 0).",
                variant=lambda a: a > 0),
    ],
    hint="Build a new array where every negative entry is 0 and the others are unchanged "
         "(np.maximum(a, 0) or np.where), without writing into `a`.")


def _row_means(a):
    return np.array([sum(row) / len(row) for row in a.tolist()])


def _row_mean_cases(rng):
    return [Case("a 3x4 array", (rng.normal(size=(3, 4)),)),
            Case("a 4x4 array", (rng.normal(size=(4, 4)),)),
            Case("a 5x2 array", (rng.uniform(0, 10, size=(5, 2)),))]


check_row_means = FunctionCheck(
    "row_means", _row_means, _row_mean_cases,
    mistakes=[
        Mistake("mean over the wrong axis",
                "You averaged each column (axis=0) instead of each row. axis=k means "
                "'collapse axis k': axis=0 collapses the rows, leaving one value per column.",
                "One mean per row means collapsing the columns: axis=1.",
                variant=lambda a: a.mean(axis=0)),
        Mistake("the mean of everything",
                "You returned one number, the mean of the whole array.",
                "Pass axis= to np.mean so it averages each row separately.",
                variant=lambda a: a.mean()),
        Mistake("keepdims",
                "Your values are right but your result has shape (n, 1); this function "
                "returns a flat vector of shape (n,).",
                "Drop keepdims=True here.",
                variant=lambda a: a.mean(axis=1, keepdims=True)),
    ],
    hint="One mean per row: a.mean(axis=1) collapses the columns and returns shape (n,).")


def _center_rows(a):
    return np.array([[x - sum(row) / len(row) for x in row] for row in a.tolist()])


check_center_rows = FunctionCheck(
    "center_rows", _center_rows,
    lambda rng: [Case("a 3x3 array", (rng.normal(2.0, 1.0, size=(3, 3)),)),
                 Case("a 2x5 array", (rng.normal(-1.0, 3.0, size=(2, 5)),)),
                 Case("a 4x2 array", (rng.uniform(0, 5, size=(4, 2)),))],
    mistakes=[
        Mistake("row means broadcast along the wrong axis",
                "You subtracted a vector of row means with shape (n,). NumPy lines shapes up "
                "from the right, so an (n,) vector is subtracted from every *row*, entry j "
                "going to column j: row i's mean is taken away from column i. For square "
                "arrays this runs without error and gives wrong numbers; for others it fails "
                "with 'operands could not be broadcast'.",
                "Keep the reduced axis: a.mean(axis=1, keepdims=True) has shape (n, 1), which "
                "broadcasts across each row.",
                variant=lambda a: a - a.mean(axis=1)),
        Mistake("centred the columns",
                "You subtracted the column means (axis=0), so each column sums to 0 instead of "
                "each row.",
                "Row means are a mean over axis=1.",
                variant=lambda a: a - a.mean(axis=0)),
        Mistake("subtracted the overall mean",
                "You subtracted one number, the mean of the whole array.",
                "Each row needs its own mean.",
                variant=lambda a: a - a.mean()),
    ],
    hint="Subtract from each row its own mean; keepdims=True gives the means shape (n, 1) so "
         "they broadcast across the row. Every row of the result sums to 0.")


def _proportions(counts):
    total = sum(counts.tolist())
    return np.array([c / total for c in counts.tolist()])


check_proportions = FunctionCheck(
    "proportions", _proportions,
    [Case("counts [3, 1, 4, 2]", (np.array([3, 1, 4, 2]),)),
     Case("counts [10, 0, 30]", (np.array([10, 0, 30]),)),
     Case("counts [7]", (np.array([7]),)),
     Case("counts [1, 1, 1, 1, 1, 1]", (np.ones(6, dtype=int),))],
    mistakes=[
        Mistake("integer division",
                "Your result holds whole numbers (mostly 0). `//` is integer division: "
                "3 // 10 is 0. On integer arrays it keeps the integer dtype.",
                "Use `/`, which always gives floats.",
                variant=lambda c: c // c.sum()),
        Mistake("divided by the largest count",
                "Your proportions are relative to the largest count, so they do not sum to 1.",
                "Divide by the total, c.sum().",
                variant=lambda c: c / c.max()),
        Mistake("percentages",
                "Your result is 100 times too big: percentages instead of proportions.",
                "Leave out the factor of 100.",
                variant=lambda c: 100 * c / c.sum()),
    ],
    hint="Divide every count by the total count with `/`; the result is float and sums to 1.")


def _position_signal(x):
    n, d = x.shape
    out = x.copy()
    for j in range(d):
        out[:, j] += np.float32(j / (d - 1) if d > 1 else 0.0)
    return out


def _float32_cases(rng):
    return [Case("a float32 array of shape (3, 5)", (rng.normal(size=(3, 5)).astype(np.float32),)),
            Case("a float32 array of shape (4, 4)", (rng.normal(size=(4, 4)).astype(np.float32),)),
            Case("a float32 array of shape (2, 8)", (rng.normal(size=(2, 8)).astype(np.float32),)),
            Case("a float32 array with one column, d = 1 (the result is x itself)",
                 (rng.normal(size=(3, 1)).astype(np.float32),)),
            Case("float32 values of very different sizes, shape (2, 3)",
                 (np.array([[1e6, -2.5, 3e-3], [-7e5, 0.25, 1e-4]], dtype=np.float32),))]


def _float64_creep(expected, got, case) -> bool:
    """float64 where float32 was expected, with the values right (the message says so)."""
    return (isinstance(got, np.ndarray) and got.dtype == np.float64
            and expected.dtype == np.float32 and got.shape == expected.shape
            and bool(np.allclose(got, expected, rtol=1e-6, atol=1e-6)))


check_add_position_signal = FunctionCheck(
    "add_position_signal", _position_signal, _float32_cases,
    dtype="exact", rtol=1e-6, atol=1e-6,
    mistakes=[
        Mistake("float64 creep",
                "Your values are right, but your result is float64 while the input was float32. "
                "np.linspace, np.zeros and np.arange make float64 arrays by default, and adding "
                "one to a float32 array promotes the whole result to float64: twice the "
                "memory, and slower.",
                "Create the ramp in the input's dtype: dtype=x.dtype, or .astype(x.dtype).",
                detect=_float64_creep,
                example=lambda x: x + np.linspace(0, 1, x.shape[1])),
        Mistake("ramp down the rows",
                "Your ramp runs down the rows (one value per row); it should run across the "
                "columns, from 0 in the first column to 1 in the last.",
                "The ramp has one entry per column (d of them) and shape (d,), which "
                "broadcasts across every row.",
                variant=lambda x: x + np.linspace(0, 1, x.shape[0],
                                                  dtype=x.dtype)[:, None]),
        Mistake("ramp from 0 to d",
                "Your ramp goes up by 1 per column (0, 1, 2, ...); it should go from 0 to 1.",
                "np.linspace(0, 1, d) spaces d points evenly from 0 to 1.",
                variant=lambda x: x + np.arange(x.shape[1], dtype=x.dtype)),
    ],
    hint="Add a ramp of d values from 0 to 1 (one per column), made in x's dtype so a float32 "
         "input gives a float32 result, and leave x itself unchanged.")


def _pairwise_sq_distances(X, Y):
    out = np.zeros((len(X), len(Y)))
    for i in range(len(X)):
        for j in range(len(Y)):
            out[i, j] = sum((a - b) ** 2 for a, b in zip(X[i], Y[j], strict=True))
    return out


def _pairwise_by_expansion(X, Y):
    # |x - y|^2 = |x|^2 + |y|^2 - 2 x.y : a vectorised form unlike the exercise's own.
    return (X * X).sum(axis=1)[:, None] + (Y * Y).sum(axis=1)[None, :] - 2.0 * X @ Y.T


check_pairwise_sq_distances = FunctionCheck(
    "pairwise_sq_distances", _pairwise_sq_distances,
    lambda rng: [Case("X of shape (3, 4) and Y of shape (3, 4)",
                      (rng.normal(size=(3, 4)), rng.normal(size=(3, 4)))),
                 Case("X of shape (4, 3) and Y of shape (2, 3)",
                      (rng.normal(size=(4, 3)), rng.normal(size=(2, 3)))),
                 Case("X of shape (5, 2) and Y of shape (3, 2)",
                      (rng.normal(size=(5, 2)), rng.normal(size=(3, 2))))],
    no_loops=True, reference=_pairwise_by_expansion, rtol=1e-6, atol=1e-9,
    mistakes=[
        Mistake("distances, not squared distances",
                "Your values are the square roots of the expected ones: Euclidean distances "
                "rather than squared distances.",
                "Leave out the square root.",
                variant=lambda X, Y: np.sqrt(((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1))),
        Mistake("summed over the wrong axis",
                "You summed the squared differences over the wrong axis. After broadcasting "
                "X[:, None, :] - Y[None, :, :] has shape (n, m, d); the coordinates are the "
                "last axis.",
                "Sum over axis=-1 (the d coordinates).",
                variant=lambda X, Y: ((X[:, None, :] - Y[None, :, :]) ** 2).sum(axis=1)),
        Mistake("paired rows instead of all pairs",
                "You compared row i of X with row i of Y only. The exercise asks for every "
                "pair (i, j), an (n, m) table.",
                "Insert new axes so the subtraction broadcasts to shape (n, m, d).",
                variant=lambda X, Y: ((X - Y) ** 2).sum(axis=-1)),
    ],
    hint="Broadcast X[:, None, :] - Y[None, :, :] to shape (n, m, d), square, and sum over "
         "the last axis: entry (i, j) is |X[i] - Y[j]|^2, shape (n, m).")


def _one_hot(labels, n_classes):
    out = np.zeros((len(labels), n_classes))
    for i, label in enumerate(labels.tolist()):
        out[i, label] = 1.0
    return out


check_one_hot = FunctionCheck(
    "one_hot", _one_hot,
    [Case("labels [0, 2, 1] with 3 classes", (np.array([0, 2, 1]), 3)),
     Case("labels [4, 4, 0, 1] with 5 classes", (np.array([4, 4, 0, 1]), 5)),
     Case("labels [1] with 2 classes", (np.array([1]), 2)),
     Case("labels [0, 1, 2, 3, 0] with 4 classes", (np.array([0, 1, 2, 3, 0]), 4))],
    mistakes=[
        Mistake("shifted by one class",
                "Your 1s sit one class to the left: class labels start at 0 and are already "
                "valid column indices.",
                "Use the labels as column indices directly, without subtracting 1.",
                variant=lambda y, k: np.eye(k)[(y - 1) % k]),
        Mistake("integer dtype",
                "Your one-hot array holds integers. Later stages multiply one-hot vectors with "
                "float weights, so make it float (the default of np.zeros).",
                "Create the array with np.zeros((n, k)) (float64 by default).",
                detect=lambda e, g, case: isinstance(g, np.ndarray) and g.dtype.kind in "iub"
                and g.shape == e.shape, example=lambda y, k: np.eye(k, dtype=int)[y]),
    ],
    hint="Fancy indexing can set one entry per row: out[np.arange(n), labels] = 1.")


def _noisy_line_reference(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=n)
    y = 2.0 * x + 1.0 + rng.normal(0.0, 0.1, size=n)
    return x, y


UNSEEDED = Mistake(
    "unseeded randomness",
    "Two calls with the same seed gave different data, so your results (and your grade) "
    "would change from run to run.",
    "Create the generator from the seed argument: rng = np.random.default_rng(seed), and "
    "draw every random number from rng.",
    example=lambda n, seed: (np.random.default_rng().uniform(size=n),) * 2)
SEED_IGNORED = Mistake(
    "the seed argument is ignored",
    "Different seeds gave identical data: your function uses a fixed seed of its own.",
    "Pass the `seed` argument to np.random.default_rng.",
    example=lambda n, seed: _noisy_line_reference(n, 42))
def _global_seed_example(n, seed):
    np.random.seed(seed)
    x = np.random.uniform(0.0, 1.0, size=n)
    return x, 2.0 * x + 1.0 + np.random.normal(0.0, 0.1, size=n)


GLOBAL_SEED = Mistake(
    "the global random state",
    "Your function changed NumPy's global random state (np.random.seed or np.random.rand). "
    "Any other code that uses the global state now depends on your function, and the other "
    "way round, so results stop being reproducible as soon as code is reordered.",
    "Use a generator object of your own: rng = np.random.default_rng(seed).",
    example=_global_seed_example)
WRONG_NOISE = Mistake(
    "wrong amount of noise",
    "The points scatter around the line by the wrong amount: the noise should have "
    "standard deviation 0.1 (the `scale` of a normal distribution, not its variance).",
    "rng.normal(0.0, 0.1, size=n) draws noise with standard deviation 0.1.",
    example=lambda n, seed: (lambda r: (lambda x: (x, 2 * x + 1 + r.normal(0, 1.0, n)))(
        r.uniform(0, 1, n)))(np.random.default_rng(seed)))
WRONG_LINE = Mistake(
    "the wrong line",
    "On average your y does not follow y = 2x + 1: check the slope and the intercept.",
    "y = 2.0 * x + 1.0 + noise.",
    example=lambda n, seed: (lambda r: (lambda x: (x, 2 * x + r.normal(0, 0.1, n)))(
        r.uniform(0, 1, n)))(np.random.default_rng(seed)))


def _verify_noisy_line(noisy_line, ctx: Context) -> None:
    n = 20_000
    with watch_global_rng() as watch:   # restores the learner's global state afterwards
        first = ctx.call(noisy_line, Case(f"n={n}, seed=0", (n, 0)))
    global_changed = watch.changed
    ctx.require(isinstance(first, tuple) and len(first) == 2,
                "noisy_line should return a tuple (x, y)", [f"got {type(first).__name__}"])
    x, y = (np.asarray(v) for v in first)
    ctx.require(x.shape == (n,) and y.shape == (n,),
                f"x and y should both have shape ({n},)",
                [f"got x: {x.shape}, y: {y.shape}"])
    ctx.require(not global_changed, "your function changed NumPy's global random state",
                mistake=GLOBAL_SEED)
    again = ctx.call(noisy_line, Case(f"n={n}, seed=0 a second time", (n, 0)))
    same = all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(first, again,
                                                                           strict=True))
    ctx.require(same, "calling with the same seed twice gave different data", mistake=UNSEEDED)
    other = ctx.call(noisy_line, Case(f"n={n}, seed=1", (n, 1)))
    ctx.require(not np.array_equal(np.asarray(other[0]), x),
                "seed=0 and seed=1 gave the same data", mistake=SEED_IGNORED)
    # Statistical checks, deterministic because the seeds are fixed. Tolerances are
    # about 7 standard errors of each estimate at n = 20000, so a correct
    # implementation passes for any seed and the mistakes above fail by far.
    ctx.require(bool(x.min() >= 0.0 and x.max() < 1.0),
                "x should lie in [0, 1)", [f"got min {x.min():.3g}, max {x.max():.3g}"])
    ctx.require(abs(x.mean() - 0.5) < 0.015 and abs(x.std() - 0.2887) < 0.01,
                "x should be uniform on [0, 1) (mean 0.5, standard deviation 0.289)",
                [f"got mean {x.mean():.3f}, standard deviation {x.std():.3f}"])
    # The spread first: with too much noise the mean is off too, and the
    # message should name the noise, not the line.
    resid = y - (2.0 * x + 1.0)
    ctx.require(abs(resid.std() - 0.1) < 0.005,
                "the noise should have standard deviation 0.1",
                [f"the standard deviation of y - (2x + 1) is {resid.std():.3f}"],
                mistake=WRONG_NOISE)
    ctx.require(abs(resid.mean()) < 0.01, "y should scatter around the line y = 2x + 1",
                [f"the mean of y - (2x + 1) is {resid.mean():.3f}, expected about 0"],
                mistake=WRONG_LINE)


check_noisy_line = CustomCheck(
    "noisy_line", _verify_noisy_line, reference=_noisy_line_reference,
    mistakes=[UNSEEDED, SEED_IGNORED, GLOBAL_SEED, WRONG_NOISE, WRONG_LINE],
    hint="Make one generator from the seed, rng = np.random.default_rng(seed); draw x "
         "uniformly on [0, 1) and noise with standard deviation 0.1 from it; y = 2x + 1 + noise.")

# ---------------------------------------------------------------------------
# 03_first_learning_plan
# ---------------------------------------------------------------------------

PATHS = ("research lead", "research contributor", "undecided")
FOCUSES = ("empirical", "theoretical", "undecided")

EXAMPLE_PLAN = {
    "hours_per_week": 12,
    "weeks": 20,
    "path": "research contributor",
    "focus": "empirical",
    "first_month": [
        "finish stage 00 and the first two linear algebra notebooks",
        "read AGI Safety from First Principles, two hours each week",
        "ask one person in the field to review this plan",
    ],
    "change_course_if": "after eight weeks I have finished fewer than half the stages I planned",
}


def _words(text) -> int:
    return len(str(text).split())


def _verify_plan(plan, ctx: Context) -> None:
    ctx.require(plan is not None, "`my_plan` is still None: you have not filled it in yet",
                hint="Replace `my_plan = None` with a dict like the example above.")
    ctx.require(isinstance(plan, dict), f"`my_plan` should be a dict, not a {type(plan).__name__}")
    missing = [k for k in EXAMPLE_PLAN if k not in plan]
    ctx.require(not missing, "`my_plan` is missing some keys",
                [f"missing: {', '.join(missing)}"], hint="Copy the keys of the example plan.")
    hours = plan["hours_per_week"]
    ctx.require(isinstance(hours, (int, float)) and not isinstance(hours, bool),
                "hours_per_week should be a number", [f"got {hours!r}"])
    ctx.require(1 <= hours <= 60, "hours_per_week should be between 1 and 60",
                [f"got {hours}. People who studied full time on a grant report about 20 "
                 "hours a week of focused work; more than 60 is not sustainable."])
    weeks = plan["weeks"]
    ctx.require(isinstance(weeks, int) and not isinstance(weeks, bool) and 1 <= weeks <= 156,
                "weeks should be a whole number of weeks between 1 and 156", [f"got {weeks!r}"])
    ctx.require(plan["path"] in PATHS, "path should be one of " + ", ".join(map(repr, PATHS)),
                [f"got {plan['path']!r}"])
    ctx.require(plan["focus"] in FOCUSES,
                "focus should be one of " + ", ".join(map(repr, FOCUSES)),
                [f"got {plan['focus']!r}"])
    first = plan["first_month"]
    ctx.require(isinstance(first, list) and len(first) >= 3,
                "first_month should be a list of at least 3 things you will do",
                [f"got {first!r}"])
    vague = [item for item in first if _words(item) < 4]
    ctx.require(not vague, "each first_month item should be concrete (at least 4 words)",
                [f"too short: {vague!r}"],
                hint="Say what and how much, e.g. 'finish the linear algebra notebooks 01-03'.")
    ctx.require(_words(plan["change_course_if"]) >= 6,
                "change_course_if should say, in a sentence, when you would change course",
                [f"got {plan['change_course_if']!r}"])


check_learning_plan = CustomCheck(
    "my_plan", _verify_plan, reference=EXAMPLE_PLAN,
    hint="Fill in every key of the example plan with your own values: numbers in range, "
         "one of the listed choices, concrete first-month items, and a sentence on when you "
         "would change course.")
