"""The deliberation pages of the staff console: the meetings of the staff's areas (those to
minute first) with the form that calls one, and one meeting's page (agenda, seats and
attendance, decisions with their votes, minutes, a passed decision followed through as a
result). Thin, over the same selectors and services as the API; residents and outsiders get a
404 (a meeting's seats name people)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from needle.areas.models import Area, subtree_q
from needle.areas.selectors import area_named
from needle.consult import selectors, services
from needle.consult.access import may_manage
from needle.consult.meeting_forms import (
    CancelForm,
    DecisionForm,
    MeetingEditForm,
    MeetingForm,
    MinutesForm,
    SeatForm,
)
from needle.consult.models import ADOPTED, Decision, Meeting, Status, Suggestion, Topic
from needle.consult.pages import attempt, form_refusal
from needle.consult.services.meetings import MeetingChange, meeting_edit
from needle.consult.states import PLANNING, meeting_moves_from
from needle.core.errors import DomainError, or_not_found
from needle.core.views import refusal_message
from needle.orgs.models import Person
from needle.orgs.permissions import has_perm_anywhere, require_anywhere, scope_paths

AGENDA_CHOICES = 100


def _agenda(paths: list[str]) -> tuple[list[Topic], list[Suggestion]]:
    """The topics and the suggestions waiting or adopted that an agenda may take up, in these areas."""
    if not paths:
        return [], []
    scope = subtree_q(paths[0], "area_path")
    for p in paths[1:]:
        scope |= subtree_q(p, "area_path")
    topics = list(Topic.objects.filter(scope).order_by("-opens", "-pk")[:AGENDA_CHOICES])
    waiting = {Status.SUBMITTED, Status.EVALUATING, *ADOPTED}
    suggestions = list(
        Suggestion.objects.filter(scope, hidden=False, status__in=waiting).order_by("-supports", "-pk")[
            :AGENDA_CHOICES
        ]
    )
    return topics, suggestions


@login_required
@require_GET
@require_anywhere("consult.view", "consult.manage")
def meetings(request: HttpRequest) -> HttpResponse:
    """The meetings of the staff's areas; those waiting for their minutes first."""
    form = None
    if has_perm_anywhere(request.user, "consult.manage"):
        paths = scope_paths(request.user, "consult.manage")
        area = Area.objects.filter(path=paths[0]).first() if len(paths) == 1 else None
        topics, suggestions = _agenda(paths)
        start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=7)
        form = MeetingForm(
            initial={"area": area.code if area else "", "starts_at": start.strftime("%Y-%m-%dT%H:%M")},
            topics=topics,
            suggestions=suggestions,
        )
    context = {
        "to_minute": list(selectors.meetings_to_minute(actor=request.user)[:50])
        if has_perm_anywhere(request.user, "consult.manage")
        else [],
        "meetings": list(selectors.meeting_list(actor=request.user)[:100]),
        "form": form,
    }
    return render(request, "consult/meetings.html", context)


@login_required
@require_POST
def schedule(request: HttpRequest) -> HttpResponse:
    paths = scope_paths(request.user, "consult.manage")
    topics, suggestions = _agenda(paths)
    form = MeetingForm(request.POST, topics=topics, suggestions=suggestions)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return redirect("consult-meetings")
    data = form.cleaned_data
    chosen_topics = {t.pk: t for t in topics}
    chosen_suggestions = {s.pk: s for s in suggestions}
    try:
        meeting = services.meeting_schedule(
            actor=request.user,
            area=area_named(data["area"]),
            draft=services.MeetingDraft(
                title=data["title"],
                starts_at=data["starts_at"],
                place=data["place"],
                agenda_text=data["agenda_text"],
                topics=[chosen_topics[i] for i in data["topics"]],
                suggestions=[chosen_suggestions[i] for i in data["suggestions"]],
            ),
        )
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
        return redirect("consult-meetings")
    messages.success(request, _("The meeting is called: %(title)s") % {"title": meeting.title})
    return redirect("consult-meeting", meeting.pk)


@login_required
@require_GET
def meeting_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(actor=request.user, meeting_id=meeting_id)
    seats = selectors.meeting_seats(actor=request.user, meeting=meeting)
    agenda = list(meeting.suggestions.select_related("topic"))
    decisions = list(meeting.decisions.prefetch_related("results"))
    manage = may_manage(request.user, meeting.area_path)
    context = {
        "meeting": meeting,
        "seats": [(p, selectors.seat_name(p)) for p in seats],
        "topics": list(meeting.topics.all()),
        "agenda": agenda,
        "decisions": decisions,
        "moves": meeting_moves_from(meeting.status) if manage else [],
        "may_manage": manage,
        "deciding": manage and meeting.status == "held",
        "seat_form": SeatForm() if manage and meeting.status == "scheduled" else None,
        "decision_form": DecisionForm(suggestions=agenda),
        "minutes_form": MinutesForm(),
        "cancel_form": CancelForm(),
        "edit_form": _edit_form(meeting) if manage and meeting.status in PLANNING else None,
    }
    return render(request, "consult/meeting.html", context)


def _edit_choices(meeting: Meeting) -> tuple[list[Topic], list[Suggestion]]:
    """What the agenda may take up: the area's topics and suggestions, and what it holds now."""
    topics, suggestions = _agenda([meeting.area_path])
    topics += [t for t in meeting.topics.all() if t not in topics]
    suggestions += [s for s in meeting.suggestions.all() if s not in suggestions]
    return topics, suggestions


def _edit_form(meeting: Meeting, data: Any = None) -> MeetingEditForm:
    topics, suggestions = _edit_choices(meeting)
    initial = {
        "title": meeting.title,
        "starts_at": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "place": meeting.place,
        "agenda_text": meeting.agenda_text,
        "topics": list(meeting.topics.values_list("pk", flat=True)),
        "suggestions": list(meeting.suggestions.values_list("pk", flat=True)),
    }
    return MeetingEditForm(data, initial=initial, topics=topics, suggestions=suggestions)


@login_required
@require_POST
def edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """A scheduled meeting's date, place, title and agenda, as the form gives them all again."""
    meeting = _meeting(request, meeting_id)
    topics, suggestions = _edit_choices(meeting)
    form = MeetingEditForm(request.POST, topics=topics, suggestions=suggestions)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return redirect("consult-meeting", meeting.pk)
    data = form.cleaned_data
    by_id = {t.pk: t for t in topics}
    suggestion_by_id = {s.pk: s for s in suggestions}
    change = MeetingChange(
        title=data["title"],
        starts_at=data["starts_at"],
        place=data["place"],
        agenda_text=data["agenda_text"],
        topics=[by_id[i] for i in data["topics"]],
        suggestions=[suggestion_by_id[i] for i in data["suggestions"]],
    )
    return _done(
        request,
        meeting,
        _("The meeting is changed."),
        lambda: meeting_edit(actor=request.user, meeting=meeting, change=change),
    )


def _meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    return selectors.access_meeting(actor=request.user, meeting_id=meeting_id)


def _done(request: HttpRequest, meeting: Meeting, said: str, call: Any) -> HttpResponse:
    attempt(request, call, said)
    return redirect("consult-meeting", meeting.pk)


@login_required
@require_POST
def add_seat(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    form = SeatForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return redirect("consult-meeting", meeting.pk)
    data = form.cleaned_data
    person = None
    newcomer = None
    if data["username"]:
        person = Person.objects.filter(username=data["username"], is_active=True).first()
        if person is None:
            messages.error(request, _("No one has this user name."))
            return redirect("consult-meeting", meeting.pk)
    elif data["name"]:
        if not data["consent"]:
            messages.error(request, _("Note the person's consent to their details being kept."))
            return redirect("consult-meeting", meeting.pk)
        newcomer = services.OnBehalf(name=data["name"], phone=data["phone"])
    else:
        messages.error(request, _("Give a name or a user name."))
        return redirect("consult-meeting", meeting.pk)
    seat = services.Seat(kind=data["kind"], person=person, newcomer=newcomer)
    return _done(
        request,
        meeting,
        _("Participant added."),
        lambda: services.participant_add(actor=request.user, meeting=meeting, seat=seat),
    )


@login_required
@require_POST
def hold(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Attendance: the ticked seats came."""
    meeting = _meeting(request, meeting_id)
    present = [
        int(v) for v in request.POST.getlist("present") if v.isascii() and v.isdecimal() and len(v) < 18
    ]
    return _done(
        request,
        meeting,
        _("The meeting is recorded as held."),
        lambda: services.meeting_hold(actor=request.user, meeting=meeting, present=present),
    )


@login_required
@require_POST
def decide(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    agenda = list(meeting.suggestions.all())
    form = DecisionForm(request.POST, suggestions=agenda)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return redirect("consult-meeting", meeting.pk)
    data = form.cleaned_data
    suggestion = next((s for s in agenda if s.pk == data["suggestion"]), None)
    votes = services.Votes(votes_for=data["votes_for"], against=data["against"], abstain=data["abstain"])
    return _done(
        request,
        meeting,
        _("The decision is recorded."),
        lambda: services.decision_record(
            actor=request.user,
            meeting=meeting,
            title=data["title"],
            text_=data["text"],
            votes=votes,
            suggestion=suggestion,
        ),
    )


def _closing(request: HttpRequest, meeting_id: int, form_class: Any, said: str, call: Any) -> HttpResponse:
    """A move that takes one form (the minutes, a cancellation's reason): refused with the form's
    errors, else made by `call(meeting, cleaned_data)`."""
    meeting = _meeting(request, meeting_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, form_refusal(form))
        return redirect("consult-meeting", meeting.pk)
    return _done(request, meeting, said, lambda: call(meeting, form.cleaned_data))


@login_required
@require_POST
def minute(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _closing(
        request,
        meeting_id,
        MinutesForm,
        _("The minutes are saved."),
        lambda meeting, data: services.meeting_minute(
            actor=request.user, meeting=meeting, minutes=data["minutes"]
        ),
    )


@login_required
@require_POST
def cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _closing(
        request,
        meeting_id,
        CancelForm,
        _("The meeting is cancelled."),
        lambda meeting, data: services.meeting_cancel(
            actor=request.user, meeting=meeting, reason=data["reason"]
        ),
    )


@login_required
@require_POST
def decision_result(request: HttpRequest, meeting_id: int, decision_id: int) -> HttpResponse:
    """A passed decision followed through as a result."""
    meeting = _meeting(request, meeting_id)
    decision = or_not_found(Decision.objects.filter(pk=decision_id, meeting=meeting).first())
    try:
        result = services.result_from_decision(actor=request.user, decision=decision)
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
        return redirect("consult-meeting", meeting.pk)
    return redirect("consult-result", result.pk)
