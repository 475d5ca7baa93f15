from django.urls import path

from needle.volunteering.views import checkins

urlpatterns: list = [
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
    # Hours, points, targets, cards.
]
