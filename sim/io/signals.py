"""Signals, for every command: Ctrl-C (SIGINT), SIGTERM and SIGHUP end it in one line.

Each command line (``payback``, ``payback-compare``, ``python -m sim``,
``python -m sim.report`` and the others) starts in ``run_command``, which installs
the handler before the command's module, and with it Hydra, NumPy or matplotlib, is
imported. From then on a signal raises ``Interrupted`` (a ``SystemExit``, which no
``except Exception`` catches) wherever the command is; ``sim.io.files`` renames a
set of files into place only inside ``held``, where a signal waits, so a command
stopped before that publishes nothing and one stopped after it has published the
whole set. The command ends with ``payback: interrupted; ...`` on stderr, saying
what it kept, and exit code 128 + the signal: 130, 143 or 129.

A signal's exception can be lost (raised inside a finaliser, or swallowed by a
library's bare ``except``), so the handler also records the stop: every write
checks ``check_stop`` before its rename, and the engine between blocks.

Light on purpose: it imports nothing beyond the standard library (and ``sim.io.text``,
which is as light), so that the handler is in place before the first heavy import. Library code called from Python
(a notebook) never installs it and keeps Python's own Ctrl-C.
"""

import importlib
import os
import signal
import sys
import time
from contextlib import contextmanager

from sim.io.text import shown

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
EXIT_BAD_INPUT = 2
EXIT_READER_GONE = 128 + signal.SIGPIPE  # stdout's reader left (`payback --help | head`)

_stop_exit_code = []
_held = [0]  # depth of ``held`` blocks on the way
_kept = []  # what this process published for good, in words, for the line of an interrupt
_cleanups = []  # called once an interrupt ends the command, newest first


class Interrupted(SystemExit):
    """A signal asked the command to stop; ``code`` is the exit code (128 + the signal)."""


def stop_publishing(exit_code):
    """Publish no further file; the next check (``check_stop``) raises ``Interrupted``."""
    _stop_exit_code.append(exit_code)


def stop_requested():
    """The exit code a signal asked for, or None."""
    return _stop_exit_code[0] if _stop_exit_code else None


def check_stop():
    """Raise ``Interrupted`` if a signal asked the command to stop."""
    if _stop_exit_code:
        raise Interrupted(_stop_exit_code[0])


def _on_signal(signum, frame):
    # A second signal while the first is handled is ignored: the cleanup is quick and
    # must finish. Inside ``held`` the stop is only recorded; ``held`` raises it at its end.
    if _stop_exit_code:
        return
    stop_publishing(128 + signum)
    if not _held[0]:
        raise Interrupted(128 + signum)


def _quiet_lost_interrupt(unraisable):
    # An Interrupted raised inside a finaliser (an HDF5 object's __del__) is lost and
    # Python prints it as "Exception ignored in ...": the stop flag carries the stop
    # on to the next check, so it is not worth the user's screen.
    if not isinstance(unraisable.exc_value, Interrupted):
        sys.__unraisablehook__(unraisable)


def install():
    """Make SIGINT, SIGTERM and SIGHUP raise ``Interrupted`` in this process (idempotent)."""
    for signum in SIGNALS:
        signal.signal(signum, _on_signal)
    sys.unraisablehook = _quiet_lost_interrupt
    point = os.environ.get(PAUSE, "")
    if point.startswith("import:") and not any(isinstance(f, _PauseAtImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PauseAtImport(point.partition(":")[2]))


@contextmanager
def held():
    """Hold signals back for the block: one that comes meanwhile raises at its end.

    For the renames that publish a set of files: an interrupt never leaves half of
    them renamed. And for a library's write (``sim.io.netcdf``), which an exception
    raised at any of its bytecodes can leave holding a lock its own cleanup then
    waits on. The signal mask keeps the signal from this thread; the flag keeps
    the handler from raising when another thread received it.
    """
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    _held[0] += 1
    try:
        yield
    finally:
        _held[0] -= 1
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    if not _held[0]:
        check_stop()


def kept(what):
    """Record that ``what`` (words: ``runs/a/report.md``) is published for good."""
    _kept.append(what)


def on_interrupt(cleanup):
    """Call ``cleanup()`` (no arguments) when an interrupt ends the command."""
    _cleanups.append(cleanup)


def end_interrupted(code, message=None):
    """Clean up after a signal, say so in one line and leave at once.

    ``message`` says what was kept; by default what ``kept`` recorded, or that
    nothing was written. ``os._exit``: a block running in the nogil kernel cannot
    be interrupted, and Python's own exit would wait for its thread; teardown
    could print a second line. Files are closed, renamed or removed by then.
    """
    for cleanup in reversed(_cleanups):
        try:
            cleanup()
        except Exception:  # noqa: BLE001 (a cleanup that fails must not cost the line below)
            pass
    if message is None:
        message = f"wrote {'; '.join(_kept)}" if _kept else "nothing written"
    print(f"payback: interrupted; {shown(message)}", file=sys.stderr)
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.shutdown()
    flush_standard_streams()
    os._exit(code)


def flush_standard_streams():
    """Flush stdout and stderr, either of which may be closed (``payback >&-``: None)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a reader gone, or the stream closed
            pass


def run_command(module):
    """Run ``module.main()`` as a command line and exit with its code.

    The signal handler is installed first, then ``module`` is imported: a signal
    while Python imports Hydra, NumPy or matplotlib ends in one line and its exit
    code, as at any later moment. ``main`` reads ``sys.argv`` and returns an exit
    code (None: 0) or exits itself.
    """
    install()
    pause_point("start")
    try:
        main = importlib.import_module(module).main
        check_stop()  # a signal whose exception an imported library swallowed
        code = main()
        check_stop()  # a signal whose exception was lost (in a finaliser) still ends in its code
    except Interrupted as stop:
        end_interrupted(stop.code)
    except SystemExit as leaving:  # argparse's or Hydra's --help, a refusal: stdout still to flush
        code = leaving.code
    except BrokenPipeError:  # `... | head`: the reader left; the files are written
        code = _reader_gone()
    except OSError as error:
        if stop_requested() is not None:
            end_interrupted(stop_requested())
        if error.filename is None:
            raise
        # a path the file system refused that no check foresaw: still one line naming it
        print(f"payback: error: {shown(str(error.filename))}: cannot be used ({error.strerror or error})",
              file=sys.stderr)
        code = EXIT_BAD_INPUT
    except Exception:
        if stop_requested() is not None:  # a library turned the signal's exception into its own
            end_interrupted(stop_requested())
        raise
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        code = _reader_gone()
    sys.exit(code)


def _reader_gone():
    # What Python's docs advise for SIGPIPE: send the rest of stdout to devnull, so
    # that the flush at exit cannot fail a second time ("Exception ignored ..."), and
    # leave quietly. 141 (128 + SIGPIPE), the code a shell reports for `yes | head`'s
    # writer and the same 128 + signal as an interrupt's: a script with pipefail
    # sees the reader quit, not a failure of payback's (1 is an internal error here).
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_READER_GONE


def payback():
    """The ``payback`` console script (also ``python -m sim``)."""
    run_command("sim.cli.payback")


def payback_compare():
    """The ``payback-compare`` console script (also ``python -m sim.compare``)."""
    run_command("sim.cli.compare")


def payback_calibrate():
    """The ``payback-calibrate`` console script (also ``python -m sim.calibrate``)."""
    run_command("sim.cli.calibrate")


# Tests only: stop at a named point until a signal comes, so that a signal test hits
# the moment it means on a loaded machine. PAYBACK_TEST_PAUSE names the point (start,
# import:MODULE, compute, write:FILE, written:FILE); the process writes its id into
# PAYBACK_TEST_PAUSE_FILE when it gets there.
PAUSE = "PAYBACK_TEST_PAUSE"
PAUSE_FILE = "PAYBACK_TEST_PAUSE_FILE"
PAUSE_SECONDS = 120.0


def pause_point(point):
    """Wait here for a signal when the tests' ``PAYBACK_TEST_PAUSE`` names ``point``."""
    if os.environ.get(PAUSE) != point:
        return
    with open(os.environ[PAUSE_FILE], "w") as announcement:
        announcement.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + PAUSE_SECONDS
    while time.monotonic() < deadline:  # the handler's exception ends the wait
        time.sleep(0.02)


class _PauseAtImport:
    """A finder that pauses as ``module`` is about to be imported, then steps aside."""

    def __init__(self, module):
        self.module = module

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.module:
            sys.meta_path.remove(self)
            pause_point(f"import:{fullname}")
        return None


__all__ = ["EXIT_BAD_INPUT", "EXIT_READER_GONE", "Interrupted", "PAUSE", "PAUSE_FILE", "PAUSE_SECONDS", "SIGNALS", "check_stop",
           "end_interrupted", "flush_standard_streams", "held", "install", "kept", "on_interrupt",
           "pause_point", "payback", "payback_calibrate", "payback_compare", "run_command", "stop_publishing", "stop_requested"]
