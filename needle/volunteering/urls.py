from django.urls import path  # noqa: F401

urlpatterns: list = [
    # Check-ins, pairings, commitments, the roster import.
    # Needs, projects, shifts, claims, ratings, the public page.
    # Hours, points, targets, cards.
]
