"""Validation of a composed configuration: every value checked, every uncertain input
parsed, before any work starts; the result is the ``Settings`` a run needs.

A refusal is a ``ConfigError`` whose message is one line naming the key.
"""

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from kernels.layout import CALENDAR_LEN, SERVING_UNTIL, STATIC_FIELDS, TRAINING_UNTIL
from sim.inputs.correlation import RankCorrelation, parse_pairs, rank_correlation
from sim.inputs.distributions import InputError, parse
from sim.stats.precision import Targets
from sim.inputs.calendar import current_month, parse_month, sheet_calendar
from sim.inputs.routes import DEFAULT_ROUTES
from sim.inputs.point import at_medians
from sim.inputs.routing import resolve
from sim.inputs.static import StaticLayout
from sim.io.text import refusal

from sim.inputs.errors import ConfigError, describe_omegaconf_error
from sim.inputs.sheets import check_sheet_identity, load_sheet
from sim.inputs.schema import (
    CONF_DIR,
    EVENT_FIELDS,
    MAX_MONTHS,
    PLATFORM_EXIT_CHOICES,
    Config,
    input_metadata,
)

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
CACHED_PRICES = ("base_cached_input", "finetuned_cached_input")



@dataclass(frozen=True)
class Settings:
    """A validated configuration: what the simulation needs, nothing else.

    ``inputs`` maps each key of the layout and ``EVENT_FIELDS`` to its
    Distribution; ``resolved`` is the whole configuration as plain containers, with
    ``start`` resolved. ``calendar`` is the kernel's int64[CALENDAR_LEN] (see
    ``kernels.scenarios.TRAINING_UNTIL``); ``sheets`` the run's sheet's calendar and,
    with ``migrate``, the successor's; ``successor_sheet`` that sheet as read.
    ``correlation`` is the target rank correlation of ``correlations`` (a
    ``sim.inputs.correlation.RankCorrelation``), None without any. ``routes`` are the run's
    routes (``sim.inputs.routes.Route``), ``baseline`` the position of the one every other is
    compared with; ``layout`` the columns of the static inputs (``sim.inputs.static``) and
    ``route_sheets`` every price sheet a route reads, by name; ``quality_bar`` the least
    acceptable success rate (``quality.bar``); ``cashflows`` whether the budget's CSV files are
    written, ``fiscal_year_start`` the calendar month (1-12) a fiscal year begins in.
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
    routes: tuple = ()
    baseline: int = 0
    layout: Optional[StaticLayout] = None
    route_sheets: Optional[dict] = None
    quality_bar: float = 0.0
    tornado_step: float = 0.2
    point: bool = False
    cashflows: bool = True
    fiscal_year_start: int = 1
    # the name of the portfolio's workload this run is (sim.portfolio): its own streams are
    # keyed by it and the market is the portfolio's (sim.simulation.market); None: a single run
    portfolio_workload: Optional[str] = None

    @property
    def keeps_every_path(self):
        """Whether the engine keeps every kept scenario's monthly costs: ``save_paths``, or a
        portfolio's workload, whose costs the portfolio adds up scenario by scenario."""
        return self.save_paths or self.portfolio_workload is not None


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
        The checked run: every uncertain input parsed into its distribution (amounts in
        USD, durations in months, volumes in calls a month), the routes and the calendar.

    Raises
    ------
    ConfigError
        On the first invalid, missing or unknown key, with a one-line message.
    """
    plain = _plain(cfg)
    if isinstance(plain, dict) and "routes" not in plain:  # a configuration built by hand, not composed
        plain = {**plain, "routes": DEFAULT_ROUTES}
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
    cashflows, fiscal_year_start = _boolean(resolved, "cashflows"), _run_key(resolved, "fiscal_year_start", 1, 12)
    _boolean(resolved, "overwrite")
    reprice_on_retrain = _boolean(resolved["finetune"], "reprice_on_retrain", "finetune.")
    progress_seconds = resolved["progress_seconds"]
    if isinstance(progress_seconds, bool) or not 0 < progress_seconds <= MAX_PROGRESS_SECONDS:
        raise ConfigError(f"progress_seconds: {progress_seconds!r} is not a number of seconds in (0, 86400]")
    bar = resolved["quality"]["bar"]
    if isinstance(bar, bool) or not isinstance(bar, (int, float)) or not 0 <= bar <= 1:
        raise ConfigError(f"quality.bar: {bar!r} is not a number in [0, 1] (the least acceptable success rate)")
    limit = resolved["memory_limit_gb"]
    if limit is not None and not (math.isfinite(limit) and limit >= MIN_MEMORY_LIMIT_GB):
        raise ConfigError(f"memory_limit_gb: {limit!r} is not null or a number of GiB >= {MIN_MEMORY_LIMIT_GB:g}"
                          " (payback itself takes about 0.23 GiB before its first scenario)")

    finetune = resolved["finetune"]
    # a hand-built configuration's sheet has no name: its routes call it "pricing"
    pricing_sheet = pricing_sheet or resolved["pricing"]["sheet"] or "pricing"
    # recorded for a replay, which must read the same sheet (sim.cli.payback.record_identity)
    resolved["pricing"]["sheet"] = resolved["pricing"]["sheet"] or (pricing_sheet if pricing_sheet != "pricing" else None)
    migrate = _platform_exit_choice(finetune["on_platform_exit"]) == "migrate"
    if refusal("pricing", pricing_sheet):
        raise ConfigError(refusal("pricing", pricing_sheet))
    check_sheet_identity("pricing", resolved["pricing"])

    def load(name, key):
        return load_sheet(name, key, conf_dir, start_text)

    metadata = input_metadata()
    inputs = {}
    try:
        sheets = [sheet_calendar(pricing_sheet, "pricing", resolved["pricing"], start, horizon)]
        # checked whatever on_platform_exit says (a misspelt successor passed under prompt),
        # used only with migrate
        successor = None
        if finetune["successor"] is not None:
            successor = load(finetune["successor"], "finetune.successor")
            if finetune["successor"] == pricing_sheet:
                raise ConfigError(f"finetune.successor: {pricing_sheet!r} is the run's own price sheet; a successor"
                                  " is another sheet")
            successor_calendar = sheet_calendar(finetune["successor"], f"finetune.successor ({finetune['successor']})",
                                                successor, start, horizon)
            if migrate:
                sheets.append(successor_calendar)
            else:
                successor = None
        elif migrate:
            raise ConfigError("finetune.successor: required with finetune.on_platform_exit=migrate (a sheet in"
                              " conf/pricing/)")
        for key, meta in metadata.items():
            section, name = key.split(".")
            if section == "successor":
                value = successor[name] if successor is not None else 0.0
            elif section == "pricing" and resolved["pricing"].get(name) is None and name in CACHED_PRICES:
                continue  # absent: the uncached price (sim.inputs.routing)
            else:
                value = resolved[section][name]
            inputs[key] = parse(key, value, meta["domain"].for_horizon(horizon))
        routing = resolve(resolved, inputs, pricing_sheet=pricing_sheet, horizon=horizon, start=start, load=load)
        if not migrate:
            # never paid by a route on the shared options (a route that migrates on its own draws
            # its own, sim.inputs.routing): drawing it would add a column of noise, and whether it
            # is drawn may not depend on the routes (under sobol it is a dimension of the shared net)
            inputs["finetune.migration_cost"] = parse("finetune.migration_cost", 0.0, metadata["finetune.migration_cost"]["domain"])
        extra_groups = dict(routing.groups)
        for key in inputs:
            if key not in STATIC_FIELDS and key not in EVENT_FIELDS:
                # the newer shared inputs; the quality inputs a net of their own under sobol, so
                # that an uncertain rate moves no other input's draws
                extra_groups.setdefault(key, "quality" if key.startswith("quality.") else "inputs")
        layout = StaticLayout.of(extra_groups)
        inputs.update(routing.extra)
        columns = layout.column_of
        pairs = parse_pairs(resolved["correlations"], inputs, columns, EVENT_FIELDS)
        correlation = rank_correlation(pairs, columns) if pairs else None
    except InputError as error:
        raise ConfigError(str(error)) from None
    sampling, integrate_volume, sampling_note = _sampling(resolved["sampling"], inputs, correlation)
    precision = _precision(resolved["precision"])
    tornado_step, point = _tornado_step(resolved["tornado_step"]), _boolean(resolved, "point")
    routes = routing.routes
    if point:
        if precision is not None:
            raise ConfigError("point: true runs one scenario at the medians; precision targets have nothing to"
                              " reach there (set precision.p_beats and precision.savings to null)")
        # the medians of the marginals: a correlation has nothing left to move
        inputs, routes = at_medians(inputs, routes)
        scenarios, correlation = 1, None
        sampling, integrate_volume, sampling_note = "mc", False, "point run: every distribution at its median"
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
        routes=routes,
        baseline=routing.baseline,
        layout=layout,
        route_sheets=routing.sheets,
        quality_bar=float(bar),
        tornado_step=tornado_step,
        point=point,
        cashflows=cashflows,
        fiscal_year_start=fiscal_year_start,
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


def _tornado_step(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value == 0 or 0 < value < 1):
        raise ConfigError(f"tornado_step: {value!r} is not 0 (no tornado) or a share in (0, 1), e.g. 0.2 for ±20%")
    return float(value)


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


def _plain(cfg):
    if isinstance(cfg, DictConfig):
        return OmegaConf.to_container(cfg, resolve=False)
    return cfg


__all__ = ["ConfigError", "Settings", "check_sheet_identity", "describe_omegaconf_error", "validate"]
