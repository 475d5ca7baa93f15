from django.urls import path

from needle.volunteering.views import hours as hours_views

urlpatterns: list = [
    # Check-ins, pairings, commitments, the roster import.
    # Needs, projects, shifts, claims, ratings, the public page.
    # Hours, points, targets, cards.
    path("volunteering/hours/report/", hours_views.report, name="volunteering-hours-report"),
    path(
        "volunteering/hours/<int:entry_id>/verify/",
        hours_views.decide,
        {"action": "verify"},
        name="volunteering-hours-verify",
    ),
    path(
        "volunteering/hours/<int:entry_id>/reject/",
        hours_views.decide,
        {"action": "reject"},
        name="volunteering-hours-reject",
    ),
    path(
        "volunteering/hours/<int:entry_id>/evidence/",
        hours_views.evidence,
        name="volunteering-hours-evidence",
    ),
    path("volunteering/shifts/<int:shift_id>/hours/", hours_views.log_shift, name="volunteering-shift-hours"),
    path(
        "volunteering/communities/<str:code>/cards/sign/",
        hours_views.sign_all,
        name="volunteering-cards-sign",
    ),
]
