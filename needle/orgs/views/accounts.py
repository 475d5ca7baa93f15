"""One's own account: sign-in, sign-up (with the terms), the profile and its email address,
the password (changed, or reset by email through Django's views), API tokens, the language,
and the terms of use and privacy notice. Thin: parse, call a service, render."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from needle.core import throttle
from needle.core.errors import DomainError, TooManyRequests
from needle.core.views import show_error
from needle.orgs import selectors, services
from needle.orgs.forms import (
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
    SignInForm,
    SignupForm,
    TokenForm,
)
from needle.orgs.models import Person


def _link_sent(request: HttpRequest, email: str) -> None:
    """Say that a confirmation link left for the address (signed up, changed, or asked again)."""
    messages.info(
        request, _("We sent a link to %(email)s: open it to confirm the address.") % {"email": email}
    )


def _remember_language(response: HttpResponse, language: str) -> HttpResponse:
    if language in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


class LoginView(auth_views.LoginView):
    template_name = "orgs/login.html"
    authentication_form = SignInForm

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error("__all__", "locked"):
            response.status_code = 429
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        return _remember_language(response, form.get_user().language)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in person keeps it as their preference."""
    language = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Unknown language."))
        return response
    if request.user.is_authenticated:
        services.person_update_profile(actor=request.user, person=request.user, language=language)
    return _remember_language(response, language)


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_signup(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                accepted_terms=form.cleaned_data["accept_terms"],
                display_name=form.cleaned_data["display_name"],
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
                language=getattr(request, "LANGUAGE_CODE", ""),
                client=throttle.client_address(request),
            )
        except DomainError as exc:
            show_error(request, exc, form)
            if exc.status == 429:
                return render(request, "orgs/signup.html", {"form": form}, status=429)
        else:
            login(request, person, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome, %(name)s.") % {"name": person})
            if person.email:
                _link_sent(request, person.email)
            return redirect("home")
    return render(request, "orgs/signup.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    person = cast(Person, request.user)
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": person.display_name,
            "phone": person.phone,
            "email": person.email,
            "language": person.language,
        },
    )
    if request.method == "POST" and form.is_valid():
        before = person.email
        try:
            services.person_update_profile(actor=person, person=person, **form.cleaned_data)
        except DomainError as exc:
            show_error(request, exc, form)
        else:
            messages.success(request, _("Your profile is saved."))
            if person.email and person.email.casefold() != before.casefold():
                _link_sent(request, person.email)
            return _remember_language(redirect("profile"), form.cleaned_data["language"])
    return render(
        request, "orgs/profile.html", {"form": form, "person": person}, status=400 if form.errors else 200
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.token_create(
                actor=request.user, person=cast(Person, request.user), name=form.cleaned_data["name"]
            )
        except DomainError as exc:
            show_error(request, exc, form)
        else:
            form = TokenForm()
    return render(
        request,
        "orgs/tokens.html",
        {"form": form, "issued": issued, "tokens": selectors.token_list_for(actor=request.user)},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = selectors.access_token(actor=request.user, token_id=token_id)
        services.token_revoke(actor=request.user, token=token)
    except DomainError as exc:
        show_error(request, exc)
    else:
        messages.success(request, _("The token is revoked."))
    return redirect("tokens")


# The email address ------------------------------------------------------------------------------


def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link mailed to an address: a page with one button, so that a mail scanner opening
    the link confirms nothing; the POST confirms it (no sign-in: the link is the proof)."""
    if request.method == "POST":
        try:
            person = services.person_confirm_email(token=token)
        except DomainError as exc:
            return render(request, "orgs/email_confirm.html", {"error": exc.message}, status=exc.status)
        messages.success(request, _("Your email address %(email)s is confirmed.") % {"email": person.email})
        return redirect("profile" if request.user.is_authenticated else "login")
    return render(request, "orgs/email_confirm.html", {"token": token})


@login_required
@require_POST
def email_resend(request: HttpRequest) -> HttpResponse:
    person = cast(Person, request.user)
    try:
        services.email_confirmation_resend(actor=person, person=person)
    except DomainError as exc:
        show_error(request, exc)
    else:
        _link_sent(request, person.email)
    return redirect("profile")


# The password ------------------------------------------------------------------------------------


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    person = cast(Person, request.user)
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.person_change_password(
                actor=person,
                person=person,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as exc:
            show_error(request, exc, form)
            status = exc.status if exc.status == 429 else 400
        else:
            # This browser stays signed in; every other session of the account ends.
            update_session_auth_hash(request, person)
            messages.success(request, _("Your password is changed."))
            return redirect("profile")
    elif form.errors:
        status = 400
    return render(request, "orgs/password_change.html", {"form": form}, status=status)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "orgs/password_reset.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("password-reset-done")

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            form.save(request=self.request)
        except TooManyRequests as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "orgs/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view: it checks the link, moves its token into the session (so the address
    bar and any Referer no longer carry it) and shows the form; the form sets the password
    through `person_reset_password`."""

    template_name = "orgs/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("password-reset-complete")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["token"] = self.request.session.get(INTERNAL_RESET_SESSION_TOKEN, "")
        return kwargs

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "orgs/password_reset_complete.html"


# The terms ---------------------------------------------------------------------------------------


def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/terms.html", {"version": services.TERMS_VERSION})


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/privacy.html", {"version": services.TERMS_VERSION})
