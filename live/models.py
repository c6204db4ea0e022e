"""What the live app records: a teacher's bookable hours, the classes booked in them,
who takes part, and what happened (joins, reminders, attendance, disputes).

Every time is stored in UTC. A teacher's weekly hours are wall-clock times in the
teacher's own zone (`User.time_zone`); `live.slots` turns them into UTC slots.

One model, `LiveClass`, is both a one-to-one booking (kind "private", capacity 1, one
participant, pending until the teacher approves) and a group class (kind "group",
confirmed when the teacher schedules it, students register). Both block the teacher's
time, so one database constraint keeps a teacher from ever being in two classes at
once: on PostgreSQL an exclusion constraint over (teacher, tstzrange(start, end)) for
pending and confirmed classes, created in migration 0002 (see docs/live.md).
"""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from solo.models import SingletonModel

CLASS_LENGTHS = [(30, _("30 minutes")), (45, _("45 minutes")), (60, _("60 minutes")), (90, _("90 minutes"))]


class Availability(models.Model):
    """A teacher's booking rules; the weekly hours and exceptions hang off the teacher."""

    teacher = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="availability"
    )
    accepting = models.BooleanField(
        verbose_name=_("accepting bookings"), default=True, help_text=_("Students can request classes.")
    )
    class_minutes = models.PositiveSmallIntegerField(
        verbose_name=_("class length (minutes)"), default=60, choices=CLASS_LENGTHS
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        verbose_name=_("buffer (minutes)"), default=15, help_text=_("Free time kept between two classes.")
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        verbose_name=_("minimum notice (hours)"), default=12, help_text=_("How soon a class can start.")
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        verbose_name=_("days ahead"), default=28, help_text=_("How far ahead students may book.")
    )

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availability")
        constraints = [
            models.CheckConstraint(condition=Q(class_minutes__gte=15), name="live_class_minutes_min"),
            models.CheckConstraint(condition=Q(max_days_ahead__gte=1), name="live_max_days_ahead_min"),
        ]

    def __str__(self):
        return gettext("Availability of %(teacher)s") % {"teacher": self.teacher}


class WeeklyHours(models.Model):
    """One recurring window, e.g. Mondays 09:00–12:00 in the teacher's zone."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField(verbose_name=_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(verbose_name=_("start time"))
    end_time = models.TimeField(verbose_name=_("end time"))

    class Meta:
        ordering = ["weekday", "start_time"]
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="live_hours_order")
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class DateException(models.Model):
    """A date that does not follow the weekly hours: a day off (no times) or other hours.

    When a date has any exception rows, those rows alone decide it: the windows with
    times are open, and a row without times makes it a day off.
    """

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="date_exceptions"
    )
    date = models.DateField(verbose_name=_("date"))
    start_time = models.TimeField(verbose_name=_("start time"), null=True, blank=True)
    end_time = models.TimeField(verbose_name=_("end time"), null=True, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name = _("date exception")
        verbose_name_plural = _("date exceptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__isnull=False, end_time__gt=models.F("start_time")),
                name="live_exception_times",
            )
        ]

    def __str__(self):
        if self.is_day_off:
            return gettext("%(date)s off") % {"date": f"{self.date:%Y-%m-%d}"}
        return f"{self.date:%Y-%m-%d} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def is_day_off(self) -> bool:
        return self.start_time is None


class LiveClassQuerySet(models.QuerySet):
    def active(self):
        """Classes that hold the teacher's time."""
        return self.filter(status__in=LiveClass.HOLDING)

    def upcoming(self, now=None):
        return self.filter(end__gt=now or timezone.now())

    def past(self, now=None):
        return self.filter(end__lte=now or timezone.now())

    def for_participant(self, user):
        return self.filter(
            Q(teacher=user) | Q(participants__student=user, participants__status=Participant.Status.REGISTERED)
        ).distinct()


class LiveClass(models.Model):
    class Kind(models.TextChoices):
        PRIVATE = "private", _("One-to-one")
        GROUP = "group", _("Group class")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the teacher")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired (not answered in time)")

    class SystemReason(models.TextChoices):
        """Reasons the system gives, stored as a code so each reader sees them in their language."""

        NOT_ANSWERED = "not_answered", _("The teacher did not answer in time.")
        PAYMENT_NOT_COMPLETED = "payment_not_completed", _("The payment was not completed.")
        TEACHER_NO_SHOW = "teacher_no_show", _("The teacher did not come.")
        CANCELLED_BY_STAFF = "cancelled_by_staff", _("Cancelled by staff.")

    HOLDING = (Status.PENDING, Status.CONFIRMED)

    uid = models.UUIDField(verbose_name=_("UID"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(verbose_name=_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRIVATE)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("teacher"), on_delete=models.PROTECT, related_name="classes_taught"
    )
    # A course page (courses.CoursePage) for group classes; a plain page FK so this app
    # does not depend on the courses app's migrations.
    course = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_classes",
    )
    title = models.CharField(verbose_name=_("title"), max_length=140, blank=True)
    start = models.DateTimeField(verbose_name=_("start"), db_index=True)
    end = models.DateTimeField(verbose_name=_("end"))
    capacity = models.PositiveSmallIntegerField(verbose_name=_("capacity"), default=1)
    # A group class may charge for each place, in minor units of `seat_currency` (billing.lessons).
    seat_price = models.PositiveIntegerField(
        verbose_name=_("price of a place"), default=0, help_text=_("In minor units (pence); 0 means free.")
    )
    seat_currency = models.CharField(verbose_name=_("currency"), max_length=3, blank=True)
    status = models.CharField(
        verbose_name=_("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.TextField(verbose_name=_("reason"), blank=True, help_text=_("Why it was declined or cancelled."))
    reason_code = models.CharField(
        verbose_name=_("system reason"), max_length=30, blank=True, choices=SystemReason.choices
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(verbose_name=_("confirmed at"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)
    # The meeting, made on confirmation by live.meetings.
    meeting_provider = models.CharField(verbose_name=_("meeting provider"), max_length=20, blank=True)
    meeting_id = models.CharField(verbose_name=_("meeting ID"), max_length=200, blank=True)
    meeting_url = models.URLField(verbose_name=_("meeting URL"), max_length=500, blank=True)
    # iCalendar: the same UID for the class's whole life, SEQUENCE raised on each change.
    sequence = models.PositiveIntegerField(verbose_name=_("sequence"), default=0)
    recording_url = models.URLField(verbose_name=_("recording URL"), max_length=500, blank=True)

    objects = LiveClassQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        verbose_name = _("live class")
        verbose_name_plural = _("live classes")
        indexes = [models.Index(fields=["teacher", "start"], name="live_class_teacher_start")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="live_class_time_order"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="live_class_capacity_min"),
            models.CheckConstraint(
                condition=Q(seat_price=0) | ~Q(seat_currency=""), name="live_class_priced_seat_has_currency"
            ),
        ]
        # The no-overlap exclusion constraint is PostgreSQL-only and lives in migration
        # 0002 (RunSQL), not here, so the model state is the same on every database.

    def __str__(self):
        return f"{self.display_title} · {self.start:%Y-%m-%d %H:%M} UTC"

    def get_absolute_url(self):
        return reverse("live:class_detail", args=[self.pk])

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        return gettext("Live class with %(name)s") % {"name": self.teacher.name}

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    @property
    def reason_shown(self):
        """The reason in the reader's language when the system gave it, else the person's words."""
        return self.SystemReason(self.reason_code).label if self.reason_code else self.reason

    @property
    def is_private(self) -> bool:
        return self.kind == self.Kind.PRIVATE

    @property
    def is_holding(self) -> bool:
        return self.status in self.HOLDING

    def join_opens_at(self):
        return self.start - timedelta(minutes=settings.LIVE_JOIN_OPENS_MINUTES)

    def can_join_now(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.CONFIRMED and self.join_opens_at() <= now < self.end

    def has_started(self, now=None) -> bool:
        return (now or timezone.now()) >= self.start

    def has_ended(self, now=None) -> bool:
        return (now or timezone.now()) >= self.end


class Participant(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        HELD = "held", _("Held while paying")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    # Places counted against a group class's capacity: a place being paid for is taken.
    TAKEN = (Status.REGISTERED, Status.HELD)

    class Attendance(models.TextChoices):
        UNKNOWN = "", _("Not marked")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")

    live_class = models.ForeignKey(
        LiveClass, verbose_name=_("live class"), on_delete=models.CASCADE, related_name="participants"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("student"),
        on_delete=models.PROTECT,
        related_name="live_participations",
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED
    )
    note = models.TextField(verbose_name=_("note"), blank=True, help_text=_("The student's note to the teacher."))
    attendance = models.CharField(
        verbose_name=_("attendance"), max_length=10, choices=Attendance.choices, default="", blank=True
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["live_class", "student"], name="live_one_seat_per_student")]

    def __str__(self):
        return gettext("%(student)s in class %(class_id)s (%(status)s)") % {
            "student": self.student,
            "class_id": self.live_class_id,
            "status": self.get_status_display(),
        }


class JoinClick(models.Model):
    """Someone pressed "Join": the first trace of attendance."""

    live_class = models.ForeignKey(
        LiveClass, verbose_name=_("live class"), on_delete=models.CASCADE, related_name="join_clicks"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    clicked_at = models.DateTimeField(verbose_name=_("clicked at"), default=timezone.now)

    class Meta:
        ordering = ["clicked_at"]
        verbose_name = _("join click")
        verbose_name_plural = _("join clicks")

    def __str__(self):
        return gettext("%(user)s joined class %(class_id)s at %(time)s") % {
            "user": self.user,
            "class_id": self.live_class_id,
            "time": f"{self.clicked_at:%Y-%m-%d %H:%M}",
        }


class ReminderDelivery(models.Model):
    """A reminder claimed for one person and one class: the unique row makes it once only."""

    class Kind(models.TextChoices):
        DAY = "24h", _("24 hours before")
        HOUR = "1h", _("1 hour before")

    live_class = models.ForeignKey(
        LiveClass, verbose_name=_("live class"), on_delete=models.CASCADE, related_name="reminders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=4, choices=Kind.choices)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        constraints = [
            models.UniqueConstraint(fields=["live_class", "user", "kind"], name="live_one_reminder_per_kind")
        ]

    def __str__(self):
        return gettext("%(kind)s reminder of class %(class_id)s to %(user)s") % {
            "kind": self.kind,
            "class_id": self.live_class_id,
            "user": self.user,
        }


def _new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class LivePreferences(models.Model):
    """Per user: which reminders they want, and the secret of their calendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="live_preferences"
    )
    remind_24h = models.BooleanField(_("Remind me 24 hours before"), default=True)
    remind_1h = models.BooleanField(_("Remind me 1 hour before"), default=True)
    feed_token = models.CharField(verbose_name=_("feed token"), max_length=64, unique=True, default=_new_feed_token)

    class Meta:
        verbose_name = _("live preferences")
        verbose_name_plural = _("live preferences")

    def __str__(self):
        return gettext("Live preferences of %(user)s") % {"user": self.user}


class Dispute(models.Model):
    """A scheduling conflict raised to staff, handled in Django admin."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    live_class = models.ForeignKey(
        LiveClass, verbose_name=_("live class"), on_delete=models.CASCADE, related_name="disputes"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(verbose_name=_("reason"))
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    resolution = models.TextField(verbose_name=_("resolution"), blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)
    resolved_at = models.DateTimeField(verbose_name=_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("scheduling dispute")
        verbose_name_plural = _("scheduling disputes")

    def __str__(self):
        return gettext("Dispute on class %(class_id)s by %(user)s") % {
            "class_id": self.live_class_id,
            "user": self.raised_by,
        }


class MeetingSettings(SingletonModel):
    """Which video provider new classes use; one row, edited by staff in Django admin."""

    class Provider(models.TextChoices):
        AUTO = "auto", _("Zoom if its credentials are set, otherwise Jitsi")
        JITSI = "jitsi", "Jitsi"
        ZOOM = "zoom", "Zoom"

    provider = models.CharField(
        verbose_name=_("provider"), max_length=10, choices=Provider.choices, default=Provider.AUTO
    )
    jitsi_domain = models.CharField(
        verbose_name=_("Jitsi domain"),
        max_length=200,
        blank=True,
        help_text=_("Leave blank for the JITSI_DOMAIN setting (meet.jit.si by default)."),
    )

    class Meta:
        verbose_name = _("meeting settings")
        verbose_name_plural = _("meeting settings")

    def __str__(self):
        return gettext("Meeting settings")
