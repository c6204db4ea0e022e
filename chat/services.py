"""Writes of the chat: starting conversations, posting and reading messages, reports,
moderation, suspensions and course announcements.

Each write is stored first and announced after commit, so nobody hears about a message
that was rolled back, and a reconnecting client can always fetch what it missed.
"""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, ngettext
from django_q.tasks import async_task

from chat import realtime, selectors
from chat.attachments import AttachmentRejected, CheckedAttachment, check_attachment
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
from lms.infra.realtime import page_event
from lms.models import Notification, User
from lms.services import audit_record, notify


class ChatError(Exception):
    """Something the chat refuses; the message says why, for the user."""


class RateLimited(ChatError):
    pass


CLIENT_ID_MAX_LENGTH = 64
NOTIFY_AWAY_EVERY = 15 * 60  # seconds: one notification per conversation while its recipient is away


def _suspended() -> ChatError:
    return ChatError(gettext("Your messaging is suspended. Contact support if you think this is a mistake."))


def max_length() -> int:
    return getattr(settings, "CHAT_MESSAGE_MAX_LENGTH", 4000)


def rate_limit() -> tuple[int, int]:
    """(messages, seconds): at most that many messages per sender in any such window."""
    return getattr(settings, "CHAT_RATE_LIMIT", (20, 10))


# --- Conversations ---------------------------------------------------------------------


@transaction.atomic
def conversation_start(*, user: User, other: User) -> Conversation:
    """Open (or return) the one conversation between two people who may talk."""
    existing = selectors.conversation_between(user=user, other=other)
    if existing is not None:
        return existing
    if not selectors.can_message(user=user, other=other):
        raise ChatError(
            gettext("You can message %(name)s once you share a course or a booked class.") % {"name": other.name}
        )
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


# --- Messages: the rules, the one store, and what follows it ------------------------------


def _storable(text: str) -> bool:
    """PostgreSQL text holds neither NUL nor what is not Unicode (a lone surrogate from JSON)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _message_checked(
    *, sender: User, conversation: Conversation, body, client_id, attachment
) -> tuple[str, str, CheckedAttachment | None]:
    """The rules a message meets before anything is stored, whichever way it came (the
    form, the socket, the script's upload): (body, client_id, checked attachment), or
    ChatError saying what is wrong. Only the attachment's own bytes are read here; what
    needs the database as it is now (suspension, rate limit) is checked in the store."""
    if not isinstance(body, str):
        raise ChatError(gettext("A message needs a text body."))
    if not isinstance(client_id, str) or len(client_id) > CLIENT_ID_MAX_LENGTH or not client_id.isprintable():
        raise ChatError(
            gettext("A client_id is printable text of at most %(n)s characters.") % {"n": CLIENT_ID_MAX_LENGTH}
        )
    if not conversation.has_participant(sender):
        raise ChatError(gettext("You are not part of this conversation."))
    body = body.replace("\r\n", "\n").strip()
    if not _storable(body):
        raise ChatError(gettext("This message contains characters that cannot be sent (such as NUL)."))
    if not body and attachment is None:
        raise ChatError(gettext("Write a message or attach a file."))
    if len(body) > max_length():
        n = max_length()
        raise ChatError(
            ngettext("Messages can be at most %(n)s character.", "Messages can be at most %(n)s characters.", n)
            % {"n": n}
        )
    checked = None
    if attachment is not None:
        try:
            checked = check_attachment(attachment)
        except AttachmentRejected as exc:
            raise ChatError(str(exc)) from exc
    return body, client_id, checked


def contact_screen(*texts: str) -> tuple[list[str], bool, list[str]]:
    """The contact-information blocker, for the chat's messages and the other apps' texts (the
    tutoring board, discussions): (texts to store, held for review, flags) by the staff's chat
    settings — contact details masked, or the text held (left as written) for review."""
    chat_settings = ChatSettings.get_solo()
    stored, flags = [], set()
    for text in texts:
        findings = find_contact_details(text, allowed_domains=chat_settings.allowed_link_domains)
        flags |= {f.kind for f in findings}
        masking = findings and chat_settings.contact_action == ContactAction.MASK
        stored.append(mask(text, findings) if masking else text)
    held = bool(flags) and chat_settings.contact_action == ContactAction.HOLD
    return stored, held, sorted(flags)


def _moderate(body: str) -> tuple[str, str, list[str]]:
    """(body to store, status, flags) according to the staff's settings."""
    (stored,), held, flags = contact_screen(body)
    return stored, MessageStatus.HELD if held else MessageStatus.VISIBLE, flags


def _rate_limited() -> RateLimited:
    limit, window = rate_limit()
    text = ngettext(
        "You are sending messages too fast (at most %(limit)s in %(window)s second). Wait a moment.",
        "You are sending messages too fast (at most %(limit)s in %(window)s seconds). Wait a moment.",
        window,
    )
    return RateLimited(text % {"limit": limit, "window": window})


def message_post(
    *,
    sender: User,
    conversation: Conversation,
    body,
    client_id="",
    attachment=None,
    send: Callable[..., None] = realtime.send,
) -> tuple[Message, bool]:
    """Store a message: the one way a message is stored, whichever way it came (the form,
    the socket, the script's upload). Returns (message, created).

    A `client_id` the sender used before returns the stored message (created False),
    even over the rate limit, and announces it again: a client resends what it was never
    acknowledged for, and the first announcement may have gone with the connection.
    Nothing is stored twice, and a page skips a message it shows already.

    Everyone hears of the message after commit (`_after_post`), through `send`: by
    default from this thread; a consumer passes a `realtime.Outbox` and publishes it
    from the event loop.
    """
    body, client_id, checked = _message_checked(
        sender=sender, conversation=conversation, body=body, client_id=client_id, attachment=attachment
    )
    limit, window = rate_limit()
    now = timezone.now()
    theirs = Message.objects.filter(sender=OuterRef("pk"))
    # What needs the database as it is now, in one query: the suspension (a socket's user
    # was loaded when it connected), this client_id stored already, and the rate limit (a
    # limit-th message of theirs within the window). Two tabs of one sender sending in the
    # same instant can each pass at the limit's edge; one tab's frames come one at a time.
    suspended, resent_id, at_limit = (
        User.objects.filter(pk=sender.pk)
        .values_list(
            "chat_suspended",
            Subquery(theirs.filter(client_id=client_id).exclude(client_id="").values("pk")[:1]),
            Exists(theirs.filter(created_at__gt=now - datetime.timedelta(seconds=window))[limit - 1 : limit]),
        )
        .get()
    )
    if suspended:
        raise _suspended()
    if resent_id is not None:
        return _resent(resent_id, send=send), False
    if at_limit:
        raise _rate_limited()
    stored_body, status, flags = _moderate(body)
    message = Message(
        conversation=conversation,
        sender=sender,
        body=stored_body,
        created_at=now,
        status=status,
        flags=flags,
        client_id=client_id,
    )
    if checked is not None:
        message.attachment.save(checked.content.name, checked.content, save=False)
        message.attachment_name, message.attachment_kind, message.attachment_size = (
            checked.name,
            checked.kind,
            checked.size,
        )
    try:
        with transaction.atomic():
            message.save()
            Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
            # The sender has read what came before their message (both read states exist
            # from `conversation_start`).
            ReadState.objects.filter(
                conversation=conversation, user=sender, last_read_message_id__lt=message.pk
            ).update(last_read_message_id=message.pk)
            transaction.on_commit(lambda: _after_post(message, resent=False, send=send), robust=True)
    except IntegrityError:  # the same client_id stored meanwhile, from another tab or process
        if not client_id:
            raise
        return _resent(Message.objects.get(sender=sender, client_id=client_id).pk, send=send), False
    return message, True


def _resent(message_id: int, *, send: Callable[..., None]) -> Message:
    """A message its sender sent again (same client_id): it goes out again after commit."""
    related = ("sender", "conversation__user_low", "conversation__user_high")
    message = Message.objects.select_related(*related).get(pk=message_id)
    transaction.on_commit(lambda: _after_post(message, resent=True, send=send), robust=True)
    return message


def _after_post(message: Message, *, resent: bool, send: Callable[..., None] = realtime.send) -> None:
    """What follows a stored message, after commit, whichever way it came.

    It goes to every open tab of the conversation, rendered for each participant who may
    see it (a held message, its sender only; `realtime.message_event`). A new visible
    message changes its recipient's unread total, and if they are away the worker notifies
    them: queued here, before the sender hears back, so a process that dies after the
    sender's ack loses nothing. A resend only goes out again.
    """
    events = [(realtime.conversation_group(message.conversation_id), realtime.message_event(message))]
    if resent or message.status != MessageStatus.VISIBLE:
        send(*events)
        return
    recipient_id = next(pk for pk in message.conversation.participant_ids if pk != message.sender_id)
    send(*events, _unread_event(recipient_id))
    if not realtime.is_online(recipient_id):
        async_task("chat.tasks.message_notify_away", message.pk, recipient_id, task_name=f"chat-away-{message.pk}")


def message_notify_away(*, message: Message, recipient_id: int) -> bool:
    """Tell a recipient who was away of a new message: once per conversation every
    NOTIFY_AWAY_EVERY seconds, not for every message (the worker's task). Returns whether
    it notified."""
    once = f"chat:notified:{recipient_id}:{message.conversation_id}"
    if not cache.add(once, 1, NOTIFY_AWAY_EVERY):
        return False
    try:
        notify(
            user=User.objects.get(pk=recipient_id),
            kind="chat",
            # Lazy: written in the recipient's language (lms.services.notify).
            title=format_lazy(gettext_lazy("New message from {name}"), name=message.sender.name),
            body=message.body[:200]
            if message.body
            else format_lazy(gettext_lazy("Sent you a file: {name}"), name=message.attachment_name),
            url=message.conversation.get_absolute_url(),
        )
    except Exception:
        cache.delete(once)  # the worker's retry notifies
        raise
    return True


def _unread_event(user_id: int) -> tuple[str, dict]:
    """The user's unread total, for their open pages (the navigation badge)."""
    count = selectors.unread_total(user_id=user_id)
    return realtime.chat_user_group(user_id), page_event({"type": "chat.unread", "count": count})


def conversation_mark_read(
    *, user: User, conversation: Conversation, message_id: int, send: Callable[..., None] = realtime.send
) -> int:
    """Move the user's read marker to the newest message up to `message_id`, never back;
    tell the other side ("Seen") and push the reader's unread total, through `send` (as
    for `message_post`). Returns the marker.

    One UPDATE moves it (atomic by itself: two receipts at once cannot move it back), so
    this needs no transaction of its own; a tab sends a receipt for about every message
    it receives, naming a message the page shows, so the UPDATE comes first and the
    newest message up to `message_id` is looked up only when it names none."""
    if not conversation.has_participant(user):
        raise ChatError(gettext("You are not part of this conversation."))
    mine = ReadState.objects.filter(conversation=conversation, user=user)
    named = Message.objects.filter(conversation=conversation, pk=message_id)
    if mine.filter(Exists(named), last_read_message_id__lt=message_id).update(last_read_message_id=message_id):
        newest = message_id
    else:
        newest = (
            Message.objects.filter(conversation=conversation, pk__lte=message_id)
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        )
        if newest is None:
            return 0
        if not mine.filter(last_read_message_id__lt=newest).update(last_read_message_id=newest):
            state, created = ReadState.objects.get_or_create(
                conversation=conversation, user=user, defaults={"last_read_message_id": newest}
            )
            if not created:  # at or past it already: nothing to tell
                return state.last_read_message_id
    read = realtime.conversation_group(conversation.pk), {"type": "chat.read", "user_id": user.pk, "message_id": newest}
    transaction.on_commit(lambda: send(read, _unread_event(user.pk)), robust=True)
    return newest


# --- Reports and moderation ------------------------------------------------------------


@transaction.atomic
def message_report(*, reporter: User, message: Message, reason: str = "") -> Report:
    if not message.conversation.has_participant(reporter):
        raise ChatError(gettext("You can only report messages in your own conversations."))
    if message.sender_id == reporter.pk:
        raise ChatError(gettext("You cannot report your own message."))
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
        if message.status == MessageStatus.VISIBLE:  # new to its recipient, as if just posted
            transaction.on_commit(lambda: _after_post(message, resent=False), robust=True)
        else:
            group = realtime.conversation_group(message.conversation_id)
            hidden = group, {"type": "chat.hidden", "message_id": message.pk}
            participants = message.conversation.participant_ids  # their unread badges count visible messages
            transaction.on_commit(
                lambda: realtime.send(hidden, *(_unread_event(user_id) for user_id in participants)), robust=True
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


def announcement_post(*, teacher: User, course, body: str, cohort=None) -> Announcement:
    """A teacher tells every actively enrolled student of their course (or of one `cohort`).

    Stored, then after commit delivered live — to the whole course with one send to the
    course's group (every enrolled student's open chat sockets joined it); to a cohort, to
    each of its students' pages — and the worker notifies each student (in-app and, by their
    preference, email) so a large course never slows the request.
    """
    body = (body or "").strip()
    if not body:
        raise ChatError(gettext("Write the announcement first."))
    if len(body) > max_length():
        n = max_length()
        raise ChatError(
            ngettext(
                "Announcements can be at most %(n)s character.", "Announcements can be at most %(n)s characters.", n
            )
            % {"n": n}
        )
    if not selectors.teaches(user=teacher, course=course):
        raise ChatError(gettext("Only the course's teachers can post announcements to it."))
    if teacher.chat_suspended:
        raise _suspended()
    if cohort is not None and cohort.course_id != course.pk:
        raise ChatError(gettext("That cohort belongs to another course."))
    with transaction.atomic():
        students = selectors.course_students(course=course, cohort=cohort)
        announcement = Announcement.objects.create(
            course_id=course.pk, teacher=teacher, body=body, cohort=cohort, recipient_count=students.count()
        )
        event = {
            "type": "chat.announcement",
            "announcement": {
                "id": announcement.pk,
                "course_id": course.pk,
                "course_title": f"{course.title} · {cohort.name}" if cohort else course.title,
                "teacher_name": teacher.name,
                "body": body,
                "created_at": announcement.created_at.isoformat(),
                "url": course.url or "/",
            },
        }
        if cohort is None:
            transaction.on_commit(lambda: realtime.send((realtime.course_group(course.pk), event)))
        else:
            # The course's group reaches students of every cohort: this goes to each student's pages.
            events = [(realtime.chat_user_group(pk), page_event(event)) for pk in students.values_list("pk", flat=True)]
            transaction.on_commit(lambda: realtime.send(*events))
        transaction.on_commit(
            lambda: async_task(
                "chat.tasks.announcement_notify", announcement.pk, task_name=f"chat-announcement-{announcement.pk}"
            )
        )
    return announcement


def announcement_notify(*, announcement: Announcement) -> int:
    """Notify every actively enrolled student (of the cohort) once (safe to run again after a failure)."""
    course = announcement.course.specific
    url = course.url or "/"
    # Lazy: each student's title is written in their language (lms.services.notify), so the
    # ones told already are found by what does not vary: the course's page and the body.
    where = f"{course.title} · {announcement.cohort.name}" if announcement.cohort_id else course.title
    title = format_lazy(gettext_lazy("Announcement in {course}"), course=where)
    already = set(
        Notification.objects.filter(
            kind="announcement", url=url, body=announcement.body, created_at__gte=announcement.created_at
        ).values_list("user_id", flat=True)
    )
    sent = 0
    for student in selectors.course_students(course=course, cohort=announcement.cohort).exclude(pk__in=already):
        with transaction.atomic():
            notify(
                user=student,
                kind="announcement",
                title=title,
                body=announcement.body,
                url=url,
                email_context={"course_title": course.title, "teacher_name": announcement.teacher.name},
            )
        sent += 1
    return sent
