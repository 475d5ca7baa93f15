"""Date, time and date-time inputs carry ISO values (2026-12-11, 07:30, 2026-12-11T07:30) in
every language: a browser's date input accepts nothing else, so a Chinese page that wrote
2026/12/11 showed an empty field and could not be sent."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import re
from pathlib import Path

import pytest
from django import forms
from django.utils import translation

from needle.core import widgets

NEEDLE = Path(__file__).resolve().parents[2]
FORM_MODULES = sorted(
    ".".join(("needle", *p.relative_to(NEEDLE).with_suffix("").parts)) for p in NEEDLE.glob("*/forms.py")
)
WANTED = {
    forms.DateTimeField: widgets.DateTimeInput,
    forms.DateField: widgets.DateInput,
    forms.TimeField: widgets.TimeInput,
}


def _wanted(field: forms.Field) -> type | None:
    for kind, widget in WANTED.items():
        if isinstance(field, kind):
            return widget
    return None


def test_every_date_and_time_field_of_every_form_uses_an_iso_input():
    wrong = []
    for name in FORM_MODULES:
        for form in vars(importlib.import_module(name)).values():
            if not (inspect.isclass(form) and issubclass(form, forms.BaseForm)):
                continue
            for field_name, field in form.base_fields.items():
                widget = _wanted(field)
                if widget is not None and not isinstance(field.widget, widget):
                    wrong.append(f"{form.__module__}.{form.__name__}.{field_name}")
    assert not wrong, f"date/time fields without needle.core.widgets' inputs: {wrong}"


def test_no_form_builds_a_localised_date_input_by_hand():
    # Fields made at run time (a service's date-time question) are not in base_fields.
    pattern = re.compile(r"forms\.(DateInput|DateTimeInput|TimeInput|SelectDateWidget)\(")
    found = [
        f"{p.relative_to(NEEDLE)}:{n}"
        for p in NEEDLE.rglob("*.py")
        if "tests" not in p.parts and p.name != "widgets.py"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, f"use needle.core.widgets instead: {found}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_values_are_iso_in_every_language(language):
    class Form(forms.Form):
        day = forms.DateField(widget=widgets.DateInput())
        at = forms.DateTimeField(widget=widgets.DateTimeInput())
        quiet = forms.TimeField(widget=widgets.TimeInput())

    with translation.override(language):
        html = str(
            Form(
                initial={
                    "day": dt.date(2026, 12, 11),
                    "at": dt.datetime(2026, 12, 11, 7, 30),
                    "quiet": dt.time(22),
                }
            )
        )
        assert 'type="date" name="day" value="2026-12-11"' in html
        assert 'type="datetime-local" name="at" value="2026-12-11T07:30"' in html
        assert 'type="time" name="quiet" value="22:00"' in html
        # What the browser sends back is read the same way.
        sent = Form({"day": "2026-12-11", "at": "2026-12-11T07:30", "quiet": "22:00"})
        assert sent.is_valid(), sent.errors
        assert sent.cleaned_data["day"] == dt.date(2026, 12, 11)
