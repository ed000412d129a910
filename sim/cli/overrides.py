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

A config group's option is a name: ``pricing=5`` or ``pricing=null`` reaches Hydra as
the name ``'5'`` or ``'null'``, which it refuses as an unknown option (one line,
listing the options), where the number or null made it fail with a ValueError.
"""

from pathlib import Path
from typing import Any

import yaml

from sim.inputs.distributions import FAMILY_PARAMETERS
from sim.inputs.schema import CONF_DIR


def _compact(family):
    names = FAMILY_PARAMETERS[family]

    def distribution(*args: Any, **kwargs: Any) -> str:
        # Numbers are passed on as written; sim.inputs.distributions.parse checks them.
        given = [f"{name}={value}" for name, value in zip(names, args)] + [f"{k}={v}" for k, v in kwargs.items()]
        given += [f"parameter {i + 1}={value}" for i, value in enumerate(args[len(names):], start=len(names))]
        return f"{family}({', '.join(given)})"

    distribution.__name__ = family
    return distribution


def register_distribution_functions():
    """Let Hydra's override grammar read ``pert(...)``, ``lognormal(...)`` and the rest,
    each returning the compact string (``sim.cli.hydra.add_override_functions``)."""
    from sim.cli.hydra import add_override_functions

    add_override_functions({family: _compact(family) for family in FAMILY_PARAMETERS})


def clear_before_mappings(argv):
    """Precede each ``key={...}`` override with ``key=null`` so that it replaces whole.

    Sweeps over mappings (``key={...},{...}``), deletions, appends and Hydra's own
    keys are left as they are. Options of config groups are named first (see
    ``name_group_options``).
    """
    out = []
    for arg in name_group_options(argv):
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


def name_group_options(argv, conf_dir=CONF_DIR):
    """Quote a config group's option that Hydra's grammar reads as a number, bool, null or mapping.

    Hydra 1.3 raises a bare ValueError ("Config group override must be a string or a
    list") for ``pricing=5`` or ``pricing=null``; as the name ``pricing='5'`` the option
    is refused by Hydra's MissingConfigException, which the CLI reports in one line.
    Sweeps, lists, deletions and other keys are left as they are.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType, ValueType
    from hydra.errors import HydraException

    groups = {path.name for path in Path(conf_dir).iterdir() if path.is_dir()}
    parser = OverridesParser.create()
    out = []
    for arg in argv:
        key, equals, raw = arg.partition("=")
        if equals and not arg.startswith(("-", "~")) and key.lstrip("+") in groups:
            try:
                override = parser.parse_override(arg)
            except HydraException:
                override = None  # Hydra reports it in one line when it reads it itself
            if (override is not None and override.type in (OverrideType.CHANGE, OverrideType.ADD)
                    and override.value_type == ValueType.ELEMENT):
                value = override.value()
                if value is None or isinstance(value, (bool, int, float, dict)):
                    arg = f"{key}='{raw.strip()}'"
                elif isinstance(value, list) and not all(isinstance(v, str) for v in value):
                    # stress=[1,2]: a list of options, each named as text
                    arg = f"{key}=[{','.join(repr(str(v)) for v in value)}]"
        out.append(arg)
    return out


def route_added_twice(argv, conf_dir=CONF_DIR):
    """The refusal of a ``+routes.NAME=...`` whose NAME the run already has, or None.

    Hydra merges a mapping given with ``+`` into the one already at its key: over the
    preset's ``prompt``, ``+routes.prompt={kind:prompt,pricing:S}`` would move the baseline to
    sheet S where a second route was meant. A run never holds two routes of one name (its
    routes are a mapping, and YAML that repeats a key is refused as it is read), so the
    override is refused instead. The routes so far are the ``routes`` preset's (the one named
    on the command line, else the defaults list's), then those added and removed before, in
    the order Hydra applies them. A preset that cannot be read here (a sweep over presets,
    one from ``--config-dir``) is left to Hydra.
    """
    preset = _default_option("routes", conf_dir)
    for arg in argv:
        key, equals, value = arg.partition("=")
        if equals and key.lstrip("+") == "routes" and not arg.startswith("++"):
            preset = value.strip()
    try:
        names = list(yaml.safe_load((Path(conf_dir) / "routes" / f"{preset}.yaml").read_text())["routes"])
    except (OSError, TypeError, KeyError, yaml.YAMLError):
        return None
    for arg in argv:
        key, equals, _ = arg.partition("=")
        parts = key.lstrip("+~").split(".")
        if len(parts) != 2 or parts[0] != "routes":
            continue
        name = parts[1]
        if arg.startswith("~"):
            names = [n for n in names if n != name]
        elif equals and arg.startswith("+") and not arg.startswith("++"):
            if name in names:
                return (f"routes.{name}: the run already has a route named {name!r} (routes: {', '.join(names)});"
                        f" '+routes.{name}=' would change it, not add another: name the new route otherwise, or"
                        f" change this one with routes.{name}.KEY=VALUE (or '++routes.{name}=...')")
            names.append(name)
    return None


def _default_option(group, conf_dir):
    # the option of ``group`` in conf/config.yaml's defaults list
    try:
        defaults = yaml.safe_load((Path(conf_dir) / "config.yaml").read_text())["defaults"]
    except (OSError, TypeError, KeyError, yaml.YAMLError):
        return None
    return next((entry[group] for entry in defaults if isinstance(entry, dict) and group in entry), None)


__all__ = ["clear_before_mappings", "name_group_options", "register_distribution_functions", "route_added_twice"]
