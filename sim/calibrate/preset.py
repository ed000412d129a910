"""A workload preset ``conf/workload/NAME.yaml`` from a fitted usage history.

Every key of ``workload`` is written, each with a comment saying where its figure came
from. From the history: ``calls_per_month`` (the forecast of the month after it),
``growth_per_month``, ``volatility``, ``prompt_tokens``, ``prompt_prefix_tokens`` with
``cache_hit_rate: 1``, ``output_tokens``. What a history cannot tell (the fine-tune's
and RAG's prompts, the embedding of a query, the chance the use case ends) is copied
from a base preset. The comment block at the top keeps the source (file, period,
format, day of the fit) and the fit's statistics.
"""

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import yaml

from sim.calibrate.errors import CalibrationError
from sim.calibrate.fit import LEVEL, Backtest, GbmFit, backtest, fit_gbm, growth_interval, next_month, \
    t_quantile, volatility_interval
from sim.calibrate.months import AVERAGE_MONTH_DAYS, MonthlyHistory
from sim.inputs.schema import input_metadata
from sim.inputs.distributions import InputError, parse

WORKLOAD_DIR = Path(__file__).resolve().parents[2] / "conf" / "workload"
# The presets the project ships: a calibration does not take their names without
# --force (tests/sim/calibrate/test_preset.py checks this against git).
SHIPPED = ("doc-extraction", "internal-search", "startup-launch", "support-assistant", "support-bot")
DEFAULT_BASE = "support-bot"
# Keys a usage history cannot tell, copied from the base preset when it sets them.
FROM_BASE = ("finetuned_prompt_tokens", "rag_prompt_tokens", "query_embedding_tokens", "shutdown_per_year",
             "finetuned_prefix_tokens", "rag_prefix_tokens")
FORMAT_NAMES = {"csv": "plain monthly CSV", "openai": "OpenAI usage export", "focus": "FOCUS export"}
BACKTEST_LEVELS = (0.5, LEVEL)
_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Calibration:
    """A history, its fit and what the preset takes from them.

    Attributes
    ----------
    history : MonthlyHistory
    fit : GbmFit
        On every month of the history.
    prompt_tokens, prompt_prefix_tokens, output_tokens : float
        Per call over the whole history: input (cached included), cached input, output.
    backtest : Backtest or None
        The fit on all but the last ``holdout`` months, with ``--holdout``.
    """

    history: MonthlyHistory
    fit: GbmFit
    prompt_tokens: float
    prompt_prefix_tokens: float
    output_tokens: float
    backtest: Optional[Backtest] = None


def calibrate(history, *, holdout=None):
    """Fit a history: the volume model on its calls, tokens a call over all of it.

    Parameters
    ----------
    history : MonthlyHistory
    holdout : int, optional
        Months held out for the backtest (the preset's own fit uses every month).

    Raises
    ------
    CalibrationError
    """
    fit = fit_gbm(history.calls)
    calls = history.calls.sum()
    result = backtest(history.calls, holdout, BACKTEST_LEVELS) if holdout is not None else None
    return Calibration(
        history=history,
        fit=fit,
        prompt_tokens=float(history.input_tokens.sum() / calls),
        prompt_prefix_tokens=float(history.cached_input_tokens.sum() / calls),
        output_tokens=float(history.output_tokens.sum() / calls),
        backtest=result,
    )


def check_name(text):
    """A preset name that stays in its directory: letters, digits, '.', '_', '-', no leading '.'.

    Raises
    ------
    CalibrationError
    """
    name = text.removesuffix(".yaml")
    if not _NAME.fullmatch(name):
        raise CalibrationError(f"preset name {text!r}: use letters, digits, '.', '_' and '-' only, not starting"
                               " with '.' (it names conf/workload/NAME.yaml)")
    return name


def default_name(path):
    """The preset's name from the history file's: its stem, other characters as '-'."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(path).stem).lstrip(".-") or "calibrated"
    return check_name(name)


def target(name, directory, *, force=False):
    """The preset's path, refused when it exists or is a shipped preset's name, unless ``force``.

    ``directory`` need not exist yet (the command creates it once the fit is good); a
    file in its place is refused.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise CalibrationError(f"{directory}: not a directory")
    path = directory / f"{name}.yaml"
    if force:
        return path
    if name in SHIPPED:
        raise CalibrationError(f"{name} is a preset payback ships (conf/workload/{name}.yaml): pass --force to"
                               " replace it, or --name for another")
    if path.exists():
        raise CalibrationError(f"{path} exists: pass --force to replace it, or --name for another preset")
    return path


def load_base(name, directories):
    """The base preset's keys (as YAML read them) from the first of ``directories`` holding it."""
    name = check_name(name)
    for directory in directories:
        path = Path(directory) / f"{name}.yaml"
        if path.is_file():
            try:
                values = yaml.safe_load(path.read_text())
            except (yaml.YAMLError, UnicodeDecodeError, OSError) as error:
                raise CalibrationError(f"--base {name}: {path} is not readable YAML ({type(error).__name__})") from None
            if not isinstance(values, dict):
                raise CalibrationError(f"--base {name}: {path} is not a workload preset (a mapping of keys)")
            return values
    available = sorted({p.stem for d in directories if Path(d).is_dir() for p in Path(d).glob("*.yaml")})
    raise CalibrationError(f"--base {name}: no such workload preset (available: {', '.join(available)})")


def preset_text(calibration, *, base_name, base, command, today):
    """The preset's YAML text: the comment block, then every key with where it came from.

    Parameters
    ----------
    calibration : Calibration
    base_name : str
        The base preset's name, for the comments.
    base : dict
        Its keys (``load_base``).
    command : str
        The command line, quoted in the header.
    today : str
        ISO date of the fit.

    Raises
    ------
    CalibrationError
        When a fitted figure lies outside the key's valid range (``sim.inputs.schema``): a
        volatility above 1, a forecast above 1e12 calls, ...
    """
    history = calibration.history
    figures = _history_figures(calibration)
    for key in FROM_BASE:
        if key in base:
            figures.append((key, _yaml_scalar(base[key]), f"from {base_name}: a usage history does not tell it"))
    _check_domains(figures)
    header = [f"Calibrated from a usage history by `{_printable(command)}`.", *source_lines(history, today),
              *fit_lines(calibration)]
    missing = [key for key in ("finetuned_prefix_tokens", "rag_prefix_tokens") if key not in base]
    if missing:
        header.append(f"{' and '.join(missing)}: not in the history nor in {base_name}: 0 (no cached prefix).")
    header.append(f"Month 1 of a run is {history.next_month}, the month after the history: run with"
                  f" start={history.next_month}.")
    width = max(len(f"{key}: {value}") for key, value, _ in figures) + 2
    lines = [f"# {line}" for line in header]
    lines += [f"{f'{key}: {value}':<{width}}# {note}" for key, value, note in figures]
    return "\n".join(lines) + "\n"


def source_lines(history, today):
    """``source``: the file's name, its period, the format, the date of the fit; then its months."""
    what = FORMAT_NAMES[history.format] + (f" (model {history.model})" if history.model else "")
    lines = [f"source: {_printable(history.source)}, {history.period[0]} to {history.period[1]}, {what},"
             f" fitted on {today}."]
    months = f"months used: {len(history.months)} ({history.months[0]} to {history.months[-1]})"
    if history.format != "csv":
        months += f", each brought to an average month of {AVERAGE_MONTH_DAYS:.4g} days"
    lines.append(months + ".")
    if history.format != "csv":
        lines.append(f"Partial months scaled to a whole one: {', '.join(history.scaled) or 'none'}; dropped"
                     f" (under a third of the month): {', '.join(history.dropped) or 'none'}.")
    lines += [f"{note}." for note in history.notes]
    return lines


def fit_lines(calibration):
    """The fit's statistics, and the backtest's, as comment lines."""
    fit = calibration.fit
    k = fit.changes
    if fit.exact:
        lines = [f"Fit (MODEL.md's volume path): the {k} monthly log-changes of calls are all"
                 f" {fit.mean_change:.6g}: no noise, so volatility 0 and growth g = {fit.growth:.6g} exactly."]
    else:
        low, high = volatility_interval(fit)
        correlation = 1 / math.sqrt(k + 1)
        rank = 6 / math.pi * math.asin(correlation / 2)
        lines = [
            f"Fit (MODEL.md's volume path, V_m+1 = V_m exp(g - volatility^2/2 + volatility Z)): the {k} monthly",
            f"  log-changes of calls have mean {fit.mean_change:.4g} (standard error {fit.growth_se:.3g}) and sd"
            f" {fit.volatility:.4g};",
            f"  growth g = mean + sd^2/2 = {fit.growth:.4g} (standard error {fit.growth_se:.3g});",
            f"  volatility {fit.volatility:.4g}, 90% interval [{low:.3g}, {high:.3g}] (chi-square, {k - 1} df).",
            f"calls_per_month and growth_per_month share the mean's uncertainty (rank correlation about {rank:.2f});",
            "  payback draws them independently unless told, e.g.",
            f"  'correlations=[{{inputs:[workload.calls_per_month,workload.growth_per_month],rank:{rank:.2f}}}]'",
        ]
    result = calibration.backtest
    if result is not None:
        months = calibration.history.months
        inside = ", ".join(f"{result.inside[level]} inside the {level:.0%} band" for level in BACKTEST_LEVELS)
        lines.append(f"Backtest (--holdout {result.holdout}): fitted on {months[0]} to {months[-result.holdout - 1]},"
                     f" the {result.holdout} months after: {inside}.")
    return lines


def _history_figures(calibration):
    # (key, YAML value, comment) of each key the history gives
    history, fit = calibration.history, calibration.fit
    k = fit.changes
    median, low, high = next_month(fit)
    month = history.next_month
    if fit.exact:
        calls = (_plain(median), f"calls in {month}: the last month's times e^growth (no noise)")
        growth = (_plain(fit.growth), "the history's monthly log-change (no noise: volatility 0)")
    else:
        t = t_quantile((1 + LEVEL) / 2, k - 1)
        calls = (_quoted(f"lognormal(p05={_six(low)}, p95={_six(high)})"),
                 f"calls in {month}: median {_six(median)}; 90% predictive interval (next month's shock and"
                 f" the mean's uncertainty, t with {k - 1} df)")
        g_low, g_high = growth_interval(fit)
        growth = (_quoted(f"normal(p05={_six(g_low)}, p95={_six(g_high)})"),
                  f"90% interval of the estimate {fit.growth:.4g}: +- t(0.95, {k - 1} df) = {t:.3g} standard errors")
    if fit.exact:
        volatility_note = "sd of the monthly log-changes: none"
    else:
        v_low, v_high = volatility_interval(fit)
        volatility_note = f"sd of the monthly log-changes; its 90% interval [{v_low:.3g}, {v_high:.3g}] is not drawn"
    if history.format == "focus":
        prompt_note = "input tokens a call, cached included: given (--prompt-tokens; FOCUS counts no requests)"
    else:
        prompt_note = "input tokens a call, cached included: the history's input tokens / its calls"
    cached = "input_cached_tokens" if history.format == "openai" else "cached input tokens"
    return [
        ("calls_per_month", *calls),
        ("growth_per_month", *growth),
        ("volatility", _plain(fit.volatility) if fit.exact else f"{fit.volatility:.4g}", volatility_note),
        ("prompt_tokens", _tokens(calibration.prompt_tokens), prompt_note),
        ("prompt_prefix_tokens", _tokens(calibration.prompt_prefix_tokens), f"{cached} / calls: read from cache"),
        ("cache_hit_rate", "1", "with prompt_prefix_tokens: only their product, cached tokens a call, matters"),
        ("output_tokens", _tokens(calibration.output_tokens), "the history's output tokens / its calls"),
    ]


def _check_domains(figures):
    # the schema's own ranges: a preset written is a preset that validates
    metadata = input_metadata()
    # volatility first: a history too erratic for the model says so, not its forecast's tail
    order = ("volatility", "growth_per_month")
    for key, value, _ in sorted(figures, key=lambda figure: order.index(figure[0]) if figure[0] in order else 2):
        meta = metadata.get(f"workload.{key}")
        if meta is None:
            continue
        try:
            parse(f"workload.{key}", yaml.safe_load(value), meta["domain"])
        except InputError as error:
            raise CalibrationError(f"the fitted {error}") from None


def _plain(value):
    # a number exact to 10 significant digits, positional (YAML 1.1 reads 1e+12 as text)
    text = np.format_float_positional(float(value), precision=10, unique=True, fractional=False, trim="-")
    return "0" if text in ("-0", "0.") else text


def _six(value):
    return np.format_float_positional(float(value), precision=6, unique=False, fractional=False, trim="-")


def _tokens(value):
    # tokens a call: whole where they are, else two decimals
    return _plain(round(value, 2))


def _quoted(text):
    return json.dumps(text)


def _yaml_scalar(value):
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return _plain(value)
    return json.dumps(value)  # a mapping of a distribution, written inline


def _printable(text):
    # a comment stays one line whatever a file name holds
    return re.sub(r"[\x00-\x1f\x7f]", "?", str(text))


__all__ = ["Calibration", "calibrate", "check_name", "load_base", "preset_text", "target"]
