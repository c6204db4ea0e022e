import pytest

from chat import realtime, selectors, services
from chat.models import Announcement, ChatSettings, ContactAction, Conversation, Message, MessageStatus, Report
from chat.moderation import MASK
from chat.tests.factories import pdf_upload, png_upload, post, start_conversation
from lms.models import AuditLogEntry, Notification, Role
from lms.tests.factories import make_user


@pytest.fixture
def conversation(staff_user, student):
    return start_conversation(staff_user, student)


def test_staff_may_write_to_anyone(staff_user, student, teacher):
    a = start_conversation(staff_user, student)
    b = start_conversation(teacher, staff_user)
    assert a.has_participant(staff_user) and a.has_participant(student)
    assert b.other(teacher) == staff_user


def test_one_conversation_per_pair(staff_user, student):
    assert start_conversation(staff_user, student) == start_conversation(student, staff_user)
    assert Conversation.objects.count() == 1


def test_strangers_cannot_start_a_conversation(student, teacher, other_teacher):
    with pytest.raises(services.ChatError, match="share a course"):
        start_conversation(student, teacher)
    with pytest.raises(services.ChatError):
        start_conversation(teacher, other_teacher)  # two teachers
    assert not selectors.can_message(user=student, other=student)


def test_message_is_stored_with_id_and_time(conversation, staff_user):
    message = post(staff_user, conversation, "  Hello there \r\n")
    assert message.pk and message.created_at
    assert message.body == "Hello there"
    conversation.refresh_from_db()
    assert conversation.last_message_at == message.created_at


def test_resending_the_same_client_id_does_not_duplicate(conversation, student):
    first, created = services.message_post(sender=student, conversation=conversation, body="Hi", client_id="abc-1")
    again, created_again = services.message_post(
        sender=student, conversation=conversation, body="Hi", client_id="abc-1"
    )
    assert created and not created_again and first == again
    assert Message.objects.count() == 1


def test_outsider_cannot_post(conversation, teacher):
    with pytest.raises(services.ChatError, match="not part"):
        post(teacher, conversation)


def test_empty_and_too_long_messages_are_refused(conversation, student, settings):
    settings.CHAT_MESSAGE_MAX_LENGTH = 10
    with pytest.raises(services.ChatError, match="Write a message"):
        post(student, conversation, "   ")
    with pytest.raises(services.ChatError, match="at most 10"):
        post(student, conversation, "x" * 11)


def test_suspended_user_cannot_post(conversation, student, staff_user):
    services.user_chat_suspend(actor=staff_user, user=student)
    student.refresh_from_db()
    with pytest.raises(services.ChatError, match="suspended"):
        post(student, conversation)
    entry = AuditLogEntry.objects.get(action="chat.user.suspend")
    assert entry.changes == {"chat_suspended": [False, True]}


def test_rate_limit(conversation, student, settings):
    settings.CHAT_RATE_LIMIT = (3, 10)
    for i in range(3):
        post(student, conversation, f"m{i}")
    with pytest.raises(services.RateLimited, match="too fast"):
        post(student, conversation, "one too many")
    assert Message.objects.count() == 3


def test_message_events_for_the_socket_path(conversation, student, staff_user, monkeypatch):
    """What the consumer sends after `message_post(announce=False)`: the message to the
    conversation and the recipient's unread total, even if notifying them fails."""
    message, created = services.message_post(sender=student, conversation=conversation, body="Hi", announce=False)

    def broken(*args, **kwargs):
        raise RuntimeError("notification store down")

    monkeypatch.setattr(services, "_notify_if_away", broken)
    events = services.message_events(message)
    assert created and [group for group, _ in events] == [
        realtime.conversation_group(conversation.pk),
        realtime.chat_user_group(staff_user.pk),
    ]
    assert events[0][1]["message"]["id"] == message.pk and events[1][1] == {"type": "chat.unread", "count": 1}


@pytest.mark.redis
def test_shared_cache_keeps_presence_in_redis():
    """Presence and the rate limit work on the process-wide cache client (django-redis keeps
    one client per server)."""
    user_id = 10**9 + 7
    realtime.presence_leave(user_id)
    assert realtime.presence_beat(user_id) and not realtime.presence_beat(user_id)
    assert realtime.is_online(user_id)
    realtime.presence_leave(user_id)
    assert not realtime.is_online(user_id)


async def test_event_loop_presence_and_page_versions_use_the_caches_own_keys():
    """The socket's heartbeat and page-version bump run on the loop's own Redis client
    (lms/aio.py; a thread without Redis): what they write, the sync side reads."""
    user_id, other_id = 10**9 + 21, 10**9 + 22
    realtime.presence_leave(user_id)
    realtime.presence_beat(other_id)
    assert await realtime.apresence_beat(user_id, other_id=other_id) == (True, True)  # came back; other online
    assert await realtime.apresence_beat(user_id, other_id=other_id) == (False, True)
    assert realtime.is_online(user_id) and await realtime.ais_online(user_id) == [True]
    realtime.presence_leave(other_id)
    assert await realtime.ais_online(other_id, user_id) == [False, True]


def test_a_messages_frame_leaves_no_reference_cycle():
    """The `ws` process rarely collects garbage (lms/gc_tuning.py), so building a message's
    frame must not leave a cycle behind per message (a FieldFile would: it points back at
    its message)."""
    import gc

    from lms.models import User

    gc.collect()
    gc.disable()
    try:
        message = Message(id=1, conversation_id=1, sender=User(id=1, display_name="Sam"), body="hi")
        assert realtime.message_payload(message)["attachment"] is None
        del message
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_rate_limit_is_a_sliding_window_over_stored_messages(conversation, student, settings):
    import datetime

    import time_machine

    settings.CHAT_RATE_LIMIT = (2, 10)
    start = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        post(student, conversation, "one")
        clock.shift(6)
        post(student, conversation, "two")
        clock.shift(3)  # 9 s after the first: both still count
        with pytest.raises(services.RateLimited):
            post(student, conversation, "three")
        clock.shift(2)  # 11 s after the first, 5 after the second: one slot is free
        post(student, conversation, "three")
        with pytest.raises(services.RateLimited):
            post(student, conversation, "four")
    assert list(Message.objects.values_list("body", flat=True)) == ["one", "two", "three"]


def test_a_resend_is_answered_even_over_the_rate_limit(conversation, student, settings):
    """The client resends what it was not acknowledged for; that is not a new message."""
    settings.CHAT_RATE_LIMIT = (1, 10)
    first, created = services.message_post(sender=student, conversation=conversation, body="hi", client_id="k1")
    again, created_again = services.message_post(sender=student, conversation=conversation, body="hi", client_id="k1")
    assert created and not created_again and again == first
    with pytest.raises(services.RateLimited):
        services.message_post(sender=student, conversation=conversation, body="new", client_id="k2")


def _listen(*groups):
    """A channel-layer channel in `groups`, and a reader of its next event."""
    from channels.layers import get_channel_layer

    async def listen():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        for group in groups:
            await layer.group_add(group, channel)

        async def next_event(timeout=2):
            import asyncio

            return await asyncio.wait_for(layer.receive(channel), timeout)

        return next_event

    return listen()


@pytest.mark.django_db(transaction=True)
async def test_socket_send_announces_the_message_then_the_recipients_unread_total(staff_user, student):
    from channels.db import database_sync_to_async

    from lms import aio

    conversation = await database_sync_to_async(start_conversation)(staff_user, student)
    next_in_conversation = await _listen(realtime.conversation_group(conversation.pk))
    next_for_student = await _listen(realtime.chat_user_group(student.pk))

    first, _ = await services.message_send(sender=staff_user, conversation=conversation, body="one", client_id="u1")
    assert (await next_in_conversation())["message"]["id"] == first.pk
    assert await next_for_student() == {"type": "chat.unread", "count": 1}
    await aio.drain()  # the sender's read marker is written, unannounced: sending is not reading
    second, _ = await services.message_send(sender=staff_user, conversation=conversation, body="two", client_id="u2")
    assert (await next_in_conversation())["message"]["id"] == second.pk  # no chat.read came before it
    assert (await next_for_student())["count"] == 2
    await database_sync_to_async(services.conversation_mark_read)(
        user=student, conversation=conversation, message_id=first.pk
    )
    assert (await next_for_student())["count"] == 1  # what reading pushes
    assert (await next_in_conversation())["type"] == "chat.read"
    await services.message_send(sender=staff_user, conversation=conversation, body="three", client_id="u3")
    await next_in_conversation()
    assert (
        (await next_for_student())["count"]
        == 2
        == await database_sync_to_async(selectors.unread_total)(user_id=student.pk)
    )
    # A resend of a stored client_id returns the stored message and is not announced again.
    again, created = await services.message_send(
        sender=staff_user, conversation=conversation, body="one", client_id="u1"
    )
    assert again.pk == first.pk and not created
    with pytest.raises(TimeoutError):
        await next_in_conversation(timeout=0.3)
    assert await database_sync_to_async(Message.objects.filter(client_id="u1").count)() == 1


@pytest.mark.django_db(transaction=True)
async def test_socket_send_notifies_an_away_recipient_once_per_conversation(staff_user, student, teacher):
    """Whoever has no chat open (no heartbeat) hears of a message by notification, once per
    conversation however many messages come; whoever is online does not."""
    from channels.db import database_sync_to_async

    from lms import aio

    away = await database_sync_to_async(start_conversation)(staff_user, student)
    online = await database_sync_to_async(start_conversation)(staff_user, teacher)
    await database_sync_to_async(realtime.presence_leave)(student.pk)
    await database_sync_to_async(realtime.presence_beat)(teacher.pk)
    for n in range(3):
        await services.message_send(sender=staff_user, conversation=away, body=f"away {n}", client_id=f"a{n}")
        await services.message_send(sender=staff_user, conversation=online, body=f"here {n}", client_id=f"h{n}")
        await aio.drain()
    notes = await database_sync_to_async(list)(Notification.objects.filter(kind="chat").values_list("user_id", "url"))
    assert notes == [(student.pk, away.get_absolute_url())]


@pytest.mark.django_db(transaction=True)
async def test_one_failed_away_notification_does_not_cost_the_others_theirs(staff_user, student, teacher, monkeypatch):
    """The away notifications of one batch go one by one: the first failing (logged) leaves
    the next recipient's to go."""
    from channels.db import database_sync_to_async

    from lms import aio

    conversations = [await database_sync_to_async(start_conversation)(staff_user, user) for user in (student, teacher)]
    for user in (student, teacher):
        await database_sync_to_async(realtime.presence_leave)(user.pk)
    notify, calls = services._notify_if_away, []

    def first_fails(message, user_id, **kwargs):
        calls.append(user_id)
        if len(calls) == 1:
            raise RuntimeError("notification store down")
        notify(message, user_id, **kwargs)

    monkeypatch.setattr(services, "_notify_if_away", first_fails)
    for n, conversation in enumerate(conversations):  # both in one batch of unread totals
        await services.message_send(sender=staff_user, conversation=conversation, body="hello", client_id=f"b{n}")
    await aio.drain()
    notified = await database_sync_to_async(list)(Notification.objects.filter(kind="chat").values_list("user_id"))
    assert sorted(calls) == sorted([student.pk, teacher.pk])
    assert notified == [(calls[1],)]


@pytest.mark.django_db(transaction=True)
async def test_socket_read_receipt_tells_the_other_side_and_renews_the_readers_unread_total(
    staff_user, student, teacher
):
    from channels.db import database_sync_to_async

    conversation = await database_sync_to_async(start_conversation)(staff_user, student)
    next_in_conversation = await _listen(realtime.conversation_group(conversation.pk))
    next_for_student = await _listen(realtime.chat_user_group(student.pk))
    sent = []
    for n in range(2):
        message, _ = await services.message_send(
            sender=staff_user, conversation=conversation, body=f"m{n}", client_id=f"r{n}"
        )
        sent.append(message)
        await next_in_conversation()
        assert (await next_for_student())["count"] == n + 1
    first, second = sent

    await services.aconversation_mark_read(user=student, conversation=conversation, message_id=first.pk)
    assert await next_in_conversation() == {"type": "chat.read", "user_id": student.pk, "message_id": first.pk}
    assert await next_for_student() == {"type": "chat.unread", "count": 1}
    # Never back, and a receipt that moves nothing tells nobody: the next events are the
    # next receipt's. An id past the newest message marks the newest one there is.
    await services.aconversation_mark_read(user=student, conversation=conversation, message_id=first.pk - 1)
    await services.aconversation_mark_read(user=student, conversation=conversation, message_id=first.pk)
    await services.aconversation_mark_read(user=student, conversation=conversation, message_id=second.pk + 1000)
    assert (await next_in_conversation())["message_id"] == second.pk
    assert await next_for_student() == {"type": "chat.unread", "count": 0}
    assert await database_sync_to_async(selectors.last_read_id)(user=student, conversation=conversation) == second.pk
    with pytest.raises(services.ChatError, match="not part"):
        await services.aconversation_mark_read(user=teacher, conversation=conversation, message_id=second.pk)


@pytest.mark.django_db(transaction=True)
async def test_socket_read_receipt_creates_a_missing_read_state(staff_user, student):
    from channels.db import database_sync_to_async

    from chat.models import ReadState
    from lms import aio

    conversation = await database_sync_to_async(start_conversation)(staff_user, student)
    message, _ = await services.message_send(sender=staff_user, conversation=conversation, body="hi", client_id="c1")
    await database_sync_to_async(ReadState.objects.filter(user=student).delete)()
    await services.aconversation_mark_read(user=student, conversation=conversation, message_id=message.pk)
    await aio.drain()  # the receipts are written a moment later
    assert await database_sync_to_async(selectors.last_read_id)(user=student, conversation=conversation) == message.pk


@pytest.mark.django_db(transaction=True)
async def test_socket_send_refuses_over_the_rate_limit_and_answers_a_resend(staff_user, student, settings):
    from channels.db import database_sync_to_async

    settings.CHAT_RATE_LIMIT = (2, 10)
    conversation = await database_sync_to_async(start_conversation)(staff_user, student)
    await services.message_send(sender=student, conversation=conversation, body="a", client_id="r1")
    second, _ = await services.message_send(sender=student, conversation=conversation, body="b", client_id="r2")
    with pytest.raises(services.RateLimited, match="at most 2 in 10 seconds"):
        await services.message_send(sender=student, conversation=conversation, body="c", client_id="r3")
    resent = await services.message_send(sender=student, conversation=conversation, body="b", client_id="r2")
    assert resent == (second, False)
    assert await database_sync_to_async(Message.objects.count)() == 2


@pytest.mark.postgres
def test_a_message_moves_its_conversation_without_rewriting_its_indexes(conversation, staff_user):
    """Every message moves the conversation's `last_message_at`: a HOT update, which
    writes no index entry, as long as no index covers that column."""
    from django.db import connection

    def updates() -> tuple[int, int]:
        # This backend's counts not yet reported (earlier tests' too): compare before and after.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = %s",
                [Conversation._meta.db_table],
            )
            return cursor.fetchone()

    before = updates()
    post(staff_user, conversation, "hello")
    post(staff_user, conversation, "again")
    after = updates()
    assert (after[0] - before[0], after[1] - before[1]) == (2, 2)  # two updates, both HOT


async def _store_statement_plans(conn) -> list[tuple[int, int]]:
    cursor = await conn.execute(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE 'WITH ok AS%%'"
    )
    return await cursor.fetchall()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_socket_store_statement_is_prepared_and_planned_before_the_first_message(staff_user, student):
    """Parsing and planning the store statement for every message had been half of its
    PostgreSQL backend's time per message, and the first messages after a start paid for
    planning it on each connection (10-30 ms in the bench): every connection of the pool
    has it prepared, and settled on a generic plan, before it serves a message."""
    from channels.db import database_sync_to_async

    from lms import aio

    conversation = await database_sync_to_async(start_conversation)(staff_user, student)
    pool = await aio.pg_pool()
    async with pool.connection() as conn:
        [(generic, custom)] = await _store_statement_plans(conn)  # one statement, prepared once
    assert generic > 0 and custom <= 5  # settled on a plan while the connection was warmed
    for n in range(8):
        await services.message_send(sender=student, conversation=conversation, body=f"m{n}", client_id=f"p{n}")
    async with pool.connection() as conn:  # the same connection: the pool is last in, first out
        assert await _store_statement_plans(conn) == [(generic + 8, custom)]  # none planned again
    assert await database_sync_to_async(Message.objects.count)() == 8  # warming stored nothing


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_socket_read_receipts_of_many_readers_are_written_together(staff_user, enrolled, teacher):
    """A read receipt follows about every message an open conversation receives: the
    receipts of a process's sockets (and its senders' own markers) are written with one
    statement a few times a second, which does not wait for the disk (only that
    statement: the next one on its connection, a message's store say, commits
    synchronously again); the unread totals they change are pushed together too."""
    from channels.db import database_sync_to_async

    from lms import aio

    async def markers_statement_runs() -> int:
        pool = await aio.pg_pool()
        async with pool.connection() as conn:  # the one the writes used: the pool is last in, first out
            cursor = await conn.execute(
                "SELECT generic_plans + custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE 'WITH relaxed AS%%'"
            )
            return (await cursor.fetchone())[0]

    student = enrolled
    pairs = [(staff_user, student), (teacher, student), (staff_user, teacher)]  # (sender, reader)
    next_for_student = await _listen(realtime.chat_user_group(student.pk))
    readers = []
    for n, (sender, reader) in enumerate(pairs):
        conversation = await database_sync_to_async(start_conversation)(sender, reader)
        message, _ = await services.message_send(
            sender=sender, conversation=conversation, body=f"m{n}", client_id=f"q{n}"
        )
        readers.append((reader, conversation, message))
    await aio.drain()  # the senders' markers are written, the totals pushed
    assert await next_for_student() == {"type": "chat.unread", "count": 2}  # both messages, one push
    for sender, conversation, message in [(s, c, m) for (s, _), (_, c, m) in zip(pairs, readers, strict=True)]:
        assert await database_sync_to_async(selectors.last_read_id)(user=sender, conversation=conversation) == (
            message.pk
        )
    runs = await markers_statement_runs()
    next_in = [await _listen(realtime.conversation_group(c.pk)) for _, c, _ in readers]
    for reader, conversation, message in readers:
        await services.aconversation_mark_read(user=reader, conversation=conversation, message_id=message.pk)
        await services.aconversation_mark_read(user=reader, conversation=conversation, message_id=message.pk - 1)
    for (reader, _, message), next_event in zip(readers, next_in, strict=True):
        assert await next_event() == {"type": "chat.read", "user_id": reader.pk, "message_id": message.pk}
    assert await next_for_student() == {"type": "chat.unread", "count": 0}  # once, after both its receipts
    with pytest.raises(TimeoutError):
        await next_for_student(timeout=0.3)
    await aio.drain()
    assert await markers_statement_runs() == runs + 1  # six receipts, one statement
    pool = await aio.pg_pool()
    async with pool.connection() as conn:
        cursor = await conn.execute("SHOW synchronous_commit")
        assert await cursor.fetchone() == ("on",)
    for reader, conversation, message in readers:
        last_read = await database_sync_to_async(selectors.last_read_id)(user=reader, conversation=conversation)
        assert last_read == message.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_socket_send_survives_a_dropped_database_connection(staff_user, student):
    """The socket's store runs on the loop's own pool with no health check (a round trip
    per message); if its connection died it runs again on another, storing the message once."""
    import psycopg
    from channels.db import database_sync_to_async

    from lms import aio

    conversation = await database_sync_to_async(start_conversation)(staff_user, student)
    await services.message_send(sender=student, conversation=conversation, body="before", client_id="d0")
    pool = await aio.pg_pool()
    async with pool.connection() as conn:
        pids = [conn.info.backend_pid]
    params = aio._connect_kwargs("default")
    conninfo = {key: params[key] for key in ("dbname", "user", "password", "host", "port") if params.get(key)}
    async with await psycopg.AsyncConnection.connect(**conninfo, autocommit=True) as other:
        for pid in pids:
            await other.execute("SELECT pg_terminate_backend(%s)", [pid])
    message, _ = await services.message_send(
        sender=student, conversation=conversation, body="still here", client_id="d1"
    )
    stored = await database_sync_to_async(list)(Message.objects.filter(client_id="d1"))
    assert [m.pk for m in stored] == [message.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_form_post_survives_a_dropped_database_connection(staff_user, student):
    """The form's store skips Django's per-call health check too, and retries the same way."""
    import psycopg
    from django.db import connection

    conversation = start_conversation(staff_user, student)
    ChatSettings.cached()  # read before: the store is the first query on the dead connection
    connection.ensure_connection()
    params = connection.get_connection_params()
    conninfo = {key: params[key] for key in ("dbname", "user", "password", "host", "port") if params.get(key)}
    with psycopg.connect(**conninfo, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    # No client_id: nothing is looked up first, so the store meets the dead connection.
    message, created = services.message_post(sender=student, conversation=conversation, body="still here")
    assert created and list(Message.objects.filter(body="still here")) == [message]


def test_contact_details_are_masked_by_default(conversation, student):
    message = post(student, conversation, "call 020 7946 0958 or mail me@x.org")
    assert message.status == MessageStatus.VISIBLE
    assert message.body == f"call {MASK} or mail {MASK}"
    assert message.flags == ["email", "phone"]


def test_held_for_review_then_approved(conversation, student, staff_user):
    ChatSettings.objects.update_or_create(pk=1, defaults={"contact_action": ContactAction.HOLD})
    message = post(student, conversation, "my site: www.elsewhere.com")
    assert message.status == MessageStatus.HELD and message.body == "my site: www.elsewhere.com"
    # The sender sees it (waiting for review); the other participant does not.
    assert message in selectors.visible_messages(user=student, conversation=conversation)
    assert message not in selectors.visible_messages(user=staff_user, conversation=conversation)
    assert selectors.unread_count(user=staff_user, conversation=conversation) == 0

    services.message_moderate(actor=staff_user, message=message, action="approve")
    message.refresh_from_db()
    assert message.status == MessageStatus.VISIBLE
    assert selectors.unread_count(user=staff_user, conversation=conversation) == 1
    assert AuditLogEntry.objects.filter(action="chat.message.approve").exists()


def test_hide_resolves_reports(conversation, student, staff_user):
    message = post(staff_user, conversation, "rude words")
    report = services.message_report(reporter=student, message=message, reason="rude")
    assert services.message_report(reporter=student, message=message) == report  # once per reporter
    services.message_moderate(actor=make_user(Role.STAFF), message=message, action="hide")
    report.refresh_from_db()
    assert report.resolution == "hide" and report.resolved_at
    assert message not in selectors.visible_messages(user=student, conversation=conversation)


def test_cannot_report_own_or_others_messages(conversation, student, staff_user, teacher):
    message = post(student, conversation)
    with pytest.raises(services.ChatError, match="own message"):
        services.message_report(reporter=student, message=message)
    with pytest.raises(services.ChatError, match="your own conversations"):
        services.message_report(reporter=teacher, message=message)
    assert not Report.objects.exists()


def test_read_state_and_unread_counts(conversation, student, staff_user):
    first = post(staff_user, conversation, "one")
    second = post(staff_user, conversation, "two")
    assert selectors.unread_total(user_id=student.pk) == 2
    assert selectors.unread_total(user_id=staff_user.pk) == 0
    services.conversation_mark_read(user=student, conversation=conversation, message_id=first.pk)
    assert selectors.unread_count(user=student, conversation=conversation) == 1
    # Never moves back.
    services.conversation_mark_read(user=student, conversation=conversation, message_id=second.pk)
    services.conversation_mark_read(user=student, conversation=conversation, message_id=first.pk)
    assert selectors.last_read_id(user=student, conversation=conversation) == second.pk
    rows = selectors.conversation_list(user=student)
    assert rows[0]["unread"] == 0 and rows[0]["last"] == second


def test_unread_total_spans_conversations_and_skips_own_held_and_read(conversation, student, staff_user):
    other_staff = make_user(Role.STAFF)
    second_conversation = start_conversation(other_staff, student)  # no read state moved yet
    post(student, conversation, "my own")  # (replying marks what came before as read)
    post(staff_user, conversation, "one")
    read = post(staff_user, conversation, "two")
    post(staff_user, conversation, "three")
    post(other_staff, second_conversation, "four")
    ChatSettings.objects.update_or_create(pk=1, defaults={"contact_action": ContactAction.HOLD})
    ChatSettings._cache = None  # as if CACHE_SECONDS had passed
    post(other_staff, second_conversation, "held: www.elsewhere.com")
    services.conversation_mark_read(user=student, conversation=conversation, message_id=read.pk)
    assert selectors.unread_total(user_id=student.pk) == 2  # "three" and "four"
    assert selectors.unread_total(user_id=staff_user.pk) == 0  # they replied after it
    assert selectors.unread_total(user_id=other_staff.pk) == 0  # only their own messages


async def test_stale_chat_settings_are_served_while_one_task_reads_them_again(monkeypatch):
    """No message waits for the settings once they were read, and a stale copy is read
    again once, however many messages meet it."""
    import asyncio
    import time

    from lms import aio

    reads = []

    def load(cls):
        reads.append(1)
        return ChatSettings(pk=1, contact_action=ContactAction.HOLD)

    monkeypatch.setattr(ChatSettings, "load", classmethod(load))
    old = ChatSettings(pk=1, contact_action=ContactAction.MASK)
    ChatSettings._cache = (time.monotonic() - ChatSettings.CACHE_SECONDS - 1, old)
    served = await asyncio.gather(*(ChatSettings.acached() for _ in range(5)))
    assert all(settings is old for settings in served)
    await aio.aclose()  # the reading task finishes
    assert len(reads) == 1
    assert (await ChatSettings.acached()).contact_action == ContactAction.HOLD


def test_attachments_are_stored(conversation, student):
    image = post(student, conversation, "", attachment=png_upload())
    pdf = post(student, conversation, "the notes", attachment=pdf_upload())
    assert (image.attachment_kind, pdf.attachment_kind) == ("image", "pdf")
    assert image.attachment.storage.exists(image.attachment.name)


def test_bad_attachment_is_refused(conversation, student):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(services.ChatError, match="Only images"):
        post(student, conversation, "", attachment=SimpleUploadedFile("x.png", b"<svg onload=alert(1)>"))
    assert not Message.objects.exists()


def test_away_recipient_is_notified_once(conversation, student, staff_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(staff_user, conversation, "first")
        post(staff_user, conversation, "second")
    notes = Notification.objects.filter(user=student, kind="chat")
    assert notes.count() == 1
    assert notes.get().url == conversation.get_absolute_url()


def test_online_recipient_is_not_notified(conversation, student, staff_user, django_capture_on_commit_callbacks):
    realtime.presence_beat(student.pk)
    with django_capture_on_commit_callbacks(execute=True):
        post(staff_user, conversation, "first")
    assert not Notification.objects.filter(user=student, kind="chat").exists()


def test_enrolled_student_and_course_teacher_may_talk(enrolled, teacher, other_teacher):
    conversation = start_conversation(enrolled, teacher)
    assert conversation.has_participant(teacher)
    assert start_conversation(teacher, enrolled) == conversation
    with pytest.raises(services.ChatError):
        start_conversation(enrolled, other_teacher)  # does not teach the course


def test_ended_enrollment_does_not_open_a_conversation(enrolled, course, teacher):
    from courses.models import Enrollment
    from courses.services import enrollment_end

    enrollment_end(enrollment=Enrollment.objects.get(student=enrolled), reason="Refunded")
    assert not selectors.can_message(user=enrolled, other=teacher)


def test_announcement_reaches_every_active_student(
    course, enrolled, teacher, other_teacher, django_capture_on_commit_callbacks
):
    from courses.services import enrollment_create

    second = make_user(Role.STUDENT)
    enrollment_create(student=second, course=course, source="staff")
    bystander = make_user(Role.STUDENT)
    with django_capture_on_commit_callbacks(execute=True):
        announcement = services.announcement_post(teacher=teacher, course=course, body="Exam on Friday")
    assert announcement.recipient_count == 2
    notes = Notification.objects.filter(kind="announcement")
    assert set(notes.values_list("user_id", flat=True)) == {enrolled.pk, second.pk}
    assert not notes.filter(user=bystander).exists()
    assert notes.first().body == "Exam on Friday"
    assert Announcement.objects.get().course_id == course.pk
    # The worker may run the task again (a retry): nobody is told twice.
    assert services.announcement_notify(announcement=announcement) == 0
    assert notes.count() == 2
    with pytest.raises(services.ChatError, match="Only the course's teachers"):
        services.announcement_post(teacher=other_teacher, course=course, body="Hi")
    with pytest.raises(services.ChatError, match="Write"):
        services.announcement_post(teacher=teacher, course=course, body=" ")


def test_demo_data_is_idempotent(enrolled, teacher):
    import io

    from chat import demo

    enrolled.email, teacher.email = "student@lyceum.test", "teacher@lyceum.test"
    enrolled.save()
    teacher.save()
    demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    conversation = selectors.conversation_between(user=enrolled, other=teacher)
    assert conversation.messages.count() == len(demo.CONVERSATION)
    assert Announcement.objects.count() == 1
