"""Drawing helpers for the stage 02 notebooks (matplotlib is imported only when drawing).

- draw_graph(root): the computation graph of a scalar autograd Value, inputs on the
  left, the root on the right, each node with its data and its gradient.
- plot_decision_boundary(predict, X, y): the class a 2-D classifier predicts at every
  point of the plane, with the data on top.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def graph_nodes(root) -> list:
    """Every node of the graph that ends in `root`, inputs before the nodes that use them."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in reversed(getattr(node, "_prev", ())):
            stack.append((parent, False))
    return order


def draw_graph(root, ax=None, title: str | None = None):
    """Draw the computation graph of `root` (a Value with data, grad, _prev, op, label).

    Columns are depths: inputs on the left, the root on the right. An input used
    twice has two arrows leaving it. Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    nodes = graph_nodes(root)
    depth: dict[int, int] = {}
    for node in nodes:
        parents = getattr(node, "_prev", ())
        depth[id(node)] = 1 + max((depth[id(p)] for p in parents), default=-1)
    columns: dict[int, list] = {}
    for node in nodes:
        columns.setdefault(depth[id(node)], []).append(node)
    pos = {}
    for d, column in columns.items():
        for i, node in enumerate(column):
            pos[id(node)] = (d * 2.2, (len(column) - 1) / 2 - i)
    if ax is None:
        width = 2.0 + 2.0 * len(columns)
        height = 1.5 + 1.1 * max(len(c) for c in columns.values())
        _, ax = plt.subplots(figsize=(width, height))
    boxes = {}
    for node in nodes:
        name = getattr(node, "label", "") or getattr(node, "op", "") or "input"
        text = f"{name}\ndata {node.data:.3g}\ngrad {node.grad:.3g}"
        leaf = not getattr(node, "_prev", ())
        boxes[id(node)] = ax.text(*pos[id(node)], text, ha="center", va="center", fontsize=9,
                                  bbox={"boxstyle": "round", "fc": "#deebf7" if leaf
                                        else "#fee6ce", "ec": "gray"}, zorder=3)
    for node in nodes:
        for parent in getattr(node, "_prev", ()):
            skip = depth[id(node)] - depth[id(parent)] > 1   # curve around the column between
            ax.annotate("", xy=pos[id(node)], xytext=pos[id(parent)], zorder=4,
                        arrowprops={"arrowstyle": "-|>", "color": "gray", "mutation_scale": 14,
                                    "patchA": boxes[id(parent)].get_bbox_patch(),
                                    "patchB": boxes[id(node)].get_bbox_patch(),
                                    "connectionstyle": f"arc3,rad={-0.35 if skip else 0.0}"})
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 1.0, max(xs) + 1.0)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                           y: np.ndarray, ax=None, title: str | None = None,
                           resolution: int = 200, margin: float = 0.3):
    """Colour the plane by the class `predict` gives, and draw the points (X, y) on top.

    predict: maps an array of shape (m, 2) to integer classes of shape (m,).
    X: float array of shape (n, 2).  y: int array of shape (n,).
    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)              # (resolution**2, 2)
    classes = np.asarray(predict(grid)).reshape(gx.shape)
    ax.contourf(gx, gy, classes, levels=np.arange(int(y.max()) + 2) - 0.5,
                cmap="coolwarm", alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=10, edgecolors="k", linewidths=0.2)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax
