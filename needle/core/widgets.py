"""Inputs whose value the browser reads in one fixed form, whatever the page's language.

`<input type="date">` accepts only YYYY-MM-DD (and `datetime-local` YYYY-MM-DDTHH:MM, `time`
HH:MM), and shows it in the reader's own way. Django's inputs write their value in the active
language's first input format, which for Chinese is 2026/12/11: the browser rejects it, the
field looks empty and a required one stops the form. Every date, time and date-time field of
Needle's forms uses these widgets (needle/core/tests/test_widgets.py looks for others)."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")
