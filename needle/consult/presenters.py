"""What the think tank's pages show of a row: a suggestion's card (no names for the public), its
answer in words, the result tree's lines, a result as the API gives it, and a refusal as one
line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from needle.consult.models import ANSWERED, ActionStatus, Result, Status, Suggestion
from needle.consult.selectors.results import (
    Node,
    ResultCard,
    TimelineLine,
    flatten,
    result_status,
    result_tree,
)


@dataclass(frozen=True)
class SuggestionCard:
    suggestion: Suggestion
    status: str
    answered: bool
    supported: bool
    # Shown to moderators only: the suggestion is hidden from everyone else, and why.
    hidden_reason: str


def suggestion_cards(rows: list[Suggestion], *, supported: set[int], moderator: bool) -> list[SuggestionCard]:
    return [
        SuggestionCard(
            suggestion=s,
            status=str(Status(s.status).label),
            answered=s.status in ANSWERED,
            supported=s.pk in supported,
            hidden_reason=s.hidden_reason if moderator and s.hidden else "",
        )
        for s in rows
    ]


@dataclass(frozen=True)
class ActionLine:
    node: Node
    label: str
    indent: int


def tree_lines(roots: list[Node]) -> list[ActionLine]:
    """The tree in reading order, each line with its status in words and its depth."""
    return [ActionLine(n, str(ActionStatus(n.status).label), n.depth) for n in flatten(roots)]


def due_colour(due: Any) -> str:
    """The colour of an answer's deadline, as cases have theirs: blue on the day, yellow once
    overdue, red a week past it."""
    today = timezone.localdate()
    if due < today:
        return "colour-red" if (today - due).days >= 7 else "colour-yellow"
    return "colour-blue" if due == today else ""


def result_out(result: Result) -> dict[str, Any]:
    roots, progress = result_tree(result)
    nodes = flatten(roots)
    status = result_status(roots)
    return {
        "id": result.pk,
        "area": result.area.code,
        "title": result.title,
        "description": result.description,
        "progress": progress,
        "status": status,
        "suggestions": sorted(result.suggestions.values_list("pk", flat=True)),
        "decisions": sorted(result.decisions.values_list("pk", flat=True)),
        "actions": [
            {
                "id": n.action.pk,
                "title": n.action.title,
                "parent": n.action.parent_id,
                "status": n.status,
                "progress": n.progress,
                "own_progress": n.action.progress,
                "weight": n.action.weight,
                "case": n.action.case.number if n.action.case is not None else None,
                "project": n.action.project_id,
                "follows_work": n.follows_work,
                "starts_on": n.action.starts_on,
                "ends_on": n.action.ends_on,
                "children": [c.action.pk for c in n.children],
            }
            for n in nodes
        ],
    }


TIMELINE_WORDS = {
    "created": gettext_lazy("result created"),
    "action_added": gettext_lazy("action added: %(title)s"),
    "progress": gettext_lazy("progress reported on %(title)s"),
    "status": gettext_lazy("%(title)s changed state"),
    "case_resolved": gettext_lazy("the request followed by %(title)s was resolved"),
    "case_closed": gettext_lazy("the request followed by %(title)s was closed"),
}


@dataclass
class TimelineRow:
    at: Any
    words: str
    status: str
    progress: float | None


def timeline_rows(lines: list[TimelineLine]) -> list[TimelineRow]:
    """A result's timeline in words, newest last; the status and progress after each change."""
    rows = []
    for line in lines:
        words = str(TIMELINE_WORDS.get(line.kind, line.kind)) % {"title": line.title}
        status = str(ActionStatus(line.status).label) if line.status else ""
        rows.append(TimelineRow(line.at, words, status, line.progress))
    return rows


@dataclass
class ProgressCard:
    card: ResultCard
    status_label: str
    timeline: list[TimelineRow]


def progress_card(card: ResultCard) -> ProgressCard:
    return ProgressCard(card, str(ActionStatus(card.status).label), timeline_rows(card.timeline))
