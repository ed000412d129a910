"""Every patch payback makes to Hydra's (and argparse's) internals, in one place.

Hydra 1.3 offers no public hook for what payback needs: to refuse a run directory
before Hydra writes into it, to skip a composition that only reads the mode, to list
help's config groups from one copy of the repository, to read ``pert(...)`` in an
override, to launch a resume's listed jobs, and to build its parser on Python 3.14.
Each patch reaches into private modules of hydra-core, which pyproject.toml pins to
1.3.x; ``SUPPORTED`` is the one version check, and every installer refuses another
Hydra rather than patch what it does not know.

Python 3.14's argparse checks every argument's help as it is added
(``ArgumentParser._check_help``, which starts with ``'%' in help``). Hydra 1.3.x gives
``--shell-completion`` a lazily rendered help object that is not a string, so every
``@hydra.main`` program, ``payback`` included, dies before parsing anything (Hydra
issue #3121; the fix is on Hydra's unreleased branch only, and 1.3.8 is the latest
release). Hydra never lets argparse format that help: it prints its flags itself,
through ``str()``. So while Hydra builds its parser, the check is skipped for help
that is not a string and applied as usual to every other argument.
"""

import argparse
import functools
import importlib

import hydra
import hydra._internal.utils

SUPPORTED = hydra.__version__.startswith("1.3.")
# the module: the package's attribute ``hydra.main`` is the decorator of that name
_hydra_main_module = importlib.import_module("hydra.main")


def _require_supported():
    if not SUPPORTED:
        raise RuntimeError(f"payback patches Hydra 1.3's internals, and hydra-core {hydra.__version__} is"
                           " installed: install hydra-core>=1.3.8,<1.4 (pyproject.toml pins it)")


def tolerate_lazy_help(check):
    """``check`` (argparse's ``_check_help``), skipping help that is not a string."""

    @functools.wraps(check)
    def check_help(parser, action):
        if action.help is not None and not isinstance(action.help, str):
            return
        check(parser, action)

    return check_help


def lenient_parser(build):
    """``build`` (Hydra's ``get_args_parser``) with argparse's help check made lenient
    for the call, on a Python whose argparse has the check; ``build`` itself on others."""

    @functools.wraps(build)
    def get_args_parser():
        check = argparse.ArgumentParser.__dict__.get("_check_help")
        if check is None:  # Python before 3.14: nothing to work around
            return build()
        argparse.ArgumentParser._check_help = tolerate_lazy_help(check)
        try:
            return build()
        finally:
            argparse.ArgumentParser._check_help = check

    get_args_parser.lenient = True
    return get_args_parser


# Hydra's own command-line parser, built on any Python
get_args_parser = lenient_parser(hydra._internal.utils.get_args_parser)


def install():
    """Make ``@hydra.main`` build its parser through ``lenient_parser`` (idempotent)."""
    _require_supported()
    if not getattr(_hydra_main_module.get_args_parser, "lenient", False):
        _hydra_main_module.get_args_parser = get_args_parser


def check_run_starts(run=None, multirun=None, multirun_started=None):
    """Call ``run(config)`` before a single run starts and ``multirun(config)`` before a
    multirun does, and ``multirun_started(config)`` once it has.

    Hydra creates the run directory, opens the log and saves ``.hydra/`` before the
    first callback of a job (``on_job_start``) runs: a refusal there would come after a
    finished run's ``.hydra/config.yaml`` was overwritten. ``on_run_start`` and
    ``on_multirun_start`` come after composing and before all of that, with every
    configuration, but only to callbacks instantiated from the configuration: the
    dispatcher itself is wrapped.
    """
    _require_supported()
    from hydra._internal.callbacks import Callbacks

    run_start, multirun_start = Callbacks.on_run_start, Callbacks.on_multirun_start

    def on_run_start(self, config, **kwargs):
        if run is not None:
            run(config)
        run_start(self, config=config, **kwargs)

    def on_multirun_start(self, config, **kwargs):
        if multirun is not None:
            multirun(config)
        multirun_start(self, config=config, **kwargs)
        if multirun_started is not None:
            multirun_started(config)

    Callbacks.on_run_start, Callbacks.on_multirun_start = on_run_start, on_multirun_start


def probe_mode_only_when(needed):
    """Let Hydra compose the configuration to read ``hydra.mode`` only when ``needed()``.

    Hydra 1.3 composes the whole configuration once only to read the mode, then again
    for the job; when nothing can set the mode but ``-m``, the probe returns None.
    """
    _require_supported()
    from hydra._internal.hydra import Hydra

    probe = Hydra.get_mode

    def get_mode(self, config_name, overrides):
        return probe(self, config_name, overrides) if needed() else None

    Hydra.get_mode = get_mode


def one_repository_for_help():
    """Let Hydra's help list the config groups from one copy of the config repository.

    To list the groups and their options Hydra asks for a group's options about 80
    times and deep-copies the whole repository each time. Help changes nothing in the
    repository, so one copy serves every question (only under help: a run composes
    through the usual path).
    """
    _require_supported()
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.object_type import ObjectType

    repositories = {}

    def get_group_options(self, group_name, results_filter=ObjectType.CONFIG, config_name=None, overrides=None):
        key = (id(self), config_name, tuple(overrides or ()))
        if key not in repositories:
            repositories[key] = self._parse_overrides_and_create_caching_repo(config_name, list(key[2]))[1]
        return repositories[key].get_group_options(group_name, results_filter)

    ConfigLoaderImpl.get_group_options = get_group_options


def add_override_functions(functions):
    """Let Hydra's override grammar call each of ``functions`` (name to callable) by name.

    Hydra 1.3 builds the grammar's functions in ``create_functions``; it is wrapped once
    to register these besides its own (idempotent).
    """
    _require_supported()
    from hydra.core.override_parser import overrides_parser

    original = overrides_parser.create_functions
    if getattr(original, "payback_functions", None) == set(functions):
        return

    def create_functions():
        grammar = original()
        for name, function in functions.items():
            if name not in grammar.definitions:
                grammar.register(name=name, func=function)
        return grammar

    create_functions.payback_functions = set(functions)
    overrides_parser.create_functions = create_functions


def sweep_with(sweep):
    """Make the sweeper Hydra instantiates next run ``sweep(sweeper, arguments)`` for its jobs.

    On the instance, not on its class: Hydra's plugin scan executes the basic sweeper's
    module again, and a class patched before it would be lost. Only the basic sweeper
    (the one a sweep's plan is recorded under) has the batches ``sweep`` launches.
    """
    _require_supported()
    from types import MethodType

    from hydra.core.plugins import Plugins
    from hydra.plugins.sweeper import Sweeper

    instantiate = Plugins.instantiate_sweeper

    def instantiate_sweeper(self, **kwargs):
        sweeper = instantiate(self, **kwargs)
        if not (isinstance(sweeper, Sweeper) and hasattr(sweeper, "validate_batch_is_legal")):
            raise RuntimeError(f"a resume needs Hydra's basic sweeper, not {type(sweeper).__name__}")
        sweeper.sweep = MethodType(sweep, sweeper)
        return sweeper

    Plugins.instantiate_sweeper = instantiate_sweeper


def hydra_part(hydra_config, key):
    """One part (``runtime.choices``, ``overrides.task``) of a run's hydra node, a DictConfig or
    a mapping, as plain containers; None where it has none.

    Not a copy of the whole node first (``OmegaConf.create``), which cost about 20 ms a call,
    several times in every job of a portfolio.
    """
    from omegaconf import OmegaConf

    node = hydra_config if OmegaConf.is_config(hydra_config) else OmegaConf.create(hydra_config)
    part = OmegaConf.select(node, key)
    return OmegaConf.to_container(part) if OmegaConf.is_config(part) else part


def preset_not_a_mapping(error):
    """One line for a preset file that holds one value (``5``, ``true``), or None for another error."""
    # OmegaConf.load refuses a preset file that is one value (`5`, `true`) with OSError
    # "Invalid loaded object type: int"; the file is the one Hydra's file source was loading
    if not str(error).startswith("Invalid loaded object type"):
        return None
    trace, path = error.__traceback__, None
    while trace is not None:
        frame = trace.tb_frame
        if frame.f_code.co_name == "load_config" and "full_path" in frame.f_locals:
            path = frame.f_locals["full_path"]
        trace = trace.tb_next
    kind = str(error).rpartition(": ")[2]
    return f"{path or 'a preset file'}: one {kind}, not a mapping of keys to values"


__all__ = ["SUPPORTED", "add_override_functions", "check_run_starts", "get_args_parser", "install",
           "hydra_part", "one_repository_for_help", "preset_not_a_mapping", "probe_mode_only_when", "sweep_with"]
