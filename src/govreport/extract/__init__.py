"""From a decoded report to observations: normalization, numbers, the document model, the rules."""
