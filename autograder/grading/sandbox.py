"""Where student code runs: a bubblewrap sandbox, or the strongest fallback there is.

A sandbox holds one kernel for one student's notebook. Inside it the student
sees only:

- the system (``/usr``, the Python installation, the virtual environment and
  this package), read-only;
- ``/submission``: their own files, read-only, copied into their working
  folder ``/home/student/work`` before any of their code runs;
- a private ``/home/student`` and ``/tmp`` (size-limited tmpfs);
- no network (a new network namespace has only its own loopback), no other
  process (a new PID namespace), and a synthetic ``/etc/passwd``.

The gradebook, solutions/, other students' submissions and the rest of the
course folder are not mounted at all. Limits on memory (address space),
processes, file size and open files are set by :mod:`.launch` inside the
sandbox; wall time is enforced from outside by the executor.

Run as root, bubblewrap keeps real mount privileges and the launcher drops to
a fresh unprivileged uid (so the process limit applies: root is exempt from
it). Run as a normal user, bubblewrap uses an unprivileged user namespace and
the launcher sets the limits inside it, so they count this sandbox only.

Without a working bubblewrap, the kernel runs in a scratch folder holding only
the student's files, with the same resource limits and (as root) a fresh uid,
and a warning says what is not protected.
"""

from __future__ import annotations

import functools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import autograder

HOME = "/home/student"
WORK = "/home/student/work"
SUBMISSION = "/submission"
MPL_TEMPLATE = "/opt/autograder/matplotlib"
PACKAGE_DIR = str(Path(autograder.__file__).resolve().parent)

INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap) so that "
                "student code runs isolated")


class SandboxError(RuntimeError):
    """The sandbox cannot be set up safely (the message says why)."""


@dataclass(frozen=True)
class Limits:
    """What one notebook may use. Wall times in seconds, sizes in MB."""

    notebook_seconds: float = 600.0   # the whole notebook, kernel start excluded
    cell_seconds: float = 120.0       # one cell (nbgrader's Execute.timeout)
    memory_mb: int = 2048             # address space of each process
    processes: int = 64               # processes and threads
    disk_mb: int = 256                # each of /home/student and /tmp; also the largest file
    output_mb: float = 1.0            # outputs kept per cell; more is cut, with a note
    open_files: int = 256

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Capability:
    """What this machine offers: 'bwrap' or 'fallback', and why."""

    kind: str
    privileged: bool          # running as root: drop to a fresh uid inside
    bwrap: str | None
    warning: str | None       # shown to the instructor when isolation is weaker

    @property
    def isolated(self) -> bool:
        return self.kind == "bwrap"


def _bwrap_probe(bwrap: str, privileged: bool) -> str | None:
    """None if a minimal sandbox starts here, else bubblewrap's complaint."""
    args = [bwrap, *_namespace_args(privileged), "--ro-bind", "/", "/", "--proc", "/proc",
            "--dev", "/dev", "--", "true"]
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if result.returncode != 0:
        return result.stderr.strip() or f"exit status {result.returncode}"
    return None


def _fallback_warning(text: str, privileged: bool) -> str:
    if not privileged:
        return (text + ". Each kernel still gets a scratch folder with only the student's "
                "files and limits on memory, file size and open files (not on processes: "
                "that limit would count all of your own processes).")
    if can_drop_privileges_unsandboxed():
        return (text + ". Each kernel still runs as a fresh unprivileged uid in a scratch "
                "folder, with limits on memory, processes and file size.")
    return (text + ". Worse, Python is installed where other users cannot read it, so "
            "student code runs as root (with limits on memory and file size only).")


@functools.lru_cache(maxsize=4)
def detect(force_fallback: bool = False) -> Capability:
    """Find out (once per process) whether bubblewrap works here."""
    privileged = hasattr(os, "geteuid") and os.geteuid() == 0
    if sys.platform != "linux":
        return Capability("fallback", privileged, None,
                          "student code is NOT isolated: sandboxing needs Linux and bubblewrap")
    if force_fallback:
        return Capability("fallback", privileged, None, _fallback_warning(
            "student code is NOT isolated (--sandbox off)", privileged))
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Capability("fallback", privileged, None, _fallback_warning(
            f"bubblewrap (bwrap) was not found: student code is NOT isolated from the course "
            f"files or the network; {INSTALL_HINT}", privileged))
    problem = _bwrap_probe(bwrap, privileged)
    if problem is not None:
        return Capability("fallback", privileged, None, _fallback_warning(
            f"bubblewrap is installed but cannot create a sandbox here ({problem}); student "
            "code is NOT isolated. Unprivileged user namespaces may be disabled (sysctl "
            "kernel.unprivileged_userns_clone, or AppArmor's restriction on Ubuntu 24.04).",
            privileged))
    return Capability("bwrap", privileged, bwrap, None)


def _namespace_args(privileged: bool) -> list[str]:
    common = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
              "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if privileged:
        # Real mount privileges; the launcher drops to an unprivileged uid.
        return [*common, "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                "--cap-add", "CAP_CHOWN"]
    return [*common, "--unshare-user", "--disable-userns"]


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def system_paths(forbidden: list[str]) -> list[str]:
    """The host folders the kernel needs, read-only: Python, the venv, this package.

    A folder that holds any `forbidden` path (the course folder) is refused:
    binding it would expose the gradebook or the solutions.
    """
    wanted = {sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix, PACKAGE_DIR}
    paths = sorted({str(Path(p).resolve()) for p in wanted if p and Path(p).exists()})
    kept: list[str] = []
    for p in paths:
        if any(_is_within(Path(p), Path(k)) for k in kept):
            continue
        kept.append(p)
    for p in kept:
        for f in forbidden:
            if _is_within(Path(f).resolve(), Path(p)):
                raise SandboxError(
                    f"the sandbox must show {p} to student code, but the course folder {f} is "
                    "inside it; keep the course folder outside the Python installation")
    return kept


def _root_binds() -> list[str]:
    args = []
    for name in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives"):
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def readable_by_others(path: str) -> bool:
    """True if a user with no special rights can read `path` (every folder above it too)."""
    import stat

    current = Path(path).resolve()
    for folder in (current, *current.parents):
        try:
            mode = folder.stat().st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH or (folder == current and not mode & stat.S_IROTH):
            return False
    return True


@functools.lru_cache(maxsize=1)
def can_drop_privileges_unsandboxed() -> bool:
    """Without bubblewrap, a fresh uid only works if it can read Python and the packages."""
    return all(readable_by_others(p) for p in {sys.base_prefix, sys.prefix, PACKAGE_DIR})


def fresh_uid() -> int:
    """An unprivileged uid no real account uses (one per sandbox, as root)."""
    return 1_500_000_000 + random.randrange(500_000_000)


@dataclass
class Slot:
    """The host folders of one sandbox (removed when the kernel is done)."""

    base: Path          # private to the worker (0700)
    uid: int | None     # the uid inside, when running as root
    cgroup: Path | None = None   # its memory cgroup, when one is made

    @property
    def ipc(self) -> Path:       # connection file and the kernel's sockets
        return self.base / "ipc"

    @property
    def files(self) -> Path:     # the student's files, shown at /submission
        return self.base / "files"

    @property
    def etc(self) -> Path:
        return self.base / "etc"

    @property
    def log(self) -> Path:       # bubblewrap's and the launcher's own errors
        return self.base / "launch.log"

    @classmethod
    def create(cls, capability: Capability) -> Slot:
        # Short (socket paths are limited), and named after this process so that a
        # later run can sweep the folders of a run that was killed.
        base = Path(tempfile.mkdtemp(prefix=f"agk-{os.getpid()}-"))
        drop = capability.privileged and (capability.isolated or
                                          can_drop_privileges_unsandboxed())
        slot = cls(base, fresh_uid() if drop else None)
        for folder in (slot.ipc, slot.files, slot.etc):
            folder.mkdir()
        if capability.kind == "fallback":
            for sub in ("home/work", "tmp"):
                (base / sub).mkdir(parents=True)
        if slot.uid is not None:
            os.chmod(base, 0o711)
            for path in (slot.ipc, *((base / "home", base / "home/work", base / "tmp")
                                     if capability.kind == "fallback" else ())):
                os.chown(path, slot.uid, slot.uid)
        uid = slot.uid if slot.uid is not None else 1000
        (slot.etc / "passwd").write_text(f"student:x:{uid}:{uid}:student:{HOME}:/bin/false\n")
        (slot.etc / "group").write_text(f"student:x:{uid}:\n")
        (slot.etc / "hosts").write_text("127.0.0.1 localhost\n")
        return slot

    def workdir(self, capability: Capability) -> str:
        return WORK if capability.isolated else str(self.base / "home" / "work")

    def submission(self, capability: Capability) -> str:
        """Where the kernel finds the student's files (copied to the workdir first)."""
        return SUBMISSION if capability.isolated else str(self.files)

    def remove(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)
        if self.cgroup is not None:
            remove_cgroup(self.cgroup)


def sweep_stale_slots() -> int:
    """Remove the temp folders of grading processes that no longer exist (a run that
    was killed): sandbox slots (agk-<pid>-*) and half-built matplotlib caches."""
    removed = 0
    tmp = Path(tempfile.gettempdir())
    for folder in [*tmp.glob("agk-*-*"), *tmp.glob("autograder-mpl-build-*-*")]:
        try:
            pid = int(folder.name.removeprefix("autograder-mpl-build-").split("-")[
                0 if folder.name.startswith("autograder-mpl-build-") else 1])
            os.kill(pid, 0)
        except ValueError:
            continue
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
        except PermissionError:   # alive, someone else's
            continue
    found = memory_cgroup()
    for folder in found[0].glob(f"{CGROUP_PREFIX}*-*") if found else []:
        try:
            os.kill(int(folder.name.split("-")[1]), 0)
        except ValueError:
            continue
        except ProcessLookupError:
            removed += remove_cgroup(folder, attempts=1)
        except PermissionError:
            continue
    return removed


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (PR_SET_PDEATHSIG), and
    exit at once if the parent is already gone. Elsewhere: nothing."""
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)   # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:   # the parent died before the request took effect
        os._exit(70)


#: Where a writable cgroup hierarchy with a memory controller may be mounted: cgroups v2
#: (unified) first, then v1's memory hierarchy (containers often delegate one of them).
CGROUP_ROOTS = ("/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory")
CGROUP_PREFIX = "agk-"


def _cgroup_version(root: Path) -> str | None:
    """"v2" or "v1" if `root` is a cgroup folder with a memory controller, else None."""
    try:
        if (root / "cgroup.controllers").exists():
            return "v2" if "memory" in (root / "cgroup.subtree_control").read_text().split() \
                else None
        return "v1" if (root / "memory.limit_in_bytes").exists() else None
    except OSError:
        return None


def _limit_files(version: str, memory_mb: int) -> dict[str, str]:
    size = str(memory_mb * 1024 * 1024)
    if version == "v2":
        return {"memory.max": size, "memory.swap.max": "0"}
    return {"memory.limit_in_bytes": size, "memory.memsw.limit_in_bytes": size}


def make_memory_cgroup(root: Path, version: str, name: str, memory_mb: int) -> Path:
    """A new cgroup `name` under `root` capped at `memory_mb` for all its processes."""
    folder = root / name
    folder.mkdir()
    for file, value in _limit_files(version, memory_mb).items():
        target = folder / file
        if target.exists():     # memsw / swap.max exist only with swap accounting
            target.write_text(value)
    return folder


def remove_cgroup(folder: Path, attempts: int = 50) -> bool:
    """Remove a sandbox's cgroup once its processes are gone (they may take a moment)."""
    for _ in range(attempts):
        try:
            folder.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            time.sleep(0.02)
    return False


@functools.lru_cache(maxsize=1)
def memory_cgroup() -> tuple[Path, str] | None:
    """(root, "v2" | "v1") of a cgroup hierarchy this process may write, else None."""
    if sys.platform != "linux":
        return None
    for candidate in CGROUP_ROOTS:
        root = Path(candidate)
        version = _cgroup_version(root)
        if version is None:
            continue
        try:
            probe = make_memory_cgroup(root, version, f"{CGROUP_PREFIX}{os.getpid()}-probe", 64)
        except OSError:
            continue
        remove_cgroup(probe)
        return root, version
    return None


@functools.lru_cache(maxsize=1)
def memory_limiter() -> tuple[list[str] | None, str]:
    """How each sandbox's memory is capped here: (command prefix or None, in words).

    With a systemd user session (cgroups v2), each kernel runs in its own scope
    with MemoryMax, which counts every process of the sandbox together. Else,
    if this process may write a cgroup hierarchy with a memory controller (v2,
    or v1's memory hierarchy, as in many containers), each sandbox gets its own
    cgroup with the same cap (see :func:`memory_cgroup`; the prefix is then None).
    Always, each process of the kernel gets RLIMIT_AS (its address space), set by
    the launcher before any student code runs; alone, it bounds a fork bomb of
    big processes only by processes x memory.
    """
    systemd_run = shutil.which("systemd-run")
    why = "systemd-run is not installed"
    if systemd_run and sys.platform == "linux":
        try:
            probe = subprocess.run([systemd_run, "--user", "--scope", "--quiet",
                                    "-p", "MemoryMax=64M", "true"],
                                   capture_output=True, text=True, timeout=15)
            if probe.returncode == 0:
                return ([systemd_run, "--user", "--scope", "--quiet"],
                        "cgroups v2: a systemd scope with MemoryMax per sandbox, plus "
                        "RLIMIT_AS per process")
            why = (probe.stderr.strip().splitlines() or ["it failed"])[-1]
        except (OSError, subprocess.SubprocessError) as exc:
            why = str(exc)
    found = memory_cgroup()
    if found is not None:
        root, version = found
        return None, (f"cgroups {version}: a cgroup per sandbox under {root} with its memory "
                      f"capped, plus RLIMIT_AS per process (no systemd scope: {why})")
    return None, f"RLIMIT_AS per process (no systemd scope: {why}; no writable memory cgroup)"


def cgroup_prefix(slot: Slot, limits: Limits) -> list[str]:
    """The command prefix that starts a sandbox inside its own memory cgroup (or [])."""
    found = memory_cgroup()
    if found is None:
        return []
    root, version = found
    try:
        slot.cgroup = make_memory_cgroup(root, version, slot.base.name, limits.memory_mb)
    except OSError:
        return []
    # The shell joins the cgroup, then becomes the sandbox: every process it starts
    # (bubblewrap, the kernel, whatever the student forks) is counted together.
    return ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(slot.cgroup)]


def kernel_command(capability: Capability, limits: Limits, slot: Slot, connection_file: str,
                   extra_arguments: list[str], forbidden: list[str],
                   mpl_template: str | None) -> list[str]:
    """The command that starts one sandboxed ipykernel."""
    python = sys.executable
    isolated = capability.isolated
    home = HOME if isolated else str(slot.base / "home")
    plan = {
        # The process limit counts a uid's processes: only safe for the sandbox's own uid
        # (or user namespace), never for the grader's.
        "limits": {**limits.to_dict(), "nproc": isolated or slot.uid is not None},
        "uid": slot.uid,
        "home": home,
        "work": slot.workdir(capability),
        "tmp": "/tmp" if isolated else str(slot.base / "tmp"),
        "chown": [HOME, "/tmp"] if (isolated and slot.uid is not None) else [],
        "mpl_template": (MPL_TEMPLATE if isolated else mpl_template) if mpl_template else None,
        "connection_file": connection_file,
        "extra": extra_arguments,
        "log": "/dev/null" if isolated else str(slot.log),
    }
    launcher = [python, "-I", "-m", "autograder.grading.launch", json.dumps(plan)]
    scope, _ = memory_limiter()
    if scope is not None:   # the whole sandbox in one cgroup, capped together
        scope = [*scope, "-p", f"MemoryMax={limits.memory_mb}M", "-p", "MemorySwapMax=0",
                 "--"]
    else:
        scope = cgroup_prefix(slot, limits) or None
    if not isolated:
        return [*(scope or []), *launcher]
    disk = str(limits.disk_mb * 1024 * 1024)
    args = [*(scope or []), capability.bwrap or "bwrap", *_namespace_args(capability.privileged),
            "--hostname", "sandbox", "--clearenv",
            "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
            "--setenv", "HOME", HOME, "--setenv", "LANG", "C.UTF-8"]
    if not capability.privileged:
        args += ["--uid", "1000", "--gid", "1000"]
    made: set[str] = {"/"}

    def bind(flag: str, source: str, dest: str) -> None:
        # Parent folders bubblewrap creates itself are private (0700); the kernel,
        # running as another uid, must be able to walk through them.
        for parent in reversed(Path(dest).parents):
            if str(parent) not in made:
                args.extend(["--perms", "0755", "--dir", str(parent)])
                made.add(str(parent))
        args.extend([flag, source, dest])

    args += _root_binds()
    # The private /tmp and home first: Python, or this repository, may live under /tmp
    # (a clone in /tmp/...), and a tmpfs mounted after binding them would hide them.
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", disk, "--tmpfs", "/tmp",
             "--size", disk, "--tmpfs", HOME]
    made.update({"/tmp", "/home", HOME})
    for path in system_paths(forbidden):
        bind("--ro-bind", path, path)
    for name in ("passwd", "group", "hosts"):
        bind("--ro-bind", str(slot.etc / name), f"/etc/{name}")
    bind("--ro-bind", str(slot.files), SUBMISSION)
    bind("--bind", str(slot.ipc), str(slot.ipc))
    if mpl_template:
        bind("--ro-bind", mpl_template, MPL_TEMPLATE)
    args += ["--chdir", "/", "--", *launcher]
    return args


def clean_env() -> dict[str, str]:
    """The environment a kernel starts with: nothing of the grader's."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


@functools.lru_cache(maxsize=1)
def matplotlib_template() -> str | None:
    """A folder holding matplotlib's font cache, built once per machine.

    Each kernel starts with a copy, so no notebook pays the seconds it takes to
    build the cache (and none writes a warning about it to stderr).
    """
    try:
        import matplotlib
    except ImportError:
        return None
    uid = os.geteuid() if hasattr(os, "geteuid") else 0
    target = Path(tempfile.gettempdir()) / f"autograder-mpl-{matplotlib.__version__}-{uid}"
    if (target / ".ready").exists():
        return str(target)
    building = Path(tempfile.mkdtemp(prefix=f"autograder-mpl-build-{os.getpid()}-"))
    env = {**clean_env(), "MPLCONFIGDIR": str(building), "HOME": str(building)}
    try:
        subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"],
                       env=env, capture_output=True, timeout=300, check=True)
    except (OSError, subprocess.SubprocessError):
        shutil.rmtree(building, ignore_errors=True)
        return None
    (building / ".ready").write_text("")
    os.chmod(building, 0o755)
    for item in building.iterdir():
        os.chmod(item, 0o755 if item.is_dir() else 0o644)
    try:
        building.rename(target)
    except OSError:   # another worker got there first
        shutil.rmtree(building, ignore_errors=True)
    return str(target) if (target / ".ready").exists() else None
