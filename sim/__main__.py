"""``python -m sim``: the ``payback`` command (signals handled before Hydra is imported)."""

from sim.io.signals import payback

payback()
