"""Sweeps that resume: killed mid-way, resumed, killed again, resumed: the same aggregate."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from sim.sweep.plan import PLAN_FILE, read_plan
from sim.sweep.resume import clear, consecutive, pending
from sim.io.netcdf import read_results
from sim.cli.sweep import main
from sim.sweep.aggregate import read_jobs
from tests.conftest import fake_summary, holding_the_lock

# 4 points, jobs of about a second each here: long enough for a signal to land inside one
POINTS = ["seed=1,2", "workload.calls_per_month=1e6,3e6"]
COMMON = ["scenarios=100000", "report=false", "start=2026-12"]


def sweep(sweep_dir, **popen):
    return subprocess.Popen([sys.executable, "-m", "sim", "--multirun", f"hydra.sweep.dir={sweep_dir}", *COMMON,
                             *POINTS], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def resume(sweep_dir, **popen):
    return subprocess.Popen([sys.executable, "-m", "sim.sweep", str(sweep_dir), "--resume"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def finished(job_dir):
    return (job_dir / "summary.json").exists()


def running(job_dir):
    # the job's run has begun: it logged its size, and simulates for about a second
    log = job_dir / "payback.log"
    return log.exists() and "scenario-months" in log.read_text()


def wait_for(process, *conditions, timeout=120):
    deadline = time.monotonic() + timeout
    while not all(condition() for condition in conditions):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)


def kill_group(process, signum):
    os.killpg(process.pid, signum)  # as a terminal's Ctrl-C or a scheduler's SIGTERM reaches every process
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr


def statuses(sweep_dir):
    return [job["status"] for job in read_jobs(sweep_dir, read_plan(sweep_dir))]


@pytest.mark.slow
def test_a_sweep_killed_then_resumed_twice_gives_the_uninterrupted_aggregate(tmp_path):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    uninterrupted = sweep(whole)
    _, stderr = uninterrupted.communicate(timeout=300)
    assert uninterrupted.returncode == 0, stderr

    # killed (SIGTERM) inside job 1: job 0 done, job 1 unfinished, jobs 2 and 3 never started
    first = sweep(cut, start_new_session=True)
    wait_for(first, lambda: finished(cut / "0"), lambda: running(cut / "1"))
    code, stderr = kill_group(first, signal.SIGTERM)
    assert code == 143 and f"python -m sim.sweep {cut} --resume runs the rest" in stderr
    assert statuses(cut) == ["ok", "failed", "not started", "not started"]
    listed = subprocess.run([sys.executable, "-m", "sim.sweep", str(cut)], capture_output=True, text=True)
    assert listed.returncode == 1 and "job 3 not started: never started" in listed.stderr
    assert read_results(cut / "sweep.nc").attrs["not_started_jobs"] == 2

    # the resume killed (SIGINT) inside job 2, after it finished job 1 again
    second = resume(cut, start_new_session=True)
    wait_for(second, lambda: finished(cut / "1"), lambda: running(cut / "2"))
    code, stderr = kill_group(second, signal.SIGINT)
    assert code == 130, stderr
    assert statuses(cut) == ["ok", "ok", "failed", "not started"]

    third = resume(cut)
    stdout, stderr = third.communicate(timeout=300)
    assert third.returncode == 0, stderr
    assert "sweep: resuming 2 of 4 jobs (1 failed, 1 not started): 2, 3" in stderr + stdout
    assert "sweep: 4 of 4 jobs done (job 3 ok)" in stdout

    # the same numbers, table and pictures' data; nothing but the directory differs
    assert read_results(cut / "sweep.nc").identical(read_results(whole / "sweep.nc"))
    for name in ("sweep.csv", "sweep.md"):
        assert (cut / name).read_text() == (whole / name).read_text(), name
    # every point done exactly once: one finished run in each job's log; 1 and 2 were
    # started twice, the first time cut short
    for job, attempts in (("0", 1), ("1", 2), ("2", 2), ("3", 1)):
        log = (cut / job / "payback.log").read_text()
        assert log.count(f"wrote {cut / job}") == 1, job
        assert log.count("scenario-months; estimated peak memory") == attempts, job
    # the plan is Hydra's own expansion: each job ran with the overrides planned for it
    for planned in read_plan(cut)["jobs"]:
        assert yaml.safe_load((cut / str(planned["job"]) / ".hydra" / "overrides.yaml").read_text()) == \
            planned["overrides"]

    again = subprocess.run([sys.executable, "-m", "sim.sweep", str(cut), "--resume"], capture_output=True, text=True)
    assert again.returncode == 0 and "all 4 jobs are done; nothing to resume" in again.stderr


def refused(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    lines = capsys.readouterr().err.strip().splitlines()
    assert stop.value.code == 2 and len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


def write_plan(sweep_dir, **changes):
    plan = {"version": 1, "started": "2026-11-29T15:00:00+00:00", "subdir": "${hydra.job.num}",
            "config_name": "config", "config_dirs": [], "hydra_overrides": [],
            "jobs": [{"job": 0, "overrides": ["seed=1"]}, {"job": 1, "overrides": ["seed=2"]}],
            "sessions": [{"started": 0.0, "done_before": 0}]}
    (sweep_dir / PLAN_FILE).write_text(json.dumps({**plan, **changes}))


def test_a_sweep_that_cannot_be_resumed_is_one_line_and_exit_2(tmp_path, capsys):
    assert refused([str(tmp_path / "nowhere"), "--resume"], capsys) == (
        f"payback: error: sweep_dir: {tmp_path / 'nowhere'} is not a directory")
    line = refused([str(tmp_path), "--resume"], capsys)
    assert f"no {PLAN_FILE}: the sweep was started before payback recorded sweep plans" in line
    (tmp_path / PLAN_FILE).write_text('{"jobs": [')
    assert "not a readable sweep plan" in refused([str(tmp_path), "--resume"], capsys)
    write_plan(tmp_path, subdir="${hydra.job.override_dirname}")
    assert "its jobs are not named by number" in refused([str(tmp_path), "--resume"], capsys)
    assert "unrecognized arguments: --again" in refused([str(tmp_path), "--again"], capsys)


def test_a_running_sweep_is_not_resumed_under_it(tmp_path, capsys):
    write_plan(tmp_path)
    with holding_the_lock(tmp_path, pid=4242):
        line = refused([str(tmp_path), "--resume"], capsys)
    assert line == f"payback: error: sweep_dir: {tmp_path.resolve()} is in use by a running sweep (process 4242)"


def test_planned_jobs_without_a_directory_are_listed_as_not_started(tmp_path):
    write_plan(tmp_path)
    jobs = read_jobs(tmp_path, read_plan(tmp_path))
    assert [(j["job"], j["status"], j["overrides"]) for j in jobs] == [
        (0, "not started", {"seed": "1"}), (1, "not started", {"seed": "2"})]
    assert read_jobs(tmp_path) == []  # without the plan nothing is known


def test_missing_jobs_run_in_batches_of_consecutive_numbers():
    jobs = [{"job": n} for n in (1, 2, 3, 5, 7, 8)]
    assert [(first, [j["job"] for j in batch]) for first, batch in consecutive(jobs)] == [
        (1, [1, 2, 3]), (5, [5]), (7, [7, 8])]


def test_only_a_job_with_its_summary_is_done_and_a_retry_starts_from_its_log_only(tmp_path):
    write_plan(tmp_path, jobs=[{"job": n, "overrides": [f"seed={n}"]} for n in range(4)])

    def job(number, *files):
        directory = tmp_path / str(number)
        (directory / ".hydra").mkdir(parents=True)
        (directory / ".hydra" / "overrides.yaml").write_text(f"- seed={number}\n")
        (directory / "payback.log").write_text("the first attempt\n")
        for name in files:
            content = {"summary.json": fake_summary(0.5), "failure.json": {"error": "ValueError: no"}}.get(name)
            (directory / name).write_text(json.dumps(content) if content else "x")
        return directory

    job(0, "results.nc", "summary.json")  # finished: summary.json is written last
    killed = job(1, "results.nc", ".report.md.999999999.partial")  # killed -9 while writing its report
    job(2, "failure.json")
    todo = pending(tmp_path, read_plan(tmp_path))
    assert [(j["job"], j["status"]) for j in todo] == [(1, "failed"), (2, "failed"), (3, "not started")]
    assert todo[0]["overrides"] == ["seed=1"]
    clear(killed)
    assert sorted(p.name for p in killed.iterdir()) == ["payback.log"]
    assert (killed / "payback.log").read_text() == "the first attempt\n"
    clear(tmp_path / "3")  # never started: nothing to clear


@pytest.mark.slow
def test_a_sweep_interrupted_as_its_plan_is_written_keeps_the_plan_and_says_resume(tmp_path):
    # The plan was taken back with the first job's files: a signal between the plan and
    # the first job's end (or early in a resume) left a sweep that could not be resumed.
    process = sweep(tmp_path, start_new_session=True)
    wait_for(process, lambda: (tmp_path / PLAN_FILE).exists())
    code, stderr = kill_group(process, signal.SIGTERM)
    assert code == 128 + signal.SIGTERM
    assert len(read_plan(tmp_path)["jobs"]) == 4
    assert stderr.strip().splitlines()[-1] == (f"payback: interrupted; the sweep's finished jobs are kept in {tmp_path}"
                                               f" (python -m sim.sweep {tmp_path} --resume runs the rest)")


def test_a_file_where_a_job_directory_goes_is_refused_and_kept(tmp_path, capsys):
    # it ended in an internal error (NotADirectoryError) once the multirun had begun
    write_plan(tmp_path)
    (tmp_path / "1").write_text("my notes\n")
    assert refused([str(tmp_path), "--resume"], capsys) == (
        f"payback: error: {tmp_path.resolve() / '1'} is a file where job 1's directory goes; move it away to resume")
    assert (tmp_path / "1").read_text() == "my notes\n"


def test_a_sweep_stopped_before_its_plan_says_so(tmp_path, capsys):
    # it was told it had been "started before payback recorded sweep plans"
    (tmp_path / "multirun.yaml").write_text("hydra: {}\n")
    assert refused([str(tmp_path), "--resume"], capsys) == (
        f"payback: error: {tmp_path.resolve()}: no {PLAN_FILE}: the sweep was stopped before it planned its jobs,"
        " and none ran; start it again")


def test_a_config_dir_of_the_sweep_that_is_gone_is_named_with_the_plan(tmp_path, capsys):
    # Hydra's "Additional config directory '...' not found" did not say the plan asked for it
    write_plan(tmp_path, config_dirs=[str(tmp_path / "my conf")])
    assert refused([str(tmp_path), "--resume"], capsys) == (
        f"payback: error: {tmp_path.resolve() / PLAN_FILE}: the sweep's --config-dir {tmp_path / 'my conf'} is not a"
        " directory (moved?); put it back to resume")


def test_a_job_directory_replaced_by_a_link_is_refused_and_its_target_kept(tmp_path, finished_run):
    # the resume cleared the link's target (the user's report.md and plots/ were lost), exit 0
    sweep_dir, mine = tmp_path / "sweep", tmp_path / "mine"
    (mine / "plots").mkdir(parents=True)
    (mine / "report.md").write_text("my report\n")
    (mine / "plots" / "mine.png").write_bytes(b"my picture")
    common = ["scenarios=2000", "report=false", "start=2026-12"]
    write_plan(tmp_path, jobs=[{"job": n, "overrides": [*common, f"workload.calls_per_month={v}"]}
                               for n, v in enumerate(("1e6", "3e6"))])
    sweep_dir.mkdir()
    (tmp_path / PLAN_FILE).rename(sweep_dir / PLAN_FILE)
    (sweep_dir / "0" / ".hydra").mkdir(parents=True)
    (sweep_dir / "0" / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(read_plan(sweep_dir)["jobs"][0]["overrides"]))
    (sweep_dir / "0" / "summary.json").write_bytes((finished_run / "summary.json").read_bytes())
    (sweep_dir / "1").symlink_to(mine, target_is_directory=True)

    done = subprocess.run([sys.executable, "-m", "sim.sweep", str(sweep_dir), "--resume"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"payback: error: {sweep_dir / '1'} is a symbolic link where job 1's directory goes;"
                           " nothing is followed out of a sweep directory: remove the link (its target is not"
                           " touched) to resume\n")
    assert sorted(str(p.relative_to(mine)) for p in mine.rglob("*")) == ["plots", "plots/mine.png", "report.md"]
    assert (mine / "report.md").read_text() == "my report\n"
    assert [(job["job"], job["status"]) for job in read_jobs(sweep_dir, read_plan(sweep_dir))] == [
        (0, "ok"), (1, "damaged")]
