"""Who may make each move on a case: the persona the rule names succeeds, through the page and
the API alike, and the others get the exact refusal. A persona who can see the case but may not
make the move gets 403; one who cannot see it gets 404 (the case's existence does not leak);
the right persona at the wrong moment gets 409."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from needle import testing as t
from needle.cases import services as s
from needle.cases.models import Assist, Case, CaseEvent, EventKind, State
from needle.core.models import AuditEvent


def dispatched(world: t.World, catalog: dict[str, Any]) -> Case:
    """A road case in community A1a: the routing rule sends it to the handler's department."""
    return t.submit(world, catalog["road"])


def accepted(world: t.World, catalog: dict[str, Any]) -> Case:
    return s.case_accept(actor=world.people["handler"], case=dispatched(world, catalog))


def resolved(world: t.World, catalog: dict[str, Any]) -> Case:
    return s.case_resolve(actor=world.people["handler"], case=accepted(world, catalog), note="坑已填平。")


@dataclass(frozen=True)
class Move:
    name: str
    ready: Any  # builds a case in a state that allows the move
    right: str
    wrong: str  # sees the case, may not make the move
    early: Any = None  # builds a case in a state that does not allow the move yet
    page: dict[str, str] | None = None  # the page form's fields; None: the page has no form for it
    api: tuple[str, dict[str, Any]] | None = None  # (path after the case, body)
    done: dict[str, Any] = field(default_factory=dict)


MOVES = [
    Move(
        "assist",
        accepted,
        right="handler",
        wrong="supervisor",
        api=("assist", {"unit_id": "rc_a1a", "note": "请社区配合"}),
    ),
    Move(
        "start",
        accepted,
        right="handler",
        wrong="supervisor",
        early=dispatched,
        page={"note": "已出发"},
        api=("start", {"note": "已出发"}),
        done={"state": State.IN_PROGRESS},
    ),
    Move(
        "resolve",
        accepted,
        right="handler",
        wrong="staff",
        early=dispatched,
        page={"note": "坑已填平。"},
        api=("resolve", {"note": "坑已填平。"}),
        done={"state": State.RESOLVED},
    ),
    Move(
        "reopen",
        resolved,
        right="supervisor",
        wrong="handler",
        early=accepted,
        page={"reason": "居民说还没修好"},
        api=("reopen", {"reason": "居民说还没修好"}),
        done={"state": State.REOPENED},
    ),
    Move(
        "merge",
        dispatched,
        right="dispatcher",
        wrong="supervisor",
        early=resolved,
        page={"parent": "PARENT"},
        api=("merge", {"parent": "PARENT"}),
        done={"state": State.MERGED},
    ),
    Move(
        "note",
        accepted,
        right="handler",
        wrong="supervisor",
        api=("notes", {"note": "材料已订购"}),
    ),
]
OUTSIDER = "other_supervisor"  # street B1: cannot see a case in community A1a at all


def fill(world: t.World, values: dict[str, Any], parent: Case) -> dict[str, Any]:
    """The fields with the parent case's number and the units' ids put in."""
    out = {}
    for key, value in values.items():
        if value == "PARENT":
            value = parent.number
        elif key == "unit_id":
            value = world.units[value].pk
        out[key] = value
    return out


def channels(move: Move) -> list[tuple[str, dict[str, Any]]]:
    found = []
    if move.page is not None:
        found.append(("page", move.page))
    if move.api is not None:
        found.append(("api", move.api[1]))
    return found


def attempt(world, catalog, client_for, api_for, move, channel, persona, build):
    """Build the case, then make the move as the persona: (status, case, audit events written)."""
    case = build(world, catalog)
    body = fill(world, dict(channels(move))[channel], parent=dispatched(world, catalog))
    if channel == "page":
        client = client_for(persona)
        url, data = f"/cases/{case.number}/{move.name}/", {f"{move.name}-{k}": v for k, v in body.items()}
    else:
        client = api_for(persona)  # issuing its token is audited: before the count
        url, data = f"/api/v1/cases/{case.number}/{move.api[0]}", body
    audited = AuditEvent.objects.count()
    status = client.post(url, data).status_code
    case.refresh_from_db()
    return status, case, AuditEvent.objects.count() - audited


def effect(case: Case, move: Move) -> bool:
    """Did the move happen to the case?"""
    if move.name == "assist":
        return Assist.objects.filter(case=case, kind=Assist.Kind.ASSIST).exists()
    if move.name == "note":
        return CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).exists()
    return all(getattr(case, k) == v for k, v in move.done.items())


CASES = [(m, ch) for m in MOVES for ch, _ in channels(m)]
CASE_IDS = [f"{m.name}-{ch}" for m, ch in CASES]


@pytest.mark.parametrize("move, channel", CASES, ids=CASE_IDS)
def test_the_right_persona_may(world, catalog, client_for, api_for, move, channel):
    status, case, audited = attempt(
        world, catalog, client_for, api_for, move, channel, move.right, move.ready
    )
    assert status == (302 if channel == "page" else 200)
    assert effect(case, move) and audited >= 1


@pytest.mark.parametrize("move, channel", CASES, ids=CASE_IDS)
def test_a_persona_who_sees_the_case_but_may_not_gets_403(world, catalog, client_for, api_for, move, channel):
    status, case, audited = attempt(
        world, catalog, client_for, api_for, move, channel, move.wrong, move.ready
    )
    assert status == 403
    assert not effect(case, move) and audited == 0


@pytest.mark.parametrize("move, channel", CASES, ids=CASE_IDS)
def test_a_persona_who_cannot_see_the_case_gets_404(world, catalog, client_for, api_for, move, channel):
    status, case, audited = attempt(world, catalog, client_for, api_for, move, channel, OUTSIDER, move.ready)
    assert status == 404
    assert not effect(case, move) and audited == 0


EARLY = [(m, ch) for m, ch in CASES if m.early is not None]


@pytest.mark.parametrize("move, channel", EARLY, ids=[f"{m.name}-{ch}" for m, ch in EARLY])
def test_the_right_persona_at_the_wrong_moment_gets_409(world, catalog, client_for, api_for, move, channel):
    status, case, _ = attempt(world, catalog, client_for, api_for, move, channel, move.right, move.early)
    assert status == 409
    assert not effect(case, move)
