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
from solo.models import SingletonModel


class Availability(models.Model):
    """A teacher's booking rules; the weekly hours and exceptions hang off the teacher."""

    teacher = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability")
    accepting = models.BooleanField(default=True, help_text="Students can request classes.")
    class_minutes = models.PositiveSmallIntegerField(
        default=60, choices=[(30, "30 minutes"), (45, "45 minutes"), (60, "60 minutes"), (90, "90 minutes")]
    )
    buffer_minutes = models.PositiveSmallIntegerField(default=15, help_text="Free time kept between two classes.")
    min_notice_hours = models.PositiveSmallIntegerField(default=12, help_text="How soon a class can start.")
    max_days_ahead = models.PositiveSmallIntegerField(default=28, help_text="How far ahead students may book.")

    class Meta:
        verbose_name_plural = "availability"
        constraints = [
            models.CheckConstraint(condition=Q(class_minutes__gte=15), name="live_class_minutes_min"),
            models.CheckConstraint(condition=Q(max_days_ahead__gte=1), name="live_max_days_ahead_min"),
        ]

    def __str__(self):
        return f"Availability of {self.teacher}"


class WeeklyHours(models.Model):
    """One recurring window, e.g. Mondays 09:00–12:00 in the teacher's zone."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time"]
        verbose_name_plural = "weekly hours"
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

    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="date_exceptions")
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__isnull=False, end_time__gt=models.F("start_time")),
                name="live_exception_times",
            )
        ]

    def __str__(self):
        if self.is_day_off:
            return f"{self.date:%Y-%m-%d} off"
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
        PRIVATE = "private", "One-to-one"
        GROUP = "group", "Group class"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the teacher"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired (not answered in time)"

    HOLDING = (Status.PENDING, Status.CONFIRMED)

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PRIVATE)
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="classes_taught")
    # A course page (courses.CoursePage) for group classes; a plain page FK so this app
    # does not depend on the courses app's migrations.
    course = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="live_classes"
    )
    title = models.CharField(max_length=140, blank=True)
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    reason = models.TextField(blank=True, help_text="Why it was declined or cancelled.")
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The meeting, made on confirmation by live.meetings.
    meeting_provider = models.CharField(max_length=20, blank=True)
    meeting_id = models.CharField(max_length=200, blank=True)
    meeting_url = models.URLField(max_length=500, blank=True)
    # iCalendar: the same UID for the class's whole life, SEQUENCE raised on each change.
    sequence = models.PositiveIntegerField(default=0)
    recording_url = models.URLField(max_length=500, blank=True)

    objects = LiveClassQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        verbose_name = "live class"
        verbose_name_plural = "live classes"
        indexes = [models.Index(fields=["teacher", "start"], name="live_class_teacher_start")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="live_class_time_order"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="live_class_capacity_min"),
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
        return f"Live class with {self.teacher.name}"

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

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
        REGISTERED = "registered", "Registered"
        WAITLISTED = "waitlisted", "On the waitlist"
        CANCELLED = "cancelled", "Cancelled"

    class Attendance(models.TextChoices):
        UNKNOWN = "", "Not marked"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "No-show"

    live_class = models.ForeignKey(LiveClass, on_delete=models.CASCADE, related_name="participants")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="live_participations")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REGISTERED)
    note = models.TextField(blank=True, help_text="The student's note to the teacher.")
    attendance = models.CharField(max_length=10, choices=Attendance.choices, default="", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["live_class", "student"], name="live_one_seat_per_student")]

    def __str__(self):
        return f"{self.student} in {self.live_class_id} ({self.status})"


class JoinClick(models.Model):
    """Someone pressed "Join": the first trace of attendance."""

    live_class = models.ForeignKey(LiveClass, on_delete=models.CASCADE, related_name="join_clicks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    clicked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["clicked_at"]

    def __str__(self):
        return f"{self.user} joined class {self.live_class_id} at {self.clicked_at:%Y-%m-%d %H:%M}"


class ReminderDelivery(models.Model):
    """A reminder claimed for one person and one class: the unique row makes it once only."""

    class Kind(models.TextChoices):
        DAY = "24h", "24 hours before"
        HOUR = "1h", "1 hour before"

    live_class = models.ForeignKey(LiveClass, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "reminder deliveries"
        constraints = [
            models.UniqueConstraint(fields=["live_class", "user", "kind"], name="live_one_reminder_per_kind")
        ]

    def __str__(self):
        return f"{self.kind} reminder of class {self.live_class_id} to {self.user}"


def _new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class LivePreferences(models.Model):
    """Per user: which reminders they want, and the secret of their calendar feed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_preferences")
    remind_24h = models.BooleanField("Remind me 24 hours before", default=True)
    remind_1h = models.BooleanField("Remind me 1 hour before", default=True)
    feed_token = models.CharField(max_length=64, unique=True, default=_new_feed_token)

    class Meta:
        verbose_name_plural = "live preferences"

    def __str__(self):
        return f"Live preferences of {self.user}"


class Dispute(models.Model):
    """A scheduling conflict raised to staff, handled in Django admin."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    live_class = models.ForeignKey(LiveClass, on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "scheduling dispute"

    def __str__(self):
        return f"Dispute on class {self.live_class_id} by {self.raised_by}"


class MeetingSettings(SingletonModel):
    """Which video provider new classes use; one row, edited by staff in Django admin."""

    class Provider(models.TextChoices):
        AUTO = "auto", "Zoom if its credentials are set, otherwise Jitsi"
        JITSI = "jitsi", "Jitsi"
        ZOOM = "zoom", "Zoom"

    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.AUTO)
    jitsi_domain = models.CharField(
        max_length=200, blank=True, help_text="Leave blank for the JITSI_DOMAIN setting (meet.jit.si by default)."
    )

    class Meta:
        verbose_name = "meeting settings"
        verbose_name_plural = "meeting settings"

    def __str__(self):
        return "Meeting settings"
