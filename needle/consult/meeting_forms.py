"""The deliberation pages' forms: they parse what staff typed; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from needle.consult.models import SeatKind, Suggestion, Topic
from needle.consult.services._common import REASON, TEXT, TITLE
from needle.consult.services.meetings import MAX_VOTES, MINUTES
from needle.core.widgets import DateTimeInput


class MeetingForm(forms.Form):
    area = forms.CharField(label=_("area code"), max_length=40)
    title = forms.CharField(label=_("title"), max_length=TITLE)
    starts_at = forms.DateTimeField(label=_("date and time"), widget=DateTimeInput())
    place = forms.CharField(label=_("place"), max_length=200)
    topics = forms.TypedMultipleChoiceField(
        label=_("topics on the agenda"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    suggestions = forms.TypedMultipleChoiceField(
        label=_("suggestions on the agenda"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    agenda_text = forms.CharField(
        label=_("other agenda items"),
        max_length=TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, topics: list[Topic], suggestions: list[Suggestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, rows in (("topics", topics), ("suggestions", suggestions)):
            field = self.fields[name]
            assert isinstance(field, forms.TypedMultipleChoiceField)
            field.choices = [(r.pk, r.title) for r in rows]


class MeetingEditForm(MeetingForm):
    """A scheduled meeting's date, place, title and agenda, changed on its page (its area stays)."""

    area = None  # type: ignore[assignment]


class SeatForm(forms.Form):
    kind = forms.ChoiceField(label=_("taking part as"), choices=SeatKind.choices)
    name = forms.CharField(label=_("name (a person without an account)"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    username = forms.CharField(label=_("or their user name"), max_length=150, required=False)
    consent = forms.BooleanField(label=_("The person agreed to their details being kept."), required=False)


class DecisionForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=TITLE)
    text = forms.CharField(label=_("decision"), max_length=TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    votes_for = forms.IntegerField(label=_("for"), min_value=0, max_value=MAX_VOTES)
    against = forms.IntegerField(label=_("against"), min_value=0, max_value=MAX_VOTES)
    abstain = forms.IntegerField(label=_("abstain"), min_value=0, max_value=MAX_VOTES)
    suggestion = forms.TypedChoiceField(
        label=_("suggestion decided on"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, suggestions: list[Suggestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["suggestion"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *((s.pk, s.title) for s in suggestions)]


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("minutes"), max_length=MINUTES, widget=forms.Textarea(attrs={"rows": 6})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("reason for cancelling"), max_length=REASON)
