"""The Dagster code location: thin assets that load, call a layer below, write."""
