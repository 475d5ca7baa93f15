"""The think tank's page forms: they parse what a person typed; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from needle.consult.models import Answer
from needle.consult.services._common import REASON, TEXT, TITLE


class SuggestionForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=TITLE)
    text = forms.CharField(
        label=_("your suggestion"), max_length=TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )


class OnBehalfForm(SuggestionForm):
    name = forms.CharField(label=_("name"), max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    consent = forms.BooleanField(label=_("The person agreed to their details being kept."))


class AnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("answer"), choices=Answer.choices)
    text = forms.CharField(
        label=_("text (the reason, if not adopted)"),
        max_length=TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HideForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=REASON)
