"""The scenario kernel: one block of scenarios through the decision model of MODEL.md.

Everything here is pure: arrays, scalars and per-block random Generators in,
preallocated arrays filled. Sampling of static inputs, blocks, threads and the
results Dataset live in ``sim/``.

Money is USD, token prices USD per 1M tokens, time in whole months (month 1 is the
first month of the decision; events "at month m" happen at its start).
"""

import hashlib
import math
from pathlib import Path

import numpy as np
from numba import njit
from numba.core.registry import CPUDispatcher

from kernels.layout import (  # compiled in as constants: see _SOURCES_STAMP
    CALLS_PER_MONTH, SHUTDOWN_PER_YEAR, PROMPT_TOKENS,
    FINETUNED_PROMPT_TOKENS, RAG_PROMPT_TOKENS, OUTPUT_TOKENS, QUERY_EMBEDDING_TOKENS,
    BASE_INPUT, BASE_OUTPUT, FINETUNED_INPUT, FINETUNED_OUTPUT, TRAINING, EMBEDDING,
    HOSTING_PER_MONTH, TREND_PER_YEAR, CUTS_PER_YEAR, TRAINING_TOKENS, FT_SETUP_COST,
    FT_MONTHS_TO_SHIP, SUCCESS_PROBABILITY, MAX_ATTEMPTS, MEAN_MONTHS_BETWEEN_RETRAINS,
    RETRAIN_INTERVAL_CV, RETRAIN_COST, RETRAIN_MONTHS, MAINTENANCE_PER_MONTH, CORPUS_TOKENS,
    RAG_SETUP_COST, RAG_MONTHS_TO_SHIP, VECTOR_STORE_PER_MONTH, REINDEX_FRACTION_PER_MONTH,
    MIGRATION_COST, SUCCESSOR_FINETUNED_INPUT, SUCCESSOR_FINETUNED_OUTPUT,
    SUCCESSOR_TRAINING, SUCCESSOR_HOSTING_PER_MONTH, PROMPT, FINETUNE, RAG, FIXED,
    UNIFORM, TRIANGULAR, PERT, NORMAL, TRAINING_UNTIL, SERVING_UNTIL,
    TIE_USD,
)
from kernels.tables import clip_and_round, grid_volume_cdf

# Fine-tune phases. PENDING covers both "trained, waiting to go live" and "retraining":
# in either the traffic is served by prompting. EXITED: the route left its platform
# and serves by prompting for good (MODEL.md, "Provider calendar and platform exit").
_SHIPPING, _PENDING, _LIVE, _FAILED, _EXITED = range(5)

_PER_MILLION = 1e-6


@njit(cache=True, nogil=True, inline="always")
def _gamma_constants(shape):
    d = shape - 1.0 / 3.0
    return d, 1.0 / math.sqrt(9.0 * d)


@njit(cache=True, nogil=True, inline="always")
def _marsaglia_tsang(d, c, rng):
    while True:
        x = rng.standard_normal()
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = rng.random()
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2:
            return d * v
        if math.log(u) < 0.5 * x2 + d * (1.0 - v + math.log(v)):
            return d * v


@njit(cache=True, nogil=True, inline="always")
def draw_gamma(shape, rng):
    """Standard gamma variate, ``shape >= 1``: Marsaglia & Tsang (2000).

    One normal and one uniform per try, a logarithm only when the squeeze fails; it
    accepts over 95% of tries for the shapes of a PERT (1 to 5).
    """
    d, c = _gamma_constants(shape)
    return _marsaglia_tsang(d, c, rng)


@njit(cache=True, nogil=True, inline="always")
def _triangular(low, mode, high, left, u):
    # inversion; ``left = (mode - low) / (high - low)`` is the CDF at the mode
    if u < left:
        return low + math.sqrt(u * (high - low) * (mode - low))
    return high - math.sqrt((1.0 - u) * (high - low) * (high - mode))


@njit(cache=True, nogil=True, inline="always")
def _pert(low, high, d_alpha, c_alpha, d_beta, c_beta, rng):
    # a beta(alpha, beta) variate as a ratio of gammas, scaled to [low, high]
    g = _marsaglia_tsang(d_alpha, c_alpha, rng)
    return low + (high - low) * g / (g + _marsaglia_tsang(d_beta, c_beta, rng))


@njit(cache=True, nogil=True)
def draw(spec, rng):
    """One draw from a spec (see ``DRAW_SPEC_LEN``), clipped to its range and rounded.

    The same number as the first of ``fill_draws`` on the same Generator.
    """
    family = int(spec[0])
    if family == FIXED:
        x = spec[1]
    elif family == UNIFORM:
        x = spec[1] + (spec[2] - spec[1]) * rng.random()
    elif family == TRIANGULAR:
        x = _triangular(spec[1], spec[2], spec[3], (spec[2] - spec[1]) / (spec[3] - spec[1]), rng.random())
    elif family == PERT:
        d_alpha, c_alpha = _gamma_constants(spec[3])
        d_beta, c_beta = _gamma_constants(spec[4])
        x = _pert(spec[1], spec[2], d_alpha, c_alpha, d_beta, c_beta, rng)
    elif family == NORMAL:
        x = spec[1] + spec[2] * rng.standard_normal()
    else:
        x = math.exp(spec[1] + spec[2] * rng.standard_normal())
    return clip_and_round(x, spec[5], spec[6], spec[7] != 0.0)


@njit(cache=True, nogil=True)
def fill_draws(spec, rng, out):
    """Fill ``out`` with independent draws from a spec, in order, from one Generator.

    The same numbers as ``draw`` called ``len(out)`` times, but the family is chosen
    and its constants computed once for the whole array: two to three times faster
    on the development machine than a ``draw`` per element.
    """
    family = int(spec[0])
    p1, p2, p3, p4 = spec[1], spec[2], spec[3], spec[4]
    low, high, whole = spec[5], spec[6], spec[7] != 0.0
    n = out.shape[0]
    if family == FIXED:
        for i in range(n):
            out[i] = clip_and_round(p1, low, high, whole)
    elif family == UNIFORM:
        for i in range(n):
            out[i] = clip_and_round(p1 + (p2 - p1) * rng.random(), low, high, whole)
    elif family == TRIANGULAR:
        left = (p2 - p1) / (p3 - p1)
        for i in range(n):
            out[i] = clip_and_round(_triangular(p1, p2, p3, left, rng.random()), low, high, whole)
    elif family == PERT:
        d_alpha, c_alpha = _gamma_constants(p3)
        d_beta, c_beta = _gamma_constants(p4)
        for i in range(n):
            out[i] = clip_and_round(_pert(p1, p2, d_alpha, c_alpha, d_beta, c_beta, rng), low, high, whole)
    elif family == NORMAL:
        for i in range(n):
            out[i] = clip_and_round(p1 + p2 * rng.standard_normal(), low, high, whole)
    else:
        for i in range(n):
            out[i] = clip_and_round(math.exp(p1 + p2 * rng.standard_normal()), low, high, whole)


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
def months_until(log_stay, u, cap):
    """Whole months ``k >= 0`` before an event happens, ``log_stay = log(1 - p)``.

    Geometric by inversion of one uniform ``u`` in [0, 1): P(k >= j) = (1 - p)^j, ``p``
    the monthly probability. Taking ``log(1 - p)`` spares the caller a power and the
    function a logarithm. One draw per event instead of one per month; ``cap`` bounds
    the answer.
    """
    if log_stay == -math.inf:  # p = 1
        return 0
    if log_stay >= 0.0:  # p = 0
        return cap
    k = math.floor(math.log1p(-u) / log_stay)
    return cap if k >= cap else int(k)


@njit(cache=True, nogil=True)
def fill_environment(rng, shutdown_draw, shocks):
    """Draw each scenario's shutdown uniform, then its ``shocks.shape[1]`` volume shocks.

    Always the same count per scenario, whatever happens on its path: a change to
    any other input never shifts whose shocks are whose (common random numbers).
    ``shocks`` receives standard normals ``Z_m``; the caller turns them into volume
    ratios ``exp(g - sigma^2 / 2 + sigma Z_m)`` with NumPy's vectorised ``exp``: about
    2 ns a value on the development machine, against about 10 ns for a scalar ``exp``
    inside the month loop.
    """
    for i in range(shocks.shape[0]):
        shutdown_draw[i] = rng.random()
        for m in range(shocks.shape[1]):
            shocks[i, m] = rng.standard_normal()


@njit(cache=True, nogil=True, inline="always")
def _p_above(gap, bar, law):
    """P(V_1 * gap > bar) over month-1 volume's law (calls/month).

    Thresholds that fall exactly on an atom of the law (a clip bound, a whole number)
    have probability zero under the continuous inputs that form them.
    """
    if gap > 0.0:
        return 1.0 - grid_volume_cdf(law, bar / gap)
    if gap < 0.0:
        return grid_volume_cdf(law, bar / gap)
    return 1.0 if bar < 0.0 else 0.0


@njit(cache=True, nogil=True, inline="always")
def _paid_back(gap, bar, lowest, highest, p_before, law):
    """Add month m's payback condition ``V_1 * gap >= bar`` to the union of months before.

    Returns the union's new bounds (``V_1 >= lowest`` or ``V_1 <= highest``) and its
    probability (``p_before``, the union's before, when the month widens neither bound).
    """
    if gap > 0.0:
        if bar / gap >= lowest:
            return lowest, highest, p_before
        lowest = bar / gap
    elif gap < 0.0:
        if bar / gap <= highest:
            return lowest, highest, p_before
        highest = bar / gap
    elif bar <= 0.0:
        lowest = -math.inf  # every volume: paid back
    else:
        return lowest, highest, p_before
    if highest >= lowest:
        return lowest, highest, 1.0
    p = 0.0
    if lowest < math.inf:
        p += 1.0 - grid_volume_cdf(law, lowest)
    if highest > -math.inf:
        p += grid_volume_cdf(law, highest)
    return lowest, highest, min(p, 1.0)


@njit(cache=True, nogil=True)
def simulate_block(
    static,
    cut_size,
    base_lifetime,
    horizon,
    annual_discount_rate,
    reprice_on_retrain,
    calendar,
    migrate_on_exit,
    volume_law,
    volume_mean,
    shutdown_draw,
    growth,
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
    exit_month,
    migrated,
    exited,
    beats,
    paid_back,
    cost_sum,
    cheaper,
    cheapest,
    paths,
):
    """Run every scenario of one block over ``horizon`` months.

    Parameters
    ----------
    static : float64[n, N_STATIC]
        Static inputs, a row per scenario, columns as in ``STATIC_FIELDS``.
    cut_size, base_lifetime : float64[DRAW_SPEC_LEN]
        Per-event distributions: a price cut's fraction, a base model's lifetime (months).
    horizon : int
        Months simulated.
    annual_discount_rate : float
        ``r``; month ``m`` is discounted by ``(1 + r) ** (-(m - 1) / 12)``.
    reprice_on_retrain : bool
        True: a fine-tune pays its prices at the index of its go-live month (pinned).
    calendar : int64[CALENDAR_LEN]
        Last training month and last serving month of the run's sheet, then of the
        successor's (see ``TRAINING_UNTIL``); ``horizon + 1`` where no end is announced.
    migrate_on_exit : bool
        True: at a platform exit the route moves to the successor (once); False: it
        serves by prompting from then on.
    volume_law : tuple
        Month-1 volume's clip range, whole-number rounding and CDF grid, as
        ``kernels.tables.grid_volume_cdf`` takes them. With a grid (not empty), the
        accumulated probabilities and mean costs integrate ``V_1`` out in closed form
        (every cost is ``A + V_1 B`` with ``A``, ``B`` independent of ``V_1``) instead
        of counting the scenario's own draw. An empty grid: plain counts.
    volume_mean : float
        ``E[V_1]``, calls/month (used when integrating).
    shutdown_draw : float64[n]
        A uniform in [0, 1) per scenario that decides its shutdown month.
    growth : float64[n, horizon - 1]
        Volume ratios ``V_{m+1} / V_m`` of months 2 ... horizon (see
        ``fill_environment``); they apply until a shutdown.
    event_rng, lifecycle_rng : numpy.random.Generator
        Price cut times and sizes; training outcomes, drift times and base lifetimes.
    cost, cost_fixed, cost_slope : float64[n, 3]
        Out: discounted cumulative cost at the horizon (USD), its volume-independent
        part ``A`` (USD) and its slope ``B`` (USD per call/month of month-1 volume),
        so that ``cost = A + V_1 * B``.
    payback : int64[n, 2]
        Out: first month with ``C_k <= C_prompt`` for fine-tune and RAG, -1 if none.
    retrains, attempts : int64[n]
        Out: drift- or deprecation-triggered retrains; training attempts.
    failed : bool[n]
        Out: every attempt failed the quality bar.
    shutdown_month : int64[n]
        Out: month the use case ended, 0 if it did not.
    exit_month : int64[n]
        Out: month the fine-tune route first left its platform, -1 if it did not.
    migrated : bool[n]
        Out: the route moved to the successor's sheet.
    exited : bool[n]
        Out: at the horizon the calendar has left the route prompting for good (an
        exit without migration, or the successor's own exit).
    beats : float64[2, horizon]
        Out, accumulated: scenarios with ``C_k(m) < C_prompt(m)``, fine-tune and RAG
        (with a ``volume_law`` table: each scenario's probability of it given its other draws).
    paid_back : float64[2, horizon]
        Out, accumulated: scenarios whose payback month is m, fine-tune and RAG
        (likewise a probability per scenario when integrating).
    cost_sum : float64[4]
        Out, accumulated: sums over scenarios of each strategy's cost (its conditional
        mean when integrating) and of the cheapest one's (the scenario's own, USD).
    cheaper : float64[3, 3]
        Out, accumulated: scenarios with ``C_row < C_column`` at the horizon.
    cheapest : float64[3]
        Out, accumulated: scenarios in which a strategy is cheaper than both others
        (beyond the tie tolerance) at the horizon.
    paths : float64[n or 0, 3, horizon]
        Out: cumulative cost by month, written only when its first dimension is n.
    """
    n = static.shape[0]
    store_paths = paths.shape[0] == n and n > 0
    integrate = volume_law[3].shape[0] > 0  # a CDF grid
    discount = np.empty(horizon)
    for m in range(horizon):
        discount[m] = (1.0 + annual_discount_rate) ** (-m / 12.0)
    never = horizon + 1

    for i in range(n):
        s = static[i]
        v1 = s[CALLS_PER_MONTH]
        # log(1 - p) of the monthly probabilities 1 - (1 - q)^(1/12) and 1 - e^(-c/12)
        log_stay_open = math.log1p(-s[SHUTDOWN_PER_YEAR]) / 12.0
        log_no_cut = -s[CUTS_PER_YEAR] / 12.0
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
        reindex_bill = s[REINDEX_FRACTION_PER_MONTH] * corpus_bill
        vector_store = s[VECTOR_STORE_PER_MONTH]
        maintenance = s[MAINTENANCE_PER_MONTH]
        fixed_finetune_monthly = s[HOSTING_PER_MONTH] + maintenance
        first_attempt_cost = s[FT_SETUP_COST]  # beside training; a migration's is its own
        rag_setup_cost = s[RAG_SETUP_COST]
        retrain_cost = s[RETRAIN_COST]
        success_probability = s[SUCCESS_PROBABILITY]
        mean_between_retrains = s[MEAN_MONTHS_BETWEEN_RETRAINS]
        retrain_cv = s[RETRAIN_INTERVAL_CV]
        months_to_ship = int(s[FT_MONTHS_TO_SHIP])
        max_attempts = int(s[MAX_ATTEMPTS])
        retrain_months = int(s[RETRAIN_MONTHS])
        rag_months_to_ship = int(s[RAG_MONTHS_TO_SHIP])

        # The first month m >= 2 whose shutdown draw hits, and likewise the next cut.
        shutdown_at = 2 + months_until(log_stay_open, shutdown_draw[i], never)
        next_cut = 2 + months_until(log_no_cut, event_rng.random(), never)

        volume = 1.0  # V_m / V_1: costs are kept as A + V_1 * B
        index = 1.0  # market index M_m
        fixed_f = fixed_r = 0.0
        slope_p = slope_f = slope_r = 0.0
        phase = _SHIPPING
        next_lifecycle = 1  # the month of the fine-tune's next attempt, retrain or go-live
        n_attempts = 0
        n_retrains = 0
        pinned_index = 1.0  # M_a of the live model's go-live month a
        hosting = 0.0  # the fine-tune route's flat monthly payment: fee and maintenance
        went_live = False
        lifecycle_attempts = 0  # attempts of the current sheet's lifecycle
        training_until = calendar[TRAINING_UNTIL]
        serving_until = calendar[SERVING_UNTIL]
        on_successor = False
        first_exit = -1
        rag_switch = rag_months_to_ship + 1  # RAG serves by prompting until then
        rag_rate = prompt_per_call
        alive = True
        ended = 0
        payback_f = -1
        payback_r = -1
        # With V_1 integrated out: the payback event by month m is a union of half-lines
        # in V_1 (``V >= lowest`` where the slope gap is positive, ``V <= highest`` where
        # negative), so P(paid back by m) needs only the extreme thresholds so far.
        lowest_f = lowest_r = math.inf
        highest_f = highest_r = -math.inf
        p_paid_f = p_paid_r = 0.0
        # Months where something other than the volume and the trend changes: one
        # test a month instead of one per kind of event.
        next_event = 1
        for m in range(1, horizon + 1):
            if m >= 2:
                if alive:
                    volume *= growth[i, m - 2]
                index *= monthly_trend

            finetune_bill = 0.0  # one-off fine-tune payments of month m
            if m == next_event:
                if m == next_cut:
                    index *= 1.0 - draw(cut_size, event_rng)
                    next_cut = m + 1 + months_until(log_no_cut, event_rng.random(), never)
                if m == shutdown_at:
                    alive = False
                    ended = m
                    shutdown_at = never
                    next_lifecycle = never
                # A model of this sheet, live or waiting to go live, that can no longer
                # serve; or a training due that can no longer be made.
                exiting = alive and m > serving_until and (phase == _PENDING or phase == _LIVE)
                while alive and (exiting or m == next_lifecycle):
                    if (phase == _SHIPPING or phase == _LIVE) and m > training_until:
                        exiting = True
                    if exiting:
                        exiting = False
                        if first_exit < 0:
                            first_exit = m
                        if migrate_on_exit and not on_successor and m <= calendar[2 + TRAINING_UNTIL]:
                            # attempt 1 of a new lifecycle on the successor, this month
                            on_successor = True
                            training_until = calendar[2 + TRAINING_UNTIL]
                            serving_until = calendar[2 + SERVING_UNTIL]
                            training_bill = s[TRAINING_TOKENS] * s[SUCCESSOR_TRAINING] * _PER_MILLION
                            finetuned_per_call = (
                                s[FINETUNED_PROMPT_TOKENS] * s[SUCCESSOR_FINETUNED_INPUT]
                                + s[OUTPUT_TOKENS] * s[SUCCESSOR_FINETUNED_OUTPUT]
                            ) * _PER_MILLION
                            fixed_finetune_monthly = s[SUCCESSOR_HOSTING_PER_MONTH] + maintenance
                            if n_attempts > 0:
                                first_attempt_cost = s[MIGRATION_COST]
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
                        finetune_bill += training_bill * index
                        finetune_bill += first_attempt_cost if lifecycle_attempts == 1 else retrain_cost
                        if lifecycle_rng.random() < success_probability:
                            phase = _PENDING
                        elif lifecycle_attempts >= max_attempts:
                            phase = _FAILED
                            hosting = 0.0
                            next_lifecycle = never
                            break
                        next_lifecycle = m + months_to_ship
                    elif phase == _LIVE:
                        n_retrains += 1
                        finetune_bill += training_bill * index + retrain_cost
                        phase = _PENDING
                        next_lifecycle = m + retrain_months
                    else:  # _PENDING: the model goes live, pinned to this month's index
                        phase = _LIVE
                        went_live = True
                        pinned_index = index
                        hosting = fixed_finetune_monthly
                        drift_time = draw_wald(mean_between_retrains, retrain_cv, lifecycle_rng)
                        lifetime = draw(base_lifetime, lifecycle_rng)
                        next_lifecycle = m + max(1, int(math.ceil(min(drift_time, lifetime))))
                if m == rag_switch:
                    rag_rate = rag_per_call
                # every pending event lies after m: the loop never skips one
                next_event = min(next_cut, shutdown_at, next_lifecycle)
                if alive and (phase == _PENDING or phase == _LIVE):
                    # (after a shutdown the phase stays as it was: no serving end is due)
                    next_event = min(next_event, serving_until + 1)
                if m < rag_switch:
                    next_event = min(next_event, rag_switch)

            if alive:
                d = discount[m - 1]
                usage = d * volume
                current = usage * index
                slope_p += current * prompt_per_call
                if phase != _LIVE:
                    slope_f += current * prompt_per_call
                elif reprice_on_retrain:
                    slope_f += usage * pinned_index * finetuned_per_call
                else:
                    slope_f += current * finetuned_per_call
                fixed_f += d * (finetune_bill + hosting)
                # month 1 embeds the whole corpus; later months re-embed a share of it
                rag_bill = corpus_bill * index + rag_setup_cost if m == 1 else reindex_bill * index
                fixed_r += d * (rag_bill + vector_store)
                slope_r += current * rag_rate

            c_p = v1 * slope_p  # prompting has no volume-independent cost
            c_f = fixed_f + v1 * slope_f
            c_r = fixed_r + v1 * slope_r
            if payback_f < 0 and c_f <= c_p + TIE_USD:
                payback_f = m
            if payback_r < 0 and c_r <= c_p + TIE_USD:
                payback_r = m
            if integrate:
                gap_f = slope_p - slope_f
                gap_r = slope_p - slope_r
                # C_k < C_p - tie  <=>  V_1 (B_p - B_k) > A_k + tie
                beats_f = _p_above(gap_f, fixed_f + TIE_USD, volume_law)
                beats_r = _p_above(gap_r, fixed_r + TIE_USD, volume_law)
                if p_paid_f < 1.0:
                    lowest_f, highest_f, p = _paid_back(gap_f, fixed_f - TIE_USD, lowest_f, highest_f, p_paid_f,
                                                        volume_law)
                    paid_back[0, m - 1] += p - p_paid_f
                    p_paid_f = p
                if p_paid_r < 1.0:
                    lowest_r, highest_r, p = _paid_back(gap_r, fixed_r - TIE_USD, lowest_r, highest_r, p_paid_r,
                                                        volume_law)
                    paid_back[1, m - 1] += p - p_paid_r
                    p_paid_r = p
            else:
                beats_f = 1.0 if c_f < c_p - TIE_USD else 0.0
                beats_r = 1.0 if c_r < c_p - TIE_USD else 0.0
                if payback_f == m:
                    paid_back[0, m - 1] += 1
                if payback_r == m:
                    paid_back[1, m - 1] += 1
            if not alive:
                # The use case has ended: every cost stays as it is from now on, and so
                # does every comparison (no payback can come later); the months left
                # repeat this one's, with no draw and no arithmetic.
                for later in range(m - 1, horizon):
                    beats[0, later] += beats_f
                    beats[1, later] += beats_r
                    if store_paths:
                        paths[i, PROMPT, later] = c_p
                        paths[i, FINETUNE, later] = c_f
                        paths[i, RAG, later] = c_r
                break
            beats[0, m - 1] += beats_f
            beats[1, m - 1] += beats_r
            if store_paths:
                paths[i, PROMPT, m - 1] = c_p
                paths[i, FINETUNE, m - 1] = c_f
                paths[i, RAG, m - 1] = c_r

        # c_p, c_f, c_r hold the horizon month's cumulative costs (horizon >= 1)
        cost[i, PROMPT] = c_p
        cost[i, FINETUNE] = c_f
        cost[i, RAG] = c_r
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
        exit_month[i] = first_exit
        migrated[i] = on_successor
        exited[i] = phase == _EXITED

        cost_sum[3] += min(c_p, c_f, c_r)
        if integrate:
            for row in range(3):
                cost_sum[row] += cost_fixed[i, row] + volume_mean * cost_slope[i, row]
                # cheaper than both others: V_1 in the intersection of two half-lines
                above, below = -math.inf, math.inf
                for column in range(3):
                    if column == row:
                        continue
                    # C_row < C_column - tie  <=>  V_1 (B_column - B_row) > A_row - A_column + tie
                    gap = cost_slope[i, column] - cost_slope[i, row]
                    bar = cost_fixed[i, row] - cost_fixed[i, column] + TIE_USD
                    cheaper[row, column] += _p_above(gap, bar, volume_law)
                    if gap > 0.0:
                        above = max(above, bar / gap)
                    elif gap < 0.0:
                        below = min(below, bar / gap)
                    elif bar >= 0.0:
                        below = -math.inf  # never cheaper than this one
                if below > above:
                    p_below = 1.0 if below == math.inf else grid_volume_cdf(volume_law, below)
                    p_above = 0.0 if above == -math.inf else grid_volume_cdf(volume_law, above)
                    cheapest[row] += max(0.0, p_below - p_above)
        else:
            cost_sum[PROMPT] += c_p
            cost_sum[FINETUNE] += c_f
            cost_sum[RAG] += c_r
            for row in range(3):
                below_all = True
                for column in range(3):
                    below = cost[i, row] < cost[i, column] - TIE_USD
                    cheaper[row, column] += below
                    if column != row and not below:
                        below_all = False
                cheapest[row] += below_all


# Numba's on-disk cache is keyed on this file alone, yet the machine code holds the
# constants of kernels/layout.py and the inlined functions of kernels/tables.py: a
# stamp of both is compiled in, and a cache built from other versions of them is
# dropped, so that an edit there can never run stale code.
_SOURCES_STAMP = int.from_bytes(
    hashlib.sha256(b"".join(Path(__file__).with_name(name).read_bytes() for name in ("layout.py", "tables.py")))
    .digest()[:7], "little")


@njit(cache=True)
def _compiled_stamp():
    return _SOURCES_STAMP


def _drop_stale_cache():
    if _compiled_stamp() == _SOURCES_STAMP:
        return
    for kernel in list(globals().values()):
        if isinstance(kernel, CPUDispatcher) and kernel.py_func.__module__ == __name__:
            kernel._cache.flush()  # private: the only handle on a dispatcher's index file


_drop_stale_cache()
