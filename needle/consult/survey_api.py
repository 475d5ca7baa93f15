"""/api/v1/consult/topics/{id}/...: a topic's survey. The area's staff add questions (and change
or delete them until the first response); anyone reads the questions and the counts (the text answers
only the staff over the area and the answering unit, never who answered); those the topic lets
take part answer once while it is open, and staff answer for a person without an account."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from needle.consult import selectors, services
from needle.consult.selectors.surveys import access_question, survey_for
from needle.consult.services.surveys import (
    Given,
    QuestionDraft,
    question_add,
    question_delete,
    question_edit,
    survey_answer,
)
from needle.consult.survey_models import Question
from needle.consult.survey_schemas import QuestionIn, QuestionOut, ResponseIn, ResponseOut, SurveyOut
from needle.core.errors import ValidationFailed
from needle.core.schemas import ERRORS, Id
from needle.orgs.auth import optional_actor

router = Router(tags=["consult"])


def question_out(q: Question) -> dict[str, Any]:
    return {
        "id": q.pk,
        "topic": q.topic_id,
        "position": q.position,
        "kind": q.kind,
        "text": q.text,
        "choices": list(q.choices),
        "scale_min": q.scale_min,
        "scale_max": q.scale_max,
        "required": q.required,
    }


def _draft(payload: QuestionIn) -> QuestionDraft:
    return QuestionDraft(
        kind=payload.kind,
        text=payload.text,
        choices=list(payload.choices),
        scale_min=payload.scale_min,
        scale_max=payload.scale_max,
        required=payload.required,
    )


@router.post(
    "/topics/{topic_id}/questions", response={201: QuestionOut, **ERRORS}, summary="Add a survey question"
)
def add_question(request: HttpRequest, topic_id: Id, payload: QuestionIn) -> Any:
    """Staff of the topic's area (consult.manage); 409 once anyone has answered."""
    topic = selectors.access_topic(topic_id=topic_id)
    return Status(201, question_out(question_add(actor=request.user, topic=topic, draft=_draft(payload))))


@router.put(
    "/topics/{topic_id}/questions/{question_id}",
    response={200: QuestionOut, **ERRORS},
    summary="Change a survey question",
)
def edit_question(request: HttpRequest, topic_id: Id, question_id: Id, payload: QuestionIn) -> Any:
    """The whole question again; 409 once anyone has answered."""
    topic = selectors.access_topic(topic_id=topic_id)
    question = access_question(topic=topic, question_id=question_id)
    return question_out(question_edit(actor=request.user, question=question, draft=_draft(payload)))


@router.delete(
    "/topics/{topic_id}/questions/{question_id}",
    response={204: None, **ERRORS},
    summary="Delete a survey question",
)
def delete_question(request: HttpRequest, topic_id: Id, question_id: Id) -> Any:
    """Staff of the topic's area (consult.manage); those after it move up one place; 409 once
    anyone has answered."""
    topic = selectors.access_topic(topic_id=topic_id)
    question_delete(actor=request.user, question=access_question(topic=topic, question_id=question_id))
    return Status(204, None)


@router.get(
    "/topics/{topic_id}/survey", response={200: SurveyOut, **ERRORS}, auth=None, summary="A topic's survey"
)
def survey(request: HttpRequest, topic_id: Id) -> Any:
    """Open to everyone: the questions with their counts, never who answered."""
    actor = optional_actor(request) or request.user
    found = survey_for(actor=actor, topic=selectors.access_topic(topic_id=topic_id))
    return {
        "topic": found.topic.pk,
        "responses": found.responses,
        "answered": found.answered,
        "questions": [
            {
                **question_out(r.question),
                "answered": r.answered,
                "counts": [
                    {"choice": c.index, "label": c.label, "count": c.count, "percent": c.percent}
                    for c in r.choices
                ],
                "average": r.average,
                "distribution": [{"value": v, "count": n} for v, n in r.distribution],
                "texts": r.texts,
            }
            for r in found.questions
        ],
    }


@router.post(
    "/topics/{topic_id}/responses", response={201: ResponseOut, **ERRORS}, summary="Answer a topic's survey"
)
def respond(request: HttpRequest, topic_id: Id, payload: ResponseIn) -> Any:
    """Once per person (a second is a 409); a refused answer is a 422 naming the question
    (`answers.<question id>`)."""
    topic = selectors.access_topic(topic_id=topic_id)
    answers: dict[int, Given] = {}
    for item in payload.answers:
        if item.question in answers:
            raise ValidationFailed(fields={f"answers.{item.question}": _("This question is answered twice.")})
        answers[item.question] = Given(choices=list(item.choices), value=item.value, text=item.text)
    on_behalf = None
    if payload.on_behalf is not None:
        on_behalf = services.OnBehalf(name=payload.on_behalf.name, phone=payload.on_behalf.phone)
    response = survey_answer(actor=request.user, topic=topic, answers=answers, on_behalf=on_behalf)
    answered = response.answers.values("question_id").distinct().count()
    return Status(201, {"id": response.pk, "topic": topic.pk, "answers": answered})
