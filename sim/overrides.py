"""Shell overrides of uncertain inputs replace the configured value whole.

Hydra merges a mapping override into the mapping already at its key, so
``'key={dist:uniform,low:1,high:2}'`` over a PERT default would keep the PERT's
``mode``, and a mapping that forgets a parameter would be completed from the default.
Two remedies, both applied before Hydra reads the command line:

- the compact form ``key=pert(1e5, 1e6, 5e6)`` (or with names, ``pert(low=..., ...)``)
  is a string to OmegaConf, and a string replaces whatever is there; each family is
  registered as a function of Hydra's override grammar, which would otherwise refuse
  an unknown function;
- a mapping override ``key={...}`` is preceded by ``key=null``, which clears the key
  first, so the mapping is taken as written.

The presets in ``conf/`` write their distributions in the compact form, so a preset,
a stress overlay or a shell override over them replaces the value too.
"""

from typing import Any

from sim.distributions import FAMILY_PARAMETERS


def _compact(family):
    names = FAMILY_PARAMETERS[family]

    def distribution(*args: Any, **kwargs: Any) -> str:
        # Numbers are passed on as written; sim.distributions.parse checks them.
        given = [f"{name}={value}" for name, value in zip(names, args)] + [f"{k}={v}" for k, v in kwargs.items()]
        given += [f"parameter {i + 1}={value}" for i, value in enumerate(args[len(names):], start=len(names))]
        return f"{family}({', '.join(given)})"

    distribution.__name__ = family
    return distribution


def register_distribution_functions():
    """Let Hydra's override grammar read ``pert(...)``, ``lognormal(...)`` and the rest.

    Hydra 1.3 builds its grammar's functions in ``create_functions``; this wraps it to
    add one function per family, each returning the compact string. Without the hook
    (another Hydra), the quoted form ``key='pert(1, 2, 5)'`` still works.
    """
    from hydra.core.override_parser import overrides_parser

    original = overrides_parser.create_functions
    if getattr(original, "payback_distributions", False):
        return

    def create_functions():
        functions = original()
        for family in FAMILY_PARAMETERS:
            if family not in functions.definitions:
                functions.register(name=family, func=_compact(family))
        return functions

    create_functions.payback_distributions = True
    overrides_parser.create_functions = create_functions


def clear_before_mappings(argv):
    """Precede each ``key={...}`` override with ``key=null`` so that it replaces whole.

    Sweeps over mappings (``key={...},{...}``), deletions, appends and Hydra's own
    keys are left as they are.
    """
    out = []
    for arg in argv:
        key, equals, value = arg.partition("=")
        if (equals and not arg.startswith(("-", "+", "~")) and not key.startswith("hydra")
                and _single_mapping(value.strip())):
            out.append(f"{key}=null")
        out.append(arg)
    return out


def _single_mapping(value):
    if not (value.startswith("{") and value.endswith("}")):
        return False
    depth = 0
    for position, char in enumerate(value):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and position < len(value) - 1:
            return False  # "{...},{...}": a sweep over mappings
    return True
