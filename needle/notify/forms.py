from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from needle.core.widgets import TimeInput
from needle.notify.models import Cadence, Channel


class PreferenceForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Tell me outside Needle by"), choices=Channel.choices, widget=forms.RadioSelect
    )
    cadence = forms.ChoiceField(
        label=_("How often"),
        choices=Cadence.choices,
        widget=forms.RadioSelect,
        help_text=_("For email, text messages and WeChat; Needle's own list shows each message at once."),
    )
    quiet_start = forms.TimeField(label=_("Quiet from"), required=False, widget=TimeInput())
    quiet_end = forms.TimeField(
        label=_("Quiet until"),
        required=False,
        widget=TimeInput(),
        help_text=_("Nothing is sent in between; what comes then waits until the quiet hours end."),
    )
