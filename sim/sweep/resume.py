"""Finish a sweep: run again only its points that never started, failed or did not finish.

``python -m sim.sweep DIR --resume`` reads ``DIR/sweep_plan.json`` (``sim.sweep.plan``),
finds the planned jobs whose directory holds no readable ``summary.json`` (a run
writes it last, so its presence means the run finished: ``sim.pipeline``), and launches
them as a Hydra multirun of this process, with the launcher and Hydra settings the
sweep was started with, under their own job numbers: each lands in ``DIR/<number>``
with the same ``.hydra/overrides.yaml`` as in a sweep that was never interrupted, so
the aggregate rebuilt at the end is the same.

Why a multirun and not one ``python -m sim hydra.run.dir=DIR/<number>`` per point: a
single run is not a sweep job (it saves 32,768 rows and refuses instead of leaving
``failure.json``); a multirun pays the imports once and keeps the sweep's launcher
(joblib's workers, submitit's cluster). Hydra's basic sweeper expands a command line
into a product; a resume runs a list, so in this process only the sweeper's
``sweep`` is replaced by ``launch_jobs`` (``sim.cli.resume``), which launches the
listed jobs.

A resume holds the sweep directory's lock while it runs (as the sweep did): a resume
of a sweep still running, or a second resume, is refused.
"""

import logging
import shutil
from pathlib import Path

from sim.sweep import plan as plans
from sim.sweep.plan import NUMBERED, PLAN_FILE, PlanError
from sim.io.directories import RUN_SET, LockRefused, lock_directory
from sim.io.files import remove_partials

log = logging.getLogger("payback")

KEPT_ON_RETRY = ("payback.log",)  # Hydra appends: the failed attempt's story stays above the new one


def pending(sweep_dir, plan):
    """The planned jobs to run again, in job order, each with its ``status`` now.

    Every job whose status (``sim.sweep.aggregate.read_jobs``) is not ``ok``: not started,
    failed, unfinished (interrupted or killed: no ``summary.json``) or damaged.
    """
    from sim.sweep.aggregate import read_jobs

    status = {job["job"]: job["status"] for job in read_jobs(sweep_dir, plan)}
    if plan.get("portfolio"):  # a workload's job is done only with its part of the portfolio
        from sim.results.member import member_readable

        status.update({number: "damaged" for number, value in status.items()
                       if value == "ok" and not member_readable(Path(sweep_dir) / str(number))})
    return [{**job, "status": status.get(job["job"], "not started")} for job in plan["jobs"]
            if status.get(job["job"]) != "ok"]


def load(sweep_dir):
    """The plan of the sweep in ``sweep_dir``; PlanError (one line) if it cannot be resumed."""
    plan = plans.read_plan(sweep_dir)
    if plan is None and (Path(sweep_dir) / "multirun.yaml").is_file() and not any(
            path.is_dir() for path in Path(sweep_dir).iterdir()):  # stopped in Hydra's start-up
        raise PlanError(f"{sweep_dir}: no {PLAN_FILE}: the sweep was stopped before it planned its jobs, and"
                        " none ran; start it again")
    if plan is None:
        raise PlanError(f"{sweep_dir}: no {PLAN_FILE}: the sweep was started before payback recorded sweep"
                        " plans (or this is not a sweep directory), so the points that never started are not"
                        " known; run them as a new sweep")
    for directory in plan.get("config_dirs", []):  # Hydra's own refusal did not say where the directory came from
        if "://" not in directory and not Path(directory).is_dir():
            raise PlanError(f"{sweep_dir / PLAN_FILE}: the sweep's --config-dir {directory} is not a directory"
                            " (moved?); put it back to resume")
    if plan.get("subdir") != NUMBERED:
        raise PlanError(f"{sweep_dir}: its jobs are not named by number (hydra.sweep.subdir={plan.get('subdir')});"
                        f" a resume finds them by number ({NUMBERED})")
    return plan


def consecutive(jobs):
    """``jobs`` (sorted by number) in runs of consecutive job numbers: [(first, [job, ...]), ...]."""
    runs = []
    for job in jobs:
        if runs and job["job"] == runs[-1][0] + len(runs[-1][1]):
            runs[-1][1].append(job)
        else:
            runs.append((job["job"], [job]))
    return runs


def clear(job_dir):
    """Remove what an earlier attempt left in ``job_dir`` (``failure.json``, partial files,
    pictures), except its log: the new attempt starts from nothing of the old."""
    if Path(job_dir).is_symlink():  # resume refuses it first; never clear a link's target
        raise PlanError(f"{job_dir} is a symbolic link, not a job directory")
    remove_partials(job_dir)
    for name in RUN_SET:
        if name in KEPT_ON_RETRY:
            continue
        path = Path(job_dir) / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def command_line(sweep_dir, plan):
    """The ``payback`` arguments that start the resume's multirun: the sweep's own Hydra
    settings (launcher and its options, config name and directories) into ``sweep_dir``."""
    argv = ["--multirun"]
    for directory in plan.get("config_dirs", []):
        argv += ["--config-dir", directory]
    if plan.get("config_name"):
        argv += ["--config-name", plan["config_name"]]
    # where the sweep is now (it may have moved), not where it was started
    argv += [o for o in plan["hydra_overrides"] if not o.startswith(("hydra.sweep.dir=", "hydra.mode="))]
    return [*argv, f"hydra.sweep.dir={sweep_dir}"]


def launch_jobs(sweeper, todo, sweep_dir, plan, *, check=True):
    """Launch the jobs ``todo`` only, with ``sweeper``'s launcher (in place of ``BasicSweeper.sweep``).

    Each consecutive run of job numbers is one batch numbered from its first, as Hydra
    numbers a batch's jobs consecutively; each job's directory is cleared of the earlier
    attempt first. ``check=False`` skips the sweeper's check of each batch, which composes every
    job once more, for jobs checked already (a portfolio's: ``sim.cli.portfolio``).
    """
    plans.start_session(sweep_dir, plan)
    returns = []
    for first, batch in consecutive(todo):
        for job in batch:
            clear(plans.job_dir(sweep_dir, plan, job["job"]))
        overrides = [job["overrides"] for job in batch]
        if check:
            sweeper.validate_batch_is_legal(overrides)
        results = sweeper.launcher.launch(overrides, initial_job_idx=first)
        for result in results:
            _ = result.return_value  # as BasicSweeper.sweep: raises if a job raised
        returns.append(results)
    return returns


def prepare(sweep_dir):
    """The sweep's plan and the jobs a resume runs, the sweep directory held by this process.

    Raises
    ------
    sim.sweep.plan.PlanError
        When the sweep has no readable plan, its jobs are not named by number, another
        process holds the sweep directory, or a file or a link is where a job's
        directory goes.
    """
    plan = load(sweep_dir)
    try:
        lock_directory(sweep_dir, "sweep_dir", "a running sweep")  # held until this process ends
    except LockRefused as error:
        raise PlanError(str(error)) from None
    todo = pending(sweep_dir, plan)
    for job in todo:  # a file or a link where a job's directory goes: the user's, not ours to clear
        directory = plans.job_dir(sweep_dir, plan, job["job"])
        if directory.is_symlink():  # clearing it cleared its target: the user's files were lost
            raise PlanError(f"{directory} is a symbolic link where job {job['job']}'s directory goes; nothing is"
                            " followed out of a sweep directory: remove the link (its target is not touched)"
                            " to resume")
        if directory.exists() and not directory.is_dir():
            raise PlanError(f"{directory} is a file where job {job['job']}'s directory goes; move it away to resume")
    return plan, todo


__all__ = ["KEPT_ON_RETRY", "clear", "command_line", "consecutive", "launch_jobs", "load", "log", "pending",
           "prepare"]
