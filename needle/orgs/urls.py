from django.contrib.auth import views as auth_views
from django.urls import path

from needle.orgs import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("language/", views.set_language, name="set-language"),
    path("me/", views.profile, name="profile"),
    path("me/tokens/", views.tokens, name="tokens"),
    path("me/tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit-detail"),
    path("stats/", views.org_stats, name="org-stats"),
    path("audit/", views.audit_list, name="audit-list"),
    # The area tree's pages with the actor's grants there (the index is in areas).
    path("areas/<str:code>/", views.area_detail, name="area-detail"),
    path("areas/<str:code>/grids/", views.grid_create, name="grid-create"),
    path("areas/<str:code>/workers/", views.grid_assign, name="grid-assign"),
]
