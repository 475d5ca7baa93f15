"""Reads of tasks and targets, scoped by who asks: one task or target (`access_*`: 404 when
the actor may not see it), a task's board (counts by status and colour, targets paged), and a
person's lists (to do, to sign off, extensions to decide, issued)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from needle.core.errors import NotFound, ValidationFailed
from needle.core.pagination import Page, paginate
from needle.orgs.permissions import granting_unit_ids, is_superuser, require_authenticated
from needle.supervision.access import may_view_task, visible_target
from needle.supervision.models import Colour, Extension, Status, Target, Task
from needle.supervision.selectors.colours import Clock, clock, colour_of
from needle.supervision.selectors.consultation import consultations_waiting
from needle.supervision.selectors.held import held_target_q
from needle.supervision.states import OPEN


def access_task(*, actor: Any, task_id: int) -> Task:
    task = Task.objects.select_related("issuer").filter(pk=task_id).first()
    if task is None or not may_view_task(actor, task):
        raise NotFound()
    return task


def access_target(*, actor: Any, target_id: int) -> tuple[Target, set[str]]:
    """The target and the capacities the actor holds on it."""
    return visible_target(
        actor, Target.objects.select_related("task", "task__issuer", "unit", "signer"), target_id
    )


@dataclass
class Row:
    target: Target
    colour: str


@dataclass
class Board:
    task: Task
    by_status: dict[str, int]
    by_colour: dict[str, int]
    page: Page[Row]
    expected: int = 0
    children: list[int] = field(default_factory=list)


def _groups(qs: QuerySet[Target], issued_on: dt.date, at: Clock) -> list[tuple[str, dt.date, int, int, str]]:
    """(status, deadline, progress, n, colour) for the targets: few groups however many targets."""
    return [
        (
            status,
            deadline,
            progress,
            n,
            colour_of(status=status, progress=progress, deadline=deadline, issued_on=issued_on, at=at),
        )
        for status, deadline, progress, n in qs.order_by()
        .values_list("status", "deadline", "progress")
        .annotate(n=Count("id"))
    ]


def colour_q(groups: list[tuple[str, dt.date, int, int, str]], colour: str) -> Q:
    q = Q(pk__in=[])
    picked: dict[tuple[str, dt.date], list[int]] = {}
    for status, deadline, progress, _n, c in groups:
        if c == colour:
            picked.setdefault((status, deadline), []).append(progress)
    for (status, deadline), progresses in picked.items():
        q |= Q(status=status, deadline=deadline, progress__in=progresses)
    return q


def task_board(
    *, actor: Any, task: Task, page: Any = None, page_size: Any = None, status: str = "", colour: str = ""
) -> Board:
    """The task's targets by status and by colour, and one page of them (filtered by either)."""
    if status and status not in Status.values:
        raise ValidationFailed(fields={"status": ", ".join(Status.values)})
    if colour and colour not in Colour.values:
        raise ValidationFailed(fields={"colour": ", ".join(Colour.values)})
    at = clock()
    targets = Target.objects.filter(task=task)
    groups = _groups(targets, task.issued_on, at)
    by_status: Counter[str] = Counter()
    by_colour: Counter[str] = Counter()
    for st, _d, _p, n, c in groups:
        by_status[st] += n
        by_colour[c] += n
    listed = targets.select_related("unit").order_by("id")
    count = task.targets_count
    if status:
        listed = listed.filter(status=status)
        count = by_status[status]
    if colour:
        listed = listed.filter(colour_q(groups, colour))
        count = by_colour[colour] if not status else listed.count()
    result = paginate(listed, page=page, page_size=page_size, count=count)
    rows = [
        Row(
            t,
            colour_of(
                status=t.status, progress=t.progress, deadline=t.deadline, issued_on=task.issued_on, at=at
            ),
        )
        for t in result.items
    ]
    return Board(
        task=task,
        by_status={s: by_status[s] for s in Status.values},
        by_colour={c: by_colour[c] for c in Colour.values},
        page=Page(items=rows, count=result.count, page=result.page, page_size=result.page_size),
    )


def target_colour(target: Target, at: Clock | None = None) -> str:
    return colour_of(
        status=target.status,
        progress=target.progress,
        deadline=target.deadline,
        issued_on=target.task.issued_on,
        at=at or clock(),
    )


@dataclass
class Today:
    to_do: list[Row]
    to_sign: list[Row]
    extensions: list[Row]
    issued: list[tuple[Task, dict[str, int]]]


LIMIT = 100


LIVE = ("", "approved")


def my_tasks(*, actor: Any) -> Today:
    """What the actor's units must do (open targets), sign off (done targets of the level below),
    decide (extensions asked of tasks they issued), and the tasks they issued with colours."""
    actor = require_authenticated(actor)
    at = clock()
    base = Target.objects.select_related("task", "unit").order_by("deadline", "id")

    def rows(qs: QuerySet[Target]) -> list[Row]:
        return [Row(t, target_colour(t, at)) for t in qs[:LIMIT]]

    work = granting_unit_ids(actor, "supervision.work")
    sign = granting_unit_ids(actor, "supervision.sign_off")
    issue = granting_unit_ids(actor, "supervision.issue")
    # A task held for the general office (or rejected by it) reaches no one's list.
    to_do = rows(base.filter(unit_id__in=work, status__in=OPEN, task__hold__in=LIVE))
    to_sign = rows(base.filter(signer_id__in=sign, status=Status.DONE))
    extensions = rows(base.filter(task__issuer_id__in=issue, extension=Extension.ASKED))
    tasks = list(Task.objects.filter(issuer_id__in=issue).select_related("issuer")[:LIMIT])
    colours: dict[int, Counter[str]] = {t.pk: Counter() for t in tasks}
    by_id = {t.pk: t for t in tasks}
    for task_id, status, deadline, progress, n in (
        Target.objects.filter(task_id__in=list(by_id))
        .order_by()
        .values_list("task_id", "status", "deadline", "progress")
        .annotate(n=Count("id"))
    ):
        c = colour_of(
            status=status, progress=progress, deadline=deadline, issued_on=by_id[task_id].issued_on, at=at
        )
        colours[task_id][c] += n
    issued = [(t, {c: colours[t.pk][c] for c in Colour.values}) for t in tasks]
    return Today(to_do=to_do, to_sign=to_sign, extensions=extensions, issued=issued)


@dataclass
class SupervisionToday:
    """The staff home's section: the person's units' open targets (and how many are overdue),
    dones waiting for their sign-off, extensions asked of what they issued, tasks held for their
    general office's approval; the first to do."""

    to_do: int
    overdue: int
    to_sign: int
    extensions: int
    first: list[Row]
    # Tasks held for the general office's approval that the person decides.
    held: int = 0
    # Drafts the person's units are asked to give an opinion on and have not answered.
    opinions: int = 0


TODAY_FIRST = 5


def supervision_today(*, actor: Any) -> SupervisionToday | None:
    """None when the person works on no task: no role that reports, signs off or issues. Three
    queries: the counts in one, the first targets to do, the drafts awaiting an opinion."""
    if not getattr(actor, "is_authenticated", False) or is_superuser(actor):
        return None
    work = granting_unit_ids(actor, "supervision.work")
    sign = granting_unit_ids(actor, "supervision.sign_off")
    issue = granting_unit_ids(actor, "supervision.issue")
    if not (work or sign or issue):
        return None
    today = timezone.localdate()
    doing = Q(unit_id__in=work, status__in=OPEN, task__hold__in=LIVE)
    signing = Q(signer_id__in=sign, status=Status.DONE)
    deciding = Q(task__issuer_id__in=issue, extension=Extension.ASKED)
    holding = held_target_q(actor)
    counts = Target.objects.filter(doing | signing | deciding | (holding or Q(pk__in=[]))).aggregate(
        to_do=Count("id", filter=doing),
        overdue=Count("id", filter=doing & Q(deadline__lt=today)),
        to_sign=Count("id", filter=signing),
        extensions=Count("id", filter=deciding),
        # The held tasks the person's general office decides, counted in the same read.
        **({"held": Count("task_id", distinct=True, filter=holding)} if holding is not None else {}),
    )
    first = []
    if counts["to_do"]:
        at = clock()
        first = [
            Row(t, target_colour(t, at))
            for t in Target.objects.filter(doing)
            .select_related("task", "unit")
            .order_by("deadline", "id")[:TODAY_FIRST]
        ]
    opinions = consultations_waiting(actor=actor) if work else 0
    return SupervisionToday(first=first, opinions=opinions, **counts)
