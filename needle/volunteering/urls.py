from django.urls import path

from needle.volunteering.views import lists

urlpatterns: list = [
    # Check-ins, pairings, commitments, the roster import.
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
    path("volunteering/<str:code>/", lists.public_page, name="volunteering-public"),
    # Hours, points, targets, cards.
]
