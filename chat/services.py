"""Writes of the chat: starting conversations, posting and reading messages, reports,
moderation, suspensions and course announcements.

Each write is stored first and announced after commit, so nobody hears about a message
that was rolled back, and a reconnecting client can always fetch what it missed.
"""

import functools
import json
import logging

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
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
from lms import pagecache
from lms.models import Notification, User
from lms.services import audit_record, notify

logger = logging.getLogger(__name__)


class ChatError(Exception):
    """Something the chat refuses; the message says why, for the user."""


class RateLimited(ChatError):
    pass


SUSPENDED = "Your messaging is suspended. Contact support if you think this is a mistake."


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


def _checked_message(*, sender: User, conversation: Conversation, body: str, attachment) -> tuple[str, object, bool]:
    """Refuse what may not be posted (membership, suspension, length, file, rate limit);
    return the normalised body, the checked attachment and whether the recipient is online
    (asked together with the rate limit: one round trip)."""
    body = (body or "").replace("\r\n", "\n").strip()
    if not conversation.has_participant(sender):
        raise ChatError("You are not part of this conversation.")
    if sender.chat_suspended:
        raise ChatError(SUSPENDED)
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
    recipient_id = next(pk for pk in conversation.participant_ids if pk != sender.pk)
    over_limit, recipient_online = realtime.message_counted(sender_id=sender.pk, recipient_id=recipient_id)
    if over_limit:
        limit, window = realtime.rate_limit()
        raise RateLimited(f"You are sending messages too fast (at most {limit} in {window} seconds). Wait a moment.")
    return body, checked, recipient_online


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
    With `announce=False` nothing is sent: the caller sends `message_events(message)`
    itself once this returned, i.e. after commit. The socket uses `message_send`.
    """
    client_id = (client_id or "")[:64]
    if client_id and attachment is not None and conversation.has_participant(sender):
        # Text resends are caught by the unique constraint; a file is not stored twice.
        existing = Message.objects.filter(sender=sender, client_id=client_id).first()
        if existing is not None:
            return existing, False
    body, checked, _ = _checked_message(sender=sender, conversation=conversation, body=body, attachment=attachment)
    stored_body, status, flags = _moderate(body)
    if checked is None and connection.vendor == "postgresql":
        message, created, _ = _store_text_pg(
            sender=sender, conversation=conversation, body=stored_body, status=status, flags=flags, client_id=client_id
        )
        if created and announce:
            transaction.on_commit(lambda: _announce_message(message))
        return message, created
    try:
        with transaction.atomic():
            # Suspension as stored now (the sender may be an object loaded long ago, e.g. at connect).
            if User.objects.filter(pk=sender.pk, chat_suspended=True).exists():
                raise ChatError(SUSPENDED)
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


def message_send(
    *, sender: User, conversation: Conversation, body: str, client_id: str = ""
) -> tuple[Message, list[tuple[str, dict]]]:
    """The socket's path: store a text message and return the (group, event) pairs that
    announce it, for the caller to send from the event loop; no events for a resend of a
    stored `client_id` (it was announced then).

    Call it outside a transaction (the consumer does): the events describe a committed row.
    On PostgreSQL the store is one statement, which also counts the recipient's unread total.
    """
    if connection.vendor != "postgresql":
        message, created = message_post(
            sender=sender, conversation=conversation, body=body, client_id=client_id, announce=False
        )
        return message, message_events(message) if created else []
    client_id = (client_id or "")[:64]
    body, _, recipient_online = _checked_message(sender=sender, conversation=conversation, body=body, attachment=None)
    stored_body, status, flags = _moderate(body)
    message, created, unread = _store_text_pg(
        sender=sender, conversation=conversation, body=stored_body, status=status, flags=flags, client_id=client_id
    )
    if not created:
        return message, []
    return message, message_events(message, recipient_unread=unread, recipient_online=recipient_online)


def _store_text_pg(
    *, sender: User, conversation: Conversation, body: str, status: str, flags: list[str], client_id: str
) -> tuple[Message, bool, int | None]:
    """Store a text message in one SQL statement, i.e. one round trip and, outside a
    transaction, its own transaction: insert the message (unless this sender's `client_id`
    is stored already), move the conversation's `last_message_at` and the sender's read
    marker, and count the recipient's unread total. The statement re-checks membership and
    suspension as stored, so a suspension takes effect on sockets opened before it.

    Returns (message, created, the recipient's unread total or None if not counted).

    With CONN_HEALTH_CHECKS Django would ping the connection (SELECT 1) before the first
    query of every call from a socket; here the statement goes without it and, if the
    connection turns out to be dead, is run once more on a new one (the `client_id` makes
    that safe: a message stored by the failed attempt is found, not stored again).
    """
    recipient_id = next(pk for pk in conversation.participant_ids if pk != sender.pk)
    count_unread = status == MessageStatus.VISIBLE
    params = {
        "sender": sender.pk,
        "conversation": conversation.pk,
        "body": body,
        "now": timezone.now(),
        "status": status,
        "flags": json.dumps(flags),
        "client_id": client_id,
        "recipient": recipient_id,
        "visible": MessageStatus.VISIBLE.value,
    }
    sql = _store_text_sql(count_unread)
    autocommit = transaction.get_autocommit()
    if autocommit:
        connection.health_check_done = True  # no ping: a failure is retried below
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            message_id, allowed, unread = cursor.fetchone()
        retried = False
    except (OperationalError, InterfaceError):
        if not autocommit:
            raise
        logger.warning("Storing a message failed on a stale connection; retrying on a new one", exc_info=True)
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            message_id, allowed, unread = cursor.fetchone()
        retried = True
    if not allowed:
        sender.refresh_from_db(fields=["chat_suspended"])
        raise ChatError(SUSPENDED if sender.chat_suspended else "You are not part of this conversation.")
    if message_id is None:  # this client_id is stored already: a resend (or our own failed attempt)
        existing = Message.objects.filter(sender=sender, client_id=client_id).select_related("sender").first()
        if existing is None:
            raise ChatError("The message could not be stored. Try again.")
        if retried:  # the failed attempt stored it, and nobody heard of it: announce it now
            return existing, True, None
        return existing, False, None
    message = Message(
        id=message_id,
        conversation=conversation,
        sender=sender,
        body=body,
        created_at=params["now"],
        status=status,
        flags=flags,
        client_id=client_id,
    )
    message._state.adding = False
    message._state.db = connection.alias
    # The statement's snapshot did not see its own insert: + 1 for the new message.
    return message, True, (unread + 1 if count_unread else None)


@functools.cache
def _store_text_sql(count_unread: bool) -> str:
    quote = connection.ops.quote_name
    conversation, message, read_state, user = (
        quote(model._meta.db_table) for model in (Conversation, Message, ReadState, User)
    )
    unread = f", ({selectors.unread_total_sql()})" if count_unread else ", NULL"
    # Only the models' own quoted table names are interpolated; values go as parameters.
    return (
        f"WITH ok AS (SELECT c.id FROM {conversation} c JOIN {user} u ON u.id = %(sender)s"  # noqa: S608
        " WHERE c.id = %(conversation)s AND %(sender)s IN (c.user_low_id, c.user_high_id)"
        " AND NOT u.chat_suspended),"
        f" msg AS (INSERT INTO {message} (conversation_id, sender_id, body, created_at, status, flags, client_id,"
        " attachment, attachment_name, attachment_kind, attachment_size)"
        " SELECT ok.id, %(sender)s, %(body)s, %(now)s, %(status)s, %(flags)s::jsonb, %(client_id)s, '', '', '', 0"
        " FROM ok ON CONFLICT (sender_id, client_id) WHERE client_id <> '' DO NOTHING RETURNING id),"
        f" conv AS (UPDATE {conversation} SET last_message_at = %(now)s FROM msg"
        f" WHERE {conversation}.id = %(conversation)s),"
        f" seen AS (UPDATE {read_state} SET last_read_message_id = msg.id FROM msg"
        f" WHERE {read_state}.conversation_id = %(conversation)s AND {read_state}.user_id = %(sender)s"
        f" AND {read_state}.last_read_message_id < msg.id)"
        f" SELECT (SELECT id FROM msg), EXISTS (SELECT 1 FROM ok){unread}"
    )


def message_events(
    message: Message, *, recipient_unread: int | None = None, recipient_online: bool | None = None
) -> list[tuple[str, dict]]:
    """The (group, event) pairs that announce a stored message; call after commit.

    Visible: the message to the conversation, the recipient's new unread count, and a
    notification if the recipient is away (both looked up here unless the caller knows
    them). Held: only the sender's own pages see it, marked as waiting for review.
    """
    payload = realtime.message_payload(message)
    group = realtime.conversation_group(message.conversation_id)
    if message.status != MessageStatus.VISIBLE:
        return [(group, {"type": "chat.message", "message": payload, "only_user": message.sender_id})]
    recipient_id = next(pk for pk in message.conversation.participant_ids if pk != message.sender_id)
    pagecache.user_changed(recipient_id)  # their cached pages show the unread badge
    if recipient_unread is None:
        unread = _unread_event(recipient_id)
    else:
        unread = (realtime.chat_user_group(recipient_id), {"type": "chat.unread", "count": recipient_unread})
    events = [(group, {"type": "chat.message", "message": payload}), unread]
    try:
        _notify_if_away(message, recipient_id, online=recipient_online)
    except Exception:  # the message is stored and goes out regardless; the page shows it
        logger.exception("Could not notify user %s of message %s", recipient_id, message.pk)
    return events


def _announce_message(message: Message) -> None:
    for group, event in message_events(message):
        realtime.send(group, event)


def _unread_event(user_id: int) -> tuple[str, dict]:
    return realtime.chat_user_group(user_id), {"type": "chat.unread", "count": selectors.unread_total(user_id=user_id)}


def _push_unread(user_id: int) -> None:
    pagecache.user_changed(user_id)  # their cached pages show the unread badge
    realtime.send(*_unread_event(user_id))


def _notify_if_away(message: Message, recipient_id: int, *, online: bool | None = None) -> None:
    """One notification per conversation while the recipient is away (not for every message)."""
    if online if online is not None else realtime.is_online(recipient_id):
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
        for user_id in message.conversation.participant_ids:
            pagecache.user_changed(user_id)  # the unread badge counts visible messages only
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
        raise ChatError(SUSPENDED)
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
