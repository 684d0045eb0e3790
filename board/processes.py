"""Worker processes that end with the app: shared by the DICOM parsing pool and the
report renderer."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

#: prctl option: the signal the kernel sends this process when its parent dies.
_PR_SET_PDEATHSIG = 1
#: How often a worker checks that its parent is still alive (seconds).
WATCHDOG_SECONDS = 0.5


def die_with_parent(parent_pid: int, death_signal: bool = True) -> None:
    """Worker initialiser: end this worker as soon as the process that started it ends.

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``
    through ctypes); everywhere a watchdog thread checks the parent's process id every
    :data:`WATCHDOG_SECONDS` and exits when the worker has been handed to another
    parent. So a killed app or import (``kill -9``) never leaves workers behind.

    Parameters
    ----------
    parent_pid:
        The process id of the process that started the worker.
    death_signal:
        Whether to arm the death signal. Linux sends it when the *thread* that started
        the worker ends, so a worker started from a short-lived thread and kept for
        later must rely on the watchdog alone.
    """
    if death_signal and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no libc symbol: the watchdog still works
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(WATCHDOG_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(1)
