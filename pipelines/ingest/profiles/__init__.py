"""Mapping profiles ``sources/<exporter_id>.yml``: one exporter's own headers, constants,
status words and rules, date formats and time zone, placeholders, list separator and file
series, translated to the data contract as its files are read (docs/sources.md).
"""

from pipelines.ingest.profiles.profile import (
    InvalidProfile,
    KindProfile,
    Profile,
    load_profile,
    load_profiles,
)
from pipelines.ingest.profiles.schema import DATE_COLUMNS, DEFAULT_SERIES
from pipelines.ingest.profiles.translate import constant_columns, rename, translate

__all__ = ["DATE_COLUMNS", "DEFAULT_SERIES", "InvalidProfile", "KindProfile",
           "Profile", "constant_columns", "load_profile", "load_profiles", "rename",
           "translate"]
