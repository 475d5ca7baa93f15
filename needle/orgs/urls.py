from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import path

from needle.orgs.views import accounts, organization

_logout = auth_views.LogoutView.as_view()


def logout(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Sign out, and have the browser drop what it kept for this account: the care helper's
    page with its households, cached offline by its service worker, and the page's storage."""
    response: HttpResponse = _logout(request, *args, **kwargs)
    if request.method == "POST" and response.status_code < 400:
        response["Clear-Site-Data"] = '"cache", "storage"'
    return response


urlpatterns = [
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", logout, name="logout"),
    path("signup/", accounts.signup, name="signup"),
    path("terms/", accounts.terms, name="terms"),
    path("privacy/", accounts.privacy, name="privacy"),
    path("language/", accounts.set_language, name="set-language"),
    path("me/", accounts.profile, name="profile"),
    path("me/password/", accounts.password_change, name="password-change"),
    path("me/email/resend/", accounts.email_resend, name="email-resend"),
    path("me/email/<str:token>/", accounts.email_confirm, name="email-confirm"),
    path("me/tokens/", accounts.tokens, name="tokens"),
    path("me/tokens/<int:token_id>/revoke/", accounts.token_revoke, name="token-revoke"),
    path("password/reset/", accounts.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", accounts.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password/reset/done/", accounts.PasswordResetCompleteView.as_view(), name="password-reset-complete"
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("units/", organization.unit_list, name="unit-list"),
    path("units/<int:unit_id>/", organization.unit_detail, name="unit-detail"),
    path("stats/", organization.org_stats, name="org-stats"),
    path("audit/", organization.audit_list, name="audit-list"),
    # The area tree's pages with the actor's grants there (the index is in areas).
    path("areas/<str:code>/", organization.area_detail, name="area-detail"),
    path("areas/<str:code>/grids/", organization.grid_create, name="grid-create"),
    path("areas/<str:code>/workers/", organization.grid_assign, name="grid-assign"),
]
