"""The configuration reference, written from the schema's metadata: every key with its unit,
meaning, default (as ``conf/config.yaml`` composes it) and valid range.

``configuration_reference()`` returns MyST Markdown whose headings start at ``##``; the docs
include it (docs/configuration.md). Nothing here is typed twice: units, meanings and ranges
are the ``metadata`` of the fields of ``sim.inputs.schema``; what a route accepts are the
constants of ``sim.inputs.routing``, what a portfolio file accepts those of the schema that
``sim.portfolio.spec`` checks it by. Every import is inside the functions: importing this
module costs nothing.
"""

import math

COLUMNS = ("key", "unit", "meaning", "default", "valid range")
TITLES = {"workload": "The workload", "pricing": "The price sheet", "market": "The market", "finetune": "Fine-tuning",
          "rag": "RAG", "prompt": "Prompt routes", "quality": "Quality", "precision": "Precision targets"}
# defaults the composed configuration does not hold: read from another sheet, or a price left out
SUCCESSOR_DEFAULT = "from `finetune.successor`'s sheet"
ABSENT_CACHED = "null: the uncached price"


def configuration_reference():
    """The configuration reference as MyST Markdown (headings from ``##``, no title).

    Returns
    -------
    str
        One table per section (run-level keys, the sections of ``sim.inputs.schema.SECTIONS``,
        ``precision``, a route's keys, the successor sheet's prices, a portfolio file's keys),
        each row ``key | unit | meaning | default | valid range``.
    """
    from dataclasses import fields

    from sim.inputs.schema import SECTIONS, Config, Precision, input_metadata

    defaults = default_configuration()
    presets = preset_groups()
    inputs = input_metadata()
    options = ", ".join(f"`{group}={option}`" for group, option in default_options())
    parts = [_INTRO.replace("{options}", options)]

    run_level = [f for f in fields(Config) if f.name not in SECTIONS]
    parts.append(_section("Run-level keys", "Plain values, not distributions.", presets.get("", []),
                          [_setting_row(f.name, f.metadata, defaults[f.name]) for f in run_level]))
    for name, schema in SECTIONS.items():
        rows = []
        for f in fields(schema):
            key = f"{name}.{f.name}"
            if key in inputs:
                rows.append(_input_row(key, inputs[key], defaults[name][f.name]))
            else:
                rows.append(_setting_row(key, f.metadata, defaults[name][f.name]))
        description = Config.__dataclass_fields__[name].metadata["description"]
        parts.append(_section(f"{TITLES[name]}: `{name}.*`", _capital(description) + ".", presets.get(name, []), rows))
    precision = Config.__dataclass_fields__["precision"].metadata["description"]
    parts.append(_section(f"{TITLES['precision']}: `precision.*`", _capital(precision) + ".",
                          presets.get("precision", []),
                          [_setting_row(f"precision.{f.name}", f.metadata, defaults["precision"][f.name])
                           for f in fields(Precision)]))
    parts.append(_routes_section(defaults, inputs))
    parts.append(_successor_section(defaults, inputs))
    parts.append(_portfolio_section())
    return "\n\n".join(parts) + "\n"


_INTRO = """\
Every key below can be set in a preset (a file of `conf/`), in a configuration file of your
own, or on the command line (`payback KEY=VALUE`). A typo in a key is refused before anything
runs; a value outside its valid range is refused with one line naming the key (exit code 2).

An **uncertain input** (its unit says what it counts) takes a number or a distribution:
`workload.calls_per_month=200000`, `'workload.calls_per_month=lognormal(p05=5e4, p95=2e6)'`
or `'workload.calls_per_month={dist:lognormal,p05:5e4,p95:2e6}'`. Its valid range bounds every
fixed value, every distribution's parameters and its 0.1% and 99.9% quantiles. Every other key
takes a plain value.

Defaults are those of `conf/config.yaml` as composed with no override, that is with the presets
{options}; another preset changes them for the keys it sets (the line above each table says which
presets set keys of that section)."""


def default_configuration():
    """The configuration ``conf/config.yaml`` composes with no override, as plain containers
    (unresolved: ``start`` stays null)."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from sim.inputs.schema import CONF_DIR, register

    register()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        cfg = compose(config_name="config")
    return OmegaConf.to_container(cfg, resolve=False)


def default_options():
    """The preset groups' options ``conf/config.yaml`` picks, in its order: ``[(group, option)]``
    (``null``: none)."""
    import yaml

    from sim.inputs.schema import CONF_DIR

    entries = yaml.safe_load((CONF_DIR / "config.yaml").read_text())["defaults"]
    return [(group, plain_value(option)) for entry in entries if isinstance(entry, dict)
            for group, option in entry.items() if not group.startswith("override ")]


def preset_groups():
    """Which presets set keys of which section: ``{section: ["group=OPTION", ...]}``.

    A group's file sets its own section unless it is ``# @package _global_``, whose top-level
    keys name the sections it sets; under ``""`` (run-level keys) each preset is followed by
    the keys it sets. The portfolio group is left out: its files are not sections of a run
    (see "A portfolio file's keys").
    """
    import yaml

    from sim.inputs.schema import CONF_DIR, SECTIONS

    found = {}
    for directory in sorted(p for p in CONF_DIR.iterdir() if p.is_dir() and p.name not in ("hydra", "portfolio")):
        for path in sorted(directory.glob("*.yaml")):
            text = path.read_text()
            content = yaml.safe_load(text) or {}
            option = f"{directory.name}={path.stem}"
            if "# @package _global_" not in text:
                if content:
                    found.setdefault(directory.name, []).append(option)
                continue
            run_level = [key for key in content if key not in SECTIONS and key != "precision"]
            for section in sorted({key for key in content if key not in run_level}):
                found.setdefault(section, []).append(option)
            if run_level:
                found.setdefault("", []).append(f"{option} ({', '.join(run_level)})")
    return found


def _section(title, text, presets, rows):
    lines = [f"## {title}", "", text, ""]
    if presets:
        lines += ["Set by the presets " + ", ".join(_preset(p) for p in presets) + ".", ""]
    lines += _table(rows)
    return "\n".join(lines)


def _preset(text):
    option, _, keys = text.partition(" ")
    return f"`{option}`" + (f" {keys}" if keys else "")


def _table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _capital(text):
    return text[:1].upper() + text[1:]


def _setting_row(key, meta, default):
    return (f"`{key}`", meta["unit"], meta["description"], f"`{plain_value(default)}`", meta["valid"])


def _input_row(key, meta, value, default=None):
    from sim.inputs.distributions import parse

    if default is None:
        default = ABSENT_CACHED if value is None else f"`{parse(key, value, meta['domain']).describe()}`"
    return (f"`{key}`", meta["unit"], meta["description"], default, input_range(meta))


def input_range(meta):
    """An uncertain input's valid range in words: its domain, the horizon's bound on a
    compounding rate, and what ``sim.inputs.routing`` checks besides (``valid``)."""
    from sim.inputs.schema import MAX_MONTHS

    domain = meta["domain"]
    words = domain.describe().removeprefix("a ")
    if math.isfinite(domain.log_budget):
        per = "" if domain.months_per_unit == 1 else f"{domain.months_per_unit:g} "
        at_longest = domain.for_horizon(MAX_MONTHS).upper
        words += (f"; at most {per}ln({math.exp(domain.log_budget):.3g}) / (horizon_months - 1), so that what it"
                  f" multiplies grows at most {math.exp(domain.log_budget):.3g}-fold ({at_longest:.3g} at"
                  f" {MAX_MONTHS:,} months)")
    if meta.get("valid"):
        words += f"; {meta['valid']}"
    return words


def plain_value(value):
    """A plain value as YAML's flow style writes it: ``null``, ``true``, ``[]``, ``{a: 1}``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) or abs(value) >= 1e16 else str(int(value))
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {plain_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(plain_value(v) for v in value) + "]"
    return str(value)


def _routes_section(defaults, inputs):
    from sim.inputs.routes import KIND, MAX_GENERATIONS, MAX_ROUTES
    from sim.inputs.routing import FINETUNE_OPTIONS, OWN_SECTIONS, OWN_WORKLOAD
    from sim.inputs.schema import SECTIONS

    kinds = ", ".join(f"`{k}`" for k in KIND)
    rows = [
        ("`routes.NAME.kind`", "", "what the route does: prompt the base model, serve a fine-tune, or retrieve"
         " (RAG)", "required", f"{kinds}"),
        ("`routes.NAME.pricing`", "", "the price sheet the route pays (base models of a prompt or RAG route,"
         " the fine-tune's prices of a fine-tune route)", "`null`: the `pricing` group's sheet",
         f"null or a sheet in `conf/pricing/`; a base model's successors are followed, at most {MAX_GENERATIONS}"
         " base models a route"),
    ]
    workload_kinds = {}
    for kind, names in OWN_WORKLOAD.items():
        for name in names:
            workload_kinds.setdefault(name, []).append(kind)
    for name, kinds_of in workload_kinds.items():
        rows.append(_own_row("workload", name, inputs, kinds_of))
    for section in ("finetune", "rag"):
        kinds_of = [k for k, sections in OWN_SECTIONS.items() if section in sections]
        for name in SECTIONS[section].__dataclass_fields__:
            key = f"{section}.{name}"
            if key in inputs:
                rows.append(_own_row(section, name, inputs, kinds_of))
            else:  # a fine-tune's options: checked as the shared ones are
                meta = SECTIONS[section].__dataclass_fields__[name].metadata
                assert name in FINETUNE_OPTIONS, key
                rows.append((f"`routes.NAME.{key}`", meta["unit"], f"the route's own `{key}`: {meta['description']}",
                             f"the shared `{key}`", f"{meta['valid']}; {kinds_of[0]} routes only"))
    for kind in KIND:
        rows.append(_own_row("quality", kind, inputs, [kind]))
    names = ", ".join(f"`{n}`" for n in defaults["routes"])
    text = (f"A route is one way of serving the workload, `routes.NAME: {{kind, pricing, workload, finetune, rag,"
            f" quality}}`; `routes=default` gives {names}, one of each kind. `+routes.NAME={{kind:...}}` adds one,"
            f" `~routes.NAME` removes one, `routes.NAME.KEY=VALUE` changes one (`+routes.NAME.SECTION.KEY=VALUE`"
            f" where the route has no such section yet). At most {MAX_ROUTES} routes. A route's own"
            f" `workload`, `finetune`, `rag` or `quality` keys override the shared ones for it alone, each an"
            f" uncertain input of its own drawn from its own stream; what it does not set it shares.")
    return _section("A route's keys: `routes.NAME.*`", text, [], rows)


def _own_row(section, name, inputs, kinds):
    meta = inputs[f"{section}.{name}"]
    only = ", ".join(kinds)
    return (f"`routes.NAME.{section}.{name}`", meta["unit"], f"the route's own `{section}.{name}`: "
            f"{meta['description']}", f"the shared `{section}.{name}`", f"{input_range(meta)}; {only} routes only")


def _successor_section(defaults, inputs):
    rows = [_input_row(key, meta, None, SUCCESSOR_DEFAULT) for key, meta in inputs.items()
            if key.startswith("successor.")]
    successor = defaults["finetune"]["successor"]
    text = ("The prices a fine-tune route pays after it migrates (`finetune.on_platform_exit: migrate`), read"
            " from the sheet `finetune.successor` names (a file of `conf/pricing/`): edit that sheet to change"
            " them; they are not keys of the run's configuration. They are drawn only when the route migrates"
            f" (default `finetune.successor`: `{plain_value(successor)}`).")
    return _section("The successor sheet's prices: `successor.*`", text, [], rows)


def _portfolio_section():
    from sim.inputs.schema import PORTFOLIO_KEYS, WORKLOAD_FIELDS, WORKLOAD_GROUPS, WORKLOAD_KEYS

    shared = ", ".join(f"`{k}`" for k in PORTFOLIO_KEYS)
    groups = ", ".join(f"`{g}`" for g in WORKLOAD_GROUPS)
    own = ", ".join(f"`{k}`" for k in WORKLOAD_KEYS)
    rows = [
        ("`portfolio.shared.KEY`", "", "a dotted key of a single run, set for every workload (as on the command line)",
         "`{}`", f"a dotted key; not {own}, and not a whole group ({groups}) without a dotted key;"
         " not a Hydra setting"),
        ("`portfolio.workloads.NAME`", "", f"one workload of the portfolio: {{{', '.join(WORKLOAD_FIELDS)}}}; the"
         " portfolio runs one job per workload", "required, at least one",
         "a name of letters, digits, `.`, `_` and `-` (at most 64 characters)"),
        ("`portfolio.workloads.NAME.presets.GROUP`", "", "the option of a preset group the workload uses", "`{}`: the"
         " defaults of `conf/config.yaml`", f"GROUP one of {groups} (the market is the portfolio's);"
         " an option's name"),
        ("`portfolio.workloads.NAME.overrides.KEY`", "", "a dotted key of the workload's run", "`{}`",
         f"a dotted key; not {shared} (every workload shares them: set them in `shared`), not `portfolio`,"
         " not a Hydra setting"),
        ("`portfolio.workloads.NAME.route`", "", "the route the workload takes whatever its recommendation says (from the"
         " shell: `portfolio.workloads.NAME.route=R`)", "`null`: its own recommendation",
         "null or the name of one of the workload's routes"),
    ]
    text = ("A portfolio file, `conf/portfolio/NAME.yaml` (run with `portfolio=NAME`), holds `shared` and"
            " `workloads`, which a run composes under `portfolio` (the file itself has no `portfolio.` prefix);"
            " it is checked key by key before anything runs. Each workload's run is composed from"
            " its presets, then the shared keys, then its own overrides, then the command line's (which apply to"
            f" every workload). The workloads share {shared}: set them in `shared` or on the command line.")
    return _section("A portfolio file's keys", text, [], rows)


__all__ = ["configuration_reference", "default_configuration", "default_options", "input_range", "plain_value", "preset_groups"]
