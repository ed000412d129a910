"""payback: the probability that fine-tuning (or RAG) pays back against prompting."""
