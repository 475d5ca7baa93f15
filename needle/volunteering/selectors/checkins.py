"""The checkins selectors."""

from __future__ import annotations
