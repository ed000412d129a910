"""Price sheets: read from ``conf/pricing/`` and checked by the Pricing schema; the calendar
of a sheet's base model and the chain of its successors (MODEL.md, "The baseline's own
calendar").

A sheet is named by the ``pricing`` group, a route's ``pricing``, a fine-tune's
``successor`` or a sheet's own ``base_successor``; each is read once per run.
"""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.inputs.calendar import month_number, parse_date
from sim.inputs.errors import ConfigError, describe_omegaconf_error
from sim.inputs.routes import MAX_GENERATIONS
from sim.inputs.schema import Pricing
from sim.io.text import refusal

SHEET_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def load_sheet(name, key, conf_dir, start):
    """A sheet of ``conf_dir/pricing/``, validated by the Pricing schema, as plain containers.

    Its ``${after_start:N}`` dates count from the run's ``start``; ``key`` names what
    asked for it, in a refusal.
    """
    directory = Path(conf_dir) / "pricing"
    available = sorted(p.stem for p in directory.glob("*.yaml"))
    if not (isinstance(name, str) and SHEET_NAME.fullmatch(name)) or name not in available:
        shown = name if refusal(key, name) is None else "(a name with a control character)"
        raise ConfigError(f"{key}: no price sheet {shown!r} in conf/pricing/ (available: {', '.join(available)})")
    try:
        sheet = OmegaConf.merge(OmegaConf.structured(Pricing), OmegaConf.load(directory / f"{name}.yaml"))
        with_start = OmegaConf.create({"start": start, "pricing": sheet})
        sheet = OmegaConf.to_container(with_start, resolve=True, throw_on_missing=True)["pricing"]
    except OmegaConfBaseException as error:
        raise ConfigError(f"{key} ({name}.yaml): {describe_omegaconf_error(error)}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first = str(getattr(error, "problem", None) or error).splitlines()[0]
        raise ConfigError(f"{key} ({name}.yaml): not YAML ({first})") from None
    check_sheet_identity(f"{key} ({name}.yaml)", sheet)
    sheet["sheet"] = name
    return sheet


def check_sheet_identity(prefix, sheet):
    """Refuse a price sheet whose ``as_of`` is not a date or whose ``source`` cannot be shown.

    ``as_of`` is the day the prices were read, ``YYYY-MM-DD`` (an empty one read "as of
    ****" in the report); ``source`` and ``as_of`` go into report.md and report.html as
    typed, so neither may hold a control or bidirectional character (``sim.io.text``).

    Raises
    ------
    ConfigError
        Naming ``prefix.as_of`` or ``prefix.source``.
    """
    for key in ("as_of", "source"):
        problem = refusal(f"{prefix}.{key}", sheet.get(key))
        if problem is not None:
            raise ConfigError(problem)
    as_of = sheet.get("as_of")
    try:
        if not (isinstance(as_of, str) and _ISO_DATE.fullmatch(as_of)):
            raise ValueError
        date.fromisoformat(as_of)
    except ValueError:
        raise ConfigError(f"{prefix}.as_of: {as_of!r} is not a date YYYY-MM-DD"
                          " (the day the prices were read)") from None


@dataclass(frozen=True)
class Generation:
    """A base model a prompt or RAG route serves with from ``first_month`` (1: the first)."""

    sheet: str
    prices: dict  # the sheet as read
    first_month: int
    until: object  # date: the last day it serves, None if no end is announced


def base_generations(sheet, key, start, horizon, load):
    """The base models a route on ``sheet`` serves with within the horizon, in order.

    A base model whose ``base_serving_until`` falls inside the horizon hands over, from
    the next month, to its ``base_successor`` (``load(name, key)`` reads it), whose own
    end is followed the same way. A successor whose own end came before it was needed
    serves no month: its successor takes over in the same month (one move, one migration
    bill), so that the generations' first months increase.

    Raises
    ------
    ConfigError
        When a base model ends inside the horizon and names no successor (the model
        cannot guess the price of what comes next), when the chain comes back to a sheet,
        or when it is longer than ``MAX_GENERATIONS``.
    """
    chain = [Generation(sheet["sheet"], sheet, 1, None)]
    followed = [sheet["sheet"]]  # every sheet of the chain, those passed over included
    while True:
        current = chain[-1]
        where = f"{key} ({current.sheet})"
        until = parse_date(f"{where}.base_serving_until", current.prices.get("base_serving_until"))
        if until is None:
            return tuple(chain)
        chain[-1] = Generation(current.sheet, current.prices, current.first_month, until)
        last = month_number(until, start)  # the last month it serves; 0 before start
        if last >= horizon:
            return tuple(chain)
        successor = current.prices.get("base_successor")
        if successor is None:
            raise ConfigError(f"{where}.base_serving_until: its base model serves until {until.isoformat()}, inside"
                              f" the horizon, and the sheet names no base_successor: the model cannot guess the price"
                              f" of what comes next; name one (a sheet in conf/pricing/) or shorten horizon_months")
        if successor in followed:
            raise ConfigError(f"{where}.base_successor: {successor!r} comes back to a sheet of the chain"
                              f" ({' -> '.join(followed)} -> {successor})")
        followed.append(successor)
        prices = load(successor, f"{where}.base_successor")
        if len(chain) > 1 and last < current.first_month:
            # ended before it was needed: never served, its successor takes its month
            chain[-1] = Generation(successor, prices, current.first_month, None)
            continue
        if len(chain) == MAX_GENERATIONS:
            raise ConfigError(f"{where}.base_successor: more than {MAX_GENERATIONS} base models within the horizon"
                              f" ({' -> '.join(g.sheet for g in chain)} -> {successor})")
        chain.append(Generation(successor, prices, max(last + 1, 1), None))


__all__ = ["Generation", "MAX_GENERATIONS", "SHEET_NAME", "base_generations", "check_sheet_identity", "load_sheet"]
