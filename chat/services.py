"""Writes of the chat: starting conversations, posting and reading messages, reports,
moderation, suspensions and course announcements.

Each write is stored first and announced after commit, so nobody hears about a message
that was rolled back, and a reconnecting client can always fetch what it missed.
"""

import asyncio
import datetime
import functools
import json
import logging

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
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
from lms import aio
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


def _moderate(body: str, chat_settings: ChatSettings | None = None) -> tuple[str, str, list[str]]:
    """(body to store, status, flags) according to the staff's settings."""
    chat_settings = chat_settings or ChatSettings.cached()
    findings = find_contact_details(body, allowed_domains=chat_settings.allowed_link_domains)
    if not findings or chat_settings.contact_action == ContactAction.ALLOW:
        return body, MessageStatus.VISIBLE, sorted({f.kind for f in findings})
    flags = sorted({f.kind for f in findings})
    if chat_settings.contact_action == ContactAction.HOLD:
        return body, MessageStatus.HELD, flags
    return mask(body, findings), MessageStatus.VISIBLE, flags


def _checked_body(*, sender: User, conversation: Conversation, body: str, attachment=None) -> tuple[str, object]:
    """Refuse what may not be posted (membership, suspension, length, file); return the
    normalised body and the checked attachment. No I/O but the attachment's own."""
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
    return body, checked


# --- Rate limit: counted in the database, over the sender's stored messages ------------------


def rate_limit() -> tuple[int, int]:
    """(messages, seconds): at most that many messages per sender in any such window."""
    return getattr(settings, "CHAT_RATE_LIMIT", (20, 10))


def _window_start(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=rate_limit()[1])


def _over_rate_limit(*, sender: User, now: datetime.datetime) -> bool:
    """The ORM path's check (the socket's is part of the store statement): the sender's
    messages in the last window, on the (sender, created_at) index."""
    limit, _ = rate_limit()
    return Message.objects.filter(sender=sender, created_at__gt=_window_start(now))[:limit].count() >= limit


def _rate_limited() -> RateLimited:
    limit, window = rate_limit()
    return RateLimited(f"You are sending messages too fast (at most {limit} in {window} seconds). Wait a moment.")


def _stored_by_client_id(*, sender: User, client_id: str) -> Message | None:
    """The sender's message stored under `client_id` (a resend), ready to announce or ack."""
    return Message.objects.filter(sender=sender, client_id=client_id).select_related("sender", "conversation").first()


def _recipient_id(conversation: Conversation, sender_id: int) -> int:
    return next(pk for pk in conversation.participant_ids if pk != sender_id)


# --- Posting -------------------------------------------------------------------------------


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
    text_in_one_statement = attachment is None and connection.vendor == "postgresql"
    if client_id and not text_in_one_statement and conversation.has_participant(sender):
        # A resend is answered with what was stored, even over the rate limit, and a file
        # is not stored twice (the one statement finds a text resend itself).
        existing = _stored_by_client_id(sender=sender, client_id=client_id)
        if existing is not None:
            return existing, False
    body, checked = _checked_body(sender=sender, conversation=conversation, body=body, attachment=attachment)
    stored_body, status, flags = _moderate(body)
    if text_in_one_statement:
        message, created = _store_text_pg(
            sender=sender, conversation=conversation, body=stored_body, status=status, flags=flags, client_id=client_id
        )
        if created:
            _sender_has_read(conversation=conversation, sender=sender, message_id=message.pk)
            if announce:
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
            if _over_rate_limit(sender=sender, now=message.created_at):
                raise _rate_limited()
            if checked is not None:
                message.attachment.save(checked.content.name, checked.content, save=False)
                message.attachment_name = checked.name
                message.attachment_kind = checked.kind
                message.attachment_size = checked.size
            message.save()
            Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
            _sender_has_read(conversation=conversation, sender=sender, message_id=message.pk)
            if announce:
                transaction.on_commit(lambda: _announce_message(message))
    except IntegrityError:  # the same client_id raced in from another tab or process
        existing = _stored_by_client_id(sender=sender, client_id=client_id) if client_id else None
        if existing is not None:
            return existing, False
        raise
    return message, True


async def awarm_up() -> None:
    """Open what the socket's message path uses (this loop's connection pool, each of its
    connections warmed by `aprepare_connection`, the moderation settings and the loop's
    Redis connection) when a conversation's socket connects, so that the first messages
    after a start do not wait for them (20-70 ms in the bench, before)."""
    if aio.postgres():
        await aio.pg_pool()
        await ChatSettings.acached()
        redis = aio.redis_client()
        if redis is not None:
            await redis.ping()


# PostgreSQL plans a prepared statement afresh for each of its first five runs, then
# settles on a generic plan if it is no dearer (plancache.c): six runs settle it.
_RUNS_TO_SETTLE_A_PLAN = 6


async def aprepare_connection(conn) -> None:
    """Prepare the socket's statements on a new connection of the loop's pool (registered
    with `aio.warm_each_connection`), with parameters that change nothing: conversation 0,
    no markers, no users. The first messages after a start had paid for parsing and
    planning the store statement and for loading its tables' catalog entries into a fresh
    backend (the first four of every bench run took 10-30 ms)."""
    nobody = {
        "sender": 0,
        "conversation": 0,
        "body": "",
        "now": timezone.now(),
        "status": MessageStatus.VISIBLE.value,
        "flags": "[]",
        "client_id": "",
        "limit": rate_limit()[0],
        "window_start": timezone.now(),
    }
    statements = [
        (_store_text_sql(), nobody),
        (_read_markers_sql(), {"conversations": [], "users": [], "message_ids": []}),
        (_unread_totals_sql(), {"users": [], "visible": MessageStatus.VISIBLE.value}),
    ]
    for _ in range(_RUNS_TO_SETTLE_A_PLAN):
        for sql, params in statements:
            await conn.execute(sql, params, prepare=True)


async def message_send(
    *, sender: User, conversation: Conversation, body: str, client_id: str = ""
) -> tuple[Message, bool]:
    """The socket's path: store a text message, then announce it to every open tab of both
    participants. Returns (message, created): a resend of a stored `client_id` returns the
    stored message and announces nothing (it was announced then).

    On PostgreSQL this runs on the event loop (lms/aio.py says why), and what stands
    between the frame and its delivery is one SQL statement: it checks membership,
    suspension and the rate limit as stored, stores the message and moves the
    conversation's `last_message_at`. What else the message changes is written or pushed
    in batches a moment later, off its path: the sender's read marker (with the read
    receipts), the recipient's unread total, cached pages and, if they are away, a
    notification. Elsewhere the ORM path runs in a thread. Either way the row is
    committed before anyone hears of it.
    """
    if not aio.postgres():
        message, events = await _in_thread(_message_send_orm)(
            sender=sender, conversation=conversation, body=body, client_id=client_id
        )
        await _publish(events)
        return message, bool(events)
    body, _ = _checked_body(sender=sender, conversation=conversation, body=body)
    stored_body, status, flags = _moderate(body, await ChatSettings.acached())
    params = _store_params(
        sender=sender, conversation=conversation, body=stored_body, status=status, flags=flags, client_id=client_id
    )
    (message_id, allowed, over_limit), retried = await _store_text_pg_async(params)
    if message_id is not None:
        message = _new_message(sender=sender, conversation=conversation, params=params, message_id=message_id)
    else:  # refused, limited, or a resend: the database says which (rare: worth a thread hop)
        message, created = await _in_thread(_refused_or_resent)(
            sender=sender, params=params, allowed=allowed, over_limit=over_limit, retried=retried
        )
        if not created:
            return message, False
    await _publish(_message_announcements(message))  # the message itself, before anything else
    # The sender has read what came before their message: their marker moves with the next
    # batch of read receipts, unannounced (sending is not reading the other's new messages).
    _mark_read_soon(conversation_id=conversation.pk, user_id=sender.pk, message_id=message.pk, announce=False)
    if message.status == MessageStatus.VISIBLE:
        _unread_changed_soon(_recipient_id(conversation, sender.pk), message=message)
    return message, True


def _in_thread(func):
    # thread_sensitive=False: each pool thread has its own connection, so sockets do not
    # queue behind one another's queries (closed or reused as CONN_MAX_AGE says).
    return database_sync_to_async(func, thread_sensitive=False)


def _message_send_orm(*, sender: User, conversation: Conversation, body: str, client_id: str):
    message, created = message_post(
        sender=sender, conversation=conversation, body=body, client_id=client_id, announce=False
    )
    return message, message_events(message) if created else []


async def _publish(events: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    for group, event in events:
        await layer.group_send(group, event)


def _store_params(
    *, sender: User, conversation: Conversation, body: str, status: str, flags: list[str], client_id: str
) -> dict:
    now = timezone.now()
    return {
        "sender": sender.pk,
        "conversation": conversation.pk,
        "body": body,
        "now": now,
        "status": status,
        "flags": json.dumps(flags),
        "client_id": (client_id or "")[:64],
        "limit": rate_limit()[0],
        "window_start": _window_start(now),
    }


def _store_text_pg(
    *, sender: User, conversation: Conversation, body: str, status: str, flags: list[str], client_id: str
) -> tuple[Message, bool]:
    """Store a text message with `_store_text_sql`'s one statement, from sync code (the
    form; the socket uses `_store_text_pg_async`). Returns (message, created).

    With CONN_HEALTH_CHECKS Django would ping the connection (SELECT 1) before the first
    query of every call; here the statement goes without it and, if the connection turns
    out to be dead, is run once more on a new one (the `client_id` makes that safe: a
    message stored by the failed attempt is found, not stored again).
    """
    params = _store_params(
        sender=sender, conversation=conversation, body=body, status=status, flags=flags, client_id=client_id
    )
    sql = _store_text_sql()
    autocommit = transaction.get_autocommit()
    if autocommit:
        connection.health_check_done = True  # no ping: a failure is retried below
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            message_id, allowed, over_limit = cursor.fetchone()
        retried = False
    except (OperationalError, InterfaceError):
        if not autocommit:
            raise
        logger.warning("Storing a message failed on a stale connection; retrying on a new one", exc_info=True)
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            message_id, allowed, over_limit = cursor.fetchone()
        retried = True
    if message_id is not None:
        return _new_message(sender=sender, conversation=conversation, params=params, message_id=message_id), True
    return _refused_or_resent(sender=sender, params=params, allowed=allowed, over_limit=over_limit, retried=retried)


async def _store_text_pg_async(params: dict) -> tuple[tuple, bool]:
    """Run `_store_text_sql` on the loop's own connection pool (see `_afetchall`).
    Returns (the statement's row, whether it was retried)."""
    rows, retried = await _afetchall(_store_text_sql(), params)
    return rows[0], retried


async def _afetchall(sql: str, params: dict) -> tuple[list[tuple], bool]:
    """One statement on the loop's own connection pool, in autocommit: it is its own
    transaction, committed when it returns. Prepared once per connection (planning the
    store statement cost more than running it). If the connection died, the pool drops
    it and the statement runs once more on another, so it must be safe to repeat (the
    store's `client_id` makes it so). Returns (the rows, whether it was retried)."""
    import psycopg

    pool = await aio.pg_pool()
    try:
        async with pool.connection() as conn:
            return await (await conn.execute(sql, params, prepare=True)).fetchall(), False
    except psycopg.OperationalError:
        logger.warning("A statement failed on a stale connection; retrying on a new one", exc_info=True)
        await pool.check()  # every idle connection that died with it goes too
        async with pool.connection() as conn:
            return await (await conn.execute(sql, params, prepare=True)).fetchall(), True


def _new_message(*, sender: User, conversation: Conversation, params: dict, message_id: int) -> Message:
    """The message the store statement inserted."""
    message = Message(
        id=message_id,
        conversation=conversation,
        sender=sender,
        body=params["body"],
        created_at=params["now"],
        status=params["status"],
        flags=json.loads(params["flags"]),
        client_id=params["client_id"],
    )
    message._state.adding = False
    message._state.db = connection.alias
    return message


def _refused_or_resent(
    *, sender: User, params: dict, allowed: bool, over_limit: bool, retried: bool
) -> tuple[Message, bool]:
    """The store statement inserted nothing. If it refused the sender (as stored now):
    ChatError. If this `client_id` is stored already, that message, with created=True
    only if our own failed attempt stored it (nobody heard of it yet) — a resend is
    answered even over the rate limit. Otherwise the rate limit stopped it."""
    if not allowed:
        sender.refresh_from_db(fields=["chat_suspended"])
        raise ChatError(SUSPENDED if sender.chat_suspended else "You are not part of this conversation.")
    existing = _stored_by_client_id(sender=sender, client_id=params["client_id"]) if params["client_id"] else None
    if existing is not None:
        return existing, retried
    if over_limit:
        raise _rate_limited()
    raise ChatError("The message could not be stored. Try again.")


@functools.cache
def _store_text_sql() -> str:
    """One statement, so one round trip and (outside a transaction) its own transaction:
    insert the message unless the sender is not a participant or is suspended (as stored
    now, so a suspension reaches sockets opened before it), has sent `limit` messages
    since `window_start`, or has stored this `client_id` already; move the conversation's
    `last_message_at`.

    Returns one row: (new message id or NULL, sender allowed, over the rate limit).

    Nothing else is in it: it is all that stands between a frame and its delivery. The
    sender's read marker and the recipient's unread total follow in batches
    (`_mark_read_soon`, `_unread_changed_soon`); with both inside, the statement's
    execution had a p90 of 1.9 ms in the chat bench, against 0.2 ms for the insert alone.

    The rate limit counts the sender's stored messages on the (sender, created_at) index:
    every process sees the same count. Two sockets of one sender sending in the same
    instant can each pass at the limit's edge (one statement's snapshot does not see the
    other's row); one socket's frames are handled one at a time, so never exceed it.
    """
    quote = connection.ops.quote_name
    conversation, message, user = (quote(model._meta.db_table) for model in (Conversation, Message, User))
    # Only the models' own quoted table names are interpolated; values go as parameters.
    return (
        f"WITH ok AS (SELECT c.id FROM {conversation} c JOIN {user} u ON u.id = %(sender)s"  # noqa: S608
        " WHERE c.id = %(conversation)s AND %(sender)s IN (c.user_low_id, c.user_high_id)"
        " AND NOT u.chat_suspended),"
        f" recent AS (SELECT COUNT(*) AS n FROM (SELECT 1 FROM {message} WHERE sender_id = %(sender)s"
        " AND created_at > %(window_start)s LIMIT %(limit)s) r),"
        f" msg AS (INSERT INTO {message} (conversation_id, sender_id, body, created_at, status, flags, client_id,"
        " attachment, attachment_name, attachment_kind, attachment_size)"
        " SELECT ok.id, %(sender)s, %(body)s, %(now)s, %(status)s, %(flags)s::jsonb, %(client_id)s, '', '', '', 0"
        " FROM ok, recent WHERE recent.n < %(limit)s"
        " ON CONFLICT (sender_id, client_id) WHERE client_id <> '' DO NOTHING RETURNING id),"
        f" conv AS (UPDATE {conversation} SET last_message_at = %(now)s FROM msg"
        f" WHERE {conversation}.id = %(conversation)s)"
        " SELECT (SELECT id FROM msg), EXISTS (SELECT 1 FROM ok), (SELECT n FROM recent) >= %(limit)s"
    )


def _message_announcements(message: Message) -> list[tuple[str, dict]]:
    """The message's (group, event): to the conversation, whose every open tab receives
    it; a held message only to its sender's, marked as waiting for review."""
    # The sender's client_id lets the tab that sent it skip this copy (its ack had it).
    event = {"type": "chat.message", "message": realtime.message_payload(message), "client_id": message.client_id}
    if message.status != MessageStatus.VISIBLE:
        event["only_user"] = message.sender_id
    return [(realtime.conversation_group(message.conversation_id), event)]


def message_events(message: Message) -> list[tuple[str, dict]]:
    """The (group, event) pairs that announce a stored message, from sync code after
    commit: the message, and for a visible one the recipient's new unread total (whose
    cached pages are renewed, and who is notified if away)."""
    events = _message_announcements(message)
    if message.status != MessageStatus.VISIBLE:
        return events
    recipient_id = _recipient_id(message.conversation, message.sender_id)
    events.append(_unread_event(recipient_id, selectors.unread_total(user_id=recipient_id)))
    _notify_those_away([(message, recipient_id)])
    return events


def _announce_message(message: Message) -> None:
    for group, event in message_events(message):
        realtime.send(group, event)


def _read_event(conversation_id: int, user_id: int, message_id: int) -> tuple[str, dict]:
    event = {"type": "chat.read", "user_id": user_id, "message_id": message_id}
    return realtime.conversation_group(conversation_id), event


def _unread_event(user_id: int, count: int) -> tuple[str, dict]:
    return realtime.chat_user_group(user_id), {"type": "chat.unread", "count": count}


def _push_unread(user_id: int) -> None:
    realtime.send(*_unread_event(user_id, selectors.unread_total(user_id=user_id)))


def _notify_if_away(message: Message, recipient_id: int, *, online: bool | None = None) -> None:
    """One notification per conversation while the recipient is away (not for every message)."""
    if online if online is not None else realtime.is_online(recipient_id):
        return
    if not realtime.shared_cache().add(f"chat:notified:{recipient_id}:{message.conversation_id}", 1, 15 * 60):
        return
    notify(
        user=User.objects.get(pk=recipient_id),
        kind="chat",
        title=f"New message from {message.sender.name}",
        body=message.body[:200] if message.body else f"Sent you {message.attachment_name}",
        url=message.conversation.get_absolute_url(),
    )


def _notify_those_away(messages: list[tuple[Message, int]], *, online: bool | None = None) -> None:
    """`_notify_if_away` for each (message, recipient id). A failure is logged, never passed
    on, and does not cost the others theirs: the message is stored and goes out regardless,
    and the page shows it."""
    for message, recipient_id in messages:
        try:
            _notify_if_away(message, recipient_id, online=online)
        except Exception:
            logger.exception("Could not notify user %s of message %s", recipient_id, message.pk)


def _sender_has_read(*, conversation: Conversation, sender: User, message_id: int) -> None:
    """The sender has read their own message and what came before it (both read states
    exist from `conversation_start`)."""
    ReadState.objects.filter(conversation=conversation, user=sender, last_read_message_id__lt=message_id).update(
        last_read_message_id=message_id
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
            realtime.send(*_read_event(conversation.pk, user.pk, newest.pk)),
            _push_unread(user.pk),
        )
    )
    return newest.pk


async def aconversation_mark_read(*, user: User, conversation: Conversation, message_id: int) -> None:
    """`conversation_mark_read` from the socket. A tab showing a conversation sends a read
    receipt for about every message it receives (chat.js, at most one a second), so this
    path is as busy as sending; on PostgreSQL the receipts of a loop's sockets are
    written together, a few times a second (`_mark_read_soon`). Each one needed a commit
    of its own before: the bench's p99 with receipts on was 50 ms in threads and 20-30 ms
    with one statement each on the loop, against 10-12 ms without receipts."""
    if not aio.postgres():
        await _in_thread(conversation_mark_read)(user=user, conversation=conversation, message_id=message_id)
        return
    if not conversation.has_participant(user):
        raise ChatError("You are not part of this conversation.")
    _mark_read_soon(conversation_id=conversation.pk, user_id=user.pk, message_id=message_id, announce=True)


# --- Batched after a message: read markers, unread totals ------------------------------------
# A message moves its sender's read marker and changes its recipient's unread total, and
# nearly every message is answered by a read receipt a second later: each `ws` process
# gathers these for a moment and writes or pushes them together, off the messages' path
# (PostgreSQL, from the event loop; the ORM path does each at once).

READ_MARKERS_WRITTEN_EVERY = 0.25  # seconds: "Seen" shows this much later, at most
UNREAD_TOTALS_PUSHED_EVERY = 0.1  # seconds: a badge changes this much later, at most


def _mark_read_soon(*, conversation_id: int, user_id: int, message_id: int, announce: bool) -> None:
    """Move the user's read marker to `message_id` (never back) with the next batch; if
    `announce`, tell the conversation ("Seen") and push the reader's unread total then."""
    # This loop's markers not yet written: (conversation id, user id) → (newest id, announce).
    pending: dict[tuple[int, int], tuple[int, bool]] = aio.loop_local("chat.read_markers", dict)
    if not pending:
        aio.spawn(_write_read_markers(pending))
    key = (conversation_id, user_id)
    newest, announced = pending.get(key, (0, False))
    pending[key] = (max(newest, message_id), announced or announce)


async def _write_read_markers(pending: dict[tuple[int, int], tuple[int, bool]]) -> None:
    """Write the markers that came in meanwhile in one statement, then tell each
    conversation of the announced ones and have their readers' unread totals pushed. A
    marker lost to a crash only leaves a message unread: the next receipt, or opening
    the page, moves it again."""
    await asyncio.sleep(READ_MARKERS_WRITTEN_EVERY)
    batch = dict(pending)
    pending.clear()  # markers from here on start the next batch
    try:
        params = {
            "conversations": [conversation_id for conversation_id, _ in batch],
            "users": [user_id for _, user_id in batch],
            "message_ids": [message_id for message_id, _ in batch.values()],
        }
        moved, _ = await _afetchall(_read_markers_sql(), params)
        announced = [(c, u, marker) for c, u, marker in moved if batch[(c, u)][1]]
        await _publish([_read_event(*row) for row in announced])
        for user_id in sorted({user_id for _, user_id, _ in announced}):
            _unread_changed_soon(user_id)
    except Exception:
        logger.exception("Could not write %s read markers", len(batch))


def _unread_changed_soon(user_id: int, *, message: Message | None = None) -> None:
    """Push the user's unread total and renew their cached pages with the next batch;
    for a new `message` to them, notify them then if they are away."""
    # This loop's users whose totals changed: user id → {conversation id: newest message to them}.
    pending: dict[int, dict[int, Message]] = aio.loop_local("chat.unread_totals", dict)
    if not pending:
        aio.spawn(_push_unread_totals(pending))
    messages = pending.setdefault(user_id, {})
    if message is not None:
        messages[message.conversation_id] = message


async def _push_unread_totals(pending: dict[int, dict[int, Message]]) -> None:
    """Count the totals of the users gathered meanwhile in one statement (after the
    commits that changed them), renew their cached pages and read who is online in one
    Redis round trip, push each total, and notify those away of their new messages. A
    failure here is logged, never passed on: the messages are stored and delivered."""
    await asyncio.sleep(UNREAD_TOTALS_PUSHED_EVERY)
    batch = dict(pending)
    pending.clear()  # changes from here on start the next batch
    users = sorted(batch)
    try:
        totals, _ = await _afetchall(_unread_totals_sql(), {"users": users, "visible": MessageStatus.VISIBLE.value})
        await _publish([_unread_event(user_id, total) for user_id, total in totals])
        recipients = [user_id for user_id in users if batch[user_id]]
        online = await realtime.ais_online(*recipients)
    except Exception:
        logger.exception("Could not push the unread totals of %s users", len(users))
        return
    away = [user_id for user_id, here in zip(recipients, online, strict=True) if not here]
    if away:  # one thread hop for the whole batch
        messages = [(message, user_id) for user_id in away for message in batch[user_id].values()]
        await _in_thread(_notify_those_away)(messages, online=False)


@functools.cache
def _read_markers_sql() -> str:
    """One statement for a batch of read markers (arrays `conversations`, `users`,
    `message_ids`): move each user's marker to the newest message of the conversation up
    to the id given, never back (a read state missing is created). Returns the markers
    that moved: (conversation id, user id, marker).

    Committed asynchronously (`synchronous_commit` off for this transaction only): it does
    not wait for its WAL to reach the disk, so the messages' own commits do not queue
    behind it. A crash can lose a marker's move, never a message."""
    quote = connection.ops.quote_name
    message, read_state = (quote(model._meta.db_table) for model in (Message, ReadState))
    # Only the models' own quoted table names are interpolated; values go as parameters.
    return (
        # set_config(..., true) is SET LOCAL: this statement is its transaction in autocommit.
        "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),"  # noqa: S608
        " receipt AS (SELECT r.conversation_id, r.user_id,"
        f" (SELECT MAX(m.id) FROM {message} m WHERE m.conversation_id = r.conversation_id"
        " AND m.id <= r.message_id) AS newest"
        " FROM unnest(%(conversations)s::bigint[], %(users)s::bigint[], %(message_ids)s::bigint[])"
        " AS r(conversation_id, user_id, message_id))"
        f" INSERT INTO {read_state} (conversation_id, user_id, last_read_message_id)"
        " SELECT conversation_id, user_id, newest FROM receipt, relaxed WHERE newest IS NOT NULL"
        " ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_read_message_id = EXCLUDED.last_read_message_id"
        f" WHERE {read_state}.last_read_message_id < EXCLUDED.last_read_message_id"
        " RETURNING conversation_id, user_id, last_read_message_id"
    )


@functools.cache
def _unread_totals_sql() -> str:
    """The unread totals of the users in the array `users`: (user id, total)."""
    return (
        f"SELECT u.id, ({selectors.unread_total_sql(recipient='u.id')})"  # noqa: S608
        " FROM unnest(%(users)s::bigint[]) AS u(id)"
    )


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
