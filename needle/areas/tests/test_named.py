"""An area an input names by its code: found, or the input refused on its field (422), never a
404 on the address; a code no area could have does not reach the database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needle.areas.selectors import area_named, area_named_or_none
from needle.core.errors import ValidationFailed


def test_a_known_code_is_its_area(world):
    assert area_named("500103001001") == world.areas["community_a1a"]
    assert area_named_or_none("500103001001", field="grid") == world.areas["community_a1a"]
    assert area_named_or_none("", field="grid") is None and area_named_or_none(None) is None


@pytest.mark.parametrize("code", ["599999999999", "5" * 21, "500103001001\x00"])
def test_a_code_no_area_has_is_422_on_the_field(world, code):
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationFailed) as refused:
        area_named(code, field="community")
    assert refused.value.status == 422 and set(refused.value.fields) == {"community"}
    assert len(queries) == (1 if code == "599999999999" else 0)


def test_an_empty_code_is_a_missing_field(world):
    for code in ("", None):
        with pytest.raises(ValidationFailed) as refused:
            area_named(code)
        assert set(refused.value.fields) == {"area"}
