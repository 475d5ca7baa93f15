"""The lists schemas."""

from __future__ import annotations
