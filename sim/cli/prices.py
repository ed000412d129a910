"""``python -m sim.prices MODEL``: write a price sheet ``conf/pricing/SHEET.yaml``."""

import argparse
import re
import sys
from datetime import date
from pathlib import Path

from sim.cli.refusal import EXIT_BAD_INPUT
from sim.io.files import WriteError
from sim.io.text import shown
from sim.prices.sheet import PRICING_DIR, Refusal, build_sheet, model_ids, write_sheet


def _iso_date(text):
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD")


def _name(text):
    name = text.removesuffix(".yaml")
    if not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", name):
        raise argparse.ArgumentTypeError(f"{text!r}: use letters, digits, '.', '_' and '-' only")
    return name


def _usd(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number >= 0")
    return value


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        # one line, as every refusal of payback's; --help still shows the usage
        print(f"payback: error: {shown(message)} (see python -m sim.prices --help)", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def _parser():
    parser = _OneLineParser(
        prog="python -m sim.prices",
        description="Write a price sheet conf/pricing/SHEET.yaml from genai-prices' data and "
        "payback's provider table (training, hosting, embedding, fine-tune dates).",
    )
    parser.add_argument("model", metavar="MODEL", nargs="?", help="base model id, e.g. gpt-4.1-mini")
    parser.add_argument("--list", metavar="PROVIDER",
                        help="print the model ids genai-prices knows at PROVIDER, one a line, and write nothing")
    parser.add_argument("--provider", metavar="P", help="genai-prices provider id, e.g. openai, azure")
    parser.add_argument("--name", metavar="SHEET", type=_name,
                        help="sheet name, without .yaml (default: PROVIDER-MODEL)")
    parser.add_argument("--out-dir", metavar="DIR", type=Path, default=PRICING_DIR,
                        help="where to write the sheet (default: the project's conf/pricing)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing sheet, or name one elsewhere as a shipped preset")
    parser.add_argument("--training", metavar="USD", type=_usd, help="USD per 1M training tokens")
    parser.add_argument("--hosting", metavar="USD", type=_usd,
                        help="fine-tuned deployment fee, USD per month (an hourly fee x 730)")
    parser.add_argument("--embedding", metavar="USD", type=_usd, help="embedding, USD per 1M tokens")
    parser.add_argument("--training-until", metavar="YYYY-MM-DD", type=_iso_date,
                        help="last day new fine-tunes can be trained")
    parser.add_argument("--serving-until", metavar="YYYY-MM-DD", type=_iso_date,
                        help="last day fine-tunes are served")
    return parser


def main(argv=None):
    """Run the command; return the exit code (0, or 2 after a one-line refusal)."""
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list is not None:
        return _list(args.list)
    if args.model is None:
        parser.error("the following arguments are required: MODEL (or --list PROVIDER)")
    try:
        name, text, warnings = build_sheet(
            args.model,
            args.provider,
            training=args.training,
            hosting=args.hosting,
            embedding=args.embedding,
            training_until=args.training_until,
            serving_until=args.serving_until,
            command=" ".join(["python -m sim.prices", *argv]),
        )
        path = args.out_dir / f"{args.name or name}.yaml"
        write_sheet(text, path, force=args.force)
    except (Refusal, OSError, WriteError) as error:  # WriteError: a read-only or full --out-dir
        print(f"payback: error: {shown(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for warning in warnings:
        print(f"payback: warning: {warning}; check it", file=sys.stderr)
    usage = f"; use it with `payback pricing={path.stem}`" if args.out_dir == PRICING_DIR else ""
    print(f"wrote {path}{usage}")
    return 0


def _list(provider_id):
    try:
        ids, data = model_ids(provider_id)
    except Refusal as error:
        print(f"payback: error: {shown(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{len(ids)} model ids at {provider_id} ({data})", file=sys.stderr)  # stdout: the ids alone
    for model_id in ids:
        print(model_id)
    return 0


__all__ = ["main"]
