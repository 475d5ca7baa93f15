"""The shape of a lifecycle's transitions table, shared by every app that has one (cases,
center, and the community apps after them): each app's `states.py` lists its moves with these,
and its services, pages and demo read that one table."""

from __future__ import annotations

from dataclasses import dataclass

from needle.core.errors import Conflict


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[str]  # the states the move may start from
    target: str | None  # the state it leads to; None: it depends on the answer, or stays
    capacities: frozenset[str]  # any one of them suffices
    requires: str = ""  # a condition beyond the state, named by the app's states.py


def move(
    name: str, sources: frozenset[str] | set[str], target: str | None, *capacities: str, requires: str = ""
) -> Move:
    return Move(name, frozenset(sources), target, frozenset(capacities), requires)


def allowed(table: dict[str, Move], name: str, state: str, capacities: set[str]) -> bool:
    """Whether the move `name` of `table` may start from `state` for someone acting in one of
    `capacities`: the one question a page's buttons and a service's check both ask."""
    found = table.get(name)
    return found is not None and state in found.sources and bool(found.capacities & capacities)


def target(table: dict[str, Move], name: str) -> str:
    """The state a move of `table` leads to, for the tables whose every move has one."""
    state = table[name].target
    assert state is not None, name
    return state


def step_allowed(table: dict[str, Move], before: str, after: str) -> bool:
    """Whether some move of `table` leads from `before` to `after` (the demo's check of its steps)."""
    return any(before in m.sources and m.target == after for m in table.values())


def wrong_status(message: str, status: str) -> Conflict:
    """The 409 of a move tried from a state it may not start from: the body carries the state."""
    return Conflict(message, code="wrong_status", extra={"status": status})
