"""Run and sweep directories: what a run writes in one, and the lock that makes a
directory one live process's own.

A run directory, a sweep directory and a comparison's ``--out`` are each held by an
exclusive ``flock`` on ``.payback.lock`` until the process that holds it ends; a second
process is refused, naming the first. Library code raises ``LockRefused``; each command
line turns it into its one-line refusal.
"""

import fcntl
import os
from pathlib import Path

LOCK_FILE = ".payback.lock"
# What a run writes, removed whole by overwrite=true before the new run starts.
RUN_SET = ("results.nc", "summary.json", "report.md", "report.html", "plots", "failure.json", "payback.log", ".hydra",
           "cashflows.csv", "cashflows_fiscal.csv", "summary.csv")
FINISHED_MARKS = ("summary.json", "results.nc")
_held_locks = {}  # directory (resolved) -> descriptor of its lock, held until the process ends


class LockRefused(Exception):
    """A directory this process cannot hold (``lock_directory``); the message is one line."""


def lock_directory(directory, key, holder_kind):
    """Hold an exclusive ``flock`` on ``directory/.payback.lock`` until this process ends.

    A directory this process holds already is held once more, not refused: a
    notebook writes two comparisons into one directory.

    Raises
    ------
    LockRefused
        When the directory cannot be written or another live process holds the lock
        (its process id is in the file), naming ``key``.
    """
    directory = Path(directory)
    if os.path.realpath(directory) in _held_locks:
        return
    if (directory / LOCK_FILE).is_symlink():  # its target would be truncated
        raise LockRefused(f"{key}: {directory / LOCK_FILE} is a symbolic link; payback writes nothing through a"
                          " link: remove it (its target is not touched)")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as error:  # a file on the way, read-only, full: the user must choose
        raise LockRefused(f"{key}: cannot write in {directory} ({error.strerror or error})") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # another run holds it until it ends
        holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "?"
        os.close(descriptor)
        raise LockRefused(f"{key}: {directory} is in use by {holder_kind} (process {holder})") from None
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
    _held_locks[os.path.realpath(directory)] = descriptor


def lock_holder(directory):
    """The process id (text) that holds ``directory``'s lock now, or None; nothing is held after."""
    try:
        descriptor = os.open(Path(directory) / LOCK_FILE, os.O_RDONLY)
    except OSError:  # no lock file: nothing ever ran there, or it cannot be read
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "?"
    finally:
        os.close(descriptor)  # and with it the shared lock just taken
    return None


__all__ = ["FINISHED_MARKS", "LOCK_FILE", "RUN_SET", "LockRefused", "lock_directory", "lock_holder"]
