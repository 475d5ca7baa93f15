"""The demo's catalog and routing rules.

The Teddy Cup label tree (first-level labels are categories, second-level labels services,
third-level labels their keywords), with the words residents use for each service (our
synonyms file, Chinese and English); then a routing rule per service to the department the
label tree names, at the city and in every district that has one. NYC 311's complaint types
are an English catalog of their own, loaded only on request (`needle demo --nyc311`): the
demo city is Chongqing. Existing codes and rules are left as they are, so a second load
changes nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from needle.areas.models import Area, Level, subtree_q
from needle.cases.catalog import catalog_changed
from needle.cases.models import (
    DEADLINE_DEFAULTS,
    AttributeType,
    Category,
    DeadlineClass,
    RoutingRule,
    Service,
    ServiceAttribute,
)
from needle.cases.selectors import synonym_words

DATA = Path(__file__).resolve().parent / "data"
NYC_CATEGORY = "nyc311"
DISTRICT_KEYS = ("env", "housing", "transport", "civil")


# Catalogs ---------------------------------------------------------------------------------------


def _slug(text: str, prefix: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (prefix + slug)[:40].rstrip("-")


def read_csv(name: str) -> list[dict[str, str]]:
    path = DATA / name
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


@dataclass
class Entry:
    """One Teddy Cup second-level label: its service, matching words and department key."""

    service: Service
    l1: str
    l2: str
    department: str
    words: list[tuple[str, int]]


@dataclass
class Catalog:
    teddy: dict[str, list[Entry]] = field(default_factory=dict)  # label_l1 -> services

    def pick(self, l1: str, text: str) -> Entry:
        """Best-effort second-level label: the service whose names and keywords the text hits most."""
        entries = self.teddy[l1]
        best, score = None, 0
        for entry in entries:
            s = sum(weight for word, weight in entry.words if word in text)
            if s > score:
                best, score = entry, s
        if best is None:
            best = next((e for e in entries if e.l2 == "其他"), entries[0])
        return best


# Matters that often wait on what no unit controls (a court, the heating season, works
# scheduled by a utility): besides the complex class, the catalog lets these be put on hold.
SUSPENDABLE_L2 = frozenset({"住房保障与房地产", "城市建设和市政管理"})


def _hours(deadline: str) -> tuple[int, int]:
    return DEADLINE_DEFAULTS[DeadlineClass(deadline)]


def _save_new(model: Any, rows: list[Any]) -> None:
    existing = set(model.objects.filter(code__in=[r.code for r in rows]).values_list("code", flat=True))
    model.objects.bulk_create([r for r in rows if r.code not in existing])


def synonyms_read() -> dict[str, tuple[str, str]]:
    """service code -> (Chinese synonyms, English synonyms), as the service's fields hold them."""
    return {
        r["code"]: ("、".join(synonym_words(r["synonyms"])), ", ".join(synonym_words(r["synonyms_en"])))
        for r in read_csv("service_synonyms.csv")
    }


def catalog_load() -> Catalog:
    """Create the demo categories and services (existing codes are left as they are)."""
    teddy = read_csv("teddycup_catalog.csv")
    synonyms = synonyms_read()
    categories: list[Category] = []
    for i, l1 in enumerate(dict.fromkeys(r["label_l1"] for r in teddy), start=1):
        en = next(r["name_en_l1"] for r in teddy if r["label_l1"] == l1)
        categories.append(Category(code=_slug(en, "tc-"), name=l1, name_en=en, order=i))
    _save_new(Category, categories)
    category = {c.name: c for c in Category.objects.filter(code__in=[c.code for c in categories])}

    services: list[Service] = []
    for r in teddy:
        accept, resolve = _hours(r["deadline_class"])
        name = r["label_l2"] if r["label_l2"] != "其他" else f"其他{r['label_l1']}事项"
        code = _slug(r["name_en_l2"], "tc-")
        zh, en = synonyms[code]
        services.append(
            Service(
                code=code,
                category=category[r["label_l1"]],
                name=name,
                name_en=r["name_en_l2"],
                description=f"{r['label_l1']} / {r['label_l2']}",
                keywords=r["keywords_l3"][:300],
                synonyms=zh,
                synonyms_en=en,
                deadline_class=r["deadline_class"],
                accept_hours=accept,
                resolve_hours=resolve,
                suspendable=r["deadline_class"] == DeadlineClass.COMPLEX or r["label_l2"] in SUSPENDABLE_L2,
            )
        )
    assert len({s.code for s in services}) == len(services), "demo service codes collide"
    _save_new(Service, services)
    by_code = {s.code: s for s in Service.objects.filter(code__in=[s.code for s in services])}
    _attributes(by_code)

    result = Catalog()
    for r in teddy:
        service = by_code[_slug(r["name_en_l2"], "tc-")]
        hits = [(w, 2) for w in r["keywords_l3"].split()] + [(w, 1) for w in r["hints"].split()]
        if r["label_l2"] != "其他":
            hits.append((r["label_l2"], 2))
        result.teddy.setdefault(r["label_l1"], []).append(
            Entry(service, r["label_l1"], r["label_l2"], r["department"], hits)
        )
    return result


def synonyms_fill() -> int:
    """Give the demo's services without synonyms those of the synonyms file (a database loaded
    before services had synonyms); a service someone gave synonyms keeps them. Returns how
    many services changed."""
    synonyms = synonyms_read()
    empty = list(Service.objects.filter(code__in=synonyms, synonyms="", synonyms_en=""))
    for service in empty:
        service.synonyms, service.synonyms_en = synonyms[service.code]
    Service.objects.bulk_update(empty, ["synonyms", "synonyms_en"])
    if empty:
        catalog_changed()
    return len(empty)


def nyc311_load() -> int:
    """NYC 311's complaint types as an English catalog of their own, with their questions;
    returns the number of services created."""
    nyc = read_csv("nyc311_services.csv")
    _save_new(Category, [Category(code=NYC_CATEGORY, name="NYC 311", name_en="NYC 311", order=99)])
    category = Category.objects.get(code=NYC_CATEGORY)
    codes = Counter(_slug(r["complaint_type"], "nyc-") for r in nyc)
    services: list[Service] = []
    for r in nyc:
        code = _slug(r["complaint_type"], "nyc-")
        if codes[code] > 1:
            code = _slug(f"{r['complaint_type']} {r['agency']}", "nyc-")
        accept, resolve = _hours(r["deadline_class"])
        details = r["descriptors"].replace("|", ", ")
        services.append(
            Service(
                code=code,
                category=category,
                name=r["name_zh"],
                name_en=r["complaint_type"],
                description=(
                    f"NYC 311 complaint type, handled in New York by the {r['agency_name']} ({r['agency']})."
                    + (f" Usual details: {details}." if details else "")
                ),
                keywords=details[:300],
                deadline_class=r["deadline_class"],
                accept_hours=accept,
                resolve_hours=resolve,
                suspendable=r["deadline_class"] == DeadlineClass.COMPLEX,
            )
        )
    assert len({s.code for s in services}) == len(services), "NYC 311 service codes collide"
    before = Service.objects.filter(category=category).count()
    _save_new(Service, services)
    _attributes({s.code: s for s in Service.objects.filter(code__in=[s.code for s in services])})
    return Service.objects.filter(category=category).count() - before


POLLUTION_KINDS = [
    ("noise", "噪音", ("噪", "扰民", "吵")),
    ("air", "大气/异味", ("废气", "油烟", "烟尘", "粉尘", "灰尘", "臭", "空气")),
    ("water", "水污染", ("污水", "废水", "排污", "水质")),
    ("waste", "固体废物", ("垃圾", "废渣", "固废")),
]


def _attributes(services: dict[str, Service]) -> None:
    """Open311 questions: a required day/night on NYC residential noise, and the kind of
    pollution (optional) on the Teddy Cup pollution service."""
    noise = services.get("nyc-noise-residential")
    pollution = services.get("tc-pollution")
    rows = []
    if noise is not None:
        rows += [
            ServiceAttribute(
                service=noise,
                code="when",
                datatype=AttributeType.SINGLE,
                required=True,
                description="When does the noise happen? / 什么时候有噪音？",
                order=1,
                values=[
                    {"key": "day", "name": "Daytime / 白天"},
                    {"key": "night", "name": "At night / 夜间"},
                ],
            ),
            ServiceAttribute(
                service=noise,
                code="source",
                datatype=AttributeType.SINGLE,
                description="What kind of noise? / 什么噪音？",
                order=2,
                values=[
                    {"key": "banging", "name": "Banging/Pounding"},
                    {"key": "music", "name": "Loud Music/Party"},
                    {"key": "talking", "name": "Loud Talking"},
                    {"key": "television", "name": "Loud Television"},
                ],
            ),
        ]
    if pollution is not None:
        rows.append(
            ServiceAttribute(
                service=pollution,
                code="kind",
                datatype=AttributeType.SINGLE,
                description="污染类型",
                datatype_description="Kind of pollution",
                order=1,
                values=[{"key": k, "name": n} for k, n, _words in POLLUTION_KINDS]
                + [{"key": "other", "name": "其他"}],
            )
        )
    existing = set(
        ServiceAttribute.objects.filter(service__in=[r.service for r in rows]).values_list(
            "service_id", "code"
        )
    )
    ServiceAttribute.objects.bulk_create([r for r in rows if (r.service.pk, r.code) not in existing])


def pollution_kind(text: str) -> str:
    for key, _label, words in POLLUTION_KINDS:
        if any(w in text for w in words):
            return key
    return "other"


# Routing rules ----------------------------------------------------------------------------------


def rules_load(city: Area, catalog: Catalog, units: dict[str, int]) -> dict[tuple[int, str], int]:
    """A rule at the city for every service with an obvious department, and one per district
    where the district has that department. Returns (service, district code) -> unit id, with
    the city's code for the city-wide rule."""
    districts = list(
        Area.objects.filter(subtree_q(city.path), level=Level.DISTRICT)
        .exclude(name="市辖区")
        .order_by("code")
    )
    wanted: dict[tuple[int, int], tuple[Area, int]] = {}
    routes: dict[tuple[int, str], int] = {}
    for entries in catalog.teddy.values():
        for e in entries:
            unit = units.get(f"dept-{e.department}-{city.code}") if e.department else None
            if unit is None:
                continue
            wanted[(e.service.pk, city.pk)] = (city, unit)
            routes[(e.service.pk, city.code)] = unit
            if e.department not in DISTRICT_KEYS:
                continue
            for d in districts:
                unit = units.get(f"dept-{e.department}-{d.code}")
                if unit is not None:
                    wanted[(e.service.pk, d.pk)] = (d, unit)
                    routes[(e.service.pk, d.code)] = unit
    existing = set(RoutingRule.objects.values_list("service_id", "area_id"))
    RoutingRule.objects.bulk_create(
        [
            RoutingRule(service_id=s, area=area, area_path=area.path, unit_id=unit)
            for (s, a), (area, unit) in wanted.items()
            if (s, a) not in existing
        ],
        batch_size=1000,
    )
    return routes
