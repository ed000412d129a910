"""Work shared with a forked child: two cores for CPU-bound Python that holds the GIL.

For drawing with matplotlib, where threads do not help and a fresh interpreter
would spend longer importing than it saves: a forked child starts in milliseconds
with every module already loaded. The child only computes and sends its results
back through a pipe; it writes no file and runs none of this process's exit
handlers.
"""

import os
import pickle
import select
import signal
import sys
import threading
import time
import warnings
from contextlib import contextmanager

from tqdm import TMonitor

# A child that has not answered by then is killed (only a fault could make the
# report's drawing, about a second, take this long).
TIMEOUT = 60.0  # seconds


def share(tasks, work, keep):
    """Do ``work(task)`` for every task, here and in a forked child, each taking the next.

    The tasks wait in a queue (a pipe holding their indices: a byte read goes to
    one reader), so that when they come dearest first both processes finish near
    together, whatever slows one of them.

    Parameters
    ----------
    tasks : sequence
        At most 255, dearest first.
    work : callable
        ``work(task)`` returns something picklable.
    keep : callable
        ``keep(task, result)`` is called in this process for every task: its own
        results as they come, the child's once it has finished. A task the child
        took but did not send (it failed, or did not answer in ``TIMEOUT``) is then
        done here. Without a child (``available()`` is false) every task is done
        here, in order.
    """
    if len(tasks) < 2 or not available():
        for task in tasks:
            keep(task, work(task))
        return
    queue, filling = os.pipe()
    os.write(filling, bytes(range(len(tasks))))
    os.close(filling)  # before the fork: an empty queue then reads as its end in both
    done = set()
    try:
        with child(lambda: {i: work(tasks[i]) for i in _taken(queue)}) as result:
            for i in _taken(queue):
                keep(tasks[i], work(tasks[i]))
                done.add(i)
            received = result() or {}
    finally:
        os.close(queue)
    for i, value in received.items():
        keep(tasks[i], value)
        done.add(i)
    for i, task in enumerate(tasks):
        if i not in done:
            keep(task, work(task))


def _taken(queue):
    # the indices this process takes from the queue, until it is empty
    while taken := os.read(queue, 1):
        yield taken[0]


def available():
    """Whether a forked child can share the work: Linux, two cores, no other thread.

    Fork without exec is unsafe with macOS's frameworks and absent on Windows. Another
    Python thread (a notebook's kernel, a run's abandoned block) could hold a lock
    the child needs; tqdm's monitor, which a progress bar leaves behind even when
    disabled, only wakes every 10 s to look at tqdm's own bars, and is allowed.
    """
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    return (sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1
            and all(isinstance(t, TMonitor) for t in others))


@contextmanager
def child(work, timeout=TIMEOUT):
    """Run ``work()`` in a forked child; yield a function that waits for its result.

    Parameters
    ----------
    work : callable
        Takes no argument; returns something picklable.
    timeout : float
        Seconds the waiting function waits at most, from when it is called.

    Yields
    ------
    callable
        Returns what ``work`` returned, or None if the child failed or did not
        answer in time (it is then killed). A child not waited for (this process
        fails, or is interrupted, meanwhile) is killed on leaving the context.
    """
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python >= 3.12 warns of a fork while other threads run: here OpenBLAS's
        # idle pools, which its own fork handlers reset, and tqdm's monitor
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        _run_child(work, read, write)
    os.close(write)
    reaped = False

    def result():
        nonlocal reaped
        sent = _receive(read, timeout)
        if sent is None:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        reaped = True
        os.close(read)
        # the child exits with 0 only once it has sent everything
        return pickle.loads(sent) if sent is not None and os.waitstatus_to_exitcode(status) == 0 else None

    try:
        yield result
    finally:
        if not reaped:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read)


def _receive(fd, seconds):
    """Everything written to the pipe ``fd`` until its writer closes it; None after ``seconds``."""
    chunks, deadline = [], time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _run_child(work, read, write):
    # Never returns: the child must not run the parent's exit handlers (a run's take
    # back the files it published) nor flush its copies of the parent's buffers.
    code = 1
    try:
        os.close(read)
        # a Ctrl-C, SIGTERM or SIGHUP ends the child at once; the parent cleans up
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        sent = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as pipe:
            pipe.write(sent)
        code = 0
    finally:
        os._exit(code)


__all__ = ["TIMEOUT", "available", "child", "share"]
