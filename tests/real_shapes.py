"""Files of the real shapes of real software's exports (real-exports.md), with made-up people.

Each writer lays out its rows exactly as the software does: DORA's structure-page XLSX
(write-excel-file: one sheet, every cell a string), DORA's JSON orientation export (UTC
timestamps, indent 2, keys in the model's order), les emplois de l'inclusion's candidatures
XLSX (25 columns, sheet "Sheet", dates as text DD/MM/YYYY before May 2025 and date cells
after). The names, e-mails and phone numbers are invented.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl

DORA_SENT = ["Envoyée le", "Statut", "Bénéficiaire", "Structure concernée", "Service concerné",
             "Émetteur"]
DORA_RECEIVED = ["Reçue le", "Statut", "Bénéficiaire", "Service concerné",
                 "Structure émettrice", "Contact émetteur", "Source", "Lien"]
# A later version of the received export: Source first, and the person's France Travail id.
DORA_RECEIVED_V2 = ["Reçue le", "Source", "Statut", "Bénéficiaire", "Identifiant FT",
                    "Service concerné", "Structure émettrice", "Contact émetteur", "Lien"]
EMPLOIS = [
    "Civilité candidat", "Nom candidat", "Prénom candidat", "Email candidat",
    "Téléphone candidat", "Date de naissance candidat", "Ville candidat",
    "Département candidat", "Nom structure employeur", "Type employeur", "Métiers",
    "Source de la candidature", "Nom organisation prescripteur", "Nom utilisateur prescripteur",
    "Date de la candidature", "Statut de la candidature", "Dates de début d’embauche",
    "Dates de fin d’embauche", "Motifs de refus", "Éligibilité IAE validée",
    "Eligible au contrôle", "Numéro PASS IAE", "Début PASS IAE", "Fin PASS IAE",
    "Statut PASS IAE",
]
DORA_JSON_KEYS = [
    "emplois_sync_uid", "beneficiary_id", "prescriber_id", "structure_id", "service_id",
    "status", "creation_date", "processing_date", "beneficiary_contact_preferences",
    "beneficiary_other_contact_method", "beneficiary_availability", "beneficiary_attachments",
    "referent_last_name", "referent_first_name", "referent_email", "referent_phone",
    "requirements", "situation", "situation_other", "orientation_reasons",
    "duration_weekly_hours", "duration_weeks", "data_protection_commitment",
]
LINK = ("https://dora.inclusion.beta.gouv.fr/orientations?token=6f1e2d3c-4b5a-4978-8a9b-"
        "0c1d2e3f4a5b&h=9c0e6a1b2d3f405162738495a6b7c8d9e0f1021324354657687980a1b2c3d4e5")


def _sheet(path: Path, headers: list[str], rows: list[list], title: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def dora_sent(path: Path, rows: list[dict]) -> Path:
    """``rows``: date (YYYY-MM-DD, Paris), status label, person, structure, service,
    prescriber. Written newest first, as DORA does."""
    ordered = sorted(rows, key=lambda row: row["date"], reverse=True)
    return _sheet(path, DORA_SENT, [[r["date"], r["status"], r["person"], r["structure"],
                                     r.get("service", "Accompagnement global"), r["worker"]]
                                    for r in ordered], "Sheet1")


def dora_received(path: Path, rows: list[dict], later_version: bool = False) -> Path:
    ordered = sorted(rows, key=lambda row: row["date"], reverse=True)
    if later_version:
        return _sheet(path, DORA_RECEIVED_V2, [
            [r["date"], r.get("source", "DORA"), r["status"], r["person"], "1234567A",
             r.get("service", "Accompagnement global"), r["structure"], r["worker"], LINK]
            for r in ordered], "Sheet1")
    return _sheet(path, DORA_RECEIVED, [
        [r["date"], r["status"], r["person"], r.get("service", "Accompagnement global"),
         r["structure"], r["worker"], r.get("source", "Plateforme de l’inclusion"), LINK]
        for r in ordered], "Sheet1")


def dora_json(path: Path, rows: list[dict]) -> Path:
    """``rows``: uid, beneficiary, prescriber, structure, service, status (code), created
    and processed (aware datetimes, written in UTC as DjangoJSONEncoder does)."""
    def stamp(moment: dt.datetime | None) -> str | None:
        if moment is None:
            return None
        text = moment.astimezone(dt.UTC).isoformat()
        if moment.microsecond:
            text = text[:23] + text[26:]  # milliseconds only
        return text.replace("+00:00", "Z")

    records = []
    for row in rows:
        values = dict.fromkeys(DORA_JSON_KEYS)
        values.update({
            "emplois_sync_uid": row["uid"], "beneficiary_id": row["beneficiary"],
            "prescriber_id": row["prescriber"], "structure_id": row["structure"],
            "service_id": row["service"], "status": row["status"],
            "creation_date": stamp(row["created"]), "processing_date": stamp(row["processed"]),
            "beneficiary_contact_preferences": ["EMAIL", "TELEPHONE"],
            "beneficiary_other_contact_method": "",
            "beneficiary_availability": "2025-04-01",
            "beneficiary_attachments": [],
            "referent_last_name": "Morel", "referent_first_name": "Claire",
            "referent_email": "claire.morel@ccas-exemple.fr", "referent_phone": "0491234567",
            "requirements": [], "situation": ["sans-emploi"], "situation_other": "",
            "orientation_reasons": "Recherche un accompagnement vers l'emploi",
            "duration_weekly_hours": None, "duration_weeks": None,
            "data_protection_commitment": True,
        })
        records.append(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def emplois(path: Path, rows: list[dict], masked: bool = False) -> Path:
    """``rows``: last, first, birth (date), postcode, employer, prescriber org (or ""),
    prescriber user, date (the application's Paris date), status, reason. Dates before
    2025-05-27 are written as text DD/MM/YYYY, later ones as date cells."""
    def when(day: dt.date | None):
        if day is None:
            return ""
        return day.strftime("%d/%m/%Y") if day < dt.date(2025, 5, 27) else \
            dt.datetime(day.year, day.month, day.day)

    def mask(text: str) -> str:
        return " ".join(part[0] + "…" for part in text.split()) if masked else text

    lines = []
    for r in rows:
        lines.append([
            "" if masked else "MME", mask(r["last"]), mask(r["first"]),
            "" if masked else f"{r['first'].lower()}.{r['last'].lower()}@example.org",
            "" if masked else "06 12 34 56 78", "" if masked else when(r["birth"]),
            "" if masked else "Villefausse", "" if masked else r["postcode"], r["employer"], "ACI",
            "Agent d'entretien", "Prescripteur habilité" if r["prescriber"] else
            "Candidature spontanée", r["prescriber"], r["worker"], when(r["date"]),
            r["status"], "", "", r.get("reason", ""), "oui", "non", "", "", "", "",
        ])
    return _sheet(path, EMPLOIS, lines, "Sheet")
