from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from needle.core.pagination import paginate
from needle.notify.selectors import notifications_for
from needle.notify.services import notifications_mark_read


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = paginate(notifications_for(actor=request.user), page=request.GET.get("page"))
    return render(request, "notify/list.html", {"page": page})


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(actor=request.user)
    return redirect("notifications")
