import os
import subprocess
import sys

from django.core.management import call_command
from django.test import Client

from needle.cli import main


def test_token_create_prints_a_working_token_as_the_last_word(world, capsys):
    call_command("token", "create", "supervisor")
    token = capsys.readouterr().out.split()[-1]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me")
    assert response.status_code == 200 and response.json()["username"] == "supervisor"


def test_token_create_for_an_unknown_person_fails(db, capsys):
    import pytest
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="nobody"):
        call_command("token", "create", "nobody")


def test_console_script_maps_hyphens_to_commands(monkeypatch, capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["needle", "import-areas", "--help"])
    assert "--under" in capsys.readouterr().out


def test_console_script_runs_as_a_process():
    result = subprocess.run(
        [sys.executable, "-m", "needle.cli", "help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NEEDLE_TESTING": "true"},
    )
    for command in ("import_areas", "import_boundaries", "demo", "token", "migrate", "runserver", "shell"):
        assert command in result.stdout
