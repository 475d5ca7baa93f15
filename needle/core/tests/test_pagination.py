from __future__ import annotations

import pytest

from needle.core.errors import ValidationFailed
from needle.core.pagination import MAX_PAGE, parse_page_args


def test_page_arguments_are_checked_with_the_field_named():
    assert parse_page_args(None, None)[0] == 1
    assert parse_page_args("3", "20") == (3, 20)
    for page, size, field in [
        ("x", None, "page"),
        ("0", None, "page"),
        (str(MAX_PAGE + 1), None, "page"),
        ("1", "0", "page_size"),
        ("1", "y", "page_size"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            parse_page_args(page, size)
        assert field in caught.value.fields


@pytest.mark.django_db
def test_a_huge_page_is_a_422_not_a_500(world, api_for):
    r = api_for("city_admin").get("/api/v1/audit", page="66727557607091611893760")
    assert r.status_code == 422 and "page" in r.json()["error"]["fields"]
