"""Results with their tree of actions and the progress computed on read: a leaf's progress is
its own, or its case's when linked (a resolved or closed case finishes it); a parent's is the
weighted mean of its children's; the result's the weighted mean of its top actions'. The cases
app is read here, never told: it needs no knowledge of the think tank."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from needle.areas.models import Area, subtree_q
from needle.cases.models import Case
from needle.cases.selectors import may_view
from needle.consult.models import Action, ActionStatus, Decision, Result, ResultEvent, Suggestion
from needle.consult.states import CASE_DONE, CASE_STARTED, action_status
from needle.core.errors import NotFound, ValidationFailed
from needle.orgs.permissions import can_in_area
from needle.volunteering.models import Project, ProjectStatus


@dataclass
class Node:
    action: Action
    progress: float = 0.0
    status: str = ActionStatus.PLANNED
    # Whether the state follows linked work (a request's, a project's), not only what is reported.
    follows_work: bool = False
    children: list[Node] = field(default_factory=list)
    depth: int = 0


def access_result(*, result_id: int) -> Result:
    """Public: a result, its trail and progress are open to all."""
    result = Result.objects.select_related("area").filter(pk=result_id).first()
    if result is None:
        raise NotFound()
    return result


def access_action(*, result: Result, action_id: int) -> Action:
    action = Action.objects.filter(result=result, pk=action_id).first()
    if action is None:
        raise NotFound()
    return action


def linkable_case(*, actor: Any, number: str) -> Case:
    """The request an action may follow: one the actor may see; else a 422 naming `case`."""
    case = Case.objects.filter(number=number).first() if "\x00" not in number and len(number) <= 40 else None
    if case is None or not may_view(actor, case):
        raise ValidationFailed(fields={"case": _("No request with this number.")})
    return case


def linkable_project(*, actor: Any, project_id: int) -> Project:
    """The volunteering project an action may follow: one the actor may see; else a 422."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None or not can_in_area(actor, "volunteering.view", project.area_path):
        raise ValidationFailed(fields={"project": _("No volunteering project with this id.")})
    return project


def _leaf(node: Node) -> None:
    """A leaf's own progress and state, or those of the work it follows: linked work decides
    when it is done (a request resolved or closed, a project closed), never a number typed in."""
    a = node.action
    node.progress, node.status = float(a.progress), action_status(a.progress)
    if a.project_id is not None and a.project is not None:
        node.follows_work = True
        done = a.project.status == ProjectStatus.CLOSED
        started = True
    elif a.case_id is not None and a.case is not None:
        node.follows_work = True
        done = a.case.state in CASE_DONE
        started = a.case.state in CASE_STARTED
    else:
        return
    if done:
        node.progress, node.status = 100.0, ActionStatus.DONE
    else:
        node.progress = min(node.progress, 99.0)
        node.status = ActionStatus.IN_PROGRESS if started or a.progress > 0 else ActionStatus.PLANNED


def _compute(node: Node, depth: int) -> None:
    node.depth = depth
    if not node.children:
        _leaf(node)
        return
    for child in node.children:
        _compute(child, depth + 1)
    node.progress = _mean(node.children)
    if all(c.status == ActionStatus.DONE for c in node.children):
        node.status = ActionStatus.DONE
    elif any(c.status != ActionStatus.PLANNED for c in node.children):
        node.status = ActionStatus.IN_PROGRESS
    else:
        node.status = ActionStatus.PLANNED


def result_status(roots: list[Node]) -> str:
    """A result's state from its top actions: done when all are, planned while none has started."""
    if roots and all(n.status == ActionStatus.DONE for n in roots):
        return ActionStatus.DONE
    if any(n.status != ActionStatus.PLANNED for n in roots):
        return ActionStatus.IN_PROGRESS
    return ActionStatus.PLANNED


def _mean(nodes: list[Node]) -> float:
    total = sum(n.action.weight for n in nodes)
    return round(sum(n.progress * n.action.weight for n in nodes) / total, 1) if total else 0.0


def result_tree(result: Result) -> tuple[list[Node], float]:
    """The result's top actions (each with its children, progress and status computed) and the
    result's progress, from one query."""
    return _tree(list(_actions().filter(result=result)))


def results_in(*, area: Area, limit: int = 20) -> list[tuple[Result, float]]:
    """Public: the newest results in the area's subtree with their progress, from two queries
    (the results, then every one of their actions)."""
    results = list(Result.objects.filter(subtree_q(area.path, "area_path")).order_by("-pk")[:limit])
    states = progress_of([r.pk for r in results])
    return [(r, states[r.pk][1]) for r in results]


def progress_of(result_ids: list[int]) -> dict[int, tuple[str, float]]:
    """Each result's status and progress, computed from one read of all their actions."""
    by_result: dict[int, list[Action]] = {pk: [] for pk in result_ids}
    for action in _actions().filter(result_id__in=result_ids):
        by_result[action.result_id].append(action)
    out = {}
    for pk, actions in by_result.items():
        roots, progress = _tree(actions)
        out[pk] = (result_status(roots), progress)
    return out


def _actions() -> QuerySet[Action]:
    return Action.objects.select_related("case", "project").order_by("pk")


def _tree(actions: list[Action]) -> tuple[list[Node], float]:
    nodes = {a.pk: Node(a) for a in actions}
    roots: list[Node] = []
    for a in actions:
        parent = nodes.get(a.parent_id) if a.parent_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[a.pk])
    for root in roots:
        _compute(root, 0)
    return roots, _mean(roots)


def flatten(roots: list[Node]) -> list[Node]:
    """The tree in reading order (each parent before its children)."""
    out: list[Node] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


@dataclass
class TimelineLine:
    """A line of a result's public timeline: nothing personal (no names, no request's text)."""

    at: Any
    kind: str
    title: str
    status: str
    progress: float | None


@dataclass
class ResultCard:
    result: Result
    status: str
    progress: float
    timeline: list[TimelineLine]
    suggestions: list[Any]
    decisions: list[Any]


def _timelines(results: list[Result], actions: list[Action]) -> dict[int, list[TimelineLine]]:
    """Each result's events, with the requests its actions follow resolved or closed on theirs
    (the cases app records those; this app does not copy them)."""
    out: dict[int, list[TimelineLine]] = {r.pk: [] for r in results}
    for e in ResultEvent.objects.filter(result_id__in=list(out)).order_by("at", "pk"):
        out[e.result_id].append(TimelineLine(e.at, e.kind, e.title, e.status, e.progress))
    for a in actions:
        case = a.case
        if case is None:
            continue
        if case.resolved_at is not None:
            out[a.result_id].append(TimelineLine(case.resolved_at, "case_resolved", a.title, "", None))
        if case.closed_at is not None:
            out[a.result_id].append(TimelineLine(case.closed_at, "case_closed", a.title, "", None))
    for lines in out.values():
        lines.sort(key=lambda line: line.at)
    return out


def area_progress(*, area: Area, limit: int = 100) -> list[ResultCard]:
    """Public: the results in the area's subtree, newest first, each with its status, progress,
    timeline, and the visible suggestions and the decisions it came from; six queries."""
    results = list(
        Result.objects.filter(subtree_q(area.path, "area_path"))
        .prefetch_related(
            Prefetch("suggestions", queryset=Suggestion.objects.filter(hidden=False).select_related("topic")),
            Prefetch("decisions", queryset=Decision.objects.select_related("meeting")),
        )
        .order_by("-pk")[:limit]
    )
    by_result: dict[int, list[Action]] = {r.pk: [] for r in results}
    actions = list(_actions().filter(result_id__in=list(by_result)))
    for action in actions:
        by_result[action.result_id].append(action)
    timelines = _timelines(results, actions)
    cards = []
    for r in results:
        roots, progress = _tree(by_result[r.pk])
        cards.append(
            ResultCard(
                result=r,
                status=result_status(roots),
                progress=progress,
                timeline=timelines[r.pk],
                suggestions=list(r.suggestions.all()),
                decisions=list(r.decisions.all()),
            )
        )
    return cards


def result_timeline(result: Result) -> list[TimelineLine]:
    return _timelines([result], list(_actions().filter(result=result)))[result.pk]
