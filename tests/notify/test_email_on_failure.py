"""The e-mail of a failed run: its text, and the run-failure sensor sending it through a real
SMTP server (aiosmtpd, in its own process) for a real failed run of the monthly job."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
from dagster_shared.error import SerializableErrorInfo

from pipelines.orchestration.definitions import build_definitions
from pipelines.orchestration.notify import (
    FailedRun,
    NotificationError,
    build_message,
    email_on_run_failure,
    first_line,
    send,
)
from pipelines.orchestration.resources import HomeResource
from reseau.settings import Notifications
from tests.conftest import TEST_KEY, copy_tiny_home

SETTINGS = Notifications(smtp_host="127.0.0.1", sender="réseau <reseau@obs.example.org>",
                         recipients=("equipe@obs.example.org", "astreinte@example.org"),
                         security="none", ui_url="http://obs.example.org:3000/")

RUN = FailedRun(
    run_id="3f2a9c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b", job_name="monthly_indicators",
    months=("2024-05-01", "2024-06-01"), launched_by="la planification monthly_on_the_5th",
    steps=(("reference_tables", "UnusableReference: no directory of services"),
           ("landing_exports", "ValueError: boom")),
    started=datetime(2024, 7, 5, 6, 0, 12, tzinfo=UTC),
    ended=datetime(2024, 7, 5, 6, 1, 3, tzinfo=UTC))

BODY = """\
Bonjour,

Un run de réseau a échoué sur /srv/observatoire/home.

Run : 3f2a9c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b
Job : monthly_indicators
Mois : 2024-05 à 2024-06
Lancé par : la planification monthly_on_the_5th
Début : 2024-07-05 06:00:12 +0000
Fin : 2024-07-05 06:01:03 +0000

Étapes en échec (et la première ligne de leur erreur) :
- reference_tables : UnusableReference: no directory of services
- landing_exports : ValueError: boom
Les étapes qui en dépendent n'ont pas été exécutées.

Pour voir le détail (le journal complet de chaque étape) :
  http://obs.example.org:3000/runs/3f2a9c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b
ou, sur la machine de l'observatoire :
  reseau ui --home /srv/observatoire/home
  puis Runs, le run 3f2a9c1e.

Après correction, relancez-le depuis sa page (Re-execute, From failure)
ou en ligne de commande :
  reseau run --home /srv/observatoire/home --month 2024-05 2024-06

-- \nMessage automatique de réseau (capteur email_on_run_failure).
Il ne contient aucune donnée de personne : des noms d'étapes, des mois et
la première ligne des erreurs.
"""


def test_the_message_says_which_run_failed_where_and_how_to_look():
    message = build_message(RUN, Path("/srv/observatoire/home"), SETTINGS)
    assert message["Subject"] == ("[réseau] Échec de monthly_indicators, mois 2024-05 à "
                                  "2024-06, sur home (run 3f2a9c1e)")
    assert message["From"] == "réseau <reseau@obs.example.org>"
    assert message["To"] == "equipe@obs.example.org, astreinte@example.org"
    assert message["Message-ID"].endswith("@obs.example.org>")
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == BODY
    assert message.as_bytes().isascii()  # quoted-printable: any server takes it


def test_a_run_without_months_or_failed_step_says_why_it_stopped():
    run = FailedRun(run_id="0123456789", job_name="monthly_indicators",
                    reason="DagsterResourceFunctionError: RESEAU_HOME is not set")
    settings = Notifications(smtp_host="h", sender="a@b.org", recipients=("c@d.org",))
    message = build_message(run, Path("/h"), settings)
    assert message["Subject"] == "[réseau] Échec de monthly_indicators, sur h (run 01234567)"
    body = message.get_content()
    assert "Mois : aucun (un run sans mois : ingestion et entrepôt)\n" in body
    assert ("Aucune étape n'a échoué : le run s'est arrêté avant ou entre elles.\n"
            "Raison : DagsterResourceFunctionError: RESEAU_HOME is not set\n") in body
    assert "/runs/" not in body and "  reseau run --home /h\n" in body


def test_the_first_line_is_the_users_error_not_dagsters_wrapper():
    cause = SerializableErrorInfo(
        message="pipelines.ingest.reference.UnusableReference: no directory of services: "
                "x is missing\nsecond line\n", stack=[], cls_name="UnusableReference")
    wrapper = SerializableErrorInfo(
        message="dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred "
                'while executing op "reference_tables":\n', stack=[],
        cls_name="DagsterExecutionStepExecutionError", cause=cause)
    assert first_line(wrapper) == "UnusableReference: no directory of services: x is missing"
    long = SerializableErrorInfo(message="ValueError: " + "x" * 1000, stack=[],
                                    cls_name="ValueError")
    assert len(first_line(long)) == 400 and first_line(long).endswith("…")


def test_send_delivers_to_every_recipient(smtp_server):
    settings = Notifications(**{**vars(SETTINGS), "smtp_port": smtp_server.port})
    send(build_message(RUN, Path("/srv/observatoire/home"), settings), settings)
    ((envelope, received),) = smtp_server.received()
    assert envelope == {"mail_from": "reseau@obs.example.org",
                        "rcpt_tos": ["equipe@obs.example.org", "astreinte@example.org"]}
    assert received["Subject"].startswith("[réseau] Échec de monthly_indicators")
    assert received.get_content().replace("\r\n", "\n") == BODY


def test_an_unreachable_server_is_one_line(smtp_server):
    port = smtp_server.port
    smtp_server.process.terminate()
    smtp_server.process.wait(timeout=60)
    settings = Notifications(**{**vars(SETTINGS), "smtp_port": port})
    with pytest.raises(NotificationError) as raised:
        send(build_message(RUN, Path("/h"), settings), settings, timeout=5)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("could not e-mail equipe@obs.example.org, astreinte@example.org "
                              f"through 127.0.0.1:{port} (ConnectionRefusedError: ")
    assert message.endswith("check [notifications] in reseau.toml and that the server answers")


# A real failure of the real pipeline: the tiny home without its directory of services, so
# the first step (reference_tables) fails and every other step is skipped (about 25 s).
@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RESEAU_PSEUDONYM_KEY", TEST_KEY)
        root = copy_tiny_home(tmp_path_factory.mktemp("failing") / "tiny")
        (root / "reference" / "services.csv").unlink()
        job = build_definitions(str(root)).resolve_job_def("monthly_indicators")
        with dg.instance_for_test() as instance:
            result = job.execute_in_process(
                instance=instance, raise_on_error=False,
                tags={"dagster/asset_partition_range_start": "2024-05-01",
                      "dagster/asset_partition_range_end": "2024-06-01"})
            assert not result.success
            yield root, instance, result


def evaluate_sensor(failed_run):
    root, instance, result = failed_run
    with dg.build_run_status_sensor_context(
            sensor_name="email_on_run_failure", dagster_instance=instance,
            dagster_run=result.dagster_run, dagster_event=result.get_run_failure_event(),
            resources={"home": HomeResource(path=str(root))}) as context:
        return email_on_run_failure(context)


def notify_to(root: Path, port: int) -> None:
    (root / "reseau.toml").write_text(
        '[notifications]\nsmtp_host = "127.0.0.1"\n'
        f'smtp_port = {port}\nsecurity = "none"\n'
        'sender = "reseau@obs.example.org"\n'
        'recipients = ["equipe@obs.example.org", "astreinte@example.org"]\n',
        encoding="utf-8")


def test_the_sensor_emails_a_real_failed_run(failed_run, smtp_server):
    root, _, result = failed_run
    notify_to(root, smtp_server.port)
    assert evaluate_sensor(failed_run) is None
    ((envelope, message),) = smtp_server.received()
    assert envelope["rcpt_tos"] == ["equipe@obs.example.org", "astreinte@example.org"]
    run_id = result.dagster_run.run_id
    assert message["Subject"] == ("[réseau] Échec de monthly_indicators, mois 2024-05 à "
                                  f"2024-06, sur tiny (run {run_id[:8]})")
    assert message["To"] == "equipe@obs.example.org, astreinte@example.org"
    body = message.get_content().replace("\r\n", "\n")
    for part in [f"Un run de réseau a échoué sur {root}.\n", f"Run : {run_id}\n",
                 "Job : monthly_indicators\n", "Mois : 2024-05 à 2024-06\n",
                 "Lancé par : lancé depuis l'interface\n",
                 "Étapes en échec (et la première ligne de leur erreur) :\n"
                 "- reference_tables : UnusableReference: no directory of services: "
                 f"{root}/reference/services.csv is missing",
                 f"  reseau ui --home {root}\n",
                 f"  reseau run --home {root} --month 2024-05 2024-06\n"]:
        assert part in body
    assert "Début : " in body and "Fin : " in body
    # Only the failed step is listed: the skipped ones are not failures.
    assert body.count("\n- ") == 1


def test_without_notifications_the_sensor_skips(failed_run, smtp_server):
    root, _, _ = failed_run
    (root / "reseau.toml").unlink(missing_ok=True)
    assert isinstance(evaluate_sensor(failed_run), dg.SkipReason)
    assert smtp_server.received() == []


def test_an_unreachable_server_fails_the_sensor_tick_with_one_line(failed_run, smtp_server,
                                                                    capsys):
    root, _, _ = failed_run
    notify_to(root, smtp_server.port)
    smtp_server.process.terminate()
    smtp_server.process.wait(timeout=60)
    with pytest.raises(NotificationError, match="could not e-mail equipe@obs.example.org"):
        evaluate_sensor(failed_run)
    (line,) = [line for line in capsys.readouterr().err.splitlines() if "e-mail" in line]
    assert line.endswith(f" - ERROR - run {failed_run[2].dagster_run.run_id} failed, not "
                         f"e-mailed: could not e-mail equipe@obs.example.org, "
                         f"astreinte@example.org through 127.0.0.1:{smtp_server.port} "
                         "(ConnectionRefusedError: [Errno 111] Connection refused): check "
                         "[notifications] in reseau.toml and that the server answers")


def test_as_the_daemon_evaluates_it_a_tick_mails_once_or_fails_with_one_line(failed_run,
                                                                            smtp_server):
    # The daemon's path: the sensor's tick reads the failures after its cursor (here: every
    # one), calls the function, and turns what it raised into the tick's error.
    from dagster._core.definitions.run_status_sensor_definition import RunStatusSensorCursor

    root, instance, result = failed_run
    notify_to(root, smtp_server.port)

    def tick():
        with dg.build_sensor_context(
                instance=instance, resources={"home": HomeResource(path=str(root))},
                cursor=RunStatusSensorCursor(record_id=-1, record_timestamp=None).to_json()
        ) as context:
            (reaction,) = email_on_run_failure.evaluate_tick(context).dagster_run_reactions
        assert reaction.dagster_run.run_id == result.dagster_run.run_id
        return reaction.error

    assert tick() is None
    assert len(smtp_server.received()) == 1
    smtp_server.process.terminate()
    smtp_server.process.wait(timeout=60)
    error = tick()
    assert error.cls_name == "NotificationError"
    assert error.message.strip().count("\n") == 0 and "could not e-mail" in error.message


def test_the_code_location_runs_the_sensor_without_a_click(tmp_path):
    sensor = build_definitions(str(tmp_path)).resolve_sensor_def("email_on_run_failure")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
