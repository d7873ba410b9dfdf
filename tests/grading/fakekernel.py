"""A stand-in for the student's kernel: the real driver, run in this process.

The driver (autograder.grading.channel) is installed against a plain dict
standing for the kernel's globals; the judge talks to it through the same
payloads it sends to a kernel. The student's code runs in a thread, so that a
callback of the judge (the kernel's input request) can be answered while it
waits, as over the real stdin channel.
"""

from __future__ import annotations

import builtins
import queue
import threading

from autograder.grading import channel, judge


class FakeKernel(judge.Transport):
    """The real driver, with a dict for the kernel's globals."""

    def __init__(self, user_ns: dict):
        self.user_ns = user_ns
        self.kernel = self                       # get_ipython().kernel.raw_input
        ns = {"get_ipython": lambda: self}
        exec(channel.driver_code("t0ken"), ns)
        self.driver = builtins._autograder_driver_t0ken
        del builtins._autograder_driver_t0ken
        self.events: queue.Queue = queue.Queue()
        self.answers: queue.Queue = queue.Queue()
        self.requests = 0
        self.prompts = 0

    def raw_input(self, prompt: str) -> str:
        self.prompts += 1
        self.events.put(("prompt", prompt))
        return self.answers.get()

    def request(self, op: str, name: str, payload: str, timeout: float) -> str:
        """A plain request (no callbacks served): for tests of the driver alone."""
        self.requests += 1
        return self.driver(op, name, payload)

    def start(self, op, name, payload, timeout):
        self.requests += 1
        threading.Thread(target=lambda: self.events.put(("reply", self.driver(op, name, payload))),
                         daemon=True).start()
        return self._next(timeout)

    def answer(self, text, timeout):
        self.answers.put(text)
        return self._next(timeout)

    def _next(self, timeout: float):
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise judge.CallTimeout() from None
