"""The sensitive fields sealed at rest with Fernet (AES-128-CBC with an HMAC-SHA256, from the
`cryptography` library): one token per recipient holding the JSON of its sensitive fields.

Keys come from NEEDLE_CARE_KEYS (settings): the first seals, every one of them opens, so a new
key is put first, `needle care rotate-key` reseals every record with it, and the old one is
dropped after. Nothing here is home-made but the JSON around the token."""

from __future__ import annotations

import functools
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SealBroken(Exception):
    """A token no configured key opens: a key was dropped too early, or the row was altered."""


@functools.cache
def _keys(configured: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in configured])


def fernet() -> MultiFernet:
    return _keys(tuple(settings.NEEDLE_CARE_KEYS))


def seal(values: dict[str, str]) -> str:
    """The token of these fields, leaving out the empty ones; "" when all are empty."""
    kept = {k: v for k, v in values.items() if v}
    if not kept:
        return ""
    return fernet().encrypt(json.dumps(kept, ensure_ascii=False).encode()).decode()


def unseal(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return dict(json.loads(fernet().decrypt(token.encode())))
    except InvalidToken:
        raise SealBroken("no configured care key opens this record") from None


def reseal(token: str) -> str:
    """The same fields sealed with the first key (what rotation writes)."""
    if not token:
        return ""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SealBroken("no configured care key opens this record") from None


def new_key() -> str:
    return Fernet.generate_key().decode()
