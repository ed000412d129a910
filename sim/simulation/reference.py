"""A vectorised NumPy implementation of MODEL.md, written apart from the Numba kernel.

It serves as the benchmark's baseline and as an oracle: on the same configuration
the kernel and this reference must agree within Monte Carlo error (they use their
random numbers differently, so they agree in distribution, not draw for draw).
Scenarios are the vector axis; months are a Python loop.
"""

import numpy as np

from kernels.layout import STATIC_FIELDS, TIE_USD

_COLUMN = {key: i for i, key in enumerate(STATIC_FIELDS)}
SHIPPING, PENDING, LIVE, FAILED, EXITED = 0, 1, 2, 3, 4


def _column(static, key):
    return static[:, _COLUMN[key]]


def wald_times(mean, cv, rng):
    """Inverse-Gaussian drift times with the given means and coefficients of variation."""
    out = mean.astype(float).copy()
    random = cv > 0
    if random.any():
        shape = mean[random] / cv[random] ** 2
        out[random] = rng.wald(mean[random], shape)
    return out


def simulate_reference(static, cut_size, base_lifetime, horizon, annual_discount_rate,
                       reprice_on_retrain, rng, calendar=None, migrate_on_exit=False):
    """Run scenarios of the decision model with NumPy arrays.

    Parameters
    ----------
    static : float64[n, N_STATIC]
        Static inputs per scenario, columns in ``STATIC_FIELDS`` order.
    cut_size, base_lifetime : sim.inputs.distributions.Distribution
        Per-event distributions (fraction; months).
    horizon : int
        Months.
    annual_discount_rate : float
        Month m is discounted by ``(1 + r) ** (-(m - 1) / 12)``.
    reprice_on_retrain : bool
        True: a live fine-tune pays the index of its go-live month.
    rng : numpy.random.Generator
    calendar : int[4], optional
        Last training month and last serving month of the run's sheet, then of the
        successor's; None: no announced end.
    migrate_on_exit : bool
        At a platform exit, move to the successor's sheet (once) instead of prompting.

    Returns
    -------
    dict of numpy.ndarray
        ``cost`` float[n, 3] (USD at the horizon, prompt/fine-tune/RAG), ``payback``
        int[n, 2] (-1 if none), ``beats`` int[2, horizon], ``retrains``, ``attempts``
        int[n], ``failed`` bool[n], ``exit_month`` int[n] (-1 if none), ``migrated`` bool[n],
        ``exited`` bool[n] (prompting for good at the horizon after an exit).
    """
    n = static.shape[0]
    def c(key):
        return _column(static, key)

    never = horizon + 1
    calendar = np.full(4, never) if calendar is None else np.asarray(calendar)
    training_until, serving_until = calendar[[0, 2]], calendar[[1, 3]]  # by sheet: run's, successor's

    calls = c("workload.calls_per_month")
    per_call_prompt = (c("workload.prompt_tokens") * c("pricing.base_input") + c("workload.output_tokens") * c("pricing.base_output")) / 1e6
    # by sheet: the run's, then the successor's
    per_call_finetuned = np.stack([
        (c("workload.finetuned_prompt_tokens") * c(f"{sheet}.finetuned_input")
         + c("workload.output_tokens") * c(f"{sheet}.finetuned_output")) / 1e6
        for sheet in ("pricing", "successor")], axis=1)
    training_run = np.stack([c("finetune.training_tokens") * c(f"{sheet}.training") / 1e6
                             for sheet in ("pricing", "successor")], axis=1)
    fee = np.stack([c("pricing.hosting_per_month"), c("successor.hosting_per_month")], axis=1)
    per_call_rag = (c("workload.rag_prompt_tokens") * c("pricing.base_input") + c("workload.output_tokens") * c("pricing.base_output")
                    + c("workload.query_embedding_tokens") * c("pricing.embedding")) / 1e6
    corpus_embedding = c("rag.corpus_tokens") * c("pricing.embedding") / 1e6
    ship = c("finetune.months_to_ship").astype(int)
    rag_ship = c("rag.months_to_ship").astype(int)
    retrain_months = c("finetune.retrain_months").astype(int)
    max_attempts = c("finetune.max_attempts").astype(int)
    p_shutdown = 1 - (1 - c("workload.shutdown_per_year")) ** (1 / 12)
    p_cut = 1 - np.exp(-c("market.cuts_per_year") / 12)

    rows = np.arange(n)
    volume = calls.copy()
    index = np.ones(n)
    alive = np.ones(n, dtype=bool)
    phase = np.full(n, SHIPPING)
    sheet = np.zeros(n, dtype=int)
    next_attempt = np.ones(n, dtype=int)
    attempts = np.zeros(n, dtype=int)
    lifecycle_attempts = np.zeros(n, dtype=int)  # attempts on the current sheet
    first_attempt_cost = c("finetune.setup_cost").copy()
    retrains = np.zeros(n, dtype=int)
    live_at = np.full(n, -1)
    next_retrain = np.full(n, -1)
    pinned = np.ones(n)
    went_live = np.zeros(n, dtype=bool)
    deployed = np.zeros(n, dtype=bool)  # a model of the current sheet is deployed: its fee is due
    exit_month = np.full(n, -1)
    migrated = np.zeros(n, dtype=bool)
    cumulative = np.zeros((n, 3))
    payback = np.full((n, 2), -1)
    beats = np.zeros((2, horizon), dtype=np.int64)

    def leave_platform(leaving, m):
        exit_month[leaving & (exit_month < 0)] = m
        deployed[leaving] = False
        move = leaving & migrate_on_exit & (sheet == 0) & (m <= training_until[1])
        sheet[move] = 1
        phase[move] = SHIPPING
        next_attempt[move] = m
        lifecycle_attempts[move] = 0
        after_training = move & (attempts > 0)
        first_attempt_cost[after_training] = c("finetune.migration_cost")[after_training]
        migrated[move] = True
        phase[leaving & ~move] = EXITED

    for m in range(1, horizon + 1):
        if m >= 2:
            volume *= np.exp(c("workload.growth_per_month") - c("workload.volatility") ** 2 / 2
                             + c("workload.volatility") * rng.standard_normal(n))
            index *= np.exp(c("market.trend_per_year") / 12)
            cut = rng.random(n) < p_cut
            index[cut] *= 1 - cut_size.sample(rng, int(cut.sum()))
            alive &= ~(rng.random(n) < p_shutdown)
        bill_finetune = np.zeros(n)

        # The month's lifecycle events, repeated until none is left: with
        # months_to_ship = 0 or retrain_months = 0 several fall in the same month.
        while True:
            attempting = alive & (phase == SHIPPING) & (next_attempt == m)
            retraining = alive & (phase == LIVE) & (next_retrain == m)
            cannot_serve = alive & ((phase == PENDING) | (phase == LIVE)) & (m > serving_until[sheet])
            cannot_train = (attempting | retraining) & (m > training_until[sheet])
            if (cannot_serve | cannot_train).any():
                leave_platform(cannot_serve | cannot_train, m)
                continue
            if attempting.any():
                attempts[attempting] += 1
                lifecycle_attempts[attempting] += 1
                first = attempting & (lifecycle_attempts == 1)
                bill_finetune[attempting] += training_run[rows, sheet][attempting] * index[attempting]
                bill_finetune[first] += first_attempt_cost[first]
                repeat = attempting & ~first
                bill_finetune[repeat] += c("finetune.retrain_cost")[repeat]
                success = attempting & (rng.random(n) < c("finetune.success_probability"))
                phase[success] = PENDING
                live_at[success] = m + ship[success]
                out_of_tries = attempting & ~success & (lifecycle_attempts >= max_attempts)
                phase[out_of_tries] = FAILED
                again = attempting & ~success & ~out_of_tries
                next_attempt[again] = m + ship[again]
                continue
            if retraining.any():
                retrains[retraining] += 1
                bill_finetune[retraining] += (training_run[rows, sheet][retraining] * index[retraining]
                                              + c("finetune.retrain_cost")[retraining])
                phase[retraining] = PENDING
                live_at[retraining] = m + retrain_months[retraining]
                continue
            going_live = alive & (phase == PENDING) & (live_at == m)
            if going_live.any():
                k = int(going_live.sum())
                phase[going_live] = LIVE
                pinned[going_live] = index[going_live]
                went_live |= going_live
                deployed |= going_live
                drift = wald_times(c("finetune.mean_months_between_retrains")[going_live],
                                   c("finetune.retrain_interval_cv")[going_live], rng)
                lifetime = base_lifetime.sample(rng, k)
                next_retrain[going_live] = m + np.maximum(1, np.ceil(np.minimum(drift, lifetime))).astype(int)
                continue
            break

        discount = (1 + annual_discount_rate) ** (-(m - 1) / 12)
        prompting_bill = volume * index * per_call_prompt
        live = phase == LIVE
        finetuned_index = pinned if reprice_on_retrain else index
        bill_finetune += np.where(live, volume * finetuned_index * per_call_finetuned[rows, sheet], prompting_bill)
        bill_finetune += np.where(deployed, fee[rows, sheet], 0.0)
        maintained = went_live & (phase != FAILED) & (phase != EXITED)
        bill_finetune += np.where(maintained, c("finetune.maintenance_per_month"), 0.0)
        bill_rag = c("rag.vector_store_per_month") + np.where(
            m == 1, corpus_embedding * index + c("rag.setup_cost"),
            c("rag.reindex_fraction_per_month") * corpus_embedding * index)
        bill_rag = bill_rag + np.where(m <= rag_ship, prompting_bill, volume * index * per_call_rag)
        paid = np.stack([prompting_bill, bill_finetune, bill_rag], axis=1) * discount
        cumulative += np.where(alive[:, None], paid, 0.0)

        for j in (1, 2):
            beats[j - 1, m - 1] = np.sum(cumulative[:, j] < cumulative[:, 0] - TIE_USD)
            first_payback = (payback[:, j - 1] < 0) & (cumulative[:, j] <= cumulative[:, 0] + TIE_USD)
            payback[first_payback, j - 1] = m

    return {"cost": cumulative, "payback": payback, "beats": beats, "retrains": retrains,
            "attempts": attempts, "failed": phase == FAILED, "exit_month": exit_month, "migrated": migrated,
            "exited": phase == EXITED}


__all__ = ["EXITED", "FAILED", "LIVE", "PENDING", "SHIPPING", "simulate_reference", "wald_times"]
