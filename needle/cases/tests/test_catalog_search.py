"""The service search: one selector behind the report form (its live search and its "Find"
button), staff intake and the API's catalog; the two-level picker it sits in."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from needle.cases import selectors
from needle.cases.models import Service
from needle.cases.services.settings_rows import settings_row_save
from needle.core.audit import AuditEvent
from needle.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db
ANYONE = AnonymousUser()


@pytest.fixture
def words(catalog):
    """Residents' words on the test catalog's services (as the demo's synonyms file gives them)."""
    Service.objects.filter(code="road").update(synonyms="道路、马路、路面坑洼", synonyms_en="road, pothole")
    Service.objects.filter(code="noise").update(
        synonyms="噪音、扰民、广场舞噪音", synonyms_en="noise, loud music"
    )
    Service.objects.filter(code="private").update(synonyms="吵架、家暴", synonyms_en="quarrel")
    catalog_version_bump()
    return catalog


def catalog_version_bump():
    # update() sends no signal: forget what this process remembers of the catalog.
    from needle.cases.catalog import catalog_changed

    catalog_changed()


def codes(text, actor=ANYONE, **kw):
    return [hit.service.code for hit in selectors.service_search(actor=actor, text=text, **kw)]


def test_names_synonyms_keywords_and_category_are_matched_best_first(world, words):
    assert codes("道路") == ["road"]  # a synonym, typed as it is
    assert codes("噪音") == ["noise"]
    assert codes("楼下广场舞噪音太大了") == ["noise"]  # a synonym inside a sentence
    assert codes("马路上有个坑") == ["road"]  # 马路 and the keyword 坑
    assert codes("噪音扰民") == ["noise"]  # the service's own name
    assert codes("Pothole") == ["road"] and codes("loud  music!") == ["noise"]
    assert codes("pot") == ["road"]  # the start of an English word
    assert codes("road noise") == ["road", "noise"] or codes("road noise") == ["noise", "road"]
    assert codes("noise") == ["noise"] and codes("NOISE") == ["noise"]  # any case
    assert codes("road") == ["road"]  # a code is found when typed whole
    # The category's name finds its public services, in catalog order.
    assert codes("城乡建设") == ["noise", "road"]
    # Typed text that is in no term finds nothing (each character alone is not enough).
    assert codes("天气预报") == [] and codes("   ") == [] and codes("，。") == []


def test_the_best_match_comes_first_and_a_second_word_counts(world, words):
    hits = selectors.service_search(actor=ANYONE, text="路面坑洼")
    assert [h.service.code for h in hits] == ["road"] and hits[0].matched == "路面坑洼"
    # A partial word finds less surely than a whole one: 道 is in 道路 (road) only.
    (partial,) = selectors.service_search(actor=ANYONE, text="道")
    (whole,) = selectors.service_search(actor=ANYONE, text="道路")
    assert partial.service.code == whole.service.code == "road" and partial.score < whole.score
    # Two words of one service beat one word.
    both = selectors.service_search(actor=ANYONE, text="噪音 扰民")[0]
    one = selectors.service_search(actor=ANYONE, text="扰民")[0]
    assert both.service.code == one.service.code == "noise" and both.score > one.score
    # Matches far weaker than the best are left out: 城乡 is a piece of both services' category.
    assert codes("城乡") == ["noise", "road"] and codes("噪音 城乡") == ["noise"]


def test_services_that_are_not_public_only_for_those_who_take_requests_in(world, words):
    assert codes("家暴") == [] and codes("家暴", staff=True) == []
    assert codes("家暴", actor=world.people["resident"], staff=True) == []  # a staff flag is not enough
    assert codes("家暴", actor=world.people["staff"], staff=True) == ["private"]
    assert codes("家暴", actor=world.people["staff"]) == []  # the resident's form, even for staff
    assert codes("quarrel", actor=world.people["root"], staff=True) == ["private"]


def test_retired_services_are_not_found(world, words):
    Service.objects.filter(code="noise").update(active=False)
    catalog_version_bump()
    assert codes("噪音") == []


def test_search_text_is_bounded(world, words):
    with pytest.raises(ValidationFailed) as refused:
        selectors.service_search(actor=ANYONE, text="路" * 101)
    assert "search" in refused.value.fields
    assert codes("路" * 100) == ["road"]


def test_synonyms_are_edited_through_the_catalog_service_and_audited(world, words):
    noise = Service.objects.get(code="noise")
    with pytest.raises(PermissionDenied):
        settings_row_save(actor=world.people["street_admin"], row=noise, data={"synonyms": "吵闹"})
    assert codes("吵闹") == []
    settings_row_save(
        actor=world.people["root"], row=noise, data={"synonyms": "吵闹、噪音", "synonyms_en": "din"}
    )
    event = AuditEvent.objects.get(action="cases.service.changed")
    assert event.changes["old"]["synonyms"] == "噪音、扰民、广场舞噪音"
    assert event.changes["new"] == {"synonyms": "吵闹、噪音", "synonyms_en": "din"}
    # The search reads the change at once (the catalog's version moved).
    assert codes("吵闹") == ["noise"] and codes("din") == ["noise"] and codes("loud music") == []


# The report form and staff intake ------------------------------------------------------------


def picks(body):
    """The codes of the search results (not of the category list below them), in order."""
    found = re.search(r'<ol class="picks".*?</ol>', body, re.S)
    return re.findall(r'name="service" value="([^"]+)"', found.group(0)) if found else []


def test_the_live_search_answers_best_first(world, words):
    client = Client()
    body = client.get("/report/services/", {"service_q": "广场舞噪音"}).content.decode()
    assert picks(body) == ["noise"] and body.startswith('<ol class="picks"')
    # Staff intake's search finds what is not public, for staff only.
    assert picks(client.get("/report/services/", {"service_q": "家暴", "staff": "1"}).content.decode()) == []
    staff = Client()
    staff.force_login(world.people["staff"])
    assert picks(staff.get("/report/services/", {"service_q": "家暴", "staff": "1"}).content.decode()) == [
        "private"
    ]
    nothing = client.get("/report/services/", {"service_q": "天气预报"}).content.decode()
    assert picks(nothing) == [] and "没有与“天气预报”匹配的服务事项" in nothing


def test_the_find_button_works_without_javascript(world, words, client_for):
    """The search box belongs to its own GET form: the page comes back with the matches as radio
    buttons of the request's form, so choosing one and sending the form needs no script."""
    body = Client().get("/report/", {"service_q": "马路"}).content.decode()
    assert '<form id="service-find" method="get"' in body
    assert 'name="service_q" form="service-find" value="马路"' in body
    assert picks(body) == ["road"]
    staff_body = client_for("staff").get("/intake/", {"service_q": "家暴"}).content.decode()
    assert picks(staff_body) == ["private"]
    assert picks(Client().get("/report/", {"service_q": "家暴"}).content.decode()) == []


def test_the_picker_is_two_levels_and_keeps_the_choice(world, words):
    body = Client().get("/report/").content.decode()
    tree = body[body.index('<div class="service-tree">') :]
    assert tree.count("<details") == 1  # one category in the test catalog
    assert '<summary>城乡建设 <span class="tally">2</span></summary>' in tree  # private is not public
    assert (
        'value="road" data-label="道路破损">' in tree
        and '<small class="muted">道路、马路、路面坑洼</small>' in tree
    )
    assert 'value="private"' not in tree and " open>" not in tree and "checked" not in tree
    # Sent without a description, the form comes back with the service chosen, its category open.
    again = Client().post("/report/", {"service": "noise"}).content.decode()
    assert '<details name="service-category" open>' in again
    assert 'value="noise" data-label="噪音扰民" checked>' in again
    # English pages show the English names and words.
    english = Client(headers={"accept-language": "en"}).get("/report/").content.decode()
    assert 'data-label="Damaged road">' in english and "road, pothole" in english


# The API -----------------------------------------------------------------------------------


def test_the_api_catalog_search_is_a_flat_list_best_first(world, words, client_for):
    found = Client().get("/api/v1/catalog", {"search": "楼下广场舞噪音太大了"})
    assert found.status_code == 200
    (noise,) = found.json()
    assert noise["code"] == "noise" and noise["category"] == {
        "code": "city",
        "name": "城乡建设",
        "name_en": "Urban affairs",
    }
    assert [a["code"] for a in noise["attributes"]] == ["floor", "when"]
    assert set(noise) == {
        "code", "name", "name_en", "deadline_class", "accept_hours", "resolve_hours", "suspendable",
        "public", "attributes", "category", "score",
    }  # fmt: skip
    assert noise["score"] > 0
    both = Client().get("/api/v1/catalog", {"search": "城乡建设 道路"}).json()
    assert [s["code"] for s in both] == ["road", "noise"]
    assert Client().get("/api/v1/catalog", {"search": "天气预报"}).json() == []
    assert Client().get("/api/v1/catalog", {"search": ""}).json() == []
    # What is not public: for a caller who may take requests in (signed in or with a token).
    assert Client().get("/api/v1/catalog", {"search": "家暴"}).json() == []
    staff = client_for("staff").get("/api/v1/catalog", {"search": "家暴"}).json()
    assert [s["code"] for s in staff] == ["private"] and staff[0]["public"] is False
    too_long = Client().get("/api/v1/catalog", {"search": "路" * 101})
    assert too_long.status_code == 422 and "search" in too_long.json()["error"]["fields"]


def test_the_api_catalog_without_search_keeps_its_shape(world, words):
    response = Client().get("/api/v1/catalog")
    assert response.status_code == 200
    (city,) = response.json()
    assert set(city) == {"code", "name", "name_en", "services"}
    assert [s["code"] for s in city["services"]] == ["noise", "private", "road"]
    assert set(city["services"][0]) == {
        "code", "name", "name_en", "deadline_class", "accept_hours", "resolve_hours", "suspendable", "public",
        "attributes",
    }  # fmt: skip


def test_open311_keywords_hold_the_synonyms(world, words):
    services = Client().get("/open311/v2/services.json").json()
    road = next(s for s in services if s["service_code"] == "road")
    assert road["keywords"] == "路,坑,道路,马路,路面坑洼,road,pothole"
