"""Dagster assets and checks: each reads, calls a function of a layer below, writes."""
