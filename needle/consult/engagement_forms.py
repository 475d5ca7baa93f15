"""The engagement's page forms: they parse what a person typed; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from needle.consult.models import Cadence, Participants
from needle.consult.services._common import REASON, TEXT, TITLE
from needle.consult.services.engagement import COMMENT


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("your comment"), max_length=COMMENT, widget=forms.Textarea(attrs={"rows": 2})
    )
    reply_to = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput())


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("why it should not be here"), max_length=REASON)


class FollowForm(forms.Form):
    cadence = forms.ChoiceField(label=_("tell me"), choices=Cadence.choices, initial=Cadence.IMMEDIATELY)


class CandidatesForm(forms.Form):
    skill = forms.SlugField(label=_("skill"), max_length=40)


class InviteForm(forms.Form):
    skill = forms.SlugField(label=_("skill"), max_length=40)
    person = forms.IntegerField(label=_("member"), min_value=1)


class OpinionForm(forms.Form):
    text = forms.CharField(label=_("your opinion"), max_length=TEXT, widget=forms.Textarea(attrs={"rows": 4}))


class FromHotTopicForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=TITLE, required=False)
    question = forms.CharField(
        label=_("question"), max_length=TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    days = forms.IntegerField(label=_("open for (days)"), min_value=1, max_value=366, initial=14)
    participants = forms.ChoiceField(
        label=_("who may take part"), choices=Participants.choices, initial=Participants.RESIDENTS
    )
