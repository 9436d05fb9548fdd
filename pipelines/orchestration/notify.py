"""E-mail to the observatory's staff when a run fails (``[notifications]`` in reseau.toml).

The Dagster daemon evaluates ``email_on_run_failure`` every 30 seconds, in the code
location's process (where ``RESEAU_HOME`` and the SMTP password's variable are set by
``reseau serve`` or ``reseau ui``). For each run of this code location that failed (launched
by the schedule, the landing sensor, a backfill or the UI; ``reseau run`` reports on its own
terminal), it sends one plain-text e-mail in French: the run, its job and months, the failed
steps with the first line of their error, the home, and where to look. Nothing in it comes
from the delivered rows.

An SMTP server that cannot be reached, or refuses the message, fails the sensor's tick with
one line (shown in the UI, under Automation, and in the daemon's log); the failure is not
e-mailed again (Dagster moves the sensor past a run it has tried, so that a run is never
e-mailed twice).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

import dagster as dg

from pipelines.orchestration.resources import HomeResource
from reseau.errors import UserError
from reseau.settings import Notifications

#: Seconds to wait for the SMTP server at each step (the daemon gives a tick 60 s).
SMTP_TIMEOUT = 15
#: An error's first line is cut there (it names a file and the fix, never a row's values).
MAX_ERROR_CHARS = 400

_PARTITION = "dagster/partition"
_RANGE = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


class NotificationError(UserError):
    """The e-mail could not be sent; the message says why, in one line."""


@dataclass(frozen=True)
class FailedRun:
    """What the e-mail says about a run: nothing but names, months, times and errors."""

    run_id: str
    job_name: str
    months: tuple[str, str] | None = None  # first and last partition key, YYYY-MM-01
    launched_by: str = "lancé depuis l'interface"
    steps: tuple[tuple[str, str], ...] = ()  # (step, first line of its error)
    reason: str = ""                         # the run's own error, when no step failed
    started: datetime | None = None
    ended: datetime | None = None


def months_of(tags) -> tuple[str, str] | None:
    """The run's months from its tags: one partition, or a range of them."""
    if tags.get(_PARTITION):
        return tags[_PARTITION], tags[_PARTITION]
    if all(tags.get(tag) for tag in _RANGE):
        return tags[_RANGE[0]], tags[_RANGE[1]]
    return None


def launched_by(tags) -> str:
    if tags.get("dagster/schedule_name"):
        return f"la planification {tags['dagster/schedule_name']}"
    if tags.get("dagster/sensor_name"):
        return f"le capteur {tags['dagster/sensor_name']}"
    if tags.get("dagster/backfill"):
        return f"le rattrapage (backfill) {tags['dagster/backfill']}"
    return "lancé depuis l'interface"


def first_line(error) -> str:
    """The first line of a Dagster ``SerializableErrorInfo``, from the user's own exception
    rather than Dagster's wrapper around it, without the exception's module."""
    while error.cause is not None and error.cls_name.startswith("Dagster"):
        error = error.cause
    text = first_line_of_text(error.message or error.cls_name)
    head, colon, rest = text.partition(": ")
    return f"{error.cls_name}: {rest}" if colon and head.endswith(error.cls_name) else text


def first_line_of_text(text: str) -> str:
    line = (text.strip().splitlines() or ["?"])[0].strip()
    return line if len(line) <= MAX_ERROR_CHARS else line[:MAX_ERROR_CHARS - 1] + "…"


def step_error(event: dg.DagsterEvent) -> str:
    data = event.event_specific_data
    failure = getattr(data, "user_failure_data", None)
    if failure is not None and failure.description:
        return first_line_of_text(failure.description)
    error = getattr(data, "error", None)
    return first_line(error) if error is not None else event.message or "?"


def failed_run(context: dg.RunFailureSensorContext) -> FailedRun:
    """What a run-failure sensor knows of the run, read from the run and its events."""
    run = context.dagster_run
    steps = tuple((event.step_key or "?", step_error(event))
                  for event in context.get_step_failure_events())
    failure = context.failure_event
    error = getattr(failure.event_specific_data, "error", None)
    reason = first_line(error) if error is not None else first_line_of_text(
        failure.message or "")
    record = context.instance.get_run_record_by_id(run.run_id)

    def when(timestamp):
        return datetime.fromtimestamp(timestamp).astimezone() if timestamp else None

    return FailedRun(run_id=run.run_id, job_name=run.job_name, months=months_of(run.tags),
                     launched_by=launched_by(run.tags), steps=steps, reason=reason,
                     started=when(record and record.start_time),
                     ended=when(record and record.end_time))


def _month(key: str) -> str:
    return key[:7]


def describe_months(months: tuple[str, str] | None) -> str:
    if months is None:
        return "aucun (un run sans mois : ingestion et entrepôt)"
    start, end = map(_month, months)
    return start if start == end else f"{start} à {end}"


def rerun_months(months: tuple[str, str] | None) -> str:
    """`` --month`` and the run's months, for ``reseau run`` (none: every month)."""
    if months is None:
        return ""
    start, end = (date.fromisoformat(key) for key in months)
    keys = []
    while start <= end and len(keys) < 12:
        keys.append(f"{start:%Y-%m}")
        start = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return " --month " + " ".join(keys) if start > end else ""


def build_message(run: FailedRun, home_root: Path, settings: Notifications) -> EmailMessage:
    """The e-mail, in French and plain text."""
    short = run.run_id[:8]
    months = "" if run.months is None else f", mois {describe_months(run.months)}"
    lines = [
        "Bonjour,",
        "",
        f"Un run de réseau a échoué sur {home_root}.",
        "",
        f"Run : {run.run_id}",
        f"Job : {run.job_name}",
        f"Mois : {describe_months(run.months)}",
        f"Lancé par : {run.launched_by}",
    ]
    if run.started:
        lines.append(f"Début : {run.started:%Y-%m-%d %H:%M:%S %z}")
    if run.ended:
        lines.append(f"Fin : {run.ended:%Y-%m-%d %H:%M:%S %z}")
    lines.append("")
    if run.steps:
        lines.append("Étapes en échec (et la première ligne de leur erreur) :")
        lines += [f"- {step} : {error}" for step, error in run.steps]
        lines.append("Les étapes qui en dépendent n'ont pas été exécutées.")
    else:
        lines += ["Aucune étape n'a échoué : le run s'est arrêté avant ou entre elles.",
                  f"Raison : {run.reason or '?'}"]
    lines += ["", "Pour voir le détail (le journal complet de chaque étape) :"]
    if settings.ui_url:
        lines += [f"  {settings.ui_url.rstrip('/')}/runs/{run.run_id}",
                  "ou, sur la machine de l'observatoire :"]
    lines += [f"  reseau ui --home {home_root}",
              f"  puis Runs, le run {short}.",
              "",
              "Après correction, relancez-le depuis sa page (Re-execute, From failure)",
              "ou en ligne de commande :",
              f"  reseau run --home {home_root}{rerun_months(run.months)}",
              "",
              "-- ",
              "Message automatique de réseau (capteur email_on_run_failure).",
              "Il ne contient aucune donnée de personne : des noms d'étapes, des mois et",
              "la première ligne des erreurs.",
              ""]
    message = EmailMessage()
    message["Subject"] = (f"[réseau] Échec de {run.job_name}{months}, sur {home_root.name} "
                          f"(run {short})")
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    message["Date"] = formatdate(localtime=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid("reseau", domain=domain)
    message.set_content("\n".join(lines), cte="quoted-printable")
    return message


def send(message: EmailMessage, settings: Notifications, timeout: float = SMTP_TIMEOUT) -> None:
    """Send ``message`` through the SMTP server of ``settings``, or raise one line."""
    password = settings.password()  # a missing variable is a clear error before connecting
    where = f"{settings.smtp_host}:{settings.port}"
    try:
        if settings.security == "ssl":
            server = smtplib.SMTP_SSL(settings.smtp_host, settings.port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.smtp_host, settings.port, timeout=timeout)
        with server:
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.user:
                server.login(settings.user, password)
            refused = server.send_message(message)
    except (smtplib.SMTPException, OSError) as problem:
        detail = " ".join(str(problem).split()) or type(problem).__name__
        raise NotificationError(
            f"could not e-mail {message['To']} through {where} ({type(problem).__name__}: "
            f"{detail}): check [notifications] in reseau.toml and that the server answers"
        ) from None
    if refused:
        raise NotificationError(f"the SMTP server {where} refused "
                                f"{', '.join(sorted(refused))}: check [notifications] "
                                "recipients in reseau.toml")


@dg.run_failure_sensor(
    name="email_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="E-mails the staff named in [notifications] of reseau.toml when a run fails; "
                "does nothing without that table.",
)
def email_on_run_failure(context: dg.RunFailureSensorContext, home: HomeResource):
    resolved = home.get_home()
    settings = resolved.notifications
    if settings is None:
        return dg.SkipReason("no [notifications] table in reseau.toml: nobody to e-mail")
    message = build_message(failed_run(context), resolved.root, settings)
    try:
        send(message, settings)
    except UserError as problem:
        context.log.error(f"run {context.dagster_run.run_id} failed, not e-mailed: {problem}")
        raise
    context.log.info(f"e-mailed the failure of run {context.dagster_run.run_id} to "
                     f"{message['To']}")
    return None
