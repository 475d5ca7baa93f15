"""Suggestions: who fits a shift or a need, and which open shifts fit a member."""

from __future__ import annotations
