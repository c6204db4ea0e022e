import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from live import services
from lms.consumers import NotificationConsumer


def communicator(user):
    """The shared page socket, which forwards live.booking events (lms/infra/realtime.py)."""
    comm = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    comm.scope["user"] = user
    return comm


async def next_of_type(comm, event_type):
    for _ in range(10):
        message = await comm.receive_json_from(timeout=5)
        if message["type"] == event_type:
            return message
    raise AssertionError(f"no {event_type} message")


# Any db mark keeps it before the browser tests (whose Playwright loop would be running).
@pytest.mark.django_db
async def test_anonymous_sockets_are_refused():
    connected, code = await communicator(AnonymousUser()).connect()
    assert not connected and code == 4401


@pytest.mark.django_db(transaction=True)
async def test_the_student_hears_the_approval(pending, london_teacher, student):
    comm = communicator(student)
    connected, _ = await comm.connect()
    assert connected
    await database_sync_to_async(services.booking_approve)(actor=london_teacher, live_class_id=pending.pk)
    message = await next_of_type(comm, "live.booking")
    assert message == {"type": "live.booking", "class_id": pending.pk, "status": "confirmed"}
    await comm.send_json_to({"type": "anything"})
    assert (await next_of_type(comm, "error"))["type"] == "error"
    await comm.disconnect()
