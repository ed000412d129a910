"""``python -m sim.sweep``: the command, signals handled before its heavy imports."""

from sim.io.signals import run_command

run_command("sim.cli.sweep")
