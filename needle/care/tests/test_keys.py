"""The care keys: a new key printed without a configured one, and rotation resealing every
record under the new first key, in batches, again without harm, leaving what no key opens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from needle.care import crypto
from needle.care.models import Recipient
from needle.care.selectors.records import access_recipient, recipient_sensitive
from needle.care.tests.registry_helpers import SECRETS, register
from needle.core.models import AuditEvent
from needle.testing import World

ROOT = Path(__file__).resolve().parents[3]


def test_new_key_works_without_a_configured_key(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("NEEDLE_CARE", "DEBUG", "NEEDLE_TESTING"))
    }
    env.update(PYTHONPATH=str(ROOT), DEBUG="false", NEEDLE_VAR_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "needle.cli", "care", "new-key"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    Fernet(key.encode())  # a valid Fernet key
    assert not (tmp_path / "care_keys").exists()


def test_the_command_prints_a_key_too(capsys: Any) -> None:
    call_command("care", "new-key")
    Fernet(capsys.readouterr().out.strip().encode())


def test_rotation_reseals_every_record_in_batches(world: World, settings: Any, capsys: Any) -> None:
    old = settings.NEEDLE_CARE_KEYS[0]
    people = [register(world, name=f"老人{i}") for i in range(5)]
    empty: dict[str, Any] = dict.fromkeys(SECRETS, "")
    register(world, name="无敏感信息", **empty)
    new = crypto.new_key()
    settings.NEEDLE_CARE_KEYS = [new, old]
    # A record written after the new key came first is already current.
    people.append(register(world, name="新登记"))
    call_command("care", "rotate-key", "--batch", "2")
    assert "resealed 5 records, 1 already under the first key" in capsys.readouterr().out
    only_new = Fernet(new.encode())
    for token in Recipient.objects.exclude(sealed="").values_list("sealed", flat=True):
        only_new.decrypt(token.encode())
    # The old key dropped: everything still opens.
    settings.NEEDLE_CARE_KEYS = [new]
    staff = world.people["staff"]
    for person in people:
        found, access = access_recipient(actor=staff, recipient_id=person.pk)
        assert recipient_sensitive(actor=staff, recipient=found, access=access) == SECRETS
    event = AuditEvent.objects.get(action="care.keys.rotated")
    assert event.changes["new"] == {"resealed": 5, "current": 1, "broken": 0}
    # Again: nothing left to do.
    call_command("care", "rotate-key")
    assert "resealed 0 records, 6 already" in capsys.readouterr().out


def test_rotation_leaves_what_no_key_opens_and_says_so(world: World, settings: Any) -> None:
    lost = register(world, name="旧钥匙")
    settings.NEEDLE_CARE_KEYS = [crypto.new_key()]
    kept = register(world, name="新钥匙")
    with pytest.raises(CommandError, match=f"1 records no configured key opens \\(recipients {lost.pk}\\)"):
        call_command("care", "rotate-key")
    assert Recipient.objects.get(pk=lost.pk).sealed == lost.sealed
    assert Recipient.objects.get(pk=kept.pk).sealed == kept.sealed


def test_a_bad_batch_is_refused(world: World) -> None:
    with pytest.raises(CommandError, match="--batch"):
        call_command("care", "rotate-key", "--batch", "0")
