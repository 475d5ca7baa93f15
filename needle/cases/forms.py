"""Forms of the requests pages: they parse and check shapes; the services decide the rest."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area
from needle.areas.selectors import area_get
from needle.cases.models import AttributeType, Colour, Service, ServiceAttribute, State
from needle.cases.selectors import synonym_words
from needle.cases.services import DISPATCH_MANY_MAX, MAX_DESCRIPTION
from needle.cases.uploads import MAX_BYTES, MAX_PHOTOS
from needle.core import periods
from needle.core.errors import NotFound, ValidationFailed
from needle.core.schemas import MAX_ID
from needle.core.text import id_or_none
from needle.core.widgets import DateInput, DateTimeInput
from needle.orgs.models import Unit

PHOTO_TYPES = "image/jpeg,image/png,image/webp"


class PageForm(forms.Form):
    """Labels without a colon; required fields get a class the styles mark."""

    required_css_class = "required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS files; cleans to their raw bytes (the services check type, size, EXIF)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_TYPES}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[bytes]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS})
        for f in files:
            super().clean(f, initial)
            if f.size > MAX_BYTES:
                raise ValidationError(_("A photo may be at most %(mb)d MB.") % {"mb": MAX_BYTES // 2**20})
        return [f.read() for f in files]


def _html_attrs(attrs: dict[str, Any]) -> str:
    return "".join(
        "" if value is False else f" {esc(name)}" if value is True else f' {esc(name)}="{esc(value)}"'
        for name, value in attrs.items()
    )


class QuickSelect(forms.Select):
    """forms.Select writing the markup of Django's select template in Python, straight from
    the choices: a template per option, and then a context dict per option, made the few
    hundred services of the inbox's filter the larger part of the page's time."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        values = set(self.format_value(value))
        out = [f'<select name="{esc(name)}"{_html_attrs(final_attrs)}>']
        pending = True  # one option selected at most, as Django's optgroups()

        def option(option_value: Any, label: Any) -> str:
            nonlocal pending
            selected = (pending or self.allow_multiple_selected) and str(option_value) in values
            pending = pending and not selected
            mark = " selected" if selected else ""
            return f'\n  <option value="{esc(str(option_value))}"{mark}>{esc(label)}</option>\n'

        for group_value, group_label in self.choices:
            group_value = "" if group_value is None else group_value
            if isinstance(group_label, list | tuple):
                if group_value:
                    out.append(f'\n  <optgroup label="{esc(group_value)}">')
                out += [option(v, label) for v, label in group_label]
                if group_value:
                    out.append("\n  </optgroup>")
            else:
                out.append(option(group_value, group_label))
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 - every value is escaped above


class ServiceTree(forms.RadioSelect):
    """The two-level service picker: one <details> per category, its services as radio
    buttons, each with a few of the words residents use for it. It works without JavaScript;
    the chosen service's category is open. Written in Python, as QuickSelect, for the form's
    hundred-odd services."""

    services: Sequence[Service] = ()
    EXAMPLES = 4

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = str(value[0] if isinstance(value, list | tuple) and value else value or "")
        english = (get_language() or "").startswith("en")
        groups: dict[int, list[Service]] = {}
        for service in self.services:
            groups.setdefault(service.category_id, []).append(service)
        out = ['<div class="service-tree">']
        for services in groups.values():
            is_open = " open" if any(s.code == chosen for s in services) else ""
            out.append(
                f'<details name="service-category"{is_open}><summary>{esc(services[0].category.label)}'
                f' <span class="tally">{len(services)}</span></summary><ul>'
            )
            for s in services:
                checked = " checked" if s.code == chosen else ""
                examples = synonym_words(s.synonyms_en if english else s.synonyms)[: self.EXAMPLES]
                shown = (", " if english else "、").join(esc(w) for w in examples)
                hint = f' <small class="muted">{shown}</small>'
                out.append(
                    f'<li><label><input type="radio" name="{esc(name)}" value="{esc(s.code)}"'
                    f' data-label="{esc(s.label)}"{checked}> <span>{esc(s.label)}'
                    f"{hint if examples else ''}</span></label></li>"
                )
            out.append("</ul></details>")
        out.append("</div>")
        return mark_safe("".join(out))  # noqa: S308 - every value is escaped above


def _choices(field: forms.Field, choices: list[Any]) -> None:
    cast(forms.ChoiceField, field).choices = choices


def _area_from_code(code: str) -> Area | None:
    code = code.strip()
    if not code:
        return None
    try:
        return area_get(code=code)
    except NotFound as exc:
        raise ValidationError(exc.message) from None


def _attribute_field(attr: ServiceAttribute) -> forms.Field:
    common: dict[str, Any] = {
        "label": attr.description,
        "required": attr.required,
        "help_text": attr.datatype_description,
    }
    choices = [(str(v.get("key")), str(v.get("name") or v.get("key"))) for v in attr.values]
    if attr.datatype == AttributeType.SINGLE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if attr.datatype == AttributeType.MULTI:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if attr.datatype == AttributeType.NUMBER:
        return forms.FloatField(**common)
    if attr.datatype == AttributeType.DATETIME:
        return forms.DateTimeField(widget=DateTimeInput(), **common)
    if attr.datatype == AttributeType.TEXT:
        return forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    return forms.CharField(max_length=300, **common)


class IntakeForm(PageForm):
    """A resident's request (web) or a caller's (staff on the phone): the fields of Intake."""

    service = forms.ChoiceField(label=_("What is it about?"), widget=ServiceTree)
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photos = PhotosField(label=_("Photos (up to 3)"))
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    area = forms.CharField(
        label=_("Area"),
        required=False,
        max_length=40,
        help_text=_("Type a name and pick from the list, or enter the area code."),
    )
    address = forms.CharField(label=_("Address or landmark"), required=False, max_length=300)
    contact_name = forms.CharField(label=_("Your name"), required=False, max_length=100)
    contact_phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    contact_email = forms.EmailField(label=_("Email"), required=False)
    show_name = forms.BooleanField(
        label=_("Show my name with the request on the public list"),
        required=False,
        help_text=_(
            "The public list shows what you describe, the service, the area and the pin; your "
            "name only if you tick this box; your phone and email never."
        ),
    )
    consent = forms.BooleanField(
        label=_("I agree that my request and contact details are processed to handle it."),
        error_messages={"required": _("We can only handle the request with your consent to process it.")},
    )
    # Made when the form is first shown: a double submit of the same page makes one case.
    idempotency_key = forms.CharField(max_length=100, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, services: Sequence[Service], staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services = {s.code: s for s in services}
        _choices(self.fields["service"], _grouped(services))
        cast(ServiceTree, self.fields["service"].widget).services = services
        if staff:
            self.fields["contact_name"].label = _("Caller's name")
            self.fields["contact_phone"].label = _("Caller's phone")
            self.fields["contact_email"].label = _("Caller's email")
            self.fields["show_name"].label = _("The caller asks to show their name on the public list")
            self.fields["show_name"].help_text = _(
                "Tick only when the caller asks: names are not shown publicly by default."
            )
            self.fields["consent"].label = _(
                "The caller agrees that the request and their details are processed."
            )
            # A question answered on the call (直接答复) is registered as done.
            self.fields["answer"] = forms.CharField(
                label=_("Answered on the call: the answer given"),
                required=False,
                max_length=MAX_DESCRIPTION,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_(
                    "Only for a question answered at once: the request is then done, sent to no unit."
                ),
            )
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        self.chosen_service = self.services.get(
            str(self.data.get("service") or self.initial.get("service") or "")
        )
        self.attribute_names: list[str] = []
        if self.chosen_service is not None:
            for attr in self.chosen_service.attributes.all():
                name = f"attr_{attr.code}"
                self.fields[name] = _attribute_field(attr)
                self.attribute_names.append(name)

    def clean_service(self) -> Service:
        service = self.services.get(self.cleaned_data["service"])
        if service is None:
            raise ValidationError(_("Choose a service from the list."))
        return service

    def clean_area(self) -> Area | None:
        return _area_from_code(self.cleaned_data["area"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_point = data.get("lat") is not None and data.get("lng") is not None
        if not has_point and not data.get("area") and "area" not in self.errors:
            self.add_error("area", _("Place the request on the map or choose its area."))
        return data

    def attributes(self) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for name in self.attribute_names:
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                continue
            answers[name.removeprefix("attr_")] = (
                value.isoformat() if isinstance(value, dt.datetime) else value
            )
        return answers

    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.attribute_names]

    def photo_bytes(self) -> list[bytes]:
        return list(self.cleaned_data.get("photos") or [])


def _grouped(services: Iterable[Service]) -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[int, tuple[str, list[tuple[str, str]]]] = {}
    for s in services:
        groups.setdefault(s.category_id, (s.category.label, []))[1].append((s.code, s.label))
    return list(groups.values())


# Intake errors come back from the services under the names of Intake and the API.
INTAKE_FIELD_NAMES = {
    "service_code": "service",
    "phone": "contact_phone",
    "email": "contact_email",
    "long": "lng",
}


def intake_field(name: str) -> str:
    if name.startswith("attribute[") and name.endswith("]"):
        return "attr_" + name[len("attribute[") : -1]
    return INTAKE_FIELD_NAMES.get(name, name)


# Lists ------------------------------------------------------------------------------------------


OPEN = "open"


class CaseFilterForm(PageForm):
    state = forms.ChoiceField(label=_("State"), required=False, widget=QuickSelect)
    colour = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("any")), *[c for c in Colour.choices if c[0]]],
        widget=QuickSelect,
    )
    service = forms.ChoiceField(label=_("Service"), required=False, widget=QuickSelect)
    area = forms.CharField(label=_("Area code"), required=False, max_length=40)
    q = forms.CharField(label=_("Number or text"), required=False, max_length=100)
    unit = forms.TypedChoiceField(
        label=_("Unit"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )

    def __init__(
        self,
        *args: Any,
        services: Iterable[Service] = (),
        units: Iterable[Unit] = (),
        states: Iterable[tuple[str, Any]] = State.choices,
        open_choice: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        states = list(states)
        if open_choice:
            states = [(OPEN, _("open (still to do)")), *states]
        _choices(self.fields["state"], [("", _("any")), *states])
        if isinstance(services, QuerySet):  # only what _grouped reads, for hundreds of services
            services = services.only("code", "name", "name_en", "category__name", "category__name_en")
        _choices(self.fields["service"], [("", _("any")), *_grouped(services)])
        self.units = {u.pk: u for u in units}
        _choices(
            self.fields["unit"],
            [
                ("", _("all cases in my scope")),
                *[(u.pk, u.name) for u in self.units.values()],
            ],
        )

    def clean_area(self) -> Area | None:
        return _area_from_code(self.cleaned_data["area"])

    def clean_unit(self) -> Unit | None:
        pk = self.cleaned_data.get("unit")
        return self.units.get(pk) if pk is not None else None


class ChosenCasesForm(PageForm):
    """Cases chosen on a list (the inbox's rows, the queue's cards), by number: only their
    shape here; the services check each case."""

    numbers = forms.MultipleChoiceField(label=_("Cases"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        posted = self.data.getlist(self.add_prefix("numbers")) if hasattr(self.data, "getlist") else []
        _choices(self.fields["numbers"], [(n, n) for n in posted if n.isdigit() and len(n) <= 20])

    def clean_numbers(self) -> list[str]:
        numbers = self.cleaned_data["numbers"]
        if len(numbers) > DISPATCH_MANY_MAX:
            raise ValidationError(_("Choose at most 100 cases at once."))
        return numbers


class BulkForm(ChosenCasesForm):
    action = forms.ChoiceField(choices=[("accept", _("Accept")), ("urge", _("Urge"))])
    note = forms.CharField(label=_("Note for urging"), required=False, max_length=500)


class QueueFilterForm(CaseFilterForm):
    """The dispatch queue's filter: CaseFilterForm's and the order of the cards."""

    sort = forms.ChoiceField(label=_("Order"), required=False)

    def __init__(self, *args: Any, sorts: Iterable[tuple[str, Any]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["sort"], list(sorts))


class BulkDispatchForm(ChosenCasesForm):
    """The queue's chosen cards, sent to one unit (the service checks the unit and each case)."""

    unit = forms.IntegerField(label=_("Unit"), min_value=1, max_value=MAX_ID)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


# Case actions -----------------------------------------------------------------------------------


class VersionForm(PageForm):
    """The version the page showed: a move on a case someone changed meanwhile is a conflict."""

    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class DispatchForm(VersionForm):
    unit = forms.IntegerField(label=_("Unit"), min_value=1, max_value=MAX_ID)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class StartForm(VersionForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class ResolveForm(VersionForm):
    note = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("Photos of the result (up to 3)"))


RATINGS = [(str(n), str(n)) for n in range(1, 6)]


class CallbackForm(VersionForm):
    solved = forms.TypedChoiceField(
        label=_("Is it solved?"),
        choices=[("yes", _("Yes, it is solved")), ("no", _("No, it is not solved"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you? (1 = not at all, 5 = very)"),
        choices=RATINGS,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MergeForm(VersionForm):
    parent = forms.CharField(label=_("Number of the case it duplicates"), max_length=20)


class UrgeForm(PageForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("urge", _("Urge (催办)")), ("supervise", _("Supervise (督办)"))]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class WhistleForm(PageForm):
    units = forms.TypedMultipleChoiceField(label=_("Units to call in"), coerce=int)
    hours = forms.IntegerField(label=_("Respond within (hours)"), min_value=1, max_value=720, initial=24)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Which units a case may call in is case_whistle's rule; here only the ids' shape.
        posted = self.data.getlist(self.add_prefix("units")) if hasattr(self.data, "getlist") else []
        _choices(
            self.fields["units"],
            [(p, p) for p in posted[:20] if (n := id_or_none(p)) is not None and n <= MAX_ID],
        )


class HideForm(PageForm):
    public_description = forms.CharField(
        label=_("Public description (without personal details)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(VersionForm):
    answer = forms.CharField(
        label=_("The answer given"), max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3})
    )


class WithdrawForm(VersionForm):
    reason = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AddInfoForm(PageForm):
    note = forms.CharField(
        label=_("What you want to add"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(label=_("Photos (up to 3)"))


class HoldForm(VersionForm):
    reason = forms.CharField(
        label=_("What the case waits for"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _deadline_field(**kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(widget=DateTimeInput(), **kwargs)


class ExtendForm(VersionForm):
    due = _deadline_field(label=_("New deadline asked for"))
    reason = forms.CharField(
        label=_("Why the case needs more time"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecideExtensionForm(VersionForm):
    decision = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("grant", _("Grant")), ("refuse", _("Refuse"))],
        coerce=lambda v: v == "grant",
        widget=forms.RadioSelect,
    )
    due = _deadline_field(
        label=_("New deadline"), required=False, help_text=_("Empty: the deadline asked for.")
    )
    note = forms.CharField(
        label=_("Note (the reason, when refused)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RespondForm(PageForm):
    note = forms.CharField(
        label=_("What your unit will do"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class PublicForm(VersionForm):
    public = forms.BooleanField(
        label=_("Show this request on the public list"),
        required=False,
        help_text=_(
            "Without the resident's name unless they chose to show it, and never their phone or email."
        ),
    )


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "dispatch": DispatchForm,
    "accept": VersionForm,
    "return": ReasonForm,
    "start": StartForm,
    "resolve": ResolveForm,
    "callback": CallbackForm,
    "reopen": ReasonForm,
    "merge": MergeForm,
    "reject": ReasonForm,
    "urge": UrgeForm,
    "whistle": WhistleForm,
    "hide": HideForm,
    "answer": AnswerForm,
    "withdraw": WithdrawForm,
    "add_info": AddInfoForm,
    "suspend": HoldForm,
    "resume": StartForm,
    "extend": ExtendForm,
    "decide_extension": DecideExtensionForm,
    "respond": RespondForm,
    "publish": PublicForm,
}


# Rates ------------------------------------------------------------------------------------------


class RatesForm(PageForm):
    area = forms.CharField(label=_("Area code"), required=False, max_length=40)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, units: Iterable[Unit] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {u.pk: u for u in units}
        _choices(self.fields["unit"], [("", "—"), *[(u.pk, u.name) for u in self.units.values()]])

    def clean_area(self) -> Area | None:
        return _area_from_code(self.cleaned_data["area"])

    def clean_unit(self) -> Unit | None:
        pk = self.cleaned_data.get("unit")
        return self.units.get(pk) if pk is not None else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["start"], data["end"] = periods.parse_period(
                data.get("start"), data.get("end"), default_start=lambda end: end.replace(day=1)
            )
        except ValidationFailed as exc:
            for name, text in exc.fields.items():
                self.add_error(name, text)
        return data
