"""The registry's API as the issue's contract writes it, for every persona: who may register,
read (which sensitive fields), change, move, record consents and export, with exact statuses,
the audit of every reading, and bad input answered 422 naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from needle.care import crypto
from needle.care.models import SENSITIVE, Pairing, Recipient
from needle.care.tests.registry_helpers import SECRETS, body, personas, register
from needle.core.models import AuditEvent
from needle.orgs.models import Membership
from needle.testing import ApiClient, World

BASE = "/api/v1/care"


def api(world: World, persona: str) -> ApiClient:
    return ApiClient(world.people[persona])


def test_register_read_and_consent_as_the_contract_says(world: World) -> None:
    staff = api(world, "staff")
    answer = staff.post(f"{BASE}/recipients", body(world))
    assert answer.status_code == 201, answer.content
    rid = answer.json()["id"]
    card = answer.json()
    # The writer's answer opens nothing: the fields are "recorded" until read (and audited).
    assert card["sensitive"] == dict.fromkeys(SENSITIVE, "recorded")
    assert not AuditEvent.objects.filter(action="care.recipient.sensitive_read").exists()
    got = staff.get(f"{BASE}/recipients/{rid}", reason="核对档案")
    assert got.status_code == 200
    assert got.json()["sensitive"] == SECRETS
    event = AuditEvent.objects.get(action="care.recipient.sensitive_read")
    assert event.changes["new"] == {"fields": sorted(SENSITIVE), "why": "核对档案"}
    consent = staff.post(
        f"{BASE}/recipients/{rid}/consents",
        {"purpose": "registration", "given": True, "method": "signed_form", "given_by": "王秀英"},
    )
    assert consent.status_code == 201, consent.content
    assert consent.json()["consents"] == ["registration"]
    assert staff.get(f"{BASE}/recipients/{rid}/consents").json()["items"][0]["given_by"] == "王秀英"


def test_anonymous_callers_are_refused(world: World) -> None:
    recipient = register(world)
    client = Client()
    assert client.get(f"{BASE}/recipients/{recipient.pk}").status_code == 401
    assert client.get(f"{BASE}/recipients").status_code == 401
    assert client.get(f"{BASE}/me/export").status_code == 401
    assert client.post(f"{BASE}/recipients", body(world), content_type="application/json").status_code == 401


# (persona, GET status, the sensitive fields in clear)
READERS = [
    ("staff", 200, set(SENSITIVE)),
    ("root", 200, set(SENSITIVE)),
    ("helper", 200, {"health", "disability", "income", "notes"}),
    ("grid_worker", 200, set()),
    ("supervisor", 200, set()),
    ("district_auditor", 200, set()),
    ("other_supervisor", 404, set()),
    ("member", 404, set()),
    ("resident", 404, set()),
    ("outsider", 404, set()),
]


@pytest.mark.parametrize(("persona", "status", "clear"), READERS)
def test_every_sensitive_field_for_every_persona(
    world: World, persona: str, status: int, clear: set[str]
) -> None:
    recipient = register(world)
    personas(world, recipient)
    answer = api(world, persona).get(f"{BASE}/recipients/{recipient.pk}")
    assert answer.status_code == status
    reads = AuditEvent.objects.filter(action="care.recipient.sensitive_read")
    if status != 200:
        assert answer.json()["error"]["code"] == "not_found"
        assert not reads.exists()
        return
    sensitive = answer.json()["sensitive"]
    for name in SENSITIVE:
        assert sensitive[name] == (SECRETS[name] if name in clear else "recorded"), name
        if name not in clear:
            assert SECRETS[name] not in answer.content.decode()
    contacts = AuditEvent.objects.filter(action="care.recipient.contact_viewed")
    if clear:
        assert reads.get().changes["new"]["fields"] == sorted(clear)
        assert reads.get().actor == world.people[persona]
        assert not contacts.exists()
    else:
        assert not reads.exists()
        # The grid worker is shown the phone and the address: that viewing is audited; a
        # supervisor's card shows neither.
        shown = answer.json()["phone"] != ""
        assert shown == (persona == "grid_worker")
        assert contacts.filter(actor=world.people[persona]).count() == (1 if shown else 0)


def test_the_helper_without_sharing_consent_reads_nothing_sensitive(world: World) -> None:
    recipient = register(world)
    personas(world, recipient)
    staff = api(world, "staff")
    withdrawn = staff.post(
        f"{BASE}/recipients/{recipient.pk}/consents",
        {"purpose": "sharing", "given": False, "method": "signed_form", "given_by": "王秀英"},
    )
    assert withdrawn.status_code == 201 and withdrawn.json()["consents"] == ["registration"]
    answer = api(world, "helper").get(f"{BASE}/recipients/{recipient.pk}")
    assert answer.status_code == 200
    assert set(answer.json()["sensitive"].values()) == {"recorded"}
    assert not AuditEvent.objects.filter(action="care.recipient.sensitive_read").exists()
    assert AuditEvent.objects.filter(
        action="care.recipient.contact_viewed", actor=world.people["helper"]
    ).exists()
    # Withdrawing the consent to registration: only the care staff see the record now.
    staff.post(
        f"{BASE}/recipients/{recipient.pk}/consents",
        {"purpose": "registration", "given": False, "method": "signed_form", "given_by": "王秀英"},
    )
    assert api(world, "helper").get(f"{BASE}/recipients/{recipient.pk}").status_code == 404
    assert api(world, "supervisor").get(f"{BASE}/recipients/{recipient.pk}").status_code == 404
    assert staff.get(f"{BASE}/recipients/{recipient.pk}").status_code == 200


# (persona, status of each write)
WRITERS = [
    ("staff", None),
    ("helper", 403),
    ("grid_worker", 403),
    ("supervisor", 403),
    ("district_auditor", 403),
    ("resident", 404),
    ("outsider", 404),
]


@pytest.mark.parametrize(("persona", "refused"), WRITERS)
def test_writes_are_for_the_care_staff(world: World, persona: str, refused: int | None) -> None:
    recipient = register(world)
    personas(world, recipient)
    client = api(world, persona)
    rid = recipient.pk
    answers = [
        client.patch(f"{BASE}/recipients/{rid}", {"risk": "low"}),
        client.post(
            f"{BASE}/recipients/{rid}/consents",
            {"purpose": "photos", "given": True, "method": "signed_form", "given_by": "王秀英"},
        ),
        client.post(f"{BASE}/recipients/{rid}/move", {"area": world.areas["community_a1a"].code}),
        client.post(f"{BASE}/recipients/{rid}/status", {"move": "end", "reason": "已脱困"}),
    ]
    expected = [200, 201, 200, 200] if refused is None else [refused] * 4
    assert [a.status_code for a in answers] == expected
    created = client.post(f"{BASE}/recipients", body(world))
    assert created.status_code == (201 if refused is None else 403)
    recipient.refresh_from_db()
    assert recipient.status == ("ended" if refused is None else "active")


def test_patch_changes_only_what_is_given(world: World) -> None:
    recipient = register(world)
    staff = api(world, "staff")
    answer = staff.patch(f"{BASE}/recipients/{recipient.pk}", {"notes": "女儿每周回来", "income": None})
    assert answer.status_code == 200, answer.content
    values = crypto.unseal(Recipient.objects.get(pk=recipient.pk).sealed)
    assert values["notes"] == "女儿每周回来" and "income" not in values
    assert values["health"] == SECRETS["health"]
    assert answer.json()["name"] == "王秀英" and answer.json()["categories"] == [
        "elderly_alone",
        "low_income",
    ]
    event = AuditEvent.objects.get(action="care.recipient.updated")
    assert event.changes["new"]["sensitive_changed"] == ["income", "notes"]
    assert "女儿" not in str(event.changes)


def test_status_conflicts_and_unknown_moves(world: World) -> None:
    recipient = register(world)
    staff = api(world, "staff")
    assert staff.post(f"{BASE}/recipients/{recipient.pk}/status", {"move": "deceased"}).status_code == 200
    again = staff.post(f"{BASE}/recipients/{recipient.pk}/status", {"move": "end"})
    assert again.status_code == 409
    assert staff.post(f"{BASE}/recipients/{recipient.pk}/status", {"move": "anonymise"}).status_code == 403
    bad = staff.post(f"{BASE}/recipients/{recipient.pk}/status", {"move": "resume", "on": "someday"})
    assert bad.status_code == 422 and "on" in bad.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"name": "王\x00英"}, "name"),
        ({"name": "王" * 101}, "name"),
        ({"name": 42}, "name"),
        ({"area": "nowhere"}, "area"),
        ({"area": "500103001000"}, "area"),
        ({"categories": "elderly_alone"}, "categories"),
        ({"categories": ["nope"]}, "categories"),
        ({"risk": "extreme"}, "risk"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": "01/05/1949"}, "birth_date"),
        ({"phone": "13800\x000001"}, "phone"),
        ({"health": "x" * 5000}, "health"),
        ({"notes": ["a"]}, "notes"),
        ({"id_number": "110105194905010028"}, "id_number"),
        ({"id_number": "12345"}, "id_number"),
        ({"record": True}, "record"),
        ({"household": 999999}, "household"),
        ({"guardian": "nobody-at-all"}, "guardian"),
        ({"birth_date": "2017-06-01"}, "guardian_name"),
        ({"categories": ["left_behind_child"], "birth_date": None}, "birth_date"),
    ],
)
def test_bad_registrations_name_the_field(world: World, extra: dict[str, Any], field: str) -> None:
    answer = api(world, "staff").post(f"{BASE}/recipients", body(world, **extra))
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["error"]["fields"]
    assert not Recipient.objects.exists()


def test_a_body_that_is_not_an_object_is_refused(world: World) -> None:
    staff = api(world, "staff")
    answer = staff.client.post(f"{BASE}/recipients", "[1, 2]", content_type="application/json")
    assert answer.status_code == 400
    answer = staff.client.post(f"{BASE}/recipients", "{not json", content_type="application/json")
    assert answer.status_code == 400


def test_a_minors_consent_from_someone_else_is_refused(world: World) -> None:
    child = register(
        world,
        consent=False,
        name="刘小雨",
        birth_date="2016-03-01",
        categories=["left_behind_child"],
        guardian_name="刘奶奶",
        id_number="",
    )
    staff = api(world, "staff")
    answer = staff.post(
        f"{BASE}/recipients/{child.pk}/consents",
        {"purpose": "registration", "given": True, "method": "signed_form", "given_by": "刘小雨"},
    )
    assert answer.status_code == 422 and "given_by" in answer.json()["error"]["fields"]
    answer = staff.post(
        f"{BASE}/recipients/{child.pk}/consents",
        {
            "purpose": "registration",
            "given": True,
            "method": "verbal_witnessed",
            "given_by": "刘奶奶",
            "by_guardian": True,
        },
    )
    assert answer.status_code == 422 and "witness" in answer.json()["error"]["fields"]
    answer = staff.post(
        f"{BASE}/recipients/{child.pk}/consents",
        {"purpose": "registration", "given": "yes", "method": "signed_form", "given_by": "刘奶奶"},
    )
    assert answer.status_code == 422 and "given" in answer.json()["error"]["fields"]
    answer = staff.post(
        f"{BASE}/recipients/{child.pk}/consents",
        {
            "purpose": "registration",
            "given": True,
            "method": "signed_form",
            "given_by": "刘奶奶",
            "by_guardian": True,
        },
    )
    assert answer.status_code == 201


def test_the_list_shows_nothing_sensitive(world: World) -> None:
    recipient = register(world)
    register(world, consent=False, name="未同意")
    personas(world, recipient)
    staff = api(world, "staff").get(f"{BASE}/recipients", area=world.areas["community_a1a"].code)
    assert staff.status_code == 200 and staff.json()["count"] == 2
    text = staff.content.decode()
    for secret in SECRETS.values():
        assert secret not in text
    assert "13800000001" not in text
    counts = {
        persona: api(world, persona).get(f"{BASE}/recipients").json()["count"]
        for persona in ("helper", "grid_worker", "supervisor", "other_supervisor", "resident", "outsider")
    }
    assert counts == {
        "helper": 1,
        "grid_worker": 1,
        "supervisor": 1,
        "other_supervisor": 0,
        "resident": 0,
        "outsider": 0,
    }
    assert api(world, "staff").get(f"{BASE}/recipients", area="nowhere").status_code == 422
    assert api(world, "staff").get(f"{BASE}/recipients", risk="x").status_code == 422
    assert api(world, "staff").get(f"{BASE}/recipients", page_size=100000).status_code == 422


@pytest.mark.parametrize(
    ("persona", "clear", "contents"),
    [
        ("staff", set(SENSITIVE), True),
        ("helper", {"health", "disability", "income", "notes"}, True),
        ("supervisor", set(), False),
    ],
)
def test_export_needs_a_reason_and_leaves_out_the_unseen(
    world: World, persona: str, clear: set[str], contents: bool
) -> None:
    recipient = register(world)
    personas(world, recipient)
    client = api(world, persona)
    missing = client.get(f"{BASE}/recipients/{recipient.pk}/export")
    assert missing.status_code == 422 and "reason" in missing.json()["error"]["fields"]
    blank = client.get(f"{BASE}/recipients/{recipient.pk}/export", reason="   ")
    assert blank.status_code == 422
    answer = client.get(f"{BASE}/recipients/{recipient.pk}/export", reason="转介民政")
    assert answer.status_code == 200
    data = answer.json()
    for name in SENSITIVE:
        assert data["recipient"]["sensitive"][name] == (SECRETS[name] if name in clear else "recorded")
    assert bool(data["consents"][0]["given_by"]) == contents
    event = AuditEvent.objects.get(action="care.recipient.exported")
    assert event.actor == world.people[persona]
    assert event.changes["new"] == {"fields": sorted(clear), "why": "转介民政", "contents": contents}
    assert (
        api(world, "outsider").get(f"{BASE}/recipients/{recipient.pk}/export", reason="x").status_code == 404
    )


def test_a_person_exports_their_own_care_data(world: World) -> None:
    resident = world.people["resident"]
    register(world, person=resident.username, name="")
    answer = api(world, "resident").get(f"{BASE}/me/export")
    assert answer.status_code == 200
    records = answer.json()["records"]
    assert len(records) == 1 and records[0]["as"] == "self"
    assert records[0]["recipient"]["sensitive"] == SECRETS
    assert records[0]["recipient"]["name"] == (resident.display_name or resident.username)
    assert AuditEvent.objects.filter(action="care.own_data.exported", actor=resident).count() == 1
    assert api(world, "outsider").get(f"{BASE}/me/export").json()["records"] == []


def test_a_dropped_key_answers_a_clear_error(world: World, settings: Any) -> None:
    recipient = register(world)
    settings.NEEDLE_CARE_KEYS = [crypto.new_key()]
    answer = api(world, "staff").get(f"{BASE}/recipients/{recipient.pk}")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "care_key_unavailable"
    # The masked views do not need the key.
    assert api(world, "supervisor").get(f"{BASE}/recipients/{recipient.pk}").status_code == 200
    assert api(world, "staff").get(f"{BASE}/recipients").status_code == 200


def test_ids_out_of_range_are_not_a_server_error(world: World) -> None:
    staff = api(world, "staff")
    assert staff.get(f"{BASE}/recipients/0").status_code == 422
    assert staff.get(f"{BASE}/recipients/{2**70}").status_code == 422
    assert staff.get(f"{BASE}/recipients/999999").status_code == 404


def test_a_reading_reason_is_checked(world: World) -> None:
    recipient = register(world)
    personas(world, recipient)
    for persona in ("staff", "grid_worker"):
        answer = api(world, persona).get(f"{BASE}/recipients/{recipient.pk}", reason="x" * 301)
        assert answer.status_code == 422 and "reason" in answer.json()["error"]["fields"]
        answer = api(world, persona).get(f"{BASE}/recipients/{recipient.pk}", reason="a\x00b")
        assert answer.status_code == 422
    reads = ["care.recipient.sensitive_read", "care.recipient.contact_viewed"]
    assert not AuditEvent.objects.filter(action__in=reads).exists()


@pytest.mark.parametrize(
    ("path", "method", "payload", "field"),
    [
        ("", "patch", {"id_number": "110105194905010028"}, "id_number"),
        ("", "patch", {"birth_date": "2999-01-01"}, "birth_date"),
        ("", "patch", {"name": "a\x00"}, "name"),
        ("", "patch", {"categories": ["elderly_alone", 3]}, "categories.1"),
        ("", "patch", {"risk": None}, "risk"),
        ("", "patch", {"health": 12}, "health"),
        ("/status", "post", {"move": "end", "reason": "r" * 301}, "reason"),
        ("/status", "post", {"move": "end", "reason": "a\x00"}, "reason"),
        ("/status", "post", {"move": 3}, "move"),
        ("/status", "post", {"move": "end", "on": "2999-01-01"}, "on"),
        ("/move", "post", {"area": "nowhere"}, "area"),
        ("/move", "post", {"area": "500103001000"}, "area"),
        ("/move", "post", {"area": "500103001001", "address": "x" * 201}, "address"),
        ("/consents", "post", {"purpose": "ads", "method": "signed_form", "given_by": "王秀英"}, "purpose"),
        (
            "/consents",
            "post",
            {"purpose": "photos", "method": "signed_form", "given_by": "王" * 101},
            "given_by",
        ),
        ("/consents", "post", {"purpose": "photos", "method": "signed_form"}, "given_by"),
        (
            "/consents",
            "post",
            {"purpose": "photos", "method": "signed_form", "given_by": "王秀英", "by_guardian": 1},
            "by_guardian",
        ),
    ],
)
def test_bad_writes_name_the_field_and_change_nothing(
    world: World, path: str, method: str, payload: dict[str, Any], field: str
) -> None:
    recipient = register(world)
    before = Recipient.objects.filter(pk=recipient.pk).values().get()
    client = api(world, "staff")
    answer = getattr(client, method)(f"{BASE}/recipients/{recipient.pk}{path}", payload)
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["error"]["fields"], answer.json()
    assert Recipient.objects.filter(pk=recipient.pk).values().get() == before


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("helper", 200),
        ("grid_worker", 200),
        ("supervisor", 403),
        ("district_auditor", 403),
        ("resident", 404),
        ("outsider", 404),
    ],
)
def test_the_consent_log_is_for_those_who_keep_or_visit(world: World, persona: str, status: int) -> None:
    recipient = register(world)
    personas(world, recipient)
    assert api(world, persona).get(f"{BASE}/recipients/{recipient.pk}/consents").status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [("grid_worker", 200), ("district_auditor", 200), ("other_supervisor", 404), ("resident", 404)],
)
def test_export_for_the_other_personas(world: World, persona: str, status: int) -> None:
    recipient = register(world)
    personas(world, recipient)
    answer = api(world, persona).get(f"{BASE}/recipients/{recipient.pk}/export", reason="年度核查")
    assert answer.status_code == status
    if status == 200:
        assert set(answer.json()["recipient"]["sensitive"].values()) == {"recorded"}
        for secret in SECRETS.values():
            assert secret not in answer.content.decode()


def test_changing_a_sensitive_field_with_the_key_dropped_is_a_clear_error(
    world: World, settings: Any
) -> None:
    recipient = register(world)
    settings.NEEDLE_CARE_KEYS = [crypto.new_key()]
    staff = api(world, "staff")
    answer = staff.patch(f"{BASE}/recipients/{recipient.pk}", {"notes": "新"})
    assert answer.status_code == 503
    assert Recipient.objects.get(pk=recipient.pk).sealed == recipient.sealed
    # What needs no key still works.
    assert staff.patch(f"{BASE}/recipients/{recipient.pk}", {"risk": "low"}).status_code == 200
    own = api(world, "resident").get(f"{BASE}/me/export")
    assert own.status_code == 200


def test_the_auditor_reads_who_read_what(world: World) -> None:
    recipient = register(world)
    personas(world, recipient)
    api(world, "helper").get(f"{BASE}/recipients/{recipient.pk}", reason="家访")
    answer = api(world, "district_auditor").get("/api/v1/audit", action="care.recipient.sensitive_read")
    assert answer.status_code == 200
    (event,) = answer.json()["results"]
    assert event["object_id"] == str(recipient.pk)
    assert event["changes"]["new"] == {"fields": ["disability", "health", "income", "notes"], "why": "家访"}
    for secret in SECRETS.values():
        assert secret not in answer.content.decode()
    assert (
        api(world, "resident")
        .get("/api/v1/audit", action="care.recipient.sensitive_read")
        .json()
        .get("results", [])
        == []
    )


def test_a_helper_who_left_reads_nothing_the_same_day(world: World) -> None:
    recipient = register(world)
    p = personas(world, recipient)
    helper = ApiClient(p["helper"])
    assert helper.get(f"{BASE}/recipients/{recipient.pk}").json()["sensitive"]["health"] == SECRETS["health"]
    # The helper leaves their only unit; the nightly job has not run, the pairing is still open.
    Membership.objects.filter(person=p["helper"]).update(left_on=timezone.localdate())
    assert Pairing.objects.filter(recipient=recipient, helper=p["helper"], ended_on__isnull=True).exists()
    assert helper.get(f"{BASE}/recipients/{recipient.pk}").status_code == 404
    listed = helper.get(f"{BASE}/recipients")
    assert listed.status_code == 200 and recipient.name not in listed.content.decode()


@pytest.mark.parametrize("move", ["end", "moved_away", "deceased"])
def test_leaving_care_ends_the_pairings(world: World, move: str) -> None:
    recipient = register(world)
    p = personas(world, recipient)
    answer = api(world, "staff").post(f"{BASE}/recipients/{recipient.pk}/status", {"move": move})
    assert answer.status_code == 200
    pairing = Pairing.objects.get(recipient=recipient, helper=p["helper"])
    assert pairing.ended_on == timezone.localdate() and not pairing.lead
    recipient.refresh_from_db()
    assert recipient.get_status_display() in pairing.end_reason
    ended = AuditEvent.objects.get(action="care.pairing.ended", object_id=str(pairing.pk))
    assert ended.actor == world.people["staff"]
    assert ApiClient(p["helper"]).get(f"{BASE}/recipients/{recipient.pk}").status_code == 404


def test_an_area_code_no_area_has_is_the_same_refusal_on_the_page_and_in_the_api(world: World) -> None:
    answer = api(world, "staff").post(f"{BASE}/recipients", body(world, area="599999999999"))
    assert answer.status_code == 422
    fields = answer.json()["error"]["fields"]
    assert set(fields) == {"area"}
    page = Client()
    page.force_login(world.people["staff"])
    form = {"name": "刘奶奶", "area": "599999999999", "categories": ["elderly_alone"], "risk": "high"}
    refused = page.post(f"/care/register/{world.areas['community_a1a'].code}/", form)
    assert refused.status_code == 400 and refused.context["errors"] == fields
    assert not Recipient.objects.filter(name__in=["王秀英", "刘奶奶"]).exists()
