"""Whether a row read with `select_for_update` is still locked, so that a service handed the
object does not read and lock it again.

`access_*(..., for_write=True)` reads the object under a row lock inside the caller's
`transaction.atomic()` block and marks it with that block; `held(obj)` is true only while that
block is still open on the connection (the lock lasts at least as long). An object read
elsewhere, or in a block that has ended (a job's, a test's, an earlier request's), is not held:
the service locks it and reads it again."""

from __future__ import annotations

from typing import Any

from django.db import transaction

_MARK = "_locked_in_block"


def mark_locked(obj: Any, *, using: str | None = None) -> None:
    """Note that `obj` was just read under a row lock in the innermost open atomic block."""
    connection = transaction.get_connection(using)
    # select_for_update refuses to run outside a transaction, so a block is open here.
    setattr(obj, _MARK, connection.atomic_blocks[-1])


def held(obj: Any, *, using: str | None = None) -> bool:
    """Whether `obj` was read under a row lock in an atomic block that is still open."""
    block = getattr(obj, _MARK, None)
    if block is None:
        return False
    return any(open_block is block for open_block in transaction.get_connection(using).atomic_blocks)
