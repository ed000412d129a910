"""Hydra's command-line parser under Python 3.14's argparse help check, on any Python.

Python 3.14's ``ArgumentParser.add_argument`` calls ``_check_help(action)``, which
asks ``'%' in help`` (``HelpFormatter._expand_help``) and turns any error into
``ValueError('badly formed help string')``. On an older Python these tests add the
same check to ``add_argument``; on 3.14 and later they use argparse's own.
"""

import argparse
import importlib
import subprocess
import sys

import hydra._internal.utils
import pytest

from sim.cli import hydra as hydra_compat

# Python 3.14's check, for the Pythons before it (installed by ``_apply_python_3_14_check``).
PYTHON_3_14_CHECK = '''
import argparse

def _check_help(self, action):
    if action.help and hasattr(self, "_get_formatter"):
        formatter = self._get_formatter()
        try:
            help_string = formatter._get_help_string(action)
            if "%" in help_string:
                formatter._expand_help(action)
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError("badly formed help string") from exc

def _apply_python_3_14_check():
    if "_check_help" in argparse.ArgumentParser.__dict__:
        return  # Python 3.14 or later: its own check is in force
    add_argument = argparse.ArgumentParser.add_argument

    def checked_add_argument(self, *args, **kwargs):
        action = add_argument(self, *args, **kwargs)
        self._check_help(action)
        return action

    argparse.ArgumentParser._check_help = _check_help
    argparse.ArgumentParser.add_argument = checked_add_argument
'''


@pytest.fixture
def python_3_14_argparse(monkeypatch):
    namespace = {}
    exec(PYTHON_3_14_CHECK, namespace)
    if "_check_help" not in argparse.ArgumentParser.__dict__:
        add_argument = argparse.ArgumentParser.add_argument

        def checked_add_argument(self, *args, **kwargs):
            action = add_argument(self, *args, **kwargs)
            self._check_help(action)
            return action

        monkeypatch.setattr(argparse.ArgumentParser, "_check_help", namespace["_check_help"], raising=False)
        monkeypatch.setattr(argparse.ArgumentParser, "add_argument", checked_add_argument)


def test_the_check_stops_hydras_own_parser(python_3_14_argparse):
    # the bug itself (Hydra issue #3121): without the workaround there is no parser
    with pytest.raises(ValueError, match="badly formed help string"):
        hydra._internal.utils.get_args_parser()


def test_payback_builds_hydras_parser_and_the_check_stays_in_force(python_3_14_argparse):
    parser = hydra_compat.get_args_parser()
    args = parser.parse_args(["--cfg", "job", "scenarios=10"])
    assert (args.cfg, args.overrides) == ("job", ["scenarios=10"])
    assert "Install or Uninstall shell completion" in str(parser._option_string_actions["--shell-completion"].help)
    # afterwards, and for every other argument, argparse's check applies as before
    with pytest.raises(ValueError, match="badly formed help string"):
        argparse.ArgumentParser().add_argument("--x", help="%(no_such_field)s")
    with pytest.raises(ValueError, match="badly formed help string"):
        hydra._internal.utils.get_args_parser()


def test_install_routes_hydra_main_through_the_lenient_parser():
    hydra_main_module = importlib.import_module("hydra.main")
    hydra_compat.install()
    hydra_compat.install()  # twice: still one wrapper
    assert hydra_main_module.get_args_parser.lenient
    assert hydra_main_module.get_args_parser.__wrapped__ is hydra._internal.utils.get_args_parser


@pytest.mark.parametrize("argv, exit_code, expected", [
    (["--help"], 0, "payback"),
    (["--cfg", "job", "scenarios=1000"], 0, "scenarios: 1000"),
    (["scenarios=oops"], 2, "payback: error: scenarios"),
])
def test_the_cli_starts_under_the_check(tmp_path, argv, exit_code, expected):
    script = PYTHON_3_14_CHECK + (
        "_apply_python_3_14_check()\n"
        "import sys\n"
        "sys.argv[0] = 'payback'\n"
        "from sim.cli.payback import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script, *argv, f"hydra.run.dir={tmp_path}"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == exit_code, done.stderr
    assert expected in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
