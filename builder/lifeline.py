"""Child processes die with the build, whatever killed it (SIGKILL included).

Without this, a build killed with SIGKILL left its pool workers, the fork server and the extractor
children alive for ever: a worker holds both ends of its own task queue, so it never sees the build go,
and the fork server lives as long as a worker holds its liveness pipe. Two links close the chain:
- a pool worker watches the build process (`exit_with`: a thread waiting on a pidfd) and exits with it;
  the fork server then ends by itself when its last worker is gone;
- an extractor child asks the kernel for the parent-death signal (`die_with_parent`: prctl
  PR_SET_PDEATHSIG through ctypes, Linux), which kills it with its worker even in the middle of a page.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when the thread that started it ends (Linux; elsewhere the
    closed pipe still ends an idle child). If `parent` (its pid) has already gone, exit at once."""
    if sys.platform.startswith("linux"):
        import ctypes  # only here: the extractor child is the one process that needs it

        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc to call
            pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


def exit_with(pid: int) -> None:
    """Exit this process as soon as process `pid` ends (a pool worker's initializer, given the build's pid)."""
    threading.Thread(target=_wait_then_exit, args=(pid,), name="exit-with-build", daemon=True).start()


def _wait_then_exit(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)  # readable when the process ends; immune to pid reuse (Linux 5.3+)
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        select.select([handle], [], [])
    else:
        while _alive(pid):
            time.sleep(1.0)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True
