"""réseau's application, in layers (docs/architecture.md): ingest (landing -> raw), publish
(funder files, reports, snapshot), orchestration (the Dagster code location), cli."""
