"""Forms of the request intelligence pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.cases.models import Case, Service
from needle.core.widgets import DateInput
from needle.intel.models import HotTopic
from needle.orgs.models import Unit


class ReclassifyForm(forms.Form):
    """The dispatcher's correction: the classifier's top services first, then every service."""

    service = forms.ModelChoiceField(queryset=Service.objects.none(), label=_("Correct service"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, case: Case, suggestion: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["service"]
        field.queryset = (
            Service.objects.filter(active=True).exclude(pk=case.service_id).select_related("category")
        )
        field.label_from_instance = lambda s: f"{s.category.label} / {s.label}"
        if suggestion is not None:
            top = [
                g.service
                for g in suggestion.services
                if g.service is not None and g.service.pk != case.service_id
            ]
            rest = [s for s in field.queryset.order_by("category__order", "code") if s not in top]
            field.choices = (
                [("", "---------")]
                + [(s.pk, f"★ {s.category.label} / {s.label}") for s in top]
                + [(s.pk, f"{s.category.label} / {s.label}") for s in rest]
            )


class HotTopicTaskForm(forms.Form):
    """Turn a hot topic into a proactive task: which unit, by when."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Unit to act"))
    due = forms.DateField(label=_("Done by"), widget=DateInput())
    note = forms.CharField(
        label=_("Instructions"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, topic: HotTopic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The units that handled its cases, and the units seated at the topic's area and above
        # (the street office, the district's departments): a short list, even city-wide.
        handled = Case.objects.filter(hot_topics=topic, lead_unit__isnull=False).values("lead_unit_id")
        paths = [*topic.area.ancestor_paths, topic.area.path]
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = (
            Unit.objects.filter(dissolved_on__isnull=True)
            .filter(Q(pk__in=handled) | Q(area_path__in=paths))
            .order_by("-area_path", "name")
        )

    def clean_due(self) -> Any:
        due = self.cleaned_data["due"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("The deadline must be in the future."))
        return due
