"""``payback portfolio=NAME`` on the command line: the arguments of its multirun, and the
check of every workload before anything is written (``sim.sweep.portfolio`` runs the jobs
and adds them up)."""

import re

import yaml
from hydra._internal.config_loader_impl import ConfigLoaderImpl  # private; hydra-core pinned <1.4
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.cli import hydra as hydra_patches
from sim.inputs.validation import ConfigError

MULTIRUN_FLAGS = ("-m", "--multirun")
DEFAULT_DIR = "outputs/${now:%Y-%m-%d}/${now:%H-%M-%S-%f}"  # conf/config.yaml's hydra.run.dir
# Each workload's job configuration as the check composed it, by (the multirun's Hydra overrides,
# the job's overrides), for the launcher of this process to take once instead of composing it
# again: composing is about 0.3 s a workload, most of a small workload's time.
_composed = {}
_checked = {}  # and its settings as validated then, by the job's overrides


def checked_settings(overrides):
    """The settings ``check_portfolio`` validated for the job of these overrides in this process
    (taken once), or None."""
    return _checked.pop(tuple(overrides), None)


def _key(master_config, overrides):
    return tuple(master_config.hydra.overrides.hydra), tuple(overrides)


def reuse_composed():
    """Make this process's launcher take a job's configuration composed by ``check_portfolio``
    (the same master configuration and overrides give the same configuration); idempotent."""
    original = ConfigLoaderImpl.load_sweep_config
    if getattr(original, "reuses_composed", False):
        return

    def load_sweep_config(self, master_config, sweep_overrides):
        composed = _composed.pop(_key(master_config, sweep_overrides), None)
        return composed if composed is not None else original(self, master_config, sweep_overrides)

    load_sweep_config.reuses_composed = True
    ConfigLoaderImpl.load_sweep_config = load_sweep_config


_in_run_dir = []  # not empty once portfolio_arguments made hydra.run.dir the sweep's directory
_SHELL_ROUTE = re.compile(r"portfolio\.workloads\.([^.=]+)\.route=")
_shell_routes = []  # the workloads whose route the command line fixes


def portfolio_in_run_dir():
    """Whether this command is a portfolio's run into ``hydra.run.dir`` (a refusal names that key)."""
    return bool(_in_run_dir)


def portfolio_arguments(argv):
    """The arguments of a portfolio's multirun: ``payback portfolio=NAME ...`` runs its
    workloads as the jobs of a multirun (``sim.sweep.portfolio``), into the directory a single
    run would have (``hydra.run.dir``, given or the default), unless ``-m`` asked for a sweep.
    Other arguments are returned as they are.

    Raises
    ------
    sim.inputs.validation.ConfigError
        For a sweep of portfolios (``portfolio=a,b``) or of a portfolio's own keys, and for
        a sweep without ``-m``, as a single run refuses it.
    """
    if not any(arg.lstrip("+").partition("=")[0] == "portfolio" and arg.partition("=")[2] for arg in argv):
        return argv
    from sim.sweep.portfolio import launch_planned

    hydra_patches.sweep_with(launch_planned)
    reuse_composed()
    chosen = _sweeping([arg for arg in argv if arg.lstrip("+~").partition("=")[0].split(".")[0] == "portfolio"])
    if chosen is not None:  # portfolio=a,b ran each point as a single run of the default workload, not a
        # portfolio; a sweep of portfolio.* keys was quietly left out of every job
        raise ConfigError(f"{chosen}: one portfolio a command, its own keys not swept; run each on its own")
    argv = [_route_from_the_shell(arg) for arg in argv]
    if any(arg in MULTIRUN_FLAGS for arg in argv):
        return argv
    swept = _sweeping(argv)
    if swept is not None:  # the portfolio's own multirun would quietly turn it into a sweep
        raise ConfigError(f"{swept}: a sweep of portfolios needs -m (payback -m {' '.join(argv)}); to use the value"
                          " as text, quote it (key='a,b')")
    run_dir = [arg for arg in argv if arg.startswith("hydra.run.dir=")]
    others = [arg for arg in argv if not arg.startswith("hydra.run.dir=")]
    sweep_dir = run_dir[-1].partition("=")[2] if run_dir else DEFAULT_DIR
    _in_run_dir.append(True)
    return ["--multirun", *others, f"hydra.sweep.dir={sweep_dir}"]


def _route_from_the_shell(arg):
    # portfolio.workloads.W.route=R sets a key a workload's entry may leave out (route: is
    # optional): forced (++), and W checked to be the file's (check_portfolio)
    match = _SHELL_ROUTE.match(arg)
    if match is None:
        return arg
    _shell_routes.append(match.group(1))
    return "++" + arg


def _sweeping(argv):
    # the first override that sweeps (a,b; range(); choice()), as a single run refuses it
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    for arg in argv:
        if arg.startswith("-"):
            continue
        try:
            (override,) = parser.parse_overrides([arg])
        except Exception:  # noqa: BLE001 - Hydra reports a malformed override itself, in one line
            continue
        if override.is_sweep_override():
            return arg
    return None


def _unknown_shell_routes(loader, config, name):
    # ++ would have made a workload of a name the file does not hold
    written = list(OmegaConf.select(loader.load_sweep_config(config, [f"portfolio={name}"]),
                                    "portfolio.workloads") or {})
    added = {o.lstrip("+").split(".")[2] for o in config.hydra.overrides.task
             if o.startswith("+portfolio.workloads.") and not o.startswith("++")}
    unknown = [w for w in _shell_routes if w not in {*written, *added}]
    if unknown:
        raise ConfigError(f"portfolio.workloads.{unknown[0]}.route: portfolio {name} has no workload {unknown[0]}"
                          f" ({', '.join(written)})")


def check_portfolio(config, settings_of, describe_hydra_error, describe_yaml_error):
    """Check a multirun's portfolio, if it names one: the file, then every workload's
    configuration composed and validated as its job's will be (``settings_of``), then what
    the workloads must share (``sim.portfolio.spec.check_members``).

    Raises
    ------
    sim.inputs.validation.ConfigError
        One line naming the portfolio, the workload and the key.
    """
    from hydra.core.global_hydra import GlobalHydra

    from sim.portfolio.spec import check_members
    from sim.sweep.portfolio import plan_jobs, portfolio_name

    if OmegaConf.select(config, "portfolio") is None:
        return
    name = portfolio_name(config)
    jobs, record = plan_jobs(config)
    loader = GlobalHydra.instance().config_loader()
    if _shell_routes:
        _unknown_shell_routes(loader, config, name)
    settings = []
    for member, overrides in zip(record["members"], jobs):
        where = f"portfolio {name}: workload {member['workload']}"
        try:
            composed = loader.load_sweep_config(config, overrides)
            settings.append(settings_of(composed))
            _composed[_key(config, overrides)] = composed
            _checked[tuple(overrides)] = settings[-1]
        except ConfigError as error:
            raise ConfigError(f"{where}: {error}") from None
        except (HydraException, OmegaConfBaseException) as error:
            raise ConfigError(f"{where}: {describe_hydra_error(error)}") from None
        except yaml.YAMLError as error:
            raise ConfigError(f"{where}: {describe_yaml_error(error)}") from None
    check_members(name, record["members"], settings)


__all__ = ["DEFAULT_DIR", "MULTIRUN_FLAGS", "check_portfolio", "checked_settings", "portfolio_arguments",
           "portfolio_in_run_dir", "reuse_composed"]
