"""Coursework: assignments (pages in the course tree, served as lessons), the rubrics teachers
grade them with, students' submissions and their grades, and extensions of a due date.

An assignment *is* a lesson (`AssignmentPage` extends `LessonPage`): it sits in a module, shows
in the outline, is gated like any lesson, and is complete once submitted. The rules live in
`coursework/services.py`; the reads in `coursework/selectors.py`."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.snippets.models import register_snippet

from courses.models import LessonPage

# --- Rubrics ----------------------------------------------------------------------------------


class RubricLevelBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("Level"), max_length=80, help_text=_("e.g. “Excellent”"))
    points = blocks.DecimalBlock(label=_("Points"), min_value=0, max_digits=6, decimal_places=2)
    description = blocks.TextBlock(label=_("What it looks like"), required=False)


class RubricCriterionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Criterion"), max_length=120)
    description = blocks.TextBlock(label=_("Description"), required=False)
    levels = blocks.ListBlock(RubricLevelBlock(), label=_("Levels"), min_num=1)

    class Meta:
        icon = "list-ul"


@register_snippet
class Rubric(models.Model):
    """Criteria × levels with points, written once and chosen by any number of assignments."""

    title = models.CharField(_("title"), max_length=120)
    criteria = StreamField([("criterion", RubricCriterionBlock())], min_num=1, verbose_name=_("criteria"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    panels = [FieldPanel("title"), FieldPanel("criteria")]

    class Meta:
        ordering = ["title"]
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")

    def __str__(self):
        return self.title

    def rows(self, chosen: dict[str, str] | None = None) -> list[dict]:
        """Each criterion as {id, title, description, levels: [{id, label, points, description,
        chosen}]}; `chosen` maps a criterion's id to the id of the level given."""
        chosen = chosen or {}
        return [
            {
                "id": criterion.id,
                "title": criterion.value["title"],
                "description": criterion.value["description"],
                "levels": [
                    {
                        "id": level.id,
                        "label": level.value["label"],
                        "points": level.value["points"],
                        "description": level.value["description"],
                        "chosen": chosen.get(criterion.id) == level.id,
                    }
                    for level in criterion.value["levels"].bound_blocks
                ],
            }
            for criterion in self.criteria
        ]

    @property
    def max_points(self) -> Decimal:
        return sum((max(level["points"] for level in row["levels"]) for row in self.rows()), Decimal(0))


# --- Assignments ----------------------------------------------------------------------------


class FileKinds(models.TextChoices):
    NONE = "", _("No files")
    PDF = "pdf", _("PDF")
    IMAGE = "image", _("Images (JPEG, PNG, GIF, WebP)")
    ANY = "pdf_image", _("PDF or images")


class AssignmentPage(LessonPage):
    """A lesson that asks for work: instructions (the lesson's body), points, a due date and a
    late policy, what may be handed in, and the rubric it is graded with."""

    points = models.DecimalField(
        _("points"), max_digits=6, decimal_places=2, default=Decimal(100), validators=[MinValueValidator(1)]
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True, help_text=_("In your time zone."))
    late_penalty_percent = models.PositiveSmallIntegerField(
        _("late penalty per day (%)"),
        default=10,
        validators=[MaxValueValidator(100)],
        help_text=_("Taken off the grade for each day, or part of a day, after the due date."),
    )
    cut_off_at = models.DateTimeField(
        _("no submissions after"),
        null=True,
        blank=True,
        help_text=_("A hard cut-off after the due date; empty: late work is accepted at any time."),
    )
    accepts_text = models.BooleanField(_("text"), default=True)
    accepts_link = models.BooleanField(_("a link"), default=False)
    file_kinds = models.CharField(
        _("files"), max_length=10, choices=FileKinds.choices, default=FileKinds.ANY, blank=True
    )
    max_file_mb = models.PositiveSmallIntegerField(
        _("largest file (MB)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    resubmission_allowed = models.BooleanField(
        _("resubmission allowed"), default=True, help_text=_("Students may hand in again until the due date.")
    )
    rubric = models.ForeignKey(
        Rubric,
        verbose_name=_("rubric"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
        help_text=_("Empty: you type a score out of the points."),
    )

    content_panels = LessonPage.content_panels + [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("points"), FieldPanel("rubric")]),
                FieldRowPanel([FieldPanel("due_at"), FieldPanel("cut_off_at")]),
                FieldPanel("late_penalty_percent"),
                FieldRowPanel([FieldPanel("accepts_text"), FieldPanel("accepts_link"), FieldPanel("file_kinds")]),
                FieldRowPanel([FieldPanel("max_file_mb"), FieldPanel("resubmission_allowed")]),
            ],
            heading=_("Submission and grading"),
        )
    ]
    template = "coursework/assignment_page.html"
    completes_by_itself = False

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def clean(self):
        super().clean()
        if not (self.accepts_text or self.accepts_link or self.file_kinds):
            raise ValidationError(_("Accept at least one kind of submission: text, a link or files."))
        if self.cut_off_at and not self.due_at:
            raise ValidationError({"cut_off_at": _("Set a due date before a cut-off.")})
        if self.cut_off_at and self.due_at and self.cut_off_at < self.due_at:
            raise ValidationError({"cut_off_at": _("The cut-off cannot be before the due date.")})

    def completion_blocker(self, *, student) -> str | None:
        if not Submission.objects.filter(assignment=self, student=student, submitted_at__isnull=False).exists():
            return str(_("Hand in your work to complete this assignment."))
        return super().completion_blocker(student=student)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(assignment_context(user=request.user, assignment=self, course=context["course"]))
        return context

    # --- The late policy (times in UTC) ---

    def due_for(self, extension: "Extension | None" = None, cohort_date: "CohortDueDate | None" = None):
        """The student's due date: their extension's, else their cohort's, else everyone's."""
        if extension is not None:
            return extension.due_at
        return cohort_date.due_at if cohort_date is not None else self.due_at

    def cut_off_for(self, extension: "Extension | None" = None, cohort_date: "CohortDueDate | None" = None):
        """No hand-in after this; an extension past the cut-off moves it to the extended date."""
        cut_off = cohort_date.cut_off_at if cohort_date is not None else self.cut_off_at
        if cut_off is None:
            return None
        return max(cut_off, extension.due_at) if extension else cut_off

    def days_late(self, submitted_at: datetime, due: datetime | None) -> int:
        """Whole days or parts of days after the due date (0 when on time)."""
        if due is None or submitted_at <= due:
            return 0
        return math.ceil((submitted_at - due) / timedelta(days=1))


class Extension(models.Model):
    """A later due date for one student, granted by a teacher of the course."""

    assignment = models.ForeignKey(
        AssignmentPage, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="extensions"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField(_("due"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [models.UniqueConstraint(fields=["assignment", "student"], name="extension_one_per_student")]

    def __str__(self):
        return f"{self.assignment_id} · {self.student_id} · {self.due_at:%Y-%m-%d %H:%M}"


class CohortDueDate(models.Model):
    """An assignment's due date (and cut-off) for one cohort of its course, in place of its own."""

    assignment = models.ForeignKey(
        AssignmentPage, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="cohort_dates"
    )
    cohort = models.ForeignKey("courses.Cohort", verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField(_("due"))
    cut_off_at = models.DateTimeField(_("no submissions after"), null=True, blank=True)

    class Meta:
        verbose_name = _("due date of a cohort")
        verbose_name_plural = _("due dates of cohorts")
        constraints = [models.UniqueConstraint(fields=["assignment", "cohort"], name="cohort_due_once")]

    def __str__(self):
        return f"{self.assignment_id} · {self.cohort_id}"

    @classmethod
    def for_student(cls, *, assignment, student) -> "CohortDueDate | None":
        """The due date of the cohort the student is in for the assignment's course (one query)."""
        return (
            cls.objects.filter(
                assignment=assignment, cohort__enrollments__student=student, cohort__enrollments__status="active"
            )
            .order_by("pk")
            .first()
        )


class Submission(models.Model):
    """A student's work for an assignment: one row per student, a draft until handed in, then
    graded. Files are private (coursework/views.py serves them after a permission check)."""

    assignment = models.ForeignKey(
        AssignmentPage, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="submissions"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.CASCADE, related_name="submissions"
    )
    text = models.TextField(_("text"), blank=True, max_length=50_000)
    link = models.URLField(_("link"), blank=True, max_length=500)
    file = models.FileField(_("file"), upload_to="coursework/%Y/%m/", max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_type = models.CharField(_("file type"), max_length=50, blank=True)
    file_size = models.PositiveIntegerField(_("file size (bytes)"), default=0)
    submitted_at = models.DateTimeField(_("handed in"), null=True, blank=True, db_index=True)
    times_submitted = models.PositiveSmallIntegerField(_("times handed in"), default=0)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    # Grading
    levels = models.JSONField(_("rubric levels"), default=dict, blank=True, help_text=_("Criterion id → level id."))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    late_penalty = models.DecimalField(_("late penalty (points)"), max_digits=6, decimal_places=2, default=Decimal(0))
    feedback = models.TextField(_("feedback"), blank=True, max_length=20_000)
    feedback_file = models.FileField(_("feedback file"), upload_to="coursework/%Y/%m/", max_length=200, blank=True)
    feedback_file_name = models.CharField(_("feedback file name"), max_length=200, blank=True)
    feedback_file_type = models.CharField(_("feedback file type"), max_length=50, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("graded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    released_at = models.DateTimeField(_("grade released at"), null=True, blank=True)
    regrade_reason = models.TextField(_("regrade request"), blank=True, max_length=2_000)
    regrade_requested_at = models.DateTimeField(_("regrade requested at"), null=True, blank=True)

    class Meta:
        ordering = ["assignment_id", "submitted_at", "id"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "student"], name="submission_one_per_student"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) | models.Q(score__isnull=True), name="score_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["student", "assignment"], name="submission_student_idx")]

    def __str__(self):
        return f"{self.assignment_id} · {self.student_id}"

    def get_absolute_url(self):
        return reverse("coursework:grade", args=[self.pk])

    @property
    def is_graded(self) -> bool:
        return self.graded_at is not None

    @property
    def final_score(self) -> Decimal | None:
        """The score after the late penalty, never below zero."""
        if self.score is None:
            return None
        return max(self.score - self.late_penalty, Decimal(0)).quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- What a student's assignment page reads (two queries) ------------------------------------

FILE_ACCEPT = {
    FileKinds.PDF: "application/pdf,.pdf",
    FileKinds.IMAGE: "image/jpeg,image/png,image/gif,image/webp",
    FileKinds.ANY: "application/pdf,.pdf,image/jpeg,image/png,image/gif,image/webp",
}


@dataclass(frozen=True)
class HandIn:
    """Where a student stands with an assignment, for its page."""

    submission: "Submission | None"
    extension: "Extension | None"
    due: datetime | None
    cut_off: datetime | None
    closed: bool  # past the cut-off
    editable: bool  # the form is offered
    late: bool  # handing in now would be late (or was)
    grade_visible: bool

    @property
    def status(self) -> str:
        submission = self.submission
        if submission is not None and submission.released_at:
            return gettext("Graded")
        if submission is not None and submission.submitted_at:
            return gettext("Handed in late") if submission.late_penalty else gettext("Handed in")
        if self.closed:
            return gettext("Missing")
        if self.late:
            return gettext("Overdue")
        if submission is not None:
            return gettext("Draft saved")
        return gettext("Not handed in")


def hand_in_state(*, user, assignment: "AssignmentPage") -> HandIn:
    """One query each for the submission, an extension and the cohort's due date."""
    submission = extension = cohort_date = None
    if getattr(user, "is_authenticated", False):
        submission = Submission.objects.filter(assignment=assignment, student=user).first()
        extension = Extension.objects.filter(assignment=assignment, student=user).first()
        cohort_date = CohortDueDate.for_student(assignment=assignment, student=user)
    now = timezone.now()
    due, cut_off = assignment.due_for(extension, cohort_date), assignment.cut_off_for(extension, cohort_date)
    closed = cut_off is not None and now > cut_off
    handed_in = submission is not None and submission.submitted_at is not None
    if handed_in:
        editable = (
            assignment.resubmission_allowed
            and submission.graded_at is None
            and (due is None or now <= due)
            and not closed
        )
        late = bool(submission.late_penalty) or (due is not None and submission.submitted_at > due)
    else:
        editable = not closed
        late = due is not None and now > due
    return HandIn(
        submission=submission,
        extension=extension,
        due=due,
        cut_off=cut_off,
        closed=closed,
        editable=editable,
        late=late,
        grade_visible=submission is not None and submission.released_at is not None,
    )


def assignment_context(*, user, assignment: "AssignmentPage", course) -> dict:
    """What the assignment's page adds to a lesson's context."""
    is_teacher = getattr(user, "is_platform_staff", False) or course.taught_by(user)
    hand_in = hand_in_state(user=user, assignment=assignment)
    given = hand_in.submission.levels if hand_in.grade_visible else None
    return {
        "assignment": assignment,
        "hand_in": hand_in,
        "rubric_rows": assignment.rubric.rows(given) if assignment.rubric_id else [],
        "file_accept": FILE_ACCEPT.get(assignment.file_kinds, ""),
        "can_grade": is_teacher,
    }


# --- The gradebook ----------------------------------------------------------------------------


def default_letters() -> list:
    return [[90, "A"], [80, "B"], [70, "C"], [60, "D"], [0, "F"]]


class GradingScheme(models.Model):
    """How a course's grade is made: the weight of each category, how many of the lowest scores
    each drops, and the letters by percentage. A course without one uses the defaults."""

    course = models.OneToOneField(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="grading_scheme"
    )
    assignment_weight = models.PositiveSmallIntegerField(
        _("assignments (%)"), default=60, validators=[MaxValueValidator(100)]
    )
    quiz_weight = models.PositiveSmallIntegerField(_("quizzes (%)"), default=30, validators=[MaxValueValidator(100)])
    attendance_weight = models.PositiveSmallIntegerField(
        _("attendance of live classes (%)"), default=10, validators=[MaxValueValidator(100)]
    )
    drop_lowest_assignments = models.PositiveSmallIntegerField(
        _("drop the lowest assignments"), default=0, validators=[MaxValueValidator(10)]
    )
    drop_lowest_quizzes = models.PositiveSmallIntegerField(
        _("drop the lowest quizzes"), default=0, validators=[MaxValueValidator(10)]
    )
    letters = models.JSONField(_("letter grades"), default=default_letters, help_text=_("[[minimum %, letter], …]"))
    completion_min_percent = models.PositiveSmallIntegerField(
        _("course grade needed for the certificate (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Empty: completing every lesson is enough."),
    )

    class Meta:
        verbose_name = _("grading scheme")
        verbose_name_plural = _("grading schemes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assignment_weight__lte=100, quiz_weight__lte=100, attendance_weight__lte=100),
                name="grading_weights_at_most_100",
            )
        ]

    def __str__(self):
        return f"{self.course_id}"


class GradeOverride(models.Model):
    """A teacher's grade for one student and item in place of the computed one, with the reason
    (audited). `item` is "assignment:<id>", "quiz:<lesson id>" or "attendance"."""

    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="+"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.CASCADE, related_name="+"
    )
    item = models.CharField(_("item"), max_length=40)
    percent = models.DecimalField(
        _("grade (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    reason = models.CharField(_("reason"), max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("grade override")
        verbose_name_plural = _("grade overrides")
        constraints = [
            models.UniqueConstraint(fields=["course", "student", "item"], name="override_one_per_item"),
            models.CheckConstraint(condition=models.Q(percent__gte=0, percent__lte=100), name="override_percent_range"),
        ]

    def __str__(self):
        return f"{self.course_id} · {self.student_id} · {self.item}"
