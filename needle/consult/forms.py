"""The think tank's page forms: they parse what a person typed; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from needle.consult.models import Action, Answer, Participants
from needle.consult.services._common import REASON, TEXT, TITLE
from needle.core.widgets import DateInput


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


class TopicForm(forms.Form):
    area = forms.CharField(label=_("area code"), max_length=40)
    title = forms.CharField(label=_("title"), max_length=TITLE)
    question = forms.CharField(label=_("question"), max_length=TEXT, widget=forms.Textarea(attrs={"rows": 2}))
    background = forms.CharField(
        label=_("background"), max_length=TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    opens = forms.DateField(label=_("opens"), widget=DateInput())
    closes = forms.DateField(label=_("closes"), widget=DateInput())
    participants = forms.ChoiceField(label=_("who may take part"), choices=Participants.choices)
    answer_days = forms.IntegerField(
        label=_("answer within (working days)"), min_value=1, max_value=60, initial=10
    )


class ActionForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=TITLE)
    progress = forms.IntegerField(label=_("progress"), min_value=0, max_value=100, initial=0)
    weight = forms.IntegerField(label=_("weight"), min_value=1, max_value=1000, initial=1)
    parent = forms.TypedChoiceField(label=_("part of"), coerce=int, required=False, empty_value=None)
    case = forms.CharField(label=_("request number (the action follows it)"), max_length=40, required=False)

    def __init__(self, *args: Any, actions: list[Action], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *((a.pk, a.title) for a in actions)]


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("progress"), min_value=0, max_value=100)
