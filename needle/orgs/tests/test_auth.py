"""Limits on password guessing: per account (from any address), per address (for any account),
on the site's and the admin's sign-in, and on how many accounts one address makes."""

from __future__ import annotations

from django.test import Client

from needle.core.models import AuditEvent
from needle.orgs.models import Person

RIGHT = "secret-pass-123"


def sign_in(client: Client, username: str, password: str, *, addr: str = "10.0.0.1", path: str = "/login/"):
    return client.post(
        path,
        {"username": username, "password": password},
        REMOTE_ADDR=addr,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_sixty_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(world):
    client = Client()
    for _ in range(60):
        assert sign_in(client, "resident", "guess").status_code in (200, 429)
    response = sign_in(client, "resident", RIGHT)
    assert response.status_code == 429
    assert "Too many failed sign-ins for this account or from this address" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Chinese visitors read it in their language.
    zh = client.post("/login/", {"username": "resident", "password": RIGHT}, REMOTE_ADDR="10.0.0.1")
    assert zh.status_code == 429 and "登录失败次数过多" in zh.content.decode()


def test_the_lock_starts_at_the_limit(world, settings):
    client = Client()
    for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT - 1):
        assert sign_in(client, "resident", "guess").status_code == 200
    assert sign_in(client, "resident", RIGHT).status_code == 302
    for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT):
        assert sign_in(Client(), "resident", "guess").status_code == 200
    assert sign_in(Client(), "resident", RIGHT).status_code == 429
    event = AuditEvent.objects.get(action="orgs.person.sign_in_locked")
    assert event.object_id == str(world.people["resident"].pk) and event.ip == "10.0.0.1"


def test_right_passwords_never_count(world, settings):
    for _ in range(3 * settings.SIGNIN_FAILURES_PER_ACCOUNT):
        client = Client()
        assert sign_in(client, "resident", RIGHT).status_code == 302
        assert client.session["_auth_user_id"] == str(world.people["resident"].pk)
    # A person who mistypes now and then is never locked: a right password clears the count.
    for _ in range(3):
        for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT - 1):
            assert sign_in(Client(), "resident", "typo").status_code == 200
        assert sign_in(Client(), "resident", RIGHT).status_code == 302


def test_the_account_limit_holds_across_addresses(world, settings):
    for i in range(settings.SIGNIN_FAILURES_PER_ACCOUNT):
        sign_in(Client(), "Resident", "guess", addr=f"10.0.1.{i}")
    assert sign_in(Client(), "resident", RIGHT, addr="10.0.2.1").status_code == 429
    # Other accounts are not affected.
    assert sign_in(Client(), "staff", RIGHT, addr="10.0.2.1").status_code == 302


def test_the_address_limit_holds_across_accounts(world, settings):
    settings.SIGNIN_FAILURES_PER_CLIENT = 12
    names = [f"nobody{i}" for i in range(12)]
    for name in names:
        assert sign_in(Client(), name, "guess", addr="10.0.3.3").status_code == 200
    refused = sign_in(Client(), "staff", RIGHT, addr="10.0.3.3")
    assert refused.status_code == 429 and "Try again in 15 minutes" in refused.content.decode()
    assert sign_in(Client(), "staff", RIGHT, addr="10.0.3.4").status_code == 302


def test_the_admin_sign_in_has_the_same_limits(world, settings):
    for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT):
        assert sign_in(Client(), "root", "guess", path="/admin/login/").status_code == 200
    refused = sign_in(Client(), "root", RIGHT, path="/admin/login/")
    assert refused.status_code == 200 and "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in refused.wsgi_request.session
    # One count for both doors.
    assert sign_in(Client(), "root", RIGHT).status_code == 429


def test_an_address_makes_a_bounded_number_of_accounts(db, settings):
    def signup(name: str, addr: str):
        return Client().post(
            "/signup/",
            {
                "username": name,
                "password": "a-long-pass-987",
                "password_again": "a-long-pass-987",
                "accept_terms": "on",
            },
            REMOTE_ADDR=addr,
            HTTP_ACCEPT_LANGUAGE="en",
        )

    for i in range(settings.SIGNUPS_PER_CLIENT_HOUR):
        assert signup(f"wang{i}", "10.0.4.4").status_code == 302
    refused = signup("wang-more", "10.0.4.4")
    assert refused.status_code == 429
    assert "Too many accounts were made from this address" in refused.content.decode()
    assert not Person.objects.filter(username="wang-more").exists()
    # Failed sign-ups do not count; other addresses are not affected.
    assert signup("wang-other", "10.0.4.5").status_code == 302
