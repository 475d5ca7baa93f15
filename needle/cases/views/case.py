"""The case page and its moves: each move through its one service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from needle.cases import presenters, selectors, services
from needle.cases.forms import ACTION_FORMS
from needle.cases.models import Case, Extension
from needle.cases.states import MOVES as LIFECYCLE
from needle.cases.views.common import _fail, _photo_response, _safe_next
from needle.core.errors import DomainError, NotFound, ValidationFailed

# The case page and its moves ---------------------------------------------------------------------

PANELS: list[tuple[str, Any, Any]] = [
    ("accept", gettext_lazy("Accept (首接负责)"), gettext_lazy("Accept")),
    ("start", gettext_lazy("Start work"), gettext_lazy("Start")),
    ("resolve", gettext_lazy("Report the work done"), gettext_lazy("Resolve")),
    ("return", gettext_lazy("Return: not our unit's (退单)"), gettext_lazy("Return")),
    ("dispatch", gettext_lazy("Dispatch or transfer (派单 / 改派)"), gettext_lazy("Dispatch")),
    ("callback", gettext_lazy("Callback: the resident's answer"), gettext_lazy("Record the answer")),
    ("reopen", gettext_lazy("Reopen"), gettext_lazy("Reopen")),
    ("urge", gettext_lazy("Urge or supervise (催办 / 督办)"), gettext_lazy("Send")),
    ("whistle", gettext_lazy("Call departments in (吹哨报到)"), gettext_lazy("Call in")),
    ("merge", gettext_lazy("Merge as a duplicate"), gettext_lazy("Merge")),
    ("reject", gettext_lazy("Reject the request"), gettext_lazy("Reject")),
    ("hide", gettext_lazy("Hide personal details from the public"), gettext_lazy("Hide details")),
    ("respond", gettext_lazy("Respond: your unit is called in (报到)"), gettext_lazy("Respond")),
    ("answer", gettext_lazy("Answer directly (直接答复)"), gettext_lazy("Record the answer")),
    ("suspend", gettext_lazy("Put on hold (挂起)"), gettext_lazy("Put on hold")),
    ("resume", gettext_lazy("Back in progress"), gettext_lazy("Resume")),
    ("extend", gettext_lazy("Ask for more time (延期申请)"), gettext_lazy("Ask")),
    ("decide_extension", gettext_lazy("Decide the extension (延期审核)"), gettext_lazy("Decide")),
    ("add_info", gettext_lazy("Add information or photos"), gettext_lazy("Add")),
    ("withdraw", gettext_lazy("Withdraw the request (撤回)"), gettext_lazy("Withdraw")),
    ("publish", gettext_lazy("The public list"), gettext_lazy("Save")),
]


# Where an extension can be waiting for a decision: only there is it read.
EXTENSION_STATES = LIFECYCLE["decide_extension"].sources


def _initial(name: str, case: Case, pending: Extension | None) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": case.version, "public": case.public}
    if name == "decide_extension" and pending is not None:
        initial["due"] = timezone.localtime(pending.requested_due).strftime("%Y-%m-%dT%H:%M")
    return initial


def _case_page(
    request: HttpRequest, case: Case, *, bound: tuple[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    # Read once for the page and for the choice of its forms.
    pending = selectors.pending_extension(case=case) if case.state in EXTENSION_STATES else None
    assists = list(case.assists.select_related("unit"))
    actions = selectors.case_actions(
        actor=request.user, case=case, extension_pending=pending is not None, assists=assists
    )
    panels = []
    for name, title, button in PANELS:
        if name not in actions:
            continue
        if bound is not None and bound[0] == name:
            form = bound[1]
        else:
            # Forms start from the case as it is now (`public` is the publish form's box).
            form = ACTION_FORMS[name](prefix=name, initial=_initial(name, case, pending))
        panels.append({"name": name, "title": title, "button": button, "form": form})
    context = {
        "case": case,
        "panels": panels,
        "pending_extension": pending,
        "hours_on_hold": presenters.hours(case.paused_seconds),
        "contact": selectors.case_contact(actor=request.user, case=case),
        "on_public_list": selectors.is_public(case),
        "timeline": selectors.timeline_for(actor=request.user, case=case),
        "answers": selectors.answers_of(case=case),
        "intake_photos": case.photos.filter(event__isnull=True),
        "assists": assists,
        # The related manager reads each row's parent_id to attach this case: deferring it
        # would cost a query per duplicate.
        "merged": case.merged_cases.only("number", "parent"),
    }
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.access_case(actor=request.user, number=number)
    return _case_page(request, case)


def _dispatch(actor: Any, case: Case, d: dict[str, Any]) -> str:
    unit = selectors.move_unit(unit_id=d["unit"])
    services.case_dispatch(actor=actor, case=case, unit=unit, note=d["note"], version=d["version"])
    return _("Case %(number)s was sent to %(unit)s.") % {"number": case.number, "unit": unit.name}


def _accept(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_accept(actor=actor, case=case, version=d["version"])
    return _("Case %(number)s is accepted.") % {"number": case.number}


def _return(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_return(actor=actor, case=case, reason=d["reason"], version=d["version"])
    return _("Case %(number)s went back to the dispatchers.") % {"number": case.number}


def _start(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_start(actor=actor, case=case, note=d["note"], version=d["version"])
    return _("Work on case %(number)s has started.") % {"number": case.number}


def _resolve(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_resolve(actor=actor, case=case, note=d["note"], photos=d["photos"], version=d["version"])
    return _("Case %(number)s is resolved; the resident will be asked whether it is solved.") % {
        "number": case.number
    }


def _callback(actor: Any, case: Case, d: dict[str, Any]) -> str:
    case = services.case_callback(
        actor=actor,
        case=case,
        solved=d["solved"],
        rating=d["rating"],
        comment=d["comment"],
        version=d["version"],
    )
    return _("The answer is recorded; the case is now %(state)s.") % {"state": case.get_state_display()}


def _reopen(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_reopen(actor=actor, case=case, reason=d["reason"], version=d["version"])
    return _("Case %(number)s is reopened.") % {"number": case.number}


def _merge(actor: Any, case: Case, d: dict[str, Any]) -> str:
    try:
        parent = selectors.access_case(actor=actor, number=d["parent"].strip())
    except NotFound as exc:
        raise ValidationFailed(fields={"parent": exc.message}) from None
    services.case_merge(actor=actor, case=case, parent=parent, version=d["version"])
    return _("Case %(number)s is merged into %(parent)s.") % {"number": case.number, "parent": parent.number}


def _reject(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_reject(actor=actor, case=case, reason=d["reason"], version=d["version"])
    return _("Case %(number)s is rejected.") % {"number": case.number}


def _urge(actor: Any, case: Case, d: dict[str, Any]) -> str:
    supervise = d["kind"] == "supervise"
    services.case_urge(actor=actor, case=case, note=d["note"], supervise=supervise)
    return (_("Case %(number)s is under supervision.") if supervise else _("Case %(number)s is urged.")) % {
        "number": case.number
    }


def _whistle(actor: Any, case: Case, d: dict[str, Any]) -> str:
    units = selectors.move_units(unit_ids=d["units"])
    made = services.case_whistle(actor=actor, case=case, units=units, hours=d["hours"], note=d["note"])
    return _("%(n)d units are called in on case %(number)s.") % {"n": len(made), "number": case.number}


def _hide(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_hide_details(actor=actor, case=case, public_description=d["public_description"])
    return _("Personal details of case %(number)s are hidden from the public.") % {"number": case.number}


def _respond(actor: Any, case: Case, d: dict[str, Any]) -> str:
    assist = selectors.assist_for(actor=actor, case=case)
    services.assist_respond(actor=actor, assist=assist, note=d["note"])
    return _("%(unit)s has responded on case %(number)s.") % {"unit": assist.unit.name, "number": case.number}


def _answer(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_answer(actor=actor, case=case, answer=d["answer"], version=d["version"])
    return _("Case %(number)s is answered.") % {"number": case.number}


def _suspend(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_suspend(actor=actor, case=case, reason=d["reason"], version=d["version"])
    return _("Case %(number)s is on hold; its deadline clock is stopped.") % {"number": case.number}


def _resume(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_resume(actor=actor, case=case, note=d["note"], version=d["version"])
    return _("Case %(number)s is back in progress.") % {"number": case.number}


def _extend(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_extension_request(
        actor=actor, case=case, due=d["due"], reason=d["reason"], version=d["version"]
    )
    return _("The extension of case %(number)s is asked for.") % {"number": case.number}


def _decide_extension(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_extension_decide(
        actor=actor, case=case, grant=d["decision"], due=d["due"], note=d["note"], version=d["version"]
    )
    granted = _("The extension of case %(number)s is granted.")
    return (granted if d["decision"] else _("The extension of case %(number)s is refused.")) % {
        "number": case.number
    }


def _add_info(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_add_info(actor=actor, case=case, note=d["note"], photos=d["photos"])
    return _("Your addition to request %(number)s is recorded.") % {"number": case.number}


def _withdraw(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_withdraw(actor=actor, case=case, reason=d["reason"], version=d["version"])
    return _("Request %(number)s is withdrawn.") % {"number": case.number}


def _publish(actor: Any, case: Case, d: dict[str, Any]) -> str:
    services.case_set_public(actor=actor, case=case, public=d["public"], version=d["version"])
    if d["public"]:
        return _("Case %(number)s is on the public list.") % {"number": case.number}
    return _("Case %(number)s is not on the public list.") % {"number": case.number}


MOVES: dict[str, Callable[[Any, Case, dict[str, Any]], str]] = {
    "dispatch": _dispatch,
    "accept": _accept,
    "return": _return,
    "start": _start,
    "resolve": _resolve,
    "callback": _callback,
    "reopen": _reopen,
    "merge": _merge,
    "reject": _reject,
    "urge": _urge,
    "whistle": _whistle,
    "hide": _hide,
    "respond": _respond,
    "answer": _answer,
    "suspend": _suspend,
    "resume": _resume,
    "extend": _extend,
    "decide_extension": _decide_extension,
    "add_info": _add_info,
    "withdraw": _withdraw,
    "publish": _publish,
}


@login_required
@require_POST
def case_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One move on a case through its one service. A move the state no longer allows answers
    409 with the message and the case as it is now."""
    move = MOVES.get(action)
    if move is None:
        raise NotFound()
    form = ACTION_FORMS[action](request.POST, request.FILES, prefix=action)
    status = 400
    if form.is_valid():
        try:
            # Read, checked and locked once; the service works on that row. A merge locks its
            # two cases itself, lower id first (opposite merges would deadlock otherwise).
            with transaction.atomic():
                case = selectors.access_case(actor=request.user, number=number, for_write=action != "merge")
                message = move(request.user, case, form.cleaned_data)
        except DomainError as exc:
            if exc.status in (401, 403, 404) and not exc.fields:
                raise  # the refusal page, through the middleware
            status = _fail(request, exc, form)
        else:
            messages.success(request, message)
            return redirect(_safe_next(request) or reverse("case-detail", args=[case.number]))
    case = selectors.access_case(actor=request.user, number=number)
    return _case_page(request, case, bound=(action, form), status=status)


@login_required
@require_GET
def case_photo(request: HttpRequest, number: str, photo_id: int) -> HttpResponseBase:
    case = selectors.access_case(actor=request.user, number=number)
    return _photo_response(selectors.case_photo(case=case, photo_id=photo_id))
