"""Checks for 01_vectors: combinations, lengths, angles, projections, nearest neighbours.

Oracles are plain Python loops over the entries (math.hypot, math.fsum), so
they share no code with the NumPy one-liners a learner writes. Cases use
vectors of different lengths on purpose: most mistakes here (forgetting to
normalise, dividing by the wrong length) are invisible on unit vectors.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake
from .shared import HandWrittenCheck


def _dot(u, v) -> float:
    return math.fsum(a * b for a, b in zip(u.tolist(), v.tolist(), strict=True))


def _hypot(v) -> float:
    return math.hypot(*v.tolist())


# ---------------------------------------------------------------------------
# 1.1 linear_combination
# ---------------------------------------------------------------------------

def _linear_combination(coeffs, vectors):
    out = [0.0] * vectors.shape[1]
    for c, row in zip(coeffs.tolist(), vectors.tolist(), strict=True):
        out = [o + c * x for o, x in zip(out, row, strict=True)]
    return np.array(out)


check_linear_combination = FunctionCheck(
    "linear_combination", _linear_combination,
    lambda rng: [
        Case("3 vectors of length 3", (np.array([2.0, -1.0, 0.5]), rng.normal(size=(3, 3)))),
        Case("3 vectors of length 4", (np.array([1.0, 3.0, -2.0]), rng.normal(size=(3, 4)))),
        Case("1 vector of length 5", (np.array([-0.5]), rng.normal(size=(1, 5)))),
        Case("4 vectors of length 2", (rng.normal(size=4), rng.normal(size=(4, 2)))),
    ],
    mistakes=[
        Mistake("weights applied to coordinates",
                "You combined the *coordinates* of each vector instead of the vectors: "
                "`vectors @ coeffs` gives one number per vector (row i dotted with the "
                "weights). Each row of `vectors` is one vector; the weights say how much of "
                "each row to take.",
                "The result has d entries (one per coordinate): weight each row, then add "
                "the rows up. `coeffs @ vectors` does exactly that.",
                variant=lambda c, V: V @ c),
        Mistake("summed over the wrong axis",
                "You weighted each row correctly, then added up along each row (axis=1), "
                "which gives one number per vector instead of one vector.",
                "Add the weighted rows together: sum over axis=0.",
                variant=lambda c, V: (c[:, None] * V).sum(axis=1)),
        Mistake("weights broadcast along the wrong axis",
                "`vectors * coeffs` lines the weights up with the *columns* (NumPy broadcasts "
                "from the right), so coordinate j of every vector got weight j.",
                "Give the weights shape (k, 1) so that they line up with the rows: "
                "coeffs[:, None] * vectors.",
                variant=lambda c, V: (V * c).sum(axis=0)),
        Mistake("forgot the weights",
                "Your result is the plain sum of the vectors: the weights were not used.",
                "Multiply each vector by its weight before adding.",
                variant=lambda c, V: V.sum(axis=0)),
    ],
    hint="Row i of `vectors` is the vector v_i; the result is c_0 v_0 + c_1 v_1 + ... "
         "(shape (d,)).")


# ---------------------------------------------------------------------------
# 1.2 length
# ---------------------------------------------------------------------------

def _overflowed(expected, got, case) -> bool:
    g = float(got)
    return expected > 0 and (not math.isfinite(g) or g == 0.0)


def _length_scaled_no_zero_test(v):
    m = np.abs(v).max()
    return float(m * np.sqrt(((v / m) ** 2).sum()))


def _length_naive(v):
    return float(np.sqrt((v * v).sum()))


def _length_builtin(v):
    m = float(np.abs(v).max())
    return 0.0 if m == 0.0 else m * float(np.linalg.norm(v / m))


check_length = HandWrittenCheck(
    "length", _hypot,
    lambda rng: [
        Case("the vector [3, 4]", (np.array([3.0, 4.0]),)),
        Case("a random vector of length 6", (rng.normal(size=6),)),
        Case("the vector [1, -2, 2]", (np.array([1.0, -2.0, 2.0]),)),
        Case("a vector with entries around 1e200", (np.array([3e200, -4e200, 1e200]),)),
        Case("a vector with entries around 1e-200", (np.array([3e-200, 4e-200]),)),
        Case("the zero vector (length 0.0, as the docstring promises)", (np.zeros(3),)),
        Case("a vector with a zero entry and largest entry 1", (np.array([0.0, 1.0, -0.5]),)),
        Case("a vector whose entries are all negative", (np.array([-3.0, -4.0]),)),
    ],
    rtol=1e-9, atol=0.0,
    forbidden=("linalg.norm",),
    builtin_mistake=Mistake(
        "used np.linalg.norm",
        "Your results are right, but the docstring asks you not to use np.linalg.norm here: "
        "the exercise is to handle huge and tiny entries yourself.",
        "Scale by the largest absolute entry, then square, add and take the square root.",
        example=_length_builtin),
    mistakes=[
        Mistake("squared length",
                "Your result is the *squared* length, the sum of the squares. The length is "
                "its square root.",
                "Take the square root of the sum of squares.",
                variant=lambda v: float((v * v).sum())),
        Mistake("sum of absolute values",
                "You added up the absolute values of the entries. That is the L1 norm (the "
                "'taxicab' distance), not the Euclidean length: [3, 4] has length 5, not 7.",
                "Square the entries, add them, take the square root (Pythagoras).",
                variant=lambda v: float(np.abs(v).sum())),
        Mistake("largest entry",
                "You returned the largest absolute entry, not the length.",
                "Every entry contributes: square, add, square root.",
                variant=lambda v: float(np.abs(v).max())),
        Mistake("overflow",
                "Your function returns infinity (or 0) for a vector with huge (or tiny) "
                "entries. Squaring 3e200 gives 9e400, more than the largest float (about "
                "1.8e308), so the sum of squares overflows to inf before the square root can "
                "bring it back.",
                "Divide the vector by its largest absolute entry m first, compute the length "
                "of that (all entries are now at most 1), and multiply by m at the end. "
                "Handle the all-zero vector separately.",
                detect=_overflowed, example=_length_naive),
        Mistake("nan for the zero vector",
                "Your function returns nan for the zero vector: dividing by its largest "
                "entry, 0, gives 0 / 0. The docstring promises a length of 0.0 there.",
                "If the largest absolute entry is 0, return 0.0 before dividing.",
                detect=lambda e, g, case: e == 0.0 and isinstance(g, (float, np.floating))
                and math.isnan(g), example=_length_scaled_no_zero_test),
    ],
    hint="The length of v is the square root of v_0^2 + v_1^2 + ... (Pythagoras in d "
         "dimensions).")


# ---------------------------------------------------------------------------
# 1.3 cosine_similarity
# ---------------------------------------------------------------------------

def _cosine(u, v):
    return _dot(u, v) / (_hypot(u) * _hypot(v))


def _one_length(expected, got, case) -> bool:
    u, v = case.args
    return any(math.isclose(float(got), _dot(u, v) / _hypot(w), rel_tol=1e-6, abs_tol=1e-12)
               for w in (u, v)) and not math.isclose(float(got), expected, rel_tol=1e-6)


def _pair_cases(rng):
    return [
        Case("u = [1, 2, 2], v = [4, 0, 3]", (np.array([1.0, 2.0, 2.0]),
                                              np.array([4.0, 0.0, 3.0]))),
        Case("two random vectors of length 8", (rng.normal(size=8), 3 * rng.normal(size=8))),
        Case("v = 10 u (same direction)", (np.array([0.5, -1.0, 2.0]),
                                           np.array([5.0, -10.0, 20.0]))),
        Case("v = -u / 4 (opposite directions)", (np.array([2.0, 4.0]), np.array([-0.5, -1.0]))),
        Case("perpendicular vectors", (np.array([3.0, 1.0]), np.array([-2.0, 6.0]))),
    ]


check_cosine_similarity = FunctionCheck(
    "cosine_similarity", _cosine, _pair_cases,
    mistakes=[
        Mistake("forgot to normalise",
                "You returned the dot product u . v. It grows with the lengths of the vectors, "
                "so it is not a measure of direction alone: v = 10 u would be 'more similar' "
                "to u than u itself.",
                "Divide the dot product by |u| |v|, the product of the two lengths.",
                variant=lambda u, v: float(u @ v)),
        Mistake("divided by the squared lengths",
                "You divided by (u . u)(v . v), the product of the *squared* lengths.",
                "Divide by the lengths themselves: sqrt(u . u) * sqrt(v . v).",
                variant=lambda u, v: float(u @ v / ((u @ u) * (v @ v)))),
        Mistake("normalised only one vector",
                "You divided by the length of only one of the vectors.",
                "Both lengths belong in the denominator: u . v / (|u| |v|).",
                detect=_one_length, example=lambda u, v: float(u @ v / np.sqrt(v @ v))),
        Mistake("the angle instead of its cosine",
                "You returned the angle (in radians), arccos of the cosine similarity. The "
                "cosine similarity is the cosine itself, between -1 and 1.",
                "Leave out np.arccos.",
                variant=lambda u, v: float(np.arccos(np.clip(
                    u @ v / np.sqrt((u @ u) * (v @ v)), -1, 1)))),
    ],
    hint="cos(angle) = u . v / (|u| |v|).")


# ---------------------------------------------------------------------------
# 1.4 project
# ---------------------------------------------------------------------------

def _project(u, v):
    coefficient = _dot(u, v) / _dot(v, v)
    return np.array([coefficient * x for x in v.tolist()])


check_project = FunctionCheck(
    "project", _project,
    lambda rng: [
        Case("u = [2, 3], v = [4, 0]", (np.array([2.0, 3.0]), np.array([4.0, 0.0]))),
        Case("u = [1, 1, 1], v = [1, 2, 2]", (np.array([1.0, 1.0, 1.0]),
                                              np.array([1.0, 2.0, 2.0]))),
        Case("two random vectors of length 5", (rng.normal(size=5), 2 * rng.normal(size=5))),
        Case("u perpendicular to v", (np.array([0.0, 0.0, 2.0]), np.array([1.0, -1.0, 0.0]))),
    ],
    mistakes=[
        Mistake("divided by the length, not the squared length",
                "You divided u . v by |v| instead of by |v|^2 = v . v. Then the answer is "
                "only right when v has length 1. The coefficient of v is (u . v) / (v . v): "
                "one |v| turns v into a unit vector, the other measures u along it.",
                "proj = (u . v) / (v . v) * v.",
                variant=lambda u, v: (u @ v) / np.sqrt(v @ v) * v),
        Mistake("forgot to normalise",
                "You returned (u . v) v without dividing by v . v, so the result scales with "
                "the square of v's length.",
                "Divide by v . v, so that scaling v does not change the projection.",
                variant=lambda u, v: (u @ v) * v),
        Mistake("projected v onto u",
                "You projected v onto u. The arguments are the other way round: the result "
                "lies along v (the second argument).",
                "The result is a multiple of v: (u . v) / (v . v) * v.",
                variant=lambda u, v: (u @ v) / (u @ u) * u),
        Mistake("the perpendicular part",
                "You returned u minus its projection: the part of u perpendicular to v.",
                "Return the part along v itself.",
                variant=lambda u, v: u - (u @ v) / (v @ v) * v),
        Mistake("returned the coefficient",
                "You returned the number (u . v) / (v . v), the coefficient of v. The "
                "projection is a vector: that number times v.",
                "Multiply the coefficient by v.",
                variant=lambda u, v: float((u @ v) / (v @ v))),
    ],
    hint="The projection of u on v is the multiple of v closest to u: (u . v) / (v . v) * v.")


# ---------------------------------------------------------------------------
# 1.5 cosine_similarities (vectorised)
# ---------------------------------------------------------------------------

def _cosine_similarities(query, E):
    return np.array([_cosine(row, query) for row in E])


def _embedding_cases(rng):
    lengths = np.array([0.5, 1.0, 3.0, 8.0])[:, None]
    return [
        Case("4 embeddings of length 4 with different lengths",
             (rng.normal(size=4), lengths * rng.normal(size=(4, 4)))),
        Case("6 embeddings of length 3", (rng.normal(size=3), rng.normal(size=(6, 3)) * 5)),
        Case("1 embedding of length 5", (rng.normal(size=5), rng.normal(size=(1, 5)))),
    ]


def _cosine_similarities_vectorised(query, E):
    # A correct loop-free submission, written differently from the exercise's own.
    unit_rows = E / np.sqrt(np.einsum("ij,ij->i", E, E))[:, None]
    return unit_rows @ (query / np.sqrt(query @ query))


check_cosine_similarities = FunctionCheck(
    "cosine_similarities", _cosine_similarities, _embedding_cases, no_loops=True,
    reference=_cosine_similarities_vectorised,
    mistakes=[
        Mistake("row lengths over the wrong axis",
                "You computed the lengths with axis=0, which gives one length per *column* "
                "(per coordinate), not one per embedding. Each embedding is a row.",
                "np.linalg.norm(embeddings, axis=1) gives one length per row, shape (n,).",
                variant=lambda q, E: E @ q / (np.linalg.norm(q) * np.linalg.norm(E, axis=0))),
        Mistake("embeddings not normalised",
                "You divided by the query's length but not by each embedding's length, so "
                "long embeddings score higher whatever their direction.",
                "Divide each entry by the length of its embedding too.",
                variant=lambda q, E: E @ q / np.linalg.norm(q)),
        Mistake("the length of the whole matrix",
                "You divided by the length of the whole embedding matrix (np.linalg.norm(E) "
                "without axis= is the square root of the sum of *all* squared entries).",
                "Pass axis=1 to get one length per embedding.",
                variant=lambda q, E: E @ q / (np.linalg.norm(q) * np.linalg.norm(E))),
        Mistake("forgot to normalise",
                "You returned the raw dot products embeddings @ query. They depend on the "
                "lengths, not just the directions.",
                "Divide by the query's length and by each embedding's length.",
                variant=lambda q, E: E @ q),
    ],
    hint="All n dot products at once: embeddings @ query (shape (n,)); then divide by the "
         "lengths.")


# ---------------------------------------------------------------------------
# 1.6 nearest_neighbours
# ---------------------------------------------------------------------------

def _nearest(query, E, k):
    sims = _cosine_similarities(query, E).tolist()
    order = sorted(range(len(sims)), key=lambda i: -sims[i])
    return np.array(order[:k], dtype=np.int64)


def _neighbour_cases(rng):
    # Directions and lengths chosen so that ranking by dot product, by cosine
    # similarity and by distance all give different answers.
    E = np.array([[1.0, 0.1], [6.0, 4.0], [0.2, 1.0], [-1.0, 0.2], [0.9, -0.5],
                  [0.4, 0.35], [-3.0, -3.0]])
    q = np.array([1.0, 0.3])
    E3 = rng.normal(size=(12, 3)) * rng.uniform(0.2, 5.0, size=(12, 1))
    return [Case("7 points in 2-D, k=3", (q, E, 3)),
            Case("12 embeddings of length 3, k=4", (rng.normal(size=3), E3, 4)),
            Case("12 embeddings of length 3, k=1", (np.array([1.0, -1.0, 0.5]), E3, 1))]


def _argsort_desc(x):
    return np.argsort(-x, kind="stable")


def _cos_np(q, E):
    return E @ q / (np.linalg.norm(E, axis=1) * np.linalg.norm(q))


check_nearest_neighbours = FunctionCheck(
    "nearest_neighbours", _nearest, _neighbour_cases,
    mistakes=[
        Mistake("least similar first",
                "You picked the k *least* similar embeddings: np.argsort sorts from smallest "
                "to largest, so its first entries have the lowest similarity.",
                "Sort by the negated similarity (np.argsort(-sims)), or reverse the order.",
                variant=lambda q, E, k: np.argsort(_cos_np(q, E))[:k]),
        Mistake("right neighbours, wrong order",
                "You found the right k embeddings, but listed them from least to most "
                "similar. np.argsort(sims)[-k:] ends with the best one.",
                "Reverse that slice with [::-1], or sort by -sims.",
                variant=lambda q, E, k: np.argsort(_cos_np(q, E))[-k:]),
        Mistake("ranked by dot product",
                "You ranked by the raw dot product, which favours long embeddings: a long "
                "vector pointing somewhat the same way beats a short one pointing exactly "
                "the same way.",
                "Rank by cosine similarity (your cosine_similarities function).",
                variant=lambda q, E, k: _argsort_desc(E @ q)[:k]),
        Mistake("ranked by distance",
                "You ranked by Euclidean distance to the query. Distance mixes up length and "
                "direction; cosine similarity only looks at direction.",
                "Rank by cosine similarity, largest first.",
                variant=lambda q, E, k: np.argsort(np.linalg.norm(E - q, axis=1))[:k]),
    ],
    hint="Compute all similarities, then np.argsort(-similarities)[:k].")
