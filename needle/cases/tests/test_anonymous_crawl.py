"""Every surface an anonymous visitor can reach, crawled over cases made through the real
services, shows none of the reporters' names, phones or emails, and no internal note.

The cases are the demo's kinds (web, anonymous web, a caller taken in by phone, the REST API,
Open311, a merged duplicate, a moderated case, a private service, a rejected request, a
supervisor's proactive task), reported by people with names, phones and emails who keep the
form's defaults. The crawl reaches every URL pattern (each parameter filled with every real
value), the links of the pages it finds (one level on), Open311 in JSON and XML, the REST API's
operations as its OpenAPI document lists them, the similar-request suggestions for every
case's own words, and the exports."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from needle import testing as t
from needle.cases import services
from needle.cases.models import Case
from needle.cases.selectors.contact import masked_contact
from needle.orgs.models import Person, mask_phone

# Reporters as the demo makes them: a name, a mobile number, an email; all keep the defaults.
REPORTERS = {
    "web": ("赵辉子", "13912345678", "zhaohuizi@example.cn"),
    "anonymous": ("钱晓梅", "13687654321", "qianxiaomei@example.cn"),
    "phone": ("孙立国", "13511112222", "sunliguo@example.cn"),
    "api": ("李梦瑶", "13733334444", "limengyao@example.cn"),
    "open311": ("周建华", "13855556666", "zhoujianhua@example.cn"),
    "merged": ("吴雅琴", "13966667777", "wuyaqin@example.cn"),
    "moderated": ("郑美玲", "13277778888", "zhengmeiling@example.cn"),
    "private": ("冯秀英", "13599990000", "fengxiuying@example.cn"),
    "rejected": ("陈国栋", "13100001111", "chenguodong@example.cn"),
}
# Staff write these for each other, never for the public.
INTERNAL = {
    "private note": "内部备注：施工方报价偏高，需与街道再议",
    "dispatch note": "派单备注：请先电话联系反映人核实楼层",
    "urge note": "督办意见：限三个工作日内办结并书面报告",
    "whistle note": "吹哨：请城管中队明早到场联合执法",
    "proactive title": "未诉先办：七星岗街道夜间施工集中整治",
    "proactive text": "街道督查员反映：近期多起夜间施工投诉，请社区牵头排查（内部指令，勿外传）",
    "moderated original": "我住幸福里3号楼2单元，门口的路灯坏了",
}
STAFF_NAMES = {"dispatcher": "钟调度", "handler": "韩经办", "supervisor": "黄督查", "staff": "苏网格"}


def _masked(name: str, phone: str, email: str) -> set[str]:
    shown = masked_contact(Case(contact_name=name, contact_phone=phone, contact_email=email))
    return {shown.name, mask_phone(phone), shown.email}


def _secrets_of(name: str, phone: str, email: str) -> set[str]:
    return {name, phone, email} | _masked(name, phone, email)


class Site:
    """The cases, and what must never be shown to an anonymous visitor."""

    def __init__(self, world: t.World, catalog: dict[str, Any]) -> None:
        self.world, self.catalog = world, catalog
        self.cases: dict[str, Case] = {}
        # Cases that are not on the public list: their numbers appear in no public list.
        self.unlisted: set[str] = set()

    def secrets(self, *, own: str | None = None) -> dict[str, str]:
        """Every secret text with what it is; `own` leaves out one reporter's own details
        (their private tracking link may show them their own words)."""
        found: dict[str, str] = {}
        for key, details in REPORTERS.items():
            if key != own:
                found.update(dict.fromkeys(_secrets_of(*details), f"{key} reporter's details"))
        found.update({text: what for what, text in INTERNAL.items()})
        if own == "moderated":
            del found[INTERNAL["moderated original"]]  # their own words, behind their own link
        found.update({name: f"{persona}'s name" for persona, name in STAFF_NAMES.items()})
        return found


def _web(w: t.World, service: Any, key: str, **kw: Any) -> Case:
    name, phone, email = REPORTERS[key]
    return t.submit(w, service, contact_name=name, contact_phone=phone, contact_email=email, **kw)


def build_site(w: t.World, catalog: dict[str, Any]) -> Site:
    """Cases in every kind the demo has, made through the services and the real intakes."""
    site = Site(w, catalog)
    people = w.people
    for persona, name in STAFF_NAMES.items():
        Person.objects.filter(pk=people[persona].pk).update(display_name=name)
        people[persona].refresh_from_db()
    name, phone, email = REPORTERS["web"]
    Person.objects.filter(pk=people["resident"].pk).update(display_name=name, phone=phone, email=email)
    people["resident"].refresh_from_db()

    # A signed-in resident on the web form: routed by rule, worked on, resolved.
    web = site.cases["web"] = _web(w, catalog["road"], "web")
    handler = people["handler"]
    services.case_accept(actor=handler, case=web)
    services.case_start(actor=handler, case=web, note="已安排施工队")
    services.case_note(actor=handler, case=web, note=INTERNAL["private note"])
    services.case_note(actor=handler, case=web, note="材料已到场，明天施工", public=True)

    # Anonymous on the web form, dispatched with a note, urged, and departments called in.
    anonymous = site.cases["anonymous"] = _web(
        w, catalog["noise"], "anonymous", reporter=None, attributes={"when": "night"}
    )
    services.case_dispatch(
        actor=people["dispatcher"], case=anonymous, unit=w.units["rc_a1a"], note=INTERNAL["dispatch note"]
    )
    services.case_urge(actor=people["supervisor"], case=anonymous, note=INTERNAL["urge note"], supervise=True)
    services.case_whistle(
        actor=people["supervisor"],
        case=anonymous,
        units=[w.units["street_a1"]],
        note=INTERNAL["whistle note"],
    )

    # A caller taken in by the community's staff on the phone.
    name, phone, email = REPORTERS["phone"]
    site.cases["phone"] = services.case_submit(
        actor=people["staff"],
        intake=services.Intake(
            service=catalog["road"],
            area=w.areas["community_a1a"],
            description="华一坡路面开裂，老人走路容易摔倒。",
            contact_name=name,
            contact_phone=phone,
            contact_email=email,
            channel="phone",
        ),
    )

    # The REST API, by a person whose account holds the contact details.
    name, phone, email = REPORTERS["api"]
    api_person = t.PersonFactory.create(username="mengyao", display_name=name, phone=phone, email=email)
    answer = t.ApiClient(api_person).post(
        "/api/v1/cases",
        {"service_code": "road", "area_code": w.areas["community_a1a"].code, "description": "人行道地砖松动"},
    )
    assert answer.status_code == 201, answer.content
    site.cases["api"] = Case.objects.get(number=answer.json()["number"])

    # Open311, with the caller's name, phone and email.
    name, phone, email = REPORTERS["open311"]
    key = services.open311_key_create(actor=None, name="311 app")
    answer = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key.secret,
            "service_code": "road",
            "area_code": w.areas["community_a2a"].code,
            "description": "小什字公交站前井盖缺失",
            "first_name": name[1:],
            "last_name": name[0],
            "phone": phone,
            "email": email,
        },
    )
    assert answer.status_code == 200, answer.content
    site.cases["open311"] = Case.objects.get(number=answer.json()[0]["service_request_id"])

    # A duplicate merged into the first request.
    merged = site.cases["merged"] = _web(w, catalog["road"], "merged", reporter=None)
    services.case_merge(actor=people["dispatcher"], case=merged, parent=web)

    # Personal details a moderator hid: the public sees the moderated text alone.
    moderated = site.cases["moderated"] = _web(
        w, catalog["road"], "moderated", reporter=None, description=INTERNAL["moderated original"]
    )
    services.case_hide_details(actor=people["dispatcher"], case=moderated, public_description="路灯损坏")

    # A service that is never public, and a rejected request.
    site.cases["private"] = _web(w, catalog["private"], "private", reporter=None, description="家里有矛盾")
    rejected = site.cases["rejected"] = _web(
        w, catalog["noise"], "rejected", reporter=None, area="community_b1a", attributes={"when": "day"}
    )
    services.case_reject(actor=people["dispatcher"], case=rejected, reason="重复骚扰")

    # The street supervisor's proactive task (未诉先办), as a hot topic becomes one.
    site.cases["proactive"] = services.case_open(
        actor=people["supervisor"],
        service=catalog["noise"],
        area=w.areas["community_a1a"],
        unit=w.units["rc_a1a"],
        title=INTERNAL["proactive title"],
        description=f"{INTERNAL['proactive text']}\n相关诉求：{anonymous.number}",
        resolve_by=timezone.now() + dt.timedelta(days=3),
    )
    site.unlisted = {site.cases[k].number for k in ("private", "rejected", "proactive")}
    for case in site.cases.values():
        case.refresh_from_db()
    return site


# The crawl ------------------------------------------------------------------------------------


def _patterns(resolvers: list[Any], prefix: str = "") -> Iterator[str]:
    """Every URL pattern as a template: `<name>` for each parameter."""
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + _template(str(entry.pattern)))
        elif isinstance(entry, URLPattern):
            yield prefix + _template(str(entry.pattern))


def _template(pattern: str) -> str:
    pattern = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", pattern)
    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern)
    return pattern.removeprefix("^").removesuffix("$").replace("\\.", ".")


def _fill(template: str, values: dict[str, list[str]]) -> Iterator[str]:
    names = re.findall(r"<(\w+)>", template)
    if not names:
        yield "/" + template
        return
    name = names[0]
    for value in values.get(name, ["1"]):
        yield from _fill(template.replace(f"<{name}>", value, 1), values)


def _values(site: Site, template: str) -> dict[str, list[str]]:
    w = site.world
    numbers = [c.number for c in site.cases.values()]
    areas = [a.code for a in w.areas.values()]
    values = {
        "number": numbers,
        "code": areas + list(site.catalog),
        "fmt": ["csv", "xlsx"] if template.startswith("operations/") else ["json", "xml"],
        # A tracking link is its reporter's key: the crawl checks each one apart.
        "token": numbers if template.startswith("open311/") else ["no-such-token"],
        "action": ["accept", "hide", "publish"],
        "rest": ["nothing-here"],
        "pk": ["1", "2"],
        "unit_id": [str(u.pk) for u in w.units.values()][:4],
        "photo_id": ["1"],
        "token_id": ["1"],
    }
    return values


def _text(response: Any) -> str:
    """What a response shows, as a reader would see it (JSON unescaped, HTML entities read)."""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "json" in kind:
        try:
            return json.dumps(json.loads(body), ensure_ascii=False)
        except ValueError:
            pass
    if kind.startswith(("image/", "application/pdf", "application/vnd")):
        # No anonymous surface serves files: a crawl that reaches one must read it.
        raise AssertionError(f"{response.request['PATH_INFO']} answers a file ({kind}) to anyone")
    return html.unescape(body.decode("utf-8", errors="replace"))


LINK = re.compile(r"""(?:href|src|hx-get|hx-post|data-geojson|action)="([^"#]+)""")


def _links(page: str) -> set[str]:
    found = set()
    for link in LINK.findall(page):
        link = html.unescape(link)
        parts = urlsplit(link)
        if parts.netloc or not link.startswith("/") or link.startswith("/static/"):
            continue
        found.add(link)
    return found


class Crawl:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.client = Client()
        self.seen: dict[str, str] = {}
        self.statuses: dict[str, int] = {}

    def get(self, url: str, **headers: Any) -> str:
        if url in self.seen:
            return self.seen[url]
        response = self.client.get(url, **headers)
        assert response.status_code < 500, url
        self.statuses[url] = response.status_code
        self.seen[url] = _text(response)
        return self.seen[url]

    def leaks(self, *, own: str | None = None, urls: list[str] | None = None) -> list[str]:
        secrets = self.site.secrets(own=own)
        found = []
        for url in urls if urls is not None else self.seen:
            text = self.seen[url]
            found += [f"{url}: {what} ({secret})" for secret, what in secrets.items() if secret in text]
        return found


def crawl_everything(site: Site) -> Crawl:
    crawl = Crawl(site)
    w = site.world
    for template in sorted(set(_patterns(get_resolver().url_patterns))):
        if template.startswith(("admin/", "api/v1/")):
            continue  # the admin signs staff in first; the API is crawled from its own document
        for url in _fill(template, _values(site, template)):
            crawl.get(url)
    # The pages that read a query, with what their forms send.
    area = w.areas["community_a1a"].code
    for query in (
        {"service": "road"},
        {"service": "noise"},
        {"area": area},
        {"area": w.areas["district_a"].code},
        *({"state": state} for state in ("submitted", "dispatched", "accepted", "in_progress", "merged")),
    ):
        crawl.get("/cases/public/?" + urlencode(query))
    crawl.get("/report/services/?" + urlencode({"q": "路"}))
    crawl.get("/report/areas/?" + urlencode({"q": "华一坡"}))
    crawl.get("/report/questions/?" + urlencode({"service": "noise"}))
    # Open311 in both formats, with FixMyStreet's extensions and every id asked for at once.
    for fmt in ("json", "xml"):
        for query in (
            {},
            {"extensions": "true"},
            {"service_request_id": ",".join(c.number for c in site.cases.values())},
            {"service_request_id": ",".join(c.number for c in site.cases.values()), "extensions": "true"},
            {"status": "open"},
            {"status": "closed"},
        ):
            crawl.get(f"/open311/v2/requests.{fmt}?" + urlencode(query))
            crawl.get(f"/open311/v2/servicerequestupdates.{fmt}?" + urlencode(query))
    # Similar requests, for every case's own words, on the form and through the API.
    for case in site.cases.values():
        for place in ({"area": case.area.code}, {"area": area}):
            crawl.get("/intel/suggest/?" + urlencode({"description": case.description, **place}))
            crawl.get("/api/v1/intel/suggest?" + urlencode({"text": case.description, **place}))
    # The REST API: every GET operation its document lists, as anyone may call it.
    document = json.loads(crawl.get("/api/v1/openapi.json"))
    for path, operations in document["paths"].items():
        if "get" in operations:
            for url in _fill(path.strip("/").replace("{", "<").replace("}", ">"), _values(site, path)):
                crawl.get(url)
    # One level on: every link of the pages found.
    for page in list(crawl.seen.values()):
        for link in _links(page):
            crawl.get(link)
    return crawl


# Where cases are listed (a page of one case, found or not, may echo the number it was asked for).
LISTS = re.compile(
    r"/cases/public/(\?|$)|/open311/v2/(requests|servicerequestupdates)\.|/(api/v1/)?intel/suggest"
)


@pytest.fixture
def site(world: t.World, catalog: dict[str, Any], settings: Any) -> Site:
    settings.INTEL_SUGGEST_PER_MINUTE = 10_000
    return build_site(world, catalog)


def test_no_anonymous_surface_shows_a_reporter_or_an_internal_note(site):
    crawl = crawl_everything(site)
    assert crawl.leaks() == []
    # The crawl did reach the public surfaces, with the public cases on them.
    reached = {url for url, status in crawl.statuses.items() if status == 200}
    assert {"/cases/public/", "/open311/v2/requests.json", "/open311/v2/requests.xml"} <= reached
    assert len(reached) > 60
    public_list = crawl.seen["/cases/public/"]
    assert site.cases["web"].number in public_list and site.cases["open311"].number in public_list
    web = site.cases["web"]
    asked = "/api/v1/intel/suggest?" + urlencode({"text": web.description, "area": web.area.code})
    assert web.number in crawl.seen[asked]  # the suggestions were there to be read
    # Cases that are not public are in no list and in no suggestion.
    lists = [url for url in crawl.seen if LISTS.match(url)]
    assert len(lists) > 40
    for number in site.unlisted:
        assert [url for url in lists if number in crawl.seen[url]] == []
    for number in site.unlisted:
        assert crawl.statuses[f"/cases/public/{number}/"] == 404
        assert crawl.statuses[f"/open311/v2/requests/{number}.json"] == 404


def test_a_tracking_link_shows_its_reporter_no_one_else_and_no_internal_note(site):
    crawl = Crawl(site)
    for key, case in site.cases.items():
        if key == "proactive":
            continue  # no one holds the link of a task the system side opened
        own = key
        page = f"/track/{case.tracking_token}/"
        crawl.get(page)
        assert crawl.statuses[page] == 200
        assert crawl.leaks(own=own, urls=[page]) == [], key
