"""``payback portfolio=NAME`` on the command line: the arguments of its multirun, and the
check of every workload before anything is written (``sim.sweep.portfolio`` runs the jobs
and adds them up)."""

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


def portfolio_arguments(argv):
    """The arguments of a portfolio's multirun: ``payback portfolio=NAME ...`` runs its
    workloads as the jobs of a multirun (``sim.sweep.portfolio``), into the directory a single
    run would have (``hydra.run.dir``, given or the default), unless ``-m`` asked for a sweep.
    Other arguments are returned as they are.

    Raises
    ------
    sim.inputs.validation.ConfigError
        For a sweep of portfolios (``portfolio=a,b``).
    """
    named = [arg.partition("=")[2] for arg in argv if arg.lstrip("+").partition("=")[0] == "portfolio"]
    if not any(named):
        return argv
    swept = [value for value in named if "," in value or "(" in value]
    if swept:  # the master configuration of a multirun has no portfolio: each job would run alone
        raise ConfigError(f"portfolio: {swept[0]!r} sweeps portfolios; a run holds one (run each on its own, or"
                          " sweep a key of the portfolio's workloads: payback -m portfolio=NAME KEY=A,B)")
    from sim.sweep.portfolio import launch_planned

    hydra_patches.sweep_with(launch_planned)
    reuse_composed()
    if any(arg in MULTIRUN_FLAGS for arg in argv):
        return argv
    run_dir = [arg for arg in argv if arg.startswith("hydra.run.dir=")]
    others = [arg for arg in argv if not arg.startswith("hydra.run.dir=")]
    sweep_dir = run_dir[-1].partition("=")[2] if run_dir else DEFAULT_DIR
    return ["--multirun", *others, f"hydra.sweep.dir={sweep_dir}"]


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
           "reuse_composed"]
