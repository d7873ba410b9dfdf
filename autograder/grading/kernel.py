"""A Jupyter kernel manager whose kernel lives in a sandbox (:mod:`.sandbox`).

The kernel talks to its client over Unix sockets (ZeroMQ's ipc transport) in
a folder shared with the sandbox, so the kernel can have no network at all
while the client (nbclient, in the grading worker) stays outside. Interrupts
go as messages, because the sandbox runs in its own session.
"""

from __future__ import annotations

import os

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from .cputime import runnable_seconds
from .sandbox import Capability, Limits, Slot, clean_env, kernel_command


class SandboxKernelManager(AsyncKernelManager):
    """Start, interrupt and kill one sandboxed kernel for one notebook."""

    def __init__(self, capability: Capability, limits: Limits, slot: Slot,
                 forbidden: list[str], mpl_template: str | None, **kwargs):
        super().__init__(transport="ipc", ip=str(slot.ipc / "k"),
                         connection_file=str(slot.ipc / "kernel.json"), cache_ports=False,
                         **kwargs)
        self.capability = capability
        self.limits = limits
        self.slot = slot
        self.forbidden = forbidden
        self.mpl_template = mpl_template
        self._kernel_spec = KernelSpec(
            argv=["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (sandboxed)", language="python",
            interrupt_mode="message", env={})

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        if self.slot.uid is not None:  # the kernel runs as this uid: it must read the file
            os.chown(self.connection_file, self.slot.uid, self.slot.uid)
        return kernel_command(self.capability, self.limits, self.slot, self.connection_file,
                              list(extra_arguments or []), self.forbidden, self.mpl_template)

    async def start_in_sandbox(self) -> None:
        """Launch the kernel process; it boots in the background."""
        log = open(self.slot.log, "ab")  # noqa: SIM115 - the child process holds it
        try:
            await self.start_kernel(env=clean_env(), cwd=str(self.slot.base),
                                    extra_arguments=["--HistoryManager.hist_file=:memory:"],
                                    stdout=log, stderr=log)
        finally:
            log.close()

    def launch_log(self) -> str:
        """What bubblewrap or the launcher said, if anything (for failure reasons)."""
        try:
            return self.slot.log.read_text(errors="replace")[-2000:].strip()
        except OSError:
            return ""

    def exit_status(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return None if process is None else process.poll()

    def busy_seconds(self) -> float | None:
        """Seconds the sandbox's threads (the kernel and all it started) have been
        running or queued to run; None if that cannot be read (see :mod:`.cputime`)."""
        process = getattr(self.provisioner, "process", None)
        return None if process is None else runnable_seconds(process.pid)

    def kill_now(self) -> None:
        """SIGKILL the sandbox: everything in it dies with bubblewrap."""
        process = getattr(self.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()
