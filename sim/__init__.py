"""payback: the probability that fine-tuning (or RAG) pays back against prompting.

The library's entry points, for a notebook or a script::

    import sim
    settings = sim.validate(cfg)          # a composed configuration, checked
    summary = sim.run(settings, "outputs/my-run")
    results, summary = sim.read_run("outputs/my-run")
    comparison = sim.compare_runs("outputs/a", "outputs/b")

(``sim.compare`` is the comparison's wing, the name of its command line
``python -m sim.compare``: the function is ``compare_runs``.) Each is imported when
first used: a command line (``python -m sim.report``, say)
imports this package first and must install its signal handler before NumPy, Hydra or
matplotlib load. The wings, from the bottom up: ``sim.io``, ``sim.stats``,
``sim.inputs``, ``sim.prices``, ``sim.simulation``, ``sim.results``, ``sim.report``,
``sim.compare``, ``sim.pipeline``, ``sim.sweep``, ``sim.cli``.
"""

import importlib

__all__ = ["compare_runs", "read_run", "run", "validate"]

_ENTRY_POINTS = {
    "run": ("sim.pipeline", "run"),
    "validate": ("sim.inputs.validation", "validate"),
    "read_run": ("sim.results.runs", "read_run"),
    "compare_runs": ("sim.compare.comparison", "run_comparison"),
}


def __getattr__(name):
    if name not in _ENTRY_POINTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    module, attribute = _ENTRY_POINTS[name]
    return getattr(importlib.import_module(module), attribute)


def __dir__():
    return sorted([*globals(), *__all__])
