"""``python -m sim.calibrate FILE`` (``payback-calibrate``): a workload preset from a usage history.

Reads the history (a plain monthly CSV, an OpenAI usage export or a FOCUS export),
fits the volume model, writes ``conf/workload/NAME.yaml`` and its pictures under
``outputs/calibrate/NAME/``, and prints what it found. Bad input ends with one line on
stderr, exit code 2 and nothing written: a file that is not the format named, fewer
than 4 months, unreadable or negative numbers, a model not in the file, a name that
would leave ``conf/workload/``, an existing preset (or a shipped one) without ``--force``.
"""

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

import yaml

from sim.calibrate.errors import CalibrationError
from sim.calibrate.fit import growth_interval, next_month, volatility_interval
from sim.calibrate.history import FORMATS, read_history
from sim.calibrate.preset import (
    BACKTEST_LEVELS,
    DEFAULT_BASE,
    WORKLOAD_DIR,
    calibrate,
    check_name,
    default_name,
    load_base,
    preset_text,
    target,
)
from sim.io.files import WriteError, atomic_path, discard_published, published

EXIT_BAD_INPUT = 2
PICTURES_DIR = Path("outputs") / "calibrate"  # under the working directory, as a run's outputs/
CONFIG = WORKLOAD_DIR.parent / "config.yaml"
PROG = "python -m sim.calibrate"


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        # one line, as every refusal of payback's; --help still shows the usage
        print(f"payback: error: {message} (see {PROG} --help)", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole ' if kind is int else ''}number > 0")
        return value

    return parse


def _name(text):
    try:
        return check_name(text)
    except CalibrationError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parser():
    parser = _OneLineParser(
        prog=PROG,
        description="Fit the workload (volume, growth, volatility, tokens a call) to a team's usage history and "
        "write it as a preset conf/workload/NAME.yaml for `payback workload=NAME`.",
    )
    parser.add_argument("file", metavar="FILE", type=Path,
                        help="a plain CSV (month,calls,input_tokens,output_tokens[,cached_input_tokens]), "
                        "an OpenAI usage export (JSON pages of /v1/organization/usage/completions) or a FOCUS export")
    parser.add_argument("--format", choices=FORMATS, help="the file's format (default: guessed from it)")
    parser.add_argument("--model", metavar="ID", help="the model whose usage to fit, when the file holds several")
    parser.add_argument("--prompt-tokens", metavar="N", type=_positive(float),
                        help="FOCUS only: input tokens a call (cached included), to turn tokens into calls")
    parser.add_argument("--name", metavar="NAME", type=_name, help="the preset's name (default: the file's stem)")
    parser.add_argument("--base", metavar="NAME", default=DEFAULT_BASE, type=_name,
                        help=f"the preset to take what a history cannot tell from (default: {DEFAULT_BASE})")
    parser.add_argument("--force", action="store_true", help="replace an existing (or a shipped) preset")
    parser.add_argument("--holdout", metavar="K", type=_positive(int),
                        help="backtest: fit on all but the last K months and count those inside the forecast bands")
    parser.add_argument("--horizon", metavar="MONTHS", type=_positive(int),
                        help="months of forecast in the picture (default: horizon_months of conf/config.yaml)")
    parser.add_argument("--out-dir", metavar="DIR", type=Path, default=WORKLOAD_DIR,
                        help="where to write the preset (default: the project's conf/workload)")
    parser.add_argument("--pictures-dir", metavar="DIR", type=Path,
                        help="where to draw the pictures (default: outputs/calibrate/NAME)")
    return parser


def main(argv=None):
    """Run the command; return the exit code (0, or 2 after a one-line refusal)."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    already = len(published())
    try:
        name = args.name or default_name(args.file)
        path = target(name, args.out_dir, force=args.force)
        history = read_history(args.file, args.format, model=args.model, prompt_tokens=args.prompt_tokens)
        calibration = calibrate(history, holdout=args.holdout)
        base = load_base(args.base, dict.fromkeys([args.out_dir, WORKLOAD_DIR]))
        today = datetime.now(timezone.utc).date().isoformat()
        text = preset_text(calibration, base_name=args.base, base=base, today=today,
                           command=" ".join([PROG, *argv]))
        # drawn only once everything is known to be good: a refusal writes nothing
        from sim.calibrate.picture import pictures

        drawn = pictures(calibration, args.horizon or _default_horizon())
        pictures_dir = args.pictures_dir or PICTURES_DIR / name
        pictures_dir.mkdir(parents=True, exist_ok=True)
        for file_name, png in drawn.items():
            with atomic_path(pictures_dir / file_name) as temporary:
                temporary.write_bytes(png)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as temporary:
            temporary.write_text(text)
    except (CalibrationError, WriteError, OSError) as error:
        discard_published(already)  # a picture written before the preset failed goes too
        print(f"payback: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        discard_published(already)
        print("payback: interrupted; no preset written", file=sys.stderr)
        return 130
    for line in summary_lines(calibration):
        print(line)
    for file_name in drawn:
        print(f"wrote {_shown(pictures_dir / file_name)}")
    usage = ""
    if args.out_dir == WORKLOAD_DIR:
        usage = f"; use it with `payback workload={name} start={history.next_month}`"
    elif Path(args.out_dir).name == "workload":  # a config directory of the user's own
        usage = (f"; use it with `payback --config-dir={_shown(Path(args.out_dir).parent)} workload={name}"
                 f" start={history.next_month}`")
    print(f"wrote {_shown(path)}{usage}")
    return 0


def _shown(path):
    # relative to the working directory where it lies below it, as the user would type it
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def summary_lines(calibration):
    """What the command prints: the history read, the fit, the first month's calls, tokens a call."""
    history, fit = calibration.history, calibration.fit
    model = f" of {history.model}" if history.model else ""
    partial = "".join(f"; {what}: {', '.join(months)}" for what, months in
                      (("scaled", history.scaled), ("dropped", history.dropped)) if months)
    period = "" if history.format == "csv" else f" (days {history.period[0]} to {history.period[1]})"
    lines = [f"read {history.source}: {len(history.months)} months{model}, {history.months[0]} to"
             f" {history.months[-1]}{period}{partial}"]
    lines += [f"  {note}" for note in history.notes]
    median, low, high = next_month(fit)
    if fit.exact:
        lines.append(f"fit: growth {fit.growth:.4g}/month, volatility 0 (no noise); calls in {history.next_month}:"
                     f" {median:,.0f}")
    else:
        g_low, g_high = growth_interval(fit)
        v_low, v_high = volatility_interval(fit)
        lines.append(f"fit: growth {fit.growth:.4f}/month, 90% [{g_low:.4f}, {g_high:.4f}]; volatility"
                     f" {fit.volatility:.3f}, 90% [{v_low:.3f}, {v_high:.3f}]")
        lines.append(f"calls in {history.next_month}: {median:,.0f}, 90% [{low:,.0f}, {high:,.0f}]")
    lines.append(f"tokens a call: {calibration.prompt_tokens:,.6g} input ({calibration.prompt_prefix_tokens:,.6g}"
                 f" cached), {calibration.output_tokens:,.6g} output")
    result = calibration.backtest
    if result is not None:
        inside = ", ".join(f"{result.inside[level]} inside the {level:.0%} band" for level in BACKTEST_LEVELS)
        lines.append(f"backtest: of the {result.holdout} months after {history.months[-result.holdout - 1]},"
                     f" {inside}")
    return lines


def _default_horizon():
    # the run's default horizon, so that the fan covers the months a default run simulates
    return int(yaml.safe_load(CONFIG.read_text())["horizon_months"])


if __name__ == "__main__":
    sys.exit(main())
