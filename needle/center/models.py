"""The community's Party–mass service center: its rooms, its activities and the registrations
for them. A center is a unit of type service center; its home area is its community."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area
from needle.core.models import TimeStamped, creator_fk, exactly_one, optional_fk
from needle.orgs.models import Person, PersonRecord, Unit
from needle.rollups import models as rollup_tables


class Room(TimeStamped):
    center = models.ForeignKey(Unit, verbose_name=_("center"), on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=100)
    capacity = models.PositiveIntegerField(_("capacity"))
    equipment = models.TextField(_("equipment"), blank=True)
    accessible = models.BooleanField(_("step-free access"), default=False)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="one_room_name_per_center"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="room_has_a_seat"),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningHours(TimeStamped):
    """One stretch of a weekday when the center is open, on the deployment's clock; a weekday may
    have several (a morning and an afternoon) and a weekday with none is a closed day."""

    center = models.ForeignKey(
        Unit, verbose_name=_("center"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # Monday 0, as date.weekday()
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="hours_close_after_opening"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday_in_week"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens}-{self.closes}"


class ClosedDay(TimeStamped):
    """A day the center is closed although its weekday has hours (besides the public holidays of
    the cases' working-day calendar, which close every center)."""

    center = models.ForeignKey(Unit, verbose_name=_("center"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["center", "day"], name="one_closed_day_per_center")]

    def __str__(self) -> str:
        return f"{self.day} {self.reason}"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    DECLINED = "declined", _("declined")
    CANCELLED = "cancelled", _("cancelled")


class RoomBooking(TimeStamped):
    """A group's request for a room at a time (a party branch's meeting, a dance troupe's
    rehearsal), decided by the center's staff."""

    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="bookings")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="room_bookings",
    )
    group = models.CharField(_("group"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=300)
    attendees = models.PositiveIntegerField(_("attendees"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=20, choices=BookingStatus.choices)
    decided_by = optional_fk(Person, _("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("room booking")
        verbose_name_plural = _("room bookings")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(attendees__gte=1), name="booking_has_an_attendee"),
            # A decline says why, so the group knows what to change.
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(reason=""), name="booking_decline_has_a_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["room", "status", "starts_at"], name="booking_room_status_start"),
            models.Index(fields=["status", "created_at"], name="booking_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.starts_at:%Y-%m-%d %H:%M}"


class Audience(models.TextChoices):
    ELDERLY = "elderly", _("the elderly")
    TEENAGERS = "teenagers", _("teenagers")
    CHILDREN = "children", _("children")
    FAMILIES = "families", _("families")
    EVERYONE = "everyone", _("everyone")


class Series(TimeStamped):
    """Sessions of one activity repeated weekly: registered for session by session, or, for a
    course that builds week on week, only for the whole series (a seat in every session)."""

    center = models.ForeignKey(Unit, verbose_name=_("center"), on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=150)
    weeks = models.PositiveSmallIntegerField(_("weeks"))
    whole = models.BooleanField(_("registration for the whole series only"), default=False)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self) -> str:
        return self.title


class Activity(TimeStamped):
    center = models.ForeignKey(
        Unit, verbose_name=_("center"), on_delete=models.PROTECT, related_name="activities"
    )
    area = models.ForeignKey(Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    # Denormalized from area.path: a street's or a district's activities are one indexed range.
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    title = models.CharField(_("title"), max_length=150)
    # The title for readers who chose English; blank: the title serves both languages.
    title_en = models.CharField(_("title in English"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    room = optional_fk(Room, _("room"), related_name="activities")
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    registration_opens = models.DateTimeField(_("registration opens"))
    registration_closes = models.DateTimeField(_("registration closes"))
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    # Until then only residents of the activity's community may register; then anyone, while
    # seats remain. Empty: anyone from the opening.
    residents_first_until = models.DateTimeField(
        _("residents of the community first, until"), null=True, blank=True
    )
    series = optional_fk(Series, _("series"), on_delete=models.CASCADE, related_name="sessions")
    created_by = creator_fk()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_has_a_seat"),
            models.CheckConstraint(
                condition=Q(registration_closes__gt=models.F("registration_opens")),
                name="activity_window_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="activity_ages_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["area_path", "starts_at"], name="activity_area_start"),
            models.Index(fields=["center", "starts_at"], name="activity_center_start"),
        ]

    def __str__(self) -> str:
        return self.title


class ActivityPhoto(models.Model):
    """A poster before or a picture after, shown on the public center page: cleaned of its
    metadata on the way in (needle.cases.uploads)."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("image"), upload_to="center/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=30)
    size = models.PositiveIntegerField(_("size (bytes)"))
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.image.name or ""


class Status(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    WAITLISTED = "waitlisted", _("waitlisted")
    OFFERED = "offered", _("offered a seat")
    CANCELLED = "cancelled", _("cancelled")
    ATTENDED = "attended", _("attended")
    NO_SHOW = "no_show", _("did not come")


# The registrations that hold a seat: an offered seat is kept for its offer until it lapses.
SEATED = frozenset({Status.CONFIRMED, Status.OFFERED, Status.ATTENDED, Status.NO_SHOW})
# The registrations that still count (nobody registers twice while one of these stands).
STANDING = SEATED | {Status.WAITLISTED}


class Registration(TimeStamped):
    """One person's place in one session: a resident with an account (`person`) or a person
    without one (`record`), never both."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="registrations"
    )
    person = optional_fk(Person, _("person"), on_delete=models.PROTECT, related_name="registrations")
    record = optional_fk(
        PersonRecord, _("person without an account"), on_delete=models.PROTECT, related_name="registrations"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    # Arrival order on the waitlist, kept after an offer so the order can always be read back.
    queue_number = models.PositiveIntegerField(_("place in the queue"), null=True, blank=True)
    code = models.CharField(_("code"), max_length=12, unique=True)
    offered_until = models.DateTimeField(_("offer open until"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attended_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    # Feedback from one who came: 1 to 5, and a comment.
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            exactly_one("person", "record", name="registration_person_or_record"),
            models.UniqueConstraint(
                fields=["activity", "person"],
                condition=~Q(status="cancelled") & Q(person__isnull=False),
                name="one_registration_per_person",
            ),
            models.UniqueConstraint(
                fields=["activity", "record"],
                condition=~Q(status="cancelled") & Q(record__isnull=False),
                name="one_registration_per_record",
            ),
            models.UniqueConstraint(fields=["activity", "queue_number"], name="one_place_per_queue_number"),
            # An offer has its deadline, and only an offer has one.
            models.CheckConstraint(
                condition=Q(status="offered", offered_until__isnull=False)
                | (~Q(status="offered") & Q(offered_until__isnull=True)),
                name="registration_offer_has_deadline",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5, status="attended"),
                name="registration_rated_1_to_5_by_who_came",
            ),
        ]
        indexes = [
            models.Index(fields=["activity", "status", "queue_number"], name="registration_queue"),
            models.Index(fields=["status", "offered_until"], name="registration_offers"),
        ]

    def __str__(self) -> str:
        return self.code


class Service(TimeStamped):
    """A convenience service the center runs by appointment (a haircut for the elderly, legal
    advice, a blood-pressure check), each slot of its weekly pattern booked on its own."""

    center = models.ForeignKey(
        Unit, verbose_name=_("center"), on_delete=models.PROTECT, related_name="services"
    )
    area = models.ForeignKey(Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    # Denormalized from area.path, as an activity's: a street's services are one indexed range.
    area_path = models.CharField(_("area path"), max_length=255, editable=False)
    name = models.CharField(_("name"), max_length=100)
    # The name for readers who chose English; blank: the name serves both languages.
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes per appointment"))
    provider = models.CharField(_("provided by"), max_length=100, blank=True)
    # Blank: free, as most of a center's services are.
    price = models.CharField(_("price"), max_length=50, blank=True)
    cancel_until_hours = models.PositiveSmallIntegerField(_("cancel until (hours before)"), default=2)
    active = models.BooleanField(_("open for booking"), default=True)
    created_by = creator_fk()

    class Meta:
        verbose_name = _("convenience service")
        verbose_name_plural = _("convenience services")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=1), name="service_takes_time"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="service_ages_in_order",
            ),
        ]
        indexes = [models.Index(fields=["area_path", "active"], name="service_area_active")]

    def __str__(self) -> str:
        return self.name


class SlotPattern(models.Model):
    """One weekly slot of a service: every such weekday at that local time, so many places.
    Slots are computed from the pattern, never stored one by one."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="patterns"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday (Monday 0)"))
    start = models.TimeField(_("starts at"))
    capacity = models.PositiveIntegerField(_("places"))

    class Meta:
        verbose_name = _("weekly slot")
        verbose_name_plural = _("weekly slots")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_has_a_place"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="slot_weekday_in_week"),
            models.UniqueConstraint(fields=["service", "weekday", "start"], name="one_slot_per_time"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M} ×{self.capacity}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("booked")
    CANCELLED = "cancelled", _("cancelled")
    SERVED = "served", _("served")
    NO_SHOW = "no_show", _("did not come")


# The appointments that hold a place in their slot (a served or missed one held it too).
HOLDING = frozenset({AppointmentStatus.BOOKED, AppointmentStatus.SERVED, AppointmentStatus.NO_SHOW})


class Appointment(TimeStamped):
    """One person's place in one slot of a service: a resident with an account (`person`) or a
    person without one (`record`), never both."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField(_("starts at"))
    person = optional_fk(Person, _("person"), on_delete=models.PROTECT, related_name="appointments")
    record = optional_fk(
        PersonRecord, _("person without an account"), on_delete=models.PROTECT, related_name="appointments"
    )
    status = models.CharField(_("status"), max_length=20, choices=AppointmentStatus.choices)
    code = models.CharField(_("code"), max_length=12, unique=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    served_at = models.DateTimeField(_("served at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at", "pk"]
        constraints = [
            exactly_one("person", "record", name="appointment_person_or_record"),
            models.UniqueConstraint(
                fields=["service", "starts_at", "person"],
                condition=~Q(status="cancelled") & Q(person__isnull=False),
                name="one_appointment_per_person",
            ),
            models.UniqueConstraint(
                fields=["service", "starts_at", "record"],
                condition=~Q(status="cancelled") & Q(record__isnull=False),
                name="one_appointment_per_record",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "starts_at", "status"], name="appointment_slot"),
            models.Index(fields=["status", "starts_at"], name="appointment_due"),
        ]

    def __str__(self) -> str:
        return self.code


# The center figures' rollups (needle.center.figures), on the engine's table shapes ------------


class CenterCounters(models.Model):
    activities = models.IntegerField(_("activities"), default=0)
    places_offered = models.IntegerField(_("places offered"), default=0)
    places_taken = models.IntegerField(_("places taken"), default=0)
    attended = models.IntegerField(_("attended"), default=0)
    no_shows = models.IntegerField(_("no-shows"), default=0)
    rated = models.IntegerField(_("ratings"), default=0)
    rating_sum = models.IntegerField(_("sum of ratings"), default=0)

    class Meta:
        abstract = True


class CenterRollup(CenterCounters, rollup_tables.LeafRows):
    # The activity's audience, as its place in Audience (1 for the first): keys are integers.
    audience = models.IntegerField(_("audience"), default=0)

    class Meta:
        verbose_name = _("center rollup")
        verbose_name_plural = _("center rollups")
        constraints = rollup_tables.leaf_constraints("center_rollup_key", "audience")
        indexes = rollup_tables.leaf_indexes("center_rollup")

    def __str__(self) -> str:
        return f"{super().__str__()} a{self.audience}"


class CenterNodeRollup(CenterCounters, rollup_tables.NodeRows):  # noqa: DJ008 (the base's __str__)
    class Meta:
        verbose_name = _("center area rollup")
        verbose_name_plural = _("center area rollups")
        constraints = rollup_tables.node_constraints("center_node_rollup_key")
        indexes = rollup_tables.node_indexes("center_node_rollup")


class CenterFootprint(rollup_tables.Footprints):
    activity_id = models.BigIntegerField(_("activity"), primary_key=True)

    class Meta:
        verbose_name = _("activity footprint")
        verbose_name_plural = _("activity footprints")


# The appointments' rollups (needle.center.appointment_figures), on the engine's table shapes --


class AppointmentCounters(models.Model):
    appointments = models.IntegerField(_("appointments"), default=0)
    appointments_served = models.IntegerField(_("appointments served"), default=0)
    appointment_no_shows = models.IntegerField(_("appointment no-shows"), default=0)

    class Meta:
        abstract = True


class AppointmentRollup(AppointmentCounters, rollup_tables.LeafRows):
    # The service's audience, as its place in Audience (1 for the first): keys are integers.
    audience = models.IntegerField(_("audience"), default=0)

    class Meta:
        verbose_name = _("appointment rollup")
        verbose_name_plural = _("appointment rollups")
        constraints = rollup_tables.leaf_constraints("appointment_rollup_key", "audience")
        indexes = rollup_tables.leaf_indexes("appointment_rollup")

    def __str__(self) -> str:
        return f"{super().__str__()} a{self.audience}"


class AppointmentNodeRollup(AppointmentCounters, rollup_tables.NodeRows):  # noqa: DJ008 (the base's __str__)
    class Meta:
        verbose_name = _("appointment area rollup")
        verbose_name_plural = _("appointment area rollups")
        constraints = rollup_tables.node_constraints("appointment_node_rollup_key")
        indexes = rollup_tables.node_indexes("appointment_node", day="appointment_node_rollup_day")


class AppointmentFootprint(rollup_tables.Footprints):
    appointment_id = models.BigIntegerField(_("appointment"), primary_key=True)

    class Meta:
        verbose_name = _("appointment footprint")
        verbose_name_plural = _("appointment footprints")


# The room use figures' rollups (needle.center.room_figures), on the engine's table shapes -----


class RoomUseCounters(models.Model):
    bookings = models.IntegerField(_("bookings"), default=0)
    room_minutes = models.IntegerField(_("room minutes"), default=0)

    class Meta:
        abstract = True


class RoomUseRollup(RoomUseCounters, rollup_tables.LeafRows):
    # What used the room: 1 an approved booking, 2 an activity (the engine's keys are integers).
    use = models.IntegerField(_("use"), default=0)

    class Meta:
        verbose_name = _("room use rollup")
        verbose_name_plural = _("room use rollups")
        constraints = rollup_tables.leaf_constraints("room_use_rollup_key", "use")
        indexes = rollup_tables.leaf_indexes("room_use_rollup")

    def __str__(self) -> str:
        return f"{super().__str__()} u{self.use}"


class RoomUseNodeRollup(RoomUseCounters, rollup_tables.NodeRows):  # noqa: DJ008 (the base's __str__)
    class Meta:
        verbose_name = _("room use area rollup")
        verbose_name_plural = _("room use area rollups")
        constraints = rollup_tables.node_constraints("room_use_node_rollup_key")
        indexes = rollup_tables.node_indexes("room_use_node")


class RoomUseFootprint(rollup_tables.Footprints):
    # A use of a room: a booking's id times two, or an activity's id times two plus one (one
    # source, two kinds of object, one id space).
    use_id = models.BigIntegerField(_("use"), primary_key=True)

    class Meta:
        verbose_name = _("room use footprint")
        verbose_name_plural = _("room use footprints")
