"""``python -m sim.calibrate``: the command, signals handled before its heavy imports."""

from sim.io.signals import run_command

run_command("sim.cli.calibrate")
