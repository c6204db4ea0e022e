"""The chat socket under Channels' communicator (in-memory layer locally; Redis under CI
when REDIS_URL is set — the same tests run on both)."""

import re
import zoneinfo

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


def body_of(html: str) -> str:
    """The text of a rendered message's body paragraph (still HTML-escaped)."""
    return re.search(r"<p [^>]*data-body>(.*?)</p>", html, re.S).group(1)


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
    assert ack["client_id"] == "c-1"
    for tab in (staff_tab, student_tab1, student_tab2):  # the sending tab too, like any other
        frame = await receive(tab, "chat.message")
        assert frame["id"] == ack["id"]
        assert body_of(frame["html"]) == "Hello teacher"
        assert "<time datetime=" in frame["html"]
        assert await nothing_of(tab, "chat.message")  # once
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
        seen.append((await receive(tab, "chat.message"))["id"])
    await tab.disconnect()  # the connection drops...

    missed = [(await database_sync_to_async(post)(staff, conversation, f"missed {i}")).pk for i in range(5)]

    tab, *_ = await connect(student, path)  # ...and comes back, asking from its last id
    await receive(tab, "chat.hello")
    await tab.send_json_to({"type": "chat.sync", "after_id": seen[-1]})
    frame = await receive(tab, "chat.messages")
    assert [m["id"] for m in frame["messages"]] == missed
    assert [body_of(m["html"]) for m in frame["messages"]] == [f"missed {i}" for i in range(5)]
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


MALFORMED = [
    {"type": "chat.send", "body": "a\x00b", "client_id": "nul"},  # PostgreSQL text holds no NUL
    {"type": "chat.send", "body": "\ud800", "client_id": "surrogate"},  # not storable Unicode
    {"type": "chat.send", "body": "x" * 11, "client_id": "long"},
    {"type": "chat.send", "body": {"evil": 1}, "client_id": "dict"},
    {"type": "chat.send", "body": ["a"], "client_id": "list"},
    {"type": "chat.send", "body": 7},
    {"type": "chat.send"},
    {"type": "chat.send", "body": "ok", "client_id": "a\x00b"},
    {"type": "chat.send", "body": "ok", "client_id": "c" * 65},
    {"type": "chat.send", "body": "ok", "client_id": {"id": 1}},
    {"type": "chat.send", "body": "ok", "client_id": 12},
    {"type": "chat.sync", "after_id": "x"},
    {"type": "chat.sync", "after_id": "²"},
    {"type": "chat.sync", "after_id": 1.5},
    {"type": "chat.sync", "after_id": True},
    {"type": "chat.sync", "after_id": -1},
    {"type": "chat.sync", "after_id": 2**63},
    {"type": "chat.sync", "after_id": 10**400},
    {"type": "chat.sync"},
    {"type": "chat.read", "message_id": 2**63},
    {"type": "chat.read", "message_id": -(2**63)},
    {"type": "chat.read", "message_id": None},
    {"type": "chat.read", "message_id": [1]},
    {"type": "chat.nope"},
    {"type": ["chat.send"]},
    {"type": {"a": 1}},
    {"type": None},
    {},
]
RAW_MALFORMED = [
    "not json",
    " ",
    "[1, 2]",
    '"chat.send"',
    "42",
    "null",
    "[" * 100_000 + "]" * 100_000,  # nested beyond the parser's recursion limit
    '{"type": "chat.sync", "after_id": Infinity}',
    '{"type": "chat.read", "message_id": NaN}',
    '{"type": "chat.send", "body": "\\u0000", "client_id": "escaped-nul"}',
]


async def test_malformed_frames_get_error_frames_store_nothing_and_keep_the_socket(people, settings):
    settings.CHAT_MESSAGE_MAX_LENGTH = 10
    settings.CHAT_SYNC_RATE_LIMIT = (1000, 10)
    _, student, _, conversation = people
    tab, *_ = await connect(student, f"/ws/chat/{conversation.pk}/")
    await receive(tab, "chat.hello")
    tried = 0
    for frame in MALFORMED:
        await tab.send_json_to(frame)
        assert (await receive(tab, "error"))["error"], frame
        tried += 1
    for raw in RAW_MALFORMED:
        await tab.send_to(text_data=raw)
        assert (await receive(tab, "error"))["error"], raw[:40]
        tried += 1
    await tab.send_to(bytes_data=b'{"type": "chat.send", "body": "binary", "client_id": "bin"}')
    assert "JSON" in (await receive(tab, "error"))["error"]
    assert tried + 1 == len(MALFORMED) + len(RAW_MALFORMED) + 1
    assert not await database_sync_to_async(Message.objects.exists)()
    # Still open, and still a chat.
    await tab.send_json_to({"type": "chat.send", "body": "still here", "client_id": "fine"})
    assert (await receive(tab, "chat.ack"))["client_id"] == "fine"
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
async def test_markup_in_a_message_travels_escaped(people, payload):
    """Live (the ack, the group's copy) and on catch-up, as on page load: the server's
    partial escapes the body, and the script inserts that HTML only."""
    from django.utils.html import escape

    staff, student, _, conversation = people
    path = f"/ws/chat/{conversation.pk}/"
    staff_tab, *_ = await connect(staff, path)
    student_tab, *_ = await connect(student, path)
    await student_tab.send_json_to({"type": "chat.send", "body": payload, "client_id": "x1"})
    own = await receive(student_tab, "chat.message")
    live = await receive(staff_tab, "chat.message")
    await staff_tab.send_json_to({"type": "chat.sync", "after_id": 0})
    [synced] = (await receive(staff_tab, "chat.messages"))["messages"]
    for html in (own["html"], live["html"], synced["html"]):
        assert payload not in html
        assert body_of(html) == escape(payload)
        assert "<script" not in html and "<svg" not in html and "<img" not in html
    await staff_tab.disconnect()
    await student_tab.disconnect()


async def test_a_message_is_rendered_once_by_the_pages_partial_in_each_viewers_zone(people):
    """The HTML a socket sends is the page's own partial: what the sender's tab is sent is
    byte for byte the message on their next page load, and each side sees the time in
    their own zone."""
    from django.test import Client

    staff, student, _, conversation = people
    staff.time_zone, student.time_zone = "Asia/Tokyo", "America/New_York"
    await database_sync_to_async(staff.save)()
    await database_sync_to_async(student.save)()
    path = f"/ws/chat/{conversation.pk}/"
    staff_tab, *_ = await connect(staff, path)
    student_tab, *_ = await connect(student, path)
    await staff_tab.send_json_to({"type": "chat.send", "body": "Konnichiwa", "client_id": "tz1"})
    own = await receive(staff_tab, "chat.message")
    live = await receive(student_tab, "chat.message")
    message = await database_sync_to_async(Message.objects.get)(pk=own["id"])
    for html, zone in ((own["html"], "Asia/Tokyo"), (live["html"], "America/New_York")):
        local = message.created_at.astimezone(zoneinfo.ZoneInfo(zone))
        assert f">{local.day} {local:%b, %H:%M}</time>" in html

    def page_of(user):
        client = Client()
        client.force_login(user)
        return client.get(conversation.get_absolute_url()).content.decode()

    page = await database_sync_to_async(page_of)(staff)
    assert own["html"] in page
    await staff_tab.disconnect()
    await student_tab.disconnect()


def test_chat_js_inserts_only_the_servers_html():
    from pathlib import Path

    from django.conf import settings

    script = (Path(settings.BASE_DIR) / "static/js/chat.js").read_text()
    for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment"):
        assert sink not in script
    # No markup of its own for a message: it parses what the server rendered.
    assert "renderMessage" not in script and 'createElement("li")' not in script
    assert "parseFromString(html" in script


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
    assert ack["status"] == "held"
    own = await receive(student_tab, "chat.message")
    assert own["id"] == ack["id"] and "Waiting for review" in own["html"]  # shown to its sender only
    assert await nothing_of(staff_tab, "chat.message")

    message = await database_sync_to_async(Message.objects.get)(pk=ack["id"])
    await database_sync_to_async(services.message_moderate)(actor=staff, message=message, action="approve")
    approved = await receive(staff_tab, "chat.message")
    assert approved["id"] == ack["id"] and "Waiting for review" not in approved["html"]
    # The sender's tab gets it again, no longer waiting (the script replaces its copy).
    again = await receive(student_tab, "chat.message")
    assert again["id"] == ack["id"] and "Waiting for review" not in again["html"]

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
    assert body_of(frame["html"]) == "mail [removed]"
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
    delivered = await receive(reader, "chat.message")
    assert await database_sync_to_async(Message.objects.filter(pk=delivered["id"], body="Hello").exists)()
    assert (await receive(writer, "chat.ack"))["id"] == delivered["id"]
    assert (await receive(badge, "chat.unread"))["count"] == 1
    # The conversation page's badge is the page socket's (/ws/notifications/): not sent twice.
    assert await nothing_of(reader, "chat.unread")
    assert (await receive(writer, "chat.message"))["id"] == delivered["id"]

    # A resend after a dropped connection is acknowledged with the stored message and goes
    # out again (the first announcement may be what was lost): the same id, which the
    # script shows once. It is not stored or counted again.
    await writer.send_json_to({"type": "chat.send", "body": "Hello", "client_id": "once-1"})
    assert (await receive(writer, "chat.ack"))["id"] == delivered["id"]
    assert (await receive(reader, "chat.message"))["id"] == delivered["id"]
    assert await nothing_of(badge, "chat.unread")
    assert await database_sync_to_async(Message.objects.filter(client_id="once-1").count)() == 1
    for tab in (badge, reader, writer):
        await tab.disconnect()


# --- Through the real ASGI application: session cookie and Origin -------------------------


async def _session_cookie(user) -> str:
    from django.test import Client

    def login():
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    return await database_sync_to_async(login)()


async def test_session_authenticates_and_origin_is_checked(people):
    from lms.config.asgi import application

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


# --- A bad day: the channel layer fails, a process dies, a client floods --------------------


async def test_a_failed_publish_keeps_the_socket_and_the_resend_reaches_the_conversation(people, monkeypatch):
    """Redis down while a message is sent: it is stored, but nobody hears of it. The
    sender's socket lives and is acknowledged; when the client resends the same client_id
    (after a reconnect, say), the stored message goes out to the conversation after all."""
    from channels.layers import get_channel_layer

    staff, student, _, conversation = people
    path = f"/ws/chat/{conversation.pk}/"
    staff_tab, *_ = await connect(staff, path)
    student_tab, *_ = await connect(student, path)
    for tab in (staff_tab, student_tab):
        await receive(tab, "chat.hello")

    layer = get_channel_layer()
    working = layer.group_send

    async def down(group, message):
        if message["type"] == "chat.message":
            raise ConnectionError("Redis is down")
        await working(group, message)

    monkeypatch.setattr(layer, "group_send", down)
    await student_tab.send_json_to({"type": "chat.send", "body": "lost at first", "client_id": "r-1"})
    ack = await receive(student_tab, "chat.ack")
    assert await nothing_of(staff_tab, "chat.message")

    monkeypatch.setattr(layer, "group_send", working)  # Redis is back
    await student_tab.send_json_to({"type": "chat.send", "body": "lost at first", "client_id": "r-1"})
    assert (await receive(student_tab, "chat.ack"))["id"] == ack["id"]
    frame = await receive(staff_tab, "chat.message")
    assert frame["id"] == ack["id"] and body_of(frame["html"]) == "lost at first"
    assert await database_sync_to_async(Message.objects.filter(client_id="r-1").count)() == 1
    for tab in (staff_tab, student_tab):
        await tab.disconnect()


async def test_catch_up_requests_are_rate_limited_per_socket(people, settings):
    settings.CHAT_SYNC_RATE_LIMIT = (3, 60)
    staff, student, _, conversation = people
    path = f"/ws/chat/{conversation.pk}/"
    flooder, *_ = await connect(student, path)
    await receive(flooder, "chat.hello")
    for _ in range(3):
        await flooder.send_json_to({"type": "chat.sync", "after_id": 0})
        await receive(flooder, "chat.messages")
    await flooder.send_json_to({"type": "chat.sync", "after_id": 0})
    error = await receive(flooder, "error")
    assert error["code"] == "rate_limited" and error["retry_after"] == 60
    assert await nothing_of(flooder, "chat.messages")
    # The socket lives and still chats; another socket has its own allowance.
    await flooder.send_json_to({"type": "chat.send", "body": "still here", "client_id": "f1"})
    await receive(flooder, "chat.ack")
    other, *_ = await connect(staff, path)
    await receive(other, "chat.hello")
    await other.send_json_to({"type": "chat.sync", "after_id": 0})
    assert len((await receive(other, "chat.messages"))["messages"]) == 1
    for tab in (flooder, other):
        await tab.disconnect()


async def test_presence_of_a_socket_that_died_without_closing_expires_after_two_heartbeats(people, settings):
    """A socket whose process was killed never runs its disconnect: nobody announces it
    left. Its user stops beating, and after two missed heartbeats the other side's next
    ping hears they are offline."""
    import asyncio

    settings.CHAT_HEARTBEAT_SECONDS = 1
    staff, student, _, conversation = people
    path = f"/ws/chat/{conversation.pk}/"
    staff_tab, *_ = await connect(staff, path)
    assert (await receive(staff_tab, "chat.hello"))["heartbeat"] == 1
    student_tab, *_ = await connect(student, path)
    await receive(staff_tab, "chat.presence")  # online
    student_tab.future.cancel()  # the process died: no disconnect, no goodbye
    await asyncio.sleep(0.5)
    await staff_tab.send_json_to({"type": "chat.ping"})
    assert await nothing_of(staff_tab, "chat.presence")  # still within its two heartbeats
    await asyncio.sleep(2)
    await staff_tab.send_json_to({"type": "chat.ping"})
    assert await receive(staff_tab, "chat.presence") == {
        "type": "chat.presence",
        "user_id": student.pk,
        "online": False,
    }
    assert not await database_sync_to_async(realtime.is_online)(student.pk)
    await staff_tab.disconnect()


async def test_an_away_recipient_is_notified_by_a_task_queued_before_the_ack(people, monkeypatch):
    """The notification is queued for the worker before the sender hears back: a `ws`
    process that dies after the ack has nothing left to lose."""
    from chat import tasks
    from lms.models import Notification

    staff, student, _, conversation = people
    queued = []
    monkeypatch.setattr(services, "async_task", lambda func, *args, **kwargs: queued.append((func, args)))
    tab, *_ = await connect(student, f"/ws/chat/{conversation.pk}/")
    await receive(tab, "chat.hello")
    await database_sync_to_async(realtime.presence_leave)(staff.pk)  # no tab of theirs is open
    await tab.send_json_to({"type": "chat.send", "body": "are you there?", "client_id": "away-1"})
    ack = await receive(tab, "chat.ack")
    assert queued == [("chat.tasks.message_notify_away", (ack["id"], staff.pk))]
    await tab.disconnect()

    assert await database_sync_to_async(tasks.message_notify_away)(*queued[0][1])  # the worker runs it
    note = await database_sync_to_async(Notification.objects.get)(user=staff, kind="chat")
    assert note.url == conversation.get_absolute_url() and note.body == "are you there?"


async def test_each_participant_reads_the_socket_in_their_own_language(people):
    """Messages are rendered for each socket's user in their profile's language (the date
    through `when`), and the socket's error frames are written in it too."""
    import datetime

    from django.utils import translation
    from django.utils.translation import gettext

    staff, student, _, conversation = people
    student.language = "es"
    await database_sync_to_async(student.save)(update_fields=["language"])
    message = await database_sync_to_async(post)(staff, conversation, "Hola")
    noon = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)
    await database_sync_to_async(Message.objects.filter(pk=message.pk).update)(created_at=noon)
    path = f"/ws/chat/{conversation.pk}/"
    staff_tab, *_ = await connect(staff, path)
    student_tab, *_ = await connect(student, path)
    for tab, month in ((staff_tab, "Dec"), (student_tab, "dic")):
        await tab.send_json_to({"type": "chat.sync", "after_id": 0})
        (shown,) = (await receive(tab, "chat.messages"))["messages"]
        assert f"7 {month}" in shown["html"]
    await student_tab.send_json_to({"type": "chat.nonsense"})
    with translation.override("es"):
        expected = gettext("Unknown message type “%(type)s”.") % {"type": "chat.nonsense"}
    assert (await receive(student_tab, "error"))["error"] == expected
    for tab in (staff_tab, student_tab):
        await tab.disconnect()
