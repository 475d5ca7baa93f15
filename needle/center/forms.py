"""The room booking form of the rooms page: parses what a person typed; the service checks it."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.center.models import Room
from needle.center.services.rooms import MAX_GROUP, MAX_PURPOSE
from needle.core.widgets import DateInput, TimeInput

# The service's field names, as the form calls them.
FORM_FIELD = {"starts_at": "starts", "ends_at": "ends"}


class BookingForm(forms.Form):
    room = forms.ModelChoiceField(label=_("room"), queryset=Room.objects.none())
    group = forms.CharField(
        label=_("group"), max_length=MAX_GROUP, help_text=_("e.g. a party branch or a dance troupe")
    )
    purpose = forms.CharField(label=_("purpose"), max_length=MAX_PURPOSE)
    attendees = forms.IntegerField(label=_("attendees"), min_value=1, max_value=10_000)
    day = forms.DateField(label=_("day"), widget=DateInput())
    starts = forms.TimeField(label=_("from"), widget=TimeInput())
    ends = forms.TimeField(label=_("to"), widget=TimeInput())

    def __init__(self, *args: object, rooms: list[Room], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["room"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Room.objects.filter(pk__in=[r.pk for r in rooms]).order_by("name", "pk")

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """The start and end on the deployment's clock."""
        tz = timezone.get_default_timezone()
        day = self.cleaned_data["day"]
        return (
            dt.datetime.combine(day, self.cleaned_data["starts"], tz),
            dt.datetime.combine(day, self.cleaned_data["ends"], tz),
        )
