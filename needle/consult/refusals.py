"""How the think tank's pages tell what they refused: a posted form comes back to a page that
does not show it again, so its errors become one message line."""

from __future__ import annotations

from typing import Any


def form_refusal(form: Any) -> str:
    """Every error of an invalid form, each after its field's label (its name when it has none,
    as a hidden field has not)."""
    return " ".join(
        f"{form.fields[k].label if k in form.fields and form.fields[k].label else k}: {e}"
        for k, errs in form.errors.items()
        for e in errs
    )
