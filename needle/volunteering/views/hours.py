"""The hours pages."""

from __future__ import annotations
