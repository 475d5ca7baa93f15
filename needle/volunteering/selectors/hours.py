"""The hours selectors."""

from __future__ import annotations
