"""Two ASGI server processes behind one database and one Redis deliver each other's messages."""

import asyncio
import json
import re
import time
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from chat.tests.factories import start_conversation
from lms.models import Role
from lms.tests import servers
from lms.tests.factories import make_user


@contextmanager
def asgi_servers(count: int, tmp_path, **environ: str):
    """`count` uvicorn processes on this test's database and Redis: their ports and processes."""
    env = {
        "DJANGO_SETTINGS_MODULE": "lms.config.settings_test",
        "DATABASE_URL": servers.database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CONN_MAX_AGE": "0",
        **environ,
    }
    started = []
    try:
        for index in range(count):
            started.append(servers.start_asgi(env, tmp_path / f"asgi-{index}.log"))
        yield [int(url.rsplit(":", 1)[1]) for _, url in started], [process for process, _ in started]
    finally:
        for process, _ in started:
            servers.stop(process)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def chat_socket(port: int, conversation_id: int, cookie: str):
    """A conversation's socket on the server at `port`, signed in with the session `cookie`."""
    from websockets.asyncio.client import connect

    return connect(
        f"ws://127.0.0.1:{port}/ws/chat/{conversation_id}/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
        open_timeout=10,
    )


async def exchange(port_a: int, port_b: int, conversation_id: int, cookie_a: str, cookie_b: str) -> list[dict]:
    def open_socket(port, cookie):
        return chat_socket(port, conversation_id, cookie)

    async def next_of(ws, kind, sender_id=None):
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            if frame["type"] == kind and (sender_id is None or f'data-sender-id="{sender_id}"' in frame["html"]):
                return frame

    async with open_socket(port_a, cookie_a) as a, open_socket(port_b, cookie_b) as b:
        user_a = (await next_of(a, "chat.hello"))["user_id"]
        received = []
        for i in range(3):
            await b.send(json.dumps({"type": "chat.send", "body": f"from B {i}", "client_id": f"b-{i}"}))
            ack = await next_of(b, "chat.ack")
            frame = await next_of(a, "chat.message")
            assert frame["id"] == ack["id"]
            received.append(frame["html"])
        await a.send(json.dumps({"type": "chat.send", "body": "from A", "client_id": "a-0"}))
        received.append((await next_of(b, "chat.message", sender_id=user_a))["html"])
        return received


@pytest.mark.redis
@pytest.mark.postgres
def test_two_servers_deliver_each_others_messages(transactional_db, tmp_path):
    staff = make_user(Role.STAFF, display_name="Stella Staff")
    student = make_user(Role.STUDENT, display_name="Sam Student")
    conversation = start_conversation(staff, student)
    cookie_student, cookie_staff = session_cookie(student), session_cookie(staff)
    connection.close()  # the servers' connections must not wait on ours
    with asgi_servers(2, tmp_path) as ((port_a, port_b), _):
        received = asyncio.run(exchange(port_a, port_b, conversation.pk, cookie_student, cookie_staff))
    assert [re.search(r"data-body>(.*?)<", html).group(1) for html in received] == [
        "from B 0",
        "from B 1",
        "from B 2",
        "from A",
    ]
    senders = [int(re.search(r'data-sender-id="(\d+)"', html).group(1)) for html in received]
    assert senders == [staff.pk] * 3 + [student.pk]


async def presence_after_a_kill(ports, processes, conversation_id: int, cookie_a: str, cookie_b: str) -> list[bool]:
    """A's socket on the first server, B's on the second; the first is killed (no close,
    no goodbye). What B's heartbeats hear of A afterwards, a second apart."""

    async def frames_of(ws, kind, seconds):
        found, deadline = [], time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=left))
            except TimeoutError:
                break
            if frame["type"] == kind:
                found.append(frame["online"])
        return found

    a = await chat_socket(ports[0], conversation_id, cookie_a)
    async with chat_socket(ports[1], conversation_id, cookie_b) as b:
        assert json.loads(await b.recv())["other"]["online"] is True  # A is here
        processes[0].kill()
        heard = []
        for _ in range(4):
            await b.send(json.dumps({"type": "chat.ping"}))
            heard += await frames_of(b, "chat.presence", 1)
    a.transport.abort()
    return heard


@pytest.mark.redis
@pytest.mark.postgres
def test_a_killed_servers_users_go_offline_within_two_heartbeats(transactional_db, tmp_path):
    staff = make_user(Role.STAFF)
    student = make_user(Role.STUDENT)
    conversation = start_conversation(staff, student)
    cookies = session_cookie(student), session_cookie(staff)
    connection.close()
    with asgi_servers(2, tmp_path, CHAT_HEARTBEAT_SECONDS="1") as (ports, processes):
        heard = asyncio.run(presence_after_a_kill(ports, processes, conversation.pk, *cookies))
    assert heard == [False]  # after at most two heartbeats (2 s), once
