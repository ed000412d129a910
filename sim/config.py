"""Configuration schema, registered with Hydra's ConfigStore, and its validation.

The dataclasses give YAML and shell overrides their keys (a typo is refused by Hydra
before anything runs); ``validate`` checks values and turns every uncertain input
into a ``Distribution`` before any simulation. Each uncertain field carries its unit
and meaning in ``metadata``, which the results Dataset and the docs reuse.
"""

import math
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Optional

import numpy as np
import yaml
from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from kernels.scenarios import CALENDAR_LEN, SERVING_UNTIL, TRAINING_UNTIL
from sim.distributions import (
    AT_LEAST_ONE,
    FRACTION_BELOW_ONE,
    NONNEGATIVE,
    POSITIVE_MONTHS,
    PROBABILITY,
    REAL,
    WHOLE_MONTHS,
    Distribution,
    InputError,
    parse,
)
from sim.provider_calendar import current_month, last_day_of_month, parse_month, sheet_calendar

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"

# Inputs drawn once per event inside the kernel rather than once per scenario.
EVENT_FIELDS = ("market.cut_size", "finetune.base_lifetime_months")


def uncertain(unit, description, domain=NONNEGATIVE):
    """A schema field that takes a plain number or a distribution mapping."""
    return field(
        default=MISSING, metadata={"unit": unit, "description": description, "domain": domain}
    )


USD_PER_M = "USD per 1M tokens"


@dataclass
class Workload:
    calls_per_month: Any = uncertain("calls/month", "calls in month 1 (V_1)")
    growth_per_month: Any = uncertain(
        "1/month", "expected log growth of volume per month: E[V_m+1 given V_m] = V_m e^g", REAL
    )
    volatility: Any = uncertain("1/sqrt(month)", "standard deviation of the monthly log shock")
    shutdown_per_year: Any = uncertain(
        "probability/year", "chance the use case ends within a year", PROBABILITY
    )
    prompt_tokens: Any = uncertain("tokens/call", "input tokens of the long prompt")
    finetuned_prompt_tokens: Any = uncertain("tokens/call", "input tokens of the fine-tune")
    rag_prompt_tokens: Any = uncertain("tokens/call", "tight prompt plus retrieved chunks")
    output_tokens: Any = uncertain("tokens/call", "output tokens, the same for all strategies")
    query_embedding_tokens: Any = uncertain("tokens/call", "tokens embedded per RAG query")


@dataclass
class Pricing:
    base_input: Any = uncertain(USD_PER_M, "base model input")
    base_output: Any = uncertain(USD_PER_M, "base model output")
    finetuned_input: Any = uncertain(USD_PER_M, "fine-tuned model input")
    finetuned_output: Any = uncertain(USD_PER_M, "fine-tuned model output")
    training: Any = uncertain("USD per 1M training tokens", "fine-tune training")
    embedding: Any = uncertain(USD_PER_M, "embedding model")
    hosting_per_month: Any = uncertain("USD/month", "fine-tuned deployment fee, 0 if none")
    finetune_training_until: Optional[str] = None  # ISO date: last day a training job can be created
    finetune_serving_until: Optional[str] = None  # ISO date: last day fine-tuned models serve
    as_of: str = MISSING
    source: str = MISSING
    sheet: Optional[str] = None  # the preset's name: set by each run, recorded for its replay


@dataclass
class Market:
    trend_per_year: Any = uncertain("1/year", "continuous log trend of the price index", REAL)
    cuts_per_year: Any = uncertain("events/year", "rate of price cuts (new generations)")
    cut_size: Any = uncertain(
        "fraction", "price index drop at a cut, drawn per cut", FRACTION_BELOW_ONE
    )


@dataclass
class Finetune:
    training_tokens: Any = uncertain("tokens", "tokens per training run (all epochs)")
    setup_cost: Any = uncertain("USD", "data preparation, evaluation, engineering")
    months_to_ship: Any = uncertain("months", "months per training attempt", WHOLE_MONTHS)
    success_probability: Any = uncertain(
        "probability", "chance an attempt meets the quality bar", PROBABILITY
    )
    max_attempts: Any = uncertain("attempts", "attempts before giving up", AT_LEAST_ONE)
    mean_months_between_retrains: Any = uncertain(
        "months", "mean time until drift forces a retrain", POSITIVE_MONTHS
    )
    retrain_interval_cv: Any = uncertain(
        "ratio", "coefficient of variation of the drift time (0: exactly the mean)"
    )
    retrain_cost: Any = uncertain("USD", "cost of a retrain or repeat attempt besides training")
    retrain_months: Any = uncertain(
        "months", "months a retrain takes, served by prompting", WHOLE_MONTHS
    )
    base_lifetime_months: Any = uncertain(
        "months", "base model lifetime after a go-live, drawn per generation", POSITIVE_MONTHS
    )
    maintenance_per_month: Any = uncertain("USD/month", "monitoring and evals once live")
    migration_cost: Any = uncertain(
        "USD", "moving the fine-tune to finetune.successor at a platform exit, besides training"
    )
    reprice_on_retrain: bool = MISSING
    on_platform_exit: str = "prompt"  # or "migrate": what the route does when its platform ends
    successor: Optional[str] = None  # a sheet in conf/pricing/, required with "migrate"


@dataclass
class Rag:
    corpus_tokens: Any = uncertain("tokens", "tokens embedded to build the index")
    setup_cost: Any = uncertain("USD", "pipeline, chunking, evaluation, engineering")
    months_to_ship: Any = uncertain("months", "months served by prompting first", WHOLE_MONTHS)
    vector_store_per_month: Any = uncertain("USD/month", "vector store, from month 1")
    reindex_fraction_per_month: Any = uncertain(
        "fraction/month", "share of the corpus re-embedded each month from month 2"
    )


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
    save_paths: bool = False
    report: bool = True
    memory_limit_gb: Optional[float] = None  # null: 90% of the memory available when the run starts
    overwrite: bool = False  # true: a run into a finished run directory replaces that run whole
    workload: Workload = field(default_factory=Workload)
    pricing: Pricing = field(default_factory=Pricing)
    market: Market = field(default_factory=Market)
    finetune: Finetune = field(default_factory=Finetune)
    rag: Rag = field(default_factory=Rag)


SECTIONS = {"workload": Workload, "pricing": Pricing, "market": Market, "finetune": Finetune, "rag": Rag}
# The prices of ``finetune.successor``'s sheet that the route pays after a migration.
SUCCESSOR_PRICES = ("finetuned_input", "finetuned_output", "training", "hosting_per_month")
PLATFORM_EXIT_CHOICES = ("prompt", "migrate")
MAX_MONTHS_AFTER_START = 1200
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
    store = ConfigStore.instance()
    store.store(name="base_config", node=Config)


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
    """

    start: str
    seed: int
    scenarios: int
    horizon_months: int
    discount_rate: float
    confidence: float
    threads: Optional[int]
    kept_scenarios: Optional[int]
    save_paths: bool
    report: bool
    reprice_on_retrain: bool
    migrate_on_exit: bool
    calendar: np.ndarray
    sheets: tuple
    successor_sheet: Optional[dict]
    inputs: dict
    resolved: dict


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
    try:
        merged = OmegaConf.merge(OmegaConf.structured(Config), _plain(cfg))
        # start first: the dates that ${after_start:N} computes are counted from it
        start_text = current_month() if merged.start is None else merged.start
        start = parse_month("start", start_text)
        merged.start = start_text
        resolved = OmegaConf.to_container(merged, resolve=True, throw_on_missing=True)
    except OmegaConfBaseException as error:
        raise ConfigError(describe_omegaconf_error(error)) from None
    except InputError as error:
        raise ConfigError(str(error)) from None

    def run_key(key, ok, requirement):
        value = resolved[key]
        if isinstance(value, bool) or not ok(value):
            raise ConfigError(f"{key}: {value!r} is not {requirement}")
        return value

    seed = run_key("seed", lambda v: v >= 0, "a whole number >= 0")
    scenarios = run_key("scenarios", lambda v: v >= 1, "a whole number >= 1")
    horizon = run_key("horizon_months", lambda v: v >= 1, "a whole number >= 1")
    rate = run_key("discount_rate", lambda v: math.isfinite(v) and v >= 0, "a number >= 0")
    confidence = run_key("confidence", lambda v: 0 < v < 1, "a number in (0, 1)")
    threads = resolved["threads"]
    if threads is not None and threads < 1:
        raise ConfigError(f"threads: {threads!r} is not null or a whole number >= 1")
    kept = resolved["kept_scenarios"]
    if kept is not None and kept < 1:
        raise ConfigError(f"kept_scenarios: {kept!r} is not null or a whole number >= 1")
    limit = resolved["memory_limit_gb"]
    if limit is not None and not (math.isfinite(limit) and limit > 0):
        raise ConfigError(f"memory_limit_gb: {limit!r} is not null or a number of GiB > 0")

    finetune = resolved["finetune"]
    pricing_sheet = pricing_sheet or resolved["pricing"]["sheet"]
    resolved["pricing"]["sheet"] = pricing_sheet
    migrate = _platform_exit_choice(finetune["on_platform_exit"]) == "migrate"
    metadata = input_metadata()
    inputs = {}
    try:
        sheets = [sheet_calendar(pricing_sheet or "pricing", "pricing", resolved["pricing"], start, horizon)]
        successor = _successor_sheet(finetune["successor"], pricing_sheet, conf_dir, start_text) if migrate else None
        if successor is not None:
            sheets.append(sheet_calendar(finetune["successor"], f"finetune.successor ({finetune['successor']})",
                                         successor, start, horizon))
        for key, meta in metadata.items():
            section, name = key.split(".")
            if section == "successor":
                value = successor[name] if successor is not None else 0.0
            elif key == "finetune.migration_cost" and not migrate:
                value = 0.0  # never paid: drawing it would only add a column of noise
            else:
                value = resolved[section][name]
            inputs[key] = parse(key, value, meta["domain"])
    except InputError as error:
        raise ConfigError(str(error)) from None
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
        save_paths=resolved["save_paths"],
        report=resolved["report"],
        reprice_on_retrain=finetune["reprice_on_retrain"],
        migrate_on_exit=migrate,
        calendar=calendar,
        sheets=tuple(sheets),
        successor_sheet=successor,
        inputs=inputs,
        resolved=resolved,
    )


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
        return OmegaConf.to_container(with_start, resolve=True, throw_on_missing=True)["pricing"]
    except OmegaConfBaseException as error:
        raise ConfigError(f"{key} ({name}.yaml): {describe_omegaconf_error(error)}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first = str(getattr(error, "problem", None) or error).splitlines()[0]
        raise ConfigError(f"{key} ({name}.yaml): not YAML ({first})") from None


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
