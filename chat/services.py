"""Writes of the chat: starting conversations, posting and reading messages, reports,
moderation, suspensions and course announcements.

Each write is stored first and announced after commit, so nobody hears about a message
that was rolled back, and a reconnecting client can always fetch what it missed.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from chat import realtime, selectors
from chat.attachments import AttachmentRejected, check_attachment
from chat.models import (
    Announcement,
    ChatSettings,
    ContactAction,
    Conversation,
    Message,
    MessageStatus,
    ReadState,
    Report,
)
from chat.moderation import find_contact_details, mask
from lms.models import Notification, User
from lms.services import audit_record, notify

logger = logging.getLogger(__name__)


class ChatError(Exception):
    """Something the chat refuses; the message says why, for the user."""


class RateLimited(ChatError):
    pass


def max_length() -> int:
    return getattr(settings, "CHAT_MESSAGE_MAX_LENGTH", 4000)


# --- Conversations ---------------------------------------------------------------------


@transaction.atomic
def conversation_start(*, user: User, other: User) -> Conversation:
    """Open (or return) the one conversation between two people who may talk."""
    existing = selectors.conversation_between(user=user, other=other)
    if existing is not None:
        return existing
    if not selectors.can_message(user=user, other=other):
        raise ChatError(f"You can message {other.name} once you share a course or a booked class.")
    low, high = sorted([user.pk, other.pk])
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(user_low_id=low, user_high_id=high)
    except IntegrityError:  # the other person opened it at the same moment
        return Conversation.objects.get(user_low_id=low, user_high_id=high)
    ReadState.objects.bulk_create(
        [ReadState(conversation=conversation, user_id=low), ReadState(conversation=conversation, user_id=high)]
    )
    return conversation


# --- Messages --------------------------------------------------------------------------


def _moderate(body: str) -> tuple[str, str, list[str]]:
    """(body to store, status, flags) according to the staff's settings."""
    chat_settings = ChatSettings.cached()
    findings = find_contact_details(body, allowed_domains=chat_settings.allowed_link_domains)
    if not findings or chat_settings.contact_action == ContactAction.ALLOW:
        return body, MessageStatus.VISIBLE, sorted({f.kind for f in findings})
    flags = sorted({f.kind for f in findings})
    if chat_settings.contact_action == ContactAction.HOLD:
        return body, MessageStatus.HELD, flags
    return mask(body, findings), MessageStatus.VISIBLE, flags


def message_post(
    *,
    sender: User,
    conversation: Conversation,
    body: str,
    client_id: str = "",
    attachment=None,
    announce: bool = True,
) -> tuple[Message, bool]:
    """Store a message, then (after commit) deliver it to both participants' open pages.

    Returns (message, created). A `client_id` the sender already used returns the stored
    message unchanged, so a client resending after a dropped connection never duplicates.
    With `announce=False` nothing is sent: the caller (the WebSocket consumer, which is
    already on the event loop) sends `message_events(message)` itself once this returned,
    i.e. after commit, and saves two hops from the database thread back to the loop.
    """
    body = (body or "").replace("\r\n", "\n").strip()
    client_id = (client_id or "")[:64]
    if not conversation.has_participant(sender):
        raise ChatError("You are not part of this conversation.")
    if client_id and attachment is not None:
        # Text resends are caught by the unique constraint below; a file is not stored twice.
        existing = Message.objects.filter(sender=sender, client_id=client_id).first()
        if existing is not None:
            return existing, False
    if sender.chat_suspended:
        raise ChatError("Your messaging is suspended. Contact support if you think this is a mistake.")
    if not body and attachment is None:
        raise ChatError("Write a message or attach a file.")
    if len(body) > max_length():
        raise ChatError(f"Messages can be at most {max_length()} characters.")
    checked = None
    if attachment is not None:
        try:
            checked = check_attachment(attachment)
        except AttachmentRejected as exc:
            raise ChatError(str(exc)) from exc
    if realtime.rate_limit_hit(sender.pk):
        limit, window = realtime.rate_limit()
        raise RateLimited(f"You are sending messages too fast (at most {limit} in {window} seconds). Wait a moment.")

    stored_body, status, flags = _moderate(body)
    try:
        with transaction.atomic():
            message = Message(
                conversation=conversation,
                sender=sender,
                body=stored_body,
                status=status,
                flags=flags,
                client_id=client_id,
            )
            if checked is not None:
                message.attachment.save(checked.content.name, checked.content, save=False)
                message.attachment_name = checked.name
                message.attachment_kind = checked.kind
                message.attachment_size = checked.size
            message.save()
            Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
            # The sender has read their own message (both rows exist from conversation_start).
            ReadState.objects.filter(
                conversation=conversation, user=sender, last_read_message_id__lt=message.pk
            ).update(last_read_message_id=message.pk)
            if announce:
                transaction.on_commit(lambda: _announce_message(message))
    except IntegrityError:  # the same client_id raced in from another tab or process
        existing = Message.objects.filter(sender=sender, client_id=client_id).first()
        if client_id and existing is not None:
            return existing, False
        raise
    return message, True


def message_events(message: Message) -> list[tuple[str, dict]]:
    """The (group, event) pairs that announce a stored message; call after commit.

    Visible: the message to the conversation, the recipient's new unread count, and a
    notification if the recipient is away. Held: only the sender's own pages see it,
    marked as waiting for review.
    """
    payload = realtime.message_payload(message)
    group = realtime.conversation_group(message.conversation_id)
    if message.status != MessageStatus.VISIBLE:
        return [(group, {"type": "chat.message", "message": payload, "only_user": message.sender_id})]
    recipient_id = next(pk for pk in message.conversation.participant_ids if pk != message.sender_id)
    events = [(group, {"type": "chat.message", "message": payload}), _unread_event(recipient_id)]
    try:
        _notify_if_away(message, recipient_id)
    except Exception:  # the message is stored and goes out regardless; the page shows it
        logger.exception("Could not notify user %s of message %s", recipient_id, message.pk)
    return events


def _announce_message(message: Message) -> None:
    for group, event in message_events(message):
        realtime.send(group, event)


def _unread_event(user_id: int) -> tuple[str, dict]:
    return realtime.chat_user_group(user_id), {"type": "chat.unread", "count": selectors.unread_total(user_id=user_id)}


def _push_unread(user_id: int) -> None:
    realtime.send(*_unread_event(user_id))


def _notify_if_away(message: Message, recipient_id: int) -> None:
    """One notification per conversation while the recipient is away (not for every message)."""
    if realtime.is_online(recipient_id):
        return
    if not realtime.shared_cache().add(f"chat:notified:{recipient_id}:{message.conversation_id}", 1, 15 * 60):
        return
    recipient = User.objects.get(pk=recipient_id)
    notify(
        user=recipient,
        kind="chat",
        title=f"New message from {message.sender.name}",
        body=message.body[:200] if message.body else f"Sent you {message.attachment_name}",
        url=message.conversation.get_absolute_url(),
    )


@transaction.atomic
def conversation_mark_read(*, user: User, conversation: Conversation, message_id: int) -> int:
    """Move the user's read marker forward to `message_id` (never back); tell the other side."""
    if not conversation.has_participant(user):
        raise ChatError("You are not part of this conversation.")
    newest = Message.objects.filter(conversation=conversation, pk__lte=message_id).order_by("-id").first()
    if newest is None:
        return 0
    state, _ = ReadState.objects.select_for_update().get_or_create(conversation=conversation, user=user)
    if newest.pk <= state.last_read_message_id:
        return state.last_read_message_id
    state.last_read_message_id = newest.pk
    state.save(update_fields=["last_read_message_id"])
    transaction.on_commit(
        lambda: (
            realtime.send(
                realtime.conversation_group(conversation.pk),
                {"type": "chat.read", "user_id": user.pk, "message_id": newest.pk},
            ),
            _push_unread(user.pk),
        )
    )
    return newest.pk


# --- Reports and moderation ------------------------------------------------------------


@transaction.atomic
def message_report(*, reporter: User, message: Message, reason: str = "") -> Report:
    if not message.conversation.has_participant(reporter):
        raise ChatError("You can only report messages in your own conversations.")
    if message.sender_id == reporter.pk:
        raise ChatError("You cannot report your own message.")
    report, _ = Report.objects.get_or_create(
        message=message, reporter=reporter, defaults={"reason": (reason or "").strip()[:500]}
    )
    return report


@transaction.atomic
def message_moderate(*, actor: User, message: Message, action: str) -> Message:
    """Staff approve (make visible) or hide a message; its open reports are resolved."""
    statuses = {"approve": MessageStatus.VISIBLE, "hide": MessageStatus.HIDDEN}
    if action not in statuses:
        raise ChatError(f"Unknown moderation action {action!r}.")
    message = Message.objects.select_for_update().select_related("conversation", "sender").get(pk=message.pk)
    before = message.status
    message.status = statuses[action]
    message.save(update_fields=["status"])
    Report.objects.filter(message=message, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor, resolution=action
    )
    audit_record(
        actor=actor,
        action=f"chat.message.{action}",
        target=message,
        changes={"status": (before, message.status)},
    )
    if before != message.status:
        if message.status == MessageStatus.VISIBLE:
            transaction.on_commit(lambda: _announce_message(message))
        else:
            transaction.on_commit(
                lambda: realtime.send(
                    realtime.conversation_group(message.conversation_id),
                    {"type": "chat.hidden", "message_id": message.pk},
                )
            )
    return message


@transaction.atomic
def user_chat_suspend(*, actor: User, user: User, suspended: bool = True) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.chat_suspended == suspended:
        return user
    user.chat_suspended = suspended
    user.save(update_fields=["chat_suspended"])
    audit_record(
        actor=actor,
        action="chat.user.suspend" if suspended else "chat.user.unsuspend",
        target=user,
        changes={"chat_suspended": (not suspended, suspended)},
    )
    return user


# --- Announcements -----------------------------------------------------------------------


def announcement_post(*, teacher: User, course, body: str) -> Announcement:
    """A teacher tells every actively enrolled student of their course.

    Stored, then after commit delivered live with one send to the course's group (every
    enrolled student's open chat sockets joined it), and the worker notifies each student
    (in-app and, by their preference, email) so a large course never slows the request.
    """
    body = (body or "").strip()
    if not body:
        raise ChatError("Write the announcement first.")
    if len(body) > max_length():
        raise ChatError(f"Announcements can be at most {max_length()} characters.")
    if not selectors.teaches(user=teacher, course=course):
        raise ChatError("Only the course's teachers can post announcements to it.")
    if teacher.chat_suspended:
        raise ChatError("Your messaging is suspended. Contact support if you think this is a mistake.")
    with transaction.atomic():
        announcement = Announcement.objects.create(
            course_id=course.pk,
            teacher=teacher,
            body=body,
            recipient_count=selectors.course_students(course=course).count(),
        )
        event = {
            "type": "chat.announcement",
            "announcement": {
                "id": announcement.pk,
                "course_id": course.pk,
                "course_title": course.title,
                "teacher_name": teacher.name,
                "body": body,
                "created_at": announcement.created_at.isoformat(),
                "url": course.url or "/",
            },
        }
        transaction.on_commit(lambda: realtime.send(realtime.course_group(course.pk), event))
        transaction.on_commit(
            lambda: async_task(
                "chat.tasks.announcement_notify", announcement.pk, task_name=f"chat-announcement-{announcement.pk}"
            )
        )
    return announcement


def announcement_notify(*, announcement: Announcement) -> int:
    """Notify every actively enrolled student once (safe to run again after a failure)."""
    course = announcement.course.specific
    title = f"Announcement in {course.title}"
    already = set(
        Notification.objects.filter(
            kind="announcement", title=title, body=announcement.body, created_at__gte=announcement.created_at
        ).values_list("user_id", flat=True)
    )
    sent = 0
    for student in selectors.course_students(course=course).exclude(pk__in=already):
        with transaction.atomic():
            notify(
                user=student,
                kind="announcement",
                title=title,
                body=announcement.body,
                url=course.url or "/",
                email_context={"course_title": course.title, "teacher_name": announcement.teacher.name},
            )
        sent += 1
    return sent
