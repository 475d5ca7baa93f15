"""The checkins pages."""

from __future__ import annotations
