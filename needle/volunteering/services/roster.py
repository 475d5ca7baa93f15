"""A community's existing roster of members and their skills, imported from the XLSX or CSV
template: all or nothing, every bad line named ("line 3": what is wrong with it). Each line
makes a confirmed check-in for an existing member account."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area, Level
from needle.core import sheets
from needle.core.audit import audit_record
from needle.core.errors import ValidationFailed
from needle.orgs.permissions import can_in_area, require, require_authenticated
from needle.volunteering.models import (
    PARTS,
    STANDING_CHECKIN,
    CheckIn,
    CheckInStatus,
    Skill,
    availability_bit,
)
from needle.volunteering.selectors.checkins import member_workplaces, person_by_login
from needle.volunteering.services.checkins import MAX_SKILLS_TEXT, home_grid
from needle.volunteering.skills import skills_match

MAX_BYTES = 2 * 1024 * 1024
MAX_LINES = 5000
COLUMNS = ["username or phone", "workplace unit code", "skills", "availability", "phone visible"]
EXAMPLE = ["13800001234", "pb-a1a", "急救、电脑", "Sat morning; 周日下午", "no"]
DAYS = {
    **{d: i + 1 for i, d in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])},
    **{
        d: i + 1
        for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
    },
    **{f"周{c}": i + 1 for i, c in enumerate("一二三四五六日")},
    **{f"星期{c}": i + 1 for i, c in enumerate("一二三四五六日")},
    "周天": 7,
    "星期天": 7,
}
DAY_PARTS = {
    "morning": "morning",
    "am": "morning",
    "上午": "morning",
    "早上": "morning",
    "afternoon": "afternoon",
    "pm": "afternoon",
    "下午": "afternoon",
    "evening": "evening",
    "night": "evening",
    "晚上": "evening",
    "夜间": "evening",
}
YES = {"yes", "y", "true", "1", "是", "公开"}
NO = {"", "no", "n", "false", "0", "否", "不公开"}
SLOT = re.compile(r"^\s*([a-z]+|周.|星期.)\s*([a-z]+|上午|下午|早上|晚上|夜间)\s*$")


def template_csv() -> bytes:
    """The template to fill in, with one example line."""
    return sheets.template_csv(COLUMNS, EXAMPLE)


def template_xlsx() -> bytes:
    """The same template as a workbook."""
    return sheets.template_xlsx(COLUMNS, EXAMPLE)


def read_rows(*, name: str, data: bytes) -> list[list[str]]:
    """The lines of an uploaded roster, header first, each cell as text."""
    return sheets.read_rows(name=name, data=data, max_bytes=MAX_BYTES, max_lines=MAX_LINES)


def parse_availability(text: str) -> int:
    """ "Sat morning; 周六上午" as the availability bitmask; ValueError names a bad slot."""
    bits = 0
    for token in re.split(r"[;；,，、/]+", text or ""):
        token = token.strip().lower()
        if not token:
            continue
        match = SLOT.match(token)
        day = DAYS.get(match.group(1)) if match else None
        part = DAY_PARTS.get(match.group(2)) if match else None
        if day is None or part is None or part not in PARTS:
            raise ValueError(token)
        bits |= availability_bit(day, part)
    return bits


@dataclass(frozen=True)
class Line:
    number: int
    person: Any
    workplace: Any
    skills_text: str
    skills: list[Skill]
    availability: int
    phone_visible: bool


def _line(number: int, cells: list[str], known: list[Skill], seen: set[int]) -> Line | str:
    cells = [(c or "").strip() for c in cells] + [""] * len(COLUMNS)
    login, unit_code, skills_text, slots, visible = cells[:5]
    if any("\x00" in c for c in cells):
        return _("The line holds a NUL character.")
    person = person_by_login(login) if login and len(login) <= 150 else None
    if person is None:
        return _("No account has the username or phone %(login)s.") % {"login": login[:40]}
    if person.pk in seen:
        return _("%(login)s is on the roster twice.") % {"login": login[:40]}
    workplaces = {w.code: w for w in member_workplaces(person)}
    if not workplaces:
        return _("%(login)s is not a member of any unit.") % {"login": login[:40]}
    workplace = workplaces.get(unit_code) if unit_code else next(iter(workplaces.values()))
    if workplace is None:
        return _("%(login)s is not a member of the unit %(code)s.") % {
            "login": login[:40],
            "code": unit_code[:40],
        }
    if CheckIn.objects.filter(person=person, status__in=STANDING_CHECKIN).exists():
        return _("%(login)s has already checked in.") % {"login": login[:40]}
    if len(skills_text) > MAX_SKILLS_TEXT:
        return _("The skills are longer than %(n)d characters.") % {"n": MAX_SKILLS_TEXT}
    try:
        bits = parse_availability(slots)
    except ValueError as exc:
        return _("Cannot read the time %(slot)s (write e.g. Sat morning or 周六上午).") % {
            "slot": str(exc)[:40]
        }
    if visible.lower() not in YES | NO:
        return _("Phone visible: write yes or no.")
    seen.add(person.pk)
    return Line(
        number,
        person,
        workplace,
        skills_text,
        skills_match(skills_text, known=known),
        bits,
        visible.lower() in YES,
    )


@transaction.atomic
def roster_import(*, actor: Any, community: Area, rows: list[list[str]]) -> list[CheckIn]:
    """Confirmed check-ins for every line of the roster (the first row is the header), or none
    and ValidationFailed naming each bad line. Community staff only."""
    require_authenticated(actor)
    require(can_in_area(actor, "volunteering.manage", community.path))
    if community.level != Level.COMMUNITY:
        raise ValidationFailed(
            fields={"community": _("Choose a community (not a street, a district or a grid).")}
        )
    known = list(Skill.objects.all())
    lines: list[Line] = []
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for number, cells in enumerate(rows[1:], start=2):
        if not any((c or "").strip() for c in cells):
            continue
        result = _line(number, cells, known, seen)
        if isinstance(result, str):
            errors[f"line {number}"] = result
        else:
            lines.append(result)
    if errors:
        raise ValidationFailed(_("Nothing was imported: correct the lines named."), fields=errors)
    if not lines:
        raise ValidationFailed(fields={"file": _("The roster has no lines under its header.")})
    now = timezone.now()
    made = []
    for line in lines:
        grid = home_grid(line.person, community)
        checkin = CheckIn.objects.create(
            person=line.person,
            workplace=line.workplace,
            community=community,
            grid=grid,
            area_path=(grid or community).path,
            status=CheckInStatus.CONFIRMED,
            skills_text=line.skills_text,
            availability=line.availability,
            phone_visible=line.phone_visible,
            decided_by=actor,
            confirmed_at=now,
        )
        checkin.skills.set(line.skills)
        made.append(checkin)
    audit_record(
        actor=actor,
        action="volunteering.roster.imported",
        obj=community,
        area_path=community.path,
        new={"checkins": len(made), "people": [c.person.username for c in made]},
    )
    return made
