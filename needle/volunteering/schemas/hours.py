"""The hours schemas."""

from __future__ import annotations
