from django.contrib.auth import views as auth_views
from django.urls import path

from needle.orgs.views import accounts, organization

urlpatterns = [
    path("", organization.home, name="home"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
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
