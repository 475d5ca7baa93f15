"""One's own account: the terms at sign-up, the email address and its confirmation, changing
the password, and resetting a forgotten one by email without telling anyone whether an
account exists."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from needle.core.errors import NotFound, PermissionDenied
from needle.core.models import AuditEvent
from needle.orgs import services
from needle.orgs.models import Person
from needle.testing import PASSWORD

NEW = "another-long-pass-456"
LINK = re.compile(r"http://127\.0\.0\.1:8000(/\S+)")


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def link_in(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def confirmed(person: Person, email: str = "resident@example.org") -> Person:
    person.email, person.email_confirmed_at = email, timezone.now()
    person.save(update_fields=["email", "email_confirmed_at"])
    return person


# Sign-up and the terms -------------------------------------------------------------------------


def test_sign_up_needs_the_terms_accepted_and_keeps_when(db):
    client = english()
    form = {"username": "wang", "password": NEW, "password_again": NEW}
    refused = client.post("/signup/", form)
    assert refused.status_code == 400 and "accept the terms of use" in refused.content.decode()
    assert not Person.objects.exists()
    assert client.post("/signup/", {**form, "accept_terms": "on"}).status_code == 302
    person = Person.objects.get()
    assert person.terms_version == services.TERMS_VERSION and person.terms_accepted_at is not None
    event = AuditEvent.objects.get(action="orgs.person.signed_up")
    assert event.changes["new"]["terms_version"] == services.TERMS_VERSION


def test_the_sign_up_page_links_the_terms_and_the_privacy_notice(db):
    page = english().get("/signup/").content.decode()
    assert 'href="/terms/"' in page and 'href="/privacy/"' in page and 'name="accept_terms"' in page
    for path in ("/terms/", "/privacy/"):
        for language in ("en", "zh-hans"):
            client = Client()
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            response = client.get(path)
            assert response.status_code == 200 and services.TERMS_VERSION in response.content.decode()


# The email address -----------------------------------------------------------------------------


def test_an_address_given_at_sign_up_is_confirmed_by_the_mailed_link(db, django_capture_on_commit_callbacks):
    client = english()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/signup/",
            {
                "username": "li",
                "email": "li@example.org",
                "password": NEW,
                "password_again": NEW,
                "accept_terms": "on",
            },
        )
    assert r.status_code == 302
    person = Person.objects.get(username="li")
    assert person.email == "li@example.org" and not person.email_confirmed
    (message,) = mail.outbox
    assert message.to == ["li@example.org"]
    link = link_in(message)
    # Opening the link (a mail scanner does) confirms nothing; the button does, signed in or not.
    assert Client().get(link).status_code == 200
    person.refresh_from_db()
    assert not person.email_confirmed
    assert Client().post(link).status_code == 302
    person.refresh_from_db()
    assert person.email_confirmed
    assert AuditEvent.objects.get(action="orgs.person.email_confirmed").actor == person


def test_a_bad_or_stale_link_confirms_nothing(world):
    resident = world.people["resident"]
    resident.email = "resident@example.org"
    resident.save(update_fields=["email"])
    token = services.email_confirmation_token(resident, resident.email)
    assert english().post(f"/me/email/{token}x/").status_code == 404
    resident.email = "new@example.org"  # the link named the old address
    resident.save(update_fields=["email"])
    r = english().post(f"/me/email/{token}/")
    assert r.status_code == 404 and "not valid" in r.content.decode()
    stale = signing.dumps(
        {"p": resident.pk, "e": "new@example.org"}, salt=services.accounts.EMAIL_CONFIRM_SALT
    )
    assert english().post(f"/me/email/{stale}/").status_code == 302  # fresh: works
    resident.refresh_from_db()
    assert resident.email_confirmed


def test_an_address_is_confirmed_by_one_account_only(world):
    confirmed(world.people["member"], "shared@example.org")
    resident = world.people["resident"]
    services.person_update_profile(actor=resident, person=resident, email="Shared@Example.org")
    token = services.email_confirmation_token(resident, resident.email)
    r = english().post(f"/me/email/{token}/")
    assert r.status_code == 409 and "Another account has confirmed this address" in r.content.decode()
    resident.refresh_from_db()
    assert not resident.email_confirmed


def test_changing_the_address_unconfirms_it_and_mails_the_new_one(
    world, client_for, django_capture_on_commit_callbacks
):
    resident = confirmed(world.people["resident"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client_for("resident").post(
            "/me/", {"display_name": "R", "email": "next@example.org", "language": "en"}
        )
    assert r.status_code == 302
    resident.refresh_from_db()
    assert resident.email == "next@example.org" and not resident.email_confirmed
    assert [m.to for m in mail.outbox] == [["next@example.org"]]
    event = AuditEvent.objects.filter(action="orgs.person.profile_changed").latest("id")
    assert event.changes["old"]["email"] == "resident@example.org"
    # Saving the profile again with the same address sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client_for("resident").post(
            "/me/", {"display_name": "R2", "email": "Next@example.org", "language": "en"}
        )
    assert len(mail.outbox) == 1


def test_the_confirmation_is_resent_a_few_times_an_hour(
    world, client_for, django_capture_on_commit_callbacks
):
    resident = world.people["resident"]
    resident.email = "resident@example.org"
    resident.save(update_fields=["email"])
    client = client_for("resident")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(services.accounts.CONFIRMATIONS_PER_HOUR + 2):
            assert client.post("/me/email/resend/").status_code == 302
    assert len(mail.outbox) == services.accounts.CONFIRMATIONS_PER_HOUR
    with pytest.raises(PermissionDenied):
        services.email_confirmation_resend(actor=world.people["city_admin"], person=resident)


# Changing the password -------------------------------------------------------------------------


def test_a_person_changes_their_password_and_stays_signed_in_here_only(world, client_for):
    here, elsewhere = client_for("resident"), client_for("resident")
    here.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert here.get("/me/password/").status_code == 200
    r = here.post("/me/password/", {"old_password": PASSWORD, "new_password": NEW, "new_password_again": NEW})
    assert r.status_code == 302
    assert Person.objects.get(username="resident").check_password(NEW)
    assert here.get("/me/").status_code == 200
    assert elsewhere.get("/me/").status_code == 302  # that session ended
    event = AuditEvent.objects.get(action="orgs.person.password_changed")
    assert event.actor == world.people["resident"] and event.changes == {}


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"old_password": "wrong", "new_password": NEW, "new_password_again": NEW}, "Your current password"),
        ({"old_password": PASSWORD, "new_password": NEW, "new_password_again": "other"}, "differ"),
        ({"old_password": PASSWORD, "new_password": "123", "new_password_again": "123"}, "too short"),
        ({"old_password": PASSWORD, "new_password": PASSWORD, "new_password_again": PASSWORD}, "other than"),
    ],
)
def test_a_bad_password_change_says_why(world, client_for, form, field):
    client = client_for("resident")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.post("/me/password/", form)
    assert r.status_code == 400 and field in r.content.decode()
    assert Person.objects.get(username="resident").check_password(PASSWORD)


def test_guessing_the_current_password_locks_the_change(world, client_for, settings):
    settings.SIGNIN_FAILURES_PER_ACCOUNT = 3
    client = client_for("resident")
    wrong = {"old_password": "guess", "new_password": NEW, "new_password_again": NEW}
    assert [client.post("/me/password/", wrong).status_code for _ in range(3)] == [400, 400, 400]
    right = {"old_password": PASSWORD, "new_password": NEW, "new_password_again": NEW}
    assert client.post("/me/password/", right).status_code == 429


def test_only_the_person_changes_their_password(world):
    with pytest.raises(PermissionDenied):
        services.person_change_password(
            actor=world.people["root"],
            person=world.people["resident"],
            old_password=PASSWORD,
            new_password=NEW,
        )


def test_the_api_changes_the_password(world, api_for):
    api = api_for("resident")
    wrong = api.post("/api/v1/me/password", {"old_password": "x", "new_password": NEW})
    assert wrong.status_code == 422 and "old_password" in wrong.json()["error"]["fields"]
    assert api.post("/api/v1/me/password", {"old_password": PASSWORD, "new_password": NEW}).json() == {
        "changed": True
    }
    assert Client().post("/api/v1/me/password", {}, content_type="application/json").status_code == 401
    me = api.get("/api/v1/me").json()
    assert me["email"] == "" and me["email_confirmed"] is False


# Resetting a forgotten password ----------------------------------------------------------------


def test_the_reset_flow_end_to_end(world, django_capture_on_commit_callbacks):
    resident = confirmed(world.people["resident"])
    client = english()
    login_page = client.get("/login/").content.decode()
    assert 'href="/password/reset/"' in login_page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/password/reset/", {"email": "RESIDENT@example.org"})
    assert r.status_code == 302 and r["Location"] == "/password/reset/sent/"
    (message,) = mail.outbox
    assert message.to == ["resident@example.org"] and "resident" in message.body
    link = link_in(message)
    # Django's view moves the token out of the address into the session.
    r = client.get(link)
    assert r.status_code == 302 and r["Location"].endswith("/set-password/")
    form = client.get(r["Location"])
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    short = client.post(r["Location"], {"new_password1": "123", "new_password2": "123"})
    assert short.status_code == 400
    done = client.post(r["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/password/reset/done/"
    resident.refresh_from_db()
    assert resident.check_password(NEW)
    assert Client().post("/login/", {"username": "resident", "password": NEW}).status_code == 302
    # The link worked once.
    again = english().get(link, follow=True)
    assert "not valid any more" in again.content.decode()
    actions = list(AuditEvent.objects.filter(object_id=str(resident.pk)).values_list("action", flat=True))
    assert "orgs.person.password_reset_requested" in actions and "orgs.person.password_reset" in actions


@pytest.mark.parametrize("who", ["nobody@example.org", "unconfirmed@example.org", "inactive@example.org"])
def test_the_reset_tells_nothing_about_accounts(world, django_capture_on_commit_callbacks, who):
    world.people["member"].email = "unconfirmed@example.org"
    world.people["member"].save(update_fields=["email"])
    outsider = confirmed(world.people["outsider"], "inactive@example.org")
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    known = confirmed(world.people["resident"])
    answers = []
    for email in (who, known.email):
        client = english()
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post("/password/reset/", {"email": email}, follow=True)
        answers.append((r.status_code, r.redirect_chain, r.content.decode().split("<main")[1]))
    assert answers[0] == answers[1]
    assert [m.to for m in mail.outbox] == [[known.email]]


def test_reset_requests_are_limited(world, settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESETS_PER_CLIENT_HOUR = 4
    settings.PASSWORD_RESETS_PER_EMAIL_HOUR = 2
    confirmed(world.people["resident"])
    client = english()
    with django_capture_on_commit_callbacks(execute=True):
        codes = [
            client.post("/password/reset/", {"email": "resident@example.org"}).status_code for _ in range(5)
        ]
    assert codes == [302, 302, 302, 302, 429]
    assert len(mail.outbox) == 2  # the address's own limit, answered alike
    refused = client.post("/password/reset/", {"email": "other@example.org"})
    assert "Too many password reset requests" in refused.content.decode()
    # Another address asks on.
    assert (
        english().post("/password/reset/", {"email": "x@example.org"}, REMOTE_ADDR="10.9.9.9").status_code
        == 302
    )


def test_a_reset_link_for_someone_else_does_nothing(world):
    resident = confirmed(world.people["resident"])
    token = default_token_generator.make_token(resident)
    with pytest.raises(NotFound):
        services.person_reset_password(person=world.people["member"], token=token, new_password=NEW)
    assert not Person.objects.get(username="member").check_password(NEW)
