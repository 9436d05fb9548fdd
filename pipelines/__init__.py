"""réseau's Dagster code location: thin assets that load, call a library, write."""
