"""Built-in adapters: the exports of real software, recognised from their headers.

Each ``*.yml`` file of this folder describes one export of one software (real-exports.md) as
a mapping profile (same entries, same checks) plus what recognises it and what
``reseau prepare`` must do to it:

- ``recognise``: headers (folded) that are all present in that export, after preparation;
- ``identifying``: columns of the raw export that hold a person's identity or contact: a
  file that still has one was not prepared, and is refused with the fix;
- ``prepare``: where the person and the worker are (``names``: columns holding their names;
  ``id``: the software's own id, used when no name is given), which columns are kept as they
  are, and which ids are replaced by a keyed pseudonym (``hashed``).

A file recognised by an adapter is read by it, whatever the exporter's own profile says: the
adapter knows the software's words, dates and series better than a profile written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from pipelines.ingest.columns import EXPORT_KINDS
from pipelines.ingest.profiles.profile import (
    InvalidProfile,
    KindProfile,
    compile_section,
    read_yaml,
    validation_problems,
)
from pipelines.ingest.profiles.schema import Section
from reseau.contract import fold

FOLDER = Path(__file__).parent
#: Contract headers that ``reseau prepare`` writes for the pseudonyms it computes.
PERSON_HEADER, PROFESSIONAL_HEADER = "id_personne", "id_professionnel"


class Identity(BaseModel):
    """Where an export names a person (or a worker): name columns, else the software's id."""

    model_config = ConfigDict(extra="forbid")
    names: list[str] = []
    id: str | None = None


class PrepareModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: Identity
    professional: Identity | None = None
    keep: list[str]
    hashed: list[str] = []


class AdapterModel(Section):
    software: str
    label: str
    kind: str
    recognise: list[str]
    identifying: dict[str, str]
    prepare: PrepareModel


@dataclass(frozen=True)
class Adapter:
    """One export of one software."""

    name: str  # the file's stem, e.g. ``dora-orientations-envoyees``
    software: str
    label: str
    kind: str
    recognise: frozenset[str]
    identifying: dict[str, str] = field(hash=False)  # folded header -> what it holds
    profile: KindProfile = field(hash=False)
    prepare: PrepareModel = field(hash=False)

    def matches(self, folded_headers: set[str]) -> bool:
        return self.recognise <= folded_headers

    def identifying_column(self, headers: list[str]) -> tuple[str, str] | None:
        """The first raw-export column of ``headers`` that preparation removes."""
        for header in headers:
            what = self.identifying.get(fold(header))
            if what is not None:
                return header, what
        return None


def _load(path: Path) -> Adapter:
    where = f"pipelines/ingest/adapters/{path.name}"
    try:
        model = AdapterModel.model_validate(read_yaml(path, where))
    except ValidationError as exc:
        raise InvalidProfile(f"{where}: {validation_problems(exc)}") from exc
    kind = EXPORT_KINDS[model.kind]
    return Adapter(
        name=path.stem, software=model.software, label=model.label, kind=model.kind,
        recognise=frozenset(fold(header) for header in model.recognise),
        identifying={fold(header): what
                     for header, what in model.identifying.items()},
        profile=compile_section([model], kind.column_names), prepare=model.prepare)


@cache
def adapters() -> tuple[Adapter, ...]:
    """Every built-in adapter, most specific (most recognising headers) first."""
    found = [_load(path) for path in sorted(FOLDER.glob("*.yml"))]
    return tuple(sorted(found, key=lambda adapter: (-len(adapter.recognise), adapter.name)))


def recognise(headers: list[str], kind: str | None = None,
              software: str | None = None) -> Adapter | None:
    """The adapter whose recognising headers are all in ``headers``, if any."""
    folded = {fold(header) for header in headers}
    for adapter in adapters():
        if (kind is None or adapter.kind == kind) and \
                (software is None or adapter.software == software) and adapter.matches(folded):
            return adapter
    return None
