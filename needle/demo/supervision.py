"""The demo's supervised tasks, in the personas' district: its admission list (real kinds of
items pushed to communities: waste sorting, the old-age allowance check, housing safety, with
their bases and hours; one application waiting, one refused), and half a year of tasks (with
the same kinds a year before, to compare) from the district's general office to its streets
and from its departments to its communities — most signed off, some overdue, some in progress,
the staff persona's street passing one down — and one unlisted task a community declined; a
task the environment department leads with the civil affairs and housing departments
assisting, whose staff street was urged, gave evidence files and was granted an extension (and,
where the deployment holds unlisted tasks, one held for the general office); a monthly report
with most fields bound to the figures, last month's (and the same month a year before) filled
and signed off, this month's to fill; a draft the general office put to its streets for their
opinion, some answered.

Issued through the services (so the targets, signers and the admission check are theirs), then
dated back in bulk: the services issue on today's date, the demo writes months at once. Every
status written is one the lifecycle's table reaches (needle.supervision.states)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from needle.areas.models import Area, subtree_q
from needle.orgs.models import Person, Unit, UnitType
from needle.rollups.refresh import rollups_refresh
from needle.supervision import services as svc
from needle.supervision.models import ConsultationReply, Entry, Status, Target, Task
from needle.supervision.services import consultation as consultations
from needle.supervision.services.issue import hold_unlisted

ENTRIES = [
    # department key, task type, what it asks, basis, hours per community
    ("env", "waste_sorting", "入户宣传垃圾分类并统计参与率", "《重庆市生活垃圾管理条例》", "3"),
    ("civil", "elderly_allowance", "高龄津贴领取资格年度认证", "《重庆市高龄失能老年人补贴办法》", "2"),
    ("housing", "housing_safety", "老旧房屋安全隐患排查登记", "《城市危险房屋管理规定》", "4"),
]
# (issuer: "go" or a department key, title, type, target kind, months ago, days to the deadline)
TASKS = [
    ("go", "安全生产大检查", "safety_check", UnitType.STREET_OFFICE, 5, 20),
    ("env", "垃圾分类入户宣传", "waste_sorting", UnitType.RESIDENT_COMMITTEE, 4, 25),
    ("go", "防汛准备工作督查", "flood_prep", UnitType.STREET_OFFICE, 3, 15),
    ("civil", "高龄津贴资格认证", "elderly_allowance", UnitType.RESIDENT_COMMITTEE, 2, 30),
    ("go", "12345热线重复诉求整改", "hotline_repeat", UnitType.STREET_OFFICE, 1, 20),
    ("housing", "老旧房屋安全排查", "housing_safety", UnitType.RESIDENT_COMMITTEE, 0, 20),
    ("go", "垃圾分类工作督查", "waste_sorting", UnitType.STREET_OFFICE, 0, 25),
    # The same kinds a year before, inside the burden page's default comparison (the last 90
    # days, a year back), so the page has something to compare with.
    ("go", "安全生产大检查", "safety_check", UnitType.STREET_OFFICE, 13, 20),
    ("env", "垃圾分类入户宣传", "waste_sorting", UnitType.RESIDENT_COMMITTEE, 14, 25),
]


def _back(task: Task, issued: dt.date, deadline: dt.date) -> None:
    Task.objects.filter(pk=task.pk).update(issued_on=issued, deadline=deadline)
    Target.objects.filter(task=task).update(deadline=deadline)


def _outcomes(task: Task, rng: random.Random, today: dt.date) -> None:
    """Most targets of a past task signed off on time, some late or still open; of a running
    one, progress reported."""
    task.refresh_from_db()
    ids = list(Target.objects.filter(task=task).values_list("pk", flat=True))
    window = (task.deadline - task.issued_on).days
    for pk in ids:
        roll = rng.random()
        # Every past task with several targets has one still open past its deadline.
        if task.deadline < today and len(ids) > 1 and pk == ids[-1]:
            roll = 0.99
        if task.deadline < today:
            if roll < 0.75:
                done = task.issued_on + dt.timedelta(days=rng.randint(3, window))
                signed = min(done + dt.timedelta(days=rng.randint(0, 3)), today)
                Target.objects.filter(pk=pk).update(
                    status=Status.SIGNED_OFF,
                    progress=100,
                    done_on=done,
                    signed_off_on=signed,
                    note="已按要求完成",
                )
            elif roll < 0.85:
                done = task.deadline + dt.timedelta(days=rng.randint(1, 5))
                Target.objects.filter(pk=pk).update(
                    status=Status.DONE, progress=100, done_on=min(done, today)
                )
            else:
                Target.objects.filter(pk=pk).update(
                    status=Status.REPORTING, progress=rng.choice([30, 50, 70]), note="正在推进"
                )
        elif roll < 0.6:
            Target.objects.filter(pk=pk).update(
                status=Status.REPORTING, progress=rng.choice([20, 40, 60, 80]), note="已部署，推进中"
            )
        elif roll < 0.8:
            Target.objects.filter(pk=pk).update(status=Status.ACCEPTED)


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF of a few ASCII lines: an evidence file small enough for the demo."""
    text = " ".join(
        f"BT /F1 12 Tf 60 {760 - 18 * i} Td ({line.replace('(', '[').replace(')', ']')}) Tj ET"
        for i, line in enumerate(lines)
    ).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _coordinated(
    *,
    area: Area,
    office: Unit,
    depts: dict[str, Unit | None],
    street: Unit | None,
    actor: Person,
    today: dt.date,
) -> int:
    """A task the environment department leads, the others assist, to the district's streets:
    the staff's street urged, giving two evidence files and granted an extension; and, where
    the deployment holds unlisted tasks for the general office, one such task waiting."""
    lead = depts["env"]
    if lead is None:
        return 0
    task = svc.task_issue(
        actor=actor,
        issuer=office,
        draft=svc.Draft(
            title="占道经营联合整治",
            body="环境部门牵头，民政、住建部门配合，各街道排查辖区占道经营并报送整治前后情况。",
            task_type="street_order",
            deadline=today + dt.timedelta(days=12),
            lead_unit=lead.pk,
            assisting=tuple(d.pk for k, d in depts.items() if k != "env" and d is not None),
        ),
        targets=[{"area": area.code, "unit_type": UnitType.STREET_OFFICE}],
    )
    _back(task, today - dt.timedelta(days=20), today + dt.timedelta(days=2))
    targets = list(Target.objects.filter(task=task).order_by("id"))
    mine = next(
        (t for t in targets if street is not None and t.unit_id == street.pk), targets[0] if targets else None
    )
    if mine is None:
        return 1
    svc.target_accept(actor=actor, target_id=mine.pk)
    svc.target_progress(actor=actor, target_id=mine.pk, progress=40, text="已排查主要路段，正在清理")
    for n, (name, lines) in enumerate(
        (
            ("整治前照片说明.pdf", ["Street order campaign: before", "12 stalls found on 3 roads"]),
            ("整治台账.pdf", ["Street order campaign: ledger", "8 stalls moved, 4 in progress"]),
        )
    ):
        svc.evidence_add(actor=actor, target_id=mine.pk, data=_pdf([*lines, f"Sheet {n + 1}"]), name=name)
    svc.extension_ask(
        actor=actor,
        target_id=mine.pk,
        until=today + dt.timedelta(days=9),
        reason="部分路段涉及跨街道协调，需延期一周",
    )
    svc.extension_decide(actor=actor, target_id=mine.pk, grant=True)
    # Another street, behind, is urged by the general office.
    behind = next((t for t in targets if t.pk != mine.pk), mine)
    svc.target_urge(actor=actor, target_id=behind.pk, note="进度滞后，请于本周内报送整治情况")
    made = 1
    if hold_unlisted() and street is not None:
        svc.task_issue(
            actor=actor,
            issuer=lead,
            draft=svc.Draft(
                title="门前三包签约照片每周上报",
                body="各社区每周上报门前三包签约及照片。",
                task_type="storefront_photos",
                deadline=today + dt.timedelta(days=14),
            ),
            targets=[{"area": street.area.code, "unit_type": UnitType.RESIDENT_COMMITTEE}],
        )
        made += 1
    return made


REPORT_FIELDS = [
    {
        "key": "cases_received",
        "label": "群众诉求受理数",
        "kind": "integer",
        "source": "cases",
        "figure": "received",
    },
    {
        "key": "cases_resolved",
        "label": "诉求办结数",
        "kind": "integer",
        "source": "cases",
        "figure": "resolved",
    },
    {"key": "cases_open", "label": "在办诉求数", "kind": "integer", "source": "cases", "figure": "open"},
    {
        "key": "satisfaction",
        "label": "群众满意率",
        "kind": "decimal",
        "source": "cases",
        "figure": "satisfaction_rate",
    },
    {"key": "org_units", "label": "辖区组织数", "kind": "integer", "source": "orgs", "figure": "units"},
    {"key": "volunteers", "label": "在册志愿者人数", "kind": "integer"},
    {"key": "drill", "label": "本月开展应急演练", "kind": "yes_no"},
]


def _reports(*, area: Area, office: Unit, actor: Person, today: dt.date) -> int:
    """A monthly report (一表通) of the district's general office, most fields bound to the
    figures: last month's filled by every community and signed off, this month's open. The
    rollups are brought up to date first, so the prefilled values are the figures of now."""
    rollups_refresh()
    entry = svc.entry_apply(
        actor=actor,
        issuer=office,
        district=area,
        task_type="monthly_report",
        asks="社区工作月报（一表通，多数数据由系统预填）",
        basis="《关于持续为基层减负的通知》",
        hours=Decimal("0.5"),
        valid_from=today - dt.timedelta(days=90),
        valid_until=today + dt.timedelta(days=365),
    )
    svc.entry_decide(actor=actor, entry_id=entry.pk, decision="admitted", note="合并原有五张报表")
    template = svc.template_create(actor=actor, owner=office, name="社区工作月报", fields=REPORT_FIELDS)
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    # Last month's report a year before, issued then: the burden's fields have a year to compare.
    year_start = last_month.replace(year=last_month.year - 1)
    a_year_before = (year_start, (year_start + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1))
    made = 0
    for start, end in (a_year_before, (last_month, this_month - dt.timedelta(days=1)), (this_month, today)):
        task = svc.report_issue(
            actor=actor,
            issuer=office,
            template=template,
            period_start=start,
            period_end=end,
            draft=svc.Draft(
                title=f"社区工作月报（{start:%Y年%m月}）",
                task_type="monthly_report",
                deadline=today + dt.timedelta(days=10),
            ),
            targets=[{"area": area.code, "unit_type": UnitType.RESIDENT_COMMITTEE}],
        )
        made += 1
        if start == this_month:
            break
        for n, target_id in enumerate(Target.objects.filter(task=task).values_list("pk", flat=True)):
            svc.report_submit(
                actor=actor, target_id=target_id, values={"volunteers": 20 + n % 37, "drill": n % 3 != 0}
            )
            svc.target_sign_off(actor=actor, target_id=target_id)
        if start == a_year_before[0]:
            issued = today - dt.timedelta(days=395)
            _back(task, issued, issued + dt.timedelta(days=10))
    return made


# The streets' opinions on the draft, in order; the streets after these have not answered yet.
OPINIONS = [
    ("agree", ""),
    ("agree_with_changes", "建议第三条增加“节假日错峰开放”，并明确物业配合责任。"),
    ("disagree", "本街道社区用房紧张，难以保证每日开放，建议改为“每周不少于五天”。"),
]


def _consultation(*, area: Area, office: Unit, actor: Person, today: dt.date) -> int:
    """The district's general office asks its streets for their opinion on a draft (征求意见);
    the first streets have answered, the rest have not. Returns how many answered."""
    consultation = consultations.consultation_open(
        actor=actor,
        issuer=office,
        title="《社区党群服务中心开放管理办法（征求意见稿）》",
        body=(
            "第一条 社区党群服务中心每日向居民开放，开放时间不少于八小时。\n"
            "第二条 服务中心场地优先用于居民议事、老年助餐和青少年活动。\n"
            "第三条 街道办事处负责督促辖区社区落实开放要求，每季度通报一次。"
        ),
        deadline=today + dt.timedelta(days=7),
        targets=[{"area": area.code, "unit_type": UnitType.STREET_OFFICE}],
    )
    units = ConsultationReply.objects.filter(consultation=consultation).order_by("area_path")
    answered = 0
    for unit_id, (stance, text) in zip(units.values_list("unit_id", flat=True), OPINIONS, strict=False):
        consultations.consultation_reply(
            actor=actor, consultation_id=consultation.pk, stance=stance, text=text, unit_id=unit_id
        )
        answered += 1
    return answered


def demo_supervision_load(*, area: Area, rng: random.Random, actor: Person, staff: Person) -> dict[str, Any]:
    """Load the district's admission list and tasks; `actor` (the demo's administrator) issues
    for the units, `staff` is the community staff persona (their community declines one)."""
    today = timezone.localdate()
    units = Unit.objects.filter(dissolved_on__isnull=True)
    office = units.get(code="go-" + area.code)
    depts = {key: units.filter(code=f"dept-{key}-{area.code}").first() for key in ("env", "civil", "housing")}
    for dept_key, task_type, asks, basis, hours in ENTRIES:
        dept = depts[dept_key]
        if dept is None:
            continue
        entry = svc.entry_apply(
            actor=actor,
            issuer=dept,
            district=area,
            task_type=task_type,
            asks=asks,
            basis=basis,
            hours=Decimal(hours),
            valid_from=today - dt.timedelta(days=240),
            valid_until=today + dt.timedelta(days=365),
        )
        svc.entry_decide(actor=actor, entry_id=entry.pk, decision="admitted", note="符合清单管理要求")
        Entry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - dt.timedelta(days=250))
    if depts["env"] is not None:
        svc.entry_apply(
            actor=actor,
            issuer=depts["env"],
            district=area,
            task_type="noise_survey",
            asks="夜间施工噪声投诉情况摸底",
            basis="《中华人民共和国噪声污染防治法》",
            hours=Decimal("1.5"),
            valid_from=today + dt.timedelta(days=30),
            valid_until=today + dt.timedelta(days=395),
        )
        refused = svc.entry_apply(
            actor=actor,
            issuer=depts["env"],
            district=area,
            task_type="photo_wall",
            asks="每周上报环境整治照片墙",
            basis="区内工作安排",
            hours=Decimal("6"),
            valid_from=today,
            valid_until=today + dt.timedelta(days=365),
        )
        svc.entry_decide(
            actor=actor, entry_id=refused.pk, decision="refused", note="无法律政策依据，属留痕要求"
        )
    tasks = 0
    for who, title, task_type, kind, months, days in TASKS:
        issuer = office if who == "go" else depts.get(who)
        if issuer is None:
            continue
        task = svc.task_issue(
            actor=actor,
            issuer=issuer,
            draft=svc.Draft(
                title=title,
                body=f"请按要求完成{title}并及时报送进展。",
                task_type=task_type,
                deadline=today + dt.timedelta(days=days),
            ),
            targets=[{"area": area.code, "unit_type": kind}],
        )
        issued = today - dt.timedelta(days=30 * months + rng.randint(0, 6))
        _back(task, issued, issued + dt.timedelta(days=days))
        _outcomes(task, rng, today)
        tasks += 1
    # The staff persona's street passes the newest street task down to its communities.
    home = staff.roles.select_related("unit__area__parent").first()
    street_unit = (
        units.filter(area=home.unit.area.parent, type=UnitType.STREET_OFFICE).first() if home else None
    )
    newest = Task.objects.filter(issuer=office, task_type="waste_sorting").first()
    if street_unit is not None and newest is not None:
        target = Target.objects.get(task=newest, unit=street_unit)
        Target.objects.filter(pk=target.pk).update(status=Status.ACCEPTED)
        target.refresh_from_db()
        svc.target_split(actor=actor, target=target)
    # An unlisted task reached the staff's community, which declined it.
    if home is not None and depts["env"] is not None:
        unlisted = svc.task_issue(
            actor=actor,
            issuer=depts["env"],
            draft=svc.Draft(
                title="环境整治照片墙每周上报", task_type="photo_wall", deadline=today + dt.timedelta(days=7)
            ),
            targets=[home.unit.pk],
            deliver_unlisted=True,
        )
        svc.target_decline(
            actor=staff, target_id=Target.objects.get(task=unlisted).pk, reason="不在本区准入清单内"
        )
        tasks += 1
    tasks += _coordinated(area=area, office=office, depts=depts, street=street_unit, actor=actor, today=today)
    reports = _reports(area=area, office=office, actor=actor, today=today)
    opinions = _consultation(area=area, office=office, actor=actor, today=today)
    communities = Unit.objects.filter(
        subtree_q(area.path, "area_path"), type=UnitType.RESIDENT_COMMITTEE
    ).count()
    return {
        "reports": reports,
        "opinions": opinions,
        "tasks": tasks,
        "entries": Entry.objects.filter(area_path=area.path).count(),
        "communities": communities,
    }
