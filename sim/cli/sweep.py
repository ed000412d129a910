"""``python -m sim.sweep SWEEP_DIR [--resume]``: a sweep's aggregate, after running what it misses."""

import argparse
import logging
import sys
from pathlib import Path

from sim.cli.refusal import refuse
from sim.cli.resume import resume
from sim.io.directories import lock_holder
from sim.io.files import WriteError, remove_partials
from sim.io.text import shown
from sim.sweep.aggregate import aggregate
from sim.sweep.plan import PlanError


def main(argv=None):
    """``python -m sim.sweep SWEEP_DIR [--resume]``: rebuild a sweep's aggregate from its job
    directories; with ``--resume``, first run the points that never started or failed."""
    parser = argparse.ArgumentParser(prog="python -m sim.sweep", description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path, help="a multirun directory (outputs/multirun/...)")
    parser.add_argument("--resume", action="store_true",
                        help="run the planned points that never started, failed or did not finish, with their"
                             " recorded overrides and the sweep's launcher, then aggregate")
    parser.error = refuse
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if not args.sweep_dir.is_dir():
            refuse(f"sweep_dir: {args.sweep_dir} is not a directory")
    except OSError as error:  # a name too long
        refuse(f"sweep_dir: cannot use {args.sweep_dir} ({error.strerror or error})")
    remove_partials(args.sweep_dir)  # left by an aggregate killed with kill -9
    if args.resume:
        try:
            sys.exit(resume(args.sweep_dir))
        except (PlanError, WriteError) as error:
            refuse(error)
    holder = lock_holder(args.sweep_dir)
    if holder is not None:  # its running job is not failed, and it aggregates when it ends
        refuse(f"sweep_dir: {args.sweep_dir} is in use by a running sweep (process {holder}); it aggregates when"
                " it ends, and sweep.log says how far it is")
    try:
        failed = aggregate(args.sweep_dir)
    except FileNotFoundError as error:
        refuse(f"sweep_dir: {error}")
    except (WriteError, PlanError) as error:
        refuse(error)
    for job in failed:
        print(f"job {job['job']} {job.get('status', 'failed')}: {shown(str(job['error']))}", file=sys.stderr)
    sys.exit(1 if failed else 0)


__all__ = ["main"]
