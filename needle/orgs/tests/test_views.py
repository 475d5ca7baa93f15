import pytest
from django.conf import settings
from django.test import Client

from needle.core.models import AuditEvent
from needle.orgs.models import Person, RoleAssignment
from needle.rollups.refresh import rollups_refresh


def test_login_page_and_sign_in_sets_the_language_cookie(world):
    Person.objects.filter(username="resident").update(language="en")
    client = Client()
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "resident", "password": "secret-pass-123"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_signup_makes_a_resident_and_reports_field_errors(db):
    client = Client()
    response = client.post("/signup/", {"username": "wang", "password": "short", "password_again": "other"})
    assert response.status_code == 400 and not Person.objects.exists()
    response = client.post(
        "/signup/",
        {
            "username": "wang",
            "phone": "13912345678",
            "password": "a-long-pass-987",
            "password_again": "a-long-pass-987",
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302 and Person.objects.get().username == "wang"
    response = client.post(
        "/signup/",
        {
            "username": "wang",
            "password": "a-long-pass-987",
            "password_again": "a-long-pass-987",
            "accept_terms": "on",
        },
    )
    assert response.status_code == 400 and Person.objects.count() == 1


def test_language_switch_works_on_every_page_and_is_remembered(world, client_for):
    client = client_for("resident")
    response = client.post("/language/", {"language": "en", "next": "/areas/"})
    assert response.status_code == 302 and response["Location"] == "/areas/"
    page = client.get("/areas/").content.decode()
    assert '<html lang="en">' in page and ">Areas<" in page
    assert Person.objects.get(username="resident").language == "en"
    client.post("/language/", {"language": "zh-hans", "next": "/areas/"})
    assert '<html lang="zh-hans">' in client.get("/areas/").content.decode()
    # An outside redirect target is ignored.
    assert client.post("/language/", {"language": "en", "next": "https://evil.example/"})["Location"] == "/"


def test_anonymous_visitors_can_switch_language_too(db):
    response = Client().post("/language/", {"language": "en", "next": "/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_unit_pages_follow_scope(world, client_for):
    rc_b1a = world.units["rc_b1a"].pk
    assert client_for("supervisor").get(f"/units/{rc_b1a}/").status_code == 404
    assert client_for("other_supervisor").get(f"/units/{rc_b1a}/").status_code == 200
    listing = client_for("supervisor").get("/units/").content.decode()
    assert "七星岗街道办事处" in listing and "平街社区居委会" not in listing


def test_unit_page_masks_phones_for_supervisors(world, client_for):
    member_phone = world.people["member"].phone
    pb = world.units["pb_a1a"].pk
    assert member_phone not in client_for("supervisor").get(f"/units/{pb}/").content.decode()
    assert member_phone in client_for("city_admin").get(f"/units/{pb}/").content.decode()


@pytest.mark.parametrize(
    "persona, allowed",
    [("street_admin", True), ("city_admin", True), ("supervisor", False), ("staff", False)],
)
def test_granting_a_role_from_the_unit_page(world, client_for, persona, allowed):
    unit = world.units["rc_a1a"]
    response = client_for(persona).post(f"/units/{unit.pk}/", {"r-username": "member", "r-role": "visitor"})
    granted = RoleAssignment.objects.filter(person__username="member", unit=unit, role="visitor").exists()
    assert granted is allowed
    assert response.status_code == (302 if allowed else 403)


def test_stats_page(world, client_for):
    html = client_for("city_admin").get("/stats/", {"area": "500103000000"}).content.decode()
    assert "统计数据尚未生成" in html  # before the rollups' first refresh
    rollups_refresh()
    html = client_for("city_admin").get("/stats/", {"area": "500103000000"}).content.decode()
    assert 'id="units-total">6<' in html and "数据截至" in html
    assert client_for("supervisor").get("/stats/", {"area": "500103000000"}).status_code == 400
    assert client_for("outsider").get("/stats/").status_code == 403
    assert (
        client_for("city_admin").get("/stats/", {"start": "2026-05-01", "end": "2026-01-01"}).status_code
        == 400
    )


def test_audit_page_for_auditors_only(world, client_for):
    client_for("staff").post("/areas/500103001001/grids/", {"name": "第2网格"})
    assert "areas.grid.created" in client_for("district_auditor").get("/audit/").content.decode()
    assert client_for("supervisor").get("/audit/").status_code == 403


def test_tokens_page_shows_the_secret_once_and_revokes(world, client_for):
    client = client_for("resident")
    html = client.post("/me/tokens/", {"name": "laptop"}).content.decode()
    assert "ndl_" in html
    token = world.people["resident"].api_tokens.get()
    assert "ndl_" not in client.get("/me/tokens/").content.decode()
    client_for("outsider").post(f"/me/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None
    client.post(f"/me/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="orgs.token.revoked", actor=world.people["resident"]).exists()


def test_profile_page_validates_the_phone(world, client_for):
    client = client_for("resident")
    assert client.post("/me/", {"phone": "abc", "language": "en"}).status_code == 400
    assert client.post("/me/", {"phone": "13800001111", "language": "en"}).status_code == 302
    assert Person.objects.get(username="resident").phone == "13800001111"
