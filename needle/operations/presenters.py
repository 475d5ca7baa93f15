"""Turning the operations center's rows into what its pages show, for the views and the
template tags alike."""

from __future__ import annotations

from django.urls import reverse


def node_url(row_kind: str, key: str) -> str:
    """The dashboard page of a breakdown row's node: an area by code, a unit by id."""
    if row_kind == "area":
        return reverse("operations:area", args=[key])
    return reverse("operations:unit", args=[int(key)])
