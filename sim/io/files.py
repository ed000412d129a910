"""Files of a run directory, each written to a temporary name and renamed into place,
so that a run killed mid-write never leaves a half-written file under the real name.

Files that belong together (a report and its pictures, a comparison, a sweep's
aggregate) are written inside ``publishing`` and renamed into place together, with
signals held: all of them, or none. Every file renamed into place is remembered
(``published``) until the process ends: a run that is interrupted or fails while
writing takes back what it had published (``discard_published``), so a run
directory holds a whole set or nothing new. A temporary file is named
``.NAME.PID.partial``; ``remove_partials`` removes those whose process no longer
lives (a run killed with ``kill -9``). What a run's ``results.nc`` must hold for its
readers is checked by ``read_run`` (``sim.results.contents``).
"""

import json
import math
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from sim.io import signals
from sim.io.signals import check_stop

_published = []  # final paths this process renamed into place, in order
_temporaries = set()  # temporary files of this process not yet renamed or removed
_PARTIAL = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.partial")


class WriteError(Exception):
    """A file could not be written; the message is one line naming it."""


def remove_temporaries():
    """Remove this process's temporary files (an interrupt whose exception was lost left them)."""
    for temporary in list(_temporaries):
        try:
            temporary.unlink(missing_ok=True)
        except OSError:  # a read-only file system: nothing to remove there either
            pass
        _temporaries.discard(temporary)


signals.on_interrupt(remove_temporaries)


def partial_path(path, pid=None):
    """The temporary name of ``path`` for process ``pid`` (default: this one)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid() if pid is None else pid}.partial")


@contextmanager
def atomic_path(path, *, take_back=True):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    Inside ``publishing`` the rename waits for the end of the set, with the set's
    other files. With ``take_back`` (the default) the file is remembered
    (``published``) and removed again if the run is interrupted
    (``discard_published``); a file that outlives the run (a sweep's plan) passes
    ``take_back=False``.

    Raises
    ------
    WriteError
        When the file system refuses the write or the rename (full disk, read-only
        directory), naming ``path``; the temporary file is removed.
    Interrupted
        When a signal asked the run to stop: nothing is renamed into place.
    """
    path = Path(path)
    temporary = partial_path(path)
    _temporaries.add(temporary)
    handed_on = False  # to the set being written, which renames or removes it
    try:
        try:
            yield temporary
            signals.pause_point(f"write:{path.name}")
            check_stop()
            if _sets:
                _sets[-1].renames[path] = (temporary, take_back)
                handed_on = True
            else:
                _commit({path: (temporary, take_back)})
        except OSError as error:
            raise WriteError(f"{path}: cannot write ({error.strerror or error})") from None
    finally:
        if not handed_on:
            _discard(temporary)


def _discard(temporary):
    try:
        temporary.unlink(missing_ok=True)
    except OSError:  # a read-only file system refuses even this; its error replaced the WriteError
        pass
    _temporaries.discard(temporary)


class FileSet:
    """Files written under their temporary names, renamed into place together (``publishing``).

    ``renames`` maps each final path to its temporary path and whether it is taken
    back (``atomic_path``); ``removals`` are final paths removed at the same moment.
    """

    def __init__(self, what):
        self.what = what
        self.renames = {}
        self.removals = []

    def remove(self, path):
        """Remove ``path`` when the set is published (a picture the new set no longer holds)."""
        self.removals.append(Path(path))


_sets = []  # the sets being written, innermost last


@contextmanager
def publishing(what=None):
    """Publish every file written inside (through ``atomic_path``) together at the end: all or none.

    The renames happen inside ``sim.io.signals.held``: a signal before them leaves
    every file as it was (an earlier report, an earlier comparison), one during
    them waits until all are done. A rename the file system refuses puts back the
    files already renamed (each replaced file was kept under a temporary link).
    ``what`` (words) is what an interrupt after the renames says was written. A set
    inside another is published with the outer one.

    Yields
    ------
    FileSet

    Raises
    ------
    WriteError
        Naming the file that could not be renamed; nothing of the set is published.
    """
    fileset = FileSet(what)
    _sets.append(fileset)
    try:
        yield fileset
    except BaseException:
        _sets.remove(fileset)
        for temporary, _ in fileset.renames.values():
            _discard(temporary)
        raise
    _sets.remove(fileset)
    if _sets:
        _sets[-1].renames.update(fileset.renames)
        _sets[-1].removals += fileset.removals
        return
    _commit(fileset.renames, fileset.removals, what)


def readable(path):
    """The file to read for ``path`` now: its temporary while a set being written holds it."""
    path = Path(path)
    for fileset in reversed(_sets):
        if path in fileset.renames:
            return fileset.renames[path][0]
    return path


def _commit(renames, removals=(), what=None):
    """Rename ``renames`` ({path: (temporary, take_back)}) into place and remove ``removals``, all or none."""
    removals = [path for path in removals if path not in renames and os.path.lexists(path)]
    several = len(renames) + len(removals) > 1
    backups, done, path = {}, [], None
    try:
        check_stop()
        with signals.held():
            try:
                for path, (temporary, take_back) in renames.items():
                    backups[path] = _backup(path) if several else None
                    os.replace(temporary, path)
                    done.append(path)
                for path in removals:
                    backups[path] = _backup(path)
                    os.unlink(path)
                    done.append(path)
            except OSError as error:
                _put_back(done, backups)
                raise WriteError(f"{path}: cannot write ({error.strerror or error})") from None
            _published.extend(path for path, (_, take_back) in renames.items() if take_back)
            if what:
                signals.kept(what)
    finally:
        for temporary in [t for t, _ in renames.values()] + [b for b in backups.values() if b is not None]:
            _discard(temporary)
    for path in renames:
        signals.pause_point(f"written:{path.name}")


def _backup(path):
    # A second name for the file ``path`` is about to replace (a hard link: no copy),
    # so that a failed rename later in the set can put it back; None if there is none.
    if not os.path.lexists(path) or (path.is_dir() and not path.is_symlink()):
        return None  # a directory in the way: its rename fails, and nothing else is lost
    backup = path.with_name(f".{path.name}.old.{os.getpid()}.partial")
    _temporaries.add(backup)
    backup.unlink(missing_ok=True)
    try:
        os.link(path, backup, follow_symlinks=False)
    except OSError:  # a file system without hard links
        shutil.copy2(path, backup, follow_symlinks=False)
    return backup


def _put_back(done, backups):
    # undo the renames and removals of a set that could not be published whole
    for path in reversed(done):
        try:
            if backups.get(path) is not None:
                os.replace(backups[path], path)
            else:
                os.unlink(path)
        except OSError:  # best effort: the error that stopped the set is what the user sees
            pass


def published():
    """The files this process renamed into place, in order."""
    return list(_published)


def discard_published(since=0):
    """Remove the files this process published, from the ``since``-th on.

    For a run that did not finish; ``since`` is ``len(published())`` when it began
    (a sweep's earlier jobs keep theirs).
    """
    while len(_published) > since:
        _published.pop().unlink(missing_ok=True)


def remove_partials(directory, *, stale_only=True):
    """Remove temporary files in ``directory`` and its ``plots/``.

    With ``stale_only`` (the default) only those whose process no longer lives (a
    run killed with ``kill -9``); otherwise this process's own. Returns the paths
    removed.
    """
    removed = []
    directory = Path(directory)
    for folder in (directory, directory / "plots"):
        if folder.is_symlink():  # out of the directory: none of its files is ours
            continue
        try:
            candidates = list(folder.iterdir())
        except OSError:  # absent, a file, unreadable: nothing of ours to clean there
            continue
        for path in candidates:
            match = _PARTIAL.fullmatch(path.name)
            if match is None or not path.is_file():
                continue
            pid = int(match["pid"])
            if (pid != os.getpid() and not _alive(pid)) if stale_only else pid == os.getpid():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def write_json(data, path):
    """Write ``data`` as indented, strict JSON to ``path`` atomically.

    Raises
    ------
    WriteError
        If a number is NaN or infinite (JSON has none; a reader would fail), naming
        the first such key, or if the file cannot be written.
    """
    path = Path(path)
    key = _first_non_finite(data)
    if key is not None:
        raise WriteError(f"{path.name}: a number is not finite ({key})")
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    with atomic_path(path) as temporary:
        temporary.write_text(text)


def _first_non_finite(data, prefix=""):
    """The dotted key of the first NaN or infinity in nested dicts and lists, or None."""
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, (list, tuple)):
        items = enumerate(data)
    else:
        is_number = isinstance(data, (float, np.floating))
        return prefix or "(top level)" if is_number and not math.isfinite(data) else None
    for key, value in items:
        found = _first_non_finite(value, f"{prefix}.{key}" if prefix else str(key))
        if found is not None:
            return found
    return None


def error_reason(error):
    """Why a file could not be read, in one line: ``no 'KEY'`` for a missing key, else
    the error's first line, else its type's name."""
    if isinstance(error, KeyError):
        return f"no {error.args[0]!r}"
    return str(error).splitlines()[0] if str(error).strip() else type(error).__name__


__all__ = ["FileSet", "WriteError", "atomic_path", "discard_published", "error_reason", "partial_path",
           "published", "publishing", "readable", "remove_partials", "remove_temporaries", "write_json"]
