"""Hydra integration of sweeps, kept light: Hydra instantiates the callback in every
run, so this module imports nothing heavy until a multirun actually ends."""

from pathlib import Path

from hydra.experimental.callback import Callback

from sim.storage import write_json

FAILURE_FILE = "failure.json"

last_failed_jobs = []  # failed jobs of the latest aggregate in this process, for the exit code


def record_failure(output_dir, error):
    """Leave ``failure.json`` in a job's directory so the aggregate can list it."""
    write_json({"error": f"{type(error).__name__}: {error}"}, Path(output_dir) / FAILURE_FILE)


class AggregateSweep(Callback):
    """Aggregate the sweep directory when a multirun ends.

    ``on_multirun_end`` runs once in the launching process with the basic, joblib and
    submitit launchers alike, and receives no job results: the aggregate reads each
    job's files.
    """

    def on_multirun_end(self, config, **kwargs):
        from sim.sweep import aggregate

        last_failed_jobs[:] = aggregate(config.hydra.sweep.dir)
