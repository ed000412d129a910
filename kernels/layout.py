"""The layout the kernels and ``sim/`` share: columns, codes and tolerances.

Plain Python, no Numba: validating a configuration (and ``payback --help``) reads
these names without loading a compiler. ``kernels.scenarios`` compiles them in as
constants, and its cache is stamped with this file (see ``kernels.scenarios``).
"""

# Columns of the ``static`` input matrix (a row per scenario), named by config key.
# New inputs go at the end: each column's random stream follows its position, so
# appending keeps every earlier input's draws (common random numbers across versions).
# ``successor.*`` are the prices of ``finetune.successor``'s sheet (0 without one).
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
    "finetune.migration_cost",
    "successor.finetuned_input",
    "successor.finetuned_output",
    "successor.training",
    "successor.hosting_per_month",
)
_COLUMN = {key: column for column, key in enumerate(STATIC_FIELDS)}
CALLS_PER_MONTH = _COLUMN["workload.calls_per_month"]
GROWTH_PER_MONTH = _COLUMN["workload.growth_per_month"]
VOLATILITY = _COLUMN["workload.volatility"]
SHUTDOWN_PER_YEAR = _COLUMN["workload.shutdown_per_year"]
PROMPT_TOKENS = _COLUMN["workload.prompt_tokens"]
FINETUNED_PROMPT_TOKENS = _COLUMN["workload.finetuned_prompt_tokens"]
RAG_PROMPT_TOKENS = _COLUMN["workload.rag_prompt_tokens"]
OUTPUT_TOKENS = _COLUMN["workload.output_tokens"]
QUERY_EMBEDDING_TOKENS = _COLUMN["workload.query_embedding_tokens"]
BASE_INPUT = _COLUMN["pricing.base_input"]
BASE_OUTPUT = _COLUMN["pricing.base_output"]
FINETUNED_INPUT = _COLUMN["pricing.finetuned_input"]
FINETUNED_OUTPUT = _COLUMN["pricing.finetuned_output"]
TRAINING = _COLUMN["pricing.training"]
EMBEDDING = _COLUMN["pricing.embedding"]
HOSTING_PER_MONTH = _COLUMN["pricing.hosting_per_month"]
TREND_PER_YEAR = _COLUMN["market.trend_per_year"]
CUTS_PER_YEAR = _COLUMN["market.cuts_per_year"]
TRAINING_TOKENS = _COLUMN["finetune.training_tokens"]
FT_SETUP_COST = _COLUMN["finetune.setup_cost"]
FT_MONTHS_TO_SHIP = _COLUMN["finetune.months_to_ship"]
SUCCESS_PROBABILITY = _COLUMN["finetune.success_probability"]
MAX_ATTEMPTS = _COLUMN["finetune.max_attempts"]
MEAN_MONTHS_BETWEEN_RETRAINS = _COLUMN["finetune.mean_months_between_retrains"]
RETRAIN_INTERVAL_CV = _COLUMN["finetune.retrain_interval_cv"]
RETRAIN_COST = _COLUMN["finetune.retrain_cost"]
RETRAIN_MONTHS = _COLUMN["finetune.retrain_months"]
MAINTENANCE_PER_MONTH = _COLUMN["finetune.maintenance_per_month"]
CORPUS_TOKENS = _COLUMN["rag.corpus_tokens"]
RAG_SETUP_COST = _COLUMN["rag.setup_cost"]
RAG_MONTHS_TO_SHIP = _COLUMN["rag.months_to_ship"]
VECTOR_STORE_PER_MONTH = _COLUMN["rag.vector_store_per_month"]
REINDEX_FRACTION_PER_MONTH = _COLUMN["rag.reindex_fraction_per_month"]
MIGRATION_COST = _COLUMN["finetune.migration_cost"]
SUCCESSOR_FINETUNED_INPUT = _COLUMN["successor.finetuned_input"]
SUCCESSOR_FINETUNED_OUTPUT = _COLUMN["successor.finetuned_output"]
SUCCESSOR_TRAINING = _COLUMN["successor.training"]
SUCCESSOR_HOSTING_PER_MONTH = _COLUMN["successor.hosting_per_month"]
N_STATIC = len(STATIC_FIELDS)

STRATEGIES = ("prompt", "finetune", "rag")
PROMPT, FINETUNE, RAG = 0, 1, 2

# An uncertain input is passed as a spec of DRAW_SPEC_LEN floats: family code, four
# parameters, the clip range, and 1.0 where the input is a whole number (rounded half up).
FIXED, UNIFORM, TRIANGULAR, PERT, NORMAL, LOGNORMAL = range(6)
DRAW_SPEC_LEN = 8

# The provider calendar as the kernel takes it: int64[4], the last month (counted
# from ``start``, 0 if before it) in which a training can be made and in which a
# fine-tuned model serves, for the run's sheet and then ``finetune.successor``'s.
# A month past the horizon means no end within it.
TRAINING_UNTIL, SERVING_UNTIL = 0, 1
CALENDAR_LEN = 4

# Costs within a tenth of a cent are equal (MODEL.md, "What must hold"): a tie reaches
# payback but does not beat, whatever the floating-point rounding of the sums.
TIE_USD = 1e-3
