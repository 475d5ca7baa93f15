from django.urls import path

from needle.volunteering.views import checkins, lists, pages
from needle.volunteering.views import hours as hours_views

urlpatterns: list = [
    # The pages made of the parts.
    path("volunteering/me/", pages.me, name="volunteering-me"),
    path("volunteering/console/", pages.console_door, name="volunteering-console-door"),
    path("volunteering/<str:code>/console/", pages.console, name="volunteering-console"),
    # Check-ins, pairings, commitments, the roster import.
    path("volunteering/checkin/", checkins.checkin_page, name="volunteering-checkin"),
    path(
        "volunteering/checkins/<int:checkin_id>/<str:action>/",
        checkins.checkin_action,
        name="volunteering-checkin-action",
    ),
    path("volunteering/commitments/add/", checkins.commitment_add, name="volunteering-commitment-add"),
    path("volunteering/units/<int:unit_id>/", checkins.unit_page, name="volunteering-unit"),
    path(
        "volunteering/pairings/<int:pairing_id>/<str:action>/",
        checkins.pairing_action,
        name="volunteering-pairing-action",
    ),
    path(
        "volunteering/roster-template.<str:kind>",
        checkins.import_template,
        name="volunteering-import-template",
    ),
    path("volunteering/<str:code>/resources/", checkins.resources_page, name="volunteering-resources"),
    path("volunteering/<str:code>/pairings/", checkins.pairings_page, name="volunteering-pairings"),
    path("volunteering/<str:code>/import/", checkins.import_page, name="volunteering-import"),
    # Needs, projects, shifts, claims, ratings, the public page.
    path("volunteering/projects/<int:project_id>/", lists.project_page, name="volunteering-project"),
    path("volunteering/projects/<int:project_id>/shifts/", lists.shift_add, name="volunteering-shift-add"),
    path(
        "volunteering/projects/<int:project_id>/close/",
        lists.project_close,
        name="volunteering-project-close",
    ),
    path(
        "volunteering/projects/<int:project_id>/rate/", lists.project_rate, name="volunteering-project-rate"
    ),
    path("volunteering/shifts/<int:shift_id>/", lists.shift_page, name="volunteering-shift"),
    path("volunteering/shifts/<int:shift_id>/claim/", lists.shift_claim, name="volunteering-shift-claim"),
    path("volunteering/shifts/<int:shift_id>/cancel/", lists.shift_cancel, name="volunteering-shift-cancel"),
    path(
        "volunteering/shifts/<int:shift_id>/dispatch/",
        lists.shift_dispatch,
        name="volunteering-shift-dispatch",
    ),
    path(
        "volunteering/claims/<int:claim_id>/<slug:action>/", lists.claim_move, name="volunteering-claim-move"
    ),
    path("volunteering/needs/<int:need_id>/<slug:action>/", lists.need_move, name="volunteering-need-move"),
    path("volunteering/<str:code>/needs/", lists.needs_page, name="volunteering-needs"),
    path("volunteering/<str:code>/projects/new/", lists.project_create, name="volunteering-project-create"),
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
    # Last: a community's public page takes any one segment after volunteering/.
    path("volunteering/<str:code>/", lists.public_page, name="volunteering-public"),
]
