"""Hydra integration of sweeps, kept light: Hydra instantiates the callbacks in every
run, so this module imports nothing heavy until a multirun actually ends."""

from pathlib import Path

from hydra.experimental.callback import Callback
from hydra.types import RunMode

from sim.sweep import plan
from sim.sweep.plan import FAILURE_FILE
from sim.io.files import write_json

last_failed_jobs = []  # failed jobs of the latest aggregate in this process, for the exit code


def record_failure(output_dir, error):
    """Leave ``failure.json`` in a job's directory so the aggregate can list it."""
    write_json({"error": f"{type(error).__name__}: {error}"}, Path(output_dir) / FAILURE_FILE)


class SweepProgress(Callback):
    """Record the sweep's plan as it starts; after each job, log how far it is.

    ``on_multirun_start`` runs in the launching process (``sim.sweep.plan.record``; a
    resume keeps the plan it finishes); ``on_job_end`` runs where the job ran, the
    worker under joblib and submitit, and counts the jobs done from the sweep
    directory (``sim.sweep.plan.job_done``).
    """

    def on_multirun_start(self, config, **kwargs):
        if not plan.resuming():
            from sim.sweep.portfolio import plan_jobs  # None unless the multirun is a portfolio's

            plan.record(config, config_name=kwargs.get("config_name"), portfolio=plan_jobs(config))

    def on_job_end(self, config, **kwargs):
        if config.hydra.mode == RunMode.MULTIRUN:
            plan.job_done(config)


class AggregateSweep(Callback):
    """Aggregate the sweep directory when a multirun ends.

    ``on_multirun_end`` runs once in the launching process with the basic, joblib and
    submitit launchers alike, and receives no job results: the aggregate reads each
    job's files.
    """

    def on_multirun_end(self, config, **kwargs):
        from sim.sweep.aggregate import aggregate

        portfolio = plan.read_plan(config.hydra.sweep.dir) or {}
        if portfolio.get("portfolio"):  # the workloads of a portfolio, added up
            from sim.sweep.portfolio import finish

            last_failed_jobs[:] = finish(config.hydra.sweep.dir)
            return
        last_failed_jobs[:] = aggregate(config.hydra.sweep.dir)


__all__ = ["AggregateSweep", "SweepProgress", "last_failed_jobs", "record_failure"]
