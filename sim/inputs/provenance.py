"""Where each input of a run came from: the command line, a chosen preset, or the defaults.

A key's source is

- ``override`` when its own dotted key (or a mapping that holds it, or a part of it) was
  set on the command line (``workload.growth_per_month=0.04``, ``+routes.lora={...}``);
- ``preset`` when a config group option other than the group's default in
  ``conf/config.yaml``'s defaults list sets it (``workload=support-assistant``,
  ``stress=volume-collapse``, ``routes=december-2026``);
- ``default`` otherwise: a value the user never chose.

A preset's keys are read from its YAML file, placed by its ``# @package`` header as Hydra
places them (``_global_``: at the root; none: under the group's name). This is chosen over
composing the configuration a second time with the defaults only and comparing values:
it says what the user chose (a preset that repeats a default's value still set it), it
needs no second Hydra composition inside the running application, and it reads the same
files Hydra read (``--config-dir`` included, from the run's config sources).
A price of a sheet a route names (``sheets.SHEET.KEY``) comes from where that sheet was
named (``routes.NAME.pricing``, else the ``pricing`` group); a successor's prices from
where ``finetune.successor`` was set.
"""

import json
import re
from pathlib import Path

import yaml

from sim.inputs.schema import CONF_DIR

OVERRIDE, PRESET, DEFAULT, UNKNOWN = "override", "preset", "default", "unknown"
_STRENGTH = {UNKNOWN: -1, DEFAULT: 0, PRESET: 1, OVERRIDE: 2}
# keys of the configuration the report lists besides the static inputs
CONFIG_KEYS = ("finetune.reprice_on_retrain", "finetune.on_platform_exit", "finetune.successor", "start")
_PACKAGE = re.compile(r"^#\s*@package\s+(\S+)")


def group_defaults(conf_dir=CONF_DIR):
    """Each config group's default option, ``{group: option}``, from ``conf/config.yaml``'s defaults list."""
    defaults = yaml.safe_load((Path(conf_dir) / "config.yaml").read_text()).get("defaults") or []
    return {group: option for entry in defaults if isinstance(entry, dict)
            for group, option in entry.items() if not group.startswith("override ") and "/" not in group}


def option_file(group, option, conf_dirs=(CONF_DIR,)):
    """The YAML file of ``group``'s ``option`` in the first of ``conf_dirs`` that has it, or None."""
    for directory in conf_dirs:
        path = Path(directory) / group / f"{option}.yaml"
        if path.is_file():
            return path
    return None


def option_values(group, option, conf_dirs=(CONF_DIR,)):
    """What ``group=option`` sets, as a nested mapping placed at its package (the root for
    ``# @package _global_``, else under the group's name); None if its file cannot be found."""
    path = option_file(group, option, conf_dirs)
    if path is None:
        return None
    text = path.read_text()
    package = group
    for line in text.splitlines():
        if not line.startswith("#"):
            break  # Hydra reads the header from the comments at the top only
        found = _PACKAGE.match(line)
        if found:
            package = found.group(1).replace("_group_", group)
    content = yaml.safe_load(text) or {}
    content.pop("defaults", None)
    if package == "_global_":
        return content
    for part in reversed(package.split(".")):
        content = {part: content}
    return content


def flatten(mapping, prefix=""):
    """The leaves of a nested mapping by dotted key (a list is one leaf)."""
    leaves = {}
    for key, value in mapping.items():
        if isinstance(value, dict) and value:
            leaves.update(flatten(value, f"{prefix}{key}."))
        else:
            leaves[f"{prefix}{key}"] = value
    return leaves


def preset_keys(choices, conf_dirs=(CONF_DIR,), defaults=None):
    """Dotted keys set by the chosen options that are not their group's default, ``{key: "group=option"}``.

    ``choices`` maps each group to its option (a list of options for ``stress=[a,b]``), as
    Hydra's ``hydra.runtime.choices``; later groups of the defaults list win, as in Hydra.
    """
    defaults = group_defaults() if defaults is None else defaults
    found = {}
    for group in defaults:  # the defaults list's order: a later group's key wins
        chosen = choices.get(group)
        options = chosen if isinstance(chosen, (list, tuple)) else [chosen]
        for option in options:
            if option is None or (option == defaults[group] and not isinstance(chosen, (list, tuple))):
                continue
            values = option_values(group, str(option), conf_dirs)
            for key in flatten(values or {}):
                found[key] = f"{group}={option}"
    return found


def override_keys(overrides, groups):
    """The dotted keys the command line set, ``{key: override}``: neither a group's option
    (``workload=...``, a preset) nor a deletion (``~routes.rag``)."""
    found = {}
    for override in overrides:
        if override.startswith("~"):
            continue
        key, equals, _ = override.lstrip("+").partition("=")
        if equals and key not in groups and not key.startswith("hydra."):
            found[key] = override
    return found


def overlaps(key, other):
    """Whether dotted ``key`` and ``other`` name the same value, or one holds the other."""
    return key == other or key.startswith(other + ".") or other.startswith(key + ".")


def source_of(key, overrides, presets):
    """``(source, by)`` of a dotted config ``key``: ``by`` the override or ``group=option``, else None."""
    for set_key, override in overrides.items():
        if overlaps(key, set_key):
            return OVERRIDE, override
    for set_key, preset in reversed(list(presets.items())):
        if overlaps(key, set_key):
            return PRESET, preset
    return DEFAULT, None


def _strongest(found):
    return max(found, key=lambda pair: _STRENGTH[pair[0]])


def input_sources(settings, run_info):
    """Every input the run read, ``{key: {value, source[, by]}}``, in the order of its inputs.

    ``value`` is the value as configured (a number, or a distribution such as
    ``"pert(low=10000, mode=25000, high=60000)"``); ``source`` is ``override``, ``preset``,
    ``default``, or ``unknown`` when ``run_info`` does not say what the command line and the
    presets set (a run started from Python); ``by`` names the override or the preset.
    """
    known = isinstance(run_info, dict) and "preset_keys" in run_info
    overrides = override_keys((run_info or {}).get("overrides") or [], set((run_info or {}).get("choices") or {}))
    presets = (run_info or {}).get("preset_keys") or {}
    resolved = settings.resolved
    routes = settings.routes
    read = {key for route in routes for key in route.inputs}

    def sheet_source(sheet):
        # where the sheet was named: each route that reads it names it (or a sheet that leads to it)
        found = []
        for route in routes:
            if not any(k.startswith(f"sheets.{sheet}.") for k in route.inputs) and route.successor != sheet:
                continue
            configured = (resolved.get("routes") or {}).get(route.name) or {}
            found.append(source_of(f"routes.{route.name}.pricing", overrides, presets)
                         if configured.get("pricing") else source_of("pricing", {}, _group_keys(presets, "pricing")))
            if route.successor == sheet:
                found.append(source_of(f"routes.{route.name}.finetune.successor", overrides, presets)
                             if "successor" in (configured.get("finetune") or {}) else
                             source_of("finetune.successor", overrides, presets))
        return _strongest(found) if found else (DEFAULT, None)

    def source(key):
        parts = key.split(".")
        if parts[0] == "sheets":
            return sheet_source(parts[1])
        if parts[0] == "successor":
            return source_of("finetune.successor", overrides, presets)
        if parts[0] == "pricing":
            # the group's sheet, unless a route named it itself (routes=december-2026's lora-8b)
            found = [source_of(key, overrides, presets)]
            found += [source_of(f"routes.{route.name}.pricing", overrides, presets) for route in routes
                      if key in route.inputs and ((resolved.get("routes") or {}).get(route.name) or {}).get("pricing")]
            return _strongest(found)
        if parts[0] == "routes" and _select(resolved, parts) is None:
            # a route's own input derived from the shared one (its own migration cost)
            own = source_of(key, overrides, presets)
            return own if own[0] != DEFAULT else source_of(".".join(parts[2:]), overrides, presets)
        return source_of(key, overrides, presets)

    keys = [k for k, d in settings.inputs.items() if k in read or k.split(".")[0] in ("workload", "market")
            or not d.is_fixed]
    keys += [k for k in CONFIG_KEYS if k not in keys]
    keys += [f"routes.{name}.{section}.{leaf}" for name, route in (resolved.get("routes") or {}).items()
             for section, values in (route or {}).items() if isinstance(values, dict) for leaf in values
             if f"routes.{name}.{section}.{leaf}" not in keys]
    recorded = {}
    for key in keys:
        distribution = settings.inputs.get(key)
        if distribution is not None:
            value = float(distribution.params[0]) if distribution.is_fixed else distribution.describe()
        else:
            value = _select(resolved, key.split("."))
        found, by = source(key) if known else (UNKNOWN, None)
        recorded[key] = {"value": value, "source": found, **({"by": by} if by else {})}
    return recorded


def _group_keys(presets, group):
    # the group's own choice stands for every key it sets: the sheet's name for its prices
    return {group: by for by in presets.values() if by.startswith(f"{group}=")}


def _select(mapping, parts):
    for part in parts:
        if not isinstance(mapping, dict) or part not in mapping:
            return None
        mapping = mapping[part]
    return mapping


def recorded_sources(results):
    """The ``inputs`` of a run's summary, ``{key: {value, source[, by]}}``, from its Dataset's
    ``input_sources``; None for a run written before sources were recorded."""
    text = results.attrs.get("input_sources")
    return json.loads(text) if text else None


def defaults_among(sources, keys):
    """The ``keys`` whose value is a default the user never set, in the order given.

    ``sources`` is a summary (its ``inputs``) or the ``inputs`` mapping itself; a key it does
    not hold, or whose source is unknown, is not called a default. A route's own key
    (``routes.NAME.SECTION.KEY``) and a sheet's price are looked up as they are named.
    """
    inputs = sources.get("inputs", sources) if isinstance(sources, dict) else {}
    inputs = inputs or {}
    return [key for key in keys if (inputs.get(key) or {}).get("source") == DEFAULT]


SOURCE_WORDS = {OVERRIDE: "set by you", PRESET: "preset", DEFAULT: "default"}


def source_words(entry):
    """How the report names an input's source: "set by you", "preset (workload=...)" or "default"."""
    if not entry or entry.get("source") not in SOURCE_WORDS:
        return ""
    words = SOURCE_WORDS[entry["source"]]
    return f"{words} ({entry['by']})" if entry["source"] == PRESET and entry.get("by") else words


__all__ = ["CONFIG_KEYS", "DEFAULT", "OVERRIDE", "PRESET", "SOURCE_WORDS", "UNKNOWN", "defaults_among", "flatten",
           "group_defaults", "input_sources", "option_file", "option_values", "overlaps", "override_keys",
           "preset_keys", "recorded_sources", "source_of", "source_words"]
