"""Progress off a terminal: lines in the run's log, monotone, the last one at 100%."""

import logging
import re
import subprocess
import sys

import pytest

from sim.io import progress
from sim.inputs.validation import ConfigError, validate
from sim.io.progress import ProgressLog, duration, phase
from tests.conftest import configure

LINE = re.compile(r"simulated ([\d,]+) of ([\d,]+) scenarios \((\d+)%\), ([\d.]+ s|\d+ min \d+ s) elapsed(, ETA .+)?$")


def test_a_line_at_most_every_interval_and_one_at_the_end(monkeypatch, caplog):
    now = [0.0]
    monkeypatch.setattr(progress, "_clock", lambda: now[0])
    caplog.set_level(logging.INFO, logger="payback")
    lines = ProgressLog(100_000, interval=10.0)
    for done in range(8_192, 100_000, 8_192):
        now[0] += 3.0
        lines.update(done)
    lines.close(100_000)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "simulated 32,768 of 100,000 scenarios (33%), 12 s elapsed, ETA 25 s",
        "simulated 65,536 of 100,000 scenarios (66%), 24 s elapsed, ETA 13 s",
        "simulated 98,304 of 100,000 scenarios (98%), 36 s elapsed, ETA 0.6 s",
        "simulated 100,000 of 100,000 scenarios (100%), 36 s elapsed",
    ]


def test_durations_read_as_people_say_them(monkeypatch, caplog):
    assert [duration(s) for s in (0.44, 12.4, 185, 7620)] == ["0.4 s", "12 s", "3 min 05 s", "2 h 07 min"]
    now = [5.0]
    monkeypatch.setattr(progress, "_clock", lambda: now[0])
    caplog.set_level(logging.INFO, logger="payback")
    with phase("analysis", "summary of 10 scenarios"):
        now[0] += 0.25
    assert [r.getMessage() for r in caplog.records] == ["analysis: summary of 10 scenarios", "analysis: done in 0.2 s"]


@pytest.mark.slow
def test_a_run_off_a_terminal_logs_progress_and_phases_to_its_log(tmp_path):
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", "scenarios=120000", "start=2026-12",
         "progress_seconds=0.05", "threads=1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    log = (run_dir / "payback.log").read_text()
    assert "\r" not in done.stderr and "simulating" not in done.stderr  # no bar off a terminal
    found = [LINE.search(line) for line in log.splitlines()]
    counts = [int(m[1].replace(",", "")) for m in found if m]
    # monotone; a count may repeat when a block outlasts the interval (the elapsed time moved on)
    assert len(set(counts)) >= 3 and counts == sorted(counts), counts
    assert counts[-1] == 120_000 and all(m[2] == "120,000" for m in found if m)
    *before, last = [m for m in found if m]
    assert last[3] == "100" and last[5] is None  # all done: no ETA
    assert all(m[5] for m in before)  # the others have one
    for fragment in ("analysis: results, summary, intervals and drivers of 120,000 scenarios",
                     "analysis: done in ", "writing: results.nc", "report: drawing 9 pictures",
                     "report: done in "):
        assert fragment in log, fragment
    assert log.index("simulated 120,000 of 120,000") < log.index("analysis:") < log.index("report: done")
    assert "simulated 120,000 of 120,000 scenarios (100%)" in done.stdout  # and on the console


@pytest.mark.parametrize("seconds", [0, -1, 86_401])
def test_progress_seconds_is_a_positive_number_of_seconds(seconds):
    with pytest.raises(ConfigError, match=r"^progress_seconds: .* is not a number of seconds in \(0, 86400\]$"):
        validate(configure(progress_seconds=seconds))
    assert validate(configure(progress_seconds=0.5)).progress_seconds == 0.5


def test_the_end_is_said_once_even_when_the_last_block_lands_after_the_interval(monkeypatch, caplog):
    now = [0.0]
    monkeypatch.setattr(progress, "_clock", lambda: now[0])
    caplog.set_level(logging.INFO, logger="payback")
    lines = ProgressLog(1_000, interval=1.0)
    now[0] = 5.0
    lines.update(1_000)  # the interval has passed, but the closing line will say it
    lines.close()
    assert [r.getMessage() for r in caplog.records] == ["simulated 1,000 of 1,000 scenarios (100%), 5.0 s elapsed"]
