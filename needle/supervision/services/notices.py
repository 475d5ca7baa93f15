"""Who hears of a task: each target unit's staff once when it is issued (in batches, however many
targets), the target again when it is urged, the issuer's superior when a target stays overdue,
and each issuing unit once a day in a digest rather than once per report.

Each target's notice, urging and escalation is claimed by a conditional update of its own
column before anyone is told, so a job that runs twice (or on two workers) tells nobody twice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from needle.core.audit import audit_record
from needle.core.jobs import job_enqueue
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs.models import Person, Role, Unit
from needle.supervision.models import (
    Consultation,
    ConsultationReply,
    ConsultationState,
    Digest,
    Hold,
    Status,
    Target,
    Task,
)
from needle.supervision.states import OPEN

NOTIFY_JOB = "needle.supervision.tasks.notify_issued"
CONSULTED_JOB = "needle.supervision.tasks.notify_consulted"
BATCH = 1000
# Staff who act for a unit in supervision (states' `target` capacity).
STAFF = (Role.ADMIN, Role.SUPERVISOR, Role.HANDLER, Role.COORDINATOR)
# A target overdue this many days is escalated to the issuer's superior.
ESCALATE_AFTER_DAYS = 3
VISIBLE = Q(task__hold__in=[Hold.NONE, Hold.APPROVED])
# A unit that has not answered hears again this many days before the deadline (the deadline
# day itself included, as answers are taken through it).
REMIND_BEFORE_DAYS = 1


def after_issue(task: Task) -> None:
    """Once the task's transaction commits, one job notifies all its targets (in batches)."""
    transaction.on_commit(lambda: job_enqueue(NOTIFY_JOB, task.pk), robust=True)


def _people(unit_ids: Any) -> dict[int, list[Person]]:
    out: dict[int, list[Person]] = defaultdict(list)
    for person in (
        Person.objects.filter(roles__unit_id__in=list(unit_ids), roles__role__in=STAFF, is_active=True)
        .annotate(unit_id=F("roles__unit_id"))
        .distinct()
    ):
        out[person.unit_id].append(person)
    return out


def _tell_units(unit_ids: Any, *, verb: str, message: Message, link: str) -> None:
    """The staff of every unit in `unit_ids` hear `message`."""
    people = _people(unit_ids)
    notify(recipients=[p for ps in people.values() for p in ps], verb=verb, message=message, link=link)


def notify_issued(task_id: int) -> int:
    """Tell every not yet told target unit of the task, BATCH targets per transaction; returns
    how many targets were told now."""
    task = Task.objects.select_related("issuer").filter(pk=task_id).first()
    if task is None or task.hold not in (Hold.NONE, Hold.APPROVED):
        return 0
    message = Message(
        gettext_noop("%(issuer)s issued a task: %(title)s (deadline %(deadline)s)"),
        {"issuer": task.issuer.name, "title": task.title, "deadline": task.deadline.isoformat()},
    )
    return _tell_untold(
        Target.objects.filter(task_id=task_id, notified_at__isnull=True),
        verb="supervision.task.issued",
        message=message,
        link=reverse("supervision-mine"),
    )


def _tell_untold(untold: QuerySet[Any], *, verb: str, message: Message, link: str) -> int:
    """Claim the rows not yet told (`notified_at` empty, each naming a `unit_id`) BATCH per
    transaction, skipping those another worker holds, and tell their units' staff; returns how
    many rows were told now."""
    told = 0
    while True:
        with transaction.atomic():
            rows = list(
                untold.select_for_update(skip_locked=True).order_by("id").values_list("id", "unit_id")[:BATCH]
            )
            if not rows:
                return told
            untold.model.objects.filter(id__in=[r[0] for r in rows]).update(notified_at=timezone.now())
            _tell_units({unit for _id, unit in rows}, verb=verb, message=message, link=link)
            told += len(rows)


def target_told(target: Target, verb: str, message: Message) -> None:
    """The target unit's staff hear of their target."""
    notify(
        recipients=_people([target.unit_id]).get(target.unit_id, []),
        verb=verb,
        message=message,
        link=reverse("supervision-target", args=[target.pk]),
    )


def overdue_urge(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Urge every open target past its deadline (once a day), and escalate to the issuer's
    superior unit those overdue ESCALATE_AFTER_DAYS days (once). Returns (urged, escalated)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    overdue = Target.objects.filter(VISIBLE, status__in=OPEN, deadline__lt=day)
    urged = escalated = 0
    by_task: dict[int, list[int]] = defaultdict(list)
    for pk, task_id in (
        overdue.filter(Q(urged_at__isnull=True) | Q(urged_at__lt=start))
        .values_list("id", "task_id")
        .iterator()
    ):
        by_task[task_id].append(pk)
    for task_id, ids in by_task.items():
        with transaction.atomic():
            claimed = list(
                Target.objects.select_for_update(skip_locked=True)
                .filter(Q(urged_at__isnull=True) | Q(urged_at__lt=start), id__in=ids)
                .values_list("id", "unit_id")
            )
            if not claimed:
                continue
            Target.objects.filter(id__in=[c[0] for c in claimed]).update(urged_at=now, urges=F("urges") + 1)
            task = Task.objects.get(pk=task_id)
            _tell_units(
                {u for _i, u in claimed},
                verb="supervision.task.urged",
                message=Message(
                    gettext_noop("The task %(title)s is overdue (deadline %(deadline)s): please report."),
                    {"title": task.title, "deadline": task.deadline.isoformat()},
                ),
                link=reverse("supervision-mine"),
            )
            audit_record(actor=None, action="supervision.task.urged", obj=task, new={"targets": len(claimed)})
            urged += len(claimed)
    late = overdue.filter(
        escalated_at__isnull=True, deadline__lt=day - dt.timedelta(days=ESCALATE_AFTER_DAYS)
    )
    for task_id in sorted(set(late.values_list("task_id", flat=True))):
        with transaction.atomic():
            ids = list(
                late.filter(task_id=task_id).select_for_update(skip_locked=True).values_list("id", flat=True)
            )
            if not ids:
                continue
            Target.objects.filter(id__in=ids).update(escalated_at=now)
            task = Task.objects.select_related("issuer").get(pk=task_id)
            superior = task.issuer.parent_id
            if superior is not None:
                notify(
                    recipients=_people([superior]).get(superior, []),
                    verb="supervision.task.escalated",
                    message=Message(
                        gettext_noop("%(count)s targets of the task %(title)s by %(issuer)s are overdue."),
                        {"count": len(ids), "title": task.title, "issuer": task.issuer.name},
                    ),
                    link=reverse("supervision-board", args=[task.pk]),
                )
            audit_record(
                actor=None,
                action="supervision.task.escalated",
                obj=task,
                new={"targets": len(ids), "to": superior},
            )
            escalated += len(ids)
    return urged, escalated


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Each issuing unit whose targets moved since yesterday's digest hears once today: how many
    targets moved, are done or signed off, and are overdue. Returns how many units were told."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    since = now - dt.timedelta(days=1)
    moved = (
        Target.objects.filter(VISIBLE, updated_at__gte=since)
        .values("task__issuer_id")
        .annotate(
            n=Count("id"),
            done=Count("id", filter=Q(status__in=[Status.DONE, Status.SIGNED_OFF])),
            late=Count("id", filter=Q(status__in=OPEN, deadline__lt=day)),
        )
    )
    told = 0
    for row in moved:
        unit_id = row["task__issuer_id"]
        with transaction.atomic():
            _digest, created = Digest.objects.get_or_create(
                unit_id=unit_id, day=day, defaults={"targets": row["n"]}
            )
            if not created:
                continue
            unit = Unit.objects.get(pk=unit_id)
            notify(
                recipients=_people([unit_id]).get(unit_id, []),
                verb="supervision.digest",
                message=Message(
                    gettext_noop(
                        "Today in the tasks of %(unit)s: %(moved)s targets moved, %(done)s done, %(late)s overdue."
                    ),
                    {"unit": unit.name, "moved": row["n"], "done": row["done"], "late": row["late"]},
                ),
                link=reverse("supervision-mine"),
            )
            told += 1
    return told


def after_consultation(consultation: Consultation) -> None:
    """Once the consultation's transaction commits, one job tells every unit asked (in batches)."""
    transaction.on_commit(lambda: job_enqueue(CONSULTED_JOB, consultation.pk), robust=True)


def notify_consulted(consultation_id: int) -> int:
    """Tell every not yet told unit asked for its opinion, BATCH units per transaction, each
    claimed by its reply's `notified_at`; returns how many units were told now."""
    consultation = Consultation.objects.select_related("issuer").filter(pk=consultation_id).first()
    if consultation is None:
        return 0
    message = Message(
        gettext_noop("%(issuer)s asks your opinion on a draft: %(title)s (answer by %(deadline)s)"),
        {
            "issuer": consultation.issuer.name,
            "title": consultation.title,
            "deadline": consultation.deadline.isoformat(),
        },
    )
    return _tell_untold(
        ConsultationReply.objects.filter(consultation_id=consultation_id, notified_at__isnull=True),
        verb="supervision.consultation.opened",
        message=message,
        link=reverse("supervision-consultation", args=[consultation_id]),
    )


def consultation_remind(*, now: dt.datetime | None = None) -> int:
    """Remind, once, each unit that has not answered an open consultation due within
    REMIND_BEFORE_DAYS (today or tomorrow), in batches, with one audit event per batch; returns
    how many units were reminded. A consultation opened within that time is not reminded: its
    opening notice, a moment ago, named the same deadline.

    Each batch locks its consultation first, as answering and closing do, so a unit that has
    just answered or a consultation just closed is seen as such; each reply is claimed by a
    conditional update of its `reminded_at`, so a second run, or two at once, reminds nobody."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    due = ConsultationReply.objects.filter(
        stance="",
        reminded_at__isnull=True,
        consultation__state=ConsultationState.OPEN,
        consultation__deadline__gte=day,
        consultation__deadline__lte=day + dt.timedelta(days=REMIND_BEFORE_DAYS),
        consultation__created_at__lt=now - dt.timedelta(days=REMIND_BEFORE_DAYS),
    )
    reminded = 0
    for consultation_id in sorted(set(due.values_list("consultation_id", flat=True))):
        while True:
            with transaction.atomic():
                consultation = Consultation.objects.select_for_update().get(pk=consultation_id)
                if consultation.state != ConsultationState.OPEN:
                    break
                rows = list(
                    due.filter(consultation_id=consultation_id)
                    .order_by("id")
                    .values_list("id", "unit_id")[:BATCH]
                )
                ids = [pk for pk, _unit in rows]
                if not ids or not ConsultationReply.objects.filter(
                    id__in=ids, stance="", reminded_at__isnull=True
                ).update(reminded_at=now):
                    break
                issuer = Unit.objects.get(pk=consultation.issuer_id)
                _tell_units(
                    {unit for _pk, unit in rows},
                    verb="supervision.consultation.reminded",
                    message=Message(
                        gettext_noop(
                            "A reminder: %(issuer)s awaits your opinion on the draft %(title)s by %(deadline)s."
                        ),
                        {
                            "issuer": issuer.name,
                            "title": consultation.title,
                            "deadline": consultation.deadline.isoformat(),
                        },
                    ),
                    link=reverse("supervision-consultation", args=[consultation_id]),
                )
                audit_record(
                    actor=None,
                    action="supervision.consultation.reminded",
                    obj=consultation,
                    new={"units": len(ids), "deadline": consultation.deadline},
                )
                reminded += len(ids)
    return reminded
