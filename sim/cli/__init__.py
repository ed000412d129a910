"""Command lines: ``payback`` (Hydra) and the argparse commands of the other wings, Hydra's patches in one place, shell overrides."""
