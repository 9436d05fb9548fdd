"""``[notifications]`` in reseau.toml: checked when the home is opened, one line per mistake."""

import tomllib

import pytest

from pipelines.cli.init_home import SETTINGS
from pipelines.cli.main import main
from reseau.errors import HomeError
from reseau.home import Home
from reseau.settings import Notifications

VALID = """\
[notifications]
smtp_host = "smtp.example.org"
sender = "réseau <reseau@observatoire.example.org>"
recipients = ["equipe@observatoire.example.org", "astreinte@example.org"]
"""


def home_with(tmp_path, text: str) -> Home:
    (tmp_path / "reseau.toml").write_text(text, encoding="utf-8")
    return Home.open(tmp_path)


def refusal(tmp_path, text: str) -> str:
    with pytest.raises(HomeError) as raised:
        home_with(tmp_path, text)
    message = str(raised.value)
    assert "\n" not in message
    prefix = f"{tmp_path.resolve() / 'reseau.toml'}: [notifications] "
    assert message.startswith(prefix)
    return message[len(prefix):]


def test_without_the_table_nobody_is_emailed(tmp_path):
    assert Home.open(tmp_path).notifications is None
    assert home_with(tmp_path, "min_cell = 5\n").notifications is None


def test_a_valid_table_with_its_defaults(tmp_path):
    settings = home_with(tmp_path, VALID).notifications
    assert settings == Notifications(
        smtp_host="smtp.example.org", sender="réseau <reseau@observatoire.example.org>",
        recipients=("equipe@observatoire.example.org", "astreinte@example.org"))
    assert (settings.security, settings.port, settings.password()) == ("starttls", 587, None)


@pytest.mark.parametrize(("security", "port"), [("starttls", 587), ("ssl", 465), ("none", 25)])
def test_the_port_follows_the_security_unless_given(tmp_path, security, port):
    assert home_with(tmp_path, VALID + f'security = "{security}"\n').notifications.port == port
    given = home_with(tmp_path, VALID + f'security = "{security}"\nsmtp_port = 2525\n')
    assert given.notifications.port == 2525


def test_the_password_comes_from_the_variable_the_file_names(tmp_path, monkeypatch):
    text = VALID + 'user = "reseau"\npassword_env = "RESEAU_TEST_SMTP_PASSWORD"\n'
    settings = home_with(tmp_path, text).notifications
    monkeypatch.setenv("RESEAU_TEST_SMTP_PASSWORD", "s3cret")
    assert settings.password() == "s3cret"
    monkeypatch.delenv("RESEAU_TEST_SMTP_PASSWORD")
    with pytest.raises(HomeError) as raised:
        settings.password()
    assert str(raised.value) == (
        "the SMTP password is not in $RESEAU_TEST_SMTP_PASSWORD ([notifications] password_env in "
        "reseau.toml): export RESEAU_TEST_SMTP_PASSWORD=... before `reseau ui`")


def test_reseau_ui_stops_at_once_when_the_password_variable_is_unset(tmp_path, capsys,
                                                                      monkeypatch):
    monkeypatch.delenv("RESEAU_TEST_SMTP_PASSWORD", raising=False)
    home_with(tmp_path, VALID + 'user = "u"\npassword_env = "RESEAU_TEST_SMTP_PASSWORD"\n')
    assert main(["ui", "--home", str(tmp_path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "export RESEAU_TEST_SMTP_PASSWORD=..." in lines[0]


@pytest.mark.parametrize(("text", "expected"), [
    (VALID.replace('smtp_host = "smtp.example.org"\n', ""),
     'needs smtp_host (e.g. smtp_host = "smtp.example.org"): add it, or remove [notifications]'),
    (VALID.replace('smtp_host = "smtp.example.org"', 'smtp_host = ""'),
     "smtp_host = '' is not a text (e.g. smtp_host = \"smtp.example.org\"): fix or remove it"),
    (VALID.replace('smtp_host = "smtp.example.org"', 'smtp_host = "smtp example"'),
     "smtp_host = 'smtp example' is not a host name (e.g. smtp_host = \"smtp.example.org\"): "
     "fix or remove it"),
    (VALID + "smtp_port = 70000\n",
     "smtp_port = 70000 is not a port number from 1 to 65535 (e.g. smtp_port = 587): fix or "
     "remove it"),
    (VALID + 'smtp_port = "587"\n',
     "smtp_port = '587' is not a port number from 1 to 65535 (e.g. smtp_port = 587): fix or "
     "remove it"),
    (VALID + "smtp_port = true\n",
     "smtp_port = True is not a port number from 1 to 65535 (e.g. smtp_port = 587): fix or "
     "remove it"),
    (VALID + 'security = "tls"\n',
     "security = 'tls' is not one of 'starttls', 'ssl', 'none': fix or remove it"),
    (VALID.replace('["equipe@observatoire.example.org", "astreinte@example.org"]',
                   '"equipe@observatoire.example.org"'),
     "recipients = 'equipe@observatoire.example.org' is not a list of addresses (e.g. "
     "recipients = [\"equipe@observatoire.example.org\"]): fix or remove it"),
    (VALID.replace('"astreinte@example.org"', '"astreinte"'),
     "recipients holds 'astreinte', not an e-mail address (e.g. recipients = "
     "[\"equipe@observatoire.example.org\"]): fix or remove it"),
    (VALID.replace("reseau@observatoire.example.org", "reseau"),
     "sender = 'réseau <reseau>' is not an e-mail address (e.g. sender = "
     "\"reseau@observatoire.example.org\"): fix or remove it"),
    (VALID + 'user = "reseau"\npassword_env = "mot de passe"\n',
     "password_env = 'mot de passe' is not the name of an environment variable (e.g. "
     "password_env = \"RESEAU_SMTP_PASSWORD\"; the password itself never goes in the file): "
     "fix or remove it"),
    (VALID + 'user = "reseau"\n',
     "user and password_env go together (the SMTP login, and the variable holding its "
     "password): set both, or neither for a server that needs no login"),
    (VALID + 'password = "s3cret"\n',
     "password must not be written in the file: put it in an environment variable and name "
     "that variable, e.g. password_env = \"RESEAU_SMTP_PASSWORD\""),
    (VALID + 'ui_url = "localhost:3000"\n',
     "ui_url = 'localhost:3000' is not a web address (e.g. ui_url = "
     "\"http://observatoire.example.org:3000\"): fix or remove it"),
    (VALID + "smtp_server = 1\n",
     "smtp_server is not a setting (known: smtp_host, sender, recipients, security, smtp_port, "
     "user, password_env, ui_url): fix or remove it"),
])
def test_each_mistake_stops_the_home_with_one_line(tmp_path, text, expected):
    assert refusal(tmp_path, text) == expected


def test_a_notifications_key_that_is_not_a_table(tmp_path):
    with pytest.raises(HomeError, match=r"notifications must be a table \(\[notifications\]"):
        home_with(tmp_path, 'notifications = "yes"\n')


def test_the_commented_example_of_a_new_home_is_valid_once_uncommented():
    lines = SETTINGS.split("[notifications]\n", 1)[1].splitlines()
    example = [line[2:] for line in lines if line.startswith("# ") and "=" in line]
    table = tomllib.loads("\n".join(example))
    assert {"smtp_host", "sender", "recipients", "password_env"} <= set(table)
    assert Notifications.from_table(table).recipients
