"""Payback's own table of fine-tuning terms that price datasets do not carry.

genai-prices (used by ``sim.prices.sheet``) knows inference prices, not what training costs,
what a fine-tuned deployment bills per month, when a provider stops training or
serving fine-tunes of a model, or which embedding model a provider's RAG would use.
This table holds those terms per (provider, model), each entry dated and sourced.

The figures are those of the presets in ``conf/pricing/``, checked on 2026-11-29
against stored copies of public pages, not the live pages (each preset says which
figure was confirmed on the provider's own page and which only in third-party
reports). Check them against each entry's ``source`` before you commit budget, and
update ``as_of`` when you do.
"""

from dataclasses import dataclass
from typing import Optional

HOURS_PER_MONTH = 730  # an hourly deployment fee x 730 hours = the monthly fee


@dataclass(frozen=True)
class Terms:
    """Fine-tuning terms of one model at one provider.

    Attributes
    ----------
    training : float
        Training price, USD per 1M training tokens (all epochs).
    hosting_per_month : float
        Deployment fee of a fine-tuned model, USD per month; 0 if none.
    hosting_note : str
        How ``hosting_per_month`` was reached (e.g. an hourly fee x 730 hours).
    finetune_training_until : str or None
        Last day ("YYYY-MM-DD") new fine-tunes of the model can be trained; None if
        no date is announced.
    finetune_serving_until : str or None
        Last day ("YYYY-MM-DD") existing fine-tunes are served; None if no date is
        announced.
    dates_note : str
        Where the dates come from and how firm they are.
    training_until_note : str
        What else to know about ``finetune_training_until`` (e.g. a month given
        rather than a day).
    embedding : float
        Embedding price for RAG, USD per 1M tokens.
    embedding_model : str
        The embedding model ``embedding`` is the price of.
    as_of : str
        Day ("YYYY-MM-DD") the entry was recorded.
    source : str
        Where the figures come from (provider URLs).
    finetuned_input, finetuned_output : float or None
        Fine-tuned inference prices, USD per 1M tokens, used only where the price
        dataset has none for the model; None if the table has none either.
    finetuned_cached_input : float or None
        Fine-tuned cached-input price, USD per 1M tokens, used with the two above; None
        if the table has none (prompts to the fine-tune are then billed uncached).
    base_serving_until : str or None
        Last day ("YYYY-MM-DD") the base model itself is served; None if no date is
        announced.
    base_successor : str or None
        The price sheet (a name in conf/pricing/) of the model the provider names as
        the base model's replacement; None if it names none.
    """

    training: float
    hosting_per_month: float
    hosting_note: str
    finetune_training_until: Optional[str]
    finetune_serving_until: Optional[str]
    dates_note: str
    embedding: float
    embedding_model: str
    as_of: str
    source: str
    training_until_note: str = ""
    finetuned_input: Optional[float] = None
    finetuned_output: Optional[float] = None
    finetuned_cached_input: Optional[float] = None
    base_serving_until: Optional[str] = None
    base_successor: Optional[str] = None


_OPENAI_EMBEDDING = dict(embedding=0.02, embedding_model="text-embedding-3-small")
_RECORDED = "2026-11-29"
# OpenAI's deprecations page, notice of 2026-10-14 (read in a mirror and in third-party reports,
# 2026-12-06): these base snapshots shut down 2027-01-14, replaced by gpt-6-luna.
_RETIRED_2027_01_14 = dict(base_serving_until="2027-01-14", base_successor="openai-gpt-6-luna")


def _openai(training, **finetuned):
    """OpenAI's terms for a model: no deployment fee, the 2027 calendar, its training price."""
    # The 2026-10-14 notice retires gpt-4.1-mini and gpt-4o-mini snapshots with their fine-tunes
    # and names gpt-6-luna (which cannot be fine-tuned) as the replacement: finetuned carries them.
    return Terms(
        training=training,
        hosting_per_month=0.0,
        hosting_note="OpenAI bills no deployment fee",
        finetune_training_until="2027-01-06",
        finetune_serving_until="2027-01-14",
        dates_note="OpenAI's deprecations page as reported by third parties (notices of 2026-05-07"
        " and 2026-10-14); the page itself was not read live",
        **_OPENAI_EMBEDDING,
        as_of=_RECORDED,
        source="https://developers.openai.com/api/docs/deprecations and https://openai.com/api/pricing",
        **finetuned,
    )


# Keyed by genai-prices' provider id and model id (sim.prices.sheet looks entries up by the
# ids the dataset matched, so a dated alias such as gpt-4.1-mini-2025-04-14 finds
# gpt-4.1-mini's entry).
TERMS = {
    # as in conf/pricing/openai-gpt-4.1-mini.yaml: genai-prices has no ft: entry for it
    ("openai", "gpt-4.1-mini"): _openai(5.00, finetuned_input=0.80, finetuned_output=3.20,
                                        finetuned_cached_input=0.20, **_RETIRED_2027_01_14),
    ("openai", "gpt-4o-mini"): _openai(3.00, **_RETIRED_2027_01_14),
    ("openai", "gpt-4.1"): _openai(25.00),
    ("azure", "gpt-4.1-mini"): Terms(
        training=5.00,
        hosting_per_month=round(1.70 * HOURS_PER_MONTH, 2),
        hosting_note=f"1.70 USD/hour x {HOURS_PER_MONTH} hours",
        finetune_training_until="2027-04-14",
        finetune_serving_until="2027-10-14",
        dates_note="Azure's model lifecycle page of 2026-04-16 (a stored copy, not read live)",
        training_until_note="no earlier than 2027-04-14, for existing customers only",
        **_OPENAI_EMBEDDING,
        as_of=_RECORDED,
        source="https://learn.microsoft.com/azure/ai-foundry/openai/concepts/model-retirements",
        # Azure bills fine-tuned tokens at the base model's rate (its cost-management page).
        finetuned_input=0.40,
        finetuned_output=1.60,
    ),
}


__all__ = ["HOURS_PER_MONTH", "TERMS", "Terms"]
