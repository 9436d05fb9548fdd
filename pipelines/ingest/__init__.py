"""Ingestion: landing files and reference data into the warehouse's ``raw`` schema."""
