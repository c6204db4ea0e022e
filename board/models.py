"""The tutoring board: students' requests for a tutor and the school's teaching positions
(one `Post`, two kinds), teachers' applications to them, and who the matcher told.

Money is in minor units of `Post.currency`. A post's preferred times are period keys of
`tutors.times` read in `Post.time_zone`, the poster's zone when they posted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tutors.models import LESSON_LENGTHS, Level, Subject, Tutor
from tutors.times import PERIODS_BY_KEY

CURRENCIES = ("GBP", "EUR", "USD", "INR")


class PostKind(models.TextChoices):
    REQUEST = "request", _("Tutoring request")
    POSITION = "position", _("Teaching position")


class PostStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FILLED = "filled", _("Filled")
    CLOSED = "closed", _("Closed")
    EXPIRED = "expired", _("Expired")


class PostQuerySet(models.QuerySet):
    def visible(self):
        """Not hidden by staff (nor held for their review)."""
        return self.filter(hidden_at__isnull=True)

    def open(self):
        return self.visible().filter(status=PostStatus.OPEN, expires_at__gt=timezone.now())


class Post(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=PostKind.choices, default=PostKind.REQUEST)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="board_posts"
    )
    learner_name = models.CharField(
        _("for"), max_length=80, blank=True, help_text=_("Who the lessons are for, if not you (e.g. your child).")
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(
        Level, verbose_name=_("level"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    description = models.TextField(_("description"))
    times = models.JSONField(_("preferred times"), default=list, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # A request: the most the student pays for 60 minutes. A position: the pay per hour.
    budget = models.PositiveIntegerField(_("budget per 60 minutes"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="GBP")
    lesson_minutes = models.PositiveSmallIntegerField(
        _("lesson length (minutes)"), default=60, choices=[(m, m) for m in LESSON_LENGTHS]
    )
    online = models.BooleanField(_("online"), default=True)
    hours = models.CharField(_("hours"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PostStatus.choices, default=PostStatus.OPEN)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Hidden by staff with a reason, or held for their review (contact details found).
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason hidden"), max_length=300, blank=True)
    flags = models.JSONField(_("contact details found"), default=list, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("board post")
        verbose_name_plural = _("board posts")
        constraints = [
            models.CheckConstraint(condition=Q(lesson_minutes__in=LESSON_LENGTHS), name="board_post_lesson_minutes"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="board_post_open")]

    def __str__(self):
        return self.title or f"{self.subject}{f' · {self.level}' if self.level_id else ''}"

    def get_absolute_url(self):
        return reverse("board:detail", args=[self.pk])

    @property
    def is_request(self) -> bool:
        return self.kind == PostKind.REQUEST

    @property
    def is_open(self) -> bool:
        return self.status == PostStatus.OPEN and self.hidden_at is None and self.expires_at > timezone.now()

    def period_labels(self) -> list:
        return [PERIODS_BY_KEY[key].label for key in self.times if key in PERIODS_BY_KEY]


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Not chosen")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.CASCADE,
        related_name="board_applications",
    )
    message = models.TextField(_("message"))
    rate = models.PositiveIntegerField(_("rate per 60 minutes"))  # minor units of the post's currency
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason hidden"), max_length=300, blank=True)
    flags = models.JSONField(_("contact details found"), default=list, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(fields=["post", "applicant"], name="board_application_once"),
            models.UniqueConstraint(
                fields=["post"], condition=Q(status="accepted"), name="board_application_one_accepted"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="board_application_rate_positive"),
        ]

    def __str__(self):
        return f"{self.applicant} → {self.post}"


class MatchNotice(models.Model):
    """A tutor the matcher told about a request: each at most once, however often it runs."""

    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="match_notices")
    tutor = models.ForeignKey(Tutor, verbose_name=_("tutor"), on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("score"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("match notice")
        verbose_name_plural = _("match notices")
        constraints = [models.UniqueConstraint(fields=["post", "tutor"], name="board_match_once")]

    def __str__(self):
        return f"{self.post} → {self.tutor}"
