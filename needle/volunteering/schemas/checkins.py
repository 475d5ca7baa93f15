"""The checkins schemas."""

from __future__ import annotations
