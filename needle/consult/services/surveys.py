"""A topic's survey: the area's staff put questions to it (one choice, several choices, a scale,
free text) and may change or delete them until the first response; then those the topic lets take part
answer once each while it is open, or staff enter the answers of a person without an account
(their shared record, consent noted). Every refusal of an answer names the question.

Every write locks the topic, so that a question cannot change under a response being made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from needle.consult.access import may_manage, may_take_part
from needle.consult.models import Topic
from needle.consult.services._common import text
from needle.consult.services.suggestions import OnBehalf, _window, record_for
from needle.consult.survey_models import CHOICE_KINDS, Question, QuestionKind, Response, ResponseAnswer
from needle.core.audit import audit_record, snapshot
from needle.core.errors import Conflict, ValidationFailed, or_not_found
from needle.orgs.models import mask_phone
from needle.orgs.permissions import require, require_authenticated

QUESTION = 300
CHOICE = 100
MAX_CHOICES = 20
MAX_QUESTIONS = 30
ANSWER_TEXT = 2000
# A scale runs between these points (1 to 5 when none are given).
SCALE_LOW, SCALE_HIGH = 0, 10
QUESTION_FIELDS = ["position", "kind", "text", "choices", "scale_min", "scale_max", "required"]


@dataclass(frozen=True)
class QuestionDraft:
    kind: str
    text: str
    choices: list[str] = field(default_factory=list)
    scale_min: int | None = None
    scale_max: int | None = None
    required: bool = True


@dataclass(frozen=True)
class Given:
    """One answer as given: the choices ticked (their places in the question's list, from 0),
    a point on the scale, or a text."""

    choices: list[int] = field(default_factory=list)
    value: int | None = None
    text: str = ""

    def empty(self) -> bool:
        return not self.choices and self.value is None and not self.text.strip()


def _whole(n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool)


def _clean_choices(draft: QuestionDraft, errors: dict[str, str]) -> list[str]:
    if draft.kind not in CHOICE_KINDS:
        if draft.choices:
            errors["choices"] = _("Only a choice question has choices.")
        return []
    out: list[str] = []
    for i, raw in enumerate(draft.choices):
        try:
            out.append(text(raw, limit=CHOICE, field=f"choices.{i}"))
        except ValidationFailed as exc:
            errors.update(exc.fields)
            return []
    if not 2 <= len(out) <= MAX_CHOICES:
        errors["choices"] = _("Give from 2 to %(n)d choices.") % {"n": MAX_CHOICES}
    elif len(set(out)) != len(out):
        errors["choices"] = _("A choice is given twice.")
    return out


def _clean_scale(draft: QuestionDraft, errors: dict[str, str]) -> tuple[int | None, int | None]:
    if draft.kind != QuestionKind.SCALE:
        if draft.scale_min is not None or draft.scale_max is not None:
            errors["scale_min"] = _("Only a scale question has a range.")
        return None, None
    low = 1 if draft.scale_min is None else draft.scale_min
    high = 5 if draft.scale_max is None else draft.scale_max
    bounds = {"low": SCALE_LOW, "high": SCALE_HIGH}
    for name, n in (("scale_min", low), ("scale_max", high)):
        if not _whole(n) or not SCALE_LOW <= n <= SCALE_HIGH:
            errors[name] = _("Give a whole number from %(low)d to %(high)d.") % bounds
    if "scale_min" not in errors and "scale_max" not in errors and low >= high:
        errors["scale_max"] = _("The scale must end above where it starts.")
    return low, high


def _clean(draft: QuestionDraft) -> dict[str, Any]:
    """The question's fields as stored, or ValidationFailed naming each wrong one."""
    errors: dict[str, str] = {}
    if draft.kind not in QuestionKind.values:
        raise ValidationFailed(fields={"kind": _("Choose single, multiple, scale or text.")})
    said = text(draft.text, limit=QUESTION, field="text")
    choices = _clean_choices(draft, errors)
    low, high = _clean_scale(draft, errors)
    if not isinstance(draft.required, bool):
        errors["required"] = _("Give true or false.")
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "kind": draft.kind,
        "text": said,
        "choices": choices,
        "scale_min": low,
        "scale_max": high,
        "required": draft.required,
    }


def _locked_topic(topic: Topic) -> Topic:
    return Topic.objects.select_for_update(of=("self",)).select_related("area").get(pk=topic.pk)


def _unsettled(topic: Topic) -> None:
    if Response.objects.filter(topic=topic).exists():
        raise Conflict(
            _("People have answered this survey: its questions are settled."), code="survey_answered"
        )


@transaction.atomic
def question_add(*, actor: Any, topic: Topic, draft: QuestionDraft) -> Question:
    """A question at the end of the topic's survey (consult.manage over its area), while no one
    has answered it. Audited."""
    require_authenticated(actor)
    topic = _locked_topic(topic)
    require(may_manage(actor, topic.area_path))
    _unsettled(topic)
    fields = _clean(draft)
    count = Question.objects.filter(topic=topic).count()
    if count >= MAX_QUESTIONS:
        raise ValidationFailed(
            fields={"text": _("A survey asks at most %(n)d questions.") % {"n": MAX_QUESTIONS}}
        )
    last = (
        Question.objects.filter(topic=topic).order_by("-position").values_list("position", flat=True).first()
    )
    question = Question.objects.create(topic=topic, position=(last or 0) + 1, **fields)
    audit_record(
        actor=actor,
        action="consult.question.added",
        obj=question,
        area_path=topic.area_path,
        new={"topic": topic.pk, **snapshot(question, QUESTION_FIELDS)},
    )
    return question


@transaction.atomic
def question_edit(*, actor: Any, question: Question, draft: QuestionDraft) -> Question:
    """Change a question (its kind too) while no one has answered the survey. Audited."""
    require_authenticated(actor)
    topic = _locked_topic(question.topic)
    require(may_manage(actor, topic.area_path))
    _unsettled(topic)
    # Read again under the topic's lock: a question deleted meanwhile (a second click) is gone.
    question = or_not_found(Question.objects.filter(pk=question.pk, topic=topic).first())
    fields = _clean(draft)
    old = snapshot(question, QUESTION_FIELDS)
    for name, value in fields.items():
        setattr(question, name, value)
    question.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        action="consult.question.edited",
        obj=question,
        area_path=topic.area_path,
        old=old,
        new=snapshot(question, QUESTION_FIELDS),
    )
    return question


@transaction.atomic
def question_delete(*, actor: Any, question: Question) -> None:
    """Delete a question while no one has answered the survey; those after it move up one place,
    so that a refusal's "question n" stays the n-th shown. Audited with the question as it was."""
    require_authenticated(actor)
    topic = _locked_topic(question.topic)
    require(may_manage(actor, topic.area_path))
    _unsettled(topic)
    # Read again under the topic's lock: a question deleted meanwhile (a second click) is gone.
    question = or_not_found(Question.objects.filter(pk=question.pk, topic=topic).first())
    old = {"topic": topic.pk, **snapshot(question, QUESTION_FIELDS)}
    audit_record(
        actor=actor, action="consult.question.deleted", obj=question, area_path=topic.area_path, old=old
    )
    question.delete()
    # One row at a time, upwards: each place is free before the next question takes it, which
    # the unique (topic, position) constraint needs on every database.
    for later in Question.objects.filter(topic=topic, position__gt=old["position"]).order_by("position"):
        Question.objects.filter(pk=later.pk).update(position=later.position - 1)


def _refusal(q: Question, given: Given) -> str | None:
    """Why this answer to `q` is refused, naming the question by its number, or None."""
    n = {"n": q.position}
    if given.empty():
        return _("Question %(n)d needs an answer.") % n if q.required else None
    if q.kind in CHOICE_KINDS:
        if given.value is not None or given.text:
            return _("Question %(n)d: answer with its choices.") % n
        if q.kind == QuestionKind.SINGLE and len(set(given.choices)) > 1:
            return _("Question %(n)d: choose only one.") % n
        if any(not _whole(c) or not 0 <= c < len(q.choices) for c in given.choices):
            return _("Question %(n)d: this choice is not offered.") % n
        return None
    if q.kind == QuestionKind.SCALE:
        if given.choices or given.text:
            return _("Question %(n)d: answer with a number on the scale.") % n
        assert q.scale_min is not None and q.scale_max is not None
        value = given.value
        if value is None or not _whole(value) or not q.scale_min <= value <= q.scale_max:
            return _("Question %(n)d: give a number from %(low)d to %(high)d.") % {
                **n,
                "low": q.scale_min,
                "high": q.scale_max,
            }
        return None
    if given.choices or given.value is not None:
        return _("Question %(n)d: answer in words.") % n
    if "\x00" in given.text:
        return _("Question %(n)d: the text holds a NUL character.") % n
    if len(given.text.strip()) > ANSWER_TEXT:
        return _("Question %(n)d: at most %(limit)d characters.") % {**n, "limit": ANSWER_TEXT}
    return None


def _rows(q: Question, given: Given) -> list[ResponseAnswer]:
    if given.empty():
        return []
    if q.kind in CHOICE_KINDS:
        return [ResponseAnswer(question=q, choice=c) for c in sorted(set(given.choices))]
    if q.kind == QuestionKind.SCALE:
        return [ResponseAnswer(question=q, value=given.value)]
    return [ResponseAnswer(question=q, text=given.text.strip())]


def _check(questions: list[Question], answers: dict[int, Given]) -> list[ResponseAnswer]:
    """The answer rows to store, or ValidationFailed naming every question refused
    (`answers.<question id>`)."""
    if not questions:
        raise ValidationFailed(fields={"answers": _("This topic has no survey.")})
    ours = {q.pk for q in questions}
    errors = {
        f"answers.{k}": _("No question %(id)s in this survey.") % {"id": k} for k in answers if k not in ours
    }
    rows: list[ResponseAnswer] = []
    for q in questions:
        given = answers.get(q.pk, Given())
        refused = _refusal(q, given)
        if refused:
            errors[f"answers.{q.pk}"] = refused
        else:
            rows.extend(_rows(q, given))
    if errors:
        raise ValidationFailed(fields=errors)
    if not rows:
        raise ValidationFailed(fields={"answers": _("Answer at least one question.")})
    return rows


@transaction.atomic
def survey_answer(
    *, actor: Any, topic: Topic, answers: dict[int, Given], on_behalf: OnBehalf | None = None
) -> Response:
    """The actor's answers to the topic's survey (once: a second is a 409), by those the topic
    lets take part while it is open; or (staff over the area) a person without an account's.
    Audited without the answers themselves."""
    require_authenticated(actor)
    topic = _locked_topic(topic)
    if on_behalf is not None:
        require(may_manage(actor, topic.area_path))
    else:
        require(may_take_part(actor, topic))
    _window(topic)
    rows = _check(list(Question.objects.filter(topic=topic).order_by("position")), answers)
    record = record_for(actor, topic.area, on_behalf) if on_behalf is not None else None
    try:
        with transaction.atomic():
            response = Response.objects.create(
                topic=topic,
                person=None if record is not None else actor,
                record=record,
                entered_by=actor if record is not None else None,
            )
    except IntegrityError:
        said = (
            _("This person has answered this survey already.")
            if record is not None
            else _("You have answered this survey already.")
        )
        raise Conflict(said, code="already_answered") from None
    for row in rows:
        row.response = response
    ResponseAnswer.objects.bulk_create(rows)
    new: dict[str, Any] = {"topic": topic.pk, "answers": len({r.question_id for r in rows})}
    if record is not None:
        new["on_behalf"] = {"record": record.pk, "phone": mask_phone(record.phone)}
    audit_record(
        actor=actor, action="consult.survey.answered", obj=response, area_path=topic.area_path, new=new
    )
    return response
