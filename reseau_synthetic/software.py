"""Exports as DORA and les emplois de l'inclusion write them, prepared as services would.

For an exporter using such software, :func:`deliver_software_exports` turns its canonical
files into the raw exports its software writes (real-exports.md), with the made-up names of
:mod:`reseau_synthetic.people`, then runs ``reseau prepare`` on them under the region's
linkage key, as the service would on its own machine, and lands only the prepared files:

- **DORA** (structure page, XLSX): a sent and a received export, each holding the whole
  history (DORA's page exports everything, newest first), every six months and after the
  last month; a later export re-delivers every month of the same series;
- **les emplois de l'inclusion** (XLSX): per series, received ``candidatures-<employer>.xlsx``
  and sent ``candidatures.xlsx``, the whole history exported after the last month (a home
  generated at once cannot hold two files of one name); one exporter delivers one month
  per file instead (``candidatures-<employer>-<YYYY-MM>.xlsx``,
  ``candidatures-<YYYY-MM>.xlsx``). Dates as text ``DD/MM/YYYY`` before 27 May 2025 and as
  date cells after. (An export written without names, by a user not allowed to see them,
  is tested on its own: its people cannot be known, so its rows are quarantined.)

The canonical rows already hold only what the software exports (exports.py), so the prepared
region and its canonical twin carry the same facts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

import polars as pl

from reseau_synthetic.people import birth_date, name

DORA_LABELS = {"pending": "Ouverte / En cours de traitement", "accepted": "Validée",
               "refused": "Refusée", "expired": "Expirée",
               "cancelled": "Rejetée par la modération"}
EMPLOIS_PENDING = ("Nouvelle candidature", "Candidature à l'étude", "Candidature en attente",
                   "Action préalable à l’embauche", "Vivier de candidatures")
EMPLOIS_LABELS = {"accepted": "Candidature acceptée", "refused": "Candidature déclinée",
                  "expired": "Candidature déclinée"}
EMPLOIS_DATE_CELLS = dt.date(2025, 5, 27)  # les emplois' commit 18b9c13b
EXPORT_EVERY = 6  # months between two exports of the whole history
OFFERS = ("Accompagnement global", "Accueil et orientation", "Aide aux démarches",
          "Accompagnement vers l'emploi", "Hébergement d'urgence", "Consultation")


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


class People:
    """Names behind the pseudonyms the canonical files carry."""

    def __init__(self, persons: list[str], professionals: list[str], workers_offset: int):
        self.persons = {pseudonym: index for index, pseudonym in enumerate(persons)}
        self.workers = {pseudonym: index for index, pseudonym in enumerate(professionals)}
        self.offset = workers_offset

    def person(self, pseudonym: str | None) -> tuple[str, str, dt.date] | None:
        if pseudonym is None or pseudonym not in self.persons:
            return None
        index = self.persons[pseudonym]
        return (*name(index), birth_date(index))

    def worker(self, pseudonym: str | None) -> str | None:
        if pseudonym is None or pseudonym not in self.workers:
            return None
        first, surname = name(self.offset + self.workers[pseudonym])
        return f"{first} {surname}"


def _xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _link(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()
    token = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
    return f"https://dora.inclusion.beta.gouv.fr/orientations?token={token}&h={digest}"


def _dora(rows: pl.DataFrame, exporter: str, names: dict[str, str], people: People,
          raw: Path, day: dt.date) -> list[Path]:
    """The sent and received XLSX of one DORA export (the whole history up to ``day``)."""
    rows = rows.sort("referral_date", "referral_id", descending=True)
    stem = slug(names[exporter])
    written = []
    for series, headers in (("envoyees", ["Envoyée le", "Statut", "Bénéficiaire",
                                          "Structure concernée", "Service concerné",
                                          "Émetteur"]),
                            ("recues", ["Reçue le", "Statut", "Bénéficiaire",
                                        "Service concerné", "Structure émettrice",
                                        "Contact émetteur", "Source", "Lien"])):
        end = "origin_service_id" if series == "envoyees" else "target_service_id"
        part = rows.filter(pl.col(end) == exporter)
        if part.is_empty():
            continue
        lines = []
        for row in part.iter_rows(named=True):
            first, surname, _ = people.person(row["person_id"])
            worker = people.worker(row["professional_id"]) or "Utilisateur supprimé"
            offer = OFFERS[int(row["referral_id"][-2:], 36) % len(OFFERS)]
            if series == "envoyees":
                lines.append([row["referral_date"], DORA_LABELS[row["status"]],
                              f"{first} {surname}", names[row["target_service_id"]], offer,
                              worker])
            else:
                source = "Plateforme de l’inclusion" if row["referral_id"].endswith("7") \
                    else "DORA"
                lines.append([row["referral_date"], DORA_LABELS[row["status"]],
                              f"{first} {surname}", offer, names[row["origin_service_id"]],
                              worker, source, _link(row["referral_id"])])
        written.append(_xlsx(raw / f"orientations-{series}-dora-{stem}-{day}.xlsx", headers,
                             lines))
    return written


def _emplois_row(row: dict, names: dict[str, str], people: People) -> list:
    first, surname, born = people.person(row["person_id"])
    day = dt.date.fromisoformat(row["referral_date"])
    status = row["status"]
    label = EMPLOIS_LABELS.get(status) or EMPLOIS_PENDING[day.day % len(EMPLOIS_PENDING)]
    if status == "accepted" and day.day == 13:
        label = "Embauche annulée"  # after an acceptance: still accepted

    def when(value: dt.date | None):
        if value is None:
            return ""
        return value.strftime("%d/%m/%Y") if value < EMPLOIS_DATE_CELLS else \
            dt.datetime(value.year, value.month, value.day)

    private = ["MME" if day.day % 2 else "M", surname, first,
               f"{slug(first)}.{slug(surname)}@example.org", "06 12 34 56 78", when(born), "",
               row["person_postcode"] or ""]
    return [*private, names[row["target_service_id"]], "ACI", "Agent d'entretien",
            "Prescripteur habilité", names[row["origin_service_id"]],
            people.worker(row["professional_id"]) or "", when(day), label, "", "",
            row["refusal_reason"] or "", "oui", "non", "", "", "", ""]


def _emplois(rows: pl.DataFrame, exporter: str, names: dict[str, str], people: People,
             raw: Path, month: str | None) -> list[Path]:
    """The received and sent exports of ``rows`` (one month, or the whole history)."""
    suffix = f"-{month}" if month else ""
    written = []
    for series, end, file in (("received", "target_service_id",
                               f"candidatures-{slug(names[exporter])}{suffix}.xlsx"),
                              ("sent", "origin_service_id", f"candidatures{suffix}.xlsx")):
        part = rows.filter(pl.col(end) == exporter)
        if part.is_empty():
            continue
        lines = [_emplois_row(row, names, people) for row in part.iter_rows(named=True)]
        written.append(_xlsx(raw / file, EMPLOIS_HEADER, lines))
    return written


EMPLOIS_HEADER = [
    "Civilité candidat", "Nom candidat", "Prénom candidat", "Email candidat",
    "Téléphone candidat", "Date de naissance candidat", "Ville candidat",
    "Département candidat", "Nom structure employeur", "Type employeur", "Métiers",
    "Source de la candidature", "Nom organisation prescripteur", "Nom utilisateur prescripteur",
    "Date de la candidature", "Statut de la candidature", "Dates de début d’embauche",
    "Dates de fin d’embauche", "Motifs de refus", "Éligibilité IAE validée",
    "Eligible au contrôle", "Numéro PASS IAE", "Début PASS IAE", "Fin PASS IAE",
    "Statut PASS IAE",
]


def deliver_software_exports(home: Path, software: dict[str, str], names: dict[str, str],
                             people: People, key: bytes) -> dict:
    """Replace the canonical files of ``software``'s exporters by prepared real exports.

    Returns, per exporter, its software and the prepared files landed, for the truth."""
    from pipelines.ingest.prepare import prepare_export

    landed: dict[str, dict] = {}
    monthly = min((e for e, name in software.items() if name == "emplois"), default=None)
    with tempfile.TemporaryDirectory(prefix="raw-exports-") as scratch:
        for exporter, name_of_software in sorted(software.items()):
            folder = home / "landing" / "referrals" / exporter
            canonical = sorted(folder.glob("*.csv"))
            if not canonical:
                continue
            raw = Path(scratch) / exporter
            deliveries: list[tuple[list[Path], float]] = []
            history = pl.DataFrame()
            for number, path in enumerate(canonical, 1):
                rows = pl.read_csv(path, infer_schema=False)
                stamp = path.stat().st_mtime
                if exporter == monthly:
                    month = path.stem.rsplit("_", 1)[1]
                    deliveries.append((_emplois(rows, exporter, names, people, raw / month,
                                                month), stamp))
                    continue
                history = pl.concat([history, rows], how="diagonal")
                every = EXPORT_EVERY if name_of_software == "dora" else len(canonical)
                if number % every and number != len(canonical):
                    continue
                day = dt.datetime.fromtimestamp(stamp, dt.UTC).date()
                written = _dora(history, exporter, names, people, raw / str(day), day) \
                    if name_of_software == "dora" else \
                    _emplois(history, exporter, names, people, raw / str(day), None)
                deliveries.append((written, stamp))
            for path in canonical:
                path.unlink()
            files, rows_by_series, digests = [], {}, set()
            for raws, stamp in deliveries:
                for source in raws:
                    report = prepare_export(source, folder, key)
                    os.utime(report.output, (stamp, stamp))
                    files.append(Path(report.output).relative_to(home).as_posix())
                    digest = hashlib.sha256(Path(report.output).read_bytes()).hexdigest()
                    if digest in digests:  # the same bytes as an earlier export: skipped
                        continue
                    digests.add(digest)
                    series = source.name.split("-dora-")[0] if "-dora-" in source.name else ""
                    rows_by_series.setdefault(series, []).append(report.rows)
            shutil.rmtree(raw, ignore_errors=True)
            # Each DORA export holds the whole history: it re-delivers every row of the
            # series' earlier exports (an export identical to an earlier one is skipped).
            superseded = sum(sum(rows[:-1]) for series, rows in rows_by_series.items()
                             if series)
            landed[exporter] = {"software": name_of_software, "files": files,
                                "rows_superseded": superseded}
    return landed
