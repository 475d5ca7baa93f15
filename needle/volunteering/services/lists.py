"""The lists services."""

from __future__ import annotations
