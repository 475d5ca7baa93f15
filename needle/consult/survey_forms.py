"""The survey pages' forms: a question as staff write it, and a topic's survey as a person
answers it (one field per question, none required here: the service decides, naming the
question)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from needle.consult.services.surveys import (
    ANSWER_TEXT,
    CHOICE,
    MAX_CHOICES,
    QUESTION,
    SCALE_HIGH,
    SCALE_LOW,
    Given,
)
from needle.consult.survey_models import Question, QuestionKind


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind of question"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("question"), max_length=QUESTION)
    choices = forms.CharField(
        label=_("choices, one per line"),
        required=False,
        max_length=(CHOICE + 1) * MAX_CHOICES,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    scale_min = forms.IntegerField(
        label=_("scale from"), required=False, min_value=SCALE_LOW, max_value=SCALE_HIGH
    )
    scale_max = forms.IntegerField(
        label=_("scale to"), required=False, min_value=SCALE_LOW, max_value=SCALE_HIGH
    )
    required = forms.BooleanField(label=_("answer required"), required=False, initial=True)

    @classmethod
    def of(cls, question: Question, **kwargs: Any) -> QuestionForm:
        """The form filled with a question as it stands."""
        initial = {
            "kind": question.kind,
            "text": question.text,
            "choices": "\n".join(question.choices),
            "scale_min": question.scale_min,
            "scale_max": question.scale_max,
            "required": question.required,
        }
        return cls(initial=initial, **kwargs)

    def choice_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


class SurveyForm(forms.Form):
    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        # A question brings its own punctuation ("…？"); a colon after it would read twice.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            label = f"{q.position}. {q.text}"
            help_text = _("required") if q.required else ""
            field: forms.Field
            if q.kind == QuestionKind.SINGLE:
                field = forms.TypedChoiceField(
                    coerce=int, choices=list(enumerate(q.choices)), widget=forms.RadioSelect, empty_value=None
                )
            elif q.kind == QuestionKind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(
                    coerce=int, choices=list(enumerate(q.choices)), widget=forms.CheckboxSelectMultiple
                )
            elif q.kind == QuestionKind.SCALE:
                points = range(q.scale_min or 0, (q.scale_max or 0) + 1)
                field = forms.TypedChoiceField(
                    coerce=int,
                    choices=[(v, str(v)) for v in points],
                    widget=forms.RadioSelect(attrs={"class": "inline"}),
                    empty_value=None,
                )
            else:
                field = forms.CharField(
                    widget=forms.Textarea(attrs={"rows": 3, "maxlength": ANSWER_TEXT}), strip=False
                )
            field.required = False
            field.label = label
            field.help_text = help_text
            self.fields[f"q{q.pk}"] = field

    def given(self) -> dict[int, Given]:
        """The answers as the service takes them."""
        out: dict[int, Given] = {}
        for q in self.questions:
            value = self.cleaned_data.get(f"q{q.pk}")
            if q.kind == QuestionKind.MULTIPLE:
                out[q.pk] = Given(choices=list(value or []))
            elif q.kind == QuestionKind.SINGLE:
                out[q.pk] = Given(choices=[] if value is None else [value])
            elif q.kind == QuestionKind.SCALE:
                out[q.pk] = Given(value=value)
            else:
                out[q.pk] = Given(text=value or "")
        return out


class SurveyBehalfForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    consent = forms.BooleanField(label=_("The person agreed to their details being kept."))
