"""The demo's members serving where they live, for the personas' district (80 communities):
the known skills and the rules of points; the district's party members living in its
communities (most not where their branch is) and most of them checked in there, with skills
from a realistic list, their availability and their kinds of service; units paired with
communities and what they commit; each community's needs (some made from its residents'
requests), a weekly project and a one-off or flexible one with shifts from six weeks ago to
three weeks ahead, their claims, verified hours (and some still to verify), residents' ratings,
and last quarter's cards signed by the community. The `member` persona has not checked in, so
that a newcomer can try it.

Written in bulk, as the rest of the demo's fixture; every status it writes is one the
lifecycles' tables allow (needle.volunteering.states)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from needle.areas.models import Area, Level, subtree_q
from needle.cases.models import Case
from needle.core.states import step_allowed
from needle.orgs.models import Membership, MembershipKind, Person, Unit, UnitType
from needle.volunteering.models import (
    CardSignoff,
    CheckIn,
    CheckInStatus,
    Claim,
    ClaimStatus,
    HourEntry,
    HourStatus,
    Need,
    NeedStatus,
    PointRule,
    PointRuleKind,
    Project,
    ProjectKind,
    Rating,
    ResourceKind,
    Shift,
    Skill,
    UnitCheckIn,
    UnitCommitment,
    Urgency,
    availability_bit,
)
from needle.volunteering.quarters import parse_quarter, quarter_of
from needle.volunteering.states import (
    CHECKIN_INITIAL,
    CHECKIN_MOVES,
    CLAIM_MOVES,
    HOUR_MOVES,
    NEED_MOVES,
)

# code, name, name in English, synonyms (either language)
SKILLS = [
    ("medical", "医疗护理", "medical care", "医生\n护士\n医护\nnurse\ndoctor\n量血压"),
    ("first_aid", "急救", "first aid", "CPR\n心肺复苏\n救护\n应急救护"),
    ("legal", "法律咨询", "legal advice", "律师\n法律\nlawyer\n法律援助"),
    ("teaching", "教学辅导", "teaching", "教师\n家教\n辅导\ntutoring\nteacher"),
    ("repairs", "水电维修", "repairs", "维修\n修理\n电工\n水管\nplumbing\nelectrician"),
    ("it", "电脑与手机", "IT and phones", "电脑\n网络\n手机\ncomputer\nsmartphone\nIT"),
    ("driving", "驾驶", "driving", "开车\n司机\n驾照\ndriver"),
    ("elderly_care", "照护老人", "caring for the elderly", "养老\n陪护\n助老\nelder care"),
    ("language", "外语与手语", "languages and sign language", "英语\n手语\n翻译\nEnglish\ninterpreting"),
    ("psychology", "心理疏导", "counselling", "心理\n心理咨询\ncounselor\npsychology"),
    ("arts", "文艺", "arts and performance", "书法\n绘画\n唱歌\n舞蹈\ncalligraphy\npainting"),
    ("cooking", "烹饪", "cooking", "做饭\n厨师\n助餐\ncook"),
]

NEEDS = [
    ("帮独居老人代买生活用品", "elderly", ("elderly_care", "driving")),
    ("为高龄老人测量血压", "elderly", ("medical",)),
    ("楼道堆物清理", "environment", ()),
    ("四点半课堂作业辅导", "children", ("teaching",)),
    ("老旧小区水管检修", "repairs", ("repairs",)),
    ("教老人用智能手机防诈骗", "culture", ("it",)),
    ("居民法律咨询", "legal", ("legal",)),
    ("夜间治安巡逻", "safety", ()),
    ("心理疏导进社区", "health", ("psychology",)),
    ("垃圾分类宣传值守", "civility", ()),
]

WEEKLY = [
    ("周六助老服务", "elderly", dt.time(9, 0), 3, 5, ("elderly_care",)),
    ("周末平安巡逻", "safety", dt.time(19, 0), 2, 4, ()),
    ("四点半课堂志愿辅导", "children", dt.time(16, 30), 2, 3, ("teaching",)),
    ("垃圾分类督导", "civility", dt.time(7, 30), 2, 4, ()),
]
ONE_OFF = [
    ("义诊进社区", "health", ("medical", "first_aid")),
    ("法律咨询日", "legal", ("legal",)),
    ("家电义务维修", "repairs", ("repairs",)),
    ("智能手机课堂", "culture", ("it",)),
]
COMMITMENTS = [
    (ResourceKind.VENUE, "提供单位会议室用于社区议事", Decimal(12), "次"),
    (ResourceKind.PROFESSIONAL, "每季度一次专业咨询进社区", Decimal(4), "次"),
    (ResourceKind.FUNDS, "支持社区助老项目经费", Decimal(20000), "元"),
    (ResourceKind.STAFF_DAYS, "干部职工进社区服务", Decimal(60), "人天"),
]
NOTES = ["", "", "帮老人买了米和油", "巡逻两小时，无异常", "辅导三名学生作业", "检修了两户水管"]


def demo_volunteering_load(
    *, area: Area, rng: random.Random, staff: Person, member: Person, now: dt.datetime | None = None
) -> int:
    """Check-ins, pairings, lists, claims, hours and cards for the communities in `area`'s
    subtree; returns the hour entries written. `staff` verifies in their community; `member`
    keeps no check-in."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    for code, name, name_en, synonyms in SKILLS:
        Skill.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "synonyms": synonyms}
        )
    skills = {s.code: s for s in Skill.objects.all()}
    if not PointRule.objects.exists():
        PointRule.objects.bulk_create(
            [
                PointRule(kind=PointRuleKind.PER_HOUR, points=Decimal(10)),
                PointRule(kind=PointRuleKind.KIND_PER_HOUR, service_kind="elderly", points=Decimal(2)),
                PointRule(kind=PointRuleKind.URGENT_BONUS, points=Decimal(20)),
            ]
        )
    communities = list(Area.objects.filter(subtree_q(area.path), level=Level.COMMUNITY).order_by("code"))
    if not communities:
        return 0
    grids: dict[int, list[Area]] = {}
    for grid in Area.objects.filter(subtree_q(area.path), level=Level.GRID).order_by("code"):
        grids.setdefault(grid.parent_id or 0, []).append(grid)
    staff_community = staff.roles.select_related("unit__area").first()
    staff_area_id = staff_community.unit.area_id if staff_community else None

    # Members: the district's party members, living in its communities.
    memberships = list(
        Membership.objects.filter(
            subtree_q(area.path, "unit__area_path"),
            kind__in=[MembershipKind.PARTY_MEMBER, MembershipKind.MEMBER],
            left_on__isnull=True,
        )
        .exclude(person=member)
        .select_related("person", "unit")
        .order_by("pk")
    )
    by_id = {c.pk: c for c in communities}
    homes: dict[int, Area] = {}
    people = []
    for m in memberships:
        if m.person_id in homes:
            continue
        branch_home = by_id.get(m.unit.area_id)
        home = branch_home if branch_home is not None and rng.random() < 0.3 else rng.choice(communities)
        if staff_area_id and rng.random() < 0.15:
            home = by_id.get(staff_area_id) or home
        in_grid = grids.get(home.pk)
        place = rng.choice(in_grid) if in_grid else home
        homes[m.person_id] = place
        m.person.home_area = place
        people.append(m.person)
    Person.objects.bulk_update(people, ["home_area"], batch_size=1000)
    workplace_of: dict[int, Unit] = {}
    for m in memberships:
        workplace_of.setdefault(m.person_id, m.unit)

    # Check-ins: most confirmed, a few waiting for staff or returned for corrections.
    skill_codes = list(skills)
    checkins: list[CheckIn] = []
    chosen: dict[int, list[str]] = {}
    for person_id, place in homes.items():
        if rng.random() < 0.12:
            continue
        community = place if place.level == Level.COMMUNITY else by_id[place.parent_id or 0]
        roll = rng.random()
        status = (
            CheckInStatus.CONFIRMED
            if roll < 0.88
            else CheckInStatus.SUBMITTED
            if roll < 0.96
            else CheckInStatus.RETURNED
        )
        assert status == CHECKIN_INITIAL or step_allowed(CHECKIN_MOVES, CHECKIN_INITIAL, status)
        codes = rng.sample(skill_codes, k=rng.randint(1, 3))
        chosen[person_id] = codes
        bits = 0
        for weekday in range(1, 8):
            for part in ("morning", "afternoon", "evening"):
                likely = 0.55 if weekday >= 6 else 0.12 if part != "evening" else 0.35
                if rng.random() < likely:
                    bits |= availability_bit(weekday, part)
        confirmed = now - dt.timedelta(days=rng.randint(20, 400), hours=rng.randint(0, 8))
        checkins.append(
            CheckIn(
                person_id=person_id,
                workplace=workplace_of[person_id],
                community=community,
                grid=place if place.level == Level.GRID else None,
                area_path=place.path,
                status=status,
                # As a member writes it: another word for some of their skills.
                skills_text="、".join(skills[c].synonyms.split("\n")[0] for c in codes[:2]),
                availability=bits,
                service_kinds=rng.sample(["elderly", "children", "safety", "environment", "culture"], k=2),
                phone_visible=rng.random() < 0.3,
                note="请补充可服务时间" if status == CheckInStatus.RETURNED else "",
                decided_by=staff
                if status != CheckInStatus.SUBMITTED and community.pk == staff_area_id
                else None,
                confirmed_at=confirmed if status == CheckInStatus.CONFIRMED else None,
            )
        )
    CheckIn.objects.bulk_create(checkins, batch_size=1000)
    stored = {c.person_id: c for c in CheckIn.objects.filter(community__in=communities)}
    through = CheckIn.skills.through
    through.objects.bulk_create(
        [
            through(checkin_id=stored[p].pk, skill_id=skills[c].pk)
            for p, codes in chosen.items()
            for c in codes
        ],
        batch_size=2000,
    )
    confirmed_by_community: dict[int, list[CheckIn]] = {}
    for c in stored.values():
        if c.status == CheckInStatus.CONFIRMED:
            confirmed_by_community.setdefault(c.community_id, []).append(c)

    # Units paired: a few of the district's departments, each with one or two communities.
    departments = list(
        Unit.objects.filter(
            subtree_q(area.path, "area_path"), type=UnitType.DEPARTMENT, dissolved_on__isnull=True
        ).order_by("code")
    )
    pairings = []
    for unit in departments:
        for community in rng.sample(communities, k=min(2, len(communities))):
            pairings.append(
                UnitCheckIn(
                    unit=unit,
                    community=community,
                    area_path=community.path,
                    year=today.year,
                    status=CheckInStatus.CONFIRMED,
                    confirmed_at=now - dt.timedelta(days=rng.randint(10, 200)),
                )
            )
    UnitCheckIn.objects.bulk_create(pairings)
    UnitCommitment.objects.bulk_create(
        UnitCommitment(pairing=p, kind=kind, description=text, quantity=qty, measure=measure)
        for p in UnitCheckIn.objects.filter(community__in=communities)
        for kind, text, qty, measure in rng.sample(COMMITMENTS, k=2)
    )

    # Needs: some made from the community's own residents' requests.
    # A path's first five segments are its community's (the tree's levels: province to community).
    community_of_path = {c.path: c.pk for c in communities}
    cases: dict[int, list[Case]] = {}
    for case in Case.objects.filter(subtree_q(area.path, "area_path")).order_by("pk")[:4000]:
        community_id = community_of_path.get("/".join(case.area_path.split("/")[:5]) + "/")
        if community_id is not None:
            cases.setdefault(community_id, []).append(case)
    needs: list[tuple[Need, tuple[str, ...]]] = []
    need_skills = []
    for community in communities:
        for title, category, need_codes in rng.sample(NEEDS, k=rng.randint(3, 5)):
            raised = now - dt.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 10))
            met = rng.random() < 0.35
            assert not met or step_allowed(NEED_MOVES, NeedStatus.OPEN, NeedStatus.MET)
            in_grid = grids.get(community.pk)
            need_grid = rng.choice(in_grid) if in_grid and rng.random() < 0.5 else None
            need = Need(
                community=community,
                grid=need_grid,
                area_path=(need_grid or community).path,
                title=title,
                description=f"{community.name}{title}，需要志愿者参与。",
                category=category,
                people_needed=rng.randint(1, 4),
                starts_on=raised.astimezone(tz).date(),
                ends_on=raised.astimezone(tz).date() + dt.timedelta(days=30),
                urgency=Urgency.URGENT if rng.random() < 0.15 else Urgency.NORMAL,
                status=NeedStatus.MET if met else NeedStatus.OPEN,
                met_at=min(now, raised + dt.timedelta(days=rng.randint(1, 10))) if met else None,
                met_note="已由在职党员上门服务" if met else "",
            )
            need.created_at = raised
            needs.append((need, need_codes))
        from_case = cases.get(community.pk)
        if from_case:
            case = rng.choice(from_case)
            raised = max(case.created_at, now - dt.timedelta(days=60))
            need = Need(
                community=community,
                area_path=community.path,
                title=(case.title or case.description[:40])[:150],
                description=case.description[:2000],
                category="other",
                starts_on=raised.astimezone(tz).date(),
                case=case,
                status=NeedStatus.OPEN,
            )
            need.created_at = raised
            needs.append((need, ()))
    Need.objects.bulk_create([n for n, _ in needs], batch_size=1000)
    stored_needs = list(Need.objects.filter(community__in=communities).order_by("pk"))
    for need, (_, wanted) in zip(stored_needs, needs, strict=True):
        need_skills += [Need.skills.through(need_id=need.pk, skill_id=skills[c].pk) for c in wanted]
    Need.skills.through.objects.bulk_create(need_skills, batch_size=2000)
    # bulk_create stamps created_at now: put back the day each need was raised.
    for need, (drafted, _) in zip(stored_needs, needs, strict=True):
        need.created_at = drafted.created_at
    Need.objects.bulk_update(stored_needs, ["created_at"], batch_size=1000)
    needs_of: dict[int, list[Need]] = {}
    for need in stored_needs:
        needs_of.setdefault(need.community_id, []).append(need)

    # Projects and shifts: a weekly one from six weeks ago to three ahead, and a one-off or a
    # flexible task.
    monday = today - dt.timedelta(days=today.weekday())
    projects: list[tuple[Project, list[tuple[Shift, tuple[str, ...]]]]] = []
    for community in communities:
        title, category, start, slots, weekday, weekly_codes = rng.choice(WEEKLY)
        weekly = Project(
            community=community,
            area_path=community.path,
            title=title,
            description=f"{community.name}{title}，每周一次，欢迎报名。",
            kind=ProjectKind.RECURRING,
            category=category,
            created_by=staff if community.pk == staff_area_id else None,
        )
        shifts: list[tuple[Shift, tuple[str, ...]]] = []
        for week in range(-6, 4):
            day = monday + dt.timedelta(weeks=week, days=weekday)
            begins = dt.datetime.combine(day, start, tz)
            shifts.append(
                (
                    Shift(
                        area_path=community.path,
                        starts_at=begins,
                        ends_at=begins + dt.timedelta(hours=2),
                        place=f"{community.name}党群服务中心",
                        slots=slots,
                    ),
                    weekly_codes,
                )
            )
        projects.append((weekly, shifts))
        title, category, once_codes = rng.choice(ONE_OFF)
        flexible = rng.random() < 0.3
        once = Project(
            community=community,
            area_path=community.path,
            title=title,
            description=f"{community.name}{title}。",
            kind=ProjectKind.FLEXIBLE if flexible else ProjectKind.ONE_OFF,
            category=category,
            created_by=staff if community.pk == staff_area_id else None,
        )
        day = today + dt.timedelta(days=rng.randint(2, 12))
        begins = dt.datetime.combine(day, dt.time(9, 30), tz)
        shift = (
            Shift(area_path=community.path, due_on=day, place=community.name, slots=2)
            if flexible
            else Shift(
                area_path=community.path,
                starts_at=begins,
                ends_at=begins + dt.timedelta(hours=3),
                place=f"{community.name}广场",
                slots=rng.randint(3, 6),
            )
        )
        projects.append((once, [(shift, once_codes)]))
    Project.objects.bulk_create([p for p, _ in projects], batch_size=500)
    all_shifts = []
    for project, shifts in projects:
        for shift, _codes in shifts:
            shift.project = project
            all_shifts.append(shift)
    Shift.objects.bulk_create(all_shifts, batch_size=1000)
    Shift.skills.through.objects.bulk_create(
        [
            Shift.skills.through(shift_id=shift.pk, skill_id=skills[c].pk)
            for _, shifts in projects
            for shift, codes in shifts
            for c in codes
        ],
        batch_size=2000,
    )
    Project.needs.through.objects.bulk_create(
        [
            Project.needs.through(project_id=project.pk, need_id=need.pk)
            for project, _ in projects
            for need in needs_of.get(project.community_id, [])
            if need.category == project.category
        ]
    )

    # Claims, hours and ratings.
    claims: list[Claim] = []
    entries: list[HourEntry] = []
    filled: list[Shift] = []
    busy: dict[int, set[dt.datetime]] = {}
    for project, shifts in projects:
        helpers = confirmed_by_community.get(project.community_id, [])
        verifier = staff if project.community_id == staff_area_id else None
        for shift, _codes in shifts:
            past = shift.starts_at is not None and shift.ends_at is not None and shift.ends_at < now
            free = [c for c in helpers if shift.starts_at not in busy.get(c.person_id, set())]
            takers = rng.sample(free, k=min(len(free), rng.randint(0, shift.slots)))
            for checkin in takers:
                claim_status = ClaimStatus.DONE if past else ClaimStatus.CLAIMED
                assert claim_status == ClaimStatus.CLAIMED or step_allowed(
                    CLAIM_MOVES, ClaimStatus.CLAIMED, claim_status
                )
                claims.append(
                    Claim(
                        shift=shift,
                        person_id=checkin.person_id,
                        status=claim_status,
                        starts_at=shift.starts_at,
                        ends_at=shift.ends_at,
                    )
                )
                if shift.starts_at is not None:
                    busy.setdefault(checkin.person_id, set()).add(shift.starts_at)
                if past and shift.starts_at is not None and shift.ends_at is not None:
                    day = shift.starts_at.astimezone(tz).date()
                    hours = Decimal(2)
                    entries.append(
                        HourEntry(
                            person_id=checkin.person_id,
                            community_id=project.community_id,
                            area_path=project.area_path,
                            workplace_id=checkin.workplace_id,
                            date=day,
                            hours=hours,
                            description=f"{project.title}：{rng.choice(NOTES) or '按时到岗服务'}",
                            kind=project.category,
                            shift=shift,
                            status=HourStatus.VERIFIED,
                            reported_by=verifier,
                            verified_by=verifier,
                            verified_at=shift.ends_at + dt.timedelta(hours=rng.randint(1, 30)),
                            points=hours * 10 + (hours * 2 if project.category == "elderly" else 0),
                        )
                    )
            shift.filled = len(takers)
            filled.append(shift)
    Claim.objects.bulk_create(claims, batch_size=2000)
    Shift.objects.bulk_update(filled, ["filled"], batch_size=1000)

    # Self-reported hours: older ones verified or (a few) rejected, this week's still to verify.
    for checkins_here in confirmed_by_community.values():
        for checkin in checkins_here:
            if rng.random() < 0.5:
                continue
            verifier = staff if checkin.community_id == staff_area_id else None
            for _ in range(rng.randint(1, 3)):
                ago = rng.randint(0, 85)
                day = today - dt.timedelta(days=ago)
                hours = Decimal(rng.choice([1, 1.5, 2, 3, 4]))
                roll = rng.random()
                # The staff member's community has a few reports of this week waiting for them.
                waiting = checkin.community_id == staff_area_id and checkin.pk % 4 == 0
                if waiting:
                    ago = rng.randint(0, 3)
                    day = today - dt.timedelta(days=ago)
                hour_status = (
                    HourStatus.REPORTED
                    if waiting or (ago < 7 and roll < 0.6)
                    else HourStatus.REJECTED
                    if roll < 0.05
                    else HourStatus.VERIFIED
                )
                assert hour_status == HourStatus.REPORTED or step_allowed(
                    HOUR_MOVES, HourStatus.REPORTED, hour_status
                )
                decided = hour_status != HourStatus.REPORTED
                entries.append(
                    HourEntry(
                        person_id=checkin.person_id,
                        community_id=checkin.community_id,
                        area_path=checkin.area_path,
                        workplace_id=checkin.workplace_id,
                        date=day,
                        hours=hours,
                        description=rng.choice(
                            ["看望独居老人", "清理楼道杂物", "协助核酸点位秩序", "辅导学生功课", "社区巡逻"]
                        ),
                        kind=rng.choice(["elderly", "environment", "children", "safety"]),
                        status=hour_status,
                        reported_by_id=checkin.person_id,
                        verified_by=verifier if decided else None,
                        verified_at=now - dt.timedelta(days=max(ago - 2, 0)) if decided else None,
                        reason="日期与活动记录不符" if hour_status == HourStatus.REJECTED else "",
                        points=hours * 10 if hour_status == HourStatus.VERIFIED else Decimal(0),
                    )
                )
    HourEntry.objects.bulk_create(entries, batch_size=2000)
    last: dict[int, dt.date] = {}
    for e in entries:
        if e.status == HourStatus.VERIFIED and (e.person_id not in last or last[e.person_id] < e.date):
            last[e.person_id] = e.date
    served = [c for c in stored.values() if c.person_id in last]
    for c in served:
        c.last_served_on = last[c.person_id]
    CheckIn.objects.bulk_update(served, ["last_served_on"], batch_size=1000)

    raters = list(homes)
    ratings = []
    for project, shifts in projects:
        if not any(s.filled for s, _ in shifts) or project.kind != ProjectKind.RECURRING:
            continue
        for person_id in rng.sample(raters, k=min(len(raters), rng.randint(1, 4))):
            ratings.append(
                Rating(
                    project=project, person_id=person_id, rating=rng.choice([3, 4, 4, 5, 5, 5]), comment=""
                )
            )
    Rating.objects.bulk_create(ratings, batch_size=1000)

    # Last quarter's cards, signed by the community a few days after the quarter ended.
    this_quarter = parse_quarter(quarter_of(today))[0]
    label = quarter_of(this_quarter - dt.timedelta(days=1))
    last_quarter = parse_quarter(label)[0]
    totals: dict[tuple[int, int], Decimal] = {}
    for e in entries:
        if e.status == HourStatus.VERIFIED and last_quarter <= e.date < this_quarter:
            key = (e.person_id, e.community_id)
            totals[key] = totals.get(key, Decimal(0)) + e.hours
    signed_at = dt.datetime.combine(this_quarter + dt.timedelta(days=4), dt.time(10), tz)
    CardSignoff.objects.bulk_create(
        CardSignoff(
            person_id=person_id,
            community_id=community_id,
            quarter=label,
            signed_by=staff if community_id == staff_area_id else None,
            signed_at=min(signed_at, now),
            hours=hours,
        )
        for (person_id, community_id), hours in totals.items()
    )
    return len(entries)
