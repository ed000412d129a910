"""``python -m sim.compare RUN_A RUN_B`` (and ``payback-compare``): what changes from run A to run B."""

import argparse
from pathlib import Path

from sim.cli.refusal import refuse
from sim.compare.comparison import OUTPUTS, CompareError, run_comparison
from sim.compare.document import blocks, markdown, write
from sim.io.signals import pause_point


def main(argv=None):
    """``python -m sim.compare RUN_A RUN_B``: what changes from run A to run B."""
    parser = argparse.ArgumentParser(prog="payback-compare", description=main.__doc__)
    parser.add_argument("run_a", type=Path, help="the first run directory (A)")
    parser.add_argument("run_b", type=Path, help="the second run directory (B)")
    parser.add_argument("--out", type=Path, default=Path("."),
                        help="directory for compare.md, compare.html and compare.png (default: here)")
    parser.add_argument("--overwrite", action="store_true", help="replace those files if they exist")
    parser.error = refuse
    args = parser.parse_args(argv)
    try:
        comparison = run_comparison(args.run_a, args.run_b)
        pause_point("compute")
        replaced = write(comparison, args.out, overwrite=args.overwrite)
    except CompareError as error:
        refuse(error)
    items = blocks(comparison, {"name": "compare.png", "alt": ""})
    print(markdown([item for item in items if item[0] != "img"]).rstrip())
    print()
    if replaced:
        print(f"replaced {', '.join(str(p) for p in replaced)} (--overwrite)")
    print(f"wrote {', '.join(str(args.out / name) for name in OUTPUTS)}")


__all__ = ["main"]
