from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from needle.core.errors import DomainError
from needle.core.pagination import paginate
from needle.core.views import show_error
from needle.notify.forms import PreferenceForm
from needle.notify.models import Channel
from needle.notify.selectors import notifications_for, preference_of
from needle.notify.services import notifications_mark_read, preference_set
from needle.orgs.models import Person, is_mobile


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = paginate(notifications_for(actor=request.user), page=request.GET.get("page"))
    return render(request, "notify/list.html", {"page": page})


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(actor=request.user)
    return redirect("notifications")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    person = cast(Person, request.user)
    pref = preference_of(actor=person, person=person)
    form = PreferenceForm(
        request.POST or None,
        initial={
            "channel": pref.channel,
            "cadence": pref.cadence,
            "quiet_start": pref.quiet_start,
            "quiet_end": pref.quiet_end,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            preference_set(actor=person, person=person, **form.cleaned_data)
        except DomainError as exc:
            show_error(request, exc, form)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notification-settings")
    # What a channel still needs, said beside it (the service refuses it until then).
    missing = {
        Channel.EMAIL: ""
        if person.email_confirmed
        else _("(needs a confirmed email address on your profile)"),
        Channel.SMS: "" if is_mobile(person.phone) else _("(needs a mobile number on your profile)"),
        Channel.WECHAT: "" if pref.wechat_openid else _("(needs your account linked to WeChat)"),
    }
    channels = [(radio, missing.get(radio.data["value"], "")) for radio in form["channel"]]
    return render(
        request,
        "notify/preferences.html",
        {"form": form, "channels": channels},
        status=400 if form.errors else 200,
    )
