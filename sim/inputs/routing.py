"""The routes of a configuration resolved: what each reads, where it comes from, when its
models end (MODEL.md, "Routes").

A route of kind K reads, for every field of ``kernels.layout.ROUTE_FIELDS``, one static
input. What it does not set itself it shares with every route: the workload's token
counts, the fine-tune and RAG inputs, and the prices of the ``pricing`` group's sheet.
What it sets is an input of its own, ``routes.NAME.SECTION.KEY``; the prices of any other
sheet are inputs of that sheet, ``sheets.SHEET.KEY``, shared by every route on it. Each
such input is an extra column of the static inputs, drawn from a random stream named
after it (``sim.simulation.sampling``), so that adding or removing a route changes no
other route's draws.
"""

import math
import re
from dataclasses import dataclass

from sim.inputs.calendar import month_number, sheet_calendar
from sim.inputs.distributions import InputError, parse
from sim.inputs.errors import ConfigError
from sim.inputs.routes import FIELD_KEYS, KIND, MAX_ROUTES, Event, Route
from sim.inputs.schema import SECTIONS, input_metadata
from sim.inputs.sheets import base_generations

ROUTE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*", re.ASCII)
# What a route may set of its own, by section (MODEL.md): its kind's token counts, the
# fine-tune's or RAG's inputs, its kind's task success rate (routes.NAME.quality.KIND).
OWN_WORKLOAD = {
    "prompt": ("prompt_tokens", "prompt_prefix_tokens", "output_tokens"),
    "finetune": ("finetuned_prompt_tokens", "finetuned_prefix_tokens", "output_tokens"),
    "rag": ("rag_prompt_tokens", "rag_prefix_tokens", "output_tokens", "query_embedding_tokens"),
}
OWN_SECTIONS = {"prompt": ("workload", "quality"), "finetune": ("workload", "finetune", "quality"),
                "rag": ("workload", "rag", "quality")}
# A prefix and the prompt it is part of, by kind: a prefix longer than its prompt is refused.
PREFIX_OF = {"prompt": ("prompt_prefix_tokens", "prompt_tokens"),
             "finetune": ("finetuned_prefix_tokens", "finetuned_prompt_tokens"),
             "rag": ("rag_prefix_tokens", "rag_prompt_tokens")}
# A sheet's prices as static inputs, in parts that routes read whole: a prompt route and the
# base models of its generations the base part, RAG the base part and the embedding, a
# fine-tune the fine-tune part of its sheet and of its successor's. Another sheet's part is one
# group (a Sobol net of its own, sim.simulation.sampling), registered whole whichever price of
# it is asked for: what a route draws of a sheet does not depend on what other routes read.
SHEET_PARTS = {"base": ("base_input", "base_output", "base_cached_input"),
               "finetune": ("finetuned_input", "finetuned_output", "finetuned_cached_input", "training",
                            "hosting_per_month"),
               "embedding": ("embedding",)}
PART_OF = {leaf: part for part, leaves in SHEET_PARTS.items() for leaf in leaves}
# the uncached price a cached one falls back to
UNCACHED = {"base_cached_input": "base_input", "finetuned_cached_input": "finetuned_input"}
# Options of a fine-tune a route may set besides its inputs.
FINETUNE_OPTIONS = ("reprice_on_retrain", "on_platform_exit", "successor")


@dataclass(frozen=True)
class Resolved:
    """The routes of a run and the static inputs they add.

    ``routes`` are ``sim.inputs.routes.Route`` in the configuration's order; ``baseline``
    the position of the baseline; ``extra`` the inputs beyond the shared ones, by key
    (``Distribution``), with ``groups`` naming each one's group (a sheet or a route), whose
    inputs share a Sobol net; ``sheets`` every sheet read, by name.
    """

    routes: tuple
    baseline: int
    extra: dict
    groups: dict
    sheets: dict


def resolve(resolved, inputs, *, pricing_sheet, horizon, start, load):
    """Resolve the configuration's routes.

    Parameters
    ----------
    resolved : dict
        The composed configuration as plain containers (``routes``, ``baseline`` and the
        sections).
    inputs : dict of str to Distribution
        The shared inputs, parsed (``pricing.*`` of the group's sheet included).
    pricing_sheet : str
        The name of the ``pricing`` group's sheet.
    horizon : int
        Months.
    start : (int, int)
        Year and month of month 1.
    load : callable
        ``load(name, key)``: a sheet of conf/pricing/ as read (``sim.inputs.sheets.load_sheet``).

    Raises
    ------
    ConfigError
        Naming the key of the first route, sheet or value that cannot be used.
    """
    configured = resolved.get("routes") or {}
    if not configured:
        raise ConfigError("routes: no route left; name at least one (routes=default gives one of each kind)")
    if len(configured) > MAX_ROUTES:
        raise ConfigError(f"routes: {len(configured)} routes; at most {MAX_ROUTES} read apart in one run")
    metadata = input_metadata()
    sheets = {pricing_sheet: {**resolved["pricing"], "sheet": pricing_sheet}}
    extra, groups = {}, {}
    routes = []

    def sheet(name, key):
        if not isinstance(name, str):  # a list or mapping from the shell is no sheet's name
            raise ConfigError(f"{key}: {name!r} is not the name of a sheet in conf/pricing/")
        if name not in sheets:
            sheets[name] = load(name, key)
        return sheets[name]

    def price_key(sheet_name, name):
        """The static input of a sheet's price (a cached one absent: its uncached price's)."""
        prices = sheets[sheet_name]
        if name in UNCACHED and prices.get(name) is None:
            return price_key(sheet_name, UNCACHED[name])
        if sheet_name == pricing_sheet:
            key = f"pricing.{name}"
            if key not in inputs:  # a cached price of the group's sheet: not among the shared columns
                extra[key] = _parse(key, prices[name], metadata[f"pricing.{name}"], horizon)
                groups[key] = "inputs"
            return key
        part = PART_OF[name]
        for leaf in SHEET_PARTS[part]:
            key = f"sheets.{sheet_name}.{leaf}"
            if key not in extra and not (leaf in UNCACHED and prices.get(leaf) is None):
                extra[key] = _parse(key, prices[leaf], metadata[f"pricing.{leaf}"], horizon)
                groups[key] = f"sheet:{sheet_name}:{part}"
        return f"sheets.{sheet_name}.{name}"

    for name, route in configured.items():
        where = f"routes.{name}"
        if not (isinstance(name, str) and ROUTE_NAME.fullmatch(name)):
            raise ConfigError(f"{where}: a route's name is letters, digits, '_' and '-' (it names summary keys)")
        if name == "none":
            raise ConfigError(f"{where}: 'none' names no route in summary.json (p_win.none: no route acceptable);"
                              " call the route something else")
        route = {} if route is None else route
        if not isinstance(route, dict):
            raise ConfigError(f"{where}: {route!r} is not a route ({{kind: prompt|finetune|rag, pricing: SHEET,"
                              " workload: {...}, finetune: {...}, rag: {...}}})")
        kind = route.get("kind")
        if kind is None:
            raise ConfigError(f"{where}.kind: missing (one of {', '.join(KIND)})")
        if not isinstance(kind, str) or kind not in KIND:
            raise ConfigError(f"{where}.kind: {kind!r} is not one of {', '.join(KIND)}")
        own = _own_values(where, kind, route)
        sheet_name = route.get("pricing") or pricing_sheet
        sheet(sheet_name, f"{where}.pricing")
        keys = {}
        for field_name, key in FIELD_KEYS[kind].items():
            section, leaf = key.split(".")
            if section in ("workload", "finetune", "rag", "quality") and leaf in own.get(section, {}):
                keys[field_name] = f"{where}.{section}.{leaf}"
                if keys[field_name] not in extra:
                    extra[keys[field_name]] = _parse(keys[field_name], own[section][leaf], metadata[key], horizon)
                    groups[keys[field_name]] = f"route:{name}"
            elif section == "pricing":
                keys[field_name] = price_key(sheet_name, leaf)
            else:
                keys[field_name] = key  # shared (successor.* are set below, for fine-tunes)
        _check_prefix(where, kind, keys, inputs, extra)
        generations, calendar, successor, options, events = (), None, None, {}, ()
        if kind == "finetune":
            given = own.get("options", {})
            options = {**{k: resolved["finetune"][k] for k in FINETUNE_OPTIONS}, **given}
            option_keys = {k: f"{where}.finetune.{k}" if k in given else f"finetune.{k}" for k in FINETUNE_OPTIONS}
            prefix = "pricing" if sheet_name == pricing_sheet else f"{where}.pricing ({sheet_name})"
            calendar, successor, events = _finetune_calendar(option_keys, prefix, sheet_name, sheets[sheet_name], options,
                                                     horizon, start, sheet)
            if (successor is not None and keys["migration_cost"] == "finetune.migration_cost"
                    and resolved["finetune"]["on_platform_exit"] != "migrate"):
                # The shared finetune.migration_cost is drawn only when the shared option migrates
                # (sim.inputs.validation), whatever the routes: a route that migrates on its own
                # option draws the configured value as its own input, from its own stream, so that
                # adding it moves no other route's draws (under sobol, not even the shared net's).
                own_key = f"{where}.finetune.migration_cost"
                extra[own_key] = _parse(own_key, resolved["finetune"]["migration_cost"],
                                        metadata["finetune.migration_cost"], horizon)
                groups[own_key] = f"route:{name}"
                keys["migration_cost"] = own_key
            shared_successor = successor is not None and successor == resolved["finetune"]["successor"] \
                and sheet_name == pricing_sheet
            for leaf in ("finetuned_input", "finetuned_output", "finetuned_cached_input", "training",
                         "hosting_per_month"):
                field_name = f"successor_{leaf}"
                if successor is None:  # never read: the route does not migrate
                    keys[field_name] = keys["finetuned_input"]
                elif shared_successor and f"successor.{leaf}" in inputs:
                    keys[field_name] = f"successor.{leaf}"  # the shared successor's columns
                elif leaf == "finetuned_cached_input" and sheets[successor].get(leaf) is None:
                    keys[field_name] = keys["successor_finetuned_input"]
                else:
                    keys[field_name] = price_key(successor, leaf)
        else:
            chain = base_generations(sheets[sheet_name], f"{where}.pricing", start, horizon,
                                     lambda other, key: sheet(other, key))
            generations = tuple((g.first_month, price_key(g.sheet, "base_input"), price_key(g.sheet, "base_output"),
                                 price_key(g.sheet, "base_cached_input")) for g in chain)
            events = _base_events(chain, start)
        if kind == "finetune":
            cached_pairs = [(keys["finetuned_cached_input"], keys["finetuned_input"])]
            if successor is not None:
                cached_pairs.append((keys["successor_finetuned_cached_input"], keys["successor_finetuned_input"]))
        else:  # the base model of each generation: the route pays each one's prices in turn
            cached_pairs = [(cached, uncached) for _, uncached, _, cached in generations]
        _check_cached(where, cached_pairs, inputs, extra)
        capacity = sheets[sheet_name].get("replica_calls_per_month") if kind == "finetune" else None
        if capacity is not None and not (isinstance(capacity, (int, float)) and not isinstance(capacity, bool)
                                         and 0 < capacity < math.inf):
            raise ConfigError(f"{where}.pricing ({sheet_name}).replica_calls_per_month: {capacity!r} is not a number"
                              " of calls > 0 (or null)")
        lifetime = own.get("finetune", {}).get("base_lifetime_months")
        routes.append(Route(
            name=name, kind=kind, sheet=sheet_name, keys=tuple(keys.items()), generations=generations,
            calendar=calendar, successor=successor, events=events,
            migrate=options.get("on_platform_exit") == "migrate",
            reprice=bool(options.get("reprice_on_retrain", True)),
            lifetime=(_parse(f"{where}.finetune.base_lifetime_months", lifetime,
                             metadata["finetune.base_lifetime_months"], horizon)
                      if lifetime is not None else inputs["finetune.base_lifetime_months"]),
            capacity=float(capacity) if capacity is not None else math.inf,
        ))
    names = [route.name for route in routes]
    baseline_name = resolved.get("baseline")
    if baseline_name is None:
        prompts = [route.name for route in routes if route.kind == "prompt"]
        if not prompts:
            raise ConfigError("routes: no prompt route; the baseline (what the team runs today) is one: add one,"
                              " e.g. '+routes.prompt={kind:prompt}'")
        baseline_name = prompts[0]
    if baseline_name not in names:
        raise ConfigError(f"baseline: {baseline_name!r} is not a route (routes: {', '.join(names)})")
    baseline = names.index(baseline_name)
    if routes[baseline].kind != "prompt":
        raise ConfigError(f"baseline: {baseline_name!r} is a {routes[baseline].kind} route; the baseline is a prompt"
                          " route (what the team runs today)")
    return Resolved(tuple(routes), baseline, extra, groups, sheets)


def _parse(key, value, meta, horizon):
    try:
        return parse(key, value, meta["domain"].for_horizon(horizon))
    except InputError as error:
        raise ConfigError(str(error)) from None


def _own_values(where, kind, route):
    """A route's own values by section, checked for keys it may set; ``options`` of a fine-tune."""
    unknown = sorted(set(route) - {"kind", "pricing", "workload", "finetune", "rag", "quality"})
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown key (a route takes kind, pricing, workload, finetune, rag,"
                          " quality)")
    own = {}
    for section in ("workload", "finetune", "rag", "quality"):
        values = route.get(section)
        values = {} if values is None else values
        if not isinstance(values, dict):
            raise ConfigError(f"{where}.{section}: {values!r} is not a mapping of the route's own {section} inputs")
        if values and section not in OWN_SECTIONS[kind]:
            raise ConfigError(f"{where}.{section}: a {kind} route has no {section} inputs of its own")
        if section == "workload":
            allowed = OWN_WORKLOAD[kind]
        elif section == "quality":  # its own success rate; the error cost and the bar are the task's
            allowed = (kind,)
        else:
            allowed = [f for f in SECTIONS[section].__dataclass_fields__
                       if section != "finetune" or f not in FINETUNE_OPTIONS]
        for key in values:
            if key not in allowed and not (section == "finetune" and key in FINETUNE_OPTIONS):
                what = ("its kind's token counts: " + ", ".join(allowed) if section == "workload" else
                        f"its own success rate, quality.{kind}; error_cost and bar are shared" if section == "quality"
                        else "a typo?")
                raise ConfigError(f"{where}.{section}.{key}: not a key a {kind} route sets ({what})")
        if section == "finetune":
            own["options"] = {k: v for k, v in values.items() if k in FINETUNE_OPTIONS}
            values = {k: v for k, v in values.items() if k not in FINETUNE_OPTIONS}
        own[section] = values
    return own


def _input(key, inputs, extra):
    return extra[key] if key in extra else inputs[key]


def _check_prefix(where, kind, keys, inputs, extra):
    # the prefix is part of the prompt: its central range may not reach past the prompt's
    prefix_name, tokens_name = PREFIX_OF[kind]
    prefix, tokens = _input(keys["prefix_tokens"], inputs, extra), _input(keys["input_tokens"], inputs, extra)
    if prefix.quantile(0.999) > tokens.quantile(0.001):
        raise ConfigError(f"{keys['prefix_tokens']}: a prefix of {prefix.describe()} tokens is longer than the prompt"
                          f" it is part of ({keys['input_tokens']} = {tokens.describe()}) for {where}")


def _check_cached(where, pairs, inputs, extra):
    # a cached price above its uncached one, on any sheet the route pays: a typo, or the two swapped
    for cached, uncached in pairs:
        if cached == uncached:  # the sheet gives none: the uncached price
            continue
        high, low = _input(cached, inputs, extra), _input(uncached, inputs, extra)
        if high.quantile(0.999 if not high.is_fixed else 0.5) > low.quantile(0.001 if not low.is_fixed else 0.5):
            raise ConfigError(f"{cached}: the cached-input price {high.describe()} is above the uncached"
                              f" {low.describe()} ({where})")


def _finetune_calendar(option_keys, prefix, sheet_name, prices, options, horizon, start, sheet):
    """A fine-tune route's last training and serving months on its sheet and its successor's,
    and the successor it migrates to (None if it does not); ``option_keys`` name its options."""
    if options.get("on_platform_exit") not in ("prompt", "migrate"):
        raise ConfigError(f"{option_keys['on_platform_exit']}: {options.get('on_platform_exit')!r} is not one of"
                          " prompt, migrate")
    if not isinstance(options.get("reprice_on_retrain"), bool):
        raise ConfigError(f"{option_keys['reprice_on_retrain']}: {options.get('reprice_on_retrain')!r} is not true"
                          " or false")
    own = sheet_calendar(sheet_name, prefix, prices, start, horizon)
    calendar = [own.training_month, own.serving_month, horizon + 1, horizon + 1]
    events = _events(own, horizon)
    successor, key = options.get("successor"), option_keys["successor"]
    migrate = options["on_platform_exit"] == "migrate"
    if successor is None:
        if migrate:
            raise ConfigError(f"{key}: required with on_platform_exit=migrate (a sheet in conf/pricing/)")
        return tuple(calendar), None, events
    if successor == sheet_name:
        raise ConfigError(f"{key}: {successor!r} is the route's own price sheet; a successor is another sheet")
    later = sheet_calendar(successor, f"{key} ({successor})", sheet(successor, key), start, horizon)
    if not migrate:
        return tuple(calendar), None, events  # checked whatever on_platform_exit says, used only with migrate
    calendar[2:] = [later.training_month, later.serving_month]
    return tuple(calendar), successor, events + _events(later, horizon)


def _events(calendar, horizon):
    # a sheet's dated fine-tune ends inside the horizon, as the report lists them
    return tuple(Event(calendar.sheet, kind, day, month) for kind, day, month in calendar.events(horizon))


def _base_events(chain, start):
    # each base model of a prompt or RAG route that retires inside the horizon, and what follows it
    return tuple(
        Event(generation.sheet, "base retirement", generation.until.isoformat(), month_number(generation.until, start),
              chain[j + 1].sheet)
        for j, generation in enumerate(chain[:-1])
    )


__all__ = ["MAX_ROUTES", "Resolved", "resolve"]
