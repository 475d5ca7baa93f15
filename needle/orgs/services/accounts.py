"""One's own account: sign-up (with the terms accepted), the profile and its email address
(confirmed by a mailed link), the password (changed, or reset through the confirmed address),
and personal API tokens.

Mail leaves through jobs (`orgs.tasks`) after the transaction commits, so that a request for a
password reset takes the same time whether or not the address has an account."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from needle.core import throttle
from needle.core.audit import audit_record, snapshot
from needle.core.errors import Conflict, NotFound, TooManyRequests, ValidationFailed
from needle.core.jobs import job_enqueue
from needle.orgs.models import ApiToken, Person, phone_validator
from needle.orgs.permissions import can_in_area, is_superuser, require, require_authenticated

TOKEN_PREFIX = "ndl_"
PROFILE_FIELDS = ["display_name", "phone", "email", "language"]
# The version of the terms of use and the privacy notice (templates orgs/terms.html and
# orgs/privacy.html); a person's acceptance names the version they read.
TERMS_VERSION = "2026-12"
EMAIL_CONFIRM_SALT = "needle.orgs.email-confirm"
EMAIL_CONFIRM_DAYS = 3
CONFIRMATIONS_PER_HOUR = 5


def _wait_message(seconds: int, one: str, many: str) -> TooManyRequests:
    minutes = max(1, -(-seconds // 60))
    return TooManyRequests(
        ngettext(one, many, minutes) % {"minutes": minutes}, extra={"retry_after": seconds}
    )


def validate_profile(*, display_name: str, phone: str, language: str, email: str = "") -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(display_name) > 100:
        errors["display_name"] = _("At most 100 characters.")
    if phone:
        try:
            phone_validator(phone)
        except ValidationError as exc:
            errors["phone"] = " ".join(str(m) for m in exc.messages)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid email address.")
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose one of: %(langs)s.") % {"langs": ", ".join(dict(settings.LANGUAGES))}
    return errors


def check_password_strength(
    password: str, candidate: Person, errors: dict[str, str], field: str = "password"
) -> None:
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors[field] = " ".join(str(m) for m in exc.messages)


def _mail_later(job: str, *args: Any) -> None:
    transaction.on_commit(lambda: job_enqueue(f"needle.orgs.tasks.{job}", *args), robust=True)


# Sign-up and profile ----------------------------------------------------------------------------


@transaction.atomic
def person_signup(
    *,
    username: str,
    password: str,
    accepted_terms: bool,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    language: str = "",
    client: str | None = None,
) -> Person:
    """A resident creates their own account, having accepted the terms of use and the privacy
    notice (the version and the time are kept); they are the actor of the event. An email
    address is mailed a link to confirm it. A `client` (the address asking) may make
    SIGNUPS_PER_CLIENT_HOUR accounts an hour, then TooManyRequests."""
    if client is not None and (wait := throttle.locked_for("signup.client", client)):
        raise _wait_message(
            wait,
            "Too many accounts were made from this address. Try again in %(minutes)d minute.",
            "Too many accounts were made from this address. Try again in %(minutes)d minutes.",
        )
    username, email = username.strip(), email.strip()
    errors = validate_profile(display_name=display_name, phone=phone, language=language, email=email)
    if not username or len(username) > 150:
        errors["username"] = _("Choose a username of 1 to 150 characters.")
    elif Person.objects.filter(username__iexact=username).exists():
        errors["username"] = _("This username is taken.")
    check_password_strength(
        password, Person(username=username, display_name=display_name, phone=phone), errors
    )
    if not accepted_terms:
        errors["accept_terms"] = _(
            "Read and accept the terms of use and the privacy notice to create an account."
        )
    if errors:
        raise ValidationFailed(fields=errors)
    try:
        person = Person.objects.create_user(
            username=username,
            password=password,
            display_name=display_name,
            phone=phone,
            email=email,
            language=language,
            terms_version=TERMS_VERSION,
            terms_accepted_at=timezone.now(),
        )
    except IntegrityError:
        raise ValidationFailed(fields={"username": _("This username is taken.")}) from None
    audit_record(
        actor=person,
        action="orgs.person.signed_up",
        obj=person,
        new=snapshot(person, ["username", *PROFILE_FIELDS, "terms_version"]),
    )
    if email:
        _mail_later("email_confirmation_mail", person.pk, email)
    if client is not None:
        throttle.strike("signup.client", client, limit=settings.SIGNUPS_PER_CLIENT_HOUR, window=3600)
    return person


def _manages_person(actor: Any, person: Person) -> bool:
    places = list(person.memberships.values_list("unit__area_path", flat=True)) + list(
        person.roles.values_list("unit__area_path", flat=True)
    )
    return any(can_in_area(actor, "orgs.manage_people", p) for p in places)


@transaction.atomic
def person_update_profile(
    *,
    actor: Any,
    person: Person,
    display_name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    language: str | None = None,
) -> Person:
    """Change one's own profile (or, for people admins, anyone's in scope). A new email address
    is unconfirmed until its owner opens the link mailed to it."""
    require_authenticated(actor)
    require(actor.pk == person.pk or is_superuser(actor) or _manages_person(actor, person))
    old = snapshot(person, PROFILE_FIELDS)
    new_values = {
        "display_name": old["display_name"] if display_name is None else display_name.strip(),
        "phone": old["phone"] if phone is None else phone.strip(),
        "email": old["email"] if email is None else email.strip(),
        "language": old["language"] if language is None else language,
    }
    errors = validate_profile(**new_values)
    if errors:
        raise ValidationFailed(fields=errors)
    fields = list(PROFILE_FIELDS)
    email_changed = new_values["email"].casefold() != old["email"].casefold()
    for name, value in new_values.items():
        setattr(person, name, value)
    if email_changed:
        person.email_confirmed_at = None
        fields.append("email_confirmed_at")
    person.save(update_fields=fields)
    audit_record(actor=actor, action="orgs.person.profile_changed", obj=person, old=old, new=new_values)
    if email_changed and person.email:
        _mail_later("email_confirmation_mail", person.pk, person.email)
    return person


# The email address -----------------------------------------------------------------------------


def email_confirmation_token(person: Person, email: str) -> str:
    return signing.dumps({"p": person.pk, "e": email.casefold()}, salt=EMAIL_CONFIRM_SALT, compress=True)


def email_confirmation_mail_send(*, person_id: int, email: str) -> bool:
    """Mail `email` the link that confirms it, in its owner's language: only while it is still
    the person's unconfirmed address (a job may run late or twice). Returns whether it was sent."""
    person = Person.objects.filter(pk=person_id, is_active=True).first()
    if person is None or person.email.casefold() != email.casefold() or person.email_confirmed:
        return False
    link = f"{settings.NEEDLE_SITE_URL}/me/email/{email_confirmation_token(person, email)}/"
    with translation.override(person.language or settings.LANGUAGE_CODE):
        subject = _("Needle: confirm your email address")
        body = render_to_string(
            "orgs/email_confirm.txt", {"person": person, "link": link, "days": EMAIL_CONFIRM_DAYS}
        )
    send_mail(subject, body, None, [person.email])
    return True


@transaction.atomic
def email_confirmation_resend(*, actor: Any, person: Person) -> None:
    """Mail the confirmation link again (one's own address; CONFIRMATIONS_PER_HOUR an hour)."""
    require_authenticated(actor)
    require(actor.pk == person.pk)
    if not person.email:
        raise ValidationFailed(fields={"email": _("Add an email address first.")})
    if person.email_confirmed:
        raise Conflict(_("This address is already confirmed."))
    if wait := throttle.locked_for("email.confirm", str(person.pk)):
        raise _wait_message(
            wait,
            "Too many confirmation emails. Try again in %(minutes)d minute.",
            "Too many confirmation emails. Try again in %(minutes)d minutes.",
        )
    throttle.strike("email.confirm", str(person.pk), limit=CONFIRMATIONS_PER_HOUR, window=3600)
    _mail_later("email_confirmation_mail", person.pk, person.email)


@transaction.atomic
def person_confirm_email(*, token: str) -> Person:
    """Confirm the address a mailed link names: the link is the proof, no sign-in is needed. It
    must be recent, for the person's current address, and the address confirmed by no one else."""
    invalid = NotFound(_("This confirmation link is not valid. Ask for a new one on your profile."))
    try:
        data = signing.loads(token, salt=EMAIL_CONFIRM_SALT, max_age=EMAIL_CONFIRM_DAYS * 24 * 3600)
        person_id, email = int(data["p"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    person = Person.objects.select_for_update().filter(pk=person_id, is_active=True).first()
    if person is None or person.email.casefold() != email:
        raise invalid
    if person.email_confirmed:
        return person
    taken = Person.objects.filter(email__iexact=email, email_confirmed_at__isnull=False).exclude(pk=person.pk)
    if taken.exists():
        raise Conflict(
            _("Another account has confirmed this address. If it is yours, reset that account's password.")
        )
    person.email_confirmed_at = timezone.now()
    person.save(update_fields=["email_confirmed_at"])
    audit_record(actor=person, action="orgs.person.email_confirmed", obj=person, new={"email": person.email})
    return person


# The password ------------------------------------------------------------------------------------


@transaction.atomic
def person_change_password(*, actor: Any, person: Person, old_password: str, new_password: str) -> Person:
    """Change one's own password, proving the old one. Wrong old passwords count as failed
    sign-ins of the account (SIGNIN_FAILURES_PER_ACCOUNT lock it). Audited, without values."""
    require_authenticated(actor)
    require(actor.pk == person.pk)
    key = str(person.pk)
    if wait := throttle.locked_for("password.change", key):
        raise _wait_message(
            wait,
            "Too many wrong passwords. Try again in %(minutes)d minute.",
            "Too many wrong passwords. Try again in %(minutes)d minutes.",
        )
    if not person.check_password(old_password):
        throttle.strike(
            "password.change",
            key,
            limit=settings.SIGNIN_FAILURES_PER_ACCOUNT,
            window=settings.SIGNIN_LOCK_MINUTES * 60,
        )
        raise ValidationFailed(fields={"old_password": _("Your current password is not this one.")})
    errors: dict[str, str] = {}
    if new_password == old_password:
        errors["new_password"] = _("Choose a password other than the current one.")
    else:
        check_password_strength(new_password, person, errors, "new_password")
    if errors:
        raise ValidationFailed(fields=errors)
    throttle.forgive("password.change", key)
    person.set_password(new_password)
    person.save(update_fields=["password"])
    audit_record(actor=actor, action="orgs.person.password_changed", obj=person)
    return person


def password_reset_request(*, email: str, client: str) -> None:
    """Someone asks for a link to reset the password of the account with this confirmed email
    address. Whatever the address, the answer is the same, and the mail (if any) leaves
    through a job, so nothing tells whether an account exists. A client may ask
    PASSWORD_RESETS_PER_CLIENT_HOUR times an hour (then TooManyRequests); one address gets at
    most PASSWORD_RESETS_PER_EMAIL_HOUR mails an hour (more asks are answered alike and sent
    nothing)."""
    if wait := throttle.locked_for("reset.client", client):
        raise _wait_message(
            wait,
            "Too many password reset requests from this address. Try again in %(minutes)d minute.",
            "Too many password reset requests from this address. Try again in %(minutes)d minutes.",
        )
    throttle.strike("reset.client", client, limit=settings.PASSWORD_RESETS_PER_CLIENT_HOUR, window=3600)
    email = email.strip()
    if not email or throttle.locked_for("reset.email", email.casefold()):
        return
    throttle.strike(
        "reset.email", email.casefold(), limit=settings.PASSWORD_RESETS_PER_EMAIL_HOUR, window=3600
    )
    person = Person.objects.filter(
        email__iexact=email, email_confirmed_at__isnull=False, is_active=True
    ).first()
    if person is None or not person.has_usable_password():
        return
    with transaction.atomic():
        audit_record(actor=None, action="orgs.person.password_reset_requested", obj=person)
        _mail_later("password_reset_mail", person.pk)


def password_reset_mail_send(*, person_id: int) -> bool:
    """Mail the person a link to choose a new password (Django's token: it works once, and
    for PASSWORD_RESET_TIMEOUT), in their language."""
    person = Person.objects.filter(pk=person_id, is_active=True, email_confirmed_at__isnull=False).first()
    if person is None or not person.email:
        return False
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    link = f"{settings.NEEDLE_SITE_URL}/password/reset/{uid}/{default_token_generator.make_token(person)}/"
    with translation.override(person.language or settings.LANGUAGE_CODE):
        subject = _("Needle: reset your password")
        body = render_to_string(
            "orgs/password_reset_email.txt",
            {"person": person, "link": link, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
        )
    send_mail(subject, body, None, [person.email])
    return True


@transaction.atomic
def person_reset_password(*, person: Person, token: str, new_password: str) -> Person:
    """Set a new password with a reset link's token (the proof; no sign-in). Audited; the
    token stops working, as Django's tokens do once the password changes."""
    if not default_token_generator.check_token(person, token):
        raise NotFound(_("This link to reset the password is not valid any more. Ask for a new one."))
    errors: dict[str, str] = {}
    check_password_strength(new_password, person, errors, "new_password")
    if errors:
        raise ValidationFailed(fields=errors)
    person.set_password(new_password)
    person.save(update_fields=["password"])
    audit_record(actor=person, action="orgs.person.password_reset", obj=person)
    return person


# API tokens --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: Any, person: Person, name: str) -> IssuedToken:
    """Issue a personal API token; the secret is returned once and only its hash is stored."""
    if actor is not None:  # None: the operator at the command line
        require_authenticated(actor)
        require(actor.pk == person.pk or is_superuser(actor))
    name = name.strip() or "api"
    if len(name) > 100:
        raise ValidationFailed(fields={"name": _("At most 100 characters.")})
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(person=person, name=name, prefix=prefix, digest=_digest(secret))
    audit_record(actor=actor, action="orgs.token.created", obj=token, new={"person": person.pk, "name": name})
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    require_authenticated(actor)
    require(actor.pk == token.person_id or is_superuser(actor), visible=False)
    if token.revoked_at is not None:
        raise Conflict(_("This token is already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action="orgs.token.revoked", obj=token, new={"revoked_at": token.revoked_at})
    return token


def token_authenticate(secret: str) -> Person | None:
    """The active person a bearer secret belongs to, or None. Comparison is constant-time."""
    parts = secret.split("_")
    if len(parts) < 3 or not secret.startswith(TOKEN_PREFIX):
        return None
    live = ApiToken.objects.select_related("person").filter(prefix=parts[1], revoked_at__isnull=True)
    token = next(iter(live.order_by("pk")[:1]), None)
    if (
        token is None
        or not secrets.compare_digest(token.digest, _digest(secret))
        or not token.person.is_active
    ):
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # bookkeeping, not audited
    return token.person


def check_birth_year(value: int | None) -> str | None:
    """Why a year of birth cannot be right, or None."""
    if value is None:
        return None
    this_year = timezone.localdate().year
    if not this_year - 120 <= value <= this_year:
        return _("Give a year between %(first)d and %(last)d.") % {
            "first": this_year - 120,
            "last": this_year,
        }
    return None


@transaction.atomic
def person_set_birth_year(*, actor: Any, person: Person, birth_year: int) -> Person:
    """One's own year of birth, given when an activity with an age range asks for it."""
    require_authenticated(actor)
    require(actor.pk == person.pk or is_superuser(actor))
    error = check_birth_year(birth_year)
    if error:
        raise ValidationFailed(fields={"birth_year": error})
    old = snapshot(person, ["birth_year"])
    person.birth_year = birth_year
    person.save(update_fields=["birth_year"])
    audit_record(
        actor=actor, action="orgs.person.profile_changed", obj=person, old=old, new={"birth_year": birth_year}
    )
    return person
