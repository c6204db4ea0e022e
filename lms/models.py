"""The core records: users and their roles and profiles, notifications, the audit log,
and the home page (the one Wagtail page the core owns)."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from lms.blocks import HOME_BLOCKS
from lms.infra import pagecache
from lms.infra.validators import validate_image_upload, validate_time_zone


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")
    STAFF = "staff", _("Staff")

    @property
    def group_name(self) -> str:
        """The name of the role's permission group: fixed, whatever language is active."""
        return self.name.title()


class EmailUserManager(UserManager):
    """`UserManager` keyed on email instead of username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True, role=Role.STAFF)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person using Lyceum. Email is the login; the role decides what they can do."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STUDENT, db_index=True)
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("How your name appears to teachers and students."),
    )
    photo = models.ImageField(_("photo"), upload_to="avatars/%Y/%m/", blank=True, validators=[validate_image_upload])
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("Every time on the site is shown in this zone."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The site, its emails and notifications in this language. Blank: your browser's."),
    )
    chat_suspended = models.BooleanField(_("chat suspended"), default=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.email.split("@")[0]

    def get_short_name(self):
        return self.name

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT

    @property
    def is_teacher(self) -> bool:
        return self.role == Role.TEACHER

    @property
    def is_platform_staff(self) -> bool:
        return self.role == Role.STAFF or self.is_superuser

    @property
    def initials(self) -> str:
        parts = self.name.split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"


class TeacherProfile(models.Model):
    """The public face of a teacher at `/teachers/<slug>/`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teacher_profile", verbose_name=_("user")
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    headline = models.CharField(
        _("headline"), max_length=120, blank=True, help_text=_("One line, e.g. “Maths tutor, A-level”.")
    )
    bio = models.TextField(_("bio"), blank=True)
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    is_listed = models.BooleanField(_("listed"), default=True, help_text=_("Shown on the public teachers page."))

    class Meta:
        ordering = ["slug"]
        verbose_name = _("teacher profile")
        verbose_name_plural = _("teacher profiles")

    def __str__(self):
        return f"{self.user.name} ({self.slug})"

    def get_absolute_url(self):
        return reverse("teacher_profile", args=[self.slug])


class Notification(models.Model):
    """Something a user has been told. Created only through `lms.services.notify`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Email delivery, done by the worker: at most once, retried on failure.
    email_wanted = models.BooleanField(_("email wanted"), default=False)
    email_sent_at = models.DateTimeField(_("email sent"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_last_error = models.CharField(_("last email error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Whether a user also gets email, and push, for one kind of notification (absent = the
    kind's default; push's default is on, for the devices they turned it on for)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    email = models.BooleanField(_("email"))
    push = models.BooleanField(_("push"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user_id}:{self.kind} email={self.email} push={self.push}"


class ModerationReport(models.Model):
    """A reader's report of something they saw (a chat message, a discussion post), for staff's
    moderation queue in the admin: subclasses add what is reported and its uniqueness."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("reporter")
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.CharField(_("resolution"), max_length=20, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied(_("The audit log cannot be edited."))

    def delete(self):
        raise PermissionDenied(_("The audit log cannot be edited."))


class AuditLogEntry(models.Model):
    """One staff action: who, when, what, and each changed field's before → after.

    Append-only: written by `lms.services.audit_record`, read by superusers in Django
    admin, never edited or deleted (the model and the admin both refuse).
    """

    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_email = models.EmailField(_("actor's email"), blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("target type"),
    )
    target_id = models.CharField(_("target ID"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email or 'system'} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionDenied(_("The audit log cannot be edited."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("The audit log cannot be edited."))


class HomePage(pagecache.SharedPageTree, Page):
    """The site's front page, written by editors in the Wagtail admin."""

    hero_title = models.CharField(
        _("hero title"), max_length=120, default="Learn from real teachers, live and at your pace"
    )
    hero_text = models.TextField(
        _("hero text"),
        blank=True,
        default="Courses written by teachers, live classes booked in your own time zone, "
        "and a real conversation with the person teaching you.",
    )
    hero_cta_label = models.CharField(_("hero button label"), max_length=40, default="Browse courses")
    hero_cta_url = models.CharField(_("hero button link"), max_length=200, default="/courses/")
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hero image"),
        help_text=_("Beside the hero's text (below it on phones); without one, the first featured course."),
    )
    body = StreamField(HOME_BLOCKS, blank=True, use_json_field=True, verbose_name=_("sections"))

    content_panels = Page.content_panels + [
        FieldPanel("hero_title"),
        FieldPanel("hero_text"),
        FieldPanel("hero_cta_label"),
        FieldPanel("hero_cta_url"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The hero's second half: the editor's image, else the first featured course (its id
        # read from the stored sections, so no query is spent when an image is set).
        context["hero_course_ids"] = []
        if not self.hero_image_id:
            for block in self.body.raw_data:
                if block["type"] == "featured_courses" and block["value"].get("courses"):
                    first = block["value"]["courses"][0]
                    context["hero_course_ids"] = [first["value"] if isinstance(first, dict) else first]
                    break
        return context
