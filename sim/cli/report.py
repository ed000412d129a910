"""``python -m sim.report RUN_DIR``: redraw a run's pictures, report.md and report.html."""

import argparse
from pathlib import Path

from sim.cli.refusal import refuse
from sim.io.files import WriteError, remove_partials
from sim.io.signals import pause_point
from sim.report.document import PLOTS, write_report
from sim.results.runs import UnreadableRun, read_run


def main(argv=None):
    """``python -m sim.report RUN_DIR``: redraw the pictures, report.md and report.html
    (one self-contained page to forward or print) from ``results.nc``."""
    parser = argparse.ArgumentParser(prog="python -m sim.report", description=main.__doc__)
    parser.add_argument("run_dir", type=Path, help="a run directory holding results.nc")
    parser.error = refuse  # one line, as every refusal: not the usage
    args = parser.parse_args(argv)
    try:
        results, summary = read_run(args.run_dir)
    except UnreadableRun as error:
        refuse(error)
    pause_point("compute")
    remove_partials(args.run_dir)  # left by a run or redraw killed with kill -9
    try:
        write_report(results, summary, args.run_dir)
    except WriteError as error:
        refuse(error)
    print(f"wrote {args.run_dir / 'report.md'}, {args.run_dir / 'report.html'} and {args.run_dir / PLOTS}/")


__all__ = ["main"]
