"""The hours services."""

from __future__ import annotations
