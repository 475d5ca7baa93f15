"""The lists pages."""

from __future__ import annotations
