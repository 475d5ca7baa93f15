"""Care's background jobs, where the worker finds them (it discovers each app's tasks module):
each kind lives in its own module and is listed here."""

from __future__ import annotations

from needle.care.reminder_tasks import remind_visits

__all__ = ["remind_visits"]
