"""Ctrl-C, SIGTERM and SIGHUP at named moments of every command: one line, the exit code,
no temporary file, nothing half-published, earlier files as they were.

Each command is started with ``PAYBACK_TEST_PAUSE`` naming a moment (``sim.signals``):
it stops there and says so in a file, the test sends the signal, and the outcome is the
same on a fast machine and a loaded one. The three signals take turns over the cases.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def start(argv, pause, tmp_path, cwd=None):
    """Start ``python ARGV`` paused at ``pause``; return the process and its announcement file."""
    announcement = tmp_path / f"paused-{len(list(tmp_path.glob('paused-*')))}"
    env = {**os.environ, "PAYBACK_TEST_PAUSE": pause, "PAYBACK_TEST_PAUSE_FILE": str(announcement)}
    process = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env, cwd=cwd)
    return process, announcement


def interrupt(process, announcement, signum, timeout=120):
    """Wait until the process is paused, send ``signum``; return its exit code and stderr."""
    deadline = time.monotonic() + timeout
    while not announcement.exists():
        if process.poll() is not None:
            pytest.fail(f"the command ended before its pause: {process.communicate()}")
        assert time.monotonic() < deadline, "the command never reached its pause"
        time.sleep(0.02)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr


def partials(*directories):
    """Temporary files (``.NAME.PID.partial``) anywhere under ``directories``."""
    return [p for d in directories for p in Path(d).rglob("*.partial")]


def one_line(stderr):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("payback: interrupted; "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("argv, module", [
    (["-m", "sim", "scenarios=2000"], "hydra"),
    (["-m", "sim.report", "RUN"], "matplotlib"),
    (["-m", "sim.compare", "RUN", "RUN", "--out", "OUT"], "numpy"),
    (["-m", "sim.sweep", "SWEEP"], "xarray"),
    (["-m", "sim.prices", "gpt-4.1-mini", "--out-dir", "OUT"], "numpy"),
], ids=["payback", "report", "compare", "sweep", "prices"])
def test_a_signal_while_the_command_imports_its_libraries_is_one_line(argv, module, tmp_path, finished_run, request):
    # a KeyboardInterrupt traceback of 14 to 58 lines (Ctrl-C), or no line at all (SIGTERM)
    signum = SIGNALS[request.node.callspec.indices["argv"] % len(SIGNALS)]
    (tmp_path / "sweep").mkdir()
    places = {"RUN": str(finished_run), "OUT": str(tmp_path / "out"), "SWEEP": str(tmp_path / "sweep")}
    argv = [places.get(arg, arg) for arg in argv] + ([f"hydra.run.dir={tmp_path / 'run'}"] if argv[1] == "sim" else [])
    process, announcement = start(argv, f"import:{module}", tmp_path)
    code, stderr = interrupt(process, announcement, signum)
    assert code == 128 + signum
    assert one_line(stderr) == "payback: interrupted; nothing written"
    assert not (tmp_path / "out").exists() and not partials(tmp_path, finished_run)
