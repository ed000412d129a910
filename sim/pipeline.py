"""One run: validate, simulate, write the run directory, log the headline."""

import logging
from pathlib import Path

from sim.inputs.validation import Settings, validate
from sim.simulation.engine import PATH_SAMPLE, simulate
from sim.io.progress import phase
from sim.simulation.resources import check
from sim.simulation.tornado import TORNADO_SCENARIOS, tornado
from sim.results.tornado import store
from sim.io.signals import pause_point
from sim.results.dataset import saved_dataset, to_dataset
from sim.io.netcdf import write_dataset
from sim.io.files import write_json
from sim.report.tables import write_tables
from sim.io.signals import check_stop
from sim.results.summary import summarize
from sim.report.formats import share
from sim.report.memo import log_lines
from sim.results.member import member_settings, write_member

log = logging.getLogger("payback")


def run(cfg, output_dir, *, progress=True, run_info=None, member=None):
    """Run the decision model on a composed configuration.

    Parameters
    ----------
    cfg : DictConfig, mapping or Settings
        The composed configuration (see ``conf/config.yaml``), or one validated
        already.
    output_dir : str or Path
        Run directory; receives ``results.nc``, with ``cashflows`` (the default)
        ``cashflows.csv``, ``cashflows_fiscal.csv`` and ``summary.csv``, with ``report``
        (the default) ``plots/``, ``report.md`` and ``report.html``, and, last,
        ``summary.json`` (costs in USD, discounted to month 1). The summary counts every kept row; ``results.nc`` holds the
        first ``saved_scenarios`` of them and the summary, and the report and
        pictures are drawn from what it holds, so ``python -m sim.report`` redraws
        them exactly.
    progress : bool
        Show a progress bar on a terminal, progress lines in the log off one.
    run_info : dict, optional
        What the run is (presets, overrides, command, start time), for its label.
    member : (str, str or None), optional
        The run is this workload of a portfolio, with the route the portfolio fixes for it
        (None: its own answer decides): it draws from its own streams on the portfolio's
        market, and writes ``portfolio_member.nc`` (``sim.results.member``); its summary
        gains ``portfolio_member: {workload, route, reason}``.

    Returns
    -------
    dict
        The summary written to ``summary.json``.

    Raises
    ------
    sim.inputs.validation.ConfigError
        Before any simulation, if a value is invalid.
    """
    settings = cfg if isinstance(cfg, Settings) else validate(cfg)
    if member is not None:
        settings = member_settings(settings, member[0])
    size = check(settings)
    log.info("%s scenario-months; estimated peak memory %.2f GiB", f"{size.scenario_months:,}", size.total / 2**30)
    if settings.point:
        log.info("point run: every distribution at its median, one scenario (the event processes still draw"
                 " from the seed)")
    simulation = simulate(settings, progress=progress)
    member_paths = simulation.paths  # a portfolio's workload keeps every kept scenario's
    if not settings.save_paths:
        # the run's own bands and budget from the first PATH_SAMPLE, as any run's (quantiles over
        # every row cost a workload of 10^5 scenarios a third of a second)
        simulation.paths = member_paths[:PATH_SAMPLE]
    fixed_inputs = None
    if settings.tornado_step:
        with phase("tornado", f"fixed inputs ±{settings.tornado_step:.0%} on the first"
                   f" {min(simulation.scenarios, TORNADO_SCENARIOS):,} scenarios"):
            fixed_inputs = tornado(settings, simulation.scenarios)
    pause_point("compute")
    check_stop()  # between phases too: a signal's exception can be lost in a C extension
    with phase("analysis", f"results, summary, intervals and drivers of {simulation.scenarios:,} scenarios"):
        results = store(to_dataset(settings, simulation, run_info), fixed_inputs)
        summary = summarize(results)
        saved = saved_dataset(results, summary, settings.saved_scenarios)
    log.info("results.nc holds %s of the %s kept per-scenario rows (saved_scenarios)",
             f"{saved.sizes['scenario']:,}", f"{results.sizes['scenario']:,}")
    check_stop()
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    with phase("writing", "results.nc"):
        write_dataset(saved, output_dir / "results.nc")
    if settings.cashflows:  # the budget and summary.csv: cheap, and wanted without a report too
        write_tables(saved, summary, output_dir)
    if member is not None:
        route, reason = write_member(member_paths, results, summary, output_dir, *member)
        summary["portfolio_member"] = {"workload": member[0], "route": route, "reason": reason}
    if settings.report:
        # Imported here so that matplotlib loads only when pictures are drawn.
        from sim.report.document import write_report

        write_report(saved, summary, output_dir)
    # summary.json last: a run directory that holds it holds the whole run (a run
    # interrupted takes back what it wrote; one killed outright never got this far),
    # which is how a sweep's resume tells a finished job (sim.sweep.resume)
    write_json(summary, output_dir / "summary.json")
    check_stop()
    if summary["small_run"]:
        log.warning(summary["small_run"])
    if summary["precision"]:
        if summary["precision"]["note"]:
            log.warning(summary["precision"]["note"])
        else:
            log.info("precision targets met in %s scenarios", f"{summary['precision']['scenarios_used']:,}")
    log.info(summary["headline"])
    for line in log_lines(summary):
        log.info(line)
    for warning in summary["recommendation"]["warnings"]:
        log.warning(warning)
    for route, capacity in summary["capacity"].items():
        if capacity["share_over"] > 0:
            # where the flat fee of one replica is not the whole cost: the reader must know
            log.warning("%s: in %s of scenario-months the volume exceeds one replica (%s calls/month);"
                        " the model bills one replica", route, share(capacity["share_over"]),
                        f"{capacity['replica_calls_per_month']:,.0f}")
    for event in summary["calendar"]["events"]:
        if event["event"] == "training cutoff" and event["month"] == 0:
            # a route that cannot exist from this start: it costs what the baseline costs
            log.warning("%s: %s takes no training after %s, before month 1 (%s): the route can never ship and"
                        " serves by prompting throughout", ", ".join(event.get("routes") or []), event["sheet"],
                        event["date"], summary["start"])
    log.info("wrote %s", output_dir)
    return summary


__all__ = ["log", "run"]
