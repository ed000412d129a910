"""A portfolio file (``conf/portfolio/NAME.yaml``) checked, and turned into each workload's
overrides of a single run.

A portfolio has ``shared:`` (dotted keys of a single run, applied to every workload) and
``workloads:``, a mapping from a workload's name to ``{presets: {GROUP: OPTION}, overrides:
{dotted.key: value}, route: null or a route's name}``. The command line's overrides come
last and apply to every workload.
"""

import re

# a portfolio file's keys are the schema's (the configuration reference lists them)
from sim.inputs.schema import PORTFOLIO_KEYS, WORKLOAD_FIELDS, WORKLOAD_GROUPS, WORKLOAD_KEYS
from sim.inputs.validation import ConfigError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


# a dotted key as Hydra's override grammar reads one (no '=', space or comma; not empty)
KEY = re.compile(r"^[+~]{0,2}[A-Za-z_$][\w$@/-]*(\.[\w$@/-]+)*$")


def _check_key(where, key):
    if not isinstance(key, str) or not KEY.match(key):
        raise ConfigError(f"{where}{key!r}: not a dotted key such as workload.calls_per_month")
    if re.split(r"[./]", key.lstrip("+~"))[0] == "hydra":  # the multirun's, one for all its jobs
        raise ConfigError(f"{where}{key}: a Hydra setting, not a workload's key; give it on the command line")


def _top(key):
    return str(key).lstrip("+~").split(".", 1)[0]


def check_portfolio(name, node):
    """Refuse a portfolio that cannot run, in one line naming the workload and key.

    Parameters
    ----------
    name : str
        The portfolio's option name (``portfolio=NAME``).
    node : mapping
        The file's content (``shared``, ``workloads``).

    Returns
    -------
    (dict, dict)
        ``shared`` and ``workloads`` as plain mappings.

    Raises
    ------
    sim.inputs.validation.ConfigError
    """
    where = f"portfolio {name}"
    if not isinstance(node, dict):
        raise ConfigError(f"{where}: not a mapping of shared: and workloads:")
    unknown = [k for k in node if k not in ("shared", "workloads")]
    if unknown:
        raise ConfigError(f"{where}: {unknown[0]}: not a key of a portfolio (shared, workloads)")
    shared = node.get("shared") or {}
    if not isinstance(shared, dict):
        raise ConfigError(f"{where}: shared: is not a mapping of dotted keys to values")
    for key, value in shared.items():
        _check_key(f"{where}: shared.", key)
        if _top(key) in WORKLOAD_KEYS or (_top(key) in WORKLOAD_GROUPS and "." not in str(key)):
            raise ConfigError(f"{where}: shared.{key}: a key of each workload, not of the portfolio (set it in the"
                              " workload's presets or overrides)")
    workloads = node.get("workloads")
    if not workloads:
        raise ConfigError(f"{where}: workloads: empty; a portfolio names at least one workload")
    if not isinstance(workloads, dict):
        raise ConfigError(f"{where}: workloads: is not a mapping from a workload's name to its presets and overrides")
    for workload, entry in workloads.items():
        if not NAME.match(str(workload)):
            raise ConfigError(f"{where}: workload {workload!r}: a name of letters, digits, '.', '_' and '-'")
        _check_workload(f"{where}: workload {workload}", {} if entry is None else entry)
    return shared, {str(w): ({} if e is None else e) for w, e in workloads.items()}


def _check_workload(label, entry):
    # one workload's entry: {presets: {GROUP: OPTION}, overrides: {KEY: VALUE}, route: NAME or null}
    if not isinstance(entry, dict):
        raise ConfigError(f"{label}: not a mapping of presets, overrides and route")
    unknown = [k for k in entry if k not in WORKLOAD_FIELDS]
    if unknown:
        raise ConfigError(f"{label}: {unknown[0]}: not a key of a workload ({', '.join(WORKLOAD_FIELDS)})")
    presets = entry.get("presets") or {}
    if not isinstance(presets, dict):
        raise ConfigError(f"{label}: presets: is not a mapping of a group to its option")
    for group, option in presets.items():
        if group not in WORKLOAD_GROUPS:
            hint = " (the market is the portfolio's: set market.* in shared:)" if group == "market" else ""
            raise ConfigError(f"{label}: presets.{group}: not a group a workload picks"
                              f" ({', '.join(WORKLOAD_GROUPS)}){hint}")
        if not isinstance(option, str) or not NAME.match(option):
            raise ConfigError(f"{label}: presets.{group}: {option!r} is not an option's name")
    overrides = entry.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise ConfigError(f"{label}: overrides: is not a mapping of dotted keys to values")
    for key in overrides:
        _check_key(f"{label}: overrides.", key)
        if _top(key) in PORTFOLIO_KEYS:
            raise ConfigError(f"{label}: overrides.{key}: every workload of a portfolio shares it: set it in"
                              " shared: or on the command line")
        if _top(key) == "portfolio":
            raise ConfigError(f"{label}: overrides.{key}: a portfolio cannot hold one")
    route = entry.get("route")
    if route is not None and not isinstance(route, str):
        raise ConfigError(f"{label}: route: {route!r} is not a route's name or null")


# what every workload must agree on, as validated settings name them (MODEL.md)
SHARED_SETTINGS = ("start", "horizon_months", "discount_rate", "seed", "scenarios", "sampling", "kept_scenarios")


def check_members(name, members, settings):
    """Refuse workloads that cannot share a portfolio, once each is validated.

    Parameters
    ----------
    name : str
        The portfolio's name.
    members : list of dict
        ``workload``, ``route`` (fixed or None) and ``point`` of each job (``sim.sweep.portfolio``).
    settings : list of sim.inputs.validation.Settings
        Each job's validated settings, in the same order.

    Raises
    ------
    sim.inputs.validation.ConfigError
        A fixed route that is not one of its workload's; a precision target (the workloads
        run the same scenarios, so their count is fixed); a correlation with a market input
        (the market is drawn once for all); workloads of one point that differ in a key they
        share (a preset that sets ``horizon_months``, say).
    """
    first = {}
    for member, run in zip(members, settings):
        where = f"portfolio {name}: workload {member['workload']}"
        routes = [route.name for route in run.routes]
        if member["route"] is not None and member["route"] not in routes:
            raise ConfigError(f"{where}: route: {member['route']!r} is not one of its routes ({', '.join(routes)})")
        if run.precision is not None:
            raise ConfigError(f"{where}: precision: a portfolio's workloads run the same scenarios; set scenarios"
                              " instead of a precision target")
        correlated = [key for pair in (run.resolved.get("correlations") or []) for key in pair.get("inputs", [])
                      if str(key).startswith("market.")]
        if correlated:
            raise ConfigError(f"{where}: correlations: {correlated[0]} is the portfolio's market, drawn once for every"
                              " workload; it cannot be correlated with a workload's input")
        values = {key: getattr(run, key) for key in SHARED_SETTINGS}
        values["market"] = {key: run.resolved["market"][key] for key in run.resolved["market"]}
        earlier = first.setdefault(member["point"], (member["workload"], values))
        for key, value in values.items():
            if value != earlier[1][key]:
                raise ConfigError(f"{where}: {key}: {_shown(value)} where workload {earlier[0]} has"
                                  f" {_shown(earlier[1][key])}; a portfolio's workloads share it (set it in shared:)")


def _shown(value):
    return repr(value) if not isinstance(value, dict) else "its own values"


def override_value(value):
    """A value as Hydra's override grammar reads it back: text quoted, mappings and lists
    in its brace and bracket forms."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{override_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(override_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def workload_overrides(shared, entry, command_line):
    """A workload's overrides of a single run: its presets, the shared keys, its own keys,
    then the command line's (which apply to every workload)."""
    presets = [f"{group}={option}" for group, option in (entry.get("presets") or {}).items()]
    shared_keys = [f"{key}={override_value(value)}" for key, value in shared.items()]
    own = [f"{key}={override_value(value)}" for key, value in (entry.get("overrides") or {}).items()]
    return [*presets, *shared_keys, *own, *command_line]


__all__ = ["PORTFOLIO_KEYS", "SHARED_SETTINGS", "check_members", "WORKLOAD_GROUPS", "WORKLOAD_KEYS", "check_portfolio", "override_value",
           "workload_overrides"]
