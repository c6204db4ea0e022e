"""An app opens the site's WebSockets with a ticket from the API instead of a cookie."""

import time_machine
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from api.services import personal_token_create
from api.tests.helpers import bearer
from lms import services
from lms.config.asgi import application


def ticket_for(user) -> str:
    _token, raw = personal_token_create(user=user, name="App", scope="read")
    response = Client().post("/api/v1/realtime/ticket/", **bearer(raw))
    assert response.status_code == 201
    return response.json()["ticket"]


async def test_a_ticket_opens_the_notifications_socket_without_a_cookie_or_origin(transactional_db, student):
    ticket = await database_sync_to_async(ticket_for)(student)
    socket = WebsocketCommunicator(application, f"/ws/notifications/?ticket={ticket}")
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_json_from() == {"type": "notifications.unread", "count": 0}
    await database_sync_to_async(services.notify)(user=student, kind="course", title="Live")
    assert await socket.receive_json_from(timeout=3) == {"type": "notifications.unread", "count": 1}
    await socket.disconnect()


async def test_a_ticket_opens_one_socket_only(transactional_db, student):
    ticket = await database_sync_to_async(ticket_for)(student)
    first = WebsocketCommunicator(application, f"/ws/notifications/?ticket={ticket}")
    assert (await first.connect())[0]
    second = WebsocketCommunicator(application, f"/ws/notifications/?ticket={ticket}")
    assert not (await second.connect())[0]
    await first.disconnect()


async def test_an_old_or_forged_ticket_is_refused(transactional_db, student):
    ticket = await database_sync_to_async(ticket_for)(student)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=90)):
        late = WebsocketCommunicator(application, f"/ws/notifications/?ticket={ticket}")
        assert not (await late.connect())[0]
    forged = WebsocketCommunicator(application, f"/ws/notifications/?ticket={ticket[:-3]}abc")
    assert not (await forged.connect())[0]


async def test_without_a_ticket_a_socket_still_needs_this_sites_origin(transactional_db, student):
    socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[(b"origin", b"https://evil.example")])
    assert not (await socket.connect())[0]


def test_only_someone_signed_in_gets_a_ticket(db):
    assert Client().post("/api/v1/realtime/ticket/").status_code == 401
