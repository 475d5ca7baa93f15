"""The community think tank: topics put to an area, the suggestions made on them and the
supports they gather, the official answers, moderation, the deliberation council's meetings and
decisions, and the results (with a tree of actions and a public timeline) that adopted
suggestions and passed decisions become."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area
from needle.cases.models import Case

# The survey's models, in their own module, join the app's models here.
from needle.consult.survey_models import Question, Response, ResponseAnswer  # noqa: F401
from needle.core.models import TimeStamped, exactly_one
from needle.intel.models import HotTopic
from needle.orgs.models import PersonRecord, Unit
from needle.rollups import models as rollup_tables
from needle.volunteering.models import Project


class Participants(models.TextChoices):
    RESIDENTS = "residents", _("residents of the area")
    MEMBERS = "members", _("members checked in there")
    EVERYONE = "everyone", _("everyone")


class Topic(TimeStamped):
    """A question a community or street puts to the people of an area (议题)."""

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=255, db_index=True, editable=False)
    # The unit that answers the topic's suggestions.
    unit = models.ForeignKey(
        Unit, verbose_name=_("answering unit"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=150)
    question = models.TextField(_("question"))
    background = models.TextField(_("background"), blank=True)
    opens = models.DateField(_("opens"))
    closes = models.DateField(_("closes"))
    participants = models.CharField(_("who may take part"), max_length=20, choices=Participants.choices)
    # The answer is due this many working days after a suggestion is made, or by a fixed day.
    answer_days = models.PositiveSmallIntegerField(_("answer within (working days)"), null=True, blank=True)
    answer_by = models.DateField(_("answer by"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    # The cluster of requests the topic was opened from, if any (one topic per cluster).
    hot_topic = models.OneToOneField(
        HotTopic,
        verbose_name=_("from the hot topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-opens", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gte=F("opens")), name="consult_topic_closes_after_opening"
            ),
        ]
        indexes = [models.Index(fields=["area_path", "closes"], name="consult_topic_area_closes")]

    def __str__(self) -> str:
        return self.title


class Answer(models.TextChoices):
    EVALUATING = "evaluating", _("being evaluated")
    ADOPTED = "adopted", _("adopted")
    PARTLY_ADOPTED = "partly_adopted", _("partly adopted")
    NOT_ADOPTED = "not_adopted", _("not adopted")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    EVALUATING = "evaluating", _("being evaluated")
    ADOPTED = "adopted", _("adopted")
    PARTLY_ADOPTED = "partly_adopted", _("partly adopted")
    NOT_ADOPTED = "not_adopted", _("not adopted")


# The states in which a suggestion has its official answer (being evaluated is an answer too:
# the unit has said what it does with it, and the deadline is met).
ANSWERED = frozenset({Status.EVALUATING, Status.ADOPTED, Status.PARTLY_ADOPTED, Status.NOT_ADOPTED})
ADOPTED = frozenset({Status.ADOPTED, Status.PARTLY_ADOPTED})


class Moderated(models.Model):
    """Moderation: hidden from the public with a reason; the text stays for moderators and
    auditors (services._common.moderate hides and restores)."""

    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class Suggestion(Moderated, TimeStamped):
    """A suggestion (建议) on a topic, by a person with an account or, entered by staff, by a
    person without one (their shared record, consent noted)."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="suggestions"
    )
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    title = models.CharField(_("title"), max_length=150)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consult_suggestions",
    )
    record = models.ForeignKey(
        PersonRecord,
        verbose_name=_("person without an account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
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
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    supports = models.PositiveIntegerField(_("supports"), default=0)
    answer_due = models.DateField(_("answer due"))
    answer_text = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="not_adopted") | ~Q(answer_text=""),
                name="consult_not_adopted_has_a_reason",
            ),
            models.CheckConstraint(
                condition=~Q(hidden=True) | ~Q(hidden_reason=""), name="consult_hidden_has_a_reason"
            ),
        ]
        indexes = [
            # A topic's page: visible suggestions by supports, or newest first.
            models.Index(fields=["topic", "hidden", "-supports", "-id"], name="consult_sugg_by_supports"),
            models.Index(fields=["topic", "hidden", "-id"], name="consult_sugg_newest"),
            models.Index(fields=["status", "answer_due"], name="consult_sugg_due"),
        ]

    def __str__(self) -> str:
        return self.title


class Support(models.Model):
    """One person's support of one suggestion."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="support_rows"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("supported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "person"], name="consult_one_support_each")
        ]

    def __str__(self) -> str:
        return f"{self.suggestion_id}:{self.person_id}"


class Result(TimeStamped):
    """What adopted suggestions became (成果): followed through by a tree of actions."""

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    suggestions = models.ManyToManyField(
        Suggestion, verbose_name=_("suggestions"), related_name="results", blank=True
    )
    # The deliberation decisions it carries out (the Decision model is declared further down).
    decisions = models.ManyToManyField(
        "consult.Decision", verbose_name=_("decisions"), related_name="results", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")


class Action(TimeStamped):
    """One step of a result; a parent's progress is computed from its children, and an action
    linked to a case or a volunteering project follows that work."""

    result = models.ForeignKey(
        Result, verbose_name=_("result"), on_delete=models.CASCADE, related_name="actions"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    title = models.CharField(_("title"), max_length=150)
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    case = models.ForeignKey(
        Case, verbose_name=_("request"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("volunteering project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="consult_progress_at_most_100"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="consult_weight_positive"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="consult_action_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title


# Deliberation (协商议事) ------------------------------------------------------------------------


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    HELD = "held", _("held")
    MINUTED = "minuted", _("minuted")
    CANCELLED = "cancelled", _("cancelled")


class Meeting(TimeStamped):
    """A meeting of a community's deliberation council: its agenda of topics and suggestions,
    who was asked and who came, the minutes and the decisions voted on."""

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(_("area path"), max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=150)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    agenda_text = models.TextField(_("other agenda items"), blank=True)
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics on the agenda"), related_name="+", blank=True
    )
    suggestions = models.ManyToManyField(
        Suggestion, verbose_name=_("suggestions on the agenda"), related_name="meetings", blank=True
    )
    minutes = models.TextField(_("minutes"), blank=True)
    minuted_at = models.DateTimeField(_("minuted at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("called by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("deliberation meeting")
        verbose_name_plural = _("deliberation meetings")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="minuted") | ~Q(minutes=""), name="consult_minuted_has_minutes"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="consult_cancelled_has_a_reason"
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="consult_meeting_status")]

    def __str__(self) -> str:
        return self.title


class SeatKind(models.TextChoices):
    REPRESENTATIVE = "representative", _("residents' representative")
    MEMBER = "member", _("member")
    UNIT = "unit", _("unit")
    PROPERTY = "property", _("property company")


class MeetingParticipant(models.Model):
    """One seat at a meeting: a person with an account, a person without one (their shared
    record) or a unit, with whether they came (unknown until the meeting is held)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="participants"
    )
    kind = models.CharField(_("taking part as"), max_length=20, choices=SeatKind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    record = models.ForeignKey(
        PersonRecord,
        verbose_name=_("person without an account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting participant")
        verbose_name_plural = _("meeting participants")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(record__isnull=False) | Q(unit__isnull=False),
                name="consult_participant_is_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.kind}"


class Decision(TimeStamped):
    """A decision a held meeting voted on (for / against / abstain), with its text; passed when
    more than half of the votes cast are for it. A passed one can become a result."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    title = models.CharField(_("title"), max_length=150)
    text = models.TextField(_("decision"))
    votes_for = models.PositiveIntegerField(_("for"))
    votes_against = models.PositiveIntegerField(_("against"))
    votes_abstain = models.PositiveIntegerField(_("abstain"))
    passed = models.BooleanField(_("passed"))
    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion decided on"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class ResultEventKind(models.TextChoices):
    CREATED = "created", _("result created")
    ACTION_ADDED = "action_added", _("action added")
    PROGRESS = "progress", _("progress reported")
    STATUS = "status", _("status changed")


class ResultEvent(models.Model):
    """One entry of a result's public timeline: what changed, when, with the result's status
    and progress after it (nothing personal: the public reads it)."""

    result = models.ForeignKey(
        Result, verbose_name=_("result"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.ForeignKey(
        Action, verbose_name=_("action"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("what happened"), max_length=20, choices=ResultEventKind.choices)
    title = models.CharField(_("title"), max_length=150, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus.choices)
    progress = models.FloatField(_("progress"))
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("result event")
        verbose_name_plural = _("result events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.result_id}:{self.kind}"


# The rollups' tables (needle.consult.figures) ---------------------------------------------------


class ConsultCounters(models.Model):
    topics = models.IntegerField(_("topics"), default=0)
    suggestions = models.IntegerField(_("suggestions"), default=0)
    supports = models.IntegerField(_("supports"), default=0)
    answered = models.IntegerField(_("answered"), default=0)
    answered_on_time = models.IntegerField(_("answered on time"), default=0)
    adopted = models.IntegerField(_("adopted"), default=0)
    participants_new = models.IntegerField(_("participants"), default=0)
    meetings = models.IntegerField(_("meetings held"), default=0)
    decisions = models.IntegerField(_("decisions"), default=0)
    results = models.IntegerField(_("results"), default=0)
    results_planned = models.IntegerField(_("results planned"), default=0)
    results_in_progress = models.IntegerField(_("results in progress"), default=0)
    results_done = models.IntegerField(_("results done"), default=0)
    progress_sum = models.IntegerField(_("sum of results' progress"), default=0)

    class Meta:
        abstract = True


class ConsultRollup(ConsultCounters, rollup_tables.LeafRows):
    # Who may take part in the topic, as its place in Participants (1 for the first).
    participants = models.IntegerField(_("who may take part"), default=0)

    class Meta:
        verbose_name = _("think tank rollup")
        verbose_name_plural = _("think tank rollups")
        constraints = rollup_tables.leaf_constraints("consult_rollup_key", "participants")
        indexes = rollup_tables.leaf_indexes("consult_rollup")

    def __str__(self) -> str:
        return f"{super().__str__()} p{self.participants}"


class ConsultNodeRollup(ConsultCounters, rollup_tables.NodeRows):  # noqa: DJ008 (the base's __str__)
    class Meta:
        verbose_name = _("think tank area rollup")
        verbose_name_plural = _("think tank area rollups")
        constraints = rollup_tables.node_constraints("consult_node_rollup_key")
        indexes = rollup_tables.node_indexes("consult_node_rollup")


class ConsultFootprint(rollup_tables.Footprints):
    # The source's object is an area (see needle.consult.figures).
    area_id = models.BigIntegerField(_("area"), primary_key=True)

    class Meta:
        verbose_name = _("think tank area footprint")
        verbose_name_plural = _("think tank area footprints")


# Engagement: comments, follows, reports, digests and experts -------------------------------


class Comment(Moderated, TimeStamped):
    """A comment on a suggestion, or a reply to one (one level: a reply is not replied to)."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reply to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(hidden=True) | ~Q(hidden_reason=""), name="consult_comment_hidden_reason"
            ),
        ]
        indexes = [models.Index(fields=["suggestion", "id"], name="consult_comment_thread")]

    def __str__(self) -> str:
        return self.text[:40]


class Cadence(models.TextChoices):
    IMMEDIATELY = "immediately", _("at once")
    DAILY = "daily", _("a daily digest")
    WEEKLY = "weekly", _("a weekly digest")


class Follow(models.Model):
    """A person following a topic or a suggestion, and how they want to hear of it."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
    )
    cadence = models.CharField(_("when"), max_length=12, choices=Cadence.choices, default=Cadence.IMMEDIATELY)
    created_at = models.DateTimeField(_("followed at"), auto_now_add=True)
    # The last digest that covered this follow; the next one lists what came after it.
    digested_at = models.DateTimeField(_("last digest"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            exactly_one("suggestion", "topic", name="consult_follow_one_thing"),
            models.UniqueConstraint(
                fields=["person", "topic"], condition=Q(topic__isnull=False), name="consult_follow_topic_once"
            ),
            models.UniqueConstraint(
                fields=["person", "suggestion"],
                condition=Q(suggestion__isnull=False),
                name="consult_follow_suggestion_once",
            ),
        ]
        indexes = [
            models.Index(fields=["suggestion", "cadence"], name="consult_follow_sugg"),
            models.Index(fields=["topic", "cadence"], name="consult_follow_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.topic_id or ''}/{self.suggestion_id or ''}"


class Event(models.Model):
    """Something followers hear of (an answer, a comment, a result's change), kept for the digests
    as a message code and parameters, put into words in each reader's language."""

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="+")
    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    verb = models.CharField(_("kind"), max_length=60)
    message = models.CharField(_("message"), max_length=500)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("think tank event")
        verbose_name_plural = _("think tank events")

    def __str__(self) -> str:
        return self.verb


class RecipientBatch(models.Model):
    """Up to a batch of people told by one job, which is given only this row's id (so its log
    line stays short); `sent_at` is the job's claim, so a job that runs twice tells nobody twice."""

    people = models.JSONField(_("recipients"), default=list)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True


class EventBatch(RecipientBatch):
    """Those who hear of an event at once, a batch of them."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="batches"
    )

    class Meta:
        verbose_name = _("think tank notice batch")
        verbose_name_plural = _("think tank notice batches")

    def __str__(self) -> str:
        return f"{self.event_id}:{len(self.people)}"


class DigestBatch(RecipientBatch):
    """A daily or weekly digest's recipients, a batch of them."""

    cadence = models.CharField(_("when"), max_length=12, choices=Cadence.choices)
    # The end of the period the digest covers: what came after it waits for the next one.
    until = models.DateTimeField(_("until"))

    class Meta:
        verbose_name = _("think tank digest batch")
        verbose_name_plural = _("think tank digest batches")

    def __str__(self) -> str:
        return f"{self.cadence}:{self.until:%Y-%m-%d}:{len(self.people)}"


class ReportDecision(models.TextChoices):
    PENDING = "pending", _("waiting")
    HIDDEN = "hidden", _("hidden")
    KEPT = "kept", _("kept")


class Report(models.Model):
    """A signed-in person's report of a suggestion or a comment, decided by a moderator."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.CASCADE, related_name="+"
    )
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    decision = models.CharField(
        _("decision"), max_length=10, choices=ReportDecision.choices, default=ReportDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "pk"]
        constraints = [
            exactly_one("comment", "suggestion", name="consult_report_one_thing"),
            models.UniqueConstraint(
                fields=["person", "suggestion"],
                condition=Q(suggestion__isnull=False),
                name="consult_report_suggestion_once",
            ),
            models.UniqueConstraint(
                fields=["person", "comment"],
                condition=Q(comment__isnull=False),
                name="consult_report_comment_once",
            ),
        ]
        indexes = [models.Index(fields=["decision", "area_path"], name="consult_report_queue")]

    def __str__(self) -> str:
        return f"{self.decision} {self.suggestion_id or ''}/{self.comment_id or ''}"


class ExpertInvite(TimeStamped):
    """A member invited by staff, for a skill they listed at check-in, to give an opinion on a
    topic; the opinion is shown apart from the suggestions."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="experts"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.CASCADE, related_name="+"
    )
    skill = models.CharField(_("skill"), max_length=100)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), on_delete=models.PROTECT, related_name="+"
    )
    opinion = models.TextField(_("opinion"), blank=True)
    given_at = models.DateTimeField(_("given at"), null=True, blank=True)

    class Meta:
        verbose_name = _("expert invitation")
        verbose_name_plural = _("expert invitations")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["topic", "person"], name="consult_expert_once")]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.person_id}"
