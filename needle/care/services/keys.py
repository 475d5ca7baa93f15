"""The keys that seal the sensitive fields: rotating every record to the first configured key.

Rotation without downtime: the new key is put first in NEEDLE_CARE_KEYS with the old one after
it and the servers restarted; from then on every write seals with the new key and every read
opens either. `rotate_keys` then reseals the records in batches, each batch in its own short
transaction holding only its rows, so the registry stays in use. When it reports nothing left
under an old key, the old key is dropped from the configuration."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction

from needle.care import crypto
from needle.care.models import Recipient
from needle.core.audit import audit_record

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class Rotation:
    resealed: int = 0
    # Already sealed with the first key (a row written since the new key came first).
    current: int = 0
    # Rows no configured key opens: left as they are, listed for the administrator.
    broken: list[int] = field(default_factory=list)


def _first_key() -> Fernet:
    return Fernet(settings.NEEDLE_CARE_KEYS[0].encode())


def _under_first(first: Fernet, token: str) -> bool:
    try:
        first.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate_keys(*, actor: object = None, batch: int = BATCH) -> Rotation:
    """Reseal every record not sealed with the first key; may run again (what is done is
    skipped) and alongside the registry's use."""
    first = _first_key()
    result = Rotation()
    after = 0
    while True:
        with transaction.atomic():
            rows = list(
                Recipient.objects.select_for_update()
                .filter(pk__gt=after)
                .exclude(sealed="")
                .order_by("pk")
                .only("pk", "sealed")[:batch]
            )
            changed: list[Recipient] = []
            for row in rows:
                if _under_first(first, row.sealed):
                    result.current += 1
                    continue
                try:
                    row.sealed = crypto.reseal(row.sealed)
                except crypto.SealBroken:
                    result.broken.append(row.pk)
                    continue
                changed.append(row)
            Recipient.objects.bulk_update(changed, ["sealed"])
            result.resealed += len(changed)
        if len(rows) < batch:
            break
        after = rows[-1].pk
    audit_record(
        actor=actor,
        action="care.keys.rotated",
        object_type="care.recipient",
        new={"resealed": result.resealed, "current": result.current, "broken": len(result.broken)},
    )
    log.info(
        "Care keys: %d records resealed, %d already current, %d no key opens.",
        result.resealed,
        result.current,
        len(result.broken),
    )
    return result
