"""A course's discussions: threads (a question on a lesson, or a course-wide topic) and their
posts (the opening post, then replies), with upvotes, followers and reports.

A post keeps what its author wrote (Markdown) and the HTML made from it once, sanitised on
the server when it is stored (discussions.markdown); pages show the stored HTML.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lms.models import ModerationReport


class Thread(models.Model):
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="threads", verbose_name=_("course")
    )
    # Set for a question on one lesson; empty for a course-wide thread.
    lesson = models.ForeignKey(
        "courses.LessonPage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="threads",
        verbose_name=_("lesson"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="threads", verbose_name=_("author")
    )
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    last_post_at = models.DateTimeField(_("last post"), default=timezone.now)
    reply_count = models.PositiveIntegerField(_("replies"), default=0)
    answer = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("answer")
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    moderation_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("discussion thread")
        verbose_name_plural = _("discussion threads")
        ordering = ["-pinned", "-last_post_at", "-id"]
        indexes = [
            models.Index(fields=["course", "-pinned", "-last_post_at"], name="discussion_course_recent"),
            models.Index(fields=["lesson", "-last_post_at"], name="discussion_lesson_recent"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_question(self) -> bool:
        return self.lesson_id is not None


EDIT_WINDOW = timedelta(hours=24)  # how long an author may change what they posted


class PostStatus(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Held for review")
    HIDDEN = "hidden", _("Hidden")


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts", verbose_name=_("thread"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_posts", verbose_name=_("author")
    )
    body = models.TextField(_("text (Markdown)"))
    html = models.TextField(_("text (sanitised HTML)"))
    is_opening = models.BooleanField(_("opening post"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=PostStatus.choices, default=PostStatus.VISIBLE)
    flags = models.JSONField(_("contact details found"), default=list, blank=True)
    hidden_reason = models.CharField(_("reason hidden"), max_length=300, blank=True)
    upvote_count = models.PositiveIntegerField(_("upvotes"), default=0)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    class Meta:
        verbose_name = _("discussion post")
        verbose_name_plural = _("discussion posts")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"], name="discussion_post_thread")]
        constraints = [
            models.UniqueConstraint(fields=["thread"], condition=Q(is_opening=True), name="discussion_one_opening")
        ]

    def __str__(self):
        return gettext("Post #%(id)s in “%(thread)s”") % {"id": self.pk, "thread": self.thread.title}

    @property
    def editable(self) -> bool:
        """Its author may still change it: visible or held, within EDIT_WINDOW of posting."""
        return self.status != PostStatus.HIDDEN and timezone.now() < self.created_at + EDIT_WINDOW


class Upvote(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="upvotes", verbose_name=_("post"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="discussion_upvote_once")]

    def __str__(self):
        return f"{self.user_id} ↑ {self.post_id}"


class Follow(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows", verbose_name=_("thread"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="discussion_follow_once")]

    def __str__(self):
        return f"{self.user_id} → {self.thread_id}"


class Report(ModerationReport):
    """A reader's report of a post, for staff in the moderation queue (Django admin)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports", verbose_name=_("post"))

    class Meta(ModerationReport.Meta):
        verbose_name = _("discussion report")
        verbose_name_plural = _("discussion reports")
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="discussion_report_once")]

    def __str__(self):
        return gettext("Report on post #%(id)s") % {"id": self.post_id}
