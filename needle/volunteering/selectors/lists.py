"""The lists selectors."""

from __future__ import annotations
