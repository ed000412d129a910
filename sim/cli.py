"""Command line: ``payback`` / ``python -m sim``, a thin Hydra wrapper around ``run``.

Bad input ends with one line naming the key, exit code 2 and no traceback, whether
Hydra refuses it while composing (unknown key, wrong type, missing preset) or our
validation does (a value out of range).
"""

import atexit
import logging
import os
import re
import shlex
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import hydra
import yaml
from hydra._internal.hydra import Hydra  # private: see needs_mode_probe; hydra-core is pinned <1.4
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from hydra.types import RunMode
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.callbacks import last_failed_jobs, record_failure
from sim.config import CONF_DIR, ConfigError, describe_omegaconf_error, register, validate
from sim.distributions import FAMILY_PARAMETERS
from sim.overrides import clear_before_mappings, register_distribution_functions
from sim.storage import atomic_path, stop_publishing

CONFIG_DIR = str(CONF_DIR)
EXIT_BAD_INPUT = 2
EXIT_SWEEP_FAILED = 1

log = logging.getLogger("payback")
_single_runs_done = []  # output directories of the single (not multirun) runs of this process
_command_line = []  # the arguments as the user typed them
_PROCESS_START = time.time()

register()


def _refuse(message):
    print(f"payback: error: {message}", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def discard_refused_run(output_dir):
    """Remove what Hydra wrote for a run refused before it started: ``.hydra/`` and the log.

    Only files this process wrote go, and then the directories they leave empty (a
    dated ``outputs/YYYY-MM-DD/`` included): a refused input leaves nothing on disk,
    and nothing that was there before is touched.
    """
    run_dir = Path(output_dir)
    ours = [*(run_dir / ".hydra").glob("*.yaml"), run_dir / "payback.log"]
    for path in ours:
        # a second's margin for the file system's coarser clock
        if path.is_file() and path.stat().st_mtime >= _PROCESS_START - 1.0:
            path.unlink()
    candidates = [run_dir / ".hydra", run_dir]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", run_dir.parent.name):
        candidates.append(run_dir.parent)
    for directory in candidates:
        try:
            directory.rmdir()  # only when empty
        except OSError:
            break


def _validate_job(cfg, hydra_config):
    settings = validate(cfg, pricing_sheet=hydra_config.runtime.choices.get("pricing"))
    from sim.resources import check  # here: it imports the engine, which --help does not need

    check(settings)
    if hydra_config.output_subdir is not None:
        record_identity(Path(hydra_config.runtime.output_dir) / hydra_config.output_subdir, settings.start,
                        settings.resolved["pricing"]["sheet"])
    return settings


PRESET_GROUPS = ("pricing", "workload", "market", "finetune", "rag", "stress")


def describe_run(hydra_config):
    """Presets, overrides, command and start time of the job, for its label."""
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
    }


def record_identity(hydra_dir, start, sheet):
    """Write the resolved ``start`` and the price sheet's name into ``.hydra/config.yaml``.

    Hydra saves the composed configuration before the job runs, with ``start: null``
    (or an interpolation such as ``${now:%Y-%m}``) and without the name of the
    ``pricing`` preset; a replay from that file must start in the same calendar month,
    not in the month of the replay, and know its sheet (a successor may not be it).
    """
    path = Path(hydra_dir) / "config.yaml"
    if path.is_file():
        saved = OmegaConf.load(path)
        recorded = OmegaConf.to_container(saved, resolve=False)
        if recorded.get("start") == start and (recorded.get("pricing") or {}).get("sheet") == sheet:
            return
        saved.start = start
        if "pricing" in saved:
            saved.pricing.sheet = sheet
        with atomic_path(path) as temporary:
            OmegaConf.save(saved, temporary)


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def _task(cfg):
    hydra_config = HydraConfig.get()
    output_dir = hydra_config.runtime.output_dir
    if hydra_config.mode != RunMode.MULTIRUN:
        try:
            settings = _validate_job(cfg, hydra_config)
        except ConfigError as error:
            discard_refused_run(output_dir)
            _refuse(error)
        # Imported only now: bad input and --help answer before numba, xarray and
        # matplotlib are loaded.
        from sim.run import run

        summary = run(settings, output_dir, run_info=describe_run(hydra_config))
        _single_runs_done.append(output_dir)
        return summary
    try:
        from sim.run import run

        return run(_validate_job(cfg, hydra_config), output_dir, run_info=describe_run(hydra_config))
    except Exception as error:  # one failed job must not take the rest of the sweep down
        record_failure(output_dir, error)
        if isinstance(error, ConfigError):
            log.error("job failed: %s", error)
        else:
            log.exception("job failed")
        return None


def describe_hydra_error(error):
    """One line for an error Hydra raised while composing the configuration."""
    if isinstance(error, MissingConfigException) and error.options:
        group, _, name = (error.missing_cfg_file or "").rpartition("/")
        return f"{group}: no option {name!r} (available: {', '.join(error.options)})"
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


def _terminate(signum, frame):
    # SIGTERM becomes SystemExit so that pending temporary files are cleaned up.
    stop_publishing(128 + signum)
    sys.exit(128 + signum)


# Flags with which the command line itself may choose the mode or another primary config.
_MODE_FLAGS = ("hydra.mode", "-cn", "--config-name", "-cp", "--config-path", "-cd", "--config-dir")


def needs_mode_probe(argv):
    """Whether Hydra's extra composition to read ``hydra.mode`` can change anything.

    Hydra 1.3 composes the whole configuration once only to read ``hydra.mode``, then
    again for the job: about 0.4 s of a 3 s run. ``conf/`` never sets the mode, so
    unless the command line does, that probe returns None and ``-m`` decides.
    """
    return any(arg.lstrip("+~").startswith(_MODE_FLAGS) for arg in argv)


def _probe_mode_only_when_needed():
    probe = Hydra.get_mode

    def get_mode(self, config_name, overrides):
        return probe(self, config_name, overrides) if needs_mode_probe(sys.argv[1:]) else None

    Hydra.get_mode = get_mode


def _exit_without_teardown():
    # Python's teardown of the modules numba, LLVM and xarray loaded takes about 0.5 s
    # of a 3 s run. After a single run every file is closed and renamed into place:
    # run the exit handlers (logging), flush, and leave. Not after a multirun, whose
    # launchers' worker processes are stopped by Python's own shutdown sequence.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main():
    """Entry point of the ``payback`` console script."""
    # Without it Hydra prints its own multi-line report and exits 1; with it the
    # exception reaches us and becomes one line and exit code 2.
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    signal.signal(signal.SIGTERM, _terminate)
    _probe_mode_only_when_needed()
    _command_line.extend(sys.argv[1:])
    sys.argv[1:] = clear_before_mappings(sys.argv[1:])
    register_distribution_functions()
    try:
        _task()
    except (HydraException, OmegaConfBaseException) as error:
        _refuse(describe_hydra_error(error))
    except yaml.YAMLError as error:  # a preset that is not YAML, met while composing
        _refuse(describe_yaml_error(error))
    if last_failed_jobs:
        numbers = ", ".join(str(job["job"]) for job in last_failed_jobs)
        print(f"payback: {len(last_failed_jobs)} sweep job(s) failed ({numbers}): see sweep.csv",
              file=sys.stderr)
        sys.exit(EXIT_SWEEP_FAILED)
    if _single_runs_done:
        _exit_without_teardown()
