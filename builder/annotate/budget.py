"""A document's annotation time budget (`annotate.time_limit`): an overrun is a reject, not a hung build.

Our rules can be slow on hostile text ("X said that Y said that ..." at 80 KB ran for minutes), and a very
long text takes the model long. A text parsed in pieces gets its deadline when its parse starts, checked
between its batches of pieces; a shorter text is parsed in a shared batch (bounded by annotate.batch_chars)
and gets its deadline when that batch is done. The annotators run under a timer (SIGALRM) that raises
`AnnotationTimeout` at the deadline wherever the Python code is. Signals reach the main thread only: in
another thread (some engines run tasks there) the deadline is checked after each annotator instead, so a
stuck rule there is found late, but still becomes a reject.

The budget reads a clock, so whether a document very near its budget passes depends on the machine: the
default is generous (minutes for one article, which takes well under a second), so that only runaway
documents meet it.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager


class AnnotationTimeout(BaseException):
    """A document's annotation ran past its deadline. Not an Exception: a rule's `except Exception` must not
    swallow it."""


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() >= self.at:
            raise AnnotationTimeout

    @contextmanager
    def enforced(self):
        """Run the block with a timer that interrupts it at the deadline (main thread), or check the
        deadline when it ends (other threads)."""
        self.check()
        if threading.current_thread() is not threading.main_thread():
            yield
            self.check()
            return

        def expired(signum, frame):
            raise AnnotationTimeout

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, max(self.at - time.monotonic(), 1e-3))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def timeout_reject(row: dict, seconds: float, where: str) -> dict:
    """The rejects-table row of a document whose annotation overran its budget."""
    return {"origin": row.get("origin") or str(row.get("id")), "url": row.get("url"), "stage": "annotate",
            "reason": "annotation-timeout",
            "detail": f"annotation took over annotate.time_limit={seconds:g} s ({where}; "
                      f"{len(row['text']):,} characters); raise the limit to annotate such documents"}
