"""The chat socket under Channels' communicator (in-memory layer locally; Redis under CI
when REDIS_URL is set — the same tests run on both)."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from chat import realtime, routing, services
from chat.models import ChatSettings, ContactAction, Message
from chat.tests.factories import post, start_conversation
from lms.models import Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

app = URLRouter(routing.websocket_urlpatterns)


async def connect(user, path):
    communicator = WebsocketCommunicator(app, path)
    communicator.scope["user"] = user
    connected, code = await communicator.connect()
    return communicator, connected, code


async def receive(communicator, kind, timeout=2):
    """The next frame of `kind`, skipping others (presence, unread counts...)."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def nothing_of(communicator, kind, timeout=0.3):
    """True if no frame of `kind` arrives within `timeout` (others are skipped)."""
    while not await communicator.receive_nothing(timeout=timeout):
        if (await communicator.receive_json_from())["type"] == kind:
            return False
    return True


@pytest.fixture
def people(transactional_db):
    staff = make_user(Role.STAFF, display_name="Stella Staff")
    student = make_user(Role.STUDENT, display_name="Sam Student")
    outsider = make_user(Role.TEACHER)
    conversation = start_conversation(staff, student)
    return staff, student, outsider, conversation


async def test_anonymous_is_refused(people):
    *_, conversation = people
    _, connected, code = await connect(AnonymousUser(), f"/ws/chat/{conversation.pk}/")
    assert not connected and code == 4401


async def test_outsider_cannot_join(people):
    _, _, outsider, conversation = people
    _, connected, code = await connect(outsider, f"/ws/chat/{conversation.pk}/")
    assert not connected and code == 4403
    _, connected, code = await connect(outsider, "/ws/chat/999999/")
    assert not connected and code == 4403


async def test_message_reaches_every_tab_of_both_participants(people):
    staff, student, _, conversation = people
    path = f"/ws/chat/{conversation.pk}/"
    staff_tab, *_ = await connect(staff, path)
    student_tab1, *_ = await connect(student, path)
    student_tab2, *_ = await connect(student, path)
    for tab in (staff_tab, student_tab1, student_tab2):
        assert (await receive(tab, "chat.hello"))["conversation_id"] == conversation.pk

    await student_tab1.send_json_to({"type": "chat.send", "body": "Hello teacher", "client_id": "c-1"})
    ack = await receive(student_tab1, "chat.ack")
    stored = await database_sync_to_async(Message.objects.get)(pk=ack["id"])
    assert stored.body == "Hello teacher"  # stored before anyone heard of it
    assert ack["message"]["id"] == ack["id"] and ack["message"]["body"] == "Hello teacher"
    for tab in (staff_tab, student_tab2):
        frame = await receive(tab, "chat.message")
        assert frame["message"]["id"] == ack["id"]
        assert frame["message"]["body"] == "Hello teacher"
        assert frame["message"]["created_at"]
    # The sending tab had the stored message with its ack: the group's copy is not sent to it.
    assert await nothing_of(student_tab1, "chat.message")
    for tab in (staff_tab, student_tab1, student_tab2):
        await tab.disconnect()


async def test_reconnect_catch_up_without_loss_or_duplicates(people, settings):
    settings.CHAT_RATE_LIMIT = (1000, 10)
    staff, student, _, conversation = people
    path = f"/ws/chat/{conversation.pk}/"
    tab, *_ = await connect(student, path)
    await receive(tab, "chat.hello")
    seen = []
    for i in range(3):
        await database_sync_to_async(post)(staff, conversation, f"live {i}")
        seen.append((await receive(tab, "chat.message"))["message"]["id"])
    await tab.disconnect()  # the connection drops...

    missed = [(await database_sync_to_async(post)(staff, conversation, f"missed {i}")).pk for i in range(5)]

    tab, *_ = await connect(student, path)  # ...and comes back, asking from its last id
    await receive(tab, "chat.hello")
    await tab.send_json_to({"type": "chat.sync", "after_id": seen[-1]})
    frame = await receive(tab, "chat.messages")
    assert [m["id"] for m in frame["messages"]] == missed
    assert frame["complete"] is True
    ids = seen + [m["id"] for m in frame["messages"]]
    assert len(ids) == len(set(ids)) == 8

    # The client resends a message whose ack it never got: stored once, same id.
    await tab.send_json_to({"type": "chat.send", "body": "sent twice", "client_id": "dup-1"})
    first = await receive(tab, "chat.ack")
    await tab.send_json_to({"type": "chat.send", "body": "sent twice", "client_id": "dup-1"})
    second = await receive(tab, "chat.ack")
    assert first["id"] == second["id"]
    assert await database_sync_to_async(Message.objects.filter(body="sent twice").count)() == 1
    await tab.disconnect()


async def test_rate_limit_sends_an_error_frame(people, settings):
    settings.CHAT_RATE_LIMIT = (5, 10)
    _, student, _, conversation = people
    tab, *_ = await connect(student, f"/ws/chat/{conversation.pk}/")
    for i in range(5):
        await tab.send_json_to({"type": "chat.send", "body": f"m{i}", "client_id": f"r{i}"})
        await receive(tab, "chat.ack")
    await tab.send_json_to({"type": "chat.send", "body": "too many", "client_id": "r5"})
    error = await receive(tab, "error")
    assert error["code"] == "rate_limited" and error["client_id"] == "r5"
    assert "too fast" in error["error"]
    assert await database_sync_to_async(Message.objects.count)() == 5
    await tab.disconnect()


async def test_bad_frames_get_error_frames(people, settings):
    settings.CHAT_MESSAGE_MAX_LENGTH = 10
    _, student, _, conversation = people
    tab, *_ = await connect(student, f"/ws/chat/{conversation.pk}/")
    await receive(tab, "chat.hello")
    await tab.send_to(text_data="not json")
    assert "JSON" in (await receive(tab, "error"))["error"]
    await tab.send_json_to({"type": "chat.nope"})
    assert "Unknown" in (await receive(tab, "error"))["error"]
    await tab.send_json_to({"type": "chat.send", "body": "x" * 11, "client_id": "long"})
    assert "at most 10" in (await receive(tab, "error"))["error"]
    await tab.send_json_to({"type": "chat.send", "body": {"evil": 1}})
    assert (await receive(tab, "error"))["error"]
    await tab.send_json_to({"type": "chat.sync", "after_id": "x"})
    assert "after_id" in (await receive(tab, "error"))["error"]
    for too_big in (2**63, -(2**63)):  # no id column holds it (SQLite could not even bind it)
        await tab.send_json_to({"type": "chat.read", "message_id": too_big})
        assert "message_id" in (await receive(tab, "error"))["error"]
    await tab.disconnect()


async def test_suspended_sender_gets_an_error(people):
    staff, student, _, conversation = people
    await database_sync_to_async(services.user_chat_suspend)(actor=staff, user=student)
    student.chat_suspended = True
    tab, *_ = await connect(student, f"/ws/chat/{conversation.pk}/")
    await tab.send_json_to({"type": "chat.send", "body": "hi", "client_id": "s1"})
    assert "suspended" in (await receive(tab, "error"))["error"]
    await tab.disconnect()


async def test_suspension_reaches_a_socket_opened_before_it(people):
    """The socket's user was loaded when it connected; the store checks the suspension as
    it is now."""
    staff, student, _, conversation = people
    tab, *_ = await connect(student, f"/ws/chat/{conversation.pk}/")
    await receive(tab, "chat.hello")
    await tab.send_json_to({"type": "chat.send", "body": "before", "client_id": "b1"})
    await receive(tab, "chat.ack")
    await database_sync_to_async(services.user_chat_suspend)(actor=staff, user=student)
    assert not student.chat_suspended  # the socket's copy of the user did not change
    await tab.send_json_to({"type": "chat.send", "body": "after", "client_id": "b2"})
    error = await receive(tab, "error")
    assert "suspended" in error["error"] and error["client_id"] == "b2"
    assert not await database_sync_to_async(Message.objects.filter(client_id="b2").exists)()
    await tab.disconnect()


@pytest.mark.parametrize(
    "payload", ['<script>alert("x")</script>', '<img src=x onerror="alert(1)">', "</script><svg onload=alert(1)>"]
)
async def test_text_travels_as_data_never_as_markup(people, payload):
    staff, student, _, conversation = people
    path = f"/ws/chat/{conversation.pk}/"
    staff_tab, *_ = await connect(staff, path)
    student_tab, *_ = await connect(student, path)
    await student_tab.send_json_to({"type": "chat.send", "body": payload, "client_id": "x1"})
    raw = await staff_tab.receive_from(timeout=2)
    while json.loads(raw)["type"] != "chat.message":
        raw = await staff_tab.receive_from(timeout=2)
    # A JSON string value (the script inserts it with textContent), not an HTML fragment.
    assert json.loads(raw)["message"]["body"] == payload
    assert set(json.loads(raw)["message"]) >= {"id", "body", "sender_name", "created_at"}
    assert "html" not in json.loads(raw)["message"]
    await staff_tab.disconnect()
    await student_tab.disconnect()


def test_chat_js_never_inserts_html():
    from pathlib import Path

    from django.conf import settings

    script = (Path(settings.BASE_DIR) / "static/js/chat.js").read_text()
    for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment"):
        assert sink not in script


async def test_typing_read_receipts_and_presence(people):
    staff, student, _, conversation = people
    path = f"/ws/chat/{conversation.pk}/"
    staff_tab, *_ = await connect(staff, path)
    hello = await receive(staff_tab, "chat.hello")
    assert hello["other"] == {"id": student.pk, "online": False, "last_read_message_id": 0}

    student_tab, *_ = await connect(student, path)
    assert (await receive(student_tab, "chat.hello"))["other"]["online"] is True
    presence = await receive(staff_tab, "chat.presence")
    assert presence == {"type": "chat.presence", "user_id": student.pk, "online": True}

    await student_tab.send_json_to({"type": "chat.typing"})
    typing = await receive(staff_tab, "chat.typing")
    assert typing["name"] == "Sam Student"
    assert await nothing_of(student_tab, "chat.typing")  # not echoed to the typist
    await student_tab.send_json_to({"type": "chat.typing"})  # throttled: not resent within 2 s
    assert await nothing_of(staff_tab, "chat.typing")

    message = await database_sync_to_async(post)(staff, conversation, "Did you read this?")
    await receive(student_tab, "chat.message")
    await student_tab.send_json_to({"type": "chat.read", "message_id": message.pk})
    read = await receive(staff_tab, "chat.read")
    assert read == {"type": "chat.read", "user_id": student.pk, "message_id": message.pk}

    # A heartbeat is answered only when the other's presence changed: here the staff
    # member's browser vanished without closing (their presence expired, unannounced).
    await student_tab.send_json_to({"type": "chat.ping"})
    assert await nothing_of(student_tab, "chat.presence")
    await database_sync_to_async(realtime.presence_leave)(staff.pk)
    await student_tab.send_json_to({"type": "chat.ping"})
    assert (await receive(student_tab, "chat.presence"))["online"] is False

    await student_tab.disconnect()
    assert (await receive(staff_tab, "chat.presence"))["online"] is False
    await staff_tab.disconnect()


async def test_held_message_reaches_only_its_sender_until_approved(people):
    staff, student, _, conversation = people
    await database_sync_to_async(ChatSettings.objects.update_or_create)(
        pk=1, defaults={"contact_action": ContactAction.HOLD}
    )
    path = f"/ws/chat/{conversation.pk}/"
    staff_tab, *_ = await connect(staff, path)
    student_tab, *_ = await connect(student, path)
    await student_tab.send_json_to({"type": "chat.send", "body": "call me 020 7946 0958", "client_id": "h1"})
    ack = await receive(student_tab, "chat.ack")
    assert ack["status"] == "held" and ack["message"]["status"] == "held"  # shown to its sender only
    assert await nothing_of(staff_tab, "chat.message")

    message = await database_sync_to_async(Message.objects.get)(pk=ack["id"])
    await database_sync_to_async(services.message_moderate)(actor=staff, message=message, action="approve")
    approved = await receive(staff_tab, "chat.message")
    assert approved["message"]["id"] == ack["id"] and approved["message"]["status"] == "visible"

    await database_sync_to_async(services.message_moderate)(actor=staff, message=message, action="hide")
    assert (await receive(student_tab, "chat.hidden"))["message_id"] == ack["id"]
    await staff_tab.disconnect()
    await student_tab.disconnect()


async def test_masked_message_is_broadcast_masked(people):
    staff, student, _, conversation = people
    path = f"/ws/chat/{conversation.pk}/"
    staff_tab, *_ = await connect(staff, path)
    student_tab, *_ = await connect(student, path)
    await student_tab.send_json_to({"type": "chat.send", "body": "mail me@elsewhere.com", "client_id": "m1"})
    frame = await receive(staff_tab, "chat.message")
    assert frame["message"]["body"] == "mail [removed]"
    assert frame["message"]["flags"] == ["email"]
    await staff_tab.disconnect()
    await student_tab.disconnect()


async def test_personal_socket_gets_unread_counts(people):
    staff, student, _, conversation = people
    tab, *_ = await connect(student, "/ws/chat/")
    assert (await receive(tab, "chat.hello"))["unread"] == 0
    await database_sync_to_async(post)(staff, conversation, "ping")
    assert (await receive(tab, "chat.unread"))["count"] == 1
    await tab.send_json_to({"type": "chat.send", "body": "x"})
    assert "conversation" in (await receive(tab, "error"))["error"]
    await tab.disconnect()


async def test_socket_send_stores_then_announces_once(people):
    staff, student, _, conversation = people
    badge, *_ = await connect(student, "/ws/chat/")
    await receive(badge, "chat.hello")
    reader, *_ = await connect(student, f"/ws/chat/{conversation.pk}/")
    await receive(reader, "chat.hello")
    writer, *_ = await connect(staff, f"/ws/chat/{conversation.pk}/")
    await receive(writer, "chat.hello")

    await writer.send_json_to({"type": "chat.send", "body": "Hello", "client_id": "once-1"})
    delivered = (await receive(reader, "chat.message"))["message"]
    assert await database_sync_to_async(Message.objects.filter(pk=delivered["id"], body="Hello").exists)()
    assert (await receive(writer, "chat.ack"))["id"] == delivered["id"]
    assert (await receive(badge, "chat.unread"))["count"] == 1
    # The conversation page's badge is the page socket's (/ws/notifications/): not sent twice.
    assert await nothing_of(reader, "chat.unread")

    # A resend after a dropped connection is acknowledged again but never delivered twice.
    await writer.send_json_to({"type": "chat.send", "body": "Hello", "client_id": "once-1"})
    assert (await receive(writer, "chat.ack"))["id"] == delivered["id"]
    assert await nothing_of(reader, "chat.message")
    assert await nothing_of(badge, "chat.unread")
    assert await database_sync_to_async(Message.objects.filter(client_id="once-1").count)() == 1
    for tab in (badge, reader, writer):
        await tab.disconnect()


async def test_forwarded_group_events_skip_the_connection_cleanup_hop(people, monkeypatch):
    """Channels would hop to the one thread-sensitive thread before every event; the chat
    keeps that for connect and disconnect only (its ORM work closes stale connections in
    `db()`), so forwarding a message costs no thread hop."""
    import channels.consumer

    hops = []
    original = channels.consumer.aclose_old_connections

    async def counted():
        hops.append(1)
        await original()

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    staff, student, _, conversation = people
    reader, *_ = await connect(student, f"/ws/chat/{conversation.pk}/")
    await receive(reader, "chat.hello")
    assert len(hops) == 1  # websocket.connect
    await database_sync_to_async(post)(staff, conversation, "forwarded")
    assert (await receive(reader, "chat.message"))["message"]["body"] == "forwarded"
    await database_sync_to_async(realtime.presence_beat)(staff.pk)  # came online: the ping is answered
    await reader.send_json_to({"type": "chat.ping"})
    await receive(reader, "chat.presence")
    assert len(hops) == 1
    await reader.disconnect()
    assert len(hops) == 2  # websocket.disconnect


# --- Through the real ASGI application: session cookie and Origin -------------------------


async def _session_cookie(user) -> str:
    from django.test import Client

    def login():
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    return await database_sync_to_async(login)()


async def test_session_authenticates_and_origin_is_checked(people):
    from lms.asgi import application

    _, student, _, conversation = people
    cookie = await _session_cookie(student)
    path = f"/ws/chat/{conversation.pk}/"

    good = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://localhost"), (b"cookie", f"sessionid={cookie}".encode())]
    )
    connected, _ = await good.connect()
    assert connected
    assert (await receive(good, "chat.hello"))["user_id"] == student.pk
    await good.disconnect()

    evil = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"https://evil.example"), (b"cookie", f"sessionid={cookie}".encode())]
    )
    connected, _ = await evil.connect()
    assert not connected

    no_session = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://localhost")])
    connected, code = await no_session.connect()
    assert not connected and code == 4401


async def test_announcement_reaches_enrolled_students_live(transactional_db, django_capture_on_commit_callbacks):
    from chat.tests.conftest import make_course

    teacher = await database_sync_to_async(make_user)(Role.TEACHER, display_name="Tess Teacher")
    course, students = await database_sync_to_async(make_course)(teacher, students=2)
    outsider = await database_sync_to_async(make_user)(Role.STUDENT)
    tabs = [(await connect(user, "/ws/chat/"))[0] for user in [*students, outsider]]
    for tab in tabs:
        await receive(tab, "chat.hello")
    await database_sync_to_async(services.announcement_post)(teacher=teacher, course=course, body="Quiz <b>moved</b>")
    for tab in tabs[:2]:
        frame = await receive(tab, "chat.announcement")
        assert frame["announcement"]["body"] == "Quiz <b>moved</b>"
        assert frame["announcement"]["course_title"] == "Algebra"
    assert await nothing_of(tabs[2], "chat.announcement")
    for tab in tabs:
        await tab.disconnect()
