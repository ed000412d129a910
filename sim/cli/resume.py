"""``python -m sim.sweep DIR --resume``: the resume's multirun, launched through ``payback``.

What to run comes from ``sim.sweep.resume``; here the multirun of those jobs is
started in this process, with the sweep's launcher and Hydra settings, the basic
sweeper's ``sweep`` replaced by ``sim.sweep.resume.launch_jobs`` (``sim.cli.hydra``).
"""

import logging
import sys
from pathlib import Path

from sim.cli import hydra, payback
from sim.sweep import plan as plans
from sim.sweep.aggregate import aggregate
from sim.sweep.resume import command_line, launch_jobs, prepare

log = logging.getLogger("payback")


def resume(sweep_dir):
    """Run the sweep's missing and failed points, then rebuild its aggregate.

    Returns
    -------
    int
        The exit code: 0 when every point is done, 1 when some failed again.

    Raises
    ------
    sim.sweep.plan.PlanError
        When the sweep cannot be resumed (see ``sim.sweep.resume.prepare``).
    """
    sweep_dir = Path(sweep_dir).resolve()
    plan, todo = prepare(sweep_dir)
    total = len(plan["jobs"])
    if not todo:
        log.info("sweep: all %d jobs are done; nothing to resume", total)
        if plan.get("portfolio"):  # stopped while adding up: the portfolio's files, not a sweep's aggregate
            from sim.sweep.portfolio import finish

            return 1 if finish(sweep_dir) else 0
        return 1 if aggregate(sweep_dir) else 0
    kinds = {}
    for job in todo:
        kinds[job["status"]] = kinds.get(job["status"], 0) + 1
    log.info("sweep: resuming %d of %d jobs (%s): %s", len(todo), total,
             ", ".join(f"{n} {kind}" for kind, n in kinds.items()), ", ".join(str(job["job"]) for job in todo))
    plans.start_resuming(sweep_dir)
    hydra.sweep_with(lambda sweeper, arguments: launch_jobs(sweeper, todo, sweep_dir, plan))
    sys.argv[1:] = command_line(sweep_dir, plan)
    sys.argv[0] = "payback"
    try:
        payback.main()  # the multirun, its callbacks and the aggregate; exits 1 if a job failed again
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    return 0


__all__ = ["log", "resume"]
