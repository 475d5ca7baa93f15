"""Open311 api_keys: issuing one to a client application, and checking the one a call carries."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from needle.cases.models import Open311Key
from needle.core.audit import audit_record
from needle.core.errors import ValidationFailed
from needle.orgs.models import Person
from needle.orgs.permissions import Actor, is_superuser, require

OPEN311_PREFIX = "o311_"


@dataclass(frozen=True)
class IssuedKey:
    key: Open311Key
    secret: str


@transaction.atomic
def open311_key_create(*, actor: Actor | None, name: str, person: Person | None = None) -> IssuedKey:
    """Issue an Open311 api_key for a client application (operators and superusers)."""
    if actor is not None:
        require(is_superuser(actor))
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed(fields={"name": _("Give a name of 1 to 100 characters.")})
    prefix = secrets.token_hex(4)
    secret = f"{OPEN311_PREFIX}{prefix}_{secrets.token_urlsafe(24)}"
    key = Open311Key.objects.create(
        name=name, prefix=prefix, digest=hashlib.sha256(secret.encode()).hexdigest(), person=person
    )
    audit_record(actor=actor, action="cases.open311_key.created", obj=key, new={"name": name})
    return IssuedKey(key=key, secret=secret)


def open311_key_check(secret: str) -> Open311Key | None:
    parts = secret.split("_")
    if len(parts) < 3 or not secret.startswith(OPEN311_PREFIX):
        return None
    key = Open311Key.objects.filter(prefix=parts[1], revoked_at__isnull=True).select_related("person").first()
    if key is None or not secrets.compare_digest(key.digest, hashlib.sha256(secret.encode()).hexdigest()):
        return None
    return key
