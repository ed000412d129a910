"""Ctrl-C, SIGTERM and SIGHUP at named moments of every command: one line, the exit code,
no temporary file, nothing half-published, earlier files as they were.

Each command is started with ``PAYBACK_TEST_PAUSE`` naming a moment (``sim.io.signals``):
it stops there and says so in a file, the test sends the signal, and the outcome is the
same on a fast machine and a loaded one. The three signals take turns over the cases.
"""

import json
import os
import shutil
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


EARLIER = b"earlier, by the user\n"  # what an earlier report, comparison, aggregate or sheet held


def snapshot(directory):
    """Every file under ``directory`` (but the lock) and its bytes."""
    return {p.relative_to(directory): p.read_bytes() for p in sorted(Path(directory).rglob("*"))
            if p.is_file() and p.name != ".payback.lock"}


@pytest.fixture(scope="module")
def sweep_of_two(finished_run, tmp_path_factory):
    """A sweep directory of two finished jobs (seed=1, seed=2) as the aggregate reads them, and its plan."""
    sweep_dir = tmp_path_factory.mktemp("sweep") / "sweep"
    for job in (0, 1):
        (sweep_dir / str(job) / ".hydra").mkdir(parents=True)
        (sweep_dir / str(job) / ".hydra" / "overrides.yaml").write_text(f"- seed={job + 1}\n")
        (sweep_dir / str(job) / "summary.json").write_bytes((finished_run / "summary.json").read_bytes())
    plan = {"version": 1, "started": "2026-12-06T00:00:00+00:00", "subdir": "${hydra.job.num}",
            "config_name": "config", "config_dirs": [], "hydra_overrides": [],
            "jobs": [{"job": 0, "overrides": ["seed=1"]}, {"job": 1, "overrides": ["seed=2"]}],
            "sessions": [{"started": 0.0, "done_before": 0}]}
    (sweep_dir / "sweep_plan.json").write_text(json.dumps(plan))
    return sweep_dir


def command(name, tmp_path, finished_run, sweep_of_two):
    """The command line of ``name``, the directory its set of files goes to (with an
    earlier set there, by the user), and the files of that set."""
    target = tmp_path / "target"
    if name == "report":
        shutil.copytree(finished_run, target)
        files = ["report.md", "report.html", *(f"plots/{p.name}" for p in (target / "plots").iterdir())]
        return ["-m", "sim.report", str(target)], target, files
    if name == "compare":
        files = ["compare.md", "compare.html", "compare.png"]
        return ["-m", "sim.compare", str(finished_run), str(finished_run), "--out", str(target), "--overwrite"], \
            _earlier(target, files), files
    if name == "sweep":
        shutil.copytree(sweep_of_two, target)
        files = ["sweep.nc", "sweep.csv", "sweep.md", "sweep.png"]
        return ["-m", "sim.sweep", str(target)], _earlier(target, files), files
    if name == "prices":
        files = ["sheet.yaml"]
        return ["-m", "sim.prices", "gpt-4.1-mini", "--provider", "openai", "--name", "sheet", "--out-dir",
                str(target), "--force"], _earlier(target, files), files
    raise ValueError(name)


def _earlier(directory, files):
    directory.mkdir(parents=True, exist_ok=True)
    for name in files:
        (directory / name).write_bytes(EARLIER)
    return directory


MOMENTS = [  # (command, where it is paused); "write:X": X and the set's files before it written, not renamed
    ("report", "compute"), ("report", "write:report.md"), ("report", "written:report.html"),
    ("compare", "compute"), ("compare", "write:compare.md"), ("compare", "written:compare.html"),
    ("sweep", "compute"), ("sweep", "write:sweep.csv"), ("sweep", "written:sweep.png"),
    ("prices", "import:genai_prices"), ("prices", "written:sheet.yaml"),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, moment", MOMENTS, ids=[f"{n}-{m}" for n, m in MOMENTS])
def test_a_signal_publishes_the_whole_set_or_none_of_it(name, moment, tmp_path, finished_run, sweep_of_two):
    # SIGTERM left .PID.partial files (sim.compare.comparison: 5 of 5; sim.report.document: 3 of 3), once
    # compare.html without the other two; a redraw's pictures replaced one by one
    signum = SIGNALS[MOMENTS.index((name, moment)) % len(SIGNALS)]
    argv, target, files = command(name, tmp_path, finished_run, sweep_of_two)
    if name == "report":  # an earlier report the redraw would change
        for file in ("report.md", "report.html", "plots/drivers.png"):
            (target / file).write_bytes(EARLIER)
    before = snapshot(target)
    process, announcement = start(argv, moment, tmp_path)
    code, stderr = interrupt(process, announcement, signum)
    assert code == 128 + signum
    line = one_line(stderr)
    assert not partials(target, finished_run)
    after = snapshot(target)
    if moment.startswith("written:"):  # every file of the set is the new one, and the line says so
        assert line.startswith("payback: interrupted; wrote "), line
        assert all(after[Path(file)] != EARLIER for file in files), name
        assert set(after) >= set(map(Path, files))
    else:
        assert line == "payback: interrupted; nothing written"
        assert after == before  # the earlier files as they were, nothing added


@pytest.mark.slow
@pytest.mark.parametrize("moment, signum", [("compute", signal.SIGTERM), ("write:results.nc", signal.SIGHUP),
                                            ("write:report.md", signal.SIGINT)])
def test_a_run_interrupted_takes_back_what_it_wrote(moment, signum, tmp_path):
    # SIGHUP while results.nc was written left .results.nc.PID.partial
    run_dir = tmp_path / "run"
    process, announcement = start(["-m", "sim", f"hydra.run.dir={run_dir}", "scenarios=2000",
                                   "saved_scenarios=200"], moment, tmp_path)
    code, stderr = interrupt(process, announcement, signum)
    assert code == 128 + signum
    assert one_line(stderr) == "payback: interrupted; nothing written"
    assert sorted(p.name for p in run_dir.iterdir()) == [".hydra", ".payback.lock", "payback.log"]


@pytest.mark.slow
def test_a_second_comparison_into_the_same_directory_at_once_is_refused(tmp_path, finished_run):
    # both exited 0 and the second silently replaced the first
    out = tmp_path / "out"
    first, announcement = start(["-m", "sim.compare", str(finished_run), str(finished_run), "--out", str(out)],
                                "write:compare.md", tmp_path)
    deadline = time.monotonic() + 120
    while not announcement.exists():
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    second = subprocess.run([sys.executable, "-m", "sim.compare", str(finished_run), str(finished_run),
                             "--out", str(out), "--overwrite"], capture_output=True, text=True, timeout=120)
    assert second.returncode == 2
    assert second.stderr == f"payback: error: --out: {out} is in use by another comparison (process {first.pid})\n"
    first.send_signal(signal.SIGTERM)
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 143 and one_line(stderr) == "payback: interrupted; nothing written"
    assert sorted(p.name for p in out.iterdir()) == [".payback.lock"]


@pytest.mark.slow
def test_a_resume_interrupted_in_its_job_keeps_the_plan_and_says_how_to_go_on(tmp_path, sweep_of_two):
    sweep_dir = tmp_path / "sweep"
    shutil.copytree(sweep_of_two, sweep_dir)
    plan = json.loads((sweep_dir / "sweep_plan.json").read_text())
    for job in plan["jobs"]:  # small jobs, should one run
        job["overrides"] = [f"seed={job['job'] + 1}", "scenarios=2000", "report=false", "start=2026-12"]
    (sweep_dir / "sweep_plan.json").write_text(json.dumps(plan))
    (sweep_dir / "1" / "summary.json").unlink()  # job 1 did not finish
    process, announcement = start(["-m", "sim.sweep", str(sweep_dir), "--resume"], "compute", tmp_path)
    code, stderr = interrupt(process, announcement, signal.SIGTERM)
    assert code == 143
    assert one_line(stderr.strip().splitlines()[-1]) == (
        f"payback: interrupted; the sweep's finished jobs are kept in {sweep_dir}"
        f" (python -m sim.sweep {sweep_dir} --resume runs the rest)")
    assert not partials(sweep_dir)
    assert json.loads((sweep_dir / "sweep_plan.json").read_text())["jobs"] == plan["jobs"]
    assert (sweep_dir / "0" / "summary.json").exists() and not (sweep_dir / "1" / "summary.json").exists()


def test_a_path_the_file_system_refuses_that_no_check_foresaw_is_still_one_line(tmp_path):
    # the command lines' last guard (sim.io.signals.run_command) against a traceback
    (tmp_path / "unforeseen.py").write_text("def main():\n    open('/nonexistent/dir/file')\n")
    done = subprocess.run([sys.executable, "-c", "from sim.io.signals import run_command; run_command('unforeseen')"],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr == "payback: error: /nonexistent/dir/file: cannot be used (No such file or directory)\n"


def _with_reader_gone(argv, tmp_path, unbuffered, pythonpath=None):
    """Run ``python ARGV`` with a stdout whose reader has already left (``... | head``)."""
    reader, writer = os.pipe()
    os.close(reader)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    worktree = str(Path(__file__).resolve().parents[3])  # this checkout's sim, not an installed one
    env["PYTHONPATH"] = os.pathsep.join([*(pythonpath or []), worktree])
    try:
        return subprocess.run([sys.executable, *argv], stdout=writer, stderr=subprocess.PIPE, text=True,
                              timeout=120, env=env, cwd=tmp_path)
    finally:
        os.close(writer)


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
def test_payback_help_into_a_reader_gone_ends_quietly_with_141(tmp_path, unbuffered):
    # `payback --help | head` was "payback: internal error: BrokenPipeError" (exit 1)
    done = _with_reader_gone(["-c", "from sim.io.signals import payback; payback()", "--help"], tmp_path, unbuffered)
    assert (done.returncode, done.stderr) == (141, "")


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
def test_any_command_whose_reader_left_ends_quietly_with_141(tmp_path, unbuffered):
    # the shared guard, run_command: a command printing more than its reader took
    (tmp_path / "talkative.py").write_text("def main():\n    for i in range(10000):\n        print(i)\n")
    done = _with_reader_gone(["-c", "from sim.io.signals import run_command; run_command('talkative')"],
                             tmp_path, unbuffered, pythonpath=[str(tmp_path)])
    assert (done.returncode, done.stderr) == (141, "")


def test_argparse_help_into_a_reader_gone_ends_quietly(tmp_path):
    # argparse's --help exits before run_command can flush: it was "Exception ignored
    # in ... BrokenPipeError" and exit 120 when stdout is buffered
    done = _with_reader_gone(["-m", "sim.report", "--help"], tmp_path, unbuffered=False)
    assert (done.returncode, done.stderr) == (141, "")
