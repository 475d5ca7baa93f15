"""A topic's survey as each reader may see it: the questions and, for everyone, the counts (per
choice, the scale's average and distribution, how many answered each question), never who
answered; the text answers only for the staff over the topic's area and the answering unit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from needle.consult.access import may_answer, may_view_hidden
from needle.consult.models import Topic
from needle.consult.survey_models import CHOICE_KINDS, Question, QuestionKind, Response, ResponseAnswer
from needle.core.errors import or_not_found

# The newest text answers shown per question.
TEXTS_SHOWN = 200


@dataclass(frozen=True)
class ChoiceCount:
    index: int
    label: str
    count: int
    percent: float  # of those who answered the question


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    answered: int
    choices: list[ChoiceCount]
    average: float | None
    distribution: list[tuple[int, int]]  # every point of the scale with its count
    texts: list[str] | None  # None: the reader may not read them


@dataclass(frozen=True)
class Survey:
    topic: Topic
    responses: int
    questions: list[QuestionResult]
    answered: bool  # whether the reader has answered it
    may_read_texts: bool


def may_read_texts(actor: Any, topic: Topic) -> bool:
    """The staff over the topic's area, its auditors and the answering unit read what was written."""
    return may_view_hidden(actor, topic.area_path) or may_answer(actor, topic)


def survey_questions(*, topic: Topic) -> list[Question]:
    return list(Question.objects.filter(topic=topic).order_by("position"))


def access_question(*, topic: Topic, question_id: int) -> Question:
    return or_not_found(Question.objects.filter(topic=topic, pk=question_id).select_related("topic").first())


def has_answered(*, actor: Any, topic: Topic) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    return Response.objects.filter(topic=topic, person_id=actor.pk).exists()


def _pct(n: int, of: int) -> float:
    return round(100 * n / of, 1) if of else 0.0


def _tally(answers: QuerySet[ResponseAnswer], column: str) -> dict[tuple[int, int], int]:
    """How many answers gave each value of `column` (a choice ticked, a point on the scale), by
    question, in one query."""
    return {
        (q, v): n
        for q, v, n in answers.filter(**{f"{column}__isnull": False})
        .values("question_id", column)
        .annotate(n=Count("id"))
        .values_list("question_id", column, "n")
    }


def survey_for(*, actor: Any, topic: Topic) -> Survey:
    """The questions with their results as the actor may see them (six queries at most, and one
    per text question for the staff who read the texts)."""
    questions = survey_questions(topic=topic)
    texts_allowed = may_read_texts(actor, topic)
    if not questions:
        return Survey(topic, 0, [], False, texts_allowed)
    answers = ResponseAnswer.objects.filter(question__topic=topic).order_by()
    answered = dict(
        answers.values("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .values_list("question_id", "n")
    )
    picked = _tally(answers, "choice")
    points = _tally(answers, "value")
    texts: dict[int, list[str]] = defaultdict(list)
    if texts_allowed:
        # The newest answers of each text question, cut in the query: a busy topic has thousands.
        for q in questions:
            if q.kind == QuestionKind.TEXT:
                texts[q.pk] = list(
                    answers.filter(question_id=q.pk)
                    .exclude(text="")
                    .order_by("-pk")
                    .values_list("text", flat=True)[:TEXTS_SHOWN]
                )
    out = []
    for q in questions:
        n = answered.get(q.pk, 0)
        choices = []
        if q.kind in CHOICE_KINDS:
            choices = [
                ChoiceCount(i, label, picked.get((q.pk, i), 0), _pct(picked.get((q.pk, i), 0), n))
                for i, label in enumerate(q.choices)
            ]
        distribution: list[tuple[int, int]] = []
        average = None
        if q.kind == QuestionKind.SCALE and q.scale_min is not None and q.scale_max is not None:
            distribution = [(v, points.get((q.pk, v), 0)) for v in range(q.scale_min, q.scale_max + 1)]
            total = sum(c for _v, c in distribution)
            average = round(sum(v * c for v, c in distribution) / total, 2) if total else None
        shown = texts.get(q.pk, []) if texts_allowed and q.kind == QuestionKind.TEXT else None
        out.append(QuestionResult(q, n, choices, average, distribution, shown))
    responses = Response.objects.filter(topic=topic).count()
    return Survey(topic, responses, out, has_answered(actor=actor, topic=topic), texts_allowed)
