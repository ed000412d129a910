"""Command line: ``payback`` / ``python -m sim``, a thin Hydra wrapper around ``run``.

Bad input ends with one line naming the key, exit code 2 and no traceback, whether
Hydra refuses it while composing (unknown key, wrong type, missing preset) or our
validation does (a value out of range). A run directory that cannot be written, or
one in use or finished, ends the same way. Ctrl-C, SIGTERM or SIGHUP ends a run within
about a second with one line, exit code 130, 143 or 129, and nothing new published
(``sim.io.signals``; the ``payback`` script installs the handler before this module's
imports).
"""

import atexit
import dataclasses
import logging
import os
import re
import shlex
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import hydra
import yaml
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from hydra.types import RunMode
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.cli import hydra as hydra_patches

from sim.io import signals
from sim.sweep.callbacks import last_failed_jobs, record_failure
from sim.inputs.schema import CONF_DIR, register
from sim.inputs.validation import ConfigError, describe_omegaconf_error, validate
from sim.inputs.distributions import FAMILY_PARAMETERS
from sim.cli.overrides import clear_before_mappings, register_distribution_functions, route_added_twice
from sim.inputs.stresses import reconcile, warnings as stress_warnings
from sim.inputs.provenance import preset_keys
from sim.sweep.plan import PLAN_FILE, resuming
from sim.io.directories import FINISHED_MARKS, LOCK_FILE, RUN_SET, LockRefused, lock_directory
from sim.io.files import WriteError, atomic_path, discard_published, published, remove_partials
from sim.io.signals import Interrupted, stop_requested
from sim.io.text import refusal, shown
from sim.cli.portfolio import check_portfolio, checked_settings, portfolio_arguments, portfolio_in_run_dir

CONFIG_DIR = str(CONF_DIR)
EXIT_BAD_INPUT = 2
EXIT_SWEEP_FAILED = 1
EXIT_INTERNAL = 1  # a defect, not bad input

log = logging.getLogger("payback")
_single_runs_done = []  # output directories of the single (not multirun) runs of this process
_command_line = []  # the arguments as the user typed them
_PROCESS_START = time.time()
_active_job = {}  # the job running now: run_dir, mark (published files before it), sweep_dir
_validated = {}  # the settings of the single run about to start, validated once

register()


def _refuse(message):
    print(f"payback: error: {shown(str(message))}", file=sys.stderr)  # one line, nothing a terminal acts on
    sys.exit(EXIT_BAD_INPUT)


def discard_refused_run(output_dir):
    """Remove what Hydra wrote for a run refused before it started: ``.hydra/`` and the log.

    Only files this process wrote go, and then the directories they leave empty (a
    dated ``outputs/YYYY-MM-DD/`` included): a refused input leaves nothing on disk,
    and nothing that was there before is touched.
    """
    run_dir = Path(output_dir)
    ours = [*(run_dir / ".hydra").glob("*.yaml"), run_dir / "payback.log", run_dir / LOCK_FILE]
    for path in ours:
        # a second's margin for the file system's coarser clock
        if path.is_file() and path.stat().st_mtime >= _PROCESS_START - 1.0:
            path.unlink()
    candidates = [run_dir / ".hydra", run_dir]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", run_dir.parent.name):
        candidates.append(run_dir.parent)  # outputs/YYYY-MM-DD, and outputs/ if that was all
        if run_dir.parent.parent.name == "outputs":
            candidates.append(run_dir.parent.parent)
    for directory in candidates:
        try:
            directory.rmdir()  # only when empty
        except OSError:
            break


def _validate_job(cfg, hydra_config, portfolio_member=False):
    if hydra_config.mode == RunMode.MULTIRUN:
        settings = checked_settings(hydra_config.overrides.task)  # a portfolio's workload, checked already
        if settings is None:
            task = _reconciled(OmegaConf.to_container(cfg, resolve=False), hydra_config)[0]
            settings = validate(task, pricing_sheet=hydra_config.runtime.choices.get("pricing"))
        settings = sweep_job_settings(settings, hydra_config.overrides.task, portfolio_member)
    else:  # validated as the run started (_check_run)
        settings = _validated.pop("settings")
    if hydra_config.output_subdir is not None:
        record_identity(Path(hydra_config.runtime.output_dir) / hydra_config.output_subdir, settings.start,
                        settings.resolved["pricing"]["sheet"], settings.saved_scenarios)
    return settings


SWEEP_SAVED_SCENARIOS = 0


# What a sweep job leaves out unless its overrides name the key; a portfolio's workload (a job of
# its multirun) also runs no tornado: re-simulating every fixed input twice was most of its time
# (about 2 s a workload of 10^5 scenarios), and a portfolio's answer is its budget and routing.
SWEEP_JOB_DEFAULTS = {"saved_scenarios": SWEEP_SAVED_SCENARIOS, "cashflows": False}
PORTFOLIO_JOB_DEFAULTS = {**SWEEP_JOB_DEFAULTS, "tornado_step": 0.0}


def sweep_job_settings(settings, overrides, portfolio_member=False):
    """A sweep job's settings: no per-scenario rows saved unless its overrides name ``saved_scenarios``,
    no budget CSV files (``cashflows``) unless they name ``cashflows``, and for a portfolio's
    workload no tornado unless they name ``tornado_step`` (``SWEEP_JOB_DEFAULTS``,
    ``PORTFOLIO_JOB_DEFAULTS``).

    The aggregate reads each job's ``summary.json`` only; a single run's 32,768 rows
    would leave about 4 MB a job on disk that no one reads (4 GB for 1,000 jobs).
    Given on the command line (``saved_scenarios=N``, fixed or swept), the value is
    kept. Only the overrides can tell: ``conf/config.yaml`` sets the single run's
    default itself, so the composed value is the same whether the user chose it or not
    (and no preset can set it: config.yaml's own keys come after the presets').
    """
    named = {o.lstrip("+~").partition("=")[0] for o in overrides}
    defaults = PORTFOLIO_JOB_DEFAULTS if portfolio_member else SWEEP_JOB_DEFAULTS
    unnamed = {key: value for key, value in defaults.items() if key not in named}
    return dataclasses.replace(settings, **unnamed, resolved={**settings.resolved, **unnamed})


PRESET_GROUPS = ("pricing", "workload", "market", "finetune", "rag", "stress")


def _config_dirs(hydra_config):
    # the directories Hydra read presets from, in its order (a --config-dir's included)
    sources = hydra_patches.hydra_part(hydra_config, "runtime.config_sources") or []
    return [s["path"] for s in sources if s.get("schema") == "file"] or [CONF_DIR]


def _group_choices(hydra_config):
    choices = {group: option for group, option in (hydra_patches.hydra_part(hydra_config, "runtime.choices") or {}).items()
               if not group.startswith("hydra/")}
    from hydra.core.override_parser.overrides_parser import OverridesParser

    for override in hydra_patches.hydra_part(hydra_config, "overrides.task") or []:  # a list of options is not among Hydra's choices
        group, equals, _ = override.lstrip("+").partition("=")
        if equals and group in PRESET_GROUPS and choices.get(group) is None:
            value = OverridesParser.create().parse_override(override).value()
            choices[group] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return choices


def _reconciled(task, hydra_config):
    """``task`` without a stress's correlations the command line fixed, and what it replaced (sim.inputs.stresses)."""
    overrides = list(hydra_patches.hydra_part(hydra_config, "overrides.task") or [])
    return reconcile(task, _group_choices(hydra_config), overrides, _config_dirs(hydra_config))


def describe_run(hydra_config, composed=None):
    """Presets, overrides, command and start time of the job, for its label; every group's
    choice and the keys its non-default presets set (``sim.inputs.provenance``); with the
    composed configuration, what the command line replaced of the chosen stress (``sim.inputs.stresses``)."""
    choices = hydra_config.runtime.choices
    task = list(hydra_config.overrides.task)
    # the key=null that clear_before_mappings put before a mapping is not the user's
    overrides = [o for i, o in enumerate(task) if not o.lstrip("+~").startswith("hydra.")
                 and not (o.endswith("=null") and i + 1 < len(task) and task[i + 1].startswith(o[:-4]))]
    presets = {group: str(choices[group]) for group in PRESET_GROUPS if choices.get(group) is not None}
    for override in overrides:  # a list of options (stress=[a,b]) is not among the choices
        group, _, value = override.partition("=")
        if group in PRESET_GROUPS and group not in presets:
            presets[group] = value
    return {
        "presets": presets,
        "overrides": overrides,
        "command": " ".join(["payback", *(shlex.quote(arg) for arg in _command_line or sys.argv[1:])]),
        "start_time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "choices": _group_choices(hydra_config),
        "preset_keys": preset_keys(_group_choices(hydra_config), _config_dirs(hydra_config)),
        **({"stress_overrides": _reconciled(composed, hydra_config)[1]} if composed is not None else {}),
    }


def record_identity(hydra_dir, start, sheet, saved_scenarios):
    """Write the resolved ``start``, the sheet's name and our hydra settings into ``.hydra/config.yaml``.

    Hydra saves the composed configuration before the job runs, with ``start: null``
    (or an interpolation such as ``${now:%Y-%m}``) and without the name of the
    ``pricing`` preset; a replay from that file must start in the same calendar month,
    not in the month of the replay, and know its sheet (a successor may not be it).
    ``saved_scenarios`` is what the job writes: a sweep job's 0 is not in the
    composed configuration.
    """
    path = Path(hydra_dir) / "config.yaml"
    if path.is_file():
        saved = OmegaConf.load(path)
        recorded = OmegaConf.to_container(saved, resolve=False)
        if (recorded.get("start") == start and (recorded.get("pricing") or {}).get("sheet") == sheet
                and "hydra" in recorded and recorded.get("saved_scenarios") == saved_scenarios):
            return
        saved.start = start
        saved.saved_scenarios = saved_scenarios
        if "pricing" in saved:
            saved.pricing.sheet = sheet
        # A replay composes from this file alone: without the project's own hydra
        # settings it would name its directory, log and sweep after Hydra's defaults.
        saved.hydra = OmegaConf.load(CONF_DIR / "config.yaml").hydra
        with atomic_path(path) as temporary:
            OmegaConf.save(saved, temporary)


def claim_run_dir(run_dir, *, overwrite=False):
    """Make ``run_dir`` this run's own, before Hydra writes anything into it.

    Refused in one line: an empty name (it would be the current directory), a file,
    a directory that cannot be written, one another live run holds (an exclusive
    ``flock`` on ``.payback.lock``, held until this process ends) and one holding a
    finished run (``summary.json`` or ``results.nc``) unless ``overwrite``, which
    removes the old run's files (``RUN_SET``) first: a run directory never holds a
    mix of two runs. A symbolic link in the place of one of those files is refused
    too (the run would write through it, out of its directory) unless ``overwrite``,
    which removes the link, never its target. Temporary files of runs no longer
    alive are removed. The configuration is validated before (``_check_run``): a
    refused input with ``overwrite`` never costs the old run.
    """
    if run_dir is None or not str(run_dir).strip():
        _refuse("hydra.run.dir: empty: a run would write into the current directory; name a directory")
    run_dir = Path(str(run_dir))
    _check_directory(run_dir, "hydra.run.dir")
    try:
        lock_directory(run_dir, "hydra.run.dir", "another run")
    except LockRefused as error:
        _refuse(error)
    remove_partials(run_dir)
    finished = [name for name in FINISHED_MARKS if (run_dir / name).exists()]
    if finished and not overwrite:
        _refuse(f"hydra.run.dir: {run_dir} holds a finished run ({finished[0]}); name another directory,"
                " or add overwrite=true to replace it")
    # a report without its run is not one of ours (a run publishes them together): the user's
    theirs = [name for name in ("report.md", "report.html") if (run_dir / name).exists()] + \
        [f"plots/{p.name}" for p in sorted((run_dir / "plots").glob("*"))[:1] if not (run_dir / "plots").is_symlink()]
    if theirs and not finished and not overwrite:
        _refuse(f"hydra.run.dir: {run_dir} holds {theirs[0]}, which the run would replace; name another directory,"
                " or add overwrite=true to replace it")
    links = [name for name in RUN_SET if (run_dir / name).is_symlink()]
    if links and not overwrite:
        _refuse(f"hydra.run.dir: {run_dir / links[0]} is a symbolic link, which the run would write through,"
                " out of its directory; remove it, or add overwrite=true to replace it (its target is not touched)")
    if finished or links or theirs:
        for name in RUN_SET if finished or theirs else links:
            path = run_dir / name
            try:
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink(missing_ok=True)
            except OSError as error:  # a part of the old run that stays would make a mix
                _refuse(f"overwrite: cannot remove {path} ({error.strerror or error})")
    return run_dir


def _check_directory(directory, key):
    # refused in one line: a file in its place, or a name the file system cannot take
    # (a part longer than 255 bytes was an internal error: Path.exists raised it)
    try:
        if directory.exists() and not directory.is_dir():
            _refuse(f"{key}: {directory} is a file, not a directory")
    except OSError as error:
        _refuse(f"{key}: cannot use {directory} ({error.strerror or error})")


def check_sweep_dir(config):
    """Refuse a multirun whose aggregate could not be made or would mix two sweeps.

    The launching process then holds the sweep directory's lock until it ends: a
    resume (``python -m sim.sweep DIR --resume``) is refused while the sweep runs,
    and two resumes never run the same point. A resume passes the check for an
    earlier sweep: finishing that sweep is what it is for.
    """
    _check_portfolio(config)
    if config.hydra.output_subdir is None:
        _refuse("hydra.output_subdir: null in a --multirun leaves the jobs without .hydra/overrides.yaml,"
                " which the sweep's aggregate reads; leave it at .hydra")
    sweep_dir = OmegaConf.select(config, "hydra.sweep.dir")
    # a portfolio run without -m: the user named hydra.run.dir, which became the sweep's directory
    key, what = ("hydra.run.dir", "portfolio") if portfolio_in_run_dir() else ("hydra.sweep.dir", "sweep")
    if sweep_dir is None or not str(sweep_dir).strip():
        _refuse(f"{key}: empty: a sweep would write into the current directory; name a directory")
    sweep_dir = Path(str(sweep_dir))
    _check_directory(sweep_dir, key)
    links = [p for p in sweep_dir.glob("[0-9]*") if p.is_symlink()]
    if links:  # a job would write its run there, out of the sweep directory
        _refuse(f"{key}: {links[0]} is a symbolic link where a job's directory goes; remove it"
                " (its target is not touched) or name another directory")
    earlier = [p for p in (sweep_dir / "sweep.csv", *sweep_dir.glob("*/summary.json")) if p.exists()]
    if earlier and not resuming():
        _refuse(f"{key}: {sweep_dir} holds an earlier {what} ({earlier[0].relative_to(sweep_dir)};"
                f" python -m sim.sweep {sweep_dir} --resume finishes it); name another directory")
    if not resuming():  # a resume took the lock before it chose the jobs to run
        try:
            lock_directory(sweep_dir, key, "a running sweep")
        except LockRefused as error:
            _refuse(error)


def _settings_of(config):
    # a composed configuration (its hydra node included) validated as a run's
    task = OmegaConf.to_container(config, resolve=False)
    hydra_node = task.pop("hydra", {})
    choices = hydra_node.get("runtime", {}).get("choices", {})
    task = _reconciled(task, hydra_node)[0]
    return validate(task, pricing_sheet=choices.get("pricing"))


def _check_portfolio(config):
    # a portfolio is refused as a whole before anything is written (sim.cli.portfolio)
    try:
        check_portfolio(config, _settings_of, describe_hydra_error, describe_yaml_error)
    except ConfigError as error:
        _refuse(error)


def _check_run(config):
    # A single run is validated here, once, before its directory is claimed or Hydra
    # writes into it: a refused input leaves nothing on disk; the job runs these settings.
    task = OmegaConf.to_container(config, resolve=False)
    hydra_node = task.pop("hydra", {})
    choices = hydra_node.get("runtime", {}).get("choices", {})
    task = _reconciled(task, hydra_node)[0]
    try:
        _validated["settings"] = validate(task, pricing_sheet=choices.get("pricing"))
    except ConfigError as error:
        _refuse(error)
    claim_run_dir(OmegaConf.select(config, "hydra.run.dir"), overwrite=config.get("overwrite") is True)


def _multirun_started(config):
    sweep_dir = str(config.hydra.sweep.dir)
    if (Path(sweep_dir) / PLAN_FILE).is_file():  # a signal before the first job can point to --resume
        _active_job.update(sweep_dir=sweep_dir)


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def _task(cfg):
    hydra_config = HydraConfig.get()
    output_dir = hydra_config.runtime.output_dir
    _active_job.update(run_dir=output_dir, mark=len(published()),
                       sweep_dir=hydra_config.sweep.dir if hydra_config.mode == RunMode.MULTIRUN else None)
    if hydra_config.mode != RunMode.MULTIRUN:
        try:
            settings = _validate_job(cfg, hydra_config)
        except ConfigError as error:
            discard_refused_run(output_dir)
            _refuse(error)
        # Imported only now: bad input and --help answer before numba, xarray and
        # matplotlib are loaded.
        from sim.pipeline import run

        info = describe_run(hydra_config, OmegaConf.to_container(cfg, resolve=False))
        for line in stress_warnings(info["stress_overrides"]):
            log.warning(line)
        try:
            summary = run(settings, output_dir, run_info=info)
        except ConfigError as error:  # the resource estimate refused it, before any work
            discard_refused_run(output_dir)
            _refuse(error)
        except WriteError as error:  # here, not in main: Hydra would log the failed job first
            abandon_run()
            _refuse(error)
        except Exception:
            _raise_a_stop_asked_for()
            raise
        _single_runs_done.append(output_dir)
        _job_finished()
        return summary
    try:
        from sim.pipeline import run
        from sim.sweep.portfolio import membership

        member = membership(hydra_config.sweep.dir, hydra_config.job.num)
        settings = _validate_job(cfg, hydra_config, portfolio_member=member is not None)
        info = describe_run(hydra_config, OmegaConf.to_container(cfg, resolve=False))
        for line in stress_warnings(info["stress_overrides"]):
            log.warning(line)
        summary = run(settings, output_dir, run_info=info, member=member)
    except Exception as error:  # one failed job must not take the rest of the sweep down
        _raise_a_stop_asked_for()
        record_failure(output_dir, error)
        if isinstance(error, ConfigError):
            log.error("job failed: %s", error)
        else:
            log.exception("job failed")
        summary = None
    _job_finished()
    return summary


def _raise_a_stop_asked_for():
    # A library that caught our Interrupted and raised its own error (under load, a
    # Ctrl-C in the middle of a block): as an Exception it would reach Hydra's job
    # runner, which prints "Error executing job with overrides: [...]" before our
    # line; as Interrupted (a SystemExit) it passes Hydra by.
    if stop_requested() is not None:
        raise Interrupted(stop_requested()) from None


def _job_finished():
    # A finished job is kept whole: a signal from now on (between two jobs of a sweep,
    # or while the process ends) takes back nothing of it. Until this, a signal that
    # came while Hydra set up the next job took back the last finished one's files.
    _active_job.update(run_dir=None, mark=len(published()))


def describe_hydra_error(error):
    """One line for an error Hydra raised while composing the configuration."""
    if isinstance(error, MissingConfigException) and error.missing_cfg_file:
        group, _, name = error.missing_cfg_file.rpartition("/")
        options = error.options or sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))
        if group and options:
            return f"{group}: no option {name!r} (available: {', '.join(options)})"
    if isinstance(error, OverrideParseException):
        key, _, value = (error.override or "").partition("=")
        cause = str(error.__cause__).splitlines()[0] if error.__cause__ else error.message.splitlines()[0]
        if cause.startswith("Unknown function"):
            cause += f" (distributions: {', '.join(FAMILY_PARAMETERS)}; quote other text: {key}='{value}')"
        return f"{key}: cannot read {value!r}: {cause}"
    cause = error.__cause__
    if isinstance(cause, OmegaConfBaseException):
        return describe_omegaconf_error(cause)
    if isinstance(error, OmegaConfBaseException):
        return describe_omegaconf_error(error)
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " ".join(lines) or type(error).__name__


def describe_yaml_error(error):
    """One line for a configuration file that is not YAML: the file, the line, the problem."""
    mark = getattr(error, "problem_mark", None)
    where = f"{mark.name}, line {mark.line + 1}" if mark is not None else "a configuration file"
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{where}: not YAML ({problem})"


def abandon_run():
    """Take back what the running job published and remove its temporary files."""
    discard_published(_active_job.get("mark", 0))
    run_dir = _active_job.get("run_dir")
    if run_dir is not None:
        remove_partials(run_dir, stale_only=False)
        try:
            (Path(run_dir) / "plots").rmdir()  # only when empty: drawn by this run and taken back
        except OSError:
            pass


def _end_interrupted(code):
    """Take back what the running job published, say so in one line and leave at once
    (``sim.io.signals.end_interrupted``: a block in the nogil kernel is not waited for)."""
    abandon_run()
    sweep_dir = _active_job.get("sweep_dir")
    if sweep_dir is not None:
        message = (f"the sweep's finished jobs are kept in {sweep_dir}"
                   f" (python -m sim.sweep {sweep_dir} --resume runs the rest)")
    else:
        message = "nothing written"
    signals.end_interrupted(code, message)


def check_preset_names(argv):
    """Refuse a preset named by a path: presets come from the config groups only.

    ``pricing=../../elsewhere/x`` would make Hydra load any YAML file; a preset is a
    name in ``conf/GROUP/`` (or in a ``--config-dir``'s ``GROUP/``).
    """
    for arg in argv:
        key, equals, value = arg.lstrip("+~").partition("=")
        if equals and key in PRESET_GROUPS and ("/" in value or "\\" in value or ".." in value):
            _refuse(f"{key}: {value!r} is a path; a preset is a name in conf/{key}/ (or in a --config-dir's {key}/)")


def check_arguments(argv):
    """Hydra's own flags, checked first: an unknown one is one line, not the usage.

    Then each argument as text: one that is shown in the run's label, command line and
    report must hold no control or bidirectional character (``sim.io.text``), and an
    override must name its key (``=5`` was an internal error in Hydra).
    """
    parser = hydra_patches.get_args_parser()
    parser.error = lambda message: _refuse(message)
    parser.parse_args(argv)
    for arg in argv:
        key, equals, _ = arg.partition("=")
        problem = refusal(key if equals and key.strip("+~") else arg, arg)
        if problem is not None:
            _refuse(problem)
        if equals and not key.strip("+~").strip() and not arg.startswith("-"):
            _refuse(f"{arg!r}: no key before '=' (an override is KEY=VALUE)")


# Flags with which the command line itself may choose the mode or another primary config.
_MODE_FLAGS = ("hydra.mode", "-cn", "--config-name", "-cp", "--config-path", "-cd", "--config-dir")


def needs_mode_probe(argv):
    """Whether Hydra's extra composition to read ``hydra.mode`` can change anything.

    Hydra 1.3 composes the whole configuration once only to read ``hydra.mode``, then
    again for the job, a visible share of a short run. ``conf/`` never sets the mode, so
    unless the command line does, that probe returns None and ``-m`` decides.
    """
    return any(arg.lstrip("+~").startswith(_MODE_FLAGS) for arg in argv)


_HELP_FLAGS = ("--help", "-h", "--hydra-help")


def _exit_without_teardown():
    # Python's teardown of the modules numba, LLVM and xarray loaded is a visible share
    # of a short run. After a single run every file is closed and renamed into place:
    # run the exit handlers (logging), flush, and leave. Not after a multirun, whose
    # launchers' worker processes are stopped by Python's own shutdown sequence.
    atexit._run_exitfuncs()
    signals.flush_standard_streams()  # stdout may be closed (`payback ... >&-`)
    os._exit(0)


def main():
    """Entry point of the ``payback`` console script."""
    # Without it Hydra prints its own multi-line report and exits 1; with it the
    # exception reaches us and becomes one line and exit code 2.
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    signals.install()  # again, for a caller that came in without sim.io.signals.run_command
    # `payback ... | head`: once the reader has gone, console lines are lost, not a
    # traceback each ("--- Logging error ---"); the run goes on, payback.log keeps them
    logging.raiseExceptions = False
    hydra_patches.install()
    check_arguments(sys.argv[1:])
    check_preset_names(sys.argv[1:])
    twice = route_added_twice(sys.argv[1:])
    if twice is not None:
        _refuse(twice)
    hydra_patches.probe_mode_only_when(lambda: needs_mode_probe(sys.argv[1:]))
    if any(arg in _HELP_FLAGS for arg in sys.argv[1:]):
        hydra_patches.one_repository_for_help()
    hydra_patches.check_run_starts(run=_check_run, multirun=check_sweep_dir, multirun_started=_multirun_started)
    _command_line.extend(sys.argv[1:])
    try:
        sys.argv[1:] = portfolio_arguments(sys.argv[1:])
    except ConfigError as error:
        _refuse(error)
    sys.argv[1:] = clear_before_mappings(sys.argv[1:])
    register_distribution_functions()
    try:
        _task()
    except Interrupted as stop:
        _end_interrupted(stop.code)
    except WriteError as error:  # a full disk, a read-only directory: nothing half-done stays
        abandon_run()
        _refuse(error)
    except (HydraException, OmegaConfBaseException) as error:
        _refuse(describe_hydra_error(error))
    except yaml.YAMLError as error:  # a preset that is not YAML, met while composing
        _refuse(describe_yaml_error(error))
    except BrokenPipeError:  # `payback --help | head`: the reader left; run_command ends quietly
        abandon_run()
        raise
    except Exception as error:  # a defect of ours or Hydra's: one line, and how to see more
        if stop_requested() is not None:  # a library turned our stop into its own error
            _end_interrupted(stop_requested())
        one_value = hydra_patches.preset_not_a_mapping(error)  # a preset file of one value, met while composing
        if one_value is not None:
            _refuse(one_value)
        abandon_run()
        first = str(error).splitlines()[0] if str(error) else ""
        print(f"payback: internal error: {type(error).__name__}: {first} (PAYBACK_TRACEBACK=1 shows the"
              " traceback; please report it with the command)", file=sys.stderr)
        if os.environ.get("PAYBACK_TRACEBACK"):
            raise
        sys.exit(EXIT_INTERNAL)
    if last_failed_jobs:
        numbers = ", ".join(str(job["job"]) for job in last_failed_jobs)
        where = ("the portfolio is not added up; the log says why (each failed job's failure.json)"
                 if "workload" in last_failed_jobs[0] else "see sweep.csv")
        print(f"payback: {len(last_failed_jobs)} sweep job(s) failed ({numbers}): {where}", file=sys.stderr)
        sys.exit(EXIT_SWEEP_FAILED)
    if _single_runs_done:
        _exit_without_teardown()


__all__ = ["CONFIG_DIR", "EXIT_BAD_INPUT", "EXIT_INTERNAL", "EXIT_SWEEP_FAILED", "PORTFOLIO_JOB_DEFAULTS",
           "PRESET_GROUPS", "SWEEP_JOB_DEFAULTS", "SWEEP_SAVED_SCENARIOS", "abandon_run", "check_arguments",
           "check_preset_names", "check_sweep_dir", "claim_run_dir", "describe_hydra_error", "describe_run",
           "describe_yaml_error", "discard_refused_run", "log", "main", "needs_mode_probe", "record_identity",
           "sweep_job_settings"]
