import pytest

from chat import realtime, selectors, services
from chat.models import Announcement, ChatSettings, ContactAction, Conversation, Message, MessageStatus, Report
from chat.moderation import MASK
from chat.tests.factories import pdf_upload, png_upload, post, start_conversation
from lms.infra.realtime import page_event
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


def _unread(count: int) -> dict:
    return page_event({"type": "chat.unread", "count": count})


@pytest.mark.django_db(transaction=True)
async def test_a_stored_message_is_announced_then_the_recipients_unread_total_pushed(staff_user, student):
    from channels.db import database_sync_to_async

    conversation = await database_sync_to_async(start_conversation)(staff_user, student)
    next_in_conversation = await _listen(realtime.conversation_group(conversation.pk))
    next_for_student = await _listen(realtime.chat_user_group(student.pk))

    async def send(body, client_id):
        return await database_sync_to_async(services.message_post)(
            sender=staff_user, conversation=conversation, body=body, client_id=client_id
        )

    first, _ = await send("one", "u1")
    event = await next_in_conversation()
    # Rendered once for each participant (their page's partial), so no tab queries for it.
    assert (event["type"], event["id"]) == ("chat.message", first.pk)
    assert set(event["html"]) == {str(staff_user.pk), str(student.pk)}
    assert "Report" in event["html"][str(student.pk)] and "Report" not in event["html"][str(staff_user.pk)]
    assert await next_for_student() == _unread(1)
    second, _ = await send("two", "u2")
    assert (await next_in_conversation())["id"] == second.pk  # sending is not reading: no chat.read
    assert await next_for_student() == _unread(2)
    await database_sync_to_async(services.conversation_mark_read)(
        user=student, conversation=conversation, message_id=first.pk
    )
    assert await next_in_conversation() == {"type": "chat.read", "user_id": student.pk, "message_id": first.pk}
    assert await next_for_student() == _unread(1)  # what reading pushes
    # A resend of a stored client_id returns the stored message and announces it again (its
    # first announcement may have been lost), but it is no new message to count.
    again, created = await send("one", "u1")
    assert again.pk == first.pk and not created
    assert (await next_in_conversation())["id"] == first.pk
    with pytest.raises(TimeoutError):
        await next_for_student(timeout=0.3)
    assert await database_sync_to_async(Message.objects.filter(client_id="u1").count)() == 1


@pytest.mark.django_db(transaction=True)
async def test_an_away_recipient_is_notified_once_per_conversation(staff_user, student, teacher):
    """Whoever has no chat open (no heartbeat) hears of a message by notification, once per
    conversation however many messages come; whoever is online does not."""
    from channels.db import database_sync_to_async

    away = await database_sync_to_async(start_conversation)(staff_user, student)
    online = await database_sync_to_async(start_conversation)(staff_user, teacher)
    await database_sync_to_async(realtime.presence_leave)(student.pk)
    await database_sync_to_async(realtime.presence_beat)(teacher.pk)
    for n in range(3):
        for conversation, tag in ((away, "a"), (online, "h")):
            await database_sync_to_async(services.message_post)(
                sender=staff_user, conversation=conversation, body=f"{tag} {n}", client_id=f"{tag}{n}"
            )
    notes = await database_sync_to_async(list)(Notification.objects.filter(kind="chat").values_list("user_id", "url"))
    assert notes == [(student.pk, away.get_absolute_url())]


def test_an_away_notification_is_a_worker_task_that_a_retry_completes(
    conversation, student, staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    """The notification is the worker's job, queued after commit (not run by whoever sent
    the message); if it fails, the worker's retry still notifies."""
    from chat import tasks

    queued = []
    monkeypatch.setattr(services, "async_task", lambda func, *args, **kwargs: queued.append((func, args)))
    with django_capture_on_commit_callbacks(execute=True):
        message = post(staff_user, conversation, "are you there?")
    assert queued == [("chat.tasks.message_notify_away", (message.pk, student.pk))]
    assert not Notification.objects.exists()  # nothing yet: the worker runs it

    def down(**kwargs):
        raise OSError("notification store down")

    with monkeypatch.context() as broken:
        broken.setattr(services, "notify", down)
        with pytest.raises(OSError):
            tasks.message_notify_away(*queued[0][1])
    assert tasks.message_notify_away(*queued[0][1]) is True  # the retry
    assert tasks.message_notify_away(*queued[0][1]) is False  # once per conversation
    assert Notification.objects.get(user=student, kind="chat").url == conversation.get_absolute_url()


@pytest.mark.django_db(transaction=True)
async def test_a_read_receipt_tells_the_other_side_and_renews_the_readers_unread_total(staff_user, student, teacher):
    from channels.db import database_sync_to_async

    conversation = await database_sync_to_async(start_conversation)(staff_user, student)
    next_in_conversation = await _listen(realtime.conversation_group(conversation.pk))
    next_for_student = await _listen(realtime.chat_user_group(student.pk))
    first, second = [await database_sync_to_async(post)(staff_user, conversation, f"m{n}") for n in range(2)]
    for _ in range(2):
        await next_in_conversation()
        await next_for_student()

    async def read(user, message_id):
        return await database_sync_to_async(services.conversation_mark_read)(
            user=user, conversation=conversation, message_id=message_id
        )

    await read(student, first.pk)
    assert await next_in_conversation() == {"type": "chat.read", "user_id": student.pk, "message_id": first.pk}
    assert await next_for_student() == _unread(1)
    # Never back, and a receipt that moves nothing tells nobody: the next events are the
    # next receipt's. An id past the newest message marks the newest one there is.
    await read(student, first.pk - 1)
    await read(student, first.pk)
    await read(student, second.pk + 1000)
    assert (await next_in_conversation())["message_id"] == second.pk
    assert await next_for_student() == _unread(0)
    assert await database_sync_to_async(selectors.last_read_id)(user=student, conversation=conversation) == second.pk
    with pytest.raises(services.ChatError, match="not part"):
        await read(teacher, second.pk)


def test_a_read_receipt_creates_a_missing_read_state(conversation, staff_user, student):
    from chat.models import ReadState

    message = post(staff_user, conversation, "hi")
    ReadState.objects.filter(user=student).delete()
    services.conversation_mark_read(user=student, conversation=conversation, message_id=message.pk)
    assert selectors.last_read_id(user=student, conversation=conversation) == message.pk


@pytest.mark.parametrize(
    ("body", "client_id", "error"),
    [
        ("a\x00b", "n1", "cannot be sent"),  # PostgreSQL text holds no NUL
        ("\ud800", "n2", "cannot be sent"),  # a lone surrogate (JSON allows "\\ud800")
        ({"evil": 1}, "n3", "text body"),
        (None, "n4", "text body"),
        ("hi", "a\x00b", "client_id"),
        ("hi", "x" * 65, "client_id"),
        ("hi", 12, "client_id"),
    ],
)
def test_what_cannot_be_stored_is_refused_with_a_reason(conversation, student, body, client_id, error):
    with pytest.raises(services.ChatError, match=error):
        services.message_post(sender=student, conversation=conversation, body=body, client_id=client_id)
    assert not Message.objects.exists()


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


def test_replying_reads_what_came_before_and_a_receipt_may_name_any_id(conversation, student, staff_user):
    post(staff_user, conversation, "one")
    post(student, conversation, "a reply reads it")
    assert selectors.unread_total(user_id=student.pk) == 0
    post(student, conversation, "and a second reply leaves the marker where it is")
    third = post(staff_user, conversation, "three")
    # A receipt naming an id past the newest message reads up to the newest one.
    assert (
        services.conversation_mark_read(user=student, conversation=conversation, message_id=third.pk + 10) == third.pk
    )
    assert selectors.unread_total(user_id=student.pk) == 0


def test_unread_total_spans_conversations_and_skips_own_held_and_read(conversation, student, staff_user):
    other_staff = make_user(Role.STAFF)
    second_conversation = start_conversation(other_staff, student)  # no read state moved yet
    post(student, conversation, "my own")  # (replying marks what came before as read)
    post(staff_user, conversation, "one")
    read = post(staff_user, conversation, "two")
    post(staff_user, conversation, "three")
    post(other_staff, second_conversation, "four")
    ChatSettings.objects.update_or_create(pk=1, defaults={"contact_action": ContactAction.HOLD})
    post(other_staff, second_conversation, "held: www.elsewhere.com")
    services.conversation_mark_read(user=student, conversation=conversation, message_id=read.pk)
    assert selectors.unread_total(user_id=student.pk) == 2  # "three" and "four"
    assert selectors.unread_total(user_id=staff_user.pk) == 0  # they replied after it
    assert selectors.unread_total(user_id=other_staff.pk) == 0  # only their own messages


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
