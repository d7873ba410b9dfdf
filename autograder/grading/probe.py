"""Code the grader runs inside a student's kernel: set-up first, then integrity probes.

Before any student code runs, :func:`bootstrap_code` copies the student's
files into the working folder and installs a probe. The probe remembers the
objects the graded cells rely on: the check helpers the notebook imports, the
check framework's functions and classes, NumPy's functions, the builtins and
IPython's exception and event machinery. Before each graded test cell the
grader asks the probe what has changed since (:data:`PROBE_EXPRESSION`); a
replaced check helper or a custom exception handler means the cell's result
cannot be trusted, and the submission is flagged.

This is a tripwire, not a wall: student code shares the process and could in
principle find and disable the probe. That is why tampering is also looked for
statically in the submitted source (:mod:`.tamper`), which the student cannot
touch at all.
"""

from __future__ import annotations

import ast
import json

_PROBE_SOURCE = r'''
def _autograder_install_probe(token, copy_from, workdir, watched):
    import builtins, importlib, json, os, shutil, sys

    # 1. the student's own files, copied into the working folder
    if copy_from and os.path.isdir(copy_from) and copy_from != workdir:
        for name in os.listdir(copy_from):
            src, dst = os.path.join(copy_from, name), os.path.join(workdir, name)
            if os.path.isdir(src):
                shutil.copytree(src, dst, dirs_exist_ok=True)
            else:
                shutil.copy(src, dst)
    os.chdir(workdir)
    setattr(builtins, "_autograder_setup_" + token,
            lambda snapshot=_autograder_snapshot: snapshot(token, watched))


def _autograder_snapshot(token, watched):
    # 2. what the graded cells rely on, as it is now (no student code has run).
    # Called from a user expression, the same context the probes run in.
    import builtins, importlib, json, sys

    delattr(builtins, "_autograder_setup_" + token)
    trusted = {}
    for name, (module, attr) in watched.items():
        try:
            obj = importlib.import_module(module)
            trusted[name] = (module, getattr(obj, attr) if attr else obj)
        except Exception:
            pass
    ip = get_ipython()
    ours = ("autograder", "numpy")

    def package_modules():
        return {n: m for n, m in list(sys.modules.items())
                if m is not None and n.split(".")[0] in ours}

    modules = package_modules()
    module_vars = {n: dict(vars(m)) for n, m in modules.items() if n.startswith("autograder")}
    class_vars = {}
    for n, m in modules.items():
        if not n.startswith("autograder"):
            continue
        for k, v in list(vars(m).items()):
            if isinstance(v, type) and getattr(v, "__module__", "") == n:
                class_vars[f"{n}.{k}"] = (v, dict(vars(v)))
    object_vars = {name: dict(vars(obj)) for name, (_, obj) in trusted.items()
                   if hasattr(obj, "__dict__") and not isinstance(obj, type(sys))}
    ignored_builtins = {"_", "__", "___", "exit", "quit", "get_ipython", "display",
                        "__IPYTHON__", "copyright", "credits", "license", "help"}
    builtin_vars = dict(vars(builtins))
    shell_class = {k: v for k, v in vars(type(ip)).items() if callable(v)}
    shell_inst = {k: v for k, v in vars(ip).items() if callable(v)}
    transformers = (list(ip.input_transformers_cleanup), list(ip.input_transformers_post),
                    list(ip.ast_transformers))
    sys_hooks = (sys.gettrace(), sys.getprofile(), sys.displayhook, sys.excepthook)
    replaced_numpy = None
    try:
        from autograder.checks import integrity
        replaced_numpy = integrity.replaced_functions
    except Exception:
        pass

    def ours_is_the_handler():
        # The check framework installs one handler itself (autograder.checks.tracebacks:
        # it trims the framework's frames from a failed check's traceback). That one,
        # for AssertionError only, is expected; any other handler is not.
        mod = sys.modules.get("autograder.checks.tracebacks")
        func = getattr(getattr(ip, "CustomTB", None), "__func__", None)
        # The installed function must be IPython's own wrapper (a code object that
        # set_custom_exc defines), closing over our handler, and nothing else.
        wrappers = [c for c in type(ip).set_custom_exc.__code__.co_consts
                    if hasattr(c, "co_code")]
        if func is None or not any(func.__code__ is c for c in wrappers):
            return False
        cells = dict(zip(func.__code__.co_freevars,
                         [c.cell_contents for c in (func.__closure__ or ())]))
        return (mod is not None and tuple(ip.custom_exceptions) == (AssertionError,)
                and cells.get("handler") is getattr(mod, "_handler", None))

    def changed(before, after, label):
        found = []
        for key, value in before.items():
            if key not in after:
                found.append(f"{label}.{key} was deleted")
            elif after[key] is not value:
                found.append(f"{label}.{key} was replaced")
        return found

    def probe():
        found = []
        user = ip.user_ns
        for name, (module, obj) in trusted.items():
            if name in user and user[name] is not obj:
                found.append(f"`{name}` no longer is `{module}`'s own object")
        for name, obj in package_modules().items():
            if name in modules and obj is not modules[name]:
                found.append(f"module {name} was swapped in sys.modules")
        for name, before in module_vars.items():
            module = modules[name]
            after = vars(module)
            found += changed(before, after, name)
            found += [f"{name}.{k} was added" for k, v in after.items() if k not in before
                      and not k.startswith("__") and not isinstance(v, type(sys))]
        for label, (cls, before) in class_vars.items():
            found += changed(before, dict(vars(cls)), label)
        for name, before in object_vars.items():
            found += changed(before, dict(vars(trusted[name][1])), name)
        now = vars(builtins)
        found += [f"builtins.{k} was replaced" for k, v in builtin_vars.items()
                  if k not in ignored_builtins and now.get(k, None) is not v]
        found += changed(shell_class, dict(vars(type(ip))), "the IPython shell class")
        for key, value in vars(ip).items():
            if callable(value) and shell_inst.get(key) is not value and key in shell_class:
                found.append(f"the IPython shell's {key} was overridden")
        if ip.custom_exceptions and not ours_is_the_handler():
            found.append("a custom exception handler was installed (set_custom_exc)")
        now_t = (list(ip.input_transformers_cleanup), list(ip.input_transformers_post),
                 list(ip.ast_transformers))
        if any(len(a) != len(b) or any(x is not y for x, y in zip(a, b))
               for a, b in zip(transformers, now_t)):
            found.append("IPython input or AST transformers were changed")
        for event, callbacks in ip.events.callbacks.items():
            for cb in callbacks:
                mod = getattr(cb, "__module__", None) or ""
                if mod.split(".")[0] not in ("IPython", "ipykernel", "matplotlib_inline",
                                             "matplotlib", "autograder"):
                    found.append(f"a callback was registered on IPython's {event} event")
        hooks = (sys.gettrace(), sys.getprofile(), sys.displayhook, sys.excepthook)
        for label, a, b in zip(("trace function", "profile function", "displayhook",
                                "excepthook"), sys_hooks, hooks):
            if a is not b:
                found.append(f"sys {label} was changed")
        if replaced_numpy is not None:
            try:
                found += [f"{n} was replaced" for n in replaced_numpy()]
            except Exception as exc:
                found.append(f"the NumPy integrity check failed ({type(exc).__name__})")
        return json.dumps(sorted(set(found)))

    setattr(builtins, "_autograder_probe_" + token, probe)
    return "ready"
'''


def bootstrap_code(token: str, copy_from: str | None, workdir: str,
                   watched: dict[str, tuple[str, str | None]]) -> str:
    """The trusted set-up run silently in a fresh kernel before the notebook."""
    args = ", ".join(repr(a) for a in (token, copy_from, workdir,
                                       {k: list(v) for k, v in watched.items()}))
    return (_PROBE_SOURCE + f"\n_autograder_install_probe({args})\n"
            "del _autograder_install_probe, _autograder_snapshot\n")


def setup_expression(token: str) -> str:
    """Evaluated right after the bootstrap code: takes the snapshot."""
    return f"_autograder_setup_{token}()"


def probe_expression(token: str) -> str:
    return f"_autograder_probe_{token}()"


def expression_value(reply: dict, name: str):
    """The value of user expression `name` in an execute_reply, or None."""
    result = reply.get("content", {}).get("user_expressions", {}).get(name, {})
    if result.get("status") != "ok":
        return None
    try:
        return ast.literal_eval(result["data"]["text/plain"])
    except (KeyError, ValueError, SyntaxError, TypeError):
        return None


def parse_probe_reply(reply: dict) -> list[str] | None:
    """The findings in an execute_reply to a probe, or None if it did not answer."""
    value = expression_value(reply, "probe")
    if not isinstance(value, str):
        return None
    try:
        findings = json.loads(value)
    except (KeyError, ValueError, SyntaxError, TypeError):
        return None
    return [str(f) for f in findings] if isinstance(findings, list) else None
