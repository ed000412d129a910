"""Hydra 1.3 on Python 3.14: building Hydra's command-line parser despite argparse's help check.

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

import hydra._internal.utils

# the module: the package's attribute ``hydra.main`` is the decorator of that name
_hydra_main_module = importlib.import_module("hydra.main")


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
    if not getattr(_hydra_main_module.get_args_parser, "lenient", False):
        _hydra_main_module.get_args_parser = get_args_parser
