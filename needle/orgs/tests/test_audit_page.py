"""The audit page in words: actions by name, changes as "field: old → new" with labels,
choices and names in the reader's language, never dotted codes alone or Python dicts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needle import testing as t
from needle.cases import services as case_services
from needle.cases.services.settings_rows import FIELDS
from needle.orgs import services
from needle.orgs.presenters import ACTIONS
from needle.volunteering.services.config import FIELDS as CONFIG_FIELDS

pytestmark = pytest.mark.django_db

NEEDLE = Path(__file__).resolve().parents[2]


# Actions made from a name at run time, and what they can be; a new such place fails the test
# below until it is listed here.
MADE = {
    "cases/services/_common.py": set(),  # cases.case.<verb>: the _audit(...) calls, read below
    # The configuration rows' saves (core.rows.row_save, for the catalog and volunteering's
    # configuration) and deletes (each app's service).
    "core/rows.py": {
        f"{prefix}.{verb}"
        for prefix, _fields in (*FIELDS.values(), *CONFIG_FIELDS.values())
        for verb in ("created", "changed")
    },
    "cases/services/settings_rows.py": {f"{prefix}.deleted" for prefix, _fields in FIELDS.values()},
    "operations/views.py": set(),  # operations.dashboard.<what>: the _audit_read(...) calls
    "center/services/registrations.py": {
        f"center.registration.{past}"
        for past in ("confirmed", "lapsed", "cancelled", "checked_in", "no_show")
    },
    "center/services/appointments.py": {
        f"center.appointment.{past}" for past in ("cancelled", "served", "no_show")
    },
    "center/services/rooms.py": {f"center.booking.{past}" for past in ("approved", "declined", "cancelled")},
    "volunteering/services/config.py": {f"{prefix}.deleted" for prefix, _fields in CONFIG_FIELDS.values()},
    "volunteering/services/checkins.py": {
        f"volunteering.checkin.{past}"
        for past in ("submitted", "confirmed", "returned", "resubmitted", "moved", "withdrawn")
    },
    "volunteering/services/pairings.py": {
        f"volunteering.pairing.{past}"
        for past in ("submitted", "confirmed", "returned", "resubmitted", "withdrawn")
    },
}


def _written_actions() -> set[str]:
    """Every audit action the code writes: `action="..."` arguments, the cases' `_audit(actor,
    "verb", ...)` (cases.case.<verb>), the dashboards' `_audit_read(request, d, "what")` and the
    names made at run time (MADE)."""
    found: set[str] = set().union(*MADE.values())
    made_in: set[str] = set()

    def strings(node: ast.AST) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return strings(node.body) + strings(node.orelse)
        return []

    for path in NEEDLE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            for keyword in node.keywords:
                if keyword.arg == "action":
                    found.update(s for s in strings(keyword.value) if "." in s)
                    if isinstance(keyword.value, ast.JoinedStr):
                        made_in.add(path.relative_to(NEEDLE).as_posix())
            if name == "_audit" and len(node.args) > 1:
                found.update(f"cases.case.{s}" for s in strings(node.args[1]))
            if name == "_audit_read" and len(node.args) > 2:
                found.update(f"operations.dashboard.{s}" for s in strings(node.args[2]))
    assert made_in == set(MADE), (
        f"actions made at run time in {sorted(made_in - set(MADE))}: list them in MADE"
    )
    return found


def test_every_action_the_code_writes_has_a_name():
    written = _written_actions()
    assert {
        "cases.case.accepted",
        "cases.case.urged",
        "cases.case.supervised",
        "orgs.role.granted",
    } <= written
    assert sorted(written - set(ACTIONS)) == [], "add them to needle/orgs/presenters.py ACTIONS"


def _page(client, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/audit/")
    assert response.status_code == 200
    return response.content.decode().split("<tbody>")[1]


def test_the_page_shows_actions_and_changes_in_words(world, client_for):
    case = t.submit(world, t.build_catalog(world)["road"])
    case_services.case_accept(actor=world.people["handler"], case=case)
    services.role_grant(
        actor=world.people["city_admin"],
        person=world.people["member"],
        unit=world.units["rc_a1a"],
        role="visitor",
    )
    client = client_for("city_admin")
    english = _page(client, "en")
    assert "request accepted" in english and "state: dispatched → accepted" in english
    assert "role granted" in english and "role: visitor" in english
    # Ids are shown by name: the person and the unit the role was granted to.
    assert f"person: {world.people['member']}" in english and f"unit: {world.units['rc_a1a'].name}" in english
    assert "{&#x27;" not in english and "{'" not in english  # no Python dicts
    chinese = _page(client, "zh-hans")
    assert "状态：已派单 → 已受理" in chinese and "角色：走访员" in chinese
    assert "cases.case.accepted" in chinese  # the code stays beside the words, for searching


def test_the_page_reads_the_names_of_a_page_at_once(world, client_for):
    client = client_for("city_admin")
    for role in ("visitor", "viewer"):
        services.role_grant(
            actor=world.people["city_admin"],
            person=world.people["member"],
            unit=world.units["rc_a1a"],
            role=role,
        )
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/")
    for role in ("auditor", "coordinator", "handler", "dispatcher"):
        services.role_grant(
            actor=world.people["city_admin"],
            person=world.people["outsider"],
            unit=world.units["rc_a2a"],
            role=role,
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/audit/")
    assert len(many) == len(few)


def test_the_api_names_the_action_in_the_callers_language(world, api_for):
    services.role_grant(
        actor=world.people["city_admin"],
        person=world.people["member"],
        unit=world.units["rc_a1a"],
        role="visitor",
    )
    api = api_for("city_admin")
    body = api.client.get("/api/v1/audit", {"action": "orgs.role"}, HTTP_ACCEPT_LANGUAGE="en").json()
    event = body["results"][0]
    assert event["action"] == "orgs.role.granted" and event["action_label"] == "role granted"
    assert event["changes"]["new"]["role"] == "visitor"  # the codes, for machines
