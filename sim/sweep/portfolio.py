"""A portfolio on the command line: its workloads run as the jobs of a Hydra multirun, on
the sweep's launchers (in this process by default; ``hydra/launcher=joblib`` on this
machine's cores, ``submitit_slurm`` on a cluster), and are added up when the multirun ends.

``payback portfolio=NAME ...`` becomes a multirun: the sweep's plan (``sweep_plan.json``)
lists one job per workload and per point of the command line's own sweep, each a single
run's overrides (``sim.portfolio.spec.workload_overrides``), and records which workload each
job is (``portfolio``), which is how a job, in whatever process, knows it is one, and how a
resume (``python -m sim.sweep DIR --resume``) finishes a portfolio. A portfolio of one point
writes its files into the sweep directory; a sweep of portfolios into ``portfolio-K/``.
"""

import logging
from pathlib import Path

from sim.sweep.plan import FAILURE_FILE, SUMMARY_FILE, read_plan

log = logging.getLogger("payback")

PLAN_KEY = "portfolio"


def plan_jobs(config):
    """The jobs of a portfolio multirun of ``config``, and the plan's ``portfolio`` record.

    Returns
    -------
    (list of list of str, dict) or None
        None when ``config`` names no portfolio. Otherwise each job's overrides, in job order
        (workloads in the file's order within each point of the command line's sweep), and
        ``{name, points: [overrides of the point], members: [{job, workload, route, point}]}``.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper  # as sim.sweep.plan.expand
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    from sim.portfolio.spec import check_portfolio, workload_overrides

    from sim.inputs.validation import ConfigError

    node = OmegaConf.select(config, "portfolio")
    if node is None:
        return None
    name = portfolio_name(config)
    if not OmegaConf.is_config(node):  # an option that does not exist is read as a value
        options = GlobalHydra.instance().config_loader().get_group_options("portfolio")
        raise ConfigError(f"portfolio: no option {node!r} (available: {', '.join(options) or 'none'})")
    shared, workloads = check_portfolio(name, OmegaConf.to_container(node, resolve=False))
    # portfolio=NAME and portfolio.* (portfolio.workloads.W.route=R) shape the jobs, not a run
    arguments = [o for o in config.hydra.overrides.task if o.lstrip("+~").partition("=")[0].split(".")[0] != "portfolio"]
    parser = OverridesParser.create(config_loader=GlobalHydra.instance().config_loader())
    (points,) = BasicSweeper.split_arguments(parser.parse_overrides(arguments), None) if arguments else ([[]],)
    jobs, members = [], []
    for point, command_line in enumerate(points):
        for workload, entry in workloads.items():
            members.append({"job": len(jobs), "workload": workload, "route": entry.get("route"), "point": point})
            jobs.append(workload_overrides(shared, entry, list(command_line)))
    # the portfolio's own files follow the workloads' report= and cashflows= (the shell's, else shared:'s)
    flags = {key: _flag(jobs[0], key, config.get(key) is not False) for key in ("report", "cashflows")}
    return jobs, {"name": name, "points": [list(p) for p in points], "members": members, **flags}


def _flag(overrides, key, default):
    # the last override of ``key`` wins, as in Hydra
    values = [o.partition("=")[2] for o in overrides if o.lstrip("+").partition("=")[0] == key]
    return default if not values else values[-1].strip("'\"").lower() not in ("false", "0", "no", "off")


def portfolio_name(config):
    """The option the command line chose for the ``portfolio`` group."""
    choices = config.hydra.runtime.choices
    return str(choices.get("portfolio") or "portfolio")


def membership(sweep_dir, number, _plans={}):
    """``(workload, route)`` of job ``number`` of the multirun in ``sweep_dir``, or None when the
    multirun is not a portfolio's (the plan is read once per process and directory)."""
    key = str(sweep_dir)
    if key not in _plans:
        plan = read_plan(sweep_dir)
        _plans[key] = (plan or {}).get(PLAN_KEY)
    record = _plans[key]
    if not record:
        return None
    member = record["members"][int(number)]
    return member["workload"], member["route"]


def finish(sweep_dir):
    """Add up every point's workloads into the portfolio's files (``sim.portfolio.outputs``).

    Returns
    -------
    list of dict
        The failed or missing jobs (``job``, ``workload``): a point with one is not added up.
    """
    from sim.results.member import MEMBER_FILE, member_readable

    sweep_dir = Path(sweep_dir)
    plan = read_plan(sweep_dir)
    record = plan[PLAN_KEY]
    report, cashflows = record.get("report", True), record.get("cashflows", True)
    failed = []
    for point, overrides in enumerate(record["points"]):
        members = [m for m in record["members"] if m["point"] == point]
        directories = {m["workload"]: sweep_dir / str(m["job"]) for m in members}
        missing = [m for m in members if not (directories[m["workload"]] / SUMMARY_FILE).is_file()
                   or (directories[m["workload"]] / FAILURE_FILE).is_file()
                   or not member_readable(directories[m["workload"]])]
        if missing:
            failed += [{"job": m["job"], "workload": m["workload"]} for m in missing]
            log.error("portfolio %s%s: not added up: workload(s) %s did not finish or have no readable %s"
                      " (python -m sim.sweep %s --resume runs them again)", record["name"], _point_label(overrides),
                      ", ".join(m["workload"] for m in missing), MEMBER_FILE, sweep_dir)
            continue
        try:
            done = _add_up(sweep_dir, record, point, overrides, directories, report, cashflows)
        except Exception as error:  # noqa: BLE001 - a multirun's callback must not lose it in a warning
            log.error("portfolio %s%s: not added up: %s: %s", record["name"], _point_label(overrides),
                      type(error).__name__, error)
            failed.append({"job": f"portfolio-{point}", "workload": "all"})
            continue
        for line in done:
            log.info(line)
    return failed


def _add_up(sweep_dir, record, point, overrides, directories, report, cashflows):
    # one point's portfolio written; returns the lines the log gets
    from sim.portfolio.outputs import write_portfolio

    alone = len(record["points"]) == 1
    output_dir = sweep_dir if alone else sweep_dir / f"portfolio-{point}"
    # the workloads' own reports, as the portfolio's report links them
    links = {w: d.name if alone else f"../{d.name}" for w, d in directories.items()}
    summary = write_portfolio(directories, output_dir, name=record["name"], report=report, cashflows=cashflows,
                              workload_dirs=links, overrides=list(overrides))
    return [*(f"{workload}: {entry['route']} ({entry['reason']})" for workload, entry in summary["workloads"].items()),
            summary["headline"], f"wrote {output_dir}"]


def launch_planned(sweeper, arguments):
    """``BasicSweeper.sweep`` for a portfolio: launch the jobs its plan lists (recorded as the
    multirun started, ``sim.sweep.callbacks.SweepProgress``) on the sweeper's launcher."""
    from sim.sweep.resume import launch_jobs

    sweep_dir = Path(str(sweeper.config.hydra.sweep.dir))
    plan = read_plan(sweep_dir)
    if plan is None or not plan.get(PLAN_KEY):  # another multirun of this process: the sweeper's own
        return type(sweeper).sweep(sweeper, arguments)
    # every job was composed and validated as the multirun started (sim.cli.portfolio)
    return launch_jobs(sweeper, plan["jobs"], sweep_dir, plan, check=False)


def _point_label(overrides):
    return f" ({' '.join(overrides)})" if overrides else ""


__all__ = ["PLAN_KEY", "finish", "launch_planned", "membership", "plan_jobs", "portfolio_name"]
