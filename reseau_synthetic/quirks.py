"""Exports as real services deliver them: every format and quirk of the data contract.

:func:`disguise_exports` rewrites the canonical CSV exports of a generated home, exporter by
exporter (a service's software always writes the same way), into a realistic mix: Excel's
semicolon CSV in Windows-1252 with French headers, ``DD/MM/YYYY`` dates and DORA's status
words; tab-separated UTF-8 with a BOM; XLSX; JSON arrays and JSON lines; and exporters with
their own headers, words and date format described by a mapping profile
``sources/<exporter_id>.yml``. The rows and their delivery times do not change, so the
indicators must not either. It then adds the files a real observatory also receives: broken
ones, and one that still carries names and phone numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from reseau_synthetic.software import People, deliver_software_exports

FORMATS = ("csv", "excel-fr", "tsv-bom", "xlsx", "json", "jsonl", "profile")
SHARES = (0.35, 0.20, 0.10, 0.10, 0.10, 0.05, 0.10)
DATE_COLUMNS = ("referral_date", "decision_date", "support_date")


@dataclass(frozen=True)
class SoftwareExporters:
    """What :func:`disguise_exports` needs to write real software's exports."""

    exporters: dict[str, str]  # exporter id -> "dora" or "emplois"
    names: dict[str, str]  # service id -> its name in the directory
    people: People
    key: bytes  # the linkage key the region's services share


FRENCH = {
    "referral_id": "id_orientation", "referral_date": "Date d'orientation",
    "origin_service_id": "Service orienteur", "target_service_id": "Service destinataire",
    "person_id": "id_personne", "needs": "Besoins", "professional_id": "ID professionnel",
    "status": "Statut", "decision_date": "date_decision", "refusal_reason": "Motif refus",
    "person_commune": "Commune personne", "support_id": "id_mobilisation",
    "support_date": "date_mobilisation", "service_id": "service",
    "supporter_kind": "type_aidant", "supporter_id": "id_aidant",
}
DORA = {"pending": "OUVERTE", "accepted": "VALIDÉE", "refused": "REFUSÉE",
        "expired": "EXPIRÉE", "cancelled": "MODÉRATION_REJETÉE"}
#: A software of its own: headers, status words and a date format no built-in rule knows.
OWN_HEADERS = {
    "referral_id": "N° dossier", "referral_date": "Envoyé le",
    "origin_service_id": "Émetteur", "target_service_id": "Partenaire sollicité",
    "person_id": "Réf. usager", "needs": "Motifs", "professional_id": "Réf. agent",
    "status": "Suite donnée", "decision_date": "Réponse le",
    "refusal_reason": "Motif de la réponse", "person_commune": "Commune usager",
    "support_id": "N° mobilisation", "support_date": "Mobilisé le",
    "service_id": "Structure", "supporter_kind": "Lien", "supporter_id": "Réf. aidant",
}
OWN_STATUSES = {"pending": "En attente", "accepted": "Prise en charge", "refused": "Refus",
                "expired": "Sans suite", "cancelled": "Annulée"}
OWN_DATE_FORMAT = "%d.%m.%Y"


def disguise_exports(home: Path, rng, redelivery: dict,
                     software: SoftwareExporters | None = None) -> dict:
    """Rewrite every export of ``home`` in its exporter's format; add broken and identifying
    files. ``redelivery`` (the generator's record) gets the new file names. The referral
    exports of ``software``'s exporters become prepared DORA or les emplois exports
    (:mod:`reseau_synthetic.software`). Returns what was done, for the ground truth."""
    by_software = software.exporters if software else {}
    landing = home / "landing"
    exporters = sorted({path.name for kind in ("referrals", "supports")
                        for path in (landing / kind).glob("*") if path.is_dir()})
    chosen = rng.choice(len(FORMATS), size=len(exporters), p=SHARES)
    # Every format at least once, whatever the draw.
    for index, position in enumerate(rng.permutation(len(exporters))[:len(FORMATS)]):
        chosen[position] = index
    formats = {exporter: FORMATS[index] for exporter, index in zip(exporters, chosen,
                                                                      strict=True)}
    bad_rows = _plant_bad_rows(home, rng, set(by_software))
    hints = dict(zip(exporters, (rng.random(len(exporters)) < 0.5).tolist(), strict=True))
    paths = sorted(path for path in landing.glob("*/*/*.csv")
                   if not (path.parts[-3] == "referrals" and path.parent.name in by_software))
    # Files are independent: rewrite them in threads (polars and file writes release the GIL).
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        new_paths = pool.map(lambda path: _rewrite(path, formats[path.parent.name],
                                                   excel_hint=hints[path.parent.name]), paths)
        renamed = {path.relative_to(home).as_posix(): new_path.relative_to(home).as_posix()
                   for path, new_path in zip(paths, new_paths, strict=True)}
    for key in ("original_file", "corrected_file"):
        if key in redelivery:
            redelivery[key] = renamed.get(redelivery[key], redelivery[key])
    profiled = sorted(e for e, f in formats.items() if f == "profile")
    for exporter in profiled:
        _write_profile(home / "sources" / f"{exporter}.yml")
    for item in bad_rows:
        item["file"] = renamed.get(item["file"], item["file"])
    prepared = deliver_software_exports(home, by_software, software.names, software.people,
                                        software.key) if software else {}
    return {"formats": formats, "profiles": profiled, "quarantined_rows": bad_rows,
            "software": prepared, **_bad_files(home, rng)}


#: Rows a person typed wrong, one per quarantine reason, and the reason's first words.
BAD_ROWS = {
    "bad date": ({"referral_date": "{month}-31"}, "bad date"),
    "unknown service": ({"target_service_id": "S9999"}, "unknown service"),
    "unknown need code": ({"needs": "aide-magique"}, "unknown need code"),
    "origin = target": ({"target_service_id": "{exporter}"}, "origin = target"),
    "unknown status": ({"status": "peut-etre"}, "unknown status"),
    "missing person": ({"person_id": None}, "missing required value: person_id"),
}


def _plant_bad_rows(home: Path, rng, software: set[str]) -> list[dict]:
    """Append one bad row per quarantine reason to canonical referral files of months with
    30 days or fewer (so that day 31 is a bad date). They change no indicator: every one is
    quarantined, and none has a valid date in another month (no re-delivery). Exporters
    using DORA or les emplois are left alone: their software could not write these rows."""
    services = pl.read_csv(home / "reference" / "services.csv", infer_schema=False)["service_id"]
    files = sorted(path for path in (home / "landing" / "referrals").glob("*/*.csv")
                   if path.stem[-2:] in ("04", "06", "09", "11")
                   and path.parent.name not in software
                   and not path.with_name(f"{path.stem}_corrected.csv").exists())
    planted = []
    for (fault, (change, reason)), index in zip(BAD_ROWS.items(),
                                                rng.choice(len(files), len(BAD_ROWS)),
                                                strict=True):
        path = files[int(index)]
        table = pl.read_csv(path, infer_schema=False)
        row = table.row(0, named=True)
        month, exporter = row["referral_date"][:7], path.parent.name
        # From the exporter to another directory service: only the planted fault is wrong.
        partner = services.filter(services != exporter)[int(index) % (len(services) - 1)]
        row.update({"referral_id": f"{exporter}-BAD-{len(planted) + 1}",
                    "origin_service_id": exporter, "target_service_id": partner,
                    **{key: value if value is None else value.format(month=month,
                                                                     exporter=exporter)
                       for key, value in change.items()}})
        stamp = path.stat().st_mtime
        pl.concat([table, pl.DataFrame([row], schema=table.schema)]).write_csv(path)
        os.utime(path, (stamp, stamp))
        planted.append({"file": path.relative_to(home).as_posix(), "fault": fault,
                        "reason": reason, "row_number": table.height + 1})
    return planted


def _rewrite(path: Path, form: str, excel_hint: bool) -> Path:
    table = pl.read_csv(path, infer_schema=False)
    stamp = path.stat().st_mtime
    target = path
    if form == "excel-fr":
        table = _with_dates(table, "%d/%m/%Y").rename(_present(table, FRENCH))
        if "Statut" in table.columns:
            table = table.with_columns(pl.col("Statut").replace(DORA))
        text = ("sep=;\r\n" if excel_hint else "") + table.write_csv(separator=";",
                                                                     line_terminator="\r\n")
        path.write_bytes(_cp1252(text))
    elif form == "tsv-bom":
        target = path.with_suffix(".txt")
        table = table.rename({name: name.upper() for name in table.columns})
        target.write_bytes(b"\xef\xbb\xbf" + table.write_csv(separator="\t").encode())
    elif form == "xlsx":
        target = path.with_suffix(".xlsx")
        _write_xlsx(table.rename(_present(table, FRENCH)), target)
    elif form in ("json", "jsonl"):
        target = path.with_suffix("." + form)
        records = [{key: value.split("|") if key == "needs" and value else value
                    for key, value in row.items() if value is not None}
                   for row in table.iter_rows(named=True)]
        if form == "json":
            target.write_text(json.dumps(records, ensure_ascii=False, indent=1), "utf-8")
        else:
            target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                      for r in records), "utf-8")
    elif form == "profile":
        table = _with_dates(table, OWN_DATE_FORMAT).rename(_present(table, OWN_HEADERS))
        if "Suite donnée" in table.columns:
            table = table.with_columns(pl.col("Suite donnée").replace(OWN_STATUSES))
        path.write_text(table.write_csv(separator=";"), "utf-8")
    if target != path:
        path.unlink()
    os.utime(target, (stamp, stamp))
    return target


def _present(table: pl.DataFrame, names: dict[str, str]) -> dict[str, str]:
    return {old: new for old, new in names.items() if old in table.columns}


def _with_dates(table: pl.DataFrame, form: str) -> pl.DataFrame:
    """ISO dates written in ``form``; anything else (a planted bad date) left as it is."""
    return table.with_columns(
        pl.coalesce(pl.col(c).str.to_date("%Y-%m-%d", strict=False).dt.to_string(form),
                    pl.col(c)).alias(c)
        for c in DATE_COLUMNS if c in table.columns)


def _cp1252(text: str) -> bytes:
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:  # a character Windows-1252 lacks: the software saves UTF-8
        return text.encode("utf-8-sig")


def _write_xlsx(table: pl.DataFrame, path: Path) -> None:
    import openpyxl

    dates = {FRENCH[c] for c in DATE_COLUMNS}
    book = openpyxl.Workbook(write_only=True)  # streams rows: faster, same file
    sheet = book.create_sheet()
    sheet.append(table.columns)
    for row in table.iter_rows():
        cells = []
        for name, value in zip(table.columns, row, strict=True):
            if value is not None and name in dates:
                try:
                    value = dt.date.fromisoformat(value)  # Excel stores a date cell
                except ValueError:
                    pass
            elif value is not None and name == "Commune personne" and value.isdigit():
                value = int(value)  # and a code made of digits as a number
            cells.append(value)
        sheet.append(cells)
    book.save(path)


def _write_profile(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# This exporter's software: its headers, status words and date format.",
             "columns:"]
    lines += [f"  {column}: {header}" for column, header in OWN_HEADERS.items()]
    lines += ["statuses:"] + [f"  {status}: {word}" for status, word in OWN_STATUSES.items()]
    lines += [f'date_format: "{OWN_DATE_FORMAT}"']
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _bad_files(home: Path, rng) -> dict:
    """A corrupt workbook, a truncated JSON and an export with names and phone numbers."""
    folders = sorted(path for path in (home / "landing" / "referrals").glob("*") if path.is_dir())
    picked = [folders[int(i)] for i in rng.choice(len(folders), size=3, replace=False)]
    stamp = max(p.stat().st_mtime for folder in picked for p in folder.iterdir()) + 3600
    corrupt = picked[0] / f"{picked[0].name}_export.xlsx"
    corrupt.write_bytes(bytes(rng.integers(0, 256, size=512, dtype=np.uint8)))
    truncated = picked[1] / f"{picked[1].name}_export.json"
    truncated.write_text('[{"id_orientation": "A1", "date_orientation": "2025-01-0', "utf-8")
    nominative = picked[2] / f"{picked[2].name}_extraction_nominative.csv"
    nominative.write_text(
        "id_orientation,date_orientation,service_orienteur,service_destinataire,id_personne,"
        "besoins,Nom,Téléphone\n"
        f"N1,2025-01-06,{picked[2].name},{picked[0].name},P-NOMI0001,sante,Dupont Marie,"
        "06 12 34 56 78\n", "utf-8")
    for path in (corrupt, truncated, nominative):
        os.utime(path, (stamp, stamp))

    def relative(path: Path) -> str:
        return path.relative_to(home).as_posix()

    return {"rejected_files": [relative(corrupt), relative(truncated)],
            "refused_files": [{"file": relative(nominative), "column": "Nom"}]}
