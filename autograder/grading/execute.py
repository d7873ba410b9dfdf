"""Execute one student notebook in a sandboxed kernel and return it (worker side).

nbgrader's own ``Execute`` preprocessor does the cell-by-cell work; this
subclass adds what grading a cohort needs:

- graded test cells are not sent to the kernel: the trusted judge
  (:mod:`.judge`) evaluates them in this process and calls the student's
  functions over a data-only channel (:mod:`.channel`, :mod:`.remote`); no
  test cell is ever run in the kernel (a check that is not judge-safe fails the
  cell with a recorded reason);
- a wall-time limit for the whole notebook (``Execute.timeout`` is per cell);
- a cap on the output kept per cell and per notebook, display updates
  included, so 100 MB of prints cannot swamp the grader;
- hidden tests run as their own segment of the test cell, so their outputs are
  known and the feedback can drop them while keeping everything else;
- the sandbox's set-up code (:mod:`.probe`) before the notebook's first cell;
- when the kernel dies or time runs out, every test cell that did not run gets
  an error output (nbgrader would otherwise give an unrun test cell full marks).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import secrets
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils as nbutils
from nbgrader.preprocessors import Execute

from . import channel, judge, probe, wire
from .cells import error_output
from .jobs import FAILED, GRADED, PARTIAL, Job, Result
from .kernel import SandboxKernelManager
from .sandbox import Capability, Limits, Slot

READY_TIMEOUT = 60      # seconds for a kernel to answer its first message
PROBE_TIMEOUT = 10
STUCK_SECONDS = 2       # after an interrupt, how long a kernel has to answer again
#: A judged cell that runs out of time is the student's (0 points) only if the sandbox's
#: threads were running or queued to run for at least this share of that time; otherwise
#: the kernel was asleep, waiting (a busy grader, a late reply), and the cell is held for
#: a manual grade (see cputime.py).
BUSY_SHARE = 0.5
UNDETERMINED_TEXT = ("the grader could not finish judging this cell in time, and your code "
                     "was not what took the time; your instructor will grade it by hand")
NOTEBOOK_OUTPUT_FACTOR = 8   # the outputs of a whole notebook: 8 cells' worth at most


class NeedsKernelHere(Exception):
    """The judge found the cell's check not judge-safe (the message says why)."""


class SetupError(RuntimeError):
    """The sandbox or the kernel could not be set up (not the student's fault)."""


def is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and nbutils.is_grade(cell) and not nbutils.is_solution(cell)


def _output_size(output: NotebookNode) -> int:
    if output.get("output_type") == "stream":
        return len(output.get("text", ""))
    if output.get("output_type") == "error":
        return sum(len(t) for t in output.get("traceback", [])) + len(output.get("evalue", ""))
    return sum(len(v) if isinstance(v, str) else len(str(v))
               for v in output.get("data", {}).values())


class _KernelTransport(judge.Transport):
    """The judge's requests, sent to the sandboxed kernel on the client's event loop."""

    def __init__(self, client: GradingClient):
        self.client = client

    def start(self, op: str, name: str, payload: str, timeout: float) -> judge.Event:
        return self.client._from_thread(self.client._start(op, name, payload, timeout), timeout)

    def answer(self, text: str, timeout: float) -> judge.Event:
        return self.client._from_thread(self.client._answer(text, timeout), timeout)


class GradingClient(Execute):
    """nbgrader's Execute, with output caps, hidden segments and the trusted judge."""

    def setup(self, nb: NotebookNode, km: SandboxKernelManager, job: Job, token: str,
              copy_from: str, workdir: str) -> None:
        NotebookClient.__init__(self, nb, km)  # as nbconvert's preprocess() does
        self.job = job
        self.token = token
        self.copy_from = copy_from
        self.workdir = workdir
        self.current_index = -1
        self.probe_findings: list[str] = []
        self.events: list[str] = []
        self.kernel_wait = 0.0
        self.ready = asyncio.Event()
        self._cell_bytes: dict[int, int] = {}
        self._cut: set[int] = set()
        self.output_limit = int(job.limits.output_mb * 1024 * 1024)
        self.notebook_limit = NOTEBOOK_OUTPUT_FACTOR * self.output_limit
        self.judge = judge.Judge(nb, _KernelTransport(self), job.hidden_markers)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._pending = ""
        self.stuck_at: int | None = None   # the cell after which the kernel stopped answering
        self.verdicts: dict[int, list] = {}   # test cell -> the outputs the judge wrote
        self.undetermined: dict[str, str] = {}   # grade_id -> why the judge could not finish

    # -- kernel set-up ----------------------------------------------------------
    async def async_start_new_kernel_client(self):
        start = time.perf_counter()
        kc = await super().async_start_new_kernel_client()
        self.kernel_wait = time.perf_counter() - start
        code = (probe.bootstrap_code(self.token, self.copy_from, self.workdir, self.job.watched)
                + channel.driver_code(self.token))
        reply = await self._silent(code, {"setup": probe.setup_expression(self.token)},
                                   timeout=READY_TIMEOUT)
        if reply is None or reply["content"].get("status") != "ok" or \
                probe.expression_value(reply, "setup") != "ready":
            detail = "" if reply is None else reply["content"].get("evalue", "")
            raise SetupError(f"the sandbox could not be prepared ({detail or 'no reply'})")
        self.ready.set()
        return kc

    async def _silent(self, code: str, expressions: dict[str, str],
                      timeout: float = PROBE_TIMEOUT) -> dict | None:
        """Run trusted code without a trace in the notebook; its execute_reply."""
        msg_id = self.kc.execute(code, silent=True, store_history=False,
                                 user_expressions=expressions, allow_stdin=False)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=0.5)
            except Exception:  # queue.Empty: nothing yet
                if not await self.km.is_alive():
                    raise DeadKernelError("Kernel died") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg
        return None

    # -- cells --------------------------------------------------------------------
    async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                 store_history=True):
        if self.stuck_at is not None:   # nothing can be asked of that kernel any more
            raise DeadKernelError("the kernel stopped answering")
        self.current_index = cell_index
        if not is_test_cell(cell) or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        try:
            return await self._judge_outside(cell, cell_index)
        except NeedsKernelHere as exc:
            # A check that is not judge-safe (tests/grading/test_judge_safe.py catches them
            # before release): it is never run in the kernel; the cell fails, with the
            # reason recorded for the instructor.
            grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id", "?")
            self.events.append(f"cell {cell_index} ({grade_id}) could not be judged: the "
                               f"check is not judge-safe ({exc}); see docs/checks.md")
            cell.outputs = [error_output("GraderError", "this check could not be judged "
                                         "safely; your instructor has been told")]
            cell.execution_count = None
            cell.metadata.setdefault("autograder", {})["hidden_outputs"] = []
            cell.metadata["autograder"]["judged"] = "not judged (check not judge-safe)"
            self.nb.cells[cell_index] = cell
            return cell

    async def _judge_outside(self, cell, cell_index):
        """The trusted judge runs the test cell here; only data crosses to the kernel."""
        self.loop = asyncio.get_running_loop()
        seconds = max(1.0, float(self.job.limits.cell_seconds))
        busy_before, started = self.km.busy_seconds(), time.monotonic()
        # The judge signals with KeyboardInterrupt subclasses, which must never be raised
        # inside an asyncio task (they stop the event loop): it runs in a thread and
        # its outcome comes back as a value.
        kind, outputs, hidden = await asyncio.to_thread(self._judge_in_thread, cell, seconds)
        if kind == "lost":
            raise DeadKernelError("Kernel died")
        if kind == "needs kernel":
            raise NeedsKernelHere(outputs)
        if kind == "timeout":
            # A kernel that did not answer even the interrupt (stuck_at) keeps its own
            # recorded path (PARTIAL, with the reason); one that answered late may be held.
            why = None if self.stuck_at is not None else \
                self._waiting_not_working(busy_before, time.monotonic() - started)
            if why is not None:
                return self._undetermined(cell, cell_index, why)
            outputs, hidden = [error_output(
                "CellTimeoutError", f"A cell timed out while it was being executed, after "
                f"{seconds:g} seconds.")], []
        cell.outputs = self._capped(outputs, cell_index)
        cell.execution_count = None
        cell.metadata.setdefault("autograder", {})["hidden_outputs"] = hidden
        cell.metadata["autograder"]["judged"] = "outside the kernel"
        self.verdicts[cell_index] = copy.deepcopy(cell.outputs)
        self.nb.cells[cell_index] = cell
        return cell

    def _waiting_not_working(self, busy_before: float | None, elapsed: float) -> str | None:
        """None if the sandbox was busy (the student's code took the time); else why the
        time ran out without the student's code using it."""
        busy_after = self.km.busy_seconds()
        if busy_before is None or busy_after is None:
            # Not measurable here (no /proc schedstat), or the sandbox is gone (killed at
            # the notebook's limit, or it died): those paths record their own reason.
            return None
        used = busy_after - busy_before
        if used >= BUSY_SHARE * elapsed:
            return None
        return (f"its {elapsed:.1f} s ran out while the sandbox ran (or waited for a CPU) "
                f"for only {used:.2f} s: the kernel was waiting (a busy grader or a late "
                "reply), not running the student's code")

    def _undetermined(self, cell, cell_index: int, why: str):
        """Hold the cell for a manual grade: no verdict, an event, a clear output."""
        grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id", "?")
        self.undetermined[grade_id] = why
        self.events.append(f"cell {cell_index} ({grade_id}) was not graded automatically: "
                           f"{why}; it needs a manual grade")
        cell.outputs = [error_output("GraderError", UNDETERMINED_TEXT)]
        cell.execution_count = None
        cell.metadata.setdefault("autograder", {})["hidden_outputs"] = []
        cell.metadata["autograder"]["judged"] = "undetermined (held for a manual grade)"
        self.verdicts[cell_index] = copy.deepcopy(cell.outputs)
        self.nb.cells[cell_index] = cell
        return cell

    def _judge_in_thread(self, cell, seconds: float) -> tuple[str, Any, list]:
        try:
            outputs, hidden = self.judge.judge(cell, seconds)
        except judge.KernelLost:
            return "lost", [], []
        except judge.NeedsKernel as exc:
            return "needs kernel", str(exc), []
        except judge.CellOutOfTime:
            return "timeout", [], []
        return "ok", outputs, hidden

    def _capped(self, outputs: list, cell_index: int) -> list:
        kept = []
        for out in outputs:
            if self._account(cell_index, _output_size(out)):
                kept.append(out)
            else:
                note = self._cut_note(cell_index)
                kept += [note] if note is not None else []
                break
        return kept

    # -- the judge's transport (called from the judge's thread) -------------------------
    def _from_thread(self, coroutine, timeout: float) -> judge.Event:
        assert self.loop is not None, "_judge_outside sets the loop before the judge runs"
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout=timeout + 30)
        except DeadKernelError:
            raise judge.KernelLost() from None
        except (TimeoutError, concurrent.futures.TimeoutError):
            future.cancel()
            raise judge.CallTimeout() from None

    async def _start(self, op: str, name: str, payload: str, timeout: float) -> judge.Event:
        expression = channel.request_expression(self.token, op, name, payload)
        self._pending = self.kc.execute("", silent=True, store_history=False,
                                        user_expressions={"r": expression}, allow_stdin=True)
        return await self._next_event(timeout)

    async def _answer(self, text: str, timeout: float) -> judge.Event:
        self.kc.input(text)
        return await self._next_event(timeout)

    async def _next_event(self, timeout: float) -> judge.Event:
        """The reply to the pending request, or the kernel's input request on its way."""
        deadline = time.monotonic() + timeout
        pause, alive_at = 0.0002, time.monotonic() + 0.5
        while time.monotonic() < deadline:
            if await self.kc.stdin_channel.msg_ready():
                msg = await self.kc.stdin_channel.get_msg(timeout=0)
                if msg.get("msg_type") == "input_request" and \
                        msg["parent_header"].get("msg_id") == self._pending:
                    prompt = msg.get("content", {}).get("prompt", "")
                    return "prompt", prompt if isinstance(prompt, str) else ""
                continue
            if await self.kc.shell_channel.msg_ready():
                msg = await self.kc.shell_channel.get_msg(timeout=0)
                if msg["parent_header"].get("msg_id") == self._pending:
                    try:
                        return "reply", channel.reply_payload(msg)
                    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
                        return "reply", wire.encode(("raised", "RuntimeError",
                                                     f"the notebook's answer could not be "
                                                     f"read ({exc})"))
                continue
            if time.monotonic() > alive_at:
                if not await self.km.is_alive():
                    raise DeadKernelError("Kernel died")
                alive_at = time.monotonic() + 0.5
            await asyncio.sleep(pause)
            pause = min(2 * pause, 0.002)
        try:
            await self.km.interrupt_kernel()
        except Exception:  # noqa: BLE001 - the cell fails on time either way
            pass
        # Did the interrupt stop it? A kernel that still does not answer (it ignores
        # SIGINT) cannot judge anything more: the notebook ends here.
        deadline = time.monotonic() + STUCK_SECONDS
        while time.monotonic() < deadline:
            if await self.kc.shell_channel.msg_ready():
                msg = await self.kc.shell_channel.get_msg(timeout=0)
                if msg["parent_header"].get("msg_id") == self._pending:
                    raise judge.CallTimeout()
                continue
            await asyncio.sleep(0.02)
        self.stuck_at = self.current_index
        raise judge.CallTimeout()

    def _account(self, cell_index: int, size: int) -> bool:
        """Count `size` bytes of output for the cell; False if over a cap."""
        used = self._cell_bytes.get(cell_index, 0) + size
        total = sum(self._cell_bytes.values()) + size
        if used > self.output_limit or total > self.notebook_limit:
            return False
        self._cell_bytes[cell_index] = used
        return True

    def _cut_note(self, cell_index: int) -> NotebookNode | None:
        if cell_index in self._cut:
            return None
        self._cut.add(cell_index)
        mb = self.job.limits.output_mb
        self.events.append(f"the output of cell {cell_index} was cut at {mb:g} MB "
                           f"(or the notebook's {NOTEBOOK_OUTPUT_FACTOR * mb:g} MB)")
        return nbformat.v4.new_output(
            "stream", name="stdout",
            text=f"\n[output cut by the grader: this cell printed more than {mb:g} MB]\n")

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or not outs or outs[-1] is not out:
            return out
        if not self._account(cell_index, _output_size(out)):
            outs.pop()
            note = self._cut_note(cell_index)
            if note is not None:
                outs.append(note)
            return None
        return out

    def _update_display_id(self, display_id: str, msg: dict) -> None:
        """A display update counts against the caps of every cell it rewrites."""
        size = sum(len(v) if isinstance(v, str) else len(str(v))
                   for v in msg.get("content", {}).get("data", {}).values())
        for cell_idx, indices in self._display_id_map.get(display_id, {}).items():
            outputs = self.nb.cells[cell_idx].get("outputs", [])
            before = sum(_output_size(outputs[i]) for i in indices if i < len(outputs))
            if not self._account(cell_idx, size * len(indices) - before):
                if cell_idx not in self._cut:
                    self._cut.add(cell_idx)
                    self.events.append(f"a display update of cell {cell_idx} was dropped: "
                                       "it would pass the output cap")
                return
        super()._update_display_id(display_id, msg)


def seal_verdicts(nb: NotebookNode, verdicts: dict[int, list]) -> None:
    """Put back the judge's own outputs on every test cell it judged, and its verdict.

    nbgrader scores a test cell from its outputs (an error: 0; otherwise full
    points). Those outputs are written by the judge alone; this makes sure that
    nothing the kernel sent afterwards (a late print, a display update, an
    execute_result from a thread) is on the cell when nbgrader reads it, and
    records the verdict itself (metadata autograder.verdict)."""
    for index, outputs in verdicts.items():
        cell = nb.cells[index]
        cell.outputs = copy.deepcopy(outputs)
        passed = not any(o.get("output_type") == "error" for o in outputs)
        meta = cell.metadata.setdefault("autograder", {})
        meta["verdict"] = "undetermined" if str(meta.get("judged", "")).startswith(
            "undetermined") else "passed" if passed else "failed"


def mark_not_run(nb: NotebookNode, after: int, ename: str, message: str) -> int:
    """Give every test cell after `after` an error output; return how many."""
    count = 0
    for index, cell in enumerate(nb.cells):
        if index > after and is_test_cell(cell):
            cell.outputs = [error_output(ename, message)]
            count += 1
    return count


async def start_kernel(capability: Capability, limits: Limits, forbidden: list[str],
                       mpl_template: str | None) -> SandboxKernelManager:
    """Launch a sandboxed kernel (it boots in the background)."""
    slot = Slot.create(capability)
    km = SandboxKernelManager(capability, limits, slot, forbidden, mpl_template)
    try:
        await km.start_in_sandbox()
    except Exception:
        slot.remove()
        raise
    return km


async def stop_kernel(km: SandboxKernelManager) -> None:
    try:
        await km.shutdown_kernel(now=True)
    except Exception:  # already gone
        pass
    km.slot.remove()


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        target = (folder / name).resolve()
        if not str(target).startswith(str(folder.resolve())):
            continue  # no writing outside the folder
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)


def _death_reason(km: SandboxKernelManager) -> str:
    status = km.exit_status()
    log = km.launch_log()
    if status is not None and status < 0:
        what = f"killed by signal {-status}"
    elif status is not None and status >= 128:
        what = f"killed by signal {status - 128}"
    elif status is not None:
        what = f"exited with status {status}"
    else:
        what = "stopped answering"
    return what + (f" ({log})" if log else "")


async def execute_job(job: Job, km: SandboxKernelManager, capability: Capability,
                      worker: str = "") -> Result:
    """Run `job`'s notebook in the already started kernel `km`, then kill the kernel."""
    result = Result(job.student, job.assignment, job.notebook, GRADED, worker=worker,
                    sandbox="bubblewrap" if capability.isolated else "fallback (not isolated)")
    nb = nbformat.reads(job.notebook_json, as_version=4)
    _write_files(km.slot.files, job.files)
    client = GradingClient(timeout=max(1, int(job.limits.cell_seconds)),
                           interrupt_on_timeout=True, allow_errors=True,
                           startup_timeout=READY_TIMEOUT, iopub_timeout=10,
                           raise_on_iopub_timeout=False, shutdown_kernel="immediate")
    client.setup(nb, km, job, secrets.token_hex(8), km.slot.submission(capability),
                 km.slot.workdir(capability))
    start = time.perf_counter()
    timed_out = False

    async def watchdog() -> None:
        # The clock starts when the kernel is ready. At the limit the sandbox is
        # killed, and nbclient then reports a dead kernel.
        nonlocal timed_out
        await client.ready.wait()
        await asyncio.sleep(job.limits.notebook_seconds)
        timed_out = True
        km.kill_now()

    dog = asyncio.ensure_future(watchdog())
    try:
        await asyncio.wait_for(client.async_execute(),
                               timeout=job.limits.notebook_seconds + READY_TIMEOUT + 30)
    except (DeadKernelError, RuntimeError, SetupError, TimeoutError) as exc:
        where = client.current_index
        if timed_out or isinstance(exc, TimeoutError):
            result.status = PARTIAL
            result.reason = (f"the notebook ran out of its {job.limits.notebook_seconds:g} s "
                             f"time limit in cell {where}")
            if where >= 0 and nb.cells[where].cell_type == "code":
                nb.cells[where].setdefault("outputs", []).append(
                    error_output("TimeLimit", result.reason))
            mark_not_run(nb, where, "NotRun", "not run: the notebook ran out of time before "
                                              "this cell")
        elif client.stuck_at is not None:
            result.status = PARTIAL
            result.reason = (f"cell {client.stuck_at} ran out of its "
                             f"{job.limits.cell_seconds:g} s time limit and the kernel stopped "
                             "answering (it ignored the interrupt)")
            mark_not_run(nb, client.stuck_at, "NotRun", "not run: the kernel stopped "
                                                        "answering in an earlier cell")
        elif where < 0 or isinstance(exc, SetupError):
            result.status = FAILED
            detail = str(exc) if isinstance(exc, SetupError) else _death_reason(km)
            result.reason = f"the kernel could not start: {detail}"
        else:
            result.status = PARTIAL
            result.reason = f"the kernel died while running cell {where}: {_death_reason(km)}"
            cell = nb.cells[where]
            if cell.cell_type == "code":
                cell.setdefault("outputs", []).append(error_output("KernelDied", result.reason))
            mark_not_run(nb, where, "NotRun", "not run: the kernel died in an earlier cell")
    finally:
        dog.cancel()
        result.seconds = time.perf_counter() - start - client.kernel_wait
        result.kernel_wait = client.kernel_wait
        await stop_kernel(km)
    if client.stuck_at is not None and result.status == GRADED:   # it was the last cell
        result.status = PARTIAL
        result.reason = (f"cell {client.stuck_at} ran out of its {job.limits.cell_seconds:g} s "
                         "time limit and the kernel stopped answering (it ignored the "
                         "interrupt)")
    seal_verdicts(nb, client.verdicts)
    result.events = client.events
    result.probe = client.probe_findings
    result.undetermined = client.undetermined
    if result.status != FAILED:
        result.notebook_json = nbformat.writes(nb)
    return result
