"""Uncertain inputs: a plain number or a distribution given the way people estimate.

``normal`` and ``lognormal`` take a 90% interval (``p05``, ``p95``); ``uniform`` takes
``low``/``high``; ``triangular`` and ``pert`` take ``low``/``mode``/``high``. Draws
are clipped to the key's valid range and integer keys (months, attempts) are rounded
half up. A distribution whose central 99.8% (its 0.1% to 99.9% quantiles) leaves the
valid range is refused: clipping is for the far tails, not for a sizeable share of
the draws.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from kernels.layout import DRAW_SPEC_LEN
from sim.inputs.families import FAMILIES, FAMILY_PARAMETERS, InputError, Z95, Z999, family

CENTRAL_LEVELS = (0.001, 0.999)
__all__ = ["CENTRAL_LEVELS", "Distribution", "Domain", "FAMILY_PARAMETERS", "InputError", "Z95", "Z999", "parse"]


@dataclass(frozen=True)
class Domain:
    """The valid range of an input: ``lower <= x <= upper`` (``x < upper`` if open).

    An input that compounds over the months of the horizon (a growth rate, a trend)
    also has a ``log_budget``: its value times the months it compounds over, in its
    own unit of time (``months_per_unit`` months), may not exceed it, so that what it
    multiplies stays finite. ``for_horizon`` gives the range for a given horizon.
    """

    lower: float = 0.0
    upper: float = math.inf
    upper_open: bool = False
    integer: bool = False
    log_budget: float = math.inf
    months_per_unit: float = 1.0
    note: str = ""  # why the upper bound is lower than the key's own, for messages

    def describe(self):
        if self.lower == -math.inf and self.upper == math.inf:
            return "a real number"
        kind = "a whole number" if self.integer else "a number"
        if self.upper == math.inf:
            return f"{kind} >= {self.lower:g}"
        close = ")" if self.upper_open else "]"
        return f"{kind} in [{self.lower:g}, {self.upper:g}{close}{self.note}"

    def contains(self, x):
        if not (self.lower <= x <= self.upper) or math.isnan(x):
            return False
        return not (self.upper_open and x >= self.upper)

    def for_horizon(self, horizon):
        """This range over ``horizon`` months: the upper bound within the log budget."""
        compounding = (horizon - 1) / self.months_per_unit
        if compounding <= 0 or self.log_budget / compounding >= self.upper:
            return self
        note = (f" at horizon_months={horizon}: over its {horizon - 1} months of compounding it may"
                f" multiply by at most {math.exp(self.log_budget):.3g}")
        return replace(self, upper=self.log_budget / compounding, upper_open=False, note=note)

    def clip_range(self):
        """``(low, high, whole)`` as draws are clipped: ``high`` just below an open bound."""
        upper = float(np.nextafter(self.upper, -np.inf)) if self.upper_open else float(self.upper)
        return float(self.lower), upper, bool(self.integer)

    def clip(self, x):
        """Clip draws into the domain, rounding integer inputs half up."""
        low, high, whole = self.clip_range()
        x = np.clip(x, low, high)
        if whole:
            x = np.floor(x + 0.5)
        return x


NONNEGATIVE = Domain()
POSITIVE_MONTHS = Domain(lower=1e-9)
REAL = Domain(lower=-math.inf)
PROBABILITY = Domain(upper=1.0)
FRACTION_BELOW_ONE = Domain(upper=1.0, upper_open=True)
WHOLE_MONTHS = Domain(integer=True)
AT_LEAST_ONE = Domain(lower=1.0, integer=True)


@dataclass(frozen=True)
class Distribution:
    """A parsed uncertain input.

    Parameters
    ----------
    family : str
        ``fixed``, ``uniform``, ``triangular``, ``pert``, ``normal`` or ``lognormal``.
    params : tuple of float
        The user's parameters in ``FAMILY_PARAMETERS`` order (``(value,)`` if fixed).
    domain : Domain
        Valid range of the input; draws are clipped to it.
    """

    family: str
    params: tuple
    domain: Domain

    @property
    def is_fixed(self):
        return self.family == "fixed"

    @property
    def kind(self):
        """The family object (``sim.inputs.families``)."""
        return family(self.family)

    def describe(self):
        """Readable form, e.g. ``pert(low=1, mode=2, high=5)`` or ``3``."""
        return self.kind.describe(self.params)

    def frozen(self):
        """The scipy.stats distribution before clipping (None when fixed)."""
        return self.kind.frozen(self.params)

    def mean(self):
        """The mean before clipping and rounding, in closed form (no scipy)."""
        return self.kind.mean(self.params)

    def quantile(self, q):
        """The ``q`` quantile before clipping, in closed form (no scipy).

        Exact for every family but PERT, for which it returns ``low`` or ``high``
        (``q <= 0.5`` or above): the bounds of a beta, which lie in the valid range
        whenever its parameters do.
        """
        return self.kind.quantile(self.params, q)

    def sample(self, rng, n):
        """``n`` draws from ``rng``, clipped and rounded, with NumPy's own samplers.

        The reference model's sampler, independent of the kernel's ``draw`` (which
        the engine uses: compiled, and free of the GIL). For every family but PERT
        both give the same numbers from the same stream. Each family is a monotone
        transform of one stream of standard variates (uniforms, or normals for
        ``normal`` and ``lognormal``), which keeps common random numbers: the same
        stream under other parameters gives draws of the same rank. PERT is the
        exception: its beta variate comes from a rejection sampler, as the beta
        quantile function is far slower.
        """
        if self.is_fixed:
            return np.full(n, float(self.domain.clip(self.params[0])))
        return self.domain.clip(self.kind.sample(self.params, rng, n))

    def spec(self):
        """The kernel's spec: family code, four parameters, clip range, whole-number flag."""
        spec = np.zeros(DRAW_SPEC_LEN)
        spec[0] = self.kind.code
        parameters = self.kind.kernel_parameters(self.params)
        spec[1 : 1 + len(parameters)] = parameters
        spec[5:8] = self.domain.clip_range()
        return spec


def parse(key, value, domain):
    """Read a config value as a Distribution, or raise InputError naming ``key``.

    Parameters
    ----------
    key : str
        Dotted config key, used in error messages.
    value : number, mapping or str
        A plain number, ``{dist: FAMILY, <params>}``, or the same as one string,
        ``FAMILY(p1, p2, ...)`` or ``FAMILY(name=p1, ...)`` (parameters in
        ``FAMILY_PARAMETERS`` order), e.g. ``pert(low=1e5, mode=1e6, high=5e6)``.
        A string replaces a configured value whole under Hydra's merges, where a
        mapping would be merged key by key into a mapping already there.
    domain : Domain
        Range every value and parameter must lie in.
    """
    if isinstance(value, Mapping):
        return _parse_mapping(key, dict(value), domain)
    if isinstance(value, str):
        return _parse_mapping(key, _read_compact(key, value), domain)
    if isinstance(value, (list, tuple)):
        raise InputError(key, f"a list ({value!r}) is not a number or a distribution such as 'uniform(low=1, high=2)'")
    number = _number(key, value, "value")
    if not domain.contains(number) or (domain.integer and number != math.floor(number)):
        raise InputError(key, f"{number:g} is not {domain.describe()}")
    return Distribution("fixed", (number,), domain)


_COMPACT = re.compile(r"\s*([A-Za-z_]\w*)\s*\((.*)\)\s*")


def _read_compact(key, text):
    """``pert(1, 2, 5)`` or ``pert(low=1, mode=2, high=5)`` as a mapping with ``dist``."""
    match = _COMPACT.fullmatch(text)
    if match is None:
        raise InputError(key, f"{text!r} is not a number or a distribution such as 'pert(low=1, mode=2, high=5)'")
    family, body = match[1], match[2]
    if family not in FAMILY_PARAMETERS:
        raise InputError(key, f"unknown distribution {family!r} (use one of {', '.join(FAMILY_PARAMETERS)})")
    names = FAMILY_PARAMETERS[family]
    spec = {"dist": family}
    arguments = [a.strip() for a in body.split(",")] if body.strip() else []
    for position, argument in enumerate(arguments):
        name, equals, number = argument.rpartition("=")
        if not equals and position >= len(names):
            raise InputError(key, f"{family} takes {len(names)} parameters ({', '.join(names)}), got {len(arguments)}")
        name = name.strip() if equals else names[position]
        if name in spec:
            raise InputError(key, f"{family}: {name} given twice")
        try:
            spec[name] = float(number)
        except ValueError:
            raise InputError(key, f"{family}: {name} must be a number, got {number.strip()!r}") from None
    return spec


def _parse_mapping(key, spec, domain):
    family = spec.pop("dist", None)
    if not isinstance(family, str) or family not in FAMILY_PARAMETERS:
        known = ", ".join(FAMILY_PARAMETERS)
        raise InputError(key, f"unknown distribution {family!r} (use dist: one of {known})")
    names = FAMILY_PARAMETERS[family]
    unknown = sorted(str(name) for name in set(spec) - set(names))
    missing = [name for name in names if name not in spec]
    if unknown:
        # Hydra merges a mapping into the mapping it overrides: another family's keys survive
        raise InputError(key, f"{family} takes {', '.join(names)}, not {', '.join(unknown)} (an override that"
                              f" merged into another distribution? write it whole: "
                              f"'{family}({', '.join(f'{n}=...' for n in names)})')")
    if missing:
        raise InputError(key, f"{family} needs {' and '.join(names)}; {' and '.join(missing)}"
                              f" {'is' if len(missing) == 1 else 'are'} missing")
    params = tuple(_number(key, spec[name], name) for name in names)
    for name, x in zip(names, params, strict=True):
        if not domain.contains(x):
            raise InputError(key, f"{name} ({x:g}) is not {domain.describe()}")
    FAMILIES[family].check(key, params)
    distribution = Distribution(family, params, domain)
    _check_central_range(key, distribution)
    return distribution


def _check_central_range(key, distribution):
    """Refuse a distribution whose 0.1% or 99.9% quantile lies outside the valid range.

    Draws beyond are still clipped: a normal's far tail below zero tokens becomes zero.
    """
    domain, name = distribution.domain, key.rpartition(".")[2]
    low_level, high_level = CENTRAL_LEVELS
    low, high = distribution.quantile(low_level), distribution.quantile(high_level)
    where = f"{distribution.describe()}'s"
    if low < domain.lower:
        raise InputError(key, f"{where} {low_level:.1%} quantile ({low:.3g}) is below {domain.lower:g},"
                              f" the smallest {name}")
    if high > domain.upper or (domain.upper_open and high >= domain.upper):
        bound = "the bound of" if domain.upper_open else "the largest"
        raise InputError(key, f"{where} {high_level:.1%} quantile ({high:.3g}) is"
                              f" {'not below' if domain.upper_open else 'above'} {domain.upper:g},"
                              f" {bound} {name}{domain.note}")


def _number(key, value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(key, f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise InputError(key, f"{name} must be finite, got {value!r}")
    return float(value)
