"""What the chat records: conversations between two people, their messages, how far each
participant has read, course announcements, reports, and the moderation settings."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from solo.models import SingletonModel

from lms.models import ModerationReport


class Conversation(models.Model):
    """A one-to-one conversation. The pair is stored in id order, so each pair has one."""

    user_low = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("participant")
    )
    user_high = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("other participant")
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    # Moved by every message, so not indexed: an index on it made each of those updates
    # write every index of the table again (no HOT update), and none of the lists use it
    # (a user's are found by participant; `ordering` puts NULLs last, which it cannot serve).
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = [F("last_message_at").desc(nulls_last=True), "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user_low", "user_high"], name="chat_one_conversation_per_pair"),
            models.CheckConstraint(condition=Q(user_low__lt=F("user_high")), name="chat_conversation_pair_ordered"),
        ]

    def __str__(self):
        return f"{self.user_low} ↔ {self.user_high}"

    def get_absolute_url(self):
        return reverse("chat:conversation", args=[self.pk])

    @property
    def participant_ids(self) -> tuple[int, int]:
        return (self.user_low_id, self.user_high_id)

    def has_participant(self, user) -> bool:
        return user.pk in self.participant_ids

    def other(self, user):
        return self.user_high if user.pk == self.user_low_id else self.user_low


class MessageStatus(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Held for review")
    HIDDEN = "hidden", _("Hidden by staff")


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("Image")
    PDF = "pdf", _("PDF")


class Message(models.Model):
    """One message. Stored before it is broadcast; its id orders the conversation."""

    # Both keys are indexed by the composite indexes below, which serve their lookups too.
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
        verbose_name=_("conversation"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_messages",
        db_index=False,
        verbose_name=_("sender"),
    )
    body = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.VISIBLE)
    # What moderation found (e.g. ["phone", "link"]); masked or held as staff configure.
    flags = models.JSONField(_("flags"), default=list, blank=True)
    # Chosen by the sender's client; resending after a reconnect returns the stored message.
    client_id = models.CharField(max_length=64, blank=True)
    attachment = models.FileField(upload_to="chat/%Y/%m/", blank=True)
    attachment_name = models.CharField(_("attachment name"), max_length=200, blank=True)
    attachment_kind = models.CharField(_("attachment type"), max_length=10, choices=AttachmentKind.choices, blank=True)
    attachment_size = models.PositiveIntegerField(_("attachment size (bytes)"), default=0)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_id"], condition=~Q(client_id=""), name="chat_message_client_id_once"
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "id"], name="chat_message_conv_idx"),
            # The rate limit counts the sender's latest messages (services.message_post).
            models.Index(fields=["sender", "created_at"], name="chat_message_sender_recent"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.sender}: {self.body[:40]}"

    @property
    def has_attachment(self) -> bool:
        # Not `bool(self.attachment)`: that builds a FieldFile, which points back at the
        # message, a reference cycle per message that only the garbage collector can free
        # (and the `ws` process seldom collects: lms/infra/gc_tuning.py).
        return bool(self.attachment_name)


class ReadState(models.Model):
    """How far one participant has read one conversation."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_message_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("read state")
        verbose_name_plural = _("read states")
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="chat_one_read_state")]

    def __str__(self):
        return f"{self.user_id} read {self.conversation_id} up to {self.last_read_message_id}"


class Announcement(models.Model):
    """A teacher's message to every actively enrolled student of a course, or of one of its cohorts."""

    # A Wagtail page (the course page); courses are pages, so this needs no courses migration.
    course = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name=_("course"))
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("teacher")
    )
    body = models.TextField(_("announcement"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    # For one cohort of the course only (empty: every student of the course).
    cohort = models.ForeignKey(
        "courses.Cohort", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("cohort")
    )

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.course.title}: {self.body[:40]}"


class Report(ModerationReport):
    """A participant's report of a message, for staff to work in the admin."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports", verbose_name=_("message"))

    class Meta(ModerationReport.Meta):
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [models.UniqueConstraint(fields=["message", "reporter"], name="chat_report_once")]

    def __str__(self):
        return gettext("Report on message #%(id)s") % {"id": self.message_id}


class ContactAction(models.TextChoices):
    MASK = "mask", _("Mask the contact details")
    HOLD = "hold", _("Hold the message for review")
    ALLOW = "allow", _("Allow (do nothing)")


class ChatSettings(SingletonModel):
    """The one row of moderation settings staff edit in the admin."""

    contact_action = models.CharField(
        _("contact action"),
        max_length=10,
        choices=ContactAction.choices,
        default=ContactAction.MASK,
        help_text=_("What happens to a message with a phone number, email address or outside link."),
    )
    allowed_link_domains = models.TextField(
        _("allowed link domains"),
        blank=True,
        help_text=_("Domains whose links are not outside links, one per line (the site's own always are)."),
    )

    class Meta:
        verbose_name = _("chat settings")
        verbose_name_plural = _("chat settings")

    def __str__(self):
        return gettext("Chat settings")
