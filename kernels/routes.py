"""Each route kind's monthly costs, one scenario at a time, for the scenario kernel.

Called from ``kernels.scenarios.simulate_block`` and inlined there: the market and the
baseline's bill (shared by every route), a prompt route, a RAG route and a fine-tune
route's lifecycle. Pure: arrays, scalars and a Generator in, arrays filled.

Money is USD, token prices USD per 1M tokens, time in whole months.
"""

import math

from numba import njit

from kernels.cache import drop_stale_cache, sources_stamp
from kernels.layout import (  # compiled in as constants: see _SOURCES_STAMP
    CUTS_PER_YEAR,
    FINETUNE,
    GENERATION_CACHED,
    GENERATION_FIRST,
    GENERATION_INPUT,
    GENERATION_OUTPUT,
    R_CACHE_HIT_RATE,
    R_CORPUS_TOKENS,
    R_EMBEDDING,
    R_ERROR_COST,
    R_FINETUNED_CACHED_INPUT,
    R_FINETUNED_INPUT,
    R_FINETUNED_OUTPUT,
    R_HOSTING_PER_MONTH,
    R_INPUT_TOKENS,
    R_MAINTENANCE_PER_MONTH,
    R_MAX_ATTEMPTS,
    R_MEAN_MONTHS_BETWEEN_RETRAINS,
    R_MIGRATION_COST,
    R_MONTHS_TO_SHIP,
    R_OUTPUT_TOKENS,
    R_PREFIX_TOKENS,
    R_PROMPT_MIGRATION_COST,
    R_QUALITY,
    R_QUERY_EMBEDDING_TOKENS,
    R_REINDEX_FRACTION_PER_MONTH,
    R_RETRAIN_COST,
    R_RETRAIN_INTERVAL_CV,
    R_RETRAIN_MONTHS,
    R_SETUP_COST,
    R_SUCCESS_PROBABILITY,
    R_SUCCESSOR_FINETUNED_CACHED_INPUT,
    R_SUCCESSOR_FINETUNED_INPUT,
    R_SUCCESSOR_FINETUNED_OUTPUT,
    R_SUCCESSOR_HOSTING_PER_MONTH,
    R_SUCCESSOR_TRAINING,
    R_TRAINING,
    R_TRAINING_TOKENS,
    R_VECTOR_STORE_PER_MONTH,
    PROMPT,
    SERVING_UNTIL,
    SHUTDOWN_PER_YEAR,
    TRAINING_UNTIL,
    TREND_PER_YEAR,
)
from kernels.variates import draw, draw_wald, months_until

# Fine-tune phases. PENDING covers both "trained, waiting to go live" and "retraining":
# in either the traffic is served by prompting. EXITED: the route left its platform
# and serves by prompting for good (MODEL.md, "Provider calendar and platform exit").
_SHIPPING, _PENDING, _LIVE, _FAILED, _EXITED = range(5)

_PER_MILLION = 1e-6


@njit(cache=True, nogil=True, inline="always")
def input_cost(tokens, prefix, hit, price, cached):
    """USD per 1M tokens times tokens: a call's prompt, its prefix read from cache in a share
    ``hit`` of calls at the ``cached`` price (the prefix at most the prompt)."""
    from_cache = hit * min(prefix, tokens)
    return (tokens - from_cache) * price + from_cache * cached


@njit(cache=True, nogil=True, inline="always")
def base_rate(static, i, columns, generations, r, j):
    """USD a call at month-1 prices of a prompt or RAG route on its base model ``j``."""
    return (input_cost(static[i, columns[r, R_INPUT_TOKENS]], static[i, columns[r, R_PREFIX_TOKENS]],
                        static[i, columns[r, R_CACHE_HIT_RATE]], static[i, generations[r, j, GENERATION_INPUT]],
                        static[i, generations[r, j, GENERATION_CACHED]])
            + static[i, columns[r, R_OUTPUT_TOKENS]] * static[i, generations[r, j, GENERATION_OUTPUT]])


@njit(cache=True, nogil=True, inline="always")
def generation_start(generations, r, j, never):
    # the first month of base model j + 1, or never
    return generations[r, j + 1, GENERATION_FIRST] if j + 1 < generations.shape[1] else never


@njit(cache=True, nogil=True, inline="always")
def market_step(level, m, next_cut, monthly_trend, log_no_cut, cut_size, rng, never):
    """The market index ``M_m`` from ``M_{m-1}`` (``level``; 1 before month 1) and the month of
    the next cut: the trend from month 2 on, and a cut drawn from ``rng`` in the month it falls,
    with the time to the one after it. Returns ``(M_m, next_cut)``."""
    if m >= 2:
        level *= monthly_trend
    if m == next_cut:
        level *= 1.0 - draw(cut_size, rng)
        next_cut = m + 1 + months_until(log_no_cut, rng.random(), never)
    return level, next_cut


@njit(cache=True, nogil=True, inline="always")
def market_and_baseline(static, i, shutdown_draw, growth, market, discount, cut_size, event_rng, columns,
                         generations, baseline, index, usage, current, volume_path, baseline_rate, baseline_bill,
                         fixed_path, slope_path):
    """The path every route of a scenario shares, with the baseline's costs on it; returns
    the month the use case ended (0: none).

    Fills, for each month ``m`` until then, the market index ``M_m`` (``index``), ``V_m /
    V_1`` (``volume_path``), the discounted volume ``d_m V_m / V_1`` (``usage``) and the
    same at current prices, ``d_m V_m M_m / V_1`` (``current``); the baseline's USD a call
    at month-1 prices (``baseline_rate``: what a route serving by prompting pays), its
    one-off payments (``baseline_bill``: a move to its base model's successor, USD) and
    its cumulative ``A`` and ``B`` (``fixed_path[baseline]``, ``slope_path[baseline]``).
    Price cuts are drawn from ``event_rng`` in month order, up to the shutdown month,
    unless ``market`` (float64[n, H]) has rows: then it is the index path, drawn once for
    every workload of a portfolio (``fill_market``), and ``event_rng`` is not read.
    """
    horizon = index.shape[0]
    never = horizon + 1
    # log(1 - p) of the monthly probabilities 1 - (1 - q)^(1/12) and 1 - e^(-c/12)
    log_stay_open = math.log1p(-static[i, SHUTDOWN_PER_YEAR]) / 12.0
    log_no_cut = -static[i, CUTS_PER_YEAR] / 12.0
    monthly_trend = math.exp(static[i, TREND_PER_YEAR] / 12.0)
    # The first month m >= 2 whose shutdown draw hits, and likewise the next cut.
    shutdown_at = 2 + months_until(log_stay_open, shutdown_draw[i], never)
    shared = market.shape[0] > 0
    next_cut = never if shared else 2 + months_until(log_no_cut, event_rng.random(), never)
    rate = base_rate(static, i, columns, generations, baseline, 0) * _PER_MILLION
    generation = 0
    next_generation = generation_start(generations, baseline, 0, never)
    volume = 1.0  # V_m / V_1: costs are kept as A + V_1 * B
    level = 1.0
    fixed = slope = 0.0
    for m in range(1, horizon + 1):
        if m >= 2:
            volume *= growth[i, m - 2]
        if shared:
            level = market[i, m - 1]
        else:
            level, next_cut = market_step(level, m, next_cut, monthly_trend, log_no_cut, cut_size, event_rng, never)
        index[m - 1] = level
        if m == shutdown_at:
            return m
        bill = 0.0
        if m == next_generation:  # its base model retired: the successor's prices, a migration paid
            generation += 1
            rate = base_rate(static, i, columns, generations, baseline, generation) * _PER_MILLION
            next_generation = generation_start(generations, baseline, generation, never)
            bill = static[i, columns[baseline, R_PROMPT_MIGRATION_COST]]
            fixed += discount[m - 1] * bill
        volume_path[m - 1] = volume
        usage[m - 1] = discount[m - 1] * volume
        current[m - 1] = usage[m - 1] * level
        slope += current[m - 1] * rate
        baseline_rate[m - 1] = rate
        baseline_bill[m - 1] = bill
        fixed_path[baseline, m - 1] = fixed
        slope_path[baseline, m - 1] = slope
    return 0


@njit(cache=True, nogil=True)
def fill_market(trend_per_year, cuts_per_year, cut_size, rng, index):
    """The market index path ``M_m`` of each scenario, as ``market_and_baseline`` draws it.

    Parameters
    ----------
    trend_per_year, cuts_per_year : float64[n]
        Each scenario's price trend (1/year, log) and price cuts a year.
    cut_size : float64[DRAW_SPEC_LEN]
        A cut's fraction, drawn per cut.
    rng : numpy.random.Generator
        The market's own stream: cut times, then each cut's size, in month order.
    index : float64[n, H]
        Out: ``M_m`` for months 1..H (``M_1 = 1``), drawn to the horizon whatever a
        workload's shutdown: every workload of a portfolio reads the same path.
    """
    n, horizon = index.shape
    never = horizon + 1
    for i in range(n):
        log_no_cut = -cuts_per_year[i] / 12.0
        monthly_trend = math.exp(trend_per_year[i] / 12.0)
        next_cut = 2 + months_until(log_no_cut, rng.random(), never)
        level = 1.0
        for m in range(1, horizon + 1):
            level, next_cut = market_step(level, m, next_cut, monthly_trend, log_no_cut, cut_size, rng, never)
            index[i, m - 1] = level


@njit(cache=True, nogil=True, inline="always")
def prompt_costs(static, i, columns, generations, r, months, discount, current, fixed_path, slope_path):
    """A prompt route's cumulative ``A`` (its moves to a successor base model) and ``B`` by month."""
    never = current.shape[0] + 1
    rate = base_rate(static, i, columns, generations, r, 0) * _PER_MILLION
    generation = 0
    next_generation = generation_start(generations, r, 0, never)
    fixed = slope = 0.0
    for m in range(1, months + 1):
        if m == next_generation:
            generation += 1
            rate = base_rate(static, i, columns, generations, r, generation) * _PER_MILLION
            next_generation = generation_start(generations, r, generation, never)
            fixed += discount[m - 1] * static[i, columns[r, R_PROMPT_MIGRATION_COST]]
        slope += current[m - 1] * rate
        fixed_path[r, m - 1] = fixed
        slope_path[r, m - 1] = slope


@njit(cache=True, nogil=True, inline="always")
def rag_costs(static, i, columns, generations, r, months, index, discount, current, baseline_rate, baseline_bill,
               fixed_path, slope_path):
    """A RAG route's cumulative ``A`` and ``B`` by month: the index built in month 1, the
    store and re-embedding monthly, what the baseline pays until it ships (its calls and its
    one-off ``baseline_bill``, as a fine-tune serving by prompting); its base model's
    successors as for a prompt route (the embedding stays its own sheet's)."""
    never = current.shape[0] + 1
    embedding = static[i, columns[r, R_QUERY_EMBEDDING_TOKENS]] * static[i, columns[r, R_EMBEDDING]]
    rate = (base_rate(static, i, columns, generations, r, 0) + embedding) * _PER_MILLION
    generation = 0
    next_generation = generation_start(generations, r, 0, never)
    corpus_bill = static[i, columns[r, R_CORPUS_TOKENS]] * static[i, columns[r, R_EMBEDDING]] * _PER_MILLION
    reindex_bill = static[i, columns[r, R_REINDEX_FRACTION_PER_MONTH]] * corpus_bill
    vector_store = static[i, columns[r, R_VECTOR_STORE_PER_MONTH]]
    setup = static[i, columns[r, R_SETUP_COST]]
    switch = int(static[i, columns[r, R_MONTHS_TO_SHIP]]) + 1  # served by prompting until then
    fixed = slope = 0.0
    for m in range(1, months + 1):
        if m == next_generation:
            generation += 1
            rate = (base_rate(static, i, columns, generations, r, generation) + embedding) * _PER_MILLION
            next_generation = generation_start(generations, r, generation, never)
            fixed += discount[m - 1] * static[i, columns[r, R_PROMPT_MIGRATION_COST]]
        # month 1 embeds the whole corpus; later months re-embed a share of it
        rag_bill = corpus_bill * index[m - 1] + setup if m == 1 else reindex_bill * index[m - 1]
        fixed += discount[m - 1] * (rag_bill + vector_store)
        if m >= switch:
            slope += current[m - 1] * rate
        else:  # served by prompting: what the baseline pays this month
            slope += current[m - 1] * baseline_rate[m - 1]
            fixed += discount[m - 1] * baseline_bill[m - 1]
        fixed_path[r, m - 1] = fixed
        slope_path[r, m - 1] = slope


@njit(cache=True, nogil=True, inline="always")
def finetune_costs(static, i, columns, r, calendar, migrate_on_exit, reprice_on_retrain, base_lifetime, rng,
                    months, index, discount, usage, current, baseline_rate, baseline_bill, fixed_path, slope_path, own):
    """A fine-tune route's cumulative ``A`` and ``B`` by month through its lifecycle.

    Attempts, go-lives, drift and deprecation retrains and platform exits (MODEL.md),
    drawn from the route's own ``rng`` in month order; months it serves by prompting pay
    ``baseline_rate`` a call and the baseline's one-off ``baseline_bill``; ``own`` (float64[H]) is
    set to 1 in the months a fine-tuned model of the route serves, 0 in those it serves by
    prompting (its quality, ``quality_costs``). Returns the scenario's attempts and retrains, and whether every
    attempt failed, the month it first left its platform (-1: never), whether it moved to
    its successor, and whether it ends prompting for good after an exit.
    """
    never = index.shape[0] + 1
    tokens, prefix = static[i, columns[r, R_INPUT_TOKENS]], static[i, columns[r, R_PREFIX_TOKENS]]
    hit, tokens_out = static[i, columns[r, R_CACHE_HIT_RATE]], static[i, columns[r, R_OUTPUT_TOKENS]]
    rate = (input_cost(tokens, prefix, hit, static[i, columns[r, R_FINETUNED_INPUT]],
                        static[i, columns[r, R_FINETUNED_CACHED_INPUT]])
            + tokens_out * static[i, columns[r, R_FINETUNED_OUTPUT]]) * _PER_MILLION
    training_bill = static[i, columns[r, R_TRAINING_TOKENS]] * static[i, columns[r, R_TRAINING]] * _PER_MILLION
    maintenance = static[i, columns[r, R_MAINTENANCE_PER_MONTH]]
    monthly = static[i, columns[r, R_HOSTING_PER_MONTH]] + maintenance  # once live: the fee and maintenance
    first_attempt_cost = static[i, columns[r, R_SETUP_COST]]  # beside training; a migration's is its own
    retrain_cost = static[i, columns[r, R_RETRAIN_COST]]
    success_probability = static[i, columns[r, R_SUCCESS_PROBABILITY]]
    mean_between_retrains = static[i, columns[r, R_MEAN_MONTHS_BETWEEN_RETRAINS]]
    retrain_cv = static[i, columns[r, R_RETRAIN_INTERVAL_CV]]
    months_to_ship = int(static[i, columns[r, R_MONTHS_TO_SHIP]])
    max_attempts = int(static[i, columns[r, R_MAX_ATTEMPTS]])
    retrain_months = int(static[i, columns[r, R_RETRAIN_MONTHS]])
    training_until = calendar[r, TRAINING_UNTIL]
    serving_until = calendar[r, SERVING_UNTIL]

    phase = _SHIPPING
    next_lifecycle = 1  # the month of the next attempt, retrain or go-live
    n_attempts = n_retrains = 0
    lifecycle_attempts = 0  # attempts of the current sheet's lifecycle
    pinned_index = 1.0  # M_a of the live model's go-live month a
    hosting = 0.0  # the flat monthly payment: fee and maintenance
    went_live = on_successor = False
    first_exit = -1
    fixed = slope = 0.0
    m = 1
    while m <= months:
        bill = 0.0  # one-off payments of month m
        # A model of this sheet, live or waiting to go live, that can no longer serve; or
        # a training due that can no longer be made.
        exiting = m > serving_until and (phase == _PENDING or phase == _LIVE)
        while exiting or m == next_lifecycle:
            if (phase == _SHIPPING or phase == _LIVE) and m > training_until:
                exiting = True
            if exiting:
                exiting = False
                if first_exit < 0:
                    first_exit = m
                if migrate_on_exit and not on_successor and m <= calendar[r, 2 + TRAINING_UNTIL]:
                    # attempt 1 of a new lifecycle on the successor, this month
                    on_successor = True
                    training_until = calendar[r, 2 + TRAINING_UNTIL]
                    serving_until = calendar[r, 2 + SERVING_UNTIL]
                    training_bill = (static[i, columns[r, R_TRAINING_TOKENS]] * static[i, columns[r, R_SUCCESSOR_TRAINING]]
                                     * _PER_MILLION)
                    rate = (input_cost(tokens, prefix, hit, static[i, columns[r, R_SUCCESSOR_FINETUNED_INPUT]],
                                        static[i, columns[r, R_SUCCESSOR_FINETUNED_CACHED_INPUT]])
                            + tokens_out * static[i, columns[r, R_SUCCESSOR_FINETUNED_OUTPUT]]) * _PER_MILLION
                    monthly = static[i, columns[r, R_SUCCESSOR_HOSTING_PER_MONTH]] + maintenance
                    if n_attempts > 0:
                        first_attempt_cost = static[i, columns[r, R_MIGRATION_COST]]
                    lifecycle_attempts = 0
                    # the old deployment is gone; maintenance goes on once live before
                    hosting = maintenance if went_live else 0.0
                    phase = _SHIPPING
                    next_lifecycle = m
                else:
                    phase = _EXITED
                    hosting = 0.0
                    next_lifecycle = never
                    break
            elif phase == _SHIPPING:
                n_attempts += 1
                lifecycle_attempts += 1
                bill += training_bill * index[m - 1]
                bill += first_attempt_cost if lifecycle_attempts == 1 else retrain_cost
                if rng.random() < success_probability:
                    phase = _PENDING
                elif lifecycle_attempts >= max_attempts:
                    phase = _FAILED
                    hosting = 0.0
                    next_lifecycle = never
                    break
                next_lifecycle = m + months_to_ship
            elif phase == _LIVE:
                n_retrains += 1
                bill += training_bill * index[m - 1] + retrain_cost
                phase = _PENDING
                next_lifecycle = m + retrain_months
            elif phase == _PENDING:  # the model goes live, pinned to this month's index
                phase = _LIVE
                went_live = True
                pinned_index = index[m - 1]
                hosting = monthly
                drift_time = draw_wald(mean_between_retrains, retrain_cv, rng)
                lifetime = draw(base_lifetime[r], rng)
                next_lifecycle = m + max(1, int(math.ceil(min(drift_time, lifetime))))
            else:
                raise ValueError("a lifecycle event in a phase that has none")
        # Month m pays its bill; the months until the next event pay only the usage and
        # the flat fees of the phase they are in (a loop without a lifecycle test).
        until = next_lifecycle
        if phase == _PENDING or phase == _LIVE:
            until = min(until, serving_until + 1)
        until = min(until, months + 1)
        if phase != _LIVE:  # served by prompting: the baseline's calls and its one-off payments
            fixed += discount[m - 1] * (bill + hosting + baseline_bill[m - 1])
            for paying in range(m, until):
                slope += current[paying - 1] * baseline_rate[paying - 1]
                if paying > m:
                    fixed += discount[paying - 1] * (hosting + baseline_bill[paying - 1])
                fixed_path[r, paying - 1] = fixed
                slope_path[r, paying - 1] = slope
                own[paying - 1] = 0.0
        elif reprice_on_retrain:
            fixed += discount[m - 1] * (bill + hosting)
            for paying in range(m, until):
                slope += usage[paying - 1] * pinned_index * rate
                if paying > m:
                    fixed += discount[paying - 1] * hosting
                fixed_path[r, paying - 1] = fixed
                slope_path[r, paying - 1] = slope
                own[paying - 1] = 1.0
        else:
            fixed += discount[m - 1] * (bill + hosting)
            for paying in range(m, until):
                slope += current[paying - 1] * rate
                if paying > m:
                    fixed += discount[paying - 1] * hosting
                fixed_path[r, paying - 1] = fixed
                slope_path[r, paying - 1] = slope
                own[paying - 1] = 1.0
        m = until
    return n_attempts, n_retrains, phase == _FAILED, first_exit, on_successor, phase == _EXITED


@njit(cache=True, nogil=True, inline="always")
def quality_costs(static, i, columns, kind, r, baseline, months, usage, volume_path, own, slope_path):
    """A route's failed calls and their cost (MODEL.md, "Quality and the cost of errors").

    In month ``m`` the route serves at rate ``q(m)``: a prompt route at its own; a fine-tune
    route at its own where ``own[m]`` is 1 (a fine-tuned model serves), at the baseline's
    where it serves by prompting; a RAG route at its own once shipped, at the baseline's
    before. Adds ``error_cost`` times the discounted failed calls per call/month of month-1
    volume, ``sum d_m V_m / V_1 (1 - q(m))``, to the route's cumulative ``B`` (proportional to
    ``V_1``: the line crossing holds). Returns that sum (discounted) and the same undiscounted
    (failed calls per call/month of month-1 volume). Nothing changes where both rates are 1.
    """
    rate = static[i, columns[r, R_QUALITY]]
    base = static[i, columns[baseline, R_QUALITY]]
    if rate == 1.0 and (kind[r] == PROMPT or base == 1.0):
        return 0.0, 0.0
    error_cost = static[i, columns[r, R_ERROR_COST]]
    switch = int(static[i, columns[r, R_MONTHS_TO_SHIP]]) + 1 if kind[r] != PROMPT and kind[r] != FINETUNE else 1
    missed = failed = 0.0
    for m in range(months):
        if kind[r] == PROMPT:
            q = rate
        elif kind[r] == FINETUNE:
            q = rate if own[m] > 0.0 else base
        else:
            q = rate if m + 1 >= switch else base
        missed += usage[m] * (1.0 - q)
        failed += volume_path[m] * (1.0 - q)
        if error_cost > 0.0:
            slope_path[r, m] += error_cost * missed
    return missed, failed


_SOURCES_STAMP = sources_stamp(__file__, ("layout.py", "variates.py"))


@njit(cache=True)
def _compiled_stamp():
    return _SOURCES_STAMP


drop_stale_cache(globals(), _compiled_stamp, _SOURCES_STAMP)


__all__ = ["input_cost", "base_rate", "fill_market", "generation_start", "market_and_baseline", "market_step",
           "prompt_costs", "rag_costs", "finetune_costs", "quality_costs"]
