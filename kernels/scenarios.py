"""The scenario kernel: one block of scenarios through the decision model of MODEL.md.

Everything here is pure: arrays, scalars and per-block random Generators in,
preallocated arrays filled. Sampling of static inputs, blocks, threads and the
results Dataset live in ``sim/``.

Money is USD, token prices USD per 1M tokens, time in whole months (month 1 is the
first month of the decision; events "at month m" happen at its start).
"""

import math

import numpy as np
from numba import njit

# Columns of the ``static`` input matrix (a row per scenario). ``STATIC_FIELDS`` names
# each column by its config key, in the same order as the index constants below.
STATIC_FIELDS = (
    "workload.calls_per_month",
    "workload.growth_per_month",
    "workload.volatility",
    "workload.shutdown_per_year",
    "workload.prompt_tokens",
    "workload.finetuned_prompt_tokens",
    "workload.rag_prompt_tokens",
    "workload.output_tokens",
    "workload.query_embedding_tokens",
    "pricing.base_input",
    "pricing.base_output",
    "pricing.finetuned_input",
    "pricing.finetuned_output",
    "pricing.training",
    "pricing.embedding",
    "pricing.hosting_per_month",
    "market.trend_per_year",
    "market.cuts_per_year",
    "finetune.training_tokens",
    "finetune.setup_cost",
    "finetune.months_to_ship",
    "finetune.success_probability",
    "finetune.max_attempts",
    "finetune.mean_months_between_retrains",
    "finetune.retrain_interval_cv",
    "finetune.retrain_cost",
    "finetune.retrain_months",
    "finetune.maintenance_per_month",
    "rag.corpus_tokens",
    "rag.setup_cost",
    "rag.months_to_ship",
    "rag.vector_store_per_month",
    "rag.reindex_fraction_per_month",
)
(
    CALLS_PER_MONTH,
    GROWTH_PER_MONTH,
    VOLATILITY,
    SHUTDOWN_PER_YEAR,
    PROMPT_TOKENS,
    FINETUNED_PROMPT_TOKENS,
    RAG_PROMPT_TOKENS,
    OUTPUT_TOKENS,
    QUERY_EMBEDDING_TOKENS,
    BASE_INPUT,
    BASE_OUTPUT,
    FINETUNED_INPUT,
    FINETUNED_OUTPUT,
    TRAINING,
    EMBEDDING,
    HOSTING_PER_MONTH,
    TREND_PER_YEAR,
    CUTS_PER_YEAR,
    TRAINING_TOKENS,
    FT_SETUP_COST,
    FT_MONTHS_TO_SHIP,
    SUCCESS_PROBABILITY,
    MAX_ATTEMPTS,
    MEAN_MONTHS_BETWEEN_RETRAINS,
    RETRAIN_INTERVAL_CV,
    RETRAIN_COST,
    RETRAIN_MONTHS,
    MAINTENANCE_PER_MONTH,
    CORPUS_TOKENS,
    RAG_SETUP_COST,
    RAG_MONTHS_TO_SHIP,
    VECTOR_STORE_PER_MONTH,
    REINDEX_FRACTION_PER_MONTH,
) = range(33)
N_STATIC = len(STATIC_FIELDS)

STRATEGIES = ("prompt", "finetune", "rag")
PROMPT, FINETUNE, RAG = 0, 1, 2

# Per-event distributions (a price cut's size, a base model's lifetime) are passed as
# a spec of EVENT_SPEC_LEN floats: family code, four parameters, then the clip range.
FIXED, UNIFORM, TRIANGULAR, PERT, NORMAL, LOGNORMAL = range(6)
EVENT_SPEC_LEN = 7

# Fine-tune phases. PENDING covers both "trained, waiting to go live" and "retraining":
# in either the traffic is served by prompting.
_SHIPPING, _PENDING, _LIVE, _FAILED = range(4)

_PER_MILLION = 1e-6


@njit(cache=True, nogil=True)
def draw_event(spec, rng):
    """One draw from an event spec (see ``EVENT_SPEC_LEN``), clipped to its range."""
    family = int(spec[0])
    if family == FIXED:
        x = spec[1]
    elif family == UNIFORM:
        x = spec[1] + (spec[2] - spec[1]) * rng.random()
    elif family == TRIANGULAR:
        low, mode, high = spec[1], spec[2], spec[3]
        u = rng.random()
        if u < (mode - low) / (high - low):
            x = low + math.sqrt(u * (high - low) * (mode - low))
        else:
            x = high - math.sqrt((1.0 - u) * (high - low) * (high - mode))
    elif family == PERT:
        x = spec[1] + (spec[2] - spec[1]) * rng.beta(spec[3], spec[4])
    elif family == NORMAL:
        x = spec[1] + spec[2] * rng.standard_normal()
    else:
        x = math.exp(spec[1] + spec[2] * rng.standard_normal())
    return min(max(x, spec[5]), spec[6])


@njit(cache=True, nogil=True)
def draw_wald(mean, cv, rng):
    """Inverse-Gaussian time with the given mean and coefficient of variation.

    Michael, Schucany & Haas (1976): one normal and one uniform per draw. ``cv = 0``
    returns the mean and consumes no random numbers.
    """
    if cv <= 0.0:
        return mean
    shape = mean / (cv * cv)
    y = rng.standard_normal()
    y = y * y
    x = mean + mean * mean * y / (2.0 * shape) - mean / (2.0 * shape) * math.sqrt(
        4.0 * mean * shape * y + mean * mean * y * y
    )
    if rng.random() <= mean / (mean + x):
        return x
    return mean * mean / x


@njit(cache=True, nogil=True)
def months_until(p, u, cap):
    """Whole months ``k >= 0`` before an event of monthly probability ``p`` happens.

    Geometric by inversion of one uniform ``u`` in [0, 1): P(k >= j) = (1 - p)^j.
    One draw per event instead of one per month; ``cap`` bounds the answer.
    """
    if p >= 1.0:
        return 0
    if p <= 0.0:
        return cap
    k = math.floor(math.log1p(-u) / math.log1p(-p))
    return cap if k >= cap else int(k)


@njit(cache=True, nogil=True)
def simulate_block(
    static,
    cut_size,
    base_lifetime,
    horizon,
    annual_discount_rate,
    reprice_on_retrain,
    env_rng,
    event_rng,
    lifecycle_rng,
    cost,
    cost_fixed,
    cost_slope,
    payback,
    retrains,
    attempts,
    failed,
    shutdown_month,
    beats,
    paths,
):
    """Run every scenario of one block over ``horizon`` months.

    Parameters
    ----------
    static : float64[n, N_STATIC]
        Static inputs, a row per scenario, columns as in ``STATIC_FIELDS``.
    cut_size, base_lifetime : float64[EVENT_SPEC_LEN]
        Per-event distributions: a price cut's fraction, a base model's lifetime (months).
    horizon : int
        Months simulated.
    annual_discount_rate : float
        ``r``; month ``m`` is discounted by ``(1 + r) ** (-(m - 1) / 12)``.
    reprice_on_retrain : bool
        True: a fine-tune pays its prices at the index of its go-live month (pinned).
    env_rng, event_rng, lifecycle_rng : numpy.random.Generator
        Shutdown time and volume shocks (always 1 + (horizon - 1) draws a scenario,
        so that other inputs never shift them); price cut times and sizes; training
        outcomes, drift times and base lifetimes.
    cost, cost_fixed, cost_slope : float64[n, 3]
        Out: discounted cumulative cost at the horizon (USD), its volume-independent
        part ``A`` (USD) and its slope ``B`` (USD per call/month of month-1 volume),
        so that ``cost = A + V_1 * B``.
    payback : int32[n, 2]
        Out: first month with ``C_k <= C_prompt`` for fine-tune and RAG, -1 if none.
    retrains, attempts : int32[n]
        Out: drift- or deprecation-triggered retrains; training attempts.
    failed : bool[n]
        Out: every attempt failed the quality bar.
    shutdown_month : int32[n]
        Out: month the use case ended, 0 if it did not.
    beats : int64[2, horizon]
        Out, accumulated: scenarios with ``C_k(m) < C_prompt(m)``, fine-tune and RAG.
    paths : float64[n or 0, 3, horizon]
        Out: cumulative cost by month, written only when its first dimension is n.
    """
    n = static.shape[0]
    store_paths = paths.shape[0] == n and n > 0
    discount = np.empty(horizon)
    for m in range(horizon):
        discount[m] = (1.0 + annual_discount_rate) ** (-m / 12.0)

    for i in range(n):
        s = static[i]
        v1 = s[CALLS_PER_MONTH]
        log_drift = s[GROWTH_PER_MONTH] - 0.5 * s[VOLATILITY] ** 2
        sigma = s[VOLATILITY]
        p_shutdown = 1.0 - (1.0 - s[SHUTDOWN_PER_YEAR]) ** (1.0 / 12.0)
        p_cut = 1.0 - math.exp(-s[CUTS_PER_YEAR] / 12.0)
        monthly_trend = math.exp(s[TREND_PER_YEAR] / 12.0)

        prompt_per_call = (
            s[PROMPT_TOKENS] * s[BASE_INPUT] + s[OUTPUT_TOKENS] * s[BASE_OUTPUT]
        ) * _PER_MILLION
        finetuned_per_call = (
            s[FINETUNED_PROMPT_TOKENS] * s[FINETUNED_INPUT]
            + s[OUTPUT_TOKENS] * s[FINETUNED_OUTPUT]
        ) * _PER_MILLION
        rag_per_call = (
            s[RAG_PROMPT_TOKENS] * s[BASE_INPUT]
            + s[OUTPUT_TOKENS] * s[BASE_OUTPUT]
            + s[QUERY_EMBEDDING_TOKENS] * s[EMBEDDING]
        ) * _PER_MILLION
        training_bill = s[TRAINING_TOKENS] * s[TRAINING] * _PER_MILLION
        corpus_bill = s[CORPUS_TOKENS] * s[EMBEDDING] * _PER_MILLION
        fixed_finetune_monthly = s[HOSTING_PER_MONTH] + s[MAINTENANCE_PER_MONTH]
        months_to_ship = int(s[FT_MONTHS_TO_SHIP])
        max_attempts = int(s[MAX_ATTEMPTS])
        retrain_months = int(s[RETRAIN_MONTHS])
        rag_months_to_ship = int(s[RAG_MONTHS_TO_SHIP])

        # The first month m >= 2 whose shutdown draw hits, and likewise the next cut.
        never = horizon + 1
        shutdown_at = 2 + months_until(p_shutdown, env_rng.random(), never)
        next_cut = 2 + months_until(p_cut, event_rng.random(), never)

        volume = 1.0  # V_m / V_1: costs are kept as A + V_1 * B
        index = 1.0  # market index M_m
        fixed_f = fixed_r = 0.0
        slope_p = slope_f = slope_r = 0.0
        phase = _SHIPPING
        next_attempt = 1
        n_attempts = 0
        n_retrains = 0
        live_at = -1
        next_retrain = -1
        pinned_index = 1.0
        hosting = False
        alive = True
        ended = 0
        payback_f = -1
        payback_r = -1

        for m in range(1, horizon + 1):
            if m >= 2:
                volume *= math.exp(log_drift + sigma * env_rng.standard_normal())
                index *= monthly_trend
                if m == next_cut:
                    index *= 1.0 - draw_event(cut_size, event_rng)
                    next_cut = m + 1 + months_until(p_cut, event_rng.random(), never)
                if m == shutdown_at:
                    alive = False
                    ended = m

            if alive:
                d = discount[m - 1]
                finetune_bill = 0.0
                while phase == _SHIPPING and next_attempt == m:
                    n_attempts += 1
                    finetune_bill += training_bill * index
                    finetune_bill += s[FT_SETUP_COST] if n_attempts == 1 else s[RETRAIN_COST]
                    if lifecycle_rng.random() < s[SUCCESS_PROBABILITY]:
                        phase = _PENDING
                        live_at = m + months_to_ship
                    elif n_attempts >= max_attempts:
                        phase = _FAILED
                    else:
                        next_attempt = m + months_to_ship
                if phase == _LIVE and m == next_retrain:
                    n_retrains += 1
                    finetune_bill += training_bill * index + s[RETRAIN_COST]
                    phase = _PENDING
                    live_at = m + retrain_months
                if phase == _PENDING and m == live_at:
                    phase = _LIVE
                    pinned_index = index
                    hosting = True
                    drift_time = draw_wald(
                        s[MEAN_MONTHS_BETWEEN_RETRAINS], s[RETRAIN_INTERVAL_CV], lifecycle_rng
                    )
                    lifetime = draw_event(base_lifetime, lifecycle_rng)
                    next_retrain = m + max(1, int(math.ceil(min(drift_time, lifetime))))
                if hosting:
                    finetune_bill += fixed_finetune_monthly

                usage = d * volume
                slope_p += usage * index * prompt_per_call
                if phase == _LIVE:
                    slope_f += usage * (pinned_index if reprice_on_retrain else index) * finetuned_per_call
                else:
                    slope_f += usage * index * prompt_per_call
                fixed_f += d * finetune_bill

                if m == 1:
                    rag_bill = corpus_bill * index + s[RAG_SETUP_COST]
                else:
                    rag_bill = s[REINDEX_FRACTION_PER_MONTH] * corpus_bill * index
                fixed_r += d * (rag_bill + s[VECTOR_STORE_PER_MONTH])
                if m <= rag_months_to_ship:
                    slope_r += usage * index * prompt_per_call
                else:
                    slope_r += usage * index * rag_per_call

            c_p = v1 * slope_p  # prompting has no volume-independent cost
            c_f = fixed_f + v1 * slope_f
            c_r = fixed_r + v1 * slope_r
            if c_f < c_p:
                beats[0, m - 1] += 1
            if c_r < c_p:
                beats[1, m - 1] += 1
            if payback_f < 0 and c_f <= c_p:
                payback_f = m
            if payback_r < 0 and c_r <= c_p:
                payback_r = m
            if store_paths:
                paths[i, PROMPT, m - 1] = c_p
                paths[i, FINETUNE, m - 1] = c_f
                paths[i, RAG, m - 1] = c_r

        cost[i, PROMPT] = v1 * slope_p
        cost[i, FINETUNE] = fixed_f + v1 * slope_f
        cost[i, RAG] = fixed_r + v1 * slope_r
        cost_fixed[i, PROMPT] = 0.0
        cost_fixed[i, FINETUNE] = fixed_f
        cost_fixed[i, RAG] = fixed_r
        cost_slope[i, PROMPT] = slope_p
        cost_slope[i, FINETUNE] = slope_f
        cost_slope[i, RAG] = slope_r
        payback[i, 0] = payback_f
        payback[i, 1] = payback_r
        retrains[i] = n_retrains
        attempts[i] = n_attempts
        failed[i] = phase == _FAILED
        shutdown_month[i] = ended
