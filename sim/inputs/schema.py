"""Configuration schema, registered with Hydra's ConfigStore: the keys, their types and
the valid range of every uncertain input.

The dataclasses give YAML and shell overrides their keys (a typo is refused by Hydra
before anything runs); ``sim.inputs.validation`` checks the values. Every field carries
its unit, meaning and valid range in ``metadata`` (``uncertain``: a ``Domain``;
``setting``: the range in words), which the results Dataset and the configuration
reference (``sim.inputs.reference``) reuse.
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
# Base models a prompt or RAG route may pass through within a horizon: its own and three
# successors (a model retired every few months is not a plan; sim.inputs.sheets).
MAX_GENERATIONS = 4
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


def uncertain(unit, description, domain, default=MISSING, *, valid=""):
    """A schema field that takes a plain number or a distribution mapping.

    ``valid`` says what is checked beyond ``domain`` (a prefix within its prompt, a cached
    price below its uncached one), for the configuration reference (``sim.inputs.reference``).
    """
    metadata = {"unit": unit, "description": description, "domain": domain}
    if valid:
        metadata["valid"] = valid
    return field(default=default, metadata=metadata)


def setting(default, unit, description, valid, *, factory=None):
    """A schema field that takes a plain value (not a distribution).

    ``unit`` ("" for none), ``description`` and ``valid`` (the values
    ``sim.inputs.validation`` accepts, in words) feed the configuration reference
    (``sim.inputs.reference``); ``factory`` replaces ``default`` for a mutable default.
    """
    metadata = {"unit": unit, "description": description, "valid": valid}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def section(schema, description):
    """A section of the configuration (``workload``, ``pricing``...): its dataclass and meaning."""
    return field(default_factory=schema, metadata={"description": description})


USD_PER_M = "USD per 1M tokens"
# what sim.inputs.routing checks of a prefix and of a cached price, route by route
_PREFIX_NOTE = ("at most `{prompt}`: a route's prefix is refused when its 99.9% quantile is above"
                " the prompt's 0.1% quantile")
_CACHED_NOTE = ("at most `{uncached}` (each the median when fixed, else the cached price's 99.9%"
                " quantile against the uncached one's 0.1% quantile); null: the uncached price")


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
        "tokens/call", "cacheable prefix of the long prompt (at most prompt_tokens)", TOKENS_PER_CALL, 0,
        valid=_PREFIX_NOTE.format(prompt="prompt_tokens"))
    finetuned_prefix_tokens: Any = uncertain(
        "tokens/call", "cacheable prefix of the fine-tune's prompt (at most finetuned_prompt_tokens)", TOKENS_PER_CALL, 0,
        valid=_PREFIX_NOTE.format(prompt="finetuned_prompt_tokens"))
    rag_prefix_tokens: Any = uncertain(
        "tokens/call", "cacheable prefix of RAG's tight prompt (at most rag_prompt_tokens)", TOKENS_PER_CALL, 0,
        valid=_PREFIX_NOTE.format(prompt="rag_prompt_tokens"))
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
    base_cached_input: Any = uncertain(USD_PER_M, "base model input read from cache", PRICE, None,
                                       valid=_CACHED_NOTE.format(uncached="base_input"))
    finetuned_cached_input: Any = uncertain(USD_PER_M, "fine-tuned model input read from cache", PRICE, None,
                                            valid=_CACHED_NOTE.format(uncached="finetuned_input"))
    finetune_training_until: Optional[str] = setting(
        None, "date", "last day a fine-tuning job can be created on this sheet; null: none announced",
        "null or an ISO date `YYYY-MM-DD`")
    finetune_serving_until: Optional[str] = setting(
        None, "date", "last day this sheet's fine-tuned models serve; null: none announced",
        "null or an ISO date `YYYY-MM-DD`, not before `finetune_training_until`")
    base_serving_until: Optional[str] = setting(
        None, "date", "last day the sheet's base model serves; a prompt or RAG route on the sheet moves to"
        " `base_successor` the month after; null: none announced", "null or an ISO date `YYYY-MM-DD`")
    base_successor: Optional[str] = setting(
        None, "", "the sheet (conf/pricing/) of the base model's replacement, which its prompt and RAG routes"
        " move to after `base_serving_until`; chains of successors are followed",
        "null or a sheet in `conf/pricing/`; required when `base_serving_until` falls inside the horizon of a"
        f" prompt or RAG route; no loop, at most {MAX_GENERATIONS} base models a route")
    # calls a month one replica of a dedicated endpoint serves; null: billed per token, no ceiling
    replica_calls_per_month: Optional[float] = setting(
        None, "calls/month", "calls one replica of a dedicated endpoint serves; the report gives the share of"
        " scenario-months above it; null: billed per token, no ceiling",
        "null or a finite number > 0 (checked on a sheet a fine-tune route pays)")
    as_of: str = setting(MISSING, "date", "the day the sheet's prices were read", "a date `YYYY-MM-DD`")
    source: str = setting(MISSING, "", "where the prices were read (a price page, a contract, an invoice)",
                          "text without control or bidirectional characters")
    sheet: Optional[str] = setting(
        None, "", "the sheet's name: set by each run from `pricing=`, recorded for its replay",
        "null or the name of the run's own sheet in `conf/pricing/`")


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
    # Any, not bool: see Config.save_paths
    reprice_on_retrain: Any = setting(
        MISSING, "", "true: a fine-tune keeps its go-live month's prices until retrained (cuts reach it at a"
        " retrain); false: it pays each month's price index, as prompting does", "true or false")
    on_platform_exit: str = setting(
        "prompt", "", "what a fine-tune route does when its platform ends: `prompt` serves by prompting for"
        " good, `migrate` moves it to `finetune.successor`", "`prompt` or `migrate`")
    successor: Optional[str] = setting(
        None, "", "the sheet a migrating fine-tune moves to; its prices are `successor.*`",
        "null or a sheet in `conf/pricing/` other than the run's own; required with `migrate` (checked with"
        " `prompt` too)")


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
    bar: Any = setting(
        0.0, "fraction", "the least acceptable task success rate: a route below it in a scenario cannot win"
        " that scenario (`p_acceptable`, `p_win` in summary.json)", "a number in [0, 1]")


@dataclass
class Precision:
    # half-widths of the 95% intervals to reach; with either set, ``scenarios`` is the cap
    p_beats: Optional[float] = setting(
        None, "probability", "the 95% interval's half-width to reach on each P(challenger beats the"
        " baseline), absolute; null: no target", "null or a number in [1e-05, 0.5]")
    savings: Optional[float] = setting(
        None, "fraction", "the 95% interval's half-width to reach on each mean savings against the"
        " baseline, relative to it (0.01: 1%); null: no target", "null or a number in [0.0001, 10]")


# Per-scenario rows written by default: about 4 MB of results.nc at the default's 15 drawn
# inputs (about 128 bytes a row). The pictures of distributions are drawn from them, as
# the savings fan is from as many scenarios (sim.simulation.engine.PATH_SAMPLE): a share read off
# them is within about +-0.0012 (one standard error at 5%, sqrt(0.05 * 0.95 / 32768)).
# The summary's quantiles, CVaR and drivers use every kept row, in memory.
SAVED_SCENARIOS = 32_768


@dataclass
class Config:
    start: Optional[str] = setting(
        None, "month", "calendar month of month 1; the price sheets' dates fall in months counted from it;"
        " null: the month of the run (recorded in .hydra/config.yaml and summary.json)",
        "null or a calendar month `YYYY-MM` from 1900-01 to 2999-12")
    seed: int = setting(MISSING, "", "seed of every random stream", "a whole number in [0, 2^63 - 1]")
    scenarios: int = setting(MISSING, "scenarios", "scenarios simulated (the cap when a precision target is set)",
                             "a whole number in [1, 10^10]")
    horizon_months: int = setting(MISSING, "months", "months simulated; the answer is at the horizon",
                                  "a whole number in [1, 1200]")
    discount_rate: float = setting(MISSING, "1/year", "annual discount rate: month m weighs (1 + r)^(-(m-1)/12)",
                                   "a number in [0, 1]")
    confidence: float = setting(MISSING, "probability", "what a recommendation must reach against every other route",
                                "a number in (0, 1)")
    threads: Optional[int] = setting(None, "threads", "worker threads; null: one per core; results do not depend"
                                     " on it", "null or a whole number in [1, 1024]")
    kept_scenarios: Optional[int] = setting(
        1_048_576, "scenarios", "per-scenario rows kept in memory for quantiles, CVaR, break-even volumes and"
        " drivers; null: all; probabilities and means count every scenario", "null or a whole number in [1, 10^10]")
    # per-scenario rows written to results.nc, the first of the kept ones; null: every kept
    # row. A sweep job writes none unless its overrides name this key (sim.cli.payback).
    saved_scenarios: Optional[int] = setting(
        SAVED_SCENARIOS, "scenarios", "per-scenario rows written to results.nc, the first of the kept ones (the"
        " pictures of distributions are drawn from them); null: every kept row; a sweep job writes 0 unless its"
        " overrides name this key", "null or a whole number in [0, 10^10]")
    # Any, not bool: OmegaConf would read save_paths=-1 as true; validate takes only true/false
    save_paths: Any = setting(False, "", "keep every scenario's monthly cumulative cost in results.nc (memory:"
                              " scenarios x months x routes)", "true or false")
    report: Any = setting(True, "", "draw plots/ and write report.md and report.html", "true or false")
    # true: write cashflows.csv, cashflows_fiscal.csv and summary.csv; a sweep job writes them
    # only when its overrides name this key (sim.cli.payback.sweep_job_settings)
    cashflows: Any = setting(True, "", "write cashflows.csv, cashflows_fiscal.csv and summary.csv (a sweep job"
                             " only when its overrides name this key)", "true or false")
    fiscal_year_start: Any = setting(
        1, "month", "calendar month (1: January) a fiscal year begins in, for cashflows_fiscal.csv and the"
        " report's budget; a fiscal year is named by the year it ends in", "a whole number in [1, 12]")
    # seconds between progress lines off a terminal (a terminal shows a bar instead)
    progress_seconds: float = setting(10.0, "s", "off a terminal, how often a run logs a progress line (a"
                                      " terminal shows a bar instead)", "a number in (0, 86400]")
    memory_limit_gb: Optional[float] = setting(
        None, "GiB", "refuse a run whose estimated peak memory is above this; null: 90% of the memory available"
        " when the run starts", "null or a finite number >= 0.25 (payback itself takes about 0.23 GiB)")
    overwrite: Any = setting(False, "", "true: a run into a finished run directory replaces that run whole"
                             " (otherwise it is refused)", "true or false")
    # [{inputs: [KEY_A, KEY_B], rank: r}, ...]: Spearman rank correlations between uncertain
    # static inputs, imposed by Iman-Conover on each block (every marginal unchanged)
    correlations: Any = setting(
        None, "", "Spearman rank correlations between uncertain inputs, `[{inputs: [KEY_A, KEY_B], rank: r}, ...]`,"
        " imposed by Iman-Conover on each replicate of 1,024 scenarios without changing any input's distribution;"
        " pairs not given are independent",
        "a list of pairs of two different inputs drawn per scenario (not fixed, not `market.cut_size` or"
        " `finetune.base_lifetime_months`), each pair once; r a number in (-1, 1); the pairs' matrix (identity"
        " elsewhere) positive definite", factory=list)
    # mc, lhs, sobol or auto: how the static inputs' uniforms are spread (sim.simulation.sampling)
    sampling: str = setting(
        "auto", "", "how the static inputs are spread over the scenarios: `auto` is a scrambled Sobol net with"
        " month-1 volume integrated out (plain `sobol` where the volume is fixed or correlated); `sobol`,"
        " `lhs` (Latin hypercube), `mc` (independent scenarios)", "`auto`, `sobol`, `lhs` or `mc`")
    precision: Precision = setting(
        None, "", "95% interval half-widths to reach; with either set, `scenarios` is the cap and blocks of 8,192"
        " scenarios run until both are met", "`p_beats` and `savings` below; not with `point: true`",
        factory=Precision)
    # the tornado of the fixed inputs: each moved by this share down and up (0: no tornado)
    tornado_step: float = setting(
        0.2, "fraction", "the fixed inputs' tornado: each input given as a number moved by this share down and up,"
        " re-simulated on the first 16,384 scenarios; 0: no tornado", "0, or a number in (0, 1)")
    point: Any = setting(False, "", "true: every distribution at its median, one scenario (a spreadsheet-style"
                         " check)", "true or false; not with a precision target")
    workload: Workload = section(Workload, "the task: its volume, its growth and the tokens of a call")
    pricing: Pricing = section(Pricing, "the price sheet of the `pricing` group (conf/pricing/): every route's"
                               " prices unless it names its own sheet")
    market: Market = section(Market, "the price index every price moves with: a trend and random cuts")
    finetune: Finetune = section(Finetune, "the fine-tune's project: training, attempts, retrains, platform exits")
    rag: Rag = section(Rag, "the RAG pipeline: corpus, setup, vector store, re-indexing")
    prompt: Prompt = section(Prompt, "prompt and RAG routes' own costs (a move to the base model's successor)")
    quality: Quality = section(Quality, "task success rates, the cost of a failed call and the least acceptable"
                               " rate")
    # the routes compared, by name (conf/routes/: the default's three, one of each kind);
    # the baseline is what the team runs today (null: the first prompt route). Each route is
    # {kind: prompt|finetune|rag, pricing: SHEET or null (the pricing group's), workload: {...},
    # finetune: {...}, rag: {...}, quality: {KIND: rate}} (its own values of its kind's inputs), checked key by key by
    # sim.inputs.routing. Not a Dict[str, <a Route dataclass>]: OmegaConf cannot add a mapping
    # to such a dict, so the shell's '+routes.lora={kind:finetune}' failed ("dict is not a
    # subclass of Route").
    routes: Dict[str, Any] = setting(
        None, "", "the routes compared, by name: `{NAME: {kind, pricing, workload, finetune, rag, quality}}` (the"
        " `routes.NAME.*` keys below); presets in conf/routes/",
        "1 to 8 routes, at least one of kind prompt; a name is letters, digits, `_` and `-`, not `none`",
        factory=dict)
    baseline: Optional[str] = setting(
        None, "", "the route every other is compared with (what the team runs today); null: the first prompt route",
        "null or the name of a prompt route")
    # portfolio=NAME (conf/portfolio/): {shared: {...}, workloads: {NAME: {presets, overrides, route}}},
    # checked by sim.portfolio.spec; a portfolio's workloads run as the jobs of a multirun
    portfolio: Any = setting(
        None, "", "a portfolio of workloads, `portfolio=NAME` (conf/portfolio/NAME.yaml, the `portfolio.*` keys"
        " below): the run becomes a multirun of its workloads on one shared market; null: a single workload",
        "null or an option of conf/portfolio/, checked key by key before anything runs")


# A portfolio file (conf/portfolio/NAME.yaml, checked by sim.portfolio.spec): each workload's
# fields, the groups a workload may pick an option of (``market`` is the portfolio's, shared:),
# the keys every workload shares (MODEL.md: set in shared: or on the command line only) and the
# keys of one workload only (its routes and which of them is its baseline).
WORKLOAD_FIELDS = ("presets", "overrides", "route")
WORKLOAD_GROUPS = ("workload", "pricing", "routes", "finetune", "rag", "quality", "stress")
PORTFOLIO_KEYS = ("start", "horizon_months", "discount_rate", "seed", "scenarios", "sampling", "kept_scenarios",
                  "threads", "point", "precision", "market")
WORKLOAD_KEYS = ("routes", "baseline", "route", "presets", "portfolio")

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


__all__ = ["CONF_DIR", "Config", "EVENT_FIELDS", "MAX_GENERATIONS", "MAX_MONTHS", "PORTFOLIO_KEYS", "SECTIONS", "SUCCESSOR_PRICES",
           "WORKLOAD_FIELDS", "WORKLOAD_GROUPS", "WORKLOAD_KEYS",
           "input_metadata", "register", "section", "setting", "uncertain"]
