"""What the pages show of tasks and targets: a colour's class and label, a status's label, the
moves a person may make on a target (read from states.py, as the services check them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

from needle.supervision import states
from needle.supervision.models import Colour, Status, Target
from needle.supervision.states import OPEN

CSS = {
    Colour.BLUE: "colour-blue",
    Colour.YELLOW: "colour-yellow",
    Colour.RED: "colour-red",
    Colour.GREEN: "state-closed",
    Colour.NONE: "",
}


def colour_class(colour: str) -> str:
    return CSS.get(Colour(colour), "") if colour in Colour.values else ""


def colour_label(colour: str) -> Promise | str:
    return Colour(colour).label if colour in Colour.values else colour


def status_label(status: str) -> Promise | str:
    return Status(status).label if status in Status.values else status


@dataclass(frozen=True)
class Moves:
    accept: bool
    progress: bool
    done: bool
    sign_off: bool
    give_back: bool
    decline: bool
    split: bool
    ask_extension: bool
    decide_extension: bool


def target_moves(target: Target, held: set[str], *, street: bool, community: bool) -> Moves:
    """The forms a target's page shows to someone holding `held` (the services decide)."""

    def can(name: str) -> bool:
        return states.allowed(states.TARGET_MOVES, name, target.status, held)

    def ext(name: str) -> bool:
        return states.allowed(states.EXTENSION_MOVES, name, target.extension, held)

    return Moves(
        accept=can("accept"),
        progress=can("progress") and not target.split,
        done=can("done"),
        sign_off=can("sign_off"),
        give_back=can("return"),
        decline=can("decline") and community and not target.listed,
        split=can("split") and street and not target.split,
        ask_extension=ext("ask") and target.status in OPEN,
        decide_extension=ext("grant"),
    )
