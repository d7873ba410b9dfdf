"""Where jobs run: local worker processes (the default) or a Dask cluster, one code path.

Both backends call :func:`run_job` in a worker process. Each worker process
keeps one event loop thread for its kernels and one *spare* kernel: while a
notebook runs, the next sandbox is already booting, so the ~0.5 s a kernel
takes to start is hidden behind work. A spare holds no student data until its
job arrives, and a kernel never serves a second notebook.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import multiprocessing
import os
import socket
import threading
from collections.abc import Callable

from . import sandbox
from .execute import SandboxKernelManager, execute_job, start_kernel, stop_kernel
from .jobs import FAILED, Job, Result


class Runtime:
    """The kernels of one worker process."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                       name="autograder-kernels")
        self.thread.start()
        self.spares: dict[tuple, SandboxKernelManager] = {}
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        atexit.register(self.close)

    def run(self, job: Job) -> Result:
        return asyncio.run_coroutine_threadsafe(self._run(job), self.loop).result()

    async def _kernel(self, key: tuple, capability, job: Job):
        spare = self.spares.pop(key, None)
        if spare is not None and spare.exit_status() is None:
            return spare
        if spare is not None:
            await stop_kernel(spare)
        return await start_kernel(capability, job.limits, list(job.forbidden),
                                  sandbox.matplotlib_template())

    async def _run(self, job: Job) -> Result:
        capability = sandbox.detect(force_fallback=job.sandbox == "off")
        if job.sandbox == "require" and not capability.isolated:
            return Result(job.student, job.assignment, job.notebook, FAILED, worker=self.name,
                          reason=f"a sandbox is required but {capability.warning}")
        key = (job.sandbox, job.limits, job.forbidden)
        result = None
        for _attempt in range(2):   # a kernel that cannot start is retried once
            try:
                km = await self._kernel(key, capability, job)
            except Exception as exc:  # noqa: BLE001 - reported as the job's reason
                result = Result(job.student, job.assignment, job.notebook, FAILED,
                                worker=self.name,
                                reason=f"the sandbox could not start: {exc}")
                continue
            if job.prestart and key not in self.spares:
                try:
                    self.spares[key] = await start_kernel(
                        capability, job.limits, list(job.forbidden),
                        sandbox.matplotlib_template())
                except Exception:  # noqa: BLE001 - the next job starts its own
                    pass
            result = await execute_job(job, km, capability, worker=self.name)
            if not (result.status == FAILED and (result.reason or "").startswith(
                    "the kernel could not start")):
                break
        assert result is not None  # the loop above ran at least once
        return result

    def close(self) -> None:
        async def stop_all():
            for km in list(self.spares.values()):
                await stop_kernel(km)
            self.spares.clear()

        if self.loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(stop_all(), self.loop).result(timeout=10)
            except Exception:  # noqa: BLE001 - exiting anyway
                pass


_RUNTIME: Runtime | None = None
_RUNTIME_LOCK = threading.Lock()


def run_job(job: Job) -> Result:
    """Execute one job in this process (what local workers and Dask workers call)."""
    global _RUNTIME
    with _RUNTIME_LOCK:
        if _RUNTIME is None:
            _RUNTIME = Runtime()
    return _RUNTIME.run(job)


def _warm_up() -> None:
    """Die with the coordinator; import the heavy modules and build caches before the
    first job arrives; remove what killed runs left in the temp folder."""
    sandbox.die_with_parent()
    sandbox.sweep_stale_slots()
    sandbox.detect()
    sandbox.matplotlib_template()


class LocalBackend:
    """Worker processes on this machine; needs no server."""

    name = "local processes"

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self._pool = self._new_pool()

    def _new_pool(self):
        return concurrent.futures.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm_up)

    @property
    def slots(self) -> int:
        return self.workers

    def submit(self, job: Job, done: Callable) -> None:
        try:
            future = self._pool.submit(run_job, job)
        except concurrent.futures.process.BrokenProcessPool:
            self._pool = self._new_pool()
            future = self._pool.submit(run_job, job)
        future.add_done_callback(lambda f: done(job, f))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend:
    """A Dask cluster: a scheduler address, or 'local' for a LocalCluster here."""

    name = "dask"

    def __init__(self, address: str, workers: int):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise RuntimeError("--dask needs the `distributed` package: install the project's "
                               "grading extras (pip install -e '.[grading]')") from None
        self.cluster = None
        if address == "local":
            self.cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                        processes=True, dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            self.client = Client(address)
        self.client.run(_warm_up)
        self.name = f"dask ({address})"

    @property
    def slots(self) -> int:
        threads = self.client.nthreads()
        return max(1, sum(threads.values()))

    def submit(self, job: Job, done: Callable) -> None:
        future = self.client.submit(run_job, job, pure=False)
        future.add_done_callback(lambda f: done(job, f))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
