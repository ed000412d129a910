"""Progress off a terminal: lines in the run's log instead of a bar.

On a terminal the engine shows tqdm's bar. Off one (a pipe, a batch job, a sweep's
worker) the bar is off, and a long run would say nothing for minutes: ``ProgressLog``
writes ``simulated 40,000 of 100,000 scenarios (40%), 3 s elapsed, ETA 4 s`` through
the ``payback`` logger (Hydra sends it to the job's ``.log`` file and the console)
at most every ``interval`` seconds, and once at the end. ``phase`` logs what a run is
doing after the simulation (analysis, writing, report) and how long it took.

Nothing here starts a thread: the engine calls ``update`` from its waiting loop, which
wakes at least every ``sim.simulation.engine.STOP_POLL`` seconds (``sim.report.forked`` forks only when
no other thread runs).
"""

import logging
import time
from contextlib import contextmanager

log = logging.getLogger("payback")

INTERVAL = 10.0  # seconds between progress lines, the default of ``progress_seconds``
_clock = time.monotonic  # one name to replace in tests


def duration(seconds):
    """``0.4 s``, ``12 s``, ``3 min 05 s``, ``2 h 07 min``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def eta(elapsed, done, total):
    """Seconds left at the pace so far, or None before anything is done."""
    if done <= 0:
        return None
    return elapsed / done * max(total - done, 0)


class ProgressLog:
    """Log ``done`` of ``total`` at most every ``interval`` seconds, and at the end.

    Parameters
    ----------
    total : int
        Units of work (scenarios).
    interval : float
        Seconds between lines, at least.
    verb, noun : str
        The line reads ``{verb} {done} of {total} {noun}``.
    """

    def __init__(self, total, *, interval=INTERVAL, verb="simulated", noun="scenarios"):
        self.total, self.interval, self.verb, self.noun = total, interval, verb, noun
        self.start = self.last = _clock()
        self.done = 0

    def update(self, done=None):
        """Record ``done`` (if given) and log a line if ``interval`` has passed since the last."""
        if done is not None:
            self.done = done
        now = _clock()
        # all done: the closing line says so, once
        if now - self.last >= self.interval and self.done < self.total:
            self.last = now
            self._line(now)

    def close(self, done=None, *, note=""):
        """The last line; ``note`` says why it ends short of ``total`` (a met target)."""
        if done is not None:
            self.done = done
        self._line(_clock(), note)

    def _line(self, now, note=""):
        elapsed = now - self.start
        share = self.done / self.total if self.total else 1.0
        text = (f"{self.verb} {self.done:,} of {self.total:,} {self.noun} ({share:.0%}),"
                f" {duration(elapsed)} elapsed")
        left = eta(elapsed, self.done, self.total)
        if self.done < self.total and not note:
            text += f", ETA {duration(left)}" if left is not None else ", ETA unknown"
        log.info("%s%s", text, f" ({note})" if note else "")


@contextmanager
def phase(name, what):
    """Log ``name: what`` as a phase starts and ``name: done in T`` as it ends."""
    log.info("%s: %s", name, what)
    start = _clock()
    yield
    log.info("%s: done in %s", name, duration(_clock() - start))


__all__ = ["INTERVAL", "ProgressLog", "duration", "eta", "log", "phase"]
