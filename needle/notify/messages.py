"""A message is stored as its code and parameters and put into words when it is read.

The code is the English source text marked with `gettext_noop` (its msgid in the catalogs), the
parameters plain values (numbers, names, a reason typed by someone). A page renders it in its
reader's language; a text message, an email or a WeChat message in its recipient's language when
it is sent. So a notification made while its recipient used English reads in Chinese once they
switch, and nothing is ever stored already translated.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

log = logging.getLogger(__name__)

Params = Mapping[str, str | int | float | None]


def render(text: str, params: Mapping[str, Any]) -> str:
    """`text` (a msgid) in the active language with `params` filled in. A translation that does
    not fit its parameters (a catalog error) falls back to the English source rather than fail
    the page that reads it."""
    try:
        return gettext(text) % dict(params) if params else gettext(text)
    except (KeyError, TypeError, ValueError):
        log.warning("message %r does not fit its parameters %r", text, sorted(params))
        try:
            return text % dict(params) if params else text
        except (KeyError, TypeError, ValueError):
            return text


@dataclass(frozen=True)
class Message:
    """What to say, not yet said in any language: a msgid and its parameters."""

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        return render(self.text, self.params)
