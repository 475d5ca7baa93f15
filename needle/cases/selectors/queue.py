"""The dispatchers' queue: submitted and returned cases in the actor's dispatch areas, most
urgent first, with how many are late."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from needle.cases.models import Case, Colour, State
from needle.cases.selectors.lists import CaseFilters, narrowed
from needle.core.errors import ValidationFailed
from needle.orgs.permissions import Actor, area_scope_q, has_perm_anywhere, require, require_authenticated

QUEUE_STATES = (State.SUBMITTED, State.RETURNED)
# Cards on one page of the queue: each carries its own dispatch form and suggestion.
QUEUE_PAGE_SIZE = 20

# The queue's orders: the first is the default. "deadline" puts the case whose resolve-by time
# is earliest first, so the seriously overdue cases waiting for a unit lead the page.
QUEUE_SORTS: dict[str, tuple[Any, tuple[Any, ...]]] = {
    "deadline": (
        gettext_lazy("deadline first"),
        (F("resolve_due_at").asc(nulls_last=True), "submitted_at", "id"),
    ),
    "oldest": (gettext_lazy("oldest first"), ("submitted_at", "id")),
    "newest": (gettext_lazy("newest first"), ("-submitted_at", "-id")),
}


def dispatch_queue(*, actor: Actor, filters: CaseFilters, sort: str = "deadline") -> QuerySet[Case]:
    """Submitted and returned cases located in the actor's dispatch areas, in the order `sort`
    (QUEUE_SORTS), narrowed by service, deadline colour, area subtree and text."""
    require_authenticated(actor)
    require(has_perm_anywhere(actor, "cases.dispatch"))
    if sort not in QUEUE_SORTS:
        raise ValidationFailed(fields={"sort": _("Unknown order.")})
    # The area's boundary can be larger than the rest of a page of cards: never read here.
    qs = Case.objects.filter(state__in=QUEUE_STATES).select_related("service", "area").defer("area__boundary")
    scope = area_scope_q(actor, "cases.dispatch", "area_path")
    if scope is not None:
        qs = qs.filter(scope)
    return narrowed(qs, filters).order_by(*QUEUE_SORTS[sort][1])


@dataclass(frozen=True)
class QueueSummary:
    waiting: int
    due_soon: int  # blue
    overdue: int  # yellow
    serious: int  # red

    @property
    def late(self) -> int:
        return self.overdue + self.serious


def queue_summary(cases: QuerySet[Case]) -> QueueSummary:
    """How many cases of a dispatch_queue() wait, and how many of them by deadline colour: one
    query, which is also the count the queue's pager needs."""
    counts = cases.order_by().aggregate(
        waiting=Count("id"),
        due_soon=Count("id", filter=Q(colour=Colour.BLUE)),
        overdue=Count("id", filter=Q(colour=Colour.YELLOW)),
        serious=Count("id", filter=Q(colour=Colour.RED)),
    )
    return QueueSummary(**counts)
