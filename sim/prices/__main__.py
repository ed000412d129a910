"""``python -m sim.prices``: the command, signals handled before its heavy imports."""

from sim.io.signals import run_command

run_command("sim.cli.prices")
