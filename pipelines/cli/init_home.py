"""``reseau init``: lay out an empty home, ready for an observatory's real deliveries."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

from reseau.errors import HomeError
from reseau.home import DEFAULT_SETTINGS
from reseau.settings import Limits

SETTINGS = f"""# Settings of this réseau home. Every key is optional: without it, the default.

# Funder files and reports never show a count of people below this (11: the rule of
# French health and social microdata).
min_cell = {DEFAULT_SETTINGS["min_cell"]}

# Print each report to PDF beside its HTML, with the machine's Chromium (Debian's
# `chromium`, or $CHROMIUM). Without one, the run warns and publishes the HTML alone.
pdf_reports = {str(DEFAULT_SETTINGS["pdf_reports"]).lower()}

# What one delivered file may weigh; a file over a limit is rejected with its reason.
# Raise a limit if a service's genuine export is refused for its size.
[limits]
""" + "".join(f"# {name} = {value:_}\n" for name, value in vars(Limits()).items()) + """
# How DuckDB may use this machine: past memory_limit, large work spills to temp_directory
# instead of failing. Defaults: half of the machine's memory, and .reseau/spill in the home.
# [warehouse]
# memory_limit = "8GB"
# temp_directory = "/var/tmp/reseau-spill"

# How `reseau serve` runs this home (docs/operations.md in the réseau repository): the
# Dagster instance (run history, schedule and sensor state) in PostgreSQL, and how often the
# landing sensor looks for new files. Without a URL, Dagster's embedded storage here.
# [orchestration]
# postgres_url = "postgresql:///reseau?host=/var/run/postgresql"
# postgres_url_env = "RESEAU_POSTGRES_URL"   # instead: the variable holding a URL with a password
# sensor_interval_seconds = 300

# E-mail the staff when a run of the schedule or the landing sensor fails (`reseau serve` or
# `reseau ui` must be running: its daemon sends it). Uncomment and fill in; without this
# table, no e-mail. The password never goes in this file: export it in the variable
# password_env names before `reseau serve`.
# [notifications]
# smtp_host = "smtp.example.org"
# smtp_port = 587                     # default: 587 with starttls, 465 with ssl, 25 with none
# security = "starttls"               # or "ssl", or "none" (a local relay)
# sender = "reseau@observatoire.example.org"
# recipients = ["equipe@observatoire.example.org"]
# user = "reseau"                     # the SMTP login; omit both lines if there is none
# password_env = "RESEAU_SMTP_PASSWORD"
# ui_url = "http://observatoire.example.org:3000"   # the Dagster UI, for a link to the run
"""

EXAMPLE_PROFILE = """\
# An example mapping profile. Copy it to sources/<exporter_id>.yml (the name of the
# exporter's folder under landing/) and describe that exporter's own export. Exports of
# DORA and les emplois de l'inclusion need no profile: réseau recognises them.
# Syntax and every entry: docs/sources.md in the réseau repository.
referrals:
  columns:                          # contract column: the export's header(s)
    referral_id: N° dossier
    referral_date: Envoyé le
    origin_service_id: {constant: $exporter}   # the export lists what this service sent
    target_service_id: [Partenaire, Structure destinataire]
    person_id: Réf. usager
    needs: Motifs
    status: Suite donnée
    refusal_reason: Motif de la réponse
  statuses:                         # contract status: the export's word(s)
    accepted: [Admis, Prise en charge]
    refused: Refus
    expired: [{status: Refus, refusal_reason: Sans réponse}]   # two columns decide
  date_formats: ["%d.%m.%Y", "%Y-%m-%dT%H:%M:%S%.fZ"]          # tried in order
  time_zone: Europe/Paris           # timestamps with a zone become this zone's date
  placeholders: [Utilisateur supprimé, Inconnu]   # values meaning "unknown"
  list_separator: ", "              # how the export joins several needs
"""

README = """\
# This réseau home

Everything réseau reads and writes for one observatory lives here.

Yours to fill:
- `reseau.toml`: settings (disclosure threshold, limits on delivered files, who is
  e-mailed when a run fails);
- `reference/territories/`: the INSEE COG (the COG 2026 is installed; replace it each year);
- `reference/services.csv`, or `reference/data-inclusion/`: the directory of services
  (canonical CSV, or data·inclusion files or the producers' XLSX template);
- `reference/conventions.csv`, `reference/service_aliases.csv` (optional): formal
  partnerships, and the other names services give each other;
- `sources/<exporter_id>.yml` (optional): how one exporter's own export reads;
  `sources/exemple.yml.modele` shows the syntax.

The services':
- `landing/referrals/<exporter_id>/`: the referral exports each service delivers, any name;
- `landing/supports/<exporter_id>/` (optional): informal-support exports.

réseau's own, not to edit: `warehouse/`, `published/`, `rejected/`, `data-docs/`, `.reseau/`.

`<exporter_id>` is the service's id in the directory.

## How services prepare their exports

Exports must not name people. A service using DORA or les emplois de l'inclusion exports as
usual, then, on its own machine, runs:

    reseau prepare <raw export> <folder to send> --key-file linkage.key

It replaces people and workers by pseudonyms under the linkage key that all the
observatory's services share (a secret file the observatory gives them: never store it in
this home), drops names, contacts, birth dates and free text, prints what it removed, and
writes the file to deliver. A raw export delivered by mistake is refused with that fix.
A service whose software writes the contract's columns (`docs/sources.md`) delivers them
with its own regional pseudonyms.

## Running

    export RESEAU_PSEUDONYM_KEY=...   # the observatory's own secret, kept outside this home
    reseau run --home <this folder>
    reseau serve --home <this folder>     # or, on a laptop: reseau ui --home <this folder>

While `reseau serve` runs (a systemd service on a server: docs/operations.md in the réseau
repository), its daemon starts a run when new files land and on the 5th of each month and,
with `[notifications]` in `reseau.toml`, e-mails the staff when one fails, with no click
(export the SMTP password's variable before starting it).

Every delivered file is listed with its outcome in `marts.load_audit`; refused rows are in
`marts.quarantine`; unreadable or identifying files are moved to `rejected/` with their
error beside them.
"""


def init_home(root: Path) -> list[Path]:
    """Create what a new home needs; never overwrite anything. Returns what was created."""
    if root.exists() and not root.is_dir():
        raise HomeError(f"{root} is a file, not a folder: choose another --home")
    created: list[Path] = []
    for folder in ("reference/territories", "sources", "landing/referrals",
                   "landing/supports"):
        path = root / folder
        if not path.is_dir():
            path.mkdir(parents=True)
            created.append(path)
    cog = Path(str(files("pipelines.ingest") / "data" / "cog"))
    territories = root / "reference" / "territories"
    if not any(territories.glob("v_commune_*.csv")):
        for source in sorted(cog.glob("v_*.csv")):
            created.append(Path(shutil.copyfile(source, territories / source.name)))
    for name, text in (("reseau.toml", SETTINGS), ("README.md", README),
                       ("sources/exemple.yml.modele", EXAMPLE_PROFILE)):
        path = root / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            created.append(path)
    return created
