"""Generate the mutants of a solution cell: small, plausible bugs made by an AST mutator.

mutmut and cosmic-ray mutate files of an installed package and run a test
command per mutant; our code under test is a notebook cell run in-process, so
this is a small hand-written mutator instead. Each mutant changes one node of
the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the part a
learner writes) and is returned as source (``ast.unparse``: comments dropped).

Operators (the mistakes a learner makes):
  arithmetic   + - * / // ** @ swapped; a term of a sum dropped; operands of a
               non-commutative operation swapped; unary minus dropped
  comparison   < <= > >= == != flipped; and/or swapped; `not` dropped
  axis         axis=0 <-> 1, -1 <-> 0, axis= dropped; keepdims=True dropped
  constants    c +- 1, 0/1/2 swapped, True/False swapped
  indices      x[i] -> x[i +- 1], slice bounds +- 1 or dropped, range() bounds +- 1
  arguments    the first two positional arguments of a call swapped
  transpose    .T removed; .T added to an operand of @
  copies       x -= m <-> x = x - m; .copy() / np.copy dropped; a statement that
               updates state (x += ..., f(...)) dropped
  dtypes       float32 <-> float64, int <-> float, astype(...) / dtype= dropped
  reductions   sum <-> mean, max <-> min, argmax <-> argmin, maximum <-> minimum,
               an elementwise function (abs, sqrt, exp, log, square) dropped
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass

BIN_SWAPS: dict[type, list[type]] = {
    ast.Add: [ast.Sub, ast.Mult], ast.Sub: [ast.Add], ast.Mult: [ast.Div, ast.Add],
    ast.Div: [ast.Mult, ast.FloorDiv], ast.FloorDiv: [ast.Div], ast.Pow: [ast.Mult],
    ast.MatMult: [ast.Mult], ast.Mod: [ast.FloorDiv],
}
NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Pow, ast.MatMult, ast.Mod)
CMP_SWAPS: dict[type, list[type]] = {
    ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt, ast.GtE], ast.Gt: [ast.GtE, ast.Lt],
    ast.GtE: [ast.Gt, ast.LtE], ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq],
    ast.Is: [ast.IsNot], ast.IsNot: [ast.Is], ast.In: [ast.NotIn], ast.NotIn: [ast.In],
}
NAME_SWAPS = {
    "sum": "mean", "mean": "sum", "max": "min", "min": "max", "argmax": "argmin",
    "argmin": "argmax", "maximum": "minimum", "minimum": "maximum", "amax": "amin",
    "amin": "amax", "nansum": "nanmean", "float32": "float64", "float64": "float32",
    "int64": "float64", "cumsum": "cumprod", "cumprod": "cumsum", "argsort": "sort",
    "ones": "zeros", "zeros": "ones", "ones_like": "zeros_like", "zeros_like": "ones_like",
}
DTYPE_NAMES = {"int": "float", "float": "int"}
ELEMENTWISE = {"abs", "sqrt", "exp", "log", "square", "fabs", "float", "int", "round",
               "log1p", "expm1", "tanh"}
MARK_BEGIN = "### BEGIN SOLUTION"
MARK_END = "### END SOLUTION"


@dataclass(frozen=True)
class Mutant:
    """One mutant of a cell: what changed, on which line of the cell, and its source."""

    operator: str      # e.g. "axis 0 -> 1"
    line: int          # 1-based line in the original cell
    source: str

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.operator}"


def solution_lines(source: str) -> set[int]:
    """1-based line numbers between the solution markers (all lines if there are none)."""
    lines = source.splitlines()
    inside, found = False, set()
    for number, line in enumerate(lines, 1):
        if MARK_BEGIN in line:
            inside = True
        elif MARK_END in line:
            inside = False
        elif inside:
            found.add(number)
    return found or set(range(1, len(lines) + 1))


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                ids.add(id(body[0].value))
    return ids


def _const(value) -> ast.Constant:
    return ast.Constant(value=value)


def _plus(node: ast.expr, k: int) -> ast.expr:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) \
            and not isinstance(node.value, bool):
        return _const(node.value + k)
    return ast.BinOp(left=copy.deepcopy(node), op=ast.Add() if k > 0 else ast.Sub(),
                     right=_const(abs(k)))


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _alternatives(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """(description, replacement node) for every mutation of `node` itself."""
    if isinstance(node, ast.BinOp):
        yield from _binop_alternatives(node)
    elif isinstance(node, ast.AugAssign):
        yield from _augassign_alternatives(node)
    elif _is_self_update(node):
        yield ("copy -> in place (x = x op y -> x op= y)",
               ast.AugAssign(ast.Name(node.targets[0].id, ast.Store()), node.value.op,
                             node.value.right))
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield "statement dropped", ast.Pass()
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        op = type(node.ops[0])
        for new in CMP_SWAPS.get(op, []):
            yield f"{op.__name__} -> {new.__name__}", ast.Compare(node.left, [new()],
                                                                   node.comparators)
    elif isinstance(node, ast.BoolOp):
        new_op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield (f"{type(node.op).__name__} -> {type(new_op).__name__}",
               ast.BoolOp(new_op, node.values))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        yield f"{type(node.op).__name__} dropped", node.operand
    elif isinstance(node, ast.Constant) and not isinstance(node.value, str):
        yield from _constant_alternatives(node.value)
    elif isinstance(node, ast.Subscript):
        yield from _subscript_alternatives(node)
    elif isinstance(node, ast.Attribute):
        yield from _attribute_alternatives(node)
    elif isinstance(node, ast.Call):
        yield from _call_alternatives(node)
    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) \
            and node.id in (*NAME_SWAPS, *DTYPE_NAMES):
        new_name = DTYPE_NAMES.get(node.id) or NAME_SWAPS[node.id]
        yield f"{node.id} -> {new_name}", ast.Name(new_name, ast.Load())


def _binop_alternatives(node: ast.BinOp) -> Iterator[tuple[str, ast.AST]]:
    """Swapped operators, dropped terms and factors, swapped operands, an added .T."""
    op = type(node.op)
    for new in BIN_SWAPS.get(op, []):
        yield f"{op.__name__} -> {new.__name__}", ast.BinOp(node.left, new(), node.right)
    if op in (ast.Add, ast.Sub):
        yield f"{op.__name__}: right term dropped", node.left
        yield f"{op.__name__}: left term dropped", (
            node.right if op is ast.Add else ast.UnaryOp(ast.USub(), node.right))
    if op in (ast.Mult, ast.Div):
        yield f"{op.__name__}: factor dropped", node.left
    if op in NON_COMMUTATIVE:
        yield f"{op.__name__}: operands swapped", ast.BinOp(node.right, node.op, node.left)
    if op is ast.MatMult:
        for side in ("left", "right"):
            operand = getattr(node, side)
            if isinstance(operand, ast.Attribute) and operand.attr == "T":
                continue
            new_node = copy.copy(node)
            setattr(new_node, side, ast.Attribute(operand, "T", ast.Load()))
            yield f"@: .T added to the {side} operand", new_node


def _augassign_alternatives(node: ast.AugAssign) -> Iterator[tuple[str, ast.AST]]:
    """x op= y as a copy, with another operator, or dropped."""
    target = copy.deepcopy(node.target)
    if isinstance(target, ast.Name):
        load = ast.Name(target.id, ast.Load())
        yield ("in place -> copy (x op= y -> x = x op y)",
               ast.Assign([target], ast.BinOp(load, node.op, node.value)))
    for new in BIN_SWAPS.get(type(node.op), [])[:1]:
        yield (f"{type(node.op).__name__}= -> {new.__name__}=",
               ast.AugAssign(node.target, new(), node.value))
    yield "augmented assignment dropped", ast.Pass()


def _is_self_update(node: ast.AST) -> bool:
    """x = x op y, with a plain name x (then node.targets[0] is that Name and node.value
    the BinOp)."""
    return isinstance(node, ast.Assign) and len(node.targets) == 1 \
        and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.BinOp) \
        and isinstance(node.value.left, ast.Name) \
        and node.value.left.id == node.targets[0].id


def _constant_alternatives(value: object) -> Iterator[tuple[str, ast.AST]]:
    """A bool flipped; a number +-1, another of 0, 1, 2, or (floats) times or over 10."""
    if isinstance(value, bool):
        yield f"{value} -> {not value}", _const(not value)
    elif isinstance(value, (int, float)):
        options = [value + 1, value - 1]
        if value in (0, 1, 2):
            options += [type(value)(v) for v in (0, 1, 2) if v != value]
        if isinstance(value, float) and value not in (0.0, 1.0, 2.0):
            options += [value * 10, value / 10]
        seen = set()
        for new in options:
            if new != value and new not in seen:
                seen.add(new)
                yield f"constant {value!r} -> {new!r}", _const(new)


def _subscript_alternatives(node: ast.Subscript) -> Iterator[tuple[str, ast.AST]]:
    """Slice bounds moved by one or dropped; an index moved by one."""
    index = node.slice
    if isinstance(index, ast.Slice):
        for part in ("lower", "upper"):
            bound = getattr(index, part)
            if bound is None:
                continue
            if not _is_literal(bound):
                for k in (1, -1):
                    new_slice = copy.copy(index)
                    setattr(new_slice, part, _plus(bound, k))
                    yield f"slice {part} bound {k:+d}", ast.Subscript(node.value, new_slice,
                                                                      node.ctx)
            new_slice = copy.copy(index)
            setattr(new_slice, part, None)
            yield f"slice {part} bound dropped", ast.Subscript(node.value, new_slice, node.ctx)
    elif isinstance(index, (ast.Name, ast.BinOp)):
        for k in (1, -1):
            yield f"index {k:+d}", ast.Subscript(node.value, _plus(index, k), node.ctx)


def _is_literal(bound: ast.expr) -> bool:
    """A constant, or a negated constant (-1)."""
    return isinstance(bound, ast.Constant) or (isinstance(bound, ast.UnaryOp)
                                               and isinstance(bound.operand, ast.Constant))


def _attribute_alternatives(node: ast.Attribute) -> Iterator[tuple[str, ast.AST]]:
    """.T removed; a read attribute swapped for its usual confusion (NAME_SWAPS)."""
    if node.attr == "T":
        yield ".T removed", node.value
    elif node.attr in NAME_SWAPS and isinstance(node.ctx, ast.Load):
        yield (f".{node.attr} -> .{NAME_SWAPS[node.attr]}",
               ast.Attribute(node.value, NAME_SWAPS[node.attr], node.ctx))


def _call_alternatives(node: ast.Call) -> Iterator[tuple[str, ast.AST]]:
    name = _called_name(node)
    for i, kw in enumerate(node.keywords):
        rest = node.keywords[:i] + node.keywords[i + 1:]
        if kw.arg in ("axis", "keepdims", "dtype", "ddof", "out"):
            yield f"{kw.arg}= dropped", ast.Call(node.func, node.args, rest)
        if kw.arg == "axis" and isinstance(kw.value, (ast.Constant, ast.UnaryOp)):
            try:
                value = ast.literal_eval(kw.value)
            except ValueError:
                continue
            if isinstance(value, int):
                for new in {0: (1, -1), 1: (0,), -1: (0, -2), 2: (1, -1)}.get(value, (0,)):
                    yield (f"axis {value} -> {new}",
                           ast.Call(node.func, node.args,
                                    rest + [ast.keyword("axis", _const(new))]))
    if name in ("copy", "astype") and isinstance(node.func, ast.Attribute):
        yield f".{name}() dropped", node.func.value
    if name in ("copy", "array", "asarray") and isinstance(node.func, ast.Attribute) \
            and len(node.args) == 1 and name == "copy":
        yield "np.copy dropped", node.args[0]
    if name in ELEMENTWISE and len(node.args) == 1 and not node.keywords:
        yield f"{name}() dropped", node.args[0]
    if name == "range" and node.args:
        for i, arg in enumerate(node.args[:2]):
            for k in (1, -1):
                args = list(node.args)
                args[i] = _plus(arg, k)
                yield f"range argument {i + 1} {k:+d}", ast.Call(node.func, args, node.keywords)
    if len(node.args) >= 2 and name not in ("range", "print", "isinstance", "setattr",
                                            "getattr", "hasattr"):
        args = [node.args[1], node.args[0], *node.args[2:]]
        yield "first two arguments swapped", ast.Call(node.func, args, node.keywords)


class _Replacer(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST):
        self.target, self.replacement = target, replacement

    def generic_visit(self, node):
        if node is self.target:
            return self.replacement
        return super().generic_visit(node)

    def visit(self, node):
        if node is self.target:
            return self.replacement
        return super().visit(node)


def mutants(source: str) -> list[Mutant]:
    """Every mutant of the solution region of `source`, deterministic order, no duplicates
    and none that does not compile or is textually the same as the original."""
    tree = ast.parse(source)
    allowed = solution_lines(source)
    docstrings = _docstring_nodes(tree)
    original = ast.unparse(tree)
    found: list[Mutant] = []
    seen = {original}
    nodes = list(ast.walk(tree))
    for position, node in enumerate(nodes):
        line = getattr(node, "lineno", None)
        if line is None or line not in allowed or id(node) in docstrings:
            continue
        for operator, replacement in _alternatives(node):
            clone = copy.deepcopy(tree)
            target = list(ast.walk(clone))[position]
            mutated = _Replacer(target, replacement).visit(clone)
            try:
                text = ast.unparse(ast.fix_missing_locations(mutated))
                compile(text, "<mutant>", "exec")
            except (SyntaxError, ValueError, TypeError, AttributeError, RecursionError):
                continue
            if text in seen:
                continue
            seen.add(text)
            found.append(Mutant(operator, line, text))
    found.sort(key=lambda m: (m.line, m.operator, m.source))
    return found


def describe_diff(original: str, mutant: str) -> str:
    """The first changed line of a mutant, for listings."""
    a = ast.unparse(ast.parse(original)).splitlines()
    b = mutant.splitlines()
    for x, y in zip(a, b, strict=False):
        if x != y:
            return re.sub(r"\s+", " ", y.strip())
    return ""
