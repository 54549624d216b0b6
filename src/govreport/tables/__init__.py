"""Observations to typed tables: Arrow/Parquet/CSV, and the targets-vs-outcomes panel."""
