"""``python -m sim.prices MODEL``: write a price sheet ``conf/pricing/SHEET.yaml``.

Token prices come from genai-prices (pydantic's maintained price dataset, MIT, bundled
with the package, read offline; install with ``pip install -e '.[prices]'``, Python
>= 3.11): the base model's input and output prices, and a fine-tuned model's where the
dataset has an ``ft:`` entry for it. Training, hosting, embedding and the fine-tune
calendar come from payback's own table, ``sim.prices.terms``, or from the command
line (``--training``, ``--hosting``, ``--embedding``, ``--training-until``,
``--serving-until``). Every figure in the sheet carries a comment saying where it came
from.

Bad input ends with one line on stderr and exit code 2: an unknown model (naming the
closest ids of the dataset), an unknown provider, a model the table has no training
and hosting terms for, a sheet that exists already (``--force`` replaces it) or
genai-prices missing.
"""


import difflib
import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from sim.prices.terms import TERMS
from sim.io.files import atomic_path, publishing

PRICING_DIR = Path(__file__).resolve().parents[2] / "conf" / "pricing"
EXIT_BAD_INPUT = 2
TABLE = "payback's provider table (sim/prices/terms.py)"

# Prices are read off a call of this many input and output tokens and scaled to 1M:
# a short call stays below the thresholds of tiered prices (e.g. long-context tiers
# above 200k input tokens), so the sheet gets the base tier's price.
PROBE_TOKENS = 1_000

# genai-prices' bundled data carries no date of its own and the installed files carry
# none either (the wheel's timestamps are fixed), so as_of is the release day of the
# installed version, recorded here from PyPI's upload time. A version not listed gets
# the day the sheet is written, and the sheet says so.
RELEASE_DATES = {"0.2.3": "2026-11-10"}

# The embedding model every preset uses, priced from the dataset when the table has no
# entry for the model and --embedding is not given.
FALLBACK_EMBEDDING = ("openai", "text-embedding-3-small")


class Refusal(Exception):
    """Input the command cannot turn into a sheet; the message is one line."""


def load_dataset():
    """Import genai-prices, or refuse with the install command.

    Returns
    -------
    module
        The ``genai_prices`` package.
    """
    try:
        import genai_prices
    except ImportError:
        raise Refusal(
            "genai-prices is not installed (it needs Python >= 3.11): pip install -e '.[prices]'"
        ) from None
    return genai_prices


def price_per_million(genai_prices, model_ref, provider_id, when):
    """A model's input and output prices at ``when``, USD per 1M tokens.

    Parameters
    ----------
    genai_prices : module
    model_ref : str
        A model id or alias as the provider's API takes it.
    provider_id : str or None
        genai-prices' provider id; None lets genai-prices pick the provider.
    when : datetime
        The moment whose prices apply (the dataset holds scheduled price changes).

    Returns
    -------
    input, output : float
        USD per 1M input (output) tokens, standard tier, base price tier.
    calculation : genai_prices.types.PriceCalculation
        With the matched ``provider`` and ``model``.

    Raises
    ------
    LookupError
        When genai-prices knows no such provider or model.
    """
    usage = genai_prices.Usage(input_tokens=PROBE_TOKENS, output_tokens=PROBE_TOKENS)
    calculation = genai_prices.calc_price(
        usage, model_ref, provider_id=provider_id, genai_request_timestamp=when
    )
    scale = Decimal(1_000_000) / PROBE_TOKENS
    return float(calculation.input_price * scale), float(calculation.output_price * scale), calculation


def cached_price_per_million(genai_prices, model_ref, provider_id, when):
    """A model's price of a cached (cache-read) input token at ``when``, USD per 1M tokens.

    Returns
    -------
    float or None
        None when the dataset lists no cache-read price for the model: payback then bills
        every prompt token at the uncached input price.
    """
    usage = genai_prices.Usage(input_tokens=PROBE_TOKENS, cache_read_tokens=PROBE_TOKENS)
    calculation = genai_prices.calc_price(
        usage, model_ref, provider_id=provider_id, genai_request_timestamp=when
    )
    if calculation.model_price.cache_read_mtok is None:
        return None
    return float(calculation.input_price * Decimal(1_000_000) / PROBE_TOKENS)


def finetuned_price(genai_prices, provider_id, model, when):
    """The dataset's fine-tuned inference prices for a base model, if it has them.

    genai-prices matches fine-tuned models by the ids the provider gives them,
    ``ft:BASE-SNAPSHOT:org::id`` or ``BASE-SNAPSHOT.ft-id``, so this probes those forms
    for the base model's id and every alias its match clause names (such as the dated
    snapshot ``gpt-4o-mini-2024-07-18``).

    Returns
    -------
    tuple of (float, float, float or None, str) or None
        Input, output and cached input prices (USD per 1M tokens; the cached one None
        when the entry lists none) and the dataset's id of the fine-tuned entry; None
        if the dataset has none.
    """
    for name in dict.fromkeys([model.id, *_aliases(model.match)]):
        for ref in (f"ft:{name}:payback::probe", f"{name}.ft-probe"):
            try:
                input_price, output_price, calculation = price_per_million(
                    genai_prices, ref, provider_id, when
                )
            except LookupError:
                continue
            if calculation.model.id != model.id and _is_finetuned(calculation.model.id):
                cached = cached_price_per_million(genai_prices, ref, provider_id, when)
                return input_price, output_price, cached, calculation.model.id
    return None


def _aliases(match):
    # The literal names in a genai-prices match clause (equals / starts_with), through
    # its or / and clauses.
    for attribute in ("equals", "starts_with"):
        value = getattr(match, attribute, None)
        if isinstance(value, str):
            yield value
    for attribute in ("or_", "and_"):
        for clause in getattr(match, attribute, None) or ():
            yield from _aliases(clause)


def _is_finetuned(model_id):
    return model_id.startswith("ft:") or ".ft-" in model_id


def closest_ids(model_ref, provider_id):
    """Up to 5 dataset model ids closest to ``model_ref`` (difflib), best first.

    Over the provider's models and those of the providers it falls back to, or over
    every provider's models when ``provider_id`` is None.
    """
    from genai_prices.data_snapshot import find_provider_by_id, get_snapshot

    providers = get_snapshot().providers
    if provider_id is not None:
        provider = find_provider_by_id(providers, provider_id)
        fallbacks = set(provider.fallback_model_providers or ())
        providers = [provider] + [p for p in providers if p.id in fallbacks]
    ids = sorted({model.id for provider in providers for model in provider.models})
    return difflib.get_close_matches(model_ref.lower(), ids, n=5)


def check_provider(provider_id):
    """Refuse a provider id genai-prices does not know, naming the closest ones."""
    from genai_prices.data_snapshot import find_provider_by_id, get_snapshot

    providers = get_snapshot().providers
    if find_provider_by_id(providers, provider_id) is None:
        close = difflib.get_close_matches(provider_id.lower(), [p.id for p in providers], n=5)
        raise Refusal(f"genai-prices knows no provider {provider_id!r}{_suggest(close)}")


def model_ids(provider_id):
    """The model ids genai-prices' bundled data prices at ``provider_id``, sorted, and
    the data's date in words (``genai-prices 0.2.3, data of 2026-11-10``)."""
    genai_prices = load_dataset()
    from genai_prices.data_snapshot import find_provider_by_id, get_snapshot

    check_provider(provider_id)
    provider = find_provider_by_id(get_snapshot().providers, provider_id)
    version = genai_prices.__version__
    released = RELEASE_DATES.get(version)
    date = f"data of {released}" if released else "release day not recorded: check its data's age"
    return sorted(model.id for model in provider.models), f"genai-prices {version}, {date}"


def shipped_clash(name, out_dir, *, force=False):
    """Refuse a sheet named as a shipped preset of ``conf/pricing/`` outside it, unless ``force``.

    In another directory given to payback with ``--config-dir`` the two sheets share
    one name, and one of them is used without a word about the other.
    """
    shipped = PRICING_DIR / f"{name}.yaml"
    if force or not shipped.is_file() or Path(out_dir).resolve() == PRICING_DIR:
        return
    raise Refusal(f"{name} is a shipped preset ({shipped}): a sheet of that name in {out_dir} would shadow it,"
                  " or be shadowed; pass --name for another name, or --force")


def _suggest(ids):
    return f" (closest: {', '.join(ids)})" if ids else " (no close ids)"


def build_sheet(model_ref, provider_id=None, *, training=None, hosting=None, embedding=None,
                training_until=None, serving_until=None, when=None, command=None):
    """The price sheet for a model: its default name, its YAML text and warnings.

    Parameters
    ----------
    model_ref : str
        The base model, as genai-prices knows it (e.g. ``gpt-4.1-mini``).
    provider_id : str or None
        genai-prices' provider id (e.g. ``openai``, ``azure``); None lets genai-prices
        pick the provider from the model.
    training : float or None
        USD per 1M training tokens; None takes the provider table's.
    hosting : float or None
        Fine-tuned deployment fee, USD per month; None takes the table's.
    embedding : float or None
        USD per 1M embedded tokens; None takes the table's, else the dataset's
        price of OpenAI text-embedding-3-small.
    training_until, serving_until : str or None
        ISO dates ending fine-tune training (serving); None takes the table's.
    when : datetime or None
        The moment whose prices apply; None is now.
    command : str or None
        The command line, quoted in the sheet's header.

    Returns
    -------
    name : str
        ``PROVIDER-MODEL`` with the ids the dataset matched.
    text : str
        The sheet, with a comment on every figure.
    warnings : list of str
        What the user should check (a fine-tuned price that is the base price).

    Raises
    ------
    Refusal
        With a one-line message.
    """
    genai_prices = load_dataset()
    when = when or datetime.now(timezone.utc)
    today = when.date().isoformat()
    if provider_id is not None:
        check_provider(provider_id)
    try:
        base_input, base_output, calculation = price_per_million(
            genai_prices, model_ref, provider_id, when
        )
    except LookupError:
        where = f"provider {provider_id!r}" if provider_id else "any provider"
        raise Refusal(
            f"genai-prices has no model {model_ref!r} at {where}{_suggest(closest_ids(model_ref, provider_id))}"
        ) from None
    provider, model = calculation.provider, calculation.model
    if _is_finetuned(model.id):
        raise Refusal(f"{model_ref!r} is a fine-tuned model: give its base model instead")
    if calculation.model_price.input_mtok is None or calculation.model_price.output_mtok is None:
        raise Refusal(f"genai-prices has no per-token input and output prices for {provider.id}/{model.id}")

    terms = TERMS.get((provider.id, model.id))
    missing = [flag for flag, value in (("--training USD", training), ("--hosting USD", hosting)) if value is None]
    if terms is None and missing:
        raise Refusal(
            f"{TABLE} has no training/hosting terms for {provider.id}/{model.id}: pass {' '.join(missing)}"
        )

    version = genai_prices.__version__
    released = RELEASE_DATES.get(version)
    as_of = released or today
    data_date = f"bundled data of {released}" if released else "bundled data, release day not recorded"
    listed = "from payback's provider table (sim/prices/terms.py), see its sources"
    if terms is None:
        rest = "training, hosting and dates given on the command line"
    elif (training, hosting, embedding, training_until, serving_until) == (None,) * 5:
        rest = f"training, hosting and dates {listed}"
    else:
        rest = f"training, hosting and dates {listed}, except what was given on the command line"
    source = f"genai-prices {version} (pydantic, {data_date}); {rest}"

    label = f"genai-prices {version}"
    warnings = []
    finetuned = finetuned_price(genai_prices, provider.id, model, when)
    if finetuned is not None:
        finetuned_input, finetuned_output, finetuned_cached, finetuned_id = finetuned
        finetuned_note = f"{label}: {finetuned_id}"
        finetuned_cached_note = finetuned_note if finetuned_cached is not None else (
            f"{label} lists no cached price for {finetuned_id}: prompts to the fine-tune billed uncached")
    elif terms is not None and terms.finetuned_input is not None:
        finetuned_input, finetuned_output = terms.finetuned_input, terms.finetuned_output
        finetuned_cached = terms.finetuned_cached_input
        finetuned_note = f"payback's table (genai-prices has no fine-tuned price for {model.id})"
        finetuned_cached_note = finetuned_note if finetuned_cached is not None else (
            "payback's table lists no cached price: prompts to the fine-tune billed uncached")
    else:
        finetuned_input, finetuned_output = base_input, base_output
        finetuned_cached = None
        finetuned_note = "not found: same as base (in neither genai-prices nor payback's table); check it"
        finetuned_cached_note = "not found: prompts to the fine-tune billed uncached"
        warnings.append(f"no fine-tuned price for {provider.id}/{model.id}: the sheet uses the base price")
    base_cached = cached_price_per_million(genai_prices, model_ref, provider_id, when)
    base_cached_note = f"USD per 1M cache-read tokens; {label}" if base_cached is not None else (
        f"{label} lists no cached price: prompts billed uncached")

    table_notes = {} if terms is None else {
        "training": "payback's table",
        "hosting_per_month": f"payback's table: {terms.hosting_note}",
        "finetune_training_until": "; ".join(
            filter(None, ["payback's table", terms.training_until_note, terms.dates_note])
        ),
        "finetune_serving_until": f"payback's table; {terms.dates_note}",
        "base_serving_until": f"payback's table; {terms.dates_note}",
        "base_successor": f"payback's table; {terms.dates_note}",
    }

    def given_or_table(value, attribute):
        if value is not None:
            return value, "given on the command line"
        if terms is None:
            return None, "unknown (not in payback's table)"
        return getattr(terms, attribute), table_notes[attribute]

    training, training_note = given_or_table(training, "training")
    hosting, hosting_note = given_or_table(hosting, "hosting_per_month")
    training_until, training_until_note = given_or_table(training_until, "finetune_training_until")
    serving_until, serving_until_note = given_or_table(serving_until, "finetune_serving_until")
    base_until, base_until_note = (terms.base_serving_until, table_notes["base_serving_until"]) if terms else (
        None, "unknown (not in payback's table)")
    if base_until is None:
        base_until_note = "no retirement announced; " + base_until_note
    successor = terms.base_successor if terms else None
    successor_note = table_notes["base_successor"] if successor else "none named"
    if training_until and serving_until and serving_until < training_until:
        raise Refusal(f"serving-until {serving_until} is before training-until {training_until}: a model"
                      " cannot stop serving before its last training")
    if embedding is not None:
        embedding_note = "given on the command line"
    elif terms is not None:
        embedding, embedding_note = terms.embedding, f"payback's table: {terms.embedding_model}"
    else:
        embedding_provider, embedding_model = FALLBACK_EMBEDDING
        embedding = price_per_million(genai_prices, embedding_model, embedding_provider, when)[0]
        embedding_note = f"{label}: {embedding_provider} {embedding_model} (payback's table has no entry)"

    header = [
        f"{provider.name} {model.id}, standard tier.",
        f"Written by `{command or 'python -m sim.prices'}` on {today}.",
        f"Token prices: those in force on {today} in {label}'s bundled data "
        f"(provider {provider.id}, model {model.id}).",
        (
            f"as_of is genai-prices {version}'s release day (PyPI): its data carries no date of its own."
            if released
            else f"as_of is the day this sheet was written: genai-prices {version}'s data carries "
            "no date and its release day is not recorded in sim/prices/sheet.py."
        ),
    ]
    if terms is not None:
        header.append(f"payback's table: {TABLE}, entry recorded {terms.as_of} from")
        header.append(f"{terms.source}, not read live from the providers' pages.")
    header.append("Prices drift: check every figure against its source before you commit budget.")

    tiered = (
        " (the base tier: the dataset prices long prompts higher)"
        if hasattr(calculation.model_price.input_mtok, "tiers")
        else ""
    )
    figures = [
        ("base_input", _scalar(base_input), f"USD per 1M tokens; {label}{tiered}"),
        ("base_output", _scalar(base_output), label),
        ("base_cached_input", _scalar(base_cached), base_cached_note),
        ("finetuned_input", _scalar(finetuned_input), finetuned_note),
        ("finetuned_output", _scalar(finetuned_output), finetuned_note),
        ("finetuned_cached_input", _scalar(finetuned_cached), finetuned_cached_note),
        ("training", _scalar(training), f"USD per 1M training tokens; {training_note}"),
        ("embedding", _scalar(embedding), f"USD per 1M tokens; {embedding_note}"),
        ("hosting_per_month", _scalar(hosting, whole=True), f"USD per month; {hosting_note}"),
        ("finetune_training_until", _scalar(training_until), f"last day to train; {training_until_note}"),
        ("finetune_serving_until", _scalar(serving_until), f"last day served; {serving_until_note}"),
        ("base_serving_until", _scalar(base_until), f"last day the base model is served; {base_until_note}"),
        ("base_successor", _scalar(successor),
         f"the sheet a run moves prompting to when the base retires; {successor_note}"),
        ("replica_calls_per_month", "null", "calls one dedicated replica serves; none for a per-token API"),
    ]
    text = _render(header, as_of, source, figures)
    _check(text)
    return _sheet_name(f"{provider.id}-{model.id}"), text, warnings


def _check(text):
    # the sheet as payback will read it, checked by payback's own schema and domains
    # before it is written (--training 1e300 wrote a sheet every run then refused)
    import yaml

    from sim.inputs.validation import ConfigError

    try:
        check_sheet(yaml.safe_load(text))
    except ConfigError as error:
        raise Refusal(f"{error}: payback would refuse this sheet; nothing written") from None


def check_sheet(sheet, prefix="pricing"):
    """Check a price sheet as a run checks its ``pricing``.

    The keys (``sim.inputs.schema.Pricing``: none unknown, none missing), every price within
    its domain, the two dates and their order, ``as_of`` and ``source``
    (``sim.inputs.validation.check_sheet_identity``): a sheet that passes is one payback runs with.

    Parameters
    ----------
    sheet : mapping
        The sheet as its YAML file reads, without ``${after_start:N}`` dates.
    prefix : str
        How messages name the sheet's keys.

    Raises
    ------
    sim.inputs.validation.ConfigError
        On the first key payback would refuse, in one line naming it.
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from sim.inputs.schema import MAX_MONTHS, Pricing, input_metadata
    from sim.inputs.validation import ConfigError, check_sheet_identity, describe_omegaconf_error
    from sim.inputs.distributions import InputError, parse
    from sim.inputs.calendar import current_month, parse_month, sheet_calendar

    try:
        merged = OmegaConf.merge(OmegaConf.structured(Pricing), sheet)
        plain = OmegaConf.to_container(merged, resolve=True, throw_on_missing=True)
    except OmegaConfBaseException as error:
        raise ConfigError(f"{prefix}.{describe_omegaconf_error(error)}") from None
    check_sheet_identity(prefix, plain)
    try:
        sheet_calendar(prefix, prefix, plain, parse_month("start", current_month()), MAX_MONTHS)
        for key, meta in input_metadata().items():
            section, name = key.split(".")
            if section == "pricing" and plain[name] is not None:  # a cached price may be absent
                parse(f"{prefix}.{name}", plain[name], meta["domain"])
    except InputError as error:
        raise ConfigError(str(error)) from None
    return plain


def _render(header, as_of, source, figures):
    # The header as comments, then as_of and source, then each (key, YAML value, note)
    # with its note as a comment, the comments aligned.
    width = max(len(f"{key}: {value}") for key, value, _ in figures) + 1
    lines = [f"# {line}" for line in header]
    lines += [f"as_of: {_scalar(as_of)}", f"source: {_scalar(source)}"]
    lines += [f"{f'{key}: {value}':<{width}}# {note}" for key, value, note in figures]
    return "\n".join(lines) + "\n"


def _scalar(value, *, whole=False):
    # A YAML scalar: prices with two decimals where that is exact (a whole number as
    # such if ``whole``), dates and text double-quoted (so a date stays a string),
    # None as null.
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value)
    if whole and value == int(value):
        return str(int(value))
    return f"{value:.2f}" if round(value, 2) == value else repr(float(value))


def _sheet_name(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name)


def write_sheet(text, path, *, force=False):
    """Write ``text`` to ``path`` atomically; refuse to replace a sheet unless ``force``."""
    try:
        if not path.parent.is_dir():
            raise Refusal(f"{path.parent}: no such directory")
        if path.exists() and not force:
            raise Refusal(f"{path} exists: pass --force to replace it, or --name for another sheet")
        shipped_clash(path.stem, path.parent, force=force)
    except OSError as error:  # a name too long, a directory that cannot be read
        raise Refusal(f"--out-dir: cannot use {path.parent} ({error.strerror or error})") from None
    with publishing(str(path)), atomic_path(path) as temporary:
        temporary.write_text(text)


__all__ = ["EXIT_BAD_INPUT", "FALLBACK_EMBEDDING", "PRICING_DIR", "PROBE_TOKENS", "RELEASE_DATES", "Refusal",
           "TABLE", "build_sheet", "cached_price_per_million", "check_provider", "check_sheet", "closest_ids", "finetuned_price",
           "load_dataset", "model_ids", "price_per_million", "shipped_clash", "write_sheet"]
