"""The demo's catalog as residents search it: everyday words find the fitting Chinese service
first, through the synonyms file; NYC 311 is an English catalog loaded only on request."""

import csv

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from needle.cases.models import Category, Service
from needle.cases.selectors import service_search
from needle.demo.catalog import DATA, NYC_CATEGORY, catalog_load, nyc311_load, synonyms_fill

pytestmark = pytest.mark.django_db

# Twenty words residents type, and the service of the Teddy Cup label tree each belongs to.
# Where two services could take a word, the comment says why this one.
EVERYDAY = {
    "道路": "tc-road-building-and-maintenance",  # 交通运输 / 建设管理
    "井盖": "tc-urban-construction-and-municipal-serv",  # 城市建设和市政管理
    "路灯": "tc-urban-construction-and-municipal-serv",
    "噪音": "tc-pollution",  # 环境污染
    "垃圾": "tc-urban-construction-and-municipal-serv",  # collection and street cleaning (环卫), not incineration
    "停车": "tc-traffic-management",  # 政法 / 交通管理: parking on the street; a flat's parking space is housing
    "漏水": "tc-housing-security-and-real-estate",  # a leaking flat is for the property manager (物业)
    "物业": "tc-housing-security-and-real-estate",  # 住房保障与房地产
    "电梯": "tc-housing-security-and-real-estate",  # a broken lift: the property manager; its safety test is 质监
    "油烟": "tc-pollution",
    "占道": "tc-urban-construction-and-municipal-serv",  # 占道经营: the city management (城管)
    "违建": "tc-urban-and-rural-planning",  # 城乡规划: 违章建筑
    "供暖": "tc-urban-construction-and-municipal-serv",  # 冬季采暖
    "停水": "tc-urban-construction-and-municipal-serv",  # 自来水供应
    "学校": "tc-school-administration",  # 教育行政管理
    "医保": "tc-residents-social-insurance",  # 城镇居民社会保险: 城镇居民医疗保险
    "养老": "tc-welfare-and-charity",  # elderly care (养老院, 养老服务); a pension is 养老金
    "公交": "tc-passenger-and-freight-transport",  # 客货运输: 旅客运输
    "拆迁": "tc-expropriation-of-housing-on-state-own",  # in the city; 集体土地 is the village's
    "工资": "tc-wages-and-benefits",  # 工资福利
}


@pytest.fixture
def demo_catalog(db):
    catalog_load()


@pytest.mark.parametrize("word", EVERYDAY)
def test_everyday_words_find_the_fitting_service_first(demo_catalog, word):
    hits = service_search(actor=AnonymousUser(), text=word)
    assert hits, f"{word} finds nothing"
    first = hits[0].service
    assert first.code == EVERYDAY[word], f"{word}: {[(h.service.name, h.score) for h in hits[:3]]}"
    assert first.category.code.startswith("tc-")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("小区门口的路灯坏了好几天", "tc-urban-construction-and-municipal-serv"),
        ("楼上漏水到我家天花板", "tc-housing-security-and-real-estate"),
        ("饭店油烟扰民", "tc-pollution"),
        ("公司拖欠工资三个月", "tc-wages-and-benefits"),
        ("street light", "tc-urban-construction-and-municipal-serv"),
        ("pothole", "tc-road-building-and-maintenance"),
        ("Noise at night", "tc-pollution"),
        ("illegal parking", "tc-traffic-management"),
        ("lift broken", "tc-housing-security-and-real-estate"),
        ("pension", "tc-retirement-and-pensions"),
    ],
)
def test_sentences_and_english_words_find_the_fitting_service_first(demo_catalog, text, code):
    assert service_search(actor=AnonymousUser(), text=text)[0].service.code == code


def test_every_service_has_synonyms_in_both_languages_from_the_file(demo_catalog):
    with open(DATA / "service_synonyms.csv", encoding="utf-8") as f:
        rows = {r["code"]: r for r in csv.DictReader(f)}
    services = {s.code: s for s in Service.objects.all()}
    assert set(rows) == set(services) and len(rows) == 118
    for code, row in rows.items():
        service = services[code]
        assert row["name"] == service.name  # the file names each service for its readers
        assert service.synonyms and service.synonyms_en, code
    lights = services["tc-urban-construction-and-municipal-serv"]
    assert lights.synonyms.startswith("路灯、井盖、垃圾、") and lights.synonyms_en.startswith(
        "street light, manhole, "
    )


def test_synonyms_are_given_to_a_catalog_loaded_without_them_and_edits_are_kept(demo_catalog):
    Service.objects.filter(code="tc-pollution").update(synonyms="", synonyms_en="")
    Service.objects.filter(code="tc-taxis").update(synonyms="打的", synonyms_en="")
    assert synonyms_fill() == 1
    assert "油烟" in Service.objects.get(code="tc-pollution").synonyms
    assert Service.objects.get(code="tc-taxis").synonyms == "打的"
    assert synonyms_fill() == 0


def test_chongqing_offers_the_chinese_catalog_only(world, demo_catalog):
    assert not Category.objects.filter(code=NYC_CATEGORY).exists()
    listed = (
        Client().get("/open311/v2/services.json", {"jurisdiction_id": world.areas["province"].code}).json()
    )
    assert len(listed) == 118 and all(s["service_code"].startswith("tc-") for s in listed)
    assert (
        "路灯"
        in next(s for s in listed if s["service_code"] == "tc-urban-construction-and-municipal-serv")[
            "keywords"
        ]
    )


def test_nyc311_is_an_english_catalog_loaded_on_request(demo_catalog):
    assert nyc311_load() == 112
    nyc = Category.objects.get(code=NYC_CATEGORY)
    heat = Service.objects.get(category=nyc, name_en="HEAT/HOT WATER")
    assert (heat.name, heat.deadline_class) == ("供暖/热水", "utilities")
    when = Service.objects.get(code="nyc-noise-residential").attributes.get(code="when")
    assert when.required and when.datatype == "singlevaluelist"
    assert {v["key"] for v in when.values} == {"day", "night"}
    assert nyc311_load() == 0  # a second load changes nothing
    # Even beside it, the Chinese words find the Chinese services first.
    assert service_search(actor=AnonymousUser(), text="供暖")[0].service.code.startswith("tc-")
