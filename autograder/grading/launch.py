"""Start one ipykernel inside the sandbox, with its limits set and privileges dropped.

Run by :func:`.sandbox.kernel_command` as ``python -I -m autograder.grading.launch PLAN``
where PLAN is JSON. It is trusted code that runs before any student code:

1. resource limits: address space, processes, file size, open files, no core dumps;
2. as root: hand the private folders to a fresh uid and switch to it for good;
3. a clean environment (one BLAS thread, private Jupyter/IPython/matplotlib folders);
4. then it becomes the kernel (in this same process).

Only the standard library and ipykernel are used, so start-up stays fast.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys

MB = 1024 * 1024


def apply_limits(limits: dict) -> None:
    def cap(which: int, value: int) -> None:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))

    cap(resource.RLIMIT_AS, int(limits["memory_mb"]) * MB)
    if limits.get("nproc", True):
        cap(resource.RLIMIT_NPROC, int(limits["processes"]))
    cap(resource.RLIMIT_FSIZE, int(limits["disk_mb"]) * MB)
    cap(resource.RLIMIT_NOFILE, int(limits["open_files"]))
    cap(resource.RLIMIT_CORE, 0)


def die_with_parent() -> None:
    """SIGKILL this kernel when the process that started it dies (without bubblewrap,
    nothing else would: --die-with-parent is bubblewrap's). Before any student code."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        raise RuntimeError("the grading worker is gone")


def drop_privileges(uid: int, chown: list[str]) -> None:
    for path in chown:
        os.chown(path, uid, uid)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise RuntimeError("could not drop privileges")
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise RuntimeError("privileges could be regained after dropping them")


def environment(plan: dict) -> dict[str, str]:
    tmp = plan["tmp"]
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": plan["home"],
        "TMPDIR": tmp,
        "MPLCONFIGDIR": os.path.join(tmp, "matplotlib"),
        "IPYTHONDIR": os.path.join(tmp, "ipython"),
        "JUPYTER_CONFIG_DIR": os.path.join(tmp, "jupyter", "config"),
        "JUPYTER_DATA_DIR": os.path.join(tmp, "jupyter", "data"),
        "JUPYTER_RUNTIME_DIR": os.path.join(tmp, "jupyter", "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "PYTHONNOUSERSITE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


def main(argv: list[str]) -> None:
    plan = json.loads(argv[1])
    log = open(plan["log"], "a", buffering=1)  # noqa: SIM115 - kept open until exec
    try:
        die_with_parent()
        apply_limits(plan["limits"])
        if plan.get("uid") is not None:
            drop_privileges(int(plan["uid"]), plan.get("chown", []))
        env = environment(plan)
        os.environ.clear()
        os.environ.update(env)
        os.makedirs(plan["work"], exist_ok=True)
        if plan.get("mpl_template"):
            shutil.copytree(plan["mpl_template"], env["MPLCONFIGDIR"], dirs_exist_ok=True)
        os.chdir(plan["work"])
    except Exception as exc:  # noqa: BLE001 - reported to the grader through the log
        print(f"autograder sandbox launcher: {type(exc).__name__}: {exc}", file=log)
        sys.exit(70)
    # From here on the process is the kernel; its own output goes nowhere.
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    log.close()
    sys.argv = ["ipykernel_launcher", "-f", plan["connection_file"], *plan["extra"]]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main(sys.argv)
