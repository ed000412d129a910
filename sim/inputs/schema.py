"""Configuration schema, registered with Hydra's ConfigStore: the keys, their types and
the valid range of every uncertain input.

The dataclasses give YAML and shell overrides their keys (a typo is refused by Hydra
before anything runs); ``sim.inputs.validation`` checks the values. Each uncertain
field carries its unit and meaning in ``metadata``, which the results Dataset and the
docs reuse.
"""

import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Dict, Optional

from omegaconf import MISSING, OmegaConf

from sim.inputs.distributions import FRACTION_BELOW_ONE, PROBABILITY, Domain
from sim.inputs.calendar import current_month, last_day_of_month, parse_month

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
# The cost of one failed call (a human escalation, rework, a refund), USD: at most 1e6
# (a failed call dearer than that is not a per-call cost; with 1e12 calls a month it keeps
# every cost finite as above).
USD_PER_CALL = Domain(upper=1e6)
# Share of the corpus re-embedded a month: at most 100 (a full re-embedding a few
# times a day).
REINDEX_FRACTION = Domain(upper=100)


def uncertain(unit, description, domain, default=MISSING):
    """A schema field that takes a plain number or a distribution mapping."""
    return field(
        default=default, metadata={"unit": unit, "description": description, "domain": domain}
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
    output_tokens: Any = uncertain("tokens/call", "output tokens, the same for every route that does not set its own", TOKENS_PER_CALL)
    query_embedding_tokens: Any = uncertain("tokens/call", "tokens embedded per RAG query", TOKENS_PER_CALL)
    prompt_prefix_tokens: Any = uncertain(
        "tokens/call", "cacheable prefix of the long prompt (at most prompt_tokens)", TOKENS_PER_CALL, 0)
    finetuned_prefix_tokens: Any = uncertain(
        "tokens/call", "cacheable prefix of the fine-tune's prompt (at most finetuned_prompt_tokens)", TOKENS_PER_CALL, 0)
    rag_prefix_tokens: Any = uncertain(
        "tokens/call", "cacheable prefix of RAG's tight prompt (at most rag_prompt_tokens)", TOKENS_PER_CALL, 0)
    cache_hit_rate: Any = uncertain("fraction", "share of calls that read the prefix from cache", PROBABILITY, 0)


@dataclass
class Pricing:
    base_input: Any = uncertain(USD_PER_M, "base model input", PRICE)
    base_output: Any = uncertain(USD_PER_M, "base model output", PRICE)
    finetuned_input: Any = uncertain(USD_PER_M, "fine-tuned model input", PRICE)
    finetuned_output: Any = uncertain(USD_PER_M, "fine-tuned model output", PRICE)
    training: Any = uncertain("USD per 1M training tokens", "fine-tune training", PRICE)
    embedding: Any = uncertain(USD_PER_M, "embedding model", PRICE)
    hosting_per_month: Any = uncertain("USD/month", "fine-tuned deployment fee, 0 if none", USD_PER_MONTH)
    # cached-input prices; absent: the uncached price (a provider that bills no cache)
    base_cached_input: Any = uncertain(USD_PER_M, "base model input read from cache", PRICE, None)
    finetuned_cached_input: Any = uncertain(USD_PER_M, "fine-tuned model input read from cache", PRICE, None)
    finetune_training_until: Optional[str] = None  # ISO date: last day a training job can be created
    finetune_serving_until: Optional[str] = None  # ISO date: last day fine-tuned models serve
    base_serving_until: Optional[str] = None  # ISO date: last day the base model serves (prompt and RAG routes)
    base_successor: Optional[str] = None  # the sheet (conf/pricing/) its users move to after that date
    # calls a month one replica of a dedicated endpoint serves; null: billed per token, no ceiling
    replica_calls_per_month: Optional[float] = None
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
class Prompt:
    migration_cost: Any = uncertain(
        "USD", "moving a prompt or RAG route to its base model's successor (re-validating prompts)", USD, 0)


@dataclass
class Quality:
    # MODEL.md, "Quality and the cost of errors": each route's task success rate by kind (a
    # route may set its own, routes.NAME.quality.KIND), the cost of a failed call and the bar.
    # The defaults (1, 1, 1, 0, 0) are the model without quality: every number unchanged.
    prompt: Any = uncertain(
        "fraction", "task success rate of a prompt route: share of calls that need no human follow-up", PROBABILITY, 1)
    finetune: Any = uncertain(
        "fraction", "task success rate of a fine-tune route while its fine-tuned model serves", PROBABILITY, 1)
    rag: Any = uncertain("fraction", "task success rate of a RAG route once shipped", PROBABILITY, 1)
    error_cost: Any = uncertain(
        "USD/failed call", "cost of a failed call (a human escalation, rework, a refund)", USD_PER_CALL, 0)
    bar: Any = 0.0  # the least acceptable success rate, a number in [0, 1] (sim.inputs.validation)


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
    # true: write cashflows.csv, cashflows_fiscal.csv and summary.csv; a sweep job writes them
    # only when its overrides name this key (sim.cli.payback.sweep_job_settings)
    cashflows: Any = True
    fiscal_year_start: Any = 1  # calendar month (1-12) in which a fiscal year begins
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
    # the tornado of the fixed inputs: each moved by this share down and up (0: no tornado)
    tornado_step: float = 0.2
    point: Any = False  # true: every distribution at its median, one scenario (sim.inputs.point)
    workload: Workload = field(default_factory=Workload)
    pricing: Pricing = field(default_factory=Pricing)
    market: Market = field(default_factory=Market)
    finetune: Finetune = field(default_factory=Finetune)
    rag: Rag = field(default_factory=Rag)
    prompt: Prompt = field(default_factory=Prompt)
    quality: Quality = field(default_factory=Quality)
    # the routes compared, by name (conf/routes/: the default's three, one of each kind);
    # the baseline is what the team runs today (null: the first prompt route). Each route is
    # {kind: prompt|finetune|rag, pricing: SHEET or null (the pricing group's), workload: {...},
    # finetune: {...}, rag: {...}, quality: {KIND: rate}} (its own values of its kind's inputs), checked key by key by
    # sim.inputs.routing. Not a Dict[str, <a Route dataclass>]: OmegaConf cannot add a mapping
    # to such a dict, so the shell's '+routes.lora={kind:finetune}' failed ("dict is not a
    # subclass of Route").
    routes: Dict[str, Any] = field(default_factory=dict)
    baseline: Optional[str] = None
    # portfolio=NAME (conf/portfolio/): {shared: {...}, workloads: {NAME: {presets, overrides, route}}},
    # checked by sim.portfolio.spec; a portfolio's workloads run as the jobs of a multirun
    portfolio: Any = None


SECTIONS = {"workload": Workload, "pricing": Pricing, "market": Market, "finetune": Finetune, "rag": Rag,
            "prompt": Prompt, "quality": Quality}
# The prices of ``finetune.successor``'s sheet that the route pays after a migration.
SUCCESSOR_PRICES = ("finetuned_input", "finetuned_output", "training", "hosting_per_month")
PLATFORM_EXIT_CHOICES = ("prompt", "migrate")
MAX_MONTHS_AFTER_START = MAX_MONTHS
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


__all__ = ["CONF_DIR", "Config", "EVENT_FIELDS", "MAX_MONTHS", "SECTIONS", "SUCCESSOR_PRICES",
           "input_metadata", "register", "uncertain"]
