"""The exporter-side kit: ``reseau prepare``, run by a service on its own raw export.

A raw export of DORA or les emplois de l'inclusion names people. Before anything is sent to
the observatory, the service runs this on its own machine. It:

- recognises the export from its headers (:mod:`pipelines.ingest.adapters`);
- replaces the person with ``HMAC-SHA256(linkage key, normalised identity)``, the identity
  being the person's names (every name column of the export, folded: no case, accents or
  punctuation, word order ignored) or, when the export gives none, the software's own id;
  every service of the observatory holds the same *linkage key*, so one person referred by
  two services, through two software, is one person;
- replaces the referring worker the same way, and the software's record ids (``hashed``);
- maps placeholders (``Utilisateur supprimé``, masked names such as ``D… M…``) to empty,
  never to a shared pseudonym;
- keeps only the columns the adapter lists (dates, statuses, structures, postcode) and drops
  every other one: names, contacts, birth dates, free text, links;
- checks the result for direct identifiers and writes it as UTF-8 CSV, with the export's own
  headers plus ``id_personne`` and ``id_professionnel``, so the observatory recognises the
  software and its series; the report says what was removed, never a value.

The birth date is not part of the identity: DORA does not export it, and a person referred
through DORA and through les emplois must get the same pseudonym (docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.ingest.adapters import (
    PERSON_HEADER,
    PROFESSIONAL_HEADER,
    Adapter,
    Identity,
    adapters,
    recognise,
)
from pipelines.ingest.columns import fold_column
from pipelines.ingest.formats import UnreadableFile, read_table
from pipelines.ingest.identifiers import check_identifiers
from reseau.contract import fold, plain
from reseau.errors import UserError

SOFTWARE = ("auto", "dora", "emplois")
MIN_KEY_LENGTH = 16
# A masked name (les emplois without the right to see personal data): "D… M…", "D. M.".
_MASKED = re.compile(r"^(\w\s*(…|\.\.\.|\.|\*+)\s*)+$")


class PrepareError(UserError):
    """The export or the key cannot be prepared; the message says why and what to do."""


def read_key(path: Path) -> bytes:
    """The linkage key shared by the observatory's services (the file's text, stripped)."""
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise PrepareError(f"cannot read the linkage key {path} ({exc.__class__.__name__}); "
                           "ask the observatory for the key file shared by its services, or "
                           "make one with `openssl rand -hex 32 > linkage.key`") from exc
    if len(key) < MIN_KEY_LENGTH:
        raise PrepareError(f"the linkage key in {path} is {len(key)} characters long: use the "
                           f"key file shared by the observatory's services (at least "
                           f"{MIN_KEY_LENGTH} characters, e.g. `openssl rand -hex 32`)")
    return key.encode("utf-8")


def normalised_name(text: str | None) -> str | None:
    """Name words folded (no case, accents, punctuation) and sorted; None for a mask."""
    if text is None or _MASKED.fullmatch(text.strip()):
        return None
    words = sorted(re.findall(r"[a-z0-9]+", plain(text)))
    return " ".join(words) or None


def pseudonym(key: bytes, role: str, identity: str) -> str:
    return hmac.new(key, f"{role}|{identity}".encode(), hashlib.sha256).hexdigest()


@dataclass
class Report:
    """What preparation did, without any value of the export."""

    source: str
    adapter: str
    rows: int = 0
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    person_from: list[str] = field(default_factory=list)
    persons_unknown: int = 0
    professional_from: list[str] = field(default_factory=list)
    professionals_unknown: int = 0
    hashed: list[str] = field(default_factory=list)
    placeholders: int = 0
    output: str = ""

    def text(self) -> str:
        lines = [
            f"reseau prepare: {self.source}",
            f"  recognised as: {self.adapter}",
            f"  rows: {self.rows}",
            f"  person: pseudonym of {', '.join(self.person_from)} (column {PERSON_HEADER}); "
            f"{self.persons_unknown} row(s) without an identifiable person (empty, masked or "
            "placeholder): they will be quarantined by the observatory",
        ]
        if self.professional_from:
            lines.append(f"  worker: pseudonym of {', '.join(self.professional_from)} (column "
                         f"{PROFESSIONAL_HEADER}); {self.professionals_unknown} row(s) without "
                         "a worker")
        if self.hashed:
            lines.append(f"  ids replaced by a pseudonym: {', '.join(self.hashed)}")
        lines += [f"  columns kept: {', '.join(self.kept)}",
                  f"  columns removed: {', '.join(self.removed) or 'none'}",
                  f"  placeholder values emptied: {self.placeholders}",
                  f"  written: {self.output}"]
        return "\n".join(lines)


def _adapter(frame: pl.DataFrame, software: str, source: Path) -> Adapter:
    if software not in SOFTWARE:
        raise PrepareError(f"--software {software!r}: use one of {', '.join(SOFTWARE)}")
    adapter = recognise(frame.columns, "referrals", None if software == "auto" else software)
    if adapter is None:
        known = "; ".join(a.label for a in adapters()
                          if software == "auto" or a.software == software)
        raise PrepareError(f"{source} is not an export réseau knows how to prepare (known: "
                           f"{known}); check the file, or name the software with --software")
    folded = {fold(header) for header in frame.columns}
    if fold(PERSON_HEADER) in folded:
        raise PrepareError(f"{source} was already prepared (it has a {PERSON_HEADER} column): "
                           "deliver it as it is")
    return adapter


def _columns(frame: pl.DataFrame, wanted: list[str]) -> list[str]:
    """The frame's headers that match ``wanted`` (folded), in ``wanted``'s order."""
    by_fold = {fold(header): header for header in frame.columns}
    return [by_fold[fold(w)] for w in wanted if fold(w) in by_fold]


def _identities(frame: pl.DataFrame, spec: Identity, placeholders: frozenset[str]
                ) -> tuple[list[str | None], list[str]]:
    """The normalised identity of each row, and the columns it came from."""
    names = _columns(frame, spec.names)
    ids = _columns(frame, [spec.id] if spec.id else [])
    if names and len(names) < len(spec.names):
        # A surname alone would merge people and miss the same person elsewhere.
        found = {fold(header) for header in names}
        missing = [name for name in spec.names if fold(name) not in found]
        raise PrepareError(f"the export lacks {', '.join(missing)}, beside "
                           f"{', '.join(names)}: people cannot be told apart without every "
                           "name column; export it again with all its columns")
    if not names and not ids:
        wanted = ", ".join(spec.names + ([spec.id] if spec.id else []))
        raise PrepareError(f"the export has none of the columns that name the person or the "
                           f"worker ({wanted}): it cannot be linked; export it again with them")
    cleaned = frame.select(
        pl.when(fold_column(pl.col(column)).is_in(list(placeholders))).then(None)
        .otherwise(pl.col(column)).alias(column) for column in names + ids)
    identities = []
    for row in cleaned.iter_rows(named=True):
        parts = [normalised_name(row[column]) for column in names]
        identity = None
        if names and all(part is not None for part in parts):
            identity = "name:" + " ".join(sorted(" ".join(parts).split()))
        elif ids and row[ids[0]] is not None and row[ids[0]].strip():
            identity = "id:" + row[ids[0]].strip()
        identities.append(identity)
    return identities, names + ids


def prepare_frame(frame: pl.DataFrame, adapter: Adapter, key: bytes,
                  report: Report) -> pl.DataFrame:
    """The prepared rows of one raw export (see the module's docstring)."""
    spec, placeholders = adapter.prepare, adapter.profile.placeholders
    persons, report.person_from = _identities(frame, spec.person, placeholders)
    columns = {PERSON_HEADER: [None if i is None else pseudonym(key, "person", i)
                               for i in persons]}
    report.persons_unknown = sum(identity is None for identity in persons)
    if spec.professional is not None:
        workers, report.professional_from = _identities(frame, spec.professional, placeholders)
        columns[PROFESSIONAL_HEADER] = [None if w is None else pseudonym(key, "worker", w)
                                        for w in workers]
        report.professionals_unknown = sum(worker is None for worker in workers)
    kept = _columns(frame, spec.keep)
    hashed = set(_columns(frame, spec.hashed))
    report.kept, report.hashed = kept, sorted(hashed)
    report.removed = [header for header in frame.columns if header not in kept]
    expressions = []
    for column in kept:
        value = pl.col(column)
        if column in hashed:
            value = value.map_elements(lambda v: pseudonym(key, "id", v), return_dtype=pl.String)
        is_placeholder = fold_column(pl.col(column)).is_in(list(placeholders))
        report.placeholders += int(frame.select(is_placeholder.sum()).item() or 0)
        expressions.append(pl.when(is_placeholder).then(None).otherwise(value).alias(column))
    prepared = frame.select(expressions).with_columns(
        pl.Series(name, values, dtype=pl.String) for name, values in columns.items())
    # Headers the adapter maps to the contract are known not to be names (an organisation's
    # "Nom"); their values are still searched.
    mapped = {column for column in kept if fold(column) in adapter.profile.headers}
    try:
        check_identifiers(prepared, allowed=set(columns) | mapped)
    except UnreadableFile as problem:  # a kept column held what it should not: write nothing
        raise PrepareError(f"nothing written: after preparation, {problem}") from problem
    return prepared


def prepare_export(source: Path, destination: Path, key: bytes,
                   software: str = "auto") -> Report:
    """Prepare ``source`` into ``destination`` (a ``.csv`` file, or a folder, created if
    needed, that receives ``<source stem>.csv``); return the report. Nothing is written on
    error."""
    try:
        frame = read_table(source)
    except (UnreadableFile, OSError) as problem:
        raise PrepareError(f"{source} cannot be read: {problem}") from problem
    adapter = _adapter(frame, software, source)
    if destination.is_dir() or not destination.suffix:
        destination = destination / f"{source.stem}.csv"
    if destination.resolve() == source.resolve():
        raise PrepareError(f"{destination} is the export itself: write the prepared file "
                           "elsewhere")
    report = Report(source=str(source), adapter=adapter.label, rows=frame.height)
    prepared = prepare_frame(frame, adapter, key, report)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=".prepare-")
        os.close(handle)
        try:
            prepared.write_csv(temporary)
            os.replace(temporary, destination)
        finally:
            Path(temporary).unlink(missing_ok=True)
    except OSError as problem:
        raise PrepareError(f"cannot write {destination} ({problem.strerror or problem}): "
                           "choose a folder you can write to") from problem
    report.output = str(destination)
    return report
