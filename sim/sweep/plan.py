"""A sweep's plan: every point it will run, recorded when it starts, and its progress.

``sweep_plan.json`` in the sweep directory lists every job (its number and its
overrides, as Hydra's basic sweeper expands the command line) before the first job
runs, so that what never started is known: the aggregate lists it
(``sim.sweep.aggregate.read_jobs``) and ``python -m sim.sweep DIR --resume`` runs it
(``sim.sweep.resume``). Each session (the sweep, then every resume) records when it began
and how many jobs were done by then, for the pace behind the ETA.

After each job ``job_done`` logs ``sweep: 3 of 4 jobs done (job 2 ok), 12 s elapsed,
ETA 4 s``. Under joblib and submitit it runs in the worker, so it counts the jobs done
from the sweep directory (a job is done once it holds ``summary.json``, written last,
or ``failure.json``), not from any process's memory; the line also goes to
``sweep.log`` in the sweep directory, the one place every launcher's lines meet.

Light: Hydra instantiates the callbacks in every run; nothing heavy is imported here.
"""

import json
import logging
import os
import time
from datetime import datetime, timezone
from pathlib import Path

from omegaconf import OmegaConf

from sim.io.progress import duration, eta
from sim.io.files import atomic_path, error_reason

PLAN_FILE = "sweep_plan.json"
SWEEP_LOG = "sweep.log"
FAILURE_FILE = "failure.json"
SUMMARY_FILE = "summary.json"
NUMBERED = "${hydra.job.num}"  # the job subdirectory resume needs: named by job number
PLAN_VERSION = 1

log = logging.getLogger("payback")
_resuming = []  # the sweep directory this process resumes, if it does


def start_resuming(sweep_dir):
    """Say that this process launches a resume of the sweep in ``sweep_dir``."""
    _resuming.append(Path(sweep_dir))


def resuming():
    """Whether this process launches a resume (its plan exists and is kept)."""
    return bool(_resuming)


class PlanError(Exception):
    """A sweep's plan is missing or unreadable; the message is one line."""


def expand(config):
    """The jobs a multirun of ``config`` runs: a list of override lists, in job order.

    The basic sweeper's own expansion (``BasicSweeper.split_arguments``) of its
    ``params`` and the command line's task overrides, with the running Hydra's config
    loader (``glob(*)`` lists a group's options through it). None under another
    sweeper, whose jobs are not known in advance.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper  # private; hydra-core pinned <1.4
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser

    sweeper = config.hydra.sweeper
    if sweeper.get("_target_") != f"{BasicSweeper.__module__}.{BasicSweeper.__name__}":
        return None
    # as BasicSweeper.sweep does: its params first, then the command line's
    arguments = [f"{k}={v}" for k, v in (sweeper.get("params") or {}).items()]
    arguments += list(config.hydra.overrides.task)
    parser = OverridesParser.create(config_loader=GlobalHydra.instance().config_loader())
    (jobs,) = BasicSweeper.split_arguments(parser.parse_overrides(arguments), None)
    return jobs


def record(config, *, config_name=None, portfolio=None):
    """Write ``sweep_plan.json`` for a multirun that starts now (the launching process).

    Besides the jobs: the Hydra overrides (launcher, its settings) and the config
    name and directories, with which a resume launches the missing jobs the same way.
    Nothing is written under a sweeper other than the basic one. A portfolio's multirun
    gives its own jobs and record (``portfolio``: ``sim.sweep.portfolio.plan_jobs``): one
    job per workload, and which workload each is, under the plan's ``portfolio`` key.
    """
    jobs = expand(config) if portfolio is None else portfolio[0]
    if jobs is None:
        return None
    sweep_dir = Path(str(config.hydra.sweep.dir))
    sources = OmegaConf.to_container(config.hydra.runtime.config_sources, resolve=True)
    plan = {
        "version": PLAN_VERSION,
        "started": _now_text(),
        "subdir": OmegaConf.to_container(config.hydra.sweep, resolve=False).get("subdir"),
        "config_name": config_name or config.hydra.job.config_name,
        "config_dirs": [s["path"] for s in sources if s.get("provider") == "command-line"],
        "hydra_overrides": list(config.hydra.overrides.hydra),
        "jobs": [{"job": number, "overrides": list(overrides)} for number, overrides in enumerate(jobs)],
        "sessions": [{"started": time.time(), "done_before": 0}],
    }
    if portfolio is not None:
        plan["portfolio"] = portfolio[1]
    sweep_dir.mkdir(parents=True, exist_ok=True)
    _write(plan, sweep_dir)
    log.info("sweep: %d jobs planned in %s", len(jobs), sweep_dir / PLAN_FILE)
    return plan


def start_session(sweep_dir, plan):
    """Record that a resume begins now, with the jobs done so far, for its ETA."""
    counts = done_counts(sweep_dir, plan)
    plan = {**plan, "sessions": [*plan["sessions"], {"started": time.time(), "done_before": counts[0]}]}
    _write(plan, Path(sweep_dir))
    return plan


def read_plan(sweep_dir):
    """The plan of the sweep in ``sweep_dir``, or None if it has none.

    Raises
    ------
    PlanError
        If ``sweep_plan.json`` is there but cannot be read as a plan.
    """
    path = Path(sweep_dir) / PLAN_FILE
    if not path.is_file():
        return None
    try:
        plan = json.loads(path.read_text())
        jobs = [(int(job["job"]), [str(o) for o in job["overrides"]]) for job in plan["jobs"]]
        if plan["version"] != PLAN_VERSION or not plan["sessions"]:
            raise ValueError("not a plan of this version")
        # a plan edited by hand: a resume would run jobs elsewhere, or twice, or none
        if [number for number, _ in jobs] != list(range(len(jobs))) or not jobs:
            raise ValueError(f"its jobs are not numbered 0 to {len(jobs) - 1} in order" if jobs else "no job")
        for number, overrides in jobs:
            for override in overrides:
                if override.lstrip("+~").startswith("hydra."):
                    raise ValueError(f"job {number}'s override {override} is a Hydra setting, not the job's")
        _check_fields(plan)
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise PlanError(f"{path}: not a readable sweep plan ({error_reason(error)})") from None
    plan["jobs"] = [{"job": number, "overrides": overrides} for number, overrides in jobs]
    return plan


def _check_fields(plan):
    # what a resume and the progress lines read besides the jobs, each of its kind
    # (hydra_overrides always; the others where present)
    def texts(value):
        return isinstance(value, list) and all(isinstance(item, str) for item in value)

    def text_or_null(value):
        return value is None or isinstance(value, str)

    plan["hydra_overrides"]  # noqa: B018 (a KeyError names what is missing)
    for key, kind, fits in (("hydra_overrides", "a list of text", texts), ("config_dirs", "a list of text", texts),
                            ("config_name", "text or null", text_or_null), ("subdir", "text or null", text_or_null)):
        if key in plan and not fits(plan[key]):
            raise ValueError(f"{key} is not {kind}")
    for session in plan["sessions"]:
        if not (isinstance(session, dict) and isinstance(session.get("started"), (int, float))
                and isinstance(session.get("done_before"), int)):
            raise ValueError("a session without its start time and count of jobs done (sessions)")


def job_dir(sweep_dir, plan, number):
    """The directory of planned job ``number``, or None when jobs are not named by number."""
    return Path(sweep_dir) / str(number) if plan.get("subdir") == NUMBERED else None


def finished(directory):
    """``ok`` (``summary.json``, written last), ``failed`` (``failure.json``) or None."""
    if (directory / FAILURE_FILE).is_file():
        return "failed"
    if (directory / SUMMARY_FILE).is_file():
        return "ok"
    return None


def done_counts(sweep_dir, plan):
    """(jobs done, of which failed): from the job directories on disk."""
    if plan.get("subdir") == NUMBERED:
        directories = [job_dir(sweep_dir, plan, job["job"]) for job in plan["jobs"]]
    else:
        directories = [p for p in Path(sweep_dir).iterdir() if p.is_dir()]
    states = [finished(d) for d in directories]
    return sum(s is not None for s in states), sum(s == "failed" for s in states)


def job_done(config):
    """Log ``sweep: k of N jobs done (job j ok), T elapsed, ETA t`` after a job (any process)."""
    sweep_dir = Path(str(config.hydra.sweep.dir))
    try:
        plan = read_plan(sweep_dir)
    except PlanError:
        plan = None
    if plan is None:  # another sweeper, or a plan gone: nothing to count against
        return
    this = Path(str(config.hydra.runtime.output_dir))
    done, failed = done_counts(sweep_dir, plan)
    total = len(plan["jobs"])
    session = plan["sessions"][-1]
    elapsed = max(time.time() - session["started"], 0.0)
    text = f"sweep: {done} of {total} jobs done (job {this.name} {finished(this) or 'unfinished'}"
    text += f"; {failed} failed in all)" if failed else ")"
    text += f", {duration(elapsed)} elapsed"
    left = eta(elapsed, done - session["done_before"], total - session["done_before"])
    if done < total:
        text += f", ETA {duration(left)}" if left is not None else ""
    log.info("%s", text)
    _append(sweep_dir / SWEEP_LOG, f"[{_now_text()}] {text}\n")


def _append(path, line):
    # one write of one short line in append mode: whole, even from concurrent workers
    try:
        # never through a link, to a file out of the sweep directory
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError:  # progress is a courtesy: never fail a job over it (a link in its place included)
        return
    try:
        os.write(descriptor, line.encode())
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _write(plan, sweep_dir):
    # never taken back: an interrupted sweep or resume keeps its plan, which is what
    # a resume needs (taken back with the running job, it left the sweep unresumable)
    with atomic_path(sweep_dir / PLAN_FILE, take_back=False) as temporary:
        temporary.write_text(json.dumps(plan, indent=1) + "\n")


def _now_text():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


__all__ = ["FAILURE_FILE", "NUMBERED", "PLAN_FILE", "PLAN_VERSION", "PlanError", "SUMMARY_FILE", "SWEEP_LOG",
           "done_counts", "expand", "finished", "job_dir", "job_done", "log", "read_plan", "record",
           "resuming", "start_resuming", "start_session"]
