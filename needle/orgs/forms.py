from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from needle.core import throttle
from needle.core.errors import TooManyRequests
from needle.core.widgets import DateInput
from needle.orgs.auth import password_sign_in
from needle.orgs.models import MembershipKind, Role, UnitType
from needle.orgs.services import password_reset_request, person_reset_password


class LimitedSignIn:
    """Django's sign-in form checked through `password_sign_in`, so a locked account or address
    reads why it is refused (error code "locked")."""

    def clean(self: Any) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = password_sign_in(self.request, username=username, password=password)
            except TooManyRequests as exc:
                raise ValidationError(exc.message, code="locked") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SignInForm(LimitedSignIn, AuthenticationForm):
    pass


class AdminSignInForm(LimitedSignIn, AdminAuthenticationForm):
    pass


def _typed_twice(form: forms.Form, data: dict[str, object], field: str) -> None:
    """A new password is typed twice (`field` and `<field>_again`): a slip is caught here,
    against the second box."""
    if data.get(field) and data.get(field) != data.get(f"{field}_again"):
        form.add_error(f"{field}_again", _("The two passwords differ."))


class SignupForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_(
            "Optional: to reset a forgotten password and to receive messages. We mail it a link to confirm."
        ),
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)
    # Refused by the service too; required here so the browser says so before sending.
    accept_terms = forms.BooleanField(required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        _typed_twice(self, data, "password")
        return data


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    language = forms.ChoiceField(
        label=_("Preferred language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        _typed_twice(self, data, "new_password")
        return data


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form (its email field); sending goes through `password_reset_request`, which
    limits requests and never says whether an account has the address."""

    def save(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        password_reset_request(
            email=self.cleaned_data["email"], client=throttle.client_address(request) if request else ""
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Django's form (two fields, the password validators); the new password is set through
    `person_reset_password`, which checks the link's token again and audits."""

    def __init__(self, user: Any, *args: Any, token: str = "", **kwargs: Any) -> None:
        self.token = token
        super().__init__(user, *args, **kwargs)

    def save(self, commit: bool = True) -> Any:
        return person_reset_password(
            person=self.user, token=self.token, new_password=self.cleaned_data["new_password1"]
        )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("all types")), *UnitType.choices], required=False
    )


class MembershipForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=MembershipKind.choices)
    joined_on = forms.DateField(label=_("Joined on"), required=False, widget=DateInput())


class RoleForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class StatsForm(forms.Form):
    area = forms.CharField(label=_("Area code"), required=False, max_length=40)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action starts with"), required=False, max_length=100)
    actor = forms.CharField(label=_("Actor username"), required=False, max_length=150)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=100)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())


class GridForm(forms.Form):
    name = forms.CharField(label=_("Grid name"), max_length=100)


class GridWorkerForm(forms.Form):
    username = forms.CharField(label=_("Worker's username"), max_length=150)
