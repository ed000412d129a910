"""Configuration schema, registered with Hydra's ConfigStore, and its validation.

The dataclasses give YAML and shell overrides their keys (a typo is refused by Hydra
before anything runs); ``validate`` checks values and turns every uncertain input
into a ``Distribution`` before any simulation. Each uncertain field carries its unit
and meaning in ``metadata``, which the results Dataset and the docs reuse.
"""

import math
import re
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, Optional

import numpy as np
import yaml
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from kernels.layout import CALENDAR_LEN, SERVING_UNTIL, STATIC_FIELDS, TRAINING_UNTIL
from sim.inputs.correlation import RankCorrelation, parse_pairs, rank_correlation
from sim.inputs.distributions import (
    FRACTION_BELOW_ONE,
    PROBABILITY,
    Distribution,
    Domain,
    InputError,
    parse,
)
from sim.stats.precision import Targets
from sim.inputs.calendar import current_month, last_day_of_month, parse_month, sheet_calendar
from sim.inputs.routes import BASELINE, DEFAULT_ROUTES
from sim.io.text import refusal

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"  # the repository's conf/, beside sim/

# Inputs drawn once per event inside the kernel rather than once per scenario.
EVENT_FIELDS = ("market.cut_size", "finetune.base_lifetime_months")


# Valid ranges of the uncertain inputs. Every bound is finite: the lower of what keeps
# the model's arithmetic finite over the longest horizon and where the input stops
# meaning anything. With every input at its bound at once (1e12 calls in month 1,
# 1e8 tokens of each kind a call at 1e4 USD per 1M, so about 3e6 USD a call; volume
# and price index at their budgets below; 1,200 months) a cost is at most about
# 1e12 x 3e6 x 1e100 x 1e50 x e^25 (the volume's luckiest path among 1e10 scenarios)
# x 1200 ~ 1e183 USD: finite, with room for sums over 1e10 scenarios and for the
# analysis' differences. (Costs equal to the cent are ties only while the cumulative
# costs stay below about 1e11 USD, where float64 still resolves a tenth of a cent.)
MAX_MONTHS = 1200  # the longest horizon (100 years): also the cap of every month count
# Month counts: whole months, at most the longest horizon (a fine-tune that ships after
# it never ships); kept far inside int64 for the kernel's month arithmetic.
WHOLE_MONTHS = Domain(upper=MAX_MONTHS, integer=True)
# Attempts: each is a step of the kernel's lifecycle loop (all in month 1 when
# months_to_ship is 0). 100 failures in a row have probability below 1e-4 even at a
# success probability of 0.09; no team tries a 101st time.
ATTEMPTS = Domain(lower=1.0, upper=100, integer=True)
# Mean times (drift, base lifetime), in months: above zero (a drift time of 0 would
# retrain forever within one month); at most 1e6 months (83,000 years: "never" in any
# horizon). A drift time is at most about mean x (1 + 50 cv^2) <= 5e9 months, far
# inside the int64 of the kernel's month arithmetic (1e300 overflowed it: NaN through ceil).
MEAN_MONTHS = Domain(lower=1e-9, upper=1e6)
# Coefficient of variation of the drift time: at most 10. The inverse Gaussian's shape
# is mean / cv^2 (cv = 1e300 divided by zero); at cv = 10 almost every drift time rounds
# up to 1 month while the mean rests on rare draws many times the horizon.
RETRAIN_CV = Domain(upper=10)
# Calls in month 1: at most 1e12 a month (about 400,000 a second, the order of the
# largest LLM services' whole traffic).
CALLS = Domain(upper=1e12)
# Tokens a call: at most 1e8 (ten times the longest context window offered in 2026).
TOKENS_PER_CALL = Domain(upper=1e8)
# Tokens a training run: at most 1e13 (a frontier model's pre-training corpus; a
# fine-tune uses 1e6 to 1e10).
TRAINING_TOKENS = Domain(upper=1e13)
# Tokens of a RAG corpus: at most 1e15 (ten times a crawl of the public web).
CORPUS_TOKENS = Domain(upper=1e15)
# Token prices, USD per 1M tokens (training: per 1M training tokens): at most 1e4, a
# cent a token, over ten times the dearest list price of 2026 (1e300 gave Infinity
# and NaN in summary.json).
PRICE = Domain(upper=1e4)
# One-off costs, USD: at most 1e12; monthly costs, USD/month: at most 1e10 (1.2e13
# over the longest horizon).
USD = Domain(upper=1e12)
USD_PER_MONTH = Domain(upper=1e10)
# Expected log growth of volume a month: within [-1, 1] (volume falls to 37% or rises
# 2.7-fold in an expected month); over the horizon volume may grow at most 1e100-fold,
# so at horizon_months=H the upper bound is min(1, ln(1e100) / (H - 1)) (0.19 at
# 1,200 months). A fall needs no budget: volume tends to 0, which is finite.
GROWTH = Domain(lower=-1.0, upper=1.0, log_budget=100 * math.log(10))
# Monthly log volatility: at most 1 (volume moves by a factor e in one month in a
# third of the months). Beyond it the median volume collapses like e^(-sigma^2 m / 2)
# while the mean rests on ever rarer scenarios. (The -sigma^2/2 drift keeps the
# luckiest path among 1e10 scenarios within about e^25 whatever sigma.)
VOLATILITY = Domain(upper=1.0)
# Log trend of the price index a year: within [-5, 5] (prices fall or rise 150-fold
# in a year: beyond any trend seen); the index may rise at most 1e50-fold over the
# horizon, so at H months the upper bound is min(5, 12 ln(1e50) / (H - 1)) (1.15 at
# 1,200 months). Cuts only lower it.
TREND = Domain(lower=-5.0, upper=5.0, log_budget=50 * math.log(10), months_per_unit=12)
# Price cuts a year: at most 1200. From about 444 a year the monthly probability
# 1 - e^(-c/12) is 1 in float64 (e^-37 < 2^-53): a cut every month, for certain; more
# cuts a year change nothing (the model has at most one a month).
CUTS_PER_YEAR = Domain(upper=1200)
# Share of the corpus re-embedded a month: at most 100 (a full re-embedding a few
# times a day).
REINDEX_FRACTION = Domain(upper=100)


def uncertain(unit, description, domain):
    """A schema field that takes a plain number or a distribution mapping."""
    return field(
        default=MISSING, metadata={"unit": unit, "description": description, "domain": domain}
    )


USD_PER_M = "USD per 1M tokens"


@dataclass
class Workload:
    calls_per_month: Any = uncertain("calls/month", "calls in month 1 (V_1)", CALLS)
    growth_per_month: Any = uncertain(
        "1/month", "expected log growth of volume per month: E[V_m+1 given V_m] = V_m e^g", GROWTH
    )
    volatility: Any = uncertain("1/sqrt(month)", "standard deviation of the monthly log shock", VOLATILITY)
    shutdown_per_year: Any = uncertain(
        "probability/year", "chance the use case ends within a year", PROBABILITY
    )
    prompt_tokens: Any = uncertain("tokens/call", "input tokens of the long prompt", TOKENS_PER_CALL)
    finetuned_prompt_tokens: Any = uncertain("tokens/call", "input tokens of the fine-tune", TOKENS_PER_CALL)
    rag_prompt_tokens: Any = uncertain("tokens/call", "tight prompt plus retrieved chunks", TOKENS_PER_CALL)
    output_tokens: Any = uncertain("tokens/call", "output tokens, the same for all strategies", TOKENS_PER_CALL)
    query_embedding_tokens: Any = uncertain("tokens/call", "tokens embedded per RAG query", TOKENS_PER_CALL)


@dataclass
class Pricing:
    base_input: Any = uncertain(USD_PER_M, "base model input", PRICE)
    base_output: Any = uncertain(USD_PER_M, "base model output", PRICE)
    finetuned_input: Any = uncertain(USD_PER_M, "fine-tuned model input", PRICE)
    finetuned_output: Any = uncertain(USD_PER_M, "fine-tuned model output", PRICE)
    training: Any = uncertain("USD per 1M training tokens", "fine-tune training", PRICE)
    embedding: Any = uncertain(USD_PER_M, "embedding model", PRICE)
    hosting_per_month: Any = uncertain("USD/month", "fine-tuned deployment fee, 0 if none", USD_PER_MONTH)
    finetune_training_until: Optional[str] = None  # ISO date: last day a training job can be created
    finetune_serving_until: Optional[str] = None  # ISO date: last day fine-tuned models serve
    as_of: str = MISSING
    source: str = MISSING
    sheet: Optional[str] = None  # the preset's name: set by each run, recorded for its replay


@dataclass
class Market:
    trend_per_year: Any = uncertain("1/year", "continuous log trend of the price index", TREND)
    cuts_per_year: Any = uncertain("events/year", "rate of price cuts (new generations)", CUTS_PER_YEAR)
    cut_size: Any = uncertain(
        "fraction", "price index drop at a cut, drawn per cut", FRACTION_BELOW_ONE
    )


@dataclass
class Finetune:
    training_tokens: Any = uncertain("tokens", "tokens per training run (all epochs)", TRAINING_TOKENS)
    setup_cost: Any = uncertain("USD", "data preparation, evaluation, engineering", USD)
    months_to_ship: Any = uncertain("months", "months per training attempt", WHOLE_MONTHS)
    success_probability: Any = uncertain(
        "probability", "chance an attempt meets the quality bar", PROBABILITY
    )
    max_attempts: Any = uncertain("attempts", "attempts before giving up", ATTEMPTS)
    mean_months_between_retrains: Any = uncertain(
        "months", "mean time until drift forces a retrain", MEAN_MONTHS
    )
    retrain_interval_cv: Any = uncertain(
        "ratio", "coefficient of variation of the drift time (0: exactly the mean)", RETRAIN_CV
    )
    retrain_cost: Any = uncertain("USD", "cost of a retrain or repeat attempt besides training", USD)
    retrain_months: Any = uncertain(
        "months", "months a retrain takes, served by prompting", WHOLE_MONTHS
    )
    base_lifetime_months: Any = uncertain(
        "months", "base model lifetime after a go-live, drawn per generation", MEAN_MONTHS
    )
    maintenance_per_month: Any = uncertain("USD/month", "monitoring and evals once live", USD_PER_MONTH)
    migration_cost: Any = uncertain(
        "USD", "moving the fine-tune to finetune.successor at a platform exit, besides training", USD
    )
    reprice_on_retrain: Any = MISSING  # true or false: see Config.save_paths
    on_platform_exit: str = "prompt"  # or "migrate": what the route does when its platform ends
    successor: Optional[str] = None  # a sheet in conf/pricing/, required with "migrate"


@dataclass
class Rag:
    corpus_tokens: Any = uncertain("tokens", "tokens embedded to build the index", CORPUS_TOKENS)
    setup_cost: Any = uncertain("USD", "pipeline, chunking, evaluation, engineering", USD)
    months_to_ship: Any = uncertain("months", "months served by prompting first", WHOLE_MONTHS)
    vector_store_per_month: Any = uncertain("USD/month", "vector store, from month 1", USD_PER_MONTH)
    reindex_fraction_per_month: Any = uncertain(
        "fraction/month", "share of the corpus re-embedded each month from month 2", REINDEX_FRACTION
    )


@dataclass
class Precision:
    # half-widths of the 95% intervals to reach; with either set, ``scenarios`` is the cap
    p_beats: Optional[float] = None  # absolute, on each P(challenger beats prompting)
    savings: Optional[float] = None  # relative to the mean, on each mean savings (0.01: 1%)


# Per-scenario rows written by default: about 4 MB of results.nc at the default's 15 drawn
# inputs (about 128 bytes a row). The pictures of distributions are drawn from them, as
# the savings fan is from as many scenarios (sim.simulation.engine.PATH_SAMPLE): a share read off
# them is within about +-0.0012 (one standard error at 5%, sqrt(0.05 * 0.95 / 32768)).
# The summary's quantiles, CVaR and drivers use every kept row, in memory.
SAVED_SCENARIOS = 32_768


@dataclass
class Config:
    start: Optional[str] = None  # YYYY-MM of month 1; null: the month of the run
    seed: int = MISSING
    scenarios: int = MISSING
    horizon_months: int = MISSING
    discount_rate: float = MISSING
    confidence: float = MISSING
    threads: Optional[int] = None
    kept_scenarios: Optional[int] = 1_048_576
    # per-scenario rows written to results.nc, the first of the kept ones; null: every kept
    # row. A sweep job writes none unless its overrides name this key (sim.cli.payback).
    saved_scenarios: Optional[int] = SAVED_SCENARIOS
    # Any, not bool: OmegaConf would read save_paths=-1 as true; validate takes only true/false
    save_paths: Any = False
    report: Any = True
    # seconds between progress lines off a terminal (a terminal shows a bar instead)
    progress_seconds: float = 10.0
    memory_limit_gb: Optional[float] = None  # null: 90% of the memory available when the run starts
    overwrite: Any = False  # true: a run into a finished run directory replaces that run whole
    # [{inputs: [KEY_A, KEY_B], rank: r}, ...]: Spearman rank correlations between uncertain
    # static inputs, imposed by Iman-Conover on each block (every marginal unchanged)
    correlations: Any = field(default_factory=list)
    # mc, lhs, sobol or auto: how the static inputs' uniforms are spread (sim.simulation.sampling)
    sampling: str = "auto"
    precision: Precision = field(default_factory=Precision)
    workload: Workload = field(default_factory=Workload)
    pricing: Pricing = field(default_factory=Pricing)
    market: Market = field(default_factory=Market)
    finetune: Finetune = field(default_factory=Finetune)
    rag: Rag = field(default_factory=Rag)


SECTIONS = {"workload": Workload, "pricing": Pricing, "market": Market, "finetune": Finetune, "rag": Rag}
# The prices of ``finetune.successor``'s sheet that the route pays after a migration.
SUCCESSOR_PRICES = ("finetuned_input", "finetuned_output", "training", "hosting_per_month")
PLATFORM_EXIT_CHOICES = ("prompt", "migrate")
MAX_MONTHS_AFTER_START = MAX_MONTHS
# Run-level bounds. Seeds: any that numpy's SeedSequence takes and int64 holds (results.nc
# stores one beyond int32 as a decimal string). Scenarios (and kept or saved ones): at most
# 1e10, whose counts int64 and whose probabilities float64 hold exactly; memory refuses
# far smaller runs first. Threads: at most 1024, more than any one machine's cores.
# Discount rate: at most 1 (100% a year; a cost 100 years out still weighs 2^-100).
MAX_SEED = 2**63 - 1
MAX_SCENARIOS = 10**10
MAX_THREADS = 1024
MAX_DISCOUNT_RATE = 1.0
MAX_PROGRESS_SECONDS = 86_400  # a day
# The smallest memory_limit_gb: the interpreter with its libraries and the compiled
# kernel take sim.simulation.resources.BASE_BYTES (240 MiB) before any scenario. Below it every
# run was refused, blaming whatever else drove the estimate (horizon_months, save_paths).
MIN_MEMORY_LIMIT_GB = 0.25
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_SHEET_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*", re.ASCII)


def _months_after_start(months, *, _root_):
    # ``${after_start:N}``: the last day of month N counted from ``start`` (month 1),
    # so that a preset can date an event inside the horizon whatever ``start`` is.
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS_AFTER_START:
        raise ValueError(f"after_start takes a whole number of months from 1 to {MAX_MONTHS_AFTER_START}, got {months!r}")
    start = _root_.get("start")
    return last_day_of_month(parse_month("start", current_month() if start is None else start), months)


if not OmegaConf.has_resolver("after_start"):
    OmegaConf.register_new_resolver("after_start", _months_after_start)


def register():
    """Register the schema with Hydra: ``base_config`` for config.yaml's defaults list."""
    # imported here: `python -m sim.report` reads the schema's metadata without Hydra
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="base_config", node=Config)


def input_metadata():
    """Unit, description and domain of every uncertain input, by dotted key.

    ``successor.*`` are the prices of ``finetune.successor``'s sheet.
    """
    metadata = {
        f"{section}.{f.name}": f.metadata
        for section, schema in SECTIONS.items()
        for f in fields(schema)
        if "domain" in f.metadata
    }
    for name in SUCCESSOR_PRICES:
        meta = metadata[f"pricing.{name}"]
        metadata[f"successor.{name}"] = {**meta, "description": f"successor sheet: {meta['description']}"}
    return metadata


@dataclass(frozen=True)
class Settings:
    """A validated configuration: what the simulation needs, nothing else.

    ``inputs`` maps each key of ``STATIC_FIELDS`` and ``EVENT_FIELDS`` to its
    Distribution; ``resolved`` is the whole configuration as plain containers, with
    ``start`` resolved. ``calendar`` is the kernel's int64[CALENDAR_LEN] (see
    ``kernels.scenarios.TRAINING_UNTIL``); ``sheets`` the run's sheet's calendar and,
    with ``migrate``, the successor's; ``successor_sheet`` that sheet as read.
    ``correlation`` is the target rank correlation of ``correlations`` (a
    ``sim.inputs.correlation.RankCorrelation``), None without any. ``routes`` are the run's
    routes (``sim.inputs.routes.Route``), ``baseline`` the position of the one every other is
    compared with.
    """

    start: str
    seed: int
    scenarios: int
    horizon_months: int
    discount_rate: float
    confidence: float
    threads: Optional[int]
    kept_scenarios: Optional[int]
    saved_scenarios: Optional[int]
    save_paths: bool
    report: bool
    reprice_on_retrain: bool
    migrate_on_exit: bool
    calendar: np.ndarray
    sheets: tuple
    successor_sheet: Optional[dict]
    inputs: dict
    resolved: dict
    correlation: Optional[RankCorrelation] = None
    sampling: str = "mc"
    integrate_volume: bool = False
    sampling_note: Optional[str] = None
    precision: Optional[Targets] = None
    progress_seconds: float = 10.0
    routes: tuple = DEFAULT_ROUTES
    baseline: int = BASELINE


class ConfigError(ValueError):
    """Invalid configuration; the message is one line that names the key."""


def validate(cfg, *, pricing_sheet=None, conf_dir=CONF_DIR):
    """Check a composed configuration and parse its uncertain inputs.

    Parameters
    ----------
    cfg : DictConfig or mapping
        The composed configuration (without the ``hydra`` node).
    pricing_sheet : str, optional
        Name of the ``pricing`` option the configuration was composed with (default:
        ``pricing.sheet``): a ``finetune.successor`` of the same name is refused.
    conf_dir : str or Path
        Configuration directory whose ``pricing/`` holds the successor's sheet.

    Returns
    -------
    Settings

    Raises
    ------
    ConfigError
        On the first invalid, missing or unknown key, with a one-line message.
    """
    plain = _plain(cfg)
    if isinstance(plain, dict) and isinstance(plain.get("correlations"), dict):
        # OmegaConf cannot merge a mapping into the list and would not name the key
        raise ConfigError(f"correlations: {plain['correlations']!r} is not a list of {{inputs: [KEY_A, KEY_B], rank: r}}")
    try:
        merged = OmegaConf.merge(OmegaConf.structured(Config), plain)
        # start first: the dates that ${after_start:N} computes are counted from it
        start_text = current_month() if merged.start is None else merged.start
        start = parse_month("start", start_text)
        merged.start = start_text
        resolved = OmegaConf.to_container(merged, resolve=True, throw_on_missing=True)
    except OmegaConfBaseException as error:
        raise ConfigError(describe_omegaconf_error(error)) from None
    except InputError as error:
        raise ConfigError(str(error)) from None

    seed = _run_key(resolved, "seed", 0, MAX_SEED)
    scenarios = _run_key(resolved, "scenarios", 1, MAX_SCENARIOS)
    horizon = _run_key(resolved, "horizon_months", 1, MAX_MONTHS)
    rate = _run_key(resolved, "discount_rate", 0.0, MAX_DISCOUNT_RATE, whole=False)
    confidence = resolved["confidence"]
    if isinstance(confidence, bool) or not 0 < confidence < 1:
        raise ConfigError(f"confidence: {confidence!r} is not a number in (0, 1)")
    threads = _run_key(resolved, "threads", 1, MAX_THREADS, optional=True)
    kept = _run_key(resolved, "kept_scenarios", 1, MAX_SCENARIOS, optional=True)
    saved = _run_key(resolved, "saved_scenarios", 0, MAX_SCENARIOS, optional=True)
    save_paths, report = _boolean(resolved, "save_paths"), _boolean(resolved, "report")
    _boolean(resolved, "overwrite")
    reprice_on_retrain = _boolean(resolved["finetune"], "reprice_on_retrain", "finetune.")
    progress_seconds = resolved["progress_seconds"]
    if isinstance(progress_seconds, bool) or not 0 < progress_seconds <= MAX_PROGRESS_SECONDS:
        raise ConfigError(f"progress_seconds: {progress_seconds!r} is not a number of seconds in (0, 86400]")
    limit = resolved["memory_limit_gb"]
    if limit is not None and not (math.isfinite(limit) and limit >= MIN_MEMORY_LIMIT_GB):
        raise ConfigError(f"memory_limit_gb: {limit!r} is not null or a number of GiB >= {MIN_MEMORY_LIMIT_GB:g}"
                          " (payback itself takes about 0.23 GiB before its first scenario)")

    finetune = resolved["finetune"]
    pricing_sheet = pricing_sheet or resolved["pricing"]["sheet"]
    resolved["pricing"]["sheet"] = pricing_sheet
    migrate = _platform_exit_choice(finetune["on_platform_exit"]) == "migrate"
    if pricing_sheet is not None and refusal("pricing", pricing_sheet):
        raise ConfigError(refusal("pricing", pricing_sheet))
    check_sheet_identity("pricing", resolved["pricing"])
    metadata = input_metadata()
    inputs = {}
    try:
        sheets = [sheet_calendar(pricing_sheet or "pricing", "pricing", resolved["pricing"], start, horizon)]
        # checked whatever on_platform_exit says (a misspelt successor passed under prompt),
        # used only with migrate
        successor = None
        if migrate or finetune["successor"] is not None:
            successor = _successor_sheet(finetune["successor"], pricing_sheet, conf_dir, start_text)
            successor_calendar = sheet_calendar(finetune["successor"], f"finetune.successor ({finetune['successor']})",
                                                successor, start, horizon)
            if migrate:
                sheets.append(successor_calendar)
            else:
                successor = None
        for key, meta in metadata.items():
            section, name = key.split(".")
            if section == "successor":
                value = successor[name] if successor is not None else 0.0
            elif key == "finetune.migration_cost" and not migrate:
                value = 0.0  # never paid: drawing it would only add a column of noise
            else:
                value = resolved[section][name]
            inputs[key] = parse(key, value, meta["domain"].for_horizon(horizon))
        columns = {key: column for column, key in enumerate(STATIC_FIELDS)}
        pairs = parse_pairs(resolved["correlations"], inputs, columns, EVENT_FIELDS)
        correlation = rank_correlation(pairs, columns) if pairs else None
    except InputError as error:
        raise ConfigError(str(error)) from None
    sampling, integrate_volume, sampling_note = _sampling(resolved["sampling"], inputs, correlation)
    precision = _precision(resolved["precision"])
    calendar = np.full(CALENDAR_LEN, horizon + 1, dtype=np.int64)
    for offset, sheet in zip((0, 2), sheets):
        calendar[offset + TRAINING_UNTIL] = sheet.training_month
        calendar[offset + SERVING_UNTIL] = sheet.serving_month

    return Settings(
        start=start_text,
        seed=seed,
        scenarios=scenarios,
        horizon_months=horizon,
        discount_rate=float(rate),
        confidence=float(confidence),
        threads=threads,
        kept_scenarios=kept,
        saved_scenarios=saved,
        save_paths=save_paths,
        report=report,
        reprice_on_retrain=reprice_on_retrain,
        migrate_on_exit=migrate,
        calendar=calendar,
        sheets=tuple(sheets),
        successor_sheet=successor,
        inputs=inputs,
        resolved=resolved,
        correlation=correlation,
        sampling=sampling,
        integrate_volume=integrate_volume,
        sampling_note=sampling_note,
        precision=precision,
        progress_seconds=float(progress_seconds),
    )


SAMPLING_CHOICES = ("auto", "mc", "lhs", "sobol")
# Bounds of the precision targets: a half-width of 0.5 or more says nothing about a
# probability; below 1e-5 (absolute) or 1e-4 (relative) a run needs about 10^10 scenarios.
P_BEATS_TARGET = (1e-5, 0.5)
SAVINGS_TARGET = (1e-4, 10.0)


def _sampling(choice, inputs, correlation):
    """The method, whether month-1 volume is integrated out, and why not under ``auto``."""
    if choice not in SAMPLING_CHOICES:
        raise ConfigError(f"sampling: {choice!r} is not one of {', '.join(SAMPLING_CHOICES)}")
    if choice != "auto":
        return choice, False, None
    key = "workload.calls_per_month"
    if inputs[key].is_fixed:
        return "sobol", False, f"{key} is fixed: nothing to integrate out"
    if correlation is not None and key in correlation.keys:
        return "sobol", False, f"{key} is correlated with other inputs: it is drawn, not integrated out"
    return "sobol", True, None


def _precision(section):
    targets = {}
    for name, (lower, upper) in (("p_beats", P_BEATS_TARGET), ("savings", SAVINGS_TARGET)):
        value = section[name]
        if value is not None and (isinstance(value, bool) or not lower <= value <= upper):
            raise ConfigError(f"precision.{name}: {value!r} is not null or a number in [{lower:g}, {upper:g}]")
        targets[name] = None if value is None else float(value)
    if targets["p_beats"] is None and targets["savings"] is None:
        return None
    return Targets(**targets)


def _run_key(resolved, key, lower, upper, *, whole=True, optional=False):
    """A run-level number in [lower, upper] (whole unless ``whole=False``), or None if optional."""
    value = resolved[key]
    if optional and value is None:
        return None
    kind, bounds = ("a whole number", f"[{lower}, {upper}]") if whole else ("a number", f"[{lower:g}, {upper:g}]")
    requirement = f"{'null or ' if optional else ''}{kind} in {bounds}"
    number_types = int if whole else (int, float)
    # (a NaN fails the comparison, and a huge int is compared exactly, never as a float)
    if isinstance(value, bool) or not isinstance(value, number_types) or not lower <= value <= upper:
        raise ConfigError(f"{key}: {value!r} is not {requirement}")
    return value


def _boolean(section, name, prefix=""):
    # The schema types these keys Any: OmegaConf would turn -1, 2 or "yes" into True.
    value = section[name]
    if not isinstance(value, bool):
        raise ConfigError(f"{prefix}{name}: {value!r} is not true or false")
    return value


def _platform_exit_choice(choice):
    if choice not in PLATFORM_EXIT_CHOICES:
        raise ConfigError(f"finetune.on_platform_exit: {choice!r} is not one of {', '.join(PLATFORM_EXIT_CHOICES)}")
    return choice


def _successor_sheet(name, pricing_sheet, conf_dir, start):
    """The successor's price sheet, validated by the Pricing schema, as plain containers.

    Its ``${after_start:N}`` dates count from the run's ``start``.
    """
    key = "finetune.successor"
    if name is None:
        raise ConfigError(f"{key}: required with finetune.on_platform_exit=migrate (a sheet in conf/pricing/)")
    directory = Path(conf_dir) / "pricing"
    available = sorted(p.stem for p in directory.glob("*.yaml"))
    if not (isinstance(name, str) and _SHEET_NAME.fullmatch(name)) or name not in available:
        raise ConfigError(f"{key}: no price sheet {name!r} in conf/pricing/ (available: {', '.join(available)})")
    if name == pricing_sheet:
        raise ConfigError(f"{key}: {name!r} is the run's own price sheet; a successor is another sheet")
    try:
        sheet = OmegaConf.merge(OmegaConf.structured(Pricing), OmegaConf.load(directory / f"{name}.yaml"))
        with_start = OmegaConf.create({"start": start, "pricing": sheet})
        sheet = OmegaConf.to_container(with_start, resolve=True, throw_on_missing=True)["pricing"]
        check_sheet_identity(f"{key} ({name}.yaml)", sheet)
        return sheet
    except OmegaConfBaseException as error:
        raise ConfigError(f"{key} ({name}.yaml): {describe_omegaconf_error(error)}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first = str(getattr(error, "problem", None) or error).splitlines()[0]
        raise ConfigError(f"{key} ({name}.yaml): not YAML ({first})") from None


def check_sheet_identity(prefix, sheet):
    """Refuse a price sheet whose ``as_of`` is not a date or whose ``source`` cannot be shown.

    ``as_of`` is the day the prices were read, ``YYYY-MM-DD`` (an empty one read "as of
    ****" in the report); ``source`` and ``as_of`` go into report.md and report.html as
    typed, so neither may hold a control or bidirectional character (``sim.io.text``).

    Raises
    ------
    ConfigError
        Naming ``prefix.as_of`` or ``prefix.source``.
    """
    for key in ("as_of", "source"):
        problem = refusal(f"{prefix}.{key}", sheet.get(key))
        if problem is not None:
            raise ConfigError(problem)
    as_of = sheet.get("as_of")
    try:
        if not (isinstance(as_of, str) and _ISO_DATE.fullmatch(as_of)):
            raise ValueError
        date.fromisoformat(as_of)
    except ValueError:
        raise ConfigError(f"{prefix}.as_of: {as_of!r} is not a date YYYY-MM-DD"
                          " (the day the prices were read)") from None


def _plain(cfg):
    if isinstance(cfg, DictConfig):
        return OmegaConf.to_container(cfg, resolve=False)
    return cfg


def describe_omegaconf_error(error):
    """One line naming the key of an OmegaConf error (unknown, missing, wrong type)."""
    key = getattr(error, "full_key", None) or "config"
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "not in" in message or "is not in struct" in message:
        return f"{key}: unknown key (a typo?)"
    if "Missing mandatory value" in message:
        return f"{key}: missing value"
    return f"{key}: {message}"


__all__ = [
    "Config",
    "ConfigError",
    "Distribution",
    "EVENT_FIELDS",
    "Settings",
    "input_metadata",
    "register",
    "validate",
]
