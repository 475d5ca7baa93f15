"""Punctuation that belongs to the language: the colon after a label.

English writes "Code: X"; Chinese writes "代码：X", a full-width colon with no space after it.
The colon is a translatable string of its own (context "after a label"), used by
`{% colon %}` in templates and `labelled()` in code, so no label carries an ASCII colon into a
Chinese page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, pgettext


def colon() -> str:
    # Translators: what follows a label before its value, space included ("：" in Chinese).
    return pgettext("after a label", ": ")


def labelled(label: Any, value: Any) -> str:
    """ "label: value" in the active language."""
    return f"{label}{colon()}{value}"


def bilingual(name: str, name_en: str) -> str:
    """A name kept in both languages, in the reader's: the English one on an English page when
    there is one, else the Chinese one (or the English one when that is all there is)."""
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name or name_en
