"""Price sheets: payback's table of fine-tuning terms and the sheets written from genai-prices' dataset (``python -m sim.prices``)."""
