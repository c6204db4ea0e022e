"""Courses: the page tree editors write, and the records the system keeps about learners.

Pages (written in the Wagtail admin): CourseIndexPage (the catalog at /courses/) →
CoursePage → ModulePage → LessonPage. Snippet: Category. Records (never pages):
Enrollment, LessonProgress, QuizAttempt, Certificate. Domain writes live in
`courses/services.py`, reads in `courses/selectors.py`.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import AbstractGroupApprovalTask, Page, PagePermissionTester
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from courses.blocks import LESSON_BLOCKS

# --- Snippets -----------------------------------------------------------------------------


class Category(models.Model):
    """A subject area; categories nest (e.g. Programming → Python)."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("parent")]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id and self.parent else self.name

    def clean(self):
        node, seen = self.parent, {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": "A category cannot be inside itself."})
            seen.add(node.pk)
            node = node.parent


register_snippet(Category)


# --- Pages --------------------------------------------------------------------------------


class CoursePermissionTester(PagePermissionTester):
    """Wagtail's owner-based rules, narrowed: inside a course, only its teachers (and staff)
    may add, edit or delete modules and lessons — another teacher's "add" permission on the
    catalog does not reach into a course that is not theirs."""

    def _course_teacher(self) -> bool:
        user = self.user
        if not user.is_active or user.is_superuser or getattr(user, "is_platform_staff", False):
            return True
        levels_below_course = {"coursepage": 0, "modulepage": 1, "lessonpage": 2}[self.page._meta.model_name]
        course_path = self.page.path[: len(self.page.path) - levels_below_course * self.page.steplen]
        course = CoursePage.objects.filter(path=course_path).only("id", "owner_id").first()
        if course is None:
            return True
        return course.owner_id == user.pk or course.teachers.filter(pk=user.pk).exists()

    def can_add_subpage(self):
        return super().can_add_subpage() and self._course_teacher()

    def can_edit(self):
        return super().can_edit() and self._course_teacher()

    def can_delete(self, ignore_bulk=False):
        return super().can_delete(ignore_bulk=ignore_bulk) and self._course_teacher()


class CoursePermissionMixin:
    def permissions_for_user(self, user):
        return CoursePermissionTester(user, self)

    def serve_preview(self, request, mode_name):
        # Previews render through the same view as the live page (with its context).
        return self.serve(request)

    def get_view_restrictions(self):
        # Checked by Wagtail on every view of the page (two queries). Nearly every page has
        # none; that answer is remembered until a page is published, moved or deleted or a
        # view restriction is saved or deleted (courses/apps.py). Otherwise Wagtail's query.
        from wagtail.models import PageViewRestriction

        from courses import cache as page_cache

        if page_cache.shared(
            f"unrestricted:{self.path}",
            lambda: not super(CoursePermissionMixin, self).get_view_restrictions().exists() or None,
        ):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


class CourseIndexPage(Page):
    """The catalog at /courses/. Served by `courses.views.catalog` through `serve()`."""

    intro = models.TextField(blank=True, default="Courses written and taught by real teachers.")

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["lms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = "course catalog"

    def serve_preview(self, request, mode_name):
        return self.serve(request)

    def serve(self, request, *args, **kwargs):
        from courses.views import catalog

        return catalog(request, index_page=self)


class Level(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


LANGUAGES = [("en", "English"), ("fr", "French"), ("de", "German"), ("es", "Spanish"), ("it", "Italian")]


class CoursePage(CoursePermissionMixin, Page):
    summary = models.CharField(max_length=300, help_text="One or two sentences for the catalog card.")
    description = RichTextField(blank=True, features=["h2", "h3", "bold", "italic", "link", "ol", "ul"])
    cover_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses")
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.BEGINNER, db_index=True)
    language = models.CharField(max_length=8, choices=LANGUAGES, default="en")
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="0 means the course is free.",
    )
    currency = models.CharField(
        max_length=3,
        default="GBP",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO code, e.g. GBP.")],
    )
    teachers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="taught_courses",
        limit_choices_to={"role": "teacher"},
        help_text="Who teaches this course (the page owner is always one of them).",
    )
    learning_outcomes = models.TextField(blank=True, help_text="One outcome per line.")
    prerequisites = ParentalManyToManyField("self", symmetrical=False, blank=True, related_name="+")
    enforce_prerequisites = models.BooleanField(
        default=False, help_text="Students must complete the prerequisite courses before enrolling."
    )
    enforce_order = models.BooleanField(
        default=False, help_text="Students must complete lessons in order before opening the next one."
    )
    estimated_hours = models.PositiveSmallIntegerField(default=1, help_text="Estimated hours to complete.")

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("cover_image"),
        MultiFieldPanel(
            [FieldPanel("category"), FieldPanel("level"), FieldPanel("language"), FieldPanel("estimated_hours")],
            heading="About",
        ),
        MultiFieldPanel([FieldPanel("price"), FieldPanel("currency")], heading="Price"),
        FieldPanel("teachers"),
        FieldPanel("learning_outcomes"),
        MultiFieldPanel(
            [FieldPanel("prerequisites"), FieldPanel("enforce_prerequisites"), FieldPanel("enforce_order")],
            heading="Rules",
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.AutocompleteField("summary"),
        index.FilterField("level"),
        index.FilterField("price"),
        index.FilterField("category"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]

    class Meta:
        verbose_name = "course"

    @property
    def is_free(self) -> bool:
        return not self.price or self.price <= 0

    @cached_property
    def outcomes(self) -> list[str]:
        return [line.strip() for line in self.learning_outcomes.splitlines() if line.strip()]

    def teacher_users(self) -> list:
        """The teachers, the page owner first (uses a prefetch of `teachers` when there is one)."""
        teachers = list(self.teachers.all())
        if self.owner_id and all(t.pk != self.owner_id for t in teachers) and self.owner is not None:
            teachers.append(self.owner)
        return sorted(teachers, key=lambda t: (t.pk != self.owner_id, t.name.lower()))

    def clean(self):
        super().clean()
        if self.currency:
            self.currency = self.currency.upper()

    def serve(self, request, *args, **kwargs):
        from courses.views import course_detail

        return course_detail(request, course=self)


class ModulePage(CoursePermissionMixin, Page):
    """A week or topic of a course; it has no page of its own — it opens the course outline."""

    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = "module"

    def serve(self, request, *args, **kwargs):
        parent = self.get_parent()
        if parent is None:
            raise Http404
        return redirect(f"{parent.url}#module-{self.pk}")


class LessonPage(CoursePermissionMixin, Page):
    body = StreamField(LESSON_BLOCKS, blank=True, block_counts={"quiz": {"max_num": 1}})
    duration_minutes = models.PositiveSmallIntegerField(default=10)
    free_preview = models.BooleanField(default=False, help_text="Visitors can open this lesson without enrolling.")

    content_panels = Page.content_panels + [
        FieldPanel("duration_minutes"),
        FieldPanel("free_preview"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []

    class Meta:
        verbose_name = "lesson"

    @cached_property
    def quiz(self):
        """The lesson's quiz block (a bound block with `.id` and `.value`), or None."""
        for block in self.body:
            if block.block_type == "quiz":
                return block
        return None

    def serve(self, request, *args, **kwargs):
        from courses.views import lesson_detail

        return lesson_detail(request, lesson=self)


# --- Records --------------------------------------------------------------------------------


class Enrollment(models.Model):
    """A student's place on a course. At most one active enrollment per (student, course)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    class Source(models.TextChoices):
        FREE = "free", "Free"
        PURCHASE = "purchase", "Purchase"
        SUBSCRIPTION = "subscription", "Subscription"
        STAFF = "staff", "Staff"

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="enrollments")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=16, choices=Source.choices)
    reference = models.CharField(max_length=200, blank=True, help_text="E.g. the payment id.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_lesson = models.ForeignKey(LessonPage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "course"], condition=Q(status="active"), name="one_active_enrollment_per_course"
            )
        ]
        indexes = [models.Index(fields=["course", "status"], name="enrollment_course_status_idx")]

    def __str__(self):
        return f"{self.student} in {self.course}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class LessonProgress(models.Model):
    """A lesson a student has completed."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="progress")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["student", "lesson"], name="one_progress_per_lesson")]
        indexes = [models.Index(fields=["student", "course"], name="progress_student_course_idx")]

    def __str__(self):
        return f"{self.student_id} completed {self.lesson_id}"


class QuizAttempt(models.Model):
    """One graded submission of a lesson's quiz; every attempt is kept."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz_id = models.CharField(max_length=64, help_text="The quiz block's id.")
    answers = models.JSONField(default=dict)
    results = models.JSONField(default=list, help_text="Per question: correct?, feedback, the right answer.")
    score = models.PositiveSmallIntegerField(help_text="Percent.")
    passed = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["student", "lesson"], name="attempt_student_lesson_idx")]

    def __str__(self):
        return f"{self.student_id} {self.lesson_id} {self.score}%"


def _certificate_code() -> str:
    return secrets.token_hex(8).upper()


class Certificate(models.Model):
    """Proof a student completed a course; public at /certificates/<code>/."""

    code = models.CharField(max_length=16, unique=True, default=_certificate_code, editable=False)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="certificates")
    # What the certificate says, frozen at issue so a later rename does not change it.
    student_name = models.CharField(max_length=150)
    course_title = models.CharField(max_length=255)
    teacher_names = models.CharField(max_length=255, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["student", "course"], name="one_certificate_per_course")]

    def __str__(self):
        return f"{self.code} {self.student_name}: {self.course_title}"

    def get_absolute_url(self):
        return reverse("courses:certificate_verify", args=[self.code])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


# --- Moderation -------------------------------------------------------------------------------


class CourseReviewTask(AbstractGroupApprovalTask):
    """Staff approve or reject a submitted course page; the author is told either way."""

    def start(self, workflow_state, user=None):
        task_state = super().start(workflow_state, user=user)
        from courses.services import moderation_submitted

        moderation_submitted(task=self, page=workflow_state.content_object, submitter=user)
        return task_state

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        super().on_action(task_state, user, action_name, **kwargs)
        from courses.services import moderation_decided

        moderation_decided(
            page=task_state.workflow_state.content_object,
            requested_by=task_state.workflow_state.requested_by,
            reviewer=user,
            approved=action_name == "approve",
            comment=kwargs.get("comment", ""),
        )

    @classmethod
    def get_description(cls):
        return "Staff review a course before it is published; the teacher is notified of the decision."

    class Meta:
        verbose_name = "course review"
        verbose_name_plural = "course reviews"
