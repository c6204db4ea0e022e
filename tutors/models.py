"""The tutor marketplace's records: what a teacher offers (subjects, levels, languages,
prices, packages), the credentials staff verify, and the figures the directory ranks by.

A teacher's public page stays `lms.TeacherProfile` (slug, headline, bio); `Tutor` adds
what a student compares tutors on. Money is in minor units of `Tutor.currency`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LESSON_LENGTHS = (30, 45, 60)


class Subject(models.Model):
    """A managed subject (staff edit the list in admin), e.g. "Mathematics"."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")

    def __str__(self):
        return self.name


class Level(models.Model):
    """A managed level, e.g. "Beginner" or "A-level", in teaching order."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("level")
        verbose_name_plural = _("levels")

    def __str__(self):
        return self.name


class SpokenLanguage(models.Model):
    """A language a tutor can teach in (ISO 639-1 code), e.g. "es" Spanish."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("spoken language")
        verbose_name_plural = _("spoken languages")

    def __str__(self):
        return self.name


class TutorQuerySet(models.QuerySet):
    def listed(self):
        """Tutors a student can find: listed, accepting students, with a price."""
        return self.filter(is_listed=True, user__is_active=True, rate_60__isnull=False)


class Tutor(models.Model):
    """What a teacher offers on the marketplace."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="tutor"
    )
    is_listed = models.BooleanField(_("listed"), default=True, help_text=_("Shown in the tutor directory."))
    subjects = models.ManyToManyField(Subject, verbose_name=_("subjects"), related_name="tutors", blank=True)
    levels = models.ManyToManyField(Level, verbose_name=_("levels"), related_name="tutors", blank=True)
    languages = models.ManyToManyField(
        SpokenLanguage, verbose_name=_("languages spoken"), related_name="tutors", blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="GBP")
    rate_30 = models.PositiveIntegerField(_("price of 30 minutes"), null=True, blank=True)
    rate_45 = models.PositiveIntegerField(_("price of 45 minutes"), null=True, blank=True)
    rate_60 = models.PositiveIntegerField(
        _("price of 60 minutes"), null=True, blank=True, help_text=_("The hourly rate; the directory sorts by it.")
    )
    trial_price = models.PositiveIntegerField(
        _("trial lesson price"), null=True, blank=True, help_text=_("Leave empty for no trial lesson.")
    )
    trial_minutes = models.PositiveSmallIntegerField(_("trial lesson length (minutes)"), default=30)
    intro_video_url = models.URLField(_("intro video"), max_length=500, blank=True)
    education = models.TextField(_("education"), blank=True)
    experience = models.TextField(_("experience"), blank=True)
    commission_percent = models.DecimalField(
        _("commission (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Overrides the platform's commission for this teacher."),
    )
    # Verification: granted and revoked only through tutors.services (audited).
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, db_index=True)
    # Figures kept up to date by tutors.services.tutor_stats_refresh, so the directory
    # ranks thousands of tutors without aggregating reviews and classes per request.
    rating_count = models.PositiveIntegerField(_("reviews"), default=0)
    rating_average = models.DecimalField(_("average rating"), max_digits=3, decimal_places=2, default=0)
    lessons_taught = models.PositiveIntegerField(_("lessons taught"), default=0)
    response_rate = models.DecimalField(
        _("response rate"), max_digits=4, decimal_places=3, default=1, help_text=_("Share of requests answered.")
    )
    response_minutes = models.PositiveIntegerField(_("typical response time (minutes)"), null=True, blank=True)
    reliability = models.DecimalField(
        _("reliability"),
        max_digits=4,
        decimal_places=3,
        default=1,
        help_text=_("Share of confirmed lessons not cancelled by the teacher or missed."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    objects = TutorQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tutor")
        verbose_name_plural = _("tutors")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating_average__gte=0, rating_average__lte=5), name="tutor_rating_range"
            ),
            models.CheckConstraint(
                condition=Q(commission_percent__isnull=True)
                | Q(commission_percent__gte=0, commission_percent__lte=100),
                name="tutor_commission_range",
            ),
        ]
        indexes = [models.Index(fields=["is_listed", "rate_60"], name="tutor_listed_rate")]

    def __str__(self):
        return str(self.user)

    def get_absolute_url(self):
        return reverse("teacher_profile", args=[self.user.teacher_profile.slug])

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def rate_for(self, minutes: int) -> int | None:
        return {30: self.rate_30, 45: self.rate_45, 60: self.rate_60}.get(minutes)


class Package(models.Model):
    """A bundle of lessons with one teacher at a discount, e.g. 10 × 60 minutes at 10 % off."""

    tutor = models.ForeignKey(Tutor, verbose_name=_("tutor"), on_delete=models.CASCADE, related_name="packages")
    lessons = models.PositiveSmallIntegerField(_("lessons"))
    minutes = models.PositiveSmallIntegerField(_("lesson length (minutes)"), default=60)
    discount_percent = models.PositiveSmallIntegerField(_("discount (%)"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["lessons"]
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        constraints = [
            models.CheckConstraint(condition=Q(lessons__gte=2), name="package_lessons_min"),
            models.CheckConstraint(condition=Q(discount_percent__lte=90), name="package_discount_max"),
            models.UniqueConstraint(fields=["tutor", "lessons", "minutes"], name="package_unique_per_tutor"),
        ]

    def __str__(self):
        return f"{self.tutor} · {self.lessons} × {self.minutes}"

    def price(self) -> int | None:
        """The package's price in minor units, rounded half up to a whole unit."""
        rate = self.tutor.rate_for(self.minutes)
        if rate is None:
            return None
        return (rate * self.lessons * (100 - self.discount_percent) + 50) // 100


class FreeHour(models.Model):
    """An hour of the week (0 = Monday 00:00 UTC … 167) in which the tutor has a free slot
    in the coming weeks, from their availability minus their bookings. Rebuilt by
    tutors.services.free_hours_refresh; the directory's "available when I am" filter and
    the ranking read it instead of expanding every tutor's calendar per request."""

    tutor = models.ForeignKey(Tutor, verbose_name=_("tutor"), on_delete=models.CASCADE, related_name="free_hours")
    hour = models.PositiveSmallIntegerField(_("hour of the week (UTC)"))

    class Meta:
        verbose_name = _("free hour")
        verbose_name_plural = _("free hours")
        constraints = [
            models.UniqueConstraint(fields=["tutor", "hour"], name="free_hour_unique"),
            models.CheckConstraint(condition=Q(hour__lte=167), name="free_hour_range"),
        ]
        indexes = [models.Index(fields=["hour", "tutor"], name="free_hour_hour_tutor")]

    def __str__(self):
        return f"{self.tutor} · {self.hour}"


class Credential(models.Model):
    """A document a teacher gives staff to check (an ID, a diploma). Private: stored under a
    random name outside the public media URL and served only by a permission-checked view
    (tutors.views.credential_file) to its teacher and staff."""

    class Kind(models.TextChoices):
        ID = "id", _("Identity document")
        DIPLOMA = "diploma", _("Diploma or certificate")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    tutor = models.ForeignKey(Tutor, verbose_name=_("tutor"), on_delete=models.CASCADE, related_name="credentials")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DIPLOMA)
    file = models.FileField(_("file"), upload_to="credentials/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, help_text=_("Shown to the teacher, e.g. why it was rejected."))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")

    def __str__(self):
        return f"{self.tutor} · {self.get_kind_display()} · {self.original_name}"

    def get_absolute_url(self):
        return reverse("tutors:credential_file", args=[self.pk])
