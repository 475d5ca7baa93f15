"""QuickSelect writes what Django's Select writes, byte for byte."""

import pytest
from django import forms

from needle.cases.forms import QuickSelect

CHOICES = [
    ("", "Any"),
    ("road", "道路 & <桥>"),
    ("Water", [("pipe", 'Pipe "burst"'), ("leak", "Leak")]),
    (7, "Seven"),
    ("", [("dup", "Duplicate value"), ("road", "Road again")]),
]


@pytest.mark.parametrize("value", [None, "", "road", "leak", "7", 7, "nothing", ["road", "leak"]])
@pytest.mark.parametrize("attrs", [None, {"id": "id_service", "required": True, "class": 'a"b'}])
def test_quick_select_writes_what_select_writes(value, attrs):
    for multiple in (False, True):
        slow = (forms.SelectMultiple if multiple else forms.Select)(choices=CHOICES)
        quick = QuickSelect(choices=CHOICES)
        quick.allow_multiple_selected = multiple
        assert quick.render("service", value, attrs) == slow.render("service", value, attrs)
