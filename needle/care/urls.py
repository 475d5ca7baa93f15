from django.urls import path

from needle.care.views import console, helper, household

# Fixed paths first: "care/<str:code>/" (a community's console) matches almost anything.
urlpatterns: list = [
    path("care/helper/", helper.helper_page, name="care-helper"),
    path("care/sw.js", helper.service_worker, name="care-sw"),
    path("care/", console.door, name="care-door"),
    path("care/import-template.<str:kind>", console.import_template, name="care-import-template"),
    path("care/import/<str:code>/", console.import_page, name="care-import"),
    path("care/register/<str:code>/", household.register, name="care-register"),
    path("care/<str:code>/", console.console, name="care-console"),
    path("care/<str:code>/r/<int:pk>/", household.household_file, name="care-household"),
    path("care/<str:code>/r/<int:pk>/edit/", household.household_edit, name="care-household-edit"),
    path("care/<str:code>/r/<int:pk>/show/", household.household_show, name="care-household-show"),
    path("care/<str:code>/r/<int:pk>/consent/", household.household_consent, name="care-household-consent"),
    path("care/<str:code>/r/<int:pk>/status/", household.household_status, name="care-household-status"),
    path("care/<str:code>/r/<int:pk>/pair/", household.pairing_add_view, name="care-pairing-add"),
    path(
        "care/<str:code>/r/<int:pk>/pairings/<int:pairing_id>/<slug:action>/",
        household.pairing_move_view,
        name="care-pairing-move",
    ),
    path("care/<str:code>/r/<int:pk>/items/", household.item_add_view, name="care-item-add"),
    path(
        "care/<str:code>/r/<int:pk>/items/<int:item_id>/<slug:action>/",
        household.item_move_view,
        name="care-item-move",
    ),
]
