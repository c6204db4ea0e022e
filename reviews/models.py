"""Reviews of teachers (after an attended class) and of courses (after completing them),
the teacher's one reply, and the reports that send a review to the staff's moderation queue.

Every write goes through reviews.services; the ratings they feed (tutors.Tutor's
rating_count/rating_average, CourseRating here) are recomputed there from visible reviews.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ReviewQuerySet(models.QuerySet):
    def visible(self):
        """What pages and ratings show: every review staff have not hidden."""
        return self.filter(hidden_at__isnull=True)


class Review(models.Model):
    """Stars and text from a student, about one teacher or one course (never both)."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.CASCADE, related_name="reviews_written"
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews_received",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews",
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    text = models.TextField(_("review"))
    created_at = models.DateTimeField(_("posted at"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True, db_index=True)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [
            models.Index(fields=["teacher", "-created_at"], name="review_teacher_recent"),
            models.Index(fields=["course", "-created_at"], name="review_course_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="review_stars_range"),
            models.CheckConstraint(
                condition=Q(teacher__isnull=False, course__isnull=True) | Q(teacher__isnull=True, course__isnull=False),
                name="review_teacher_or_course",
            ),
            models.UniqueConstraint(
                fields=["student", "teacher"], condition=Q(teacher__isnull=False), name="review_one_per_teacher"
            ),
            models.UniqueConstraint(
                fields=["student", "course"], condition=Q(course__isnull=False), name="review_one_per_course"
            ),
            # A reply, once given, is never blank again (reviews.services.review_reply).
            models.CheckConstraint(condition=Q(replied_at__isnull=True) | ~Q(reply=""), name="review_reply_has_text"),
        ]

    def __str__(self):
        if self.teacher_id:
            return gettext("Review of %(subject)s by %(student)s") % {"subject": self.teacher, "student": self.student}
        return gettext("Review of %(subject)s by %(student)s") % {"subject": self.course, "student": self.student}

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class CourseRating(models.Model):
    """A course's visible reviews, counted and averaged by reviews.services.course_rating_refresh
    (the catalog's cards read it with their course, in the same query)."""

    course = models.OneToOneField(
        "courses.CoursePage",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="rating",
    )
    count = models.PositiveIntegerField(_("reviews"), default=0)
    average = models.DecimalField(_("average rating"), max_digits=3, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("course rating")
        verbose_name_plural = _("course ratings")
        constraints = [
            models.CheckConstraint(condition=Q(average__gte=0, average__lte=5), name="course_rating_range"),
        ]

    def __str__(self):
        return gettext("Rating of %(course)s") % {"course": self.course}


class Report(models.Model):
    """Someone thinks a review breaks the rules; staff hide the review or dismiss the report."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HIDDEN = "hidden", _("Review hidden")
        DISMISSED = "dismissed", _("Dismissed")

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        constraints = [
            models.UniqueConstraint(fields=["review", "reporter"], name="review_report_once_per_user"),
        ]

    def __str__(self):
        return gettext("Report on review %(review)s by %(user)s") % {"review": self.review_id, "user": self.reporter}
