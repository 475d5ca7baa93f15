"""Suggestions: who fits a shift or a need, and which open shifts fit a member, each explained
in words.

A member's fit is a score of four ingredients, weighed so that each outranks the next:
- SKILL per skill the work asks for that the member has (a first-aid shift wants first aid
  above all);
- nearness of home: the same grid, the same community, the same street (the whole district is
  searched);
- AVAILABLE when the member said they are free on that weekday and part of the day (a flexible
  task has no slot: nobody gains or loses);
- up to RECENT for how long ago they last served (never, or half a year, ranks highest), so the
  same few are not asked every time.
Members who already hold a place on the shift, or a shift that overlaps it, are left out.

The district's members are scored in one SQL query (conditional expressions, a correlated count
of matching skills on the check-in–skill table's unique index) and only the first `limit` rows
come back; the reasons are written for those rows alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from needle.areas.models import PATH_END, Area, Level
from needle.core.audit import audit_record
from needle.orgs.permissions import can_in_area, require, require_authenticated
from needle.volunteering.models import (
    HOLDING,
    CheckIn,
    CheckInStatus,
    Claim,
    Need,
    Shift,
    Skill,
    availability_bit,
)

SKILL = 40
SAME_GRID, SAME_COMMUNITY, SAME_STREET = 25, 15, 6
AVAILABLE = 20
RECENT = 10
# Open shifts a member's page weighs: the district's next ones, within this many days.
AHEAD_DAYS = 60
WEIGHED = 400


@dataclass
class Suggestion:
    person_id: int
    name: str
    community: str
    grid: str
    score: int
    reasons: list[str] = field(default_factory=list)


@dataclass
class Fit:
    shift: Shift
    score: int
    reasons: list[str] = field(default_factory=list)


def slot_of(moment: dt.datetime | None) -> tuple[int, str] | None:
    """The local weekday (1 Monday .. 7) and part of the day of a moment: morning before noon,
    afternoon before six, evening after."""
    if moment is None:
        return None
    local = timezone.localtime(moment)
    part = "morning" if local.hour < 12 else "afternoon" if local.hour < 18 else "evening"
    return local.isoweekday(), part


# Weekday names come from Django's own catalog (星期六 for Saturday).
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def free_phrase(weekday: int, part: str) -> str:
    day = _(WEEKDAY_NAMES[weekday - 1])
    if part == "morning":
        return _("free on %(weekday)s mornings") % {"weekday": day}
    if part == "afternoon":
        return _("free on %(weekday)s afternoons") % {"weekday": day}
    return _("free on %(weekday)s evenings") % {"weekday": day}


def when_phrase(weekday: int, part: str) -> str:
    day = _(WEEKDAY_NAMES[weekday - 1])
    if part == "morning":
        return _("on %(weekday)s morning, when you are free") % {"weekday": day}
    if part == "afternoon":
        return _("on %(weekday)s afternoon, when you are free") % {"weekday": day}
    return _("on %(weekday)s evening, when you are free") % {"weekday": day}


def recency_phrase(last: dt.date | None, today: dt.date) -> str:
    if last is None:
        return _("has not served yet")
    days = (today - last).days
    if days >= 60:
        months = days // 30
        return ngettext("has not served for %(n)d month", "has not served for %(n)d months", months) % {
            "n": months
        }
    if days >= 7:
        weeks = days // 7
        return ngettext("last served %(n)d week ago", "last served %(n)d weeks ago", weeks) % {"n": weeks}
    return _("served this week")


def _district_of(community: Area) -> Area:
    """The district (or county) whose members a suggestion searches: the community's ancestor at
    that level, found by walking up (at most three parents)."""
    area = community
    while area.level > Level.DISTRICT and area.parent_id is not None:
        parent = Area.objects.filter(pk=area.parent_id).first()
        if parent is None:
            break
        area = parent
    return area


def _street_path(community: Area) -> str:
    """The path of the community's street (its parent), or its own where it has none."""
    street = Area.objects.filter(pk=community.parent_id).only("path").first() if community.parent_id else None
    return street.path if street is not None else community.path


def _recency_score(today: dt.date) -> Case:
    return Case(
        When(last_served_on__isnull=True, then=Value(RECENT)),
        When(last_served_on__lt=today - dt.timedelta(days=180), then=Value(RECENT)),
        When(last_served_on__lt=today - dt.timedelta(days=90), then=Value(7)),
        When(last_served_on__lt=today - dt.timedelta(days=30), then=Value(4)),
        When(last_served_on__lt=today - dt.timedelta(days=7), then=Value(2)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _near_score(community: Area, grid: Area | None, street_path: str) -> Case:
    whens = []
    if grid is not None:
        whens.append(
            When(Q(area_path__gte=grid.path, area_path__lt=grid.path + PATH_END), then=Value(SAME_GRID))
        )
    whens.append(
        When(
            Q(area_path__gte=community.path, area_path__lt=community.path + PATH_END),
            then=Value(SAME_COMMUNITY),
        )
    )
    whens.append(
        When(Q(area_path__gte=street_path, area_path__lt=street_path + PATH_END), then=Value(SAME_STREET))
    )
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _rank(
    *,
    community: Area,
    grid: Area | None,
    skill_ids: list[int],
    slot: tuple[int, str] | None,
    busy: Q | None,
    limit: int,
) -> list[Suggestion]:
    """The district's confirmed members scored for one piece of work, best first."""
    today = timezone.localdate()
    district = _district_of(community)
    street_path = _street_path(community)
    through = CheckIn.skills.through
    matched = (
        through.objects.filter(checkin_id=OuterRef("pk"), skill_id__in=skill_ids)
        .order_by()
        .values("checkin_id")
        .annotate(n=Count("skill_id"))
        .values("n")  # type: ignore[misc]  # the annotation is not a field django-stubs knows
    )
    members = CheckIn.objects.filter(
        status=CheckInStatus.CONFIRMED, area_path__gte=district.path, area_path__lt=district.path + PATH_END
    )
    if busy is not None:
        members = members.exclude(
            Exists(Claim.objects.filter(busy, person_id=OuterRef("person_id"), status__in=HOLDING))
        )
    free: Value | Case = Value(0)
    if slot is not None:
        bit = availability_bit(*slot)
        members = members.annotate(free_bits=F("availability").bitand(bit))
        free = Case(
            When(free_bits__gt=0, then=Value(AVAILABLE)), default=Value(0), output_field=IntegerField()
        )
    skills_score = (
        Coalesce(Subquery(matched, output_field=IntegerField()), Value(0)) * SKILL if skill_ids else Value(0)
    )
    # Ranked on the check-in rows alone (no joins: a join to people or areas would be made for
    # every member of the district before the sort); names are read for the first few after.
    ranked = (
        members.annotate(
            fit_skills=skills_score,
            fit_near=_near_score(community, grid, street_path),
            fit_free=free,
            fit_recent=_recency_score(today),
        )
        .annotate(fit=F("fit_skills") + F("fit_near") + F("fit_free") + F("fit_recent"))
        .order_by("-fit", F("last_served_on").asc(nulls_first=True), "pk")
        .values("pk", "fit", "fit_near", "fit_free", "last_served_on")[:limit]
    )
    scores = list(ranked)
    loaded = CheckIn.objects.select_related("person", "community", "grid").in_bulk([r["pk"] for r in scores])
    names = dict(Skill.objects.filter(pk__in=skill_ids).values_list("pk", "name"))
    english = dict(Skill.objects.filter(pk__in=skill_ids).values_list("pk", "name_en"))
    has: dict[int, list[int]] = {}
    for checkin_id, skill_id in through.objects.filter(
        checkin_id__in=list(loaded), skill_id__in=skill_ids
    ).values_list("checkin_id", "skill_id"):
        has.setdefault(checkin_id, []).append(skill_id)
    out = []
    for score in scores:
        c = loaded[score["pk"]]
        reasons = []
        for skill_id in sorted(has.get(c.pk, [])):
            name = english[skill_id] if _language_is_english() else names[skill_id]
            reasons.append(_("has the skill: %(skill)s") % {"skill": name})
        near = score["fit_near"]
        if near == SAME_GRID:
            reasons.append(_("lives in the same grid"))
        elif near == SAME_COMMUNITY:
            reasons.append(_("lives in the same community"))
        elif near == SAME_STREET:
            reasons.append(_("lives in the same street"))
        else:
            reasons.append(_("lives in the same district"))
        if slot is not None and score["fit_free"]:
            reasons.append(free_phrase(*slot))
        reasons.append(recency_phrase(c.last_served_on, today))
        out.append(
            Suggestion(
                person_id=c.person_id,
                name=str(c.person),
                community=c.community.name,
                grid=c.grid.name if c.grid else "",
                score=int(score["fit"]),
                reasons=reasons,
            )
        )
    return out


def _language_is_english() -> bool:
    return (get_language() or "").startswith("en")


def _require_staff(actor: Any, area_path: str) -> None:
    """Whoever may read the shift or need (its selector said so) but does not run the community's
    volunteering is refused (403)."""
    require_authenticated(actor)
    require(can_in_area(actor, "volunteering.manage", area_path))


def _audit_viewed(actor: Any, obj: Shift | Need, found: list[Suggestion]) -> None:
    """Whom staff were shown for a shift or a need: a suggestion is a read of members' data."""
    audit_record(
        actor=actor,
        action="volunteering.suggestions.viewed",
        obj=obj,
        new={"people": [s.person_id for s in found]},
    )


def suggest_for_shift(*, actor: Any, shift: Shift, limit: int = 10) -> list[Suggestion]:
    """The members most likely to take this shift, for the community's staff; the read of
    members' names is audited."""
    _require_staff(actor, shift.area_path)
    community = shift.project.community
    busy = Q(shift=shift)
    if shift.starts_at is not None and shift.ends_at is not None:
        busy |= Q(starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at)
    # A shift of a project answering the needs of one grid is near the members of that grid.
    grids = set(shift.project.needs.exclude(grid=None).values_list("grid_id", flat=True)[:2])
    grid = Area.objects.filter(pk=grids.pop()).first() if len(grids) == 1 else None
    found = _rank(
        community=community,
        grid=grid,
        skill_ids=list(shift.skills.values_list("pk", flat=True)),
        slot=slot_of(shift.starts_at),
        busy=busy,
        limit=limit,
    )
    _audit_viewed(actor, shift, found)
    return found


def suggest_for_need(*, actor: Any, need: Need, limit: int = 10) -> list[Suggestion]:
    """The members most likely to answer a need: its skills, its grid, the weekday it starts."""
    _require_staff(actor, need.area_path)
    found = _rank(
        community=need.community,
        grid=need.grid,
        skill_ids=list(need.skills.values_list("pk", flat=True)),
        slot=None,
        busy=None,
        limit=limit,
    )
    _audit_viewed(actor, need, found)
    return found


def shifts_for_member(*, actor: Any, limit: int = 10) -> list[Fit]:
    """The open shifts of the member's district that fit them best: their skills, near their
    home, when they are free; none without a confirmed check-in."""
    require_authenticated(actor)
    checkin = (
        CheckIn.objects.filter(person=actor, status=CheckInStatus.CONFIRMED)
        .select_related("community", "grid")
        .first()
    )
    if checkin is None:
        return []
    community = checkin.community
    district = _district_of(community)
    street_path = _street_path(community)
    now = timezone.now()
    today = timezone.localdate()
    mine = Claim.objects.filter(person=actor, status__in=HOLDING)
    held = set(mine.values_list("shift_id", flat=True))
    busy = [
        (s, e)
        for s, e in mine.filter(starts_at__isnull=False, ends_at__isnull=False).values_list(
            "starts_at", "ends_at"
        )
        if s is not None and e is not None
    ]
    open_shifts = (
        Shift.objects.filter(
            Q(starts_at__gte=now, starts_at__lt=now + dt.timedelta(days=AHEAD_DAYS))
            | Q(starts_at__isnull=True, due_on__gte=today),
            area_path__gte=district.path,
            area_path__lt=district.path + PATH_END,
            cancelled=False,
            filled__lt=F("slots"),
            project__status="open",
        )
        .exclude(pk__in=held)
        .select_related("project", "project__community")
        .prefetch_related("skills")
        .order_by("starts_at", "due_on", "pk")[:WEIGHED]
    )
    my_skills = set(checkin.skills.values_list("pk", flat=True))
    english = _language_is_english()
    fits = []
    for shift in open_shifts:
        starts, ends = shift.starts_at, shift.ends_at
        if starts is not None and ends is not None and any(s < ends and e > starts for s, e in busy):
            continue
        score, reasons = 0, []
        for skill in shift.skills.all():
            if skill.pk in my_skills:
                score += SKILL
                reasons.append(
                    _("needs your skill: %(skill)s") % {"skill": skill.name_en if english else skill.name}
                )
        if checkin.grid is not None and shift.area_path.startswith(checkin.grid.path):
            score += SAME_GRID
            reasons.append(_("in your grid"))
        elif shift.area_path.startswith(community.path):
            score += SAME_COMMUNITY
            reasons.append(_("in your community"))
        elif shift.area_path.startswith(street_path):
            score += SAME_STREET
            reasons.append(_("in your street"))
        slot = slot_of(shift.starts_at)
        if slot is not None and checkin.availability & availability_bit(*slot):
            score += AVAILABLE
            reasons.append(when_phrase(*slot))
        fits.append(Fit(shift=shift, score=score, reasons=reasons))
    fits.sort(key=lambda f: (-f.score, _when(f.shift), f.shift.pk))
    return fits[:limit]


def _when(shift: Shift) -> dt.datetime:
    """A shift's moment for ordering equals: a flexible one counts from noon of its due day."""
    if shift.starts_at is not None:
        return shift.starts_at
    assert shift.due_on is not None
    return dt.datetime.combine(shift.due_on, dt.time(12), timezone.get_current_timezone())
