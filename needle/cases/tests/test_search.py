"""Word search in case lists: by number, or a piece of the title or description."""

import pytest
from django.db import connection

from needle.cases import selectors
from needle.testing import submit


@pytest.fixture
def cases(world, catalog):
    return {
        "hole": submit(world, catalog["road"], description="小区门口的路面塌了一个坑，晚上很危险。"),
        "noise": submit(
            world, catalog["noise"], attributes={"when": "night"}, description="楼下广场舞噪音扰民"
        ),
        "english": submit(
            world, catalog["road"], title="Pothole on Main St", description="Deep pothole, cars swerve"
        ),
    }


def found(world, text):
    filters = selectors.CaseFilters(text=text)
    return set(
        selectors.case_list_for(actor=world.people["root"], filters=filters).values_list("number", flat=True)
    )


def test_search_finds_words_numbers_and_nothing_else(world, cases):
    hole, noise, english = cases["hole"], cases["noise"], cases["english"]
    assert found(world, "小区") == {hole.number}
    assert found(world, "路面塌了") == {hole.number}
    assert found(world, " 噪音 ") == {noise.number}
    assert found(world, "Main St") == {english.number}  # the title only
    assert found(world, "坑") == {hole.number}  # one character
    assert found(world, noise.number) == {noise.number}
    # Each character occurs in the text, but not side by side: not a match.
    assert found(world, "区路") == set()
    assert found(world, "塌坑") == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
@pytest.mark.django_db
def test_area_paths_are_sampled_finely_for_the_planner():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'cases_case'::regclass AND attname = 'area_path'"
        )
        assert cursor.fetchone()[0] == 1000  # migration cases 0005
