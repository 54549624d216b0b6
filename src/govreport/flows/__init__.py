"""Prefect orchestration over the library: the publish flow (publish.py) and serving it on a schedule (serve.py).

The stages (sources, extract, tables, checks, release) never import Prefect; only this package does."""
