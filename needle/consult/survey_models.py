"""A topic's survey: the questions it asks (single or multiple choice, a scale, free text) and
one response per person, with an answer row per question (one per choice ticked on a choice
question), so that the counts per choice are a grouped count in the database.

Declared apart from `models.py` (which imports them, so Django finds them in the app) with
string references to the think tank's topic."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from needle.core.models import TimeStamped, exactly_one


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("one choice")
    MULTIPLE = "multiple", _("several choices")
    SCALE = "scale", _("a scale")
    TEXT = "text", _("free text")


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})


class Question(TimeStamped):
    """One question of a topic's survey, in its place; settled once anyone has answered."""

    topic = models.ForeignKey(
        "consult.Topic", verbose_name=_("topic"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind of question"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    # The choices offered, in order; an answer names a choice by its place in this list.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    scale_min = models.SmallIntegerField(_("scale from"), null=True, blank=True)
    scale_max = models.SmallIntegerField(_("scale to"), null=True, blank=True)
    required = models.BooleanField(_("answer required"), default=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["topic", "position"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "position"], name="consult_question_place"),
            models.CheckConstraint(
                condition=~Q(kind="scale")
                | Q(scale_min__isnull=False, scale_max__isnull=False, scale_max__gt=F("scale_min")),
                name="consult_question_scale_range",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """One person's answers to a topic's survey: a person with an account, or a person without
    one (their shared record) whose answers staff entered."""

    topic = models.ForeignKey(
        "consult.Topic", verbose_name=_("topic"), on_delete=models.CASCADE, related_name="responses"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    record = models.ForeignKey(
        "orgs.PersonRecord",
        verbose_name=_("person without an account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Indexed: the figures' refresh finds the areas with new responses by it.
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["pk"]
        constraints = [
            exactly_one("person", "record", name="consult_response_one_respondent"),
            models.UniqueConstraint(
                fields=["topic", "person"], condition=Q(person__isnull=False), name="consult_response_once"
            ),
            models.UniqueConstraint(
                fields=["topic", "record"],
                condition=Q(record__isnull=False),
                name="consult_response_record_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.person_id or ''}/{self.record_id or ''}"


class ResponseAnswer(models.Model):
    """The answer to one question within a response: a choice ticked (a row per choice), a
    point on the scale, or a text."""

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="answers"
    )
    choice = models.PositiveSmallIntegerField(_("choice"), null=True, blank=True)
    value = models.SmallIntegerField(_("value"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "choice"],
                condition=Q(choice__isnull=False),
                name="consult_answer_choice_once",
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(choice__isnull=True),
                name="consult_answer_once",
            ),
        ]
        indexes = [models.Index(fields=["question", "choice"], name="consult_answer_counts")]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}"
