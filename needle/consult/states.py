"""The think tank's lifecycles, each as one table: every move, the states it may start from, the
state it leads to and who may make it. The services check each move against them (an illegal
move is a 409), the pages show the buttons they allow, and the demo takes only their steps.

A suggestion's answer:

    submitted -> evaluating | adopted | partly_adopted | not_adopted (+ reason)
    evaluating -> adopted | partly_adopted | not_adopted (+ reason)

Its moderation, beside the answer (hiding keeps the state and the text):

    shown -> hidden (+ reason) -> shown

A result's action:

    planned -> in_progress (0-100) -> done ; a parent's progress from its children

Capacities: `answerer` (consult.answer acting for the topic's answering unit, or consult.manage
over the topic's area) and `moderator` (consult.manage over the area); an action's progress is
reported by consult.manage over the result's area, and its state follows (`action_status`)."""

from __future__ import annotations

from needle.cases.models import State
from needle.consult.models import ActionStatus, Answer, MeetingStatus, Status
from needle.core.states import Move, move

ANSWERER = "answerer"
MODERATOR = "moderator"

_OPEN: set[str] = {Status.SUBMITTED, Status.EVALUATING}

ANSWER_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move(Answer.EVALUATING, {Status.SUBMITTED}, Status.EVALUATING, ANSWERER),
        move(Answer.ADOPTED, _OPEN, Status.ADOPTED, ANSWERER),
        move(Answer.PARTLY_ADOPTED, _OPEN, Status.PARTLY_ADOPTED, ANSWERER),
        move(Answer.NOT_ADOPTED, _OPEN, Status.NOT_ADOPTED, ANSWERER, requires="reason"),
    )
}

SHOWN = "shown"
HIDDEN = "hidden"
MODERATION_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("hide", {SHOWN}, HIDDEN, MODERATOR, requires="reason"),
        move("restore", {HIDDEN}, SHOWN, MODERATOR),
    )
}


def action_status(progress: int) -> str:
    """An action's state follows its progress: planned at 0, in progress, done at 100."""
    if progress >= 100:
        return ActionStatus.DONE
    return ActionStatus.IN_PROGRESS if progress > 0 else ActionStatus.PLANNED


# The states of a linked case that finish the action that follows it.
CASE_DONE = frozenset({State.RESOLVED, State.CLOSED, State.ANSWERED})
# The states of a linked case that mean the work has started.
CASE_STARTED = frozenset({State.ACCEPTED, State.IN_PROGRESS, State.REOPENED, State.SUSPENDED})


def answer_allowed(before: str, answer: str) -> bool:
    m = ANSWER_MOVES.get(answer)
    return m is not None and before in m.sources


def step_allowed(before: str, after: str) -> bool:
    """Whether some answer leads from `before` to `after` (the demo's check of its steps)."""
    return any(before in m.sources and m.target == after for m in ANSWER_MOVES.values())


def moderation_state(hidden: bool) -> str:
    return HIDDEN if hidden else SHOWN


# A deliberation council's meeting:
#
#     scheduled -> held (attendance taken) -> minuted (+ minutes)
#     scheduled -> cancelled (+ reason)
#
# Decisions are voted on while it is held (recorded before the minutes close it). Capacity:
# `convener`, consult.manage over the meeting's area.
CONVENER = "convener"

MEETING_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("hold", {MeetingStatus.SCHEDULED}, MeetingStatus.HELD, CONVENER, requires="attendance"),
        move("minute", {MeetingStatus.HELD}, MeetingStatus.MINUTED, CONVENER, requires="minutes"),
        move("cancel", {MeetingStatus.SCHEDULED}, MeetingStatus.CANCELLED, CONVENER, requires="reason"),
    )
}
# The states in which the council's decisions are recorded.
DECIDING = frozenset({MeetingStatus.HELD})
# The states whose agenda and seats may still change.
PLANNING = frozenset({MeetingStatus.SCHEDULED})


def meeting_moves_from(status: str) -> list[str]:
    """The moves a meeting in `status` allows (the console's buttons)."""
    return [name for name, m in MEETING_MOVES.items() if status in m.sources]
