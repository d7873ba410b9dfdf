"""Find tampering in a submitted notebook, by comparing it with the released copy and
by reading the student's code (nothing here runs it).

Three severities:

- ``untrusted``: code that can change what a check reports (replacing a check
  helper, NumPy, the check framework, builtins, IPython's exception or event
  machinery). The notebook's test cells are scored 0 and marked for review.
- ``restored``: locked or test cells edited, deleted or renamed, or their
  nbgrader metadata (points, ids, roles) changed. nbgrader restores the real
  cells before running them, so the score stands; the instructor is told.
- ``review``: worth a look but not scored differently: code built at run time
  (exec/eval), references to course files or other students' work, network or
  process control, a deleted answer cell.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from nbformat import NotebookNode

UNTRUSTED, RESTORED, REVIEW = "untrusted", "restored", "review"
SEVERITY_ORDER = {UNTRUSTED: 0, RESTORED: 1, REVIEW: 2}

# Module roots whose attributes decide what a check reports.
GUARDED_ROOTS = {"numpy", "autograder", "builtins", "sys", "IPython", "ipykernel"}
SHELL_INTERNALS = {
    "set_custom_exc", "custom_exceptions", "events", "input_transformers_cleanup",
    "input_transformers_post", "ast_transformers", "showtraceback", "_showtraceback",
    "InteractiveTB", "SyntaxTB", "CustomTB", "run_cell", "run_cell_async", "run_code",
    "run_ast_nodes", "excepthook", "displayhook", "showsyntaxerror", "user_ns_hidden",
    "register_post_execute", "settrace", "setprofile", "_getframe", "f_globals", "f_locals",
    "f_back", "f_builtins", "__code__", "__globals__", "__closure__",
}
DYNAMIC_CALLS = {"exec", "eval", "compile", "__import__"}
PROCESS_CALLS = {("os", "_exit"), ("os", "kill"), ("os", "fork"), ("os", "system"),
                 ("sys", "exit"), ("os", "abort"), ("subprocess", "run"),
                 ("subprocess", "Popen"), ("signal", "signal")}
NETWORK_MODULES = {"socket", "urllib", "requests", "http", "ftplib", "smtplib", "httpx"}
LOW_LEVEL_MODULES = {"ctypes", "gc", "importlib", "inspect", "cffi", "mmap"}
COURSE_FILE_HINTS = re.compile(r"gradebook\.db|nbgrader_config|(^|/)solutions/|submitted/|"
                               r"autograded/|released_solutions|\.\./")


@dataclass(frozen=True)
class Flag:
    notebook: str
    severity: str   # UNTRUSTED, RESTORED or REVIEW
    kind: str       # a short name, e.g. "edited test cell"
    detail: str     # what exactly, in plain words

    def line(self) -> str:
        return f"{self.notebook}: {self.kind}: {self.detail}"


def _meta(cell) -> dict:
    return (cell.get("metadata", {}) or {}).get("nbgrader", {}) or {}


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def watched_names(release: NotebookNode) -> dict[str, tuple[str, str | None]]:
    """Names the locked cells bind by import: name -> (module, attribute or None)."""
    names: dict[str, tuple[str, str | None]] = {}
    for cell in release.cells:
        if cell.cell_type != "code" or not _meta(cell).get("locked"):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = (alias.name, None)
                    else:
                        top = alias.name.split(".")[0]
                        names[top] = (top, None)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if alias.name != "*":
                        names[alias.asname or alias.name] = (node.module, alias.name)
    return names


# -- structure --------------------------------------------------------------------------
def structural_flags(notebook: str, submitted: NotebookNode,
                     release: NotebookNode) -> list[Flag]:
    """Locked/test cells edited, deleted or renamed; nbgrader metadata changed."""
    flags: list[Flag] = []
    released = {_meta(c)["grade_id"]: c for c in release.cells if _meta(c).get("grade_id")}
    by_id: dict[str, list] = {}
    for cell in submitted.cells:
        gid = _meta(cell).get("grade_id")
        if gid:
            by_id.setdefault(gid, []).append(cell)
    for gid, cells in by_id.items():
        if len(cells) > 1:
            flags.append(Flag(notebook, RESTORED, "duplicated cell id",
                              f"{len(cells)} cells claim the id {gid!r}"))
    sources: dict[str, list] = {}
    for cell in submitted.cells:
        sources.setdefault(_norm(cell.get("source", "")), []).append(cell)
    for gid, ref in released.items():
        meta = _meta(ref)
        role = ("test cell" if meta.get("grade") and not meta.get("solution") else
                "locked cell" if meta.get("locked") else "answer cell")
        mine = by_id.get(gid)
        if not mine:
            if meta.get("locked"):
                twins = [c for c in sources.get(_norm(ref.source), [])
                         if _meta(c).get("grade_id") != gid]
                if twins:
                    new = _meta(twins[0]).get("grade_id")
                    what = f"now has the id {new!r}" if new else "lost its nbgrader metadata"
                    flags.append(Flag(notebook, RESTORED, f"renamed {role}",
                                      f"the {role} {gid!r} {what}"))
                else:
                    flags.append(Flag(notebook, RESTORED, f"deleted {role}",
                                      f"the {role} {gid!r} is missing"))
            else:
                flags.append(Flag(notebook, REVIEW, "deleted answer cell",
                                  f"the answer cell {gid!r} is missing"))
            continue
        cell = mine[-1]
        if meta.get("locked") and _norm(cell.get("source", "")) != _norm(ref.source):
            flags.append(Flag(notebook, RESTORED, f"edited {role}",
                              f"the {role} {gid!r} was changed"))
        got = _meta(cell)
        changes = [f"{key} {meta.get(key)!r} -> {got.get(key)!r}"
                   for key in ("grade", "solution", "locked", "points")
                   if got.get(key) != meta.get(key) and not (key == "points" and
                                                              not meta.get("grade"))]
        if cell.cell_type != ref.cell_type:
            changes.append(f"cell type {ref.cell_type} -> {cell.cell_type}")
        if changes:
            flags.append(Flag(notebook, RESTORED, "changed metadata",
                              f"cell {gid!r}: " + ", ".join(changes)))
    for gid in by_id:
        if gid not in released:
            flags.append(Flag(notebook, RESTORED, "unknown cell id",
                              f"a cell has the id {gid!r}, which the assignment does not have"))
    return flags


# -- code -----------------------------------------------------------------------------
def _to_python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def _trees(source: str) -> list[ast.Module]:
    """The parsed cell, and the body of a cell magic (`%%capture`, `%%time`...) too: the
    magic runs that body as Python, and IPython's transform hides it in a string."""
    sources = [_to_python(source)]
    first, _, body = source.partition("\n")
    if first.lstrip().startswith("%%"):
        sources.append(_to_python(body))
    trees = []
    for text in sources:
        try:
            trees.append(ast.parse(text))
        except (SyntaxError, ValueError):
            continue
    return trees


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


class _Reader(ast.NodeVisitor):
    def __init__(self, notebook: str, watched: dict[str, tuple[str, str | None]],
                 modules: dict[str, str]):
        self.notebook = notebook
        self.watched = watched
        self.modules = modules            # local name -> module it refers to
        self.flags: list[Flag] = []
        self.depth = 0
        self.globals: set[str] = set()
        # names bound to objects of the check packages (a check, its oracle...)
        self.check_objects = {name for name, (module, attr) in watched.items()
                              if attr is not None and module.startswith("autograder.checks")}

    def flag(self, severity: str, kind: str, detail: str) -> None:
        self.flags.append(Flag(self.notebook, severity, kind, detail))

    # what a name refers to
    def module_of(self, node: ast.AST) -> str | None:
        root = _root(node)
        if isinstance(root, ast.Name):
            if root.id in self.modules:
                return self.modules[root.id]
            if root.id in ("__builtins__",):
                return "builtins"
            if root.id in self.watched:
                module, attr = self.watched[root.id]
                return module if attr is None else f"{module}.{attr}"
        if isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and \
                root.func.id == "get_ipython":
            return "IPython"
        return None

    def _binds(self, name: str, how: str) -> None:
        if name in self.watched and (self.depth == 0 or name in self.globals):
            module, attr = self.watched[name]
            what = f"{module}.{attr}" if attr else module
            self.flag(UNTRUSTED, "replaced a helper the tests use",
                      f"{how} `{name}` (the tests use {what})")

    def _target(self, target: ast.AST, how: str) -> None:
        if isinstance(target, ast.Name):
            self._binds(target.id, how)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(element, how)
        elif isinstance(target, ast.Starred):
            self._target(target.value, how)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            module = self.module_of(target)
            text = _dotted(target.value if isinstance(target, ast.Subscript) else target)
            via_dict = isinstance(target, ast.Subscript) and (
                text.endswith("__dict__") or text in ("sys.modules",))
            if module is None and not via_dict:
                return
            if isinstance(target, ast.Subscript) and not via_dict:
                return   # e.g. plt.rcParams[...] = ...: data, not code
            guarded = via_dict or (module or "").split(".")[0] in GUARDED_ROOTS or \
                any(module == f"{m}.{a}" for m, a in self.watched.values() if a)
            self.flag(UNTRUSTED if guarded else REVIEW, "monkeypatching",
                      f"{how} `{text}`")

    # binding statements
    def visit_Assign(self, node):
        for target in node.targets:
            self._target(target, "assigns to")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._target(node.target, "assigns to")
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._target(node.target, "assigns to")
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        self._target(node.target, "assigns to")
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self._target(target, "deletes")
        self.generic_visit(node)

    def visit_For(self, node):
        self._target(node.target, "loops over")
        self.generic_visit(node)

    def visit_With(self, node):
        for item in node.items:
            if item.optional_vars is not None:
                self._target(item.optional_vars, "rebinds")
        self.generic_visit(node)

    def visit_Global(self, node):
        self.globals.update(node.names)

    def _scoped(self, node):
        if self.depth == 0:
            self._binds(node.name, "defines its own")
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_Lambda(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def visit_Import(self, node):
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            module = alias.name if alias.asname else alias.name.split(".")[0]
            if name in self.watched and self.watched[name] != (module, None):
                self._binds(name, "re-imports")
            self.modules[name] = module
            self._modules_used(alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        for alias in node.names:
            name = alias.asname or alias.name
            if name in self.watched and self.watched[name] != (node.module, alias.name):
                self._binds(name, "re-imports")
            if (node.module or "").startswith("autograder.checks"):
                self.check_objects.add(name)
                if alias.name.startswith("_"):
                    self.flag(REVIEW, "check internals",
                              f"imports {alias.name} from {node.module} (a check's oracle "
                              "or cases)")
        self._modules_used(node.module or "")
        self.generic_visit(node)

    def _modules_used(self, module: str) -> None:
        top = module.split(".")[0]
        if top in NETWORK_MODULES:
            self.flag(REVIEW, "network access", f"imports {module}")
        elif top in LOW_LEVEL_MODULES:
            self.flag(REVIEW, "low-level access", f"imports {module}")

    # calls and attribute access
    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id in DYNAMIC_CALLS:
            self.flag(REVIEW, "code built at run time",
                      f"calls {func.id}(), whose code cannot be read before it runs")
        if isinstance(func, ast.Name) and func.id in ("setattr", "delattr") and node.args:
            module = self.module_of(node.args[0])
            if module is not None:
                guarded = module.split(".")[0] in GUARDED_ROOTS or any(
                    module == f"{m}.{a}" for m, a in self.watched.values() if a)
                self.flag(UNTRUSTED if guarded else REVIEW, "monkeypatching",
                          f"calls {func.id}() on `{_dotted(node.args[0])}`")
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            module = self.modules.get(func.value.id, func.value.id)
            if (module, func.attr) in PROCESS_CALLS:
                self.flag(REVIEW, "process control", f"calls {module}.{func.attr}()")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in SHELL_INTERNALS:
            self.flag(UNTRUSTED, "kernel manipulation", f"uses `{_dotted(node)}`")
        if isinstance(node.value, ast.Name) and node.value.id in self.check_objects:
            # e.g. check_row_means.oracle(a): the verdict is not changed (the judge has
            # its own copy), but the answer is the reference solution's
            self.flag(REVIEW, "check internals",
                      f"uses `{_dotted(node)}`, part of a check (its oracle, cases or "
                      "mistakes)")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and COURSE_FILE_HINTS.search(node.value):
            self.flag(REVIEW, "course files", f"refers to {node.value[:60]!r}")


def code_flags(notebook: str, submitted: NotebookNode, release: NotebookNode) -> list[Flag]:
    """Read every cell nbgrader will not restore (the student's own code)."""
    locked = {_meta(c)["grade_id"] for c in release.cells
              if _meta(c).get("grade_id") and _meta(c).get("locked")}
    watched = watched_names(release)
    modules = {name: module for name, (module, attr) in watched.items() if attr is None}
    reader = _Reader(notebook, watched, modules)
    # Code handed out with the notebook and left as it was is the course's, not the
    # student's (00/01 demonstrates a check on a wrong function with `check_x.show`).
    handed_out = {c.get("source", "") for c in release.cells if c.get("cell_type") == "code"}
    for cell in submitted.cells:
        if cell.get("cell_type") != "code" or _meta(cell).get("grade_id") in locked:
            continue
        if cell.get("source", "") in handed_out:
            continue
        for tree in _trees(cell.get("source", "")):
            reader.depth, reader.globals = 0, set()
            reader.visit(tree)
    return reader.flags


def file_flags(notebook: str, files: dict[str, bytes], release: NotebookNode) -> list[Flag]:
    """Read the Python files submitted next to the notebook as its own code: a helper
    module imported by the notebook runs in the same kernel."""
    watched = watched_names(release)
    modules = {name: module for name, (module, attr) in watched.items() if attr is None}
    reader = _Reader(notebook, watched, modules)
    for name, data in sorted(files.items()):
        if not name.endswith(".py"):
            continue
        try:
            tree = ast.parse(data.decode("utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        reader.depth, reader.globals = 0, set()
        reader.visit(tree)
    return [Flag(f.notebook, f.severity, f.kind, f"{f.detail} (in a submitted file)")
            for f in reader.flags]


def inspect_notebook(notebook: str, submitted: NotebookNode,
                     release: NotebookNode) -> list[Flag]:
    """Every flag for one submitted notebook, most serious first, without repeats."""
    flags = structural_flags(notebook, submitted, release) + code_flags(notebook, submitted,
                                                                        release)
    unique = list(dict.fromkeys(flags))
    return sorted(unique, key=lambda f: SEVERITY_ORDER[f.severity])


def runtime_flags(notebook: str, findings: list[str]) -> list[Flag]:
    return [Flag(notebook, UNTRUSTED, "changed at run time", f) for f in findings]
