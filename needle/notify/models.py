from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from needle.core.models import TimeStamped, optional_fk
from needle.notify.messages import render
from needle.orgs.models import Person


class Notification(models.Model):
    """An in-app message to one person: a message code and its parameters, put into words in
    the reader's language each time it is read (`text`)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    verb = models.CharField(_("kind"), max_length=60)
    message = models.CharField(_("message"), max_length=500, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Notifications made before messages were stored as codes hold their words, in the language
    # their recipient had then; they are shown as they are.
    rendered_text = models.CharField(_("text as sent"), max_length=500, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The message in the active language."""
        return render(self.message, self.params)[:500] if self.message else self.rendered_text


class Channel(models.TextChoices):
    IN_APP = "in_app", _("only here, in Needle")
    EMAIL = "email", _("email")
    SMS = "sms", _("text message (SMS)")
    WECHAT = "wechat", _("WeChat")


OUTSIDE_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WECHAT)


class Cadence(models.TextChoices):
    IMMEDIATELY = "immediately", _("each message at once")
    DAILY = "daily", _("one daily digest")


class Preference(TimeStamped):
    """How one person wants to hear of their notifications outside Needle. Every notification is
    also listed in Needle; a person without a row hears only there."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.IN_APP)
    cadence = models.CharField(_("when"), max_length=12, choices=Cadence.choices, default=Cadence.IMMEDIATELY)
    # Local times (the deployment's zone); a start after the end spans midnight (22:00-07:00).
    quiet_start = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet until"), null=True, blank=True)
    # Set by the deployment's WeChat integration once the person has followed its official account.
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | (
                    Q(quiet_start__isnull=False, quiet_end__isnull=False)
                    & ~Q(quiet_start=models.F("quiet_end"))
                ),
                name="preference_quiet_hours_whole",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in Channel]), name="preference_channel_known"
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)


class Delivery(models.Model):
    """One message to send outside Needle, or one line of a person's next digest. The delivery
    jobs claim due rows with a conditional update, so two runs never send one row twice."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    person = optional_fk(Person, _("person"), on_delete=models.CASCADE)
    # A recipient without an account (a resident who gave only a phone): where and in which
    # language. A person's address and language are read when the message is sent.
    address = models.CharField(_("address"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    verb = models.CharField(_("kind"), max_length=60)
    message = models.CharField(_("message"), max_length=500)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    digest = models.BooleanField(_("in the daily digest"), default=False)
    due_at = models.DateTimeField(_("due at"))
    claim = models.CharField(_("claim"), max_length=32, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up at"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["digest", "due_at"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="delivery_pending",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(address=""), name="delivery_has_recipient"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in OUTSIDE_CHANNELS]), name="delivery_channel_outside"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.verb} {self.due_at:%Y-%m-%d %H:%M}"
